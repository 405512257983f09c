/**
 * The refusals of the Windows importer (`opencal diagnose --from`, the console's drop zone): each names the file
 * and the line, with a stable code. Their words (English and French) are in the one catalogue (../refusals.ts), in its part the console also carries
 * (../refusals-shared.ts).
 */
import { catalogueReader } from '../refusal-entry';
import { SHARED_REFUSALS } from '../refusals-shared';
import { refusal, type Refusal } from '../result';

const words = catalogueReader(SHARED_REFUSALS);

export const IMPORT_REFUSAL_CODES = [
  'IMPORT_ENCODING_INVALID',
  'IMPORT_JSON_INVALID',
  'IMPORT_XML_INVALID',
  'IMPORT_REG_INVALID',
  'IMPORT_BUNDLE_SCHEMA_UNSUPPORTED',
  'IMPORT_NOTHING_RECOGNISED',
] as const;
export type ImportRefusalCode = (typeof IMPORT_REFUSAL_CODES)[number];

/** A refusal with `detail.file` and `detail.line` always set. */
export type ImportRefusal = Refusal<ImportRefusalCode> & { readonly detail: { file: string; line: number; [k: string]: unknown } };

/** The catalogue's refusal `code` about `file` at `line` (1-based), with what else its message reads. */
export function importRefusal(code: ImportRefusalCode, file: string, line: number, detail: Record<string, unknown> = {}): ImportRefusal {
  const make = refusal as (c: ImportRefusalCode, d: Record<string, unknown>) => Refusal<ImportRefusalCode>;
  return make(code, { ...detail, file, line }) as ImportRefusal;
}

/** The same refusal with its message in another language. */
export function translateRefusal(r: ImportRefusal, lang: 'fr' | 'en'): ImportRefusal {
  return { ...r, message: words.render(r.code, r.detail, lang) };
}
