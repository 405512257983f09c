/**
 * The shape of a refusal's entry in the catalogue and how its message is rendered: the text in English and French
 * plus, where the next step depends on the surface, advice for the API, the command line or the console.
 * The catalogue itself is src/core/refusals.ts; the part the web console renders in the browser is
 * src/core/refusals-shared.ts.
 */
import { LANGS, type Lang } from './refusal-words';

export const SURFACES = ['api', 'cli', 'console'] as const;
export type Surface = (typeof SURFACES)[number];

/** Detail a message reads; producers may add more keys (they are part of the error body). */
export type NoDetail = { readonly [key: string]: unknown };
export type Say<D> = (d: D) => string;
export interface Words<D> {
  readonly en: Say<D>;
  readonly fr: Say<D>;
}
export interface RefusalEntry<D> {
  /** HTTP status the API answers this refusal with (4xx: the caller can fix it; 5xx: the server or a peer). */
  readonly status: number;
  /** the event (src/core/events.ts) recorded when this refusal happens, if any */
  readonly event?: number;
  readonly text: Words<D>;
  readonly api?: Words<D>;
  readonly cli?: Words<D>;
  readonly console?: Words<D>;
}

export type Pair<D> = readonly [Say<D>, Say<D>];
export interface More<D> {
  event?: number;
  api?: Pair<D>;
  cli?: Pair<D>;
  console?: Pair<D>;
}

const words = <D>(p: Pair<D> | undefined): Words<D> | undefined => (p ? { en: p[0], fr: p[1] } : undefined);

export function entry<D = NoDetail>(status: number, en: Say<D>, fr: Say<D>, more: More<D> = {}): RefusalEntry<D> {
  const e: { -readonly [K in keyof RefusalEntry<D>]: RefusalEntry<D>[K] } = { status, text: { en, fr } };
  if (more.event !== undefined) e.event = more.event;
  const api = words(more.api);
  const cli = words(more.cli);
  const console = words(more.console);
  if (api) e.api = api;
  if (cli) e.cli = cli;
  if (console) e.console = console;
  return e;
}

type Catalogue = Readonly<Record<string, RefusalEntry<never>>>;

/** The functions that read one catalogue: whether a code is in it, its status, its message, a peer's message re-advised. */
export function catalogueReader(catalogue: Catalogue) {
  const entryOf = (code: string): RefusalEntry<unknown> | undefined =>
    Object.prototype.hasOwnProperty.call(catalogue, code) ? (catalogue[code] as RefusalEntry<unknown>) : undefined;
  const adviceOf = (code: string, detail: Readonly<Record<string, unknown>> | undefined, lang: Lang, surface: Surface): string =>
    entryOf(code)?.[surface]?.[lang](detail ?? {}) ?? '';
  return {
    has: (code: string): boolean => entryOf(code) !== undefined,
    status: (code: string): number => entryOf(code)?.status ?? 422,
    /** the message of `code` with `detail`, in `lang`, as shown on `surface` (the code itself when not catalogued) */
    render(code: string, detail: Readonly<Record<string, unknown>> | undefined, lang: Lang = 'en', surface: Surface = 'api'): string {
      const e = entryOf(code);
      if (!e) return code;
      const d = detail ?? {};
      const text = e.text[lang](d);
      const advice = e[surface]?.[lang](d) ?? '';
      return advice === '' ? text : `${text} ${advice}`;
    },
    /**
     * A peer's API message shown on another surface: the API advice at its end (in whichever language the peer
     * answered) is replaced by the surface's advice in that language; without API advice, the surface's advice in
     * `lang` is appended.
     */
    swapAdvice(code: string, message: string, detail: Readonly<Record<string, unknown>> | undefined, lang: Lang, surface: Surface): string {
      if (surface === 'api') return message;
      for (const l of [lang, ...LANGS.filter((x) => x !== lang)]) {
        const api = adviceOf(code, detail, l, 'api');
        if (api !== '' && message.endsWith(` ${api}`)) {
          const own = adviceOf(code, detail, l, surface);
          const text = message.slice(0, -api.length - 1);
          return own === '' ? text : `${text} ${own}`;
        }
      }
      const own = adviceOf(code, detail, lang, surface);
      return own === '' || message.endsWith(own) ? message : `${message} ${own}`;
    },
  };
}
