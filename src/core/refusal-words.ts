/**
 * Small wording helpers the refusal catalogue shares: lists, dates and the names of codes, in each language.
 */
import { CODE_KIND_LABELS, type CodeKind } from './codes/kinds';

export const LANGS = ['en', 'fr'] as const;
export type Lang = (typeof LANGS)[number];

/** "a, b or c" / "a, b ou c" */
export function orList(values: readonly unknown[], lang: Lang): string {
  const xs = values.map(String);
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} ${lang === 'fr' ? 'ou' : 'or'} ${xs[xs.length - 1]}`;
}

/** "a, b and c" / "a, b et c" */
export function andList(values: readonly unknown[], lang: Lang): string {
  const xs = values.map(String);
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} ${lang === 'fr' ? 'et' : 'and'} ${xs[xs.length - 1]}`;
}

/** The day of an ISO time (2025-04-12), or a fallback when there is none. */
export function dayOf(iso: unknown, fallback: string): string {
  return typeof iso === 'string' && iso.length >= 10 ? iso.slice(0, 10) : fallback;
}

const FR_KIND_LABELS: Readonly<Record<CodeKind, string>> = {
  packKey: 'clé de pack',
  licenseServerId: 'ID de serveur de licences',
  productId: 'ID de produit',
  activationConfirmation: "confirmation d'activation",
  keyPackId: 'ID de pack de licences',
  migrationCode: 'code de migration',
  deactivationReceipt: 'reçu de désactivation',
};

/** Feminine French labels take « une », the others « un ». */
const FR_FEMININE: ReadonlySet<CodeKind> = new Set(['packKey', 'activationConfirmation']);

export function kindLabel(kind: unknown, lang: Lang): string {
  const k = kind as CodeKind;
  return (lang === 'fr' ? FR_KIND_LABELS[k] : CODE_KIND_LABELS[k]) ?? String(kind);
}

/** "a pack key" / "une clé de pack" */
export function kindWithArticle(kind: unknown, lang: Lang): string {
  const label = kindLabel(kind, lang);
  if (lang === 'fr') return `${FR_FEMININE.has(kind as CodeKind) ? 'une' : 'un'} ${label}`;
  return (/^[aeiou]/i.test(label) ? 'an ' : 'a ') + label;
}

/** "a pack key or a license server ID" with one article for the first. */
export function kindsWithArticle(kinds: unknown, lang: Lang): string {
  const ks = Array.isArray(kinds) ? (kinds as unknown[]) : [kinds];
  if (ks.length === 0) return lang === 'fr' ? 'un code' : 'a code';
  return `${kindWithArticle(ks[0], lang).split(' ')[0]} ${orList(ks.map((k) => kindLabel(k, lang)), lang)}`;
}

export function kindsList(kinds: unknown, lang: Lang): string {
  const ks = Array.isArray(kinds) ? (kinds as unknown[]) : [kinds];
  return orList(ks.map((k) => kindLabel(k, lang)), lang);
}

/** The CAL type as the product says it: device / user (fr: périphérique / utilisateur). */
export function calTypeWord(calType: unknown, lang: Lang): string {
  if (lang === 'en') return String(calType);
  return calType === 'device' ? 'périphérique' : calType === 'user' ? 'utilisateur' : String(calType);
}

/** Server states shown in messages. */
export function stateWord(status: unknown, lang: Lang): string {
  if (typeof status !== 'string') return lang === 'fr' ? 'non activé' : 'not activated';
  if (lang === 'en') return status;
  const fr: Record<string, string> = {
    unactivated: 'non activé',
    activated: 'activé',
    deactivated: 'désactivé',
    invalidated: 'invalidé',
    expired: 'expiré',
    pending: 'en attente',
    approved: 'approuvé',
    rejected: 'rejeté',
  };
  return fr[status] ?? status;
}
