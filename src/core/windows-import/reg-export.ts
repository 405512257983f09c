/**
 * `reg export` / regedit "Registration Files" (windows-exports.md §2.4): a `Windows Registry Editor Version 5.00`
 * (or `REGEDIT4`) header, `[HKEY_…\path]` keys, `"name"=` values: `"text"`, `dword:xxxxxxxx`, `hex:`, `hex(7):`
 * (REG_MULTI_SZ, UTF-16LE with NULs), `hex(2):`, `hex(b):`, with long hex lines continued by `\` + CRLF.
 */
import { err, ok, type Result } from '../result';
import { importRefusal, type ImportRefusal } from './refusals';

export type RegValue =
  | { type: 'sz'; value: string }
  | { type: 'expand-sz'; value: string }
  | { type: 'multi-sz'; value: string[] }
  | { type: 'dword'; value: number }
  | { type: 'qword'; value: bigint }
  | { type: 'binary'; bytes: number[] }
  | { type: 'deleted' };

/** Keys by full path (`HKEY_LOCAL_MACHINE\…`, as written), values by name (`''` for the default value). */
export type RegistryExport = Map<string, Map<string, RegValue>>;

export function isRegExport(text: string): boolean {
  return /^\s*(Windows Registry Editor Version 5\.00|REGEDIT4)\s*(\r?\n|$)/.test(text);
}

function utf16(bytes: number[]): string {
  let s = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode(bytes[i]! | (bytes[i + 1]! << 8));
  return s;
}

/** REG_SZ / REG_EXPAND_SZ in hex carry their terminating NUL(s). */
function trimNul(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0) end--;
  return s.slice(0, end);
}

function unquote(s: string): string | undefined {
  if (!s.startsWith('"') || !s.endsWith('"') || s.length < 2) return undefined;
  return s.slice(1, -1).replace(/\\(["\\])/g, '$1');
}

/** Parses a registry export. A line it cannot read is a refusal naming that line. */
export function parseRegExport(file: string, text: string): Result<RegistryExport, ImportRefusal> {
  const raw = text.split(/\r?\n/);
  const keys: RegistryExport = new Map();
  let current: Map<string, RegValue> | undefined;
  const bad = (line: number, reason: string) => err(importRefusal('IMPORT_REG_INVALID', file, line, { reason }));
  for (let i = 1; i < raw.length; i++) {
    const lineNo = i + 1;
    let line = raw[i]!;
    // Continuation lines: a trailing backslash joins the next line (two leading spaces).
    while (line.endsWith('\\') && /=\s*hex/i.test(line)) {
      i++;
      if (i >= raw.length) return bad(lineNo, 'the value ends with a continuation but the file stops');
      line = line.slice(0, -1) + raw[i]!.trim();
    }
    const t = line.trim();
    if (t === '' || t.startsWith(';')) continue;
    if (t.startsWith('[')) {
      if (!t.endsWith(']')) return bad(lineNo, 'a key line must end with ]');
      const path = t.slice(1, -1);
      if (path.startsWith('-')) {
        current = undefined;
        continue;
      }
      current = keys.get(path) ?? new Map();
      keys.set(path, current);
      continue;
    }
    if (!current) return bad(lineNo, 'a value before any [key]');
    const m = /^(@|"(?:[^"\\]|\\.)*")\s*=\s*(.*)$/.exec(t);
    if (!m) return bad(lineNo, 'expected "name"=value');
    const name = m[1] === '@' ? '' : unquote(m[1]!)!;
    const data = m[2]!;
    const value = parseData(data);
    if (!value) return bad(lineNo, `unreadable data "${data.slice(0, 30)}"`);
    current.set(name, value);
  }
  return ok(keys);
}

function parseData(data: string): RegValue | undefined {
  if (data === '-') return { type: 'deleted' };
  if (data.startsWith('"')) {
    const v = unquote(data);
    return v === undefined ? undefined : { type: 'sz', value: v };
  }
  const dw = /^dword:([0-9a-fA-F]{1,8})$/.exec(data);
  if (dw) return { type: 'dword', value: parseInt(dw[1]!, 16) };
  const hx = /^hex(?:\(([0-9a-fA-F]+)\))?:(.*)$/.exec(data);
  if (!hx) return undefined;
  const list = hx[2]!.trim();
  const bytes = list === '' ? [] : list.split(',').map((b) => b.trim());
  if (bytes.some((b) => !/^[0-9a-fA-F]{1,2}$/.test(b))) return undefined;
  const n = bytes.map((b) => parseInt(b, 16));
  const kind = hx[1] === undefined ? 3 : parseInt(hx[1], 16);
  switch (kind) {
    case 7:
      return { type: 'multi-sz', value: utf16(n).split('\u0000').filter((s) => s !== '') };
    case 2:
      return { type: 'expand-sz', value: trimNul(utf16(n)) };
    case 1:
      return { type: 'sz', value: trimNul(utf16(n)) };
    case 4:
      return n.length === 4 ? { type: 'dword', value: (n[0]! | (n[1]! << 8) | (n[2]! << 16)) + n[3]! * 0x1000000 } : undefined;
    case 0xb: {
      if (n.length !== 8) return undefined;
      let v = 0n;
      for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(n[i]!);
      return { type: 'qword', value: v };
    }
    default:
      return { type: 'binary', bytes: n };
  }
}
