/**
 * Bytes to text for the files an administrator exports from Windows (windows-exports.md §0.9, §2.4, §3.3):
 * Windows PowerShell 5.1 (`Out-File`, `>`) and `reg export` write UTF-16LE with a BOM; `-Encoding UTF8` in 5.1
 * writes UTF-8 with a BOM; other tools write UTF-8 without one. The encoding is sniffed, never taken from a name.
 * Pure; a file that is not text in any of these encodings is a typed refusal naming the file and the line.
 */
import { err, ok, type Result } from '../result';
import { importRefusal, type ImportRefusal } from './refusals';

export type SourceEncoding = 'utf-16le' | 'utf-16be' | 'utf-8';

export interface SourceText {
  file: string;
  encoding: SourceEncoding;
  /** without the BOM, CRLF kept. */
  text: string;
}

/** The 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The line of the first byte that cannot be decoded, counting LF bytes (UTF-8) or LF code units (UTF-16). */
function badLine(bytes: Uint8Array, encoding: SourceEncoding, offset: number): number {
  const step = encoding === 'utf-8' ? 1 : 2;
  const decoder = new TextDecoder(encoding, { fatal: true });
  let line = 1;
  // Decode line by line: the first line that fails is the one to name.
  let start = offset;
  for (let i = start; i + step <= bytes.length; i += step) {
    const isLf = encoding === 'utf-8' ? bytes[i] === 10 : encoding === 'utf-16le' ? bytes[i] === 10 && bytes[i + 1] === 0 : bytes[i] === 0 && bytes[i + 1] === 10;
    if (isLf || i + step * 2 > bytes.length) {
      const end = isLf ? i : bytes.length;
      try {
        decoder.decode(bytes.subarray(start, end));
      } catch {
        return line;
      }
      if (isLf) line++;
      start = i + step;
    }
  }
  return line;
}

/** UTF-16LE without a BOM still shows itself: ASCII text has a zero at every odd byte. */
function looksUtf16le(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 400);
  if (n < 4) return false;
  let zeros = 0;
  for (let i = 1; i < n; i += 2) if (bytes[i] === 0) zeros++;
  return zeros >= (n / 2) * 0.6;
}

export function decodeSource(file: string, bytes: Uint8Array): Result<SourceText, ImportRefusal> {
  let encoding: SourceEncoding;
  let body: Uint8Array;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    encoding = 'utf-16le';
    body = bytes.subarray(2);
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    encoding = 'utf-16be';
    body = bytes.subarray(2);
  } else if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    encoding = 'utf-8';
    body = bytes.subarray(3);
  } else if (looksUtf16le(bytes)) {
    encoding = 'utf-16le';
    body = bytes;
  } else {
    encoding = 'utf-8';
    body = bytes;
  }
  if (encoding !== 'utf-8' && body.length % 2 === 1) {
    return err(importRefusal('IMPORT_ENCODING_INVALID', file, lineAt(new TextDecoder(encoding).decode(body), Infinity), { encoding }));
  }
  try {
    const text = new TextDecoder(encoding, { fatal: true }).decode(body);
    if (text.includes('\u0000')) {
      return err(importRefusal('IMPORT_ENCODING_INVALID', file, lineAt(text, text.indexOf('\u0000')), { encoding }));
    }
    return ok({ file, encoding, text });
  } catch {
    return err(importRefusal('IMPORT_ENCODING_INVALID', file, badLine(bytes, encoding, bytes.length - body.length), { encoding }));
  }
}
