/**
 * API tokens: bearer secrets for the admin, organization, agent, host and read-only APIs.
 * Only the SHA-256 of a token is stored; the token itself is shown once, when it is created.
 * A token looks like `ocal_` + 43 base64url characters (32 random bytes). Lookup is by hash, so comparing
 * in constant time is not needed: an attacker cannot steer which stored hash the probe is compared with.
 */
import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock';
import { isUniqueViolation, nowIso } from './dialect';

export interface ApiTokensTable {
  id: number;
  token_hash: string;
  scope: string;
  subject: string | null;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}

interface Tables {
  api_tokens: ApiTokensTable;
}

/**
 * Who a bearer token speaks for. `subject` is the organization id for `ch:org`, the host name for `ls:host`;
 * a token created without a subject answers with its label, or `token-<id>`. Ids are strings on the API.
 */
export interface TokenPrincipal {
  id: string;
  scope: string;
  subject: string;
}

/** The port `http/auth.ts` uses to resolve a bearer token; each component passes its own. */
export interface TokenStore {
  /** The live (not revoked) token's principal, or undefined. */
  find(token: string): Promise<TokenPrincipal | undefined>;
  /** A store that keeps live tokens for a moment: the principal it holds now, without waiting; else undefined (ask `find`). */
  known?(token: string): TokenPrincipal | undefined;
}

export interface TokenInfo {
  id: string;
  scope: string;
  subject?: string;
  label?: string;
  createdAt: string;
  revokedAt?: string;
}

export interface NewToken {
  scope: string;
  subject?: string;
  label?: string;
  /** A known token to provision (e.g. `--admin-token`); otherwise one is generated. */
  token?: string;
}

export const TOKEN_PREFIX = 'ocal_';
/** A provisioned token must be at least this long: it is a password for an API. */
export const MIN_TOKEN_LENGTH = 16;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** `ocal_` + base64url of 32 random bytes (43 characters). */
export function generateToken(random: (n: number) => Uint8Array = (n) => nodeRandomBytes(n)): string {
  return TOKEN_PREFIX + Buffer.from(random(32)).toString('base64url');
}

function checkProvided(token: string): void {
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new Error(`A provisioned API token must be at least ${MIN_TOKEN_LENGTH} characters without spaces`);
  }
}

/** Creates a token and returns it with its id; the token is not stored, show it to the user now. */
export async function createToken(
  db: Kysely<any>,
  input: NewToken,
  clock: Clock,
  random?: (n: number) => Uint8Array,
): Promise<{ token: string; id: string }> {
  if (input.token !== undefined) checkProvided(input.token);
  const token = input.token ?? generateToken(random);
  const row = await (db as Kysely<Tables>)
    .insertInto('api_tokens')
    .values({
      token_hash: hashToken(token),
      scope: input.scope,
      subject: input.subject ?? null,
      label: input.label ?? null,
      created_at: nowIso(clock),
      revoked_at: null,
    } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token, id: String(row.id) };
}

/**
 * Provisions a known token idempotently (a bootstrap `--admin-token` given at every start): creates it, or
 * returns the id of the live token that already has this value. Refuses a value that was revoked.
 */
export async function ensureToken(
  db: Kysely<any>,
  input: NewToken & { token: string },
  clock: Clock,
): Promise<{ id: string; created: boolean }> {
  checkProvided(input.token);
  const existing = await findRow(db, input.token);
  if (existing) {
    if (existing.revoked_at !== null) throw new Error('This API token was revoked; provision a new one');
    return { id: String(existing.id), created: false };
  }
  try {
    const { id } = await createToken(db, input, clock);
    return { id, created: true };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const raced = await findRow(db, input.token);
    if (!raced || raced.revoked_at !== null) throw error;
    return { id: String(raced.id), created: false };
  }
}

async function findRow(db: Kysely<any>, token: string): Promise<ApiTokensTable | undefined> {
  return (db as Kysely<Tables>)
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
}

export function tokenStore(db: Kysely<any>): TokenStore {
  return {
    async find(token) {
      if (token === '') return undefined;
      const row = await findRow(db, token);
      if (!row || row.revoked_at !== null) return undefined;
      return { id: String(row.id), scope: row.scope, subject: row.subject ?? row.label ?? `token-${row.id}` };
    },
  };
}

/** Revokes a live token; false when there is no such live token. */
export async function revokeToken(db: Kysely<any>, id: string | number, clock: Clock): Promise<boolean> {
  const numeric = Number(id);
  if (!Number.isSafeInteger(numeric)) return false;
  const rows = await (db as Kysely<Tables>)
    .updateTable('api_tokens')
    .set({ revoked_at: nowIso(clock) })
    .where('id', '=', numeric)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.length === 1;
}

/** Revokes every live token of a scope (and subject): e.g. all `ls:host` tokens of a removed session host. */
export async function revokeTokensOf(db: Kysely<any>, filter: { scope: string; subject?: string }, clock: Clock): Promise<number> {
  let query = (db as Kysely<Tables>)
    .updateTable('api_tokens')
    .set({ revoked_at: nowIso(clock) })
    .where('scope', '=', filter.scope)
    .where('revoked_at', 'is', null);
  if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
  const rows = await query.returning('id').execute();
  return rows.length;
}

export async function listTokens(
  db: Kysely<any>,
  filter: { scope?: string; subject?: string; includeRevoked?: boolean } = {},
): Promise<TokenInfo[]> {
  let query = (db as Kysely<Tables>)
    .selectFrom('api_tokens')
    .select(['id', 'scope', 'subject', 'label', 'created_at', 'revoked_at'])
    .orderBy('id');
  if (filter.scope !== undefined) query = query.where('scope', '=', filter.scope);
  if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
  if (!filter.includeRevoked) query = query.where('revoked_at', 'is', null);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: String(r.id),
    scope: r.scope,
    ...(r.subject !== null ? { subject: r.subject } : {}),
    ...(r.label !== null ? { label: r.label } : {}),
    createdAt: r.created_at,
    ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
  }));
}

/** One token's description (live or revoked), or undefined. */
export async function findTokenInfo(db: Kysely<any>, id: string): Promise<TokenInfo | undefined> {
  const numeric = Number(id);
  if (!Number.isSafeInteger(numeric)) return undefined;
  const rows = await (db as Kysely<Tables>)
    .selectFrom('api_tokens')
    .select(['id', 'scope', 'subject', 'label', 'created_at', 'revoked_at'])
    .where('id', '=', numeric)
    .execute();
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: String(r.id),
    scope: r.scope,
    ...(r.subject !== null ? { subject: r.subject } : {}),
    ...(r.label !== null ? { label: r.label } : {}),
    createdAt: r.created_at,
    ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
  };
}

/** A token as the tokens routes show it (`kind` is its scope). */
export function tokenView(t: TokenInfo): { id: string; kind: string; subject?: string; label?: string; createdAt: string; revokedAt?: string } {
  return {
    id: t.id,
    kind: t.scope,
    ...(t.subject !== undefined ? { subject: t.subject } : {}),
    ...(t.label !== undefined ? { label: t.label } : {}),
    createdAt: t.createdAt,
    ...(t.revokedAt !== undefined ? { revokedAt: t.revokedAt } : {}),
  };
}
