/**
 * Wire shapes every component answers alike: the CAL bundle a session host and a device pass around, the event
 * list of `GET <prefix>/events`, and the common routes (`/healthz`, `<prefix>/whoami`).
 */
import { Type, type Static } from 'typebox';
import type { CalBundle as ProtocolCalBundle } from '../protocol';
import { EVENT_COMPONENTS, EVENT_LEVELS } from '../events';
import { JsonObject, Jws, Nullable, oneOf, Timestamp } from './schema';

// ---- request building blocks: what a caller may send ------------------------------------------------------

/**
 * No control characters: C0 (NUL, ESC, newline…), DEL and C1. A name a person types never holds one; a NUL cannot
 * be stored in PostgreSQL's text, and an escape sequence would reach an administrator's terminal (`licmgr issued`).
 * The validator refuses it with a typed 400 (`INVALID_REQUEST`, problem `control-characters`).
 */
export const NO_CONTROL_CHARACTERS = '^[^\\u0000-\\u001f\\u007f-\\u009f]*$';

/**
 * A string a person types or a client names (organization, agent, device, user, host, nonce, key…): at most
 * `maxLength` characters, none of them a control character; non-empty unless `minLength: 0` is given.
 */
export function Text(maxLength: number, options: { minLength?: number; description?: string } = {}) {
  return Type.String({ minLength: options.minLength ?? 1, maxLength, pattern: NO_CONTROL_CHARACTERS, ...(options.description ? { description: options.description } : {}) });
}

// The same class as NO_CONTROL_CHARACTERS, which is what this regular expression is for.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** Whether a text holds a control character (see NO_CONTROL_CHARACTERS), for values checked outside a schema. */
export function hasControlCharacters(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}

/** How deep a request's JSON may nest: the deepest answer or request of the API is far shallower. */
export const MAX_INPUT_DEPTH = 32;

/**
 * What no route stores whatever its schema says: a NUL in any string or key (PostgreSQL's text cannot hold it,
 * SQLite would keep it silently) and nesting deeper than MAX_INPUT_DEPTH. Answers the JSON path of the first one.
 */
export function findUnstorableInput(value: unknown, root: string): { field: string; rule: 'nul' | 'depth' } | undefined {
  const stack: [unknown, string, number][] = [[value, root, 0]];
  while (stack.length > 0) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { field: path, rule: 'nul' };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_INPUT_DEPTH) return { field: path, rule: 'depth' };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}/${i}`, depth + 1]);
      continue;
    }
    for (const [key, item] of Object.entries(v)) {
      if (key.includes('\u0000')) return { field: path, rule: 'nul' };
      stack.push([item, `${path}/${key}`, depth + 1]);
    }
  }
  return undefined;
}

/** The largest value of a 32-bit signed integer column (SQLite INTEGER holds more; PostgreSQL `integer` does not). */
export const INT32_MAX = 2_147_483_647;

/**
 * An integer a request may carry (a query string's `eventId`, `offset`, a body's `count`): between `minimum`
 * (default 0) and `maximum` (default and at most INT32_MAX), so that it fits the column it is compared with on
 * both databases. Larger values are a typed 400, never a database error.
 */
export function Int(options: { minimum?: number; maximum?: number; description?: string } = {}) {
  return Type.Integer({
    minimum: options.minimum ?? 0,
    maximum: Math.min(options.maximum ?? INT32_MAX, INT32_MAX),
    ...(options.description ? { description: options.description } : {}),
  });
}

/** A CAL as a device stores and presents it (core/protocol.ts `CalBundle`). */
export const CalBundle = Type.Object({
  token: Type.String({ maxLength: 8192, description: 'the CAL token (JWS signed by the license server)' }),
  certificate: Type.Optional(Type.String({ maxLength: 8192, description: "the license server's certificate (JWS signed by the clearinghouse)" })),
  grant: Type.Optional(Type.String({ maxLength: 8192, description: 'the grant the CAL was issued under (permanent CALs only)' })),
}, { additionalProperties: false });
export type CalBundle = Static<typeof CalBundle>;

/** One recorded event (Windows event ids, DESIGN §6). */
export const RecordedEvent = Type.Object({
  id: Type.Integer(),
  at: Timestamp,
  component: oneOf(EVENT_COMPONENTS),
  channel: Type.String(),
  eventId: Type.Integer(),
  level: oneOf(EVENT_LEVELS),
  message: Type.String(),
  data: JsonObject,
});
export type RecordedEvent = Static<typeof RecordedEvent>;

/**
 * What every paged list answers besides its rows (core/paged-list.ts): the count of every row the filters match,
 * the page's limit and sort, and the cursor of the next page while one follows. A list is never cut silently.
 */
export const PageFields = {
  total: Type.Integer({ description: 'rows matching the filters, on every page' }),
  limit: Type.Integer({ description: 'the most rows this page could hold' }),
  sort: Type.String({ description: 'the sort of the page: a column, or -column when descending' }),
  nextCursor: Type.Optional(Type.String({ description: 'pass it as cursor (with the same sort and filters) for the next page; absent on the last page' })),
};

/** `GET <prefix>/events`: one page of the event log. */
export const EventList = Type.Object({ events: Type.Array(RecordedEvent), ...PageFields });
export type EventList = Static<typeof EventList>;

/** `GET /healthz`. */
export const Health = Type.Object({ status: Type.Literal('ok'), components: Type.Array(Type.String()) });
export type Health = Static<typeof Health>;

/** `GET <prefix>/whoami`: the scope and subject of the bearer token on that component. */
export const WhoAmI = Type.Object({ component: Type.String(), scope: Type.String(), subject: Nullable(Type.String()) });
export type WhoAmI = Static<typeof WhoAmI>;

/** A JWS-carrying answer: the signed revocation list `{ list }`. */
export const SignedList = Type.Object({ list: Jws });
export type SignedList = Static<typeof SignedList>;

// The protocol's CalBundle and this schema are one shape: tsc refuses the build if they drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type CalBundleMatchesProtocol = Assert<Same<CalBundle, ProtocolCalBundle>>;

/** An API token as its component lists it (`GET <prefix>/tokens`): never the secret, only what it is for. */
export const TokenView = Type.Object({
  id: Type.String({ description: 'what `DELETE <prefix>/tokens/:id` takes' }),
  kind: Type.String({ description: 'the scope (ch:org, ch:agent, ch:admin, ls:admin, ls:host, readonly…), or `join` for a one-time join token' }),
  subject: Type.Optional(Type.String({ description: 'the organization, agent or session host it speaks for' })),
  label: Type.Optional(Type.String()),
  createdAt: Timestamp,
  revokedAt: Type.Optional(Timestamp),
});
export type TokenView = Static<typeof TokenView>;
export const TokenList = Type.Object({ tokens: Type.Array(TokenView) });
export type TokenList = Static<typeof TokenList>;
