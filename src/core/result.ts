/**
 * Expected refusals are values, not exceptions (STYLE.md "Errors").
 * A refusal carries a stable UPPER_SNAKE code (the public contract: add, never rename), a message that tells the
 * user what to do next, and optional structured detail.
 *
 * Producers name the code and give the detail; the words come from the one catalogue (./refusals.ts), which also
 * gives each code its HTTP status. `refuse`/`refusal` accept only catalogued codes, so `tsc` rejects a code that is
 * produced but not catalogued. `message` is the English text of the HTTP API; each surface renders the refusal
 * again in its own language and words (`messageFor`).
 */
import { isRefusalCode, renderRefusal, swapAdvice, type DetailOf, type Lang, type RefusalCode, type Surface } from './refusals';

export interface Refusal<C extends string = string> {
  readonly code: C;
  readonly message: string;
  readonly detail?: Record<string, unknown>;
}

export type Result<T, E = Refusal> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}

type Detail<C extends RefusalCode> = DetailOf<C> & Readonly<Record<string, unknown>>;
/** The detail argument: optional when the message reads nothing from it, required otherwise. */
type DetailArg<C extends RefusalCode> = Record<string, never> extends DetailOf<C> ? [detail?: Detail<C>] : [detail: Detail<C>];

/** A refusal with its catalogued message (English, HTTP API words) rendered from the detail. */
export function refusal<C extends RefusalCode>(code: C, ...[detail]: DetailArg<C>): Refusal<C> {
  const d = detail as Record<string, unknown> | undefined;
  const message = renderRefusal(code, d, 'en', 'api');
  return d === undefined ? { code, message } : { code, message, detail: { ...d } };
}

/** Shorthand for `err(refusal(...))`. */
export function refuse<C extends RefusalCode>(code: C, ...detail: DetailArg<C>) {
  return err(refusal(code, ...detail));
}

const origins = new WeakMap<object, 'relay' | 'peer'>();

/**
 * A refusal whose message was written elsewhere and wrapped with where it happened (a peer's refusal seen from
 * here). Surfaces show its message as it is.
 */
export function relay(code: string, message: string, detail?: Record<string, unknown>): Refusal {
  const r: Refusal = detail === undefined ? { code, message } : { code, message, detail };
  origins.set(r, 'relay');
  return r;
}

/**
 * A refusal answered by another OpenCAL server, in its words (the API's) and in the language asked for. Its
 * code may be newer than this catalogue. Surfaces keep its text and put their own advice in place of the API's.
 */
export function peerRefusal(code: string, message: string, detail?: Record<string, unknown>): Refusal {
  const r: Refusal = detail === undefined ? { code, message } : { code, message, detail };
  origins.set(r, 'peer');
  return r;
}

/**
 * The message of a refusal in `lang`, in the words of `surface`: a catalogued refusal made here is rendered from
 * its code and detail; a peer's keeps its text with this surface's advice in place of the API's; a relayed refusal
 * or an unknown code keeps its message.
 */
export function messageFor(r: Refusal, lang: Lang, surface: Surface): string {
  const origin = origins.get(r);
  if (origin === 'relay' || !isRefusalCode(r.code)) return r.message;
  if (origin === 'peer') return swapAdvice(r.code, r.message, r.detail, lang, surface);
  return renderRefusal(r.code, r.detail, lang, surface);
}
