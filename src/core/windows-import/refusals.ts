/**
 * The refusals of the Windows importer (`opencal diagnose --from`, the console's drop zone): each names the file
 * and the line, with a stable code and a message in English and French that says what to do next.
 */
import type { Refusal } from '../result';

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

type Texts = Record<ImportRefusalCode, { en: (file: string, line: number, d: Record<string, unknown>) => string; fr: (file: string, line: number, d: Record<string, unknown>) => string }>;

export const IMPORT_REFUSAL_TEXTS: Texts = {
  IMPORT_ENCODING_INVALID: {
    en: (f, l) => `${f}, line ${l}: this is not text in UTF-16LE or UTF-8. Export the file again (reg export, wevtutil, or ConvertTo-Json | Out-File) without editing it, and copy it as a file, not through a text editor.`,
    fr: (f, l) => `${f}, ligne ${l} : ce n'est pas du texte UTF-16LE ou UTF-8. Exportez le fichier à nouveau (reg export, wevtutil, ou ConvertTo-Json | Out-File) sans le modifier, et copiez-le comme fichier, pas par un éditeur de texte.`,
  },
  IMPORT_JSON_INVALID: {
    en: (f, l, d) => `${f}, line ${l}: the JSON is cut or broken (${String(d['reason'] ?? 'syntax error')}). Run the collector again, or ConvertTo-Json with -Depth 4, and keep the whole file.`,
    fr: (f, l, d) => `${f}, ligne ${l} : le JSON est tronqué ou cassé (${String(d['reason'] ?? 'erreur de syntaxe')}). Relancez le collecteur, ou ConvertTo-Json avec -Depth 4, et gardez le fichier entier.`,
  },
  IMPORT_XML_INVALID: {
    en: (f, l, d) => `${f}, line ${l}: the event XML is cut or broken (${String(d['reason'] ?? 'syntax error')}). Export the channel again with wevtutil qe <channel> /f:xml and keep the whole output.`,
    fr: (f, l, d) => `${f}, ligne ${l} : le XML des événements est tronqué ou cassé (${String(d['reason'] ?? 'erreur de syntaxe')}). Exportez à nouveau le journal avec wevtutil qe <journal> /f:xml et gardez toute la sortie.`,
  },
  IMPORT_REG_INVALID: {
    en: (f, l, d) => `${f}, line ${l}: this registry export is broken (${String(d['reason'] ?? 'syntax error')}). Export the key again with reg export "<key>" <file>.reg.`,
    fr: (f, l, d) => `${f}, ligne ${l} : cet export du Registre est cassé (${String(d['reason'] ?? 'erreur de syntaxe')}). Exportez à nouveau la clé avec reg export "<clé>" <fichier>.reg.`,
  },
  IMPORT_BUNDLE_SCHEMA_UNSUPPORTED: {
    en: (f, l, d) => `${f}, line ${l}: this is an OpenCAL collector bundle of schema ${String(d['schema'])}, which this version does not read. Emit the collector of this version (opencal host emit --format collector) and run it again.`,
    fr: (f, l, d) => `${f}, ligne ${l} : ce paquet du collecteur OpenCAL a le schéma ${String(d['schema'])}, que cette version ne lit pas. Générez le collecteur de cette version (opencal host emit --format collector) et relancez-le.`,
  },
  IMPORT_NOTHING_RECOGNISED: {
    en: (f) => `${f}: no RDS licensing data was recognised (no collector bundle, registry export, event export, CIM JSON or Get-RDLicenseConfiguration output). Run the collector on the RD Session Host and the RD License Server (docs/windows.md).`,
    fr: (f) => `${f} : aucune donnée de licences RDS reconnue (ni paquet du collecteur, ni export du Registre, ni export d'événements, ni JSON CIM, ni sortie de Get-RDLicenseConfiguration). Lancez le collecteur sur l'hôte de session et sur le serveur de licences (docs/windows.md).`,
  },
};

export function importRefusal(code: ImportRefusalCode, file: string, line: number, detail: Record<string, unknown> = {}, lang: 'fr' | 'en' = 'en'): ImportRefusal {
  return { code, message: IMPORT_REFUSAL_TEXTS[code][lang](file, line, detail), detail: { ...detail, file, line } };
}

/** The same refusal in another language. */
export function translateRefusal(r: ImportRefusal, lang: 'fr' | 'en'): ImportRefusal {
  return { ...r, message: IMPORT_REFUSAL_TEXTS[r.code][lang](r.detail.file, r.detail.line, r.detail) };
}
