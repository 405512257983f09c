/**
 * The session host keys a license server recognises (ls_host_keys, migration ls_0007_hostid_registry) and its
 * one-time join tokens as the tokens list shows them: the only SQL of them.
 */
import type { Kysely } from 'kysely';
import { fromBool, toBool } from '../storage/dialect';

interface HostKeysTable {
  host_id: string;
  name: string;
  public_key: string;
  source: string;
  registered: number;
  statement: string | null;
  updated_at: string;
}
interface JoinTokensTable {
  token_hash: string;
  name: string;
  created_at: string;
  used_at: string | null;
}
interface Tables {
  ls_host_keys: HostKeysTable;
  ls_join_tokens: JoinTokensTable;
}

export type HostKeySource = 'enrolled' | 'registry';

export interface HostKey {
  hostId: string;
  name: string;
  publicKey: string;
  source: HostKeySource;
  registered: boolean;
  statement?: string;
}

const t = (db: Kysely<any>): Kysely<Tables> => db as Kysely<Tables>;

function fromRow(r: HostKeysTable): HostKey {
  return {
    hostId: r.host_id,
    name: r.name,
    publicKey: r.public_key,
    source: r.source as HostKeySource,
    registered: fromBool(r.registered),
    ...(r.statement !== null ? { statement: r.statement } : {}),
  };
}

export async function findHostKey(db: Kysely<any>, hostId: string): Promise<HostKey | undefined> {
  const r = await t(db).selectFrom('ls_host_keys').selectAll().where('host_id', '=', hostId).executeTakeFirst();
  return r && fromRow(r);
}

/** The host enrolled here: its key replaces any other key of the same name (re-enrolment retires the old one). */
export async function saveEnrolledKey(db: Kysely<any>, k: { hostId: string; name: string; publicKey: string; statement: string }, at: Date): Promise<void> {
  await t(db).deleteFrom('ls_host_keys').where('host_id', '<>', k.hostId).where((eb) => eb(eb.fn('lower', ['name']), '=', k.name.toLowerCase())).execute();
  const values = { host_id: k.hostId, name: k.name, public_key: k.publicKey, source: 'enrolled', registered: toBool(false), statement: k.statement, updated_at: at.toISOString() };
  await t(db)
    .insertInto('ls_host_keys')
    .values(values)
    .onConflict((oc) => oc.column('host_id').doUpdateSet({ name: values.name, public_key: values.public_key, source: 'enrolled', registered: values.registered, statement: values.statement, updated_at: values.updated_at }))
    .execute();
}

export async function markRegistered(db: Kysely<any>, hostId: string, at: Date): Promise<void> {
  await t(db).updateTable('ls_host_keys').set({ registered: toBool(true), updated_at: at.toISOString() }).where('host_id', '=', hostId).execute();
}

/** Enrolled here, not yet registered with the organization at the clearinghouse. */
export async function unregisteredKeys(db: Kysely<any>): Promise<HostKey[]> {
  const rows = await t(db).selectFrom('ls_host_keys').selectAll().where('source', '=', 'enrolled').where('registered', '=', toBool(false)).execute();
  return rows.map(fromRow);
}

/**
 * Replaces what the organization's registry said with its current answer: registry keys no longer listed go
 * (a retired host is not recognised any more), as do enrolled-and-registered keys the registry no longer lists.
 */
export async function replaceRegistry(db: Kysely<any>, hosts: readonly { hostId: string; name: string; publicKey: string }[], at: Date): Promise<void> {
  const listed = hosts.map((h) => h.hostId);
  let stale = t(db).deleteFrom('ls_host_keys').where((eb) => eb.or([eb('source', '=', 'registry'), eb('registered', '=', toBool(true))]));
  if (listed.length > 0) stale = stale.where('host_id', 'not in', listed);
  await stale.execute();
  for (const h of hosts) {
    await t(db)
      .insertInto('ls_host_keys')
      .values({ host_id: h.hostId, name: h.name, public_key: h.publicKey, source: 'registry', registered: toBool(true), statement: null, updated_at: at.toISOString() })
      .onConflict((oc) => oc.column('host_id').doUpdateSet({ name: h.name, public_key: h.publicKey, registered: toBool(true), updated_at: at.toISOString() }))
      .execute();
  }
}

export interface JoinTokenInfo {
  /** `join-` + the first 16 hex characters of the token's hash. */
  id: string;
  name: string;
  createdAt: string;
}

/** Join tokens not used yet. */
export async function listOpenJoinTokens(db: Kysely<any>): Promise<JoinTokenInfo[]> {
  const rows = await t(db).selectFrom('ls_join_tokens').selectAll().where('used_at', 'is', null).orderBy('created_at').execute();
  return rows.map((r) => ({ id: 'join-' + r.token_hash.slice(0, 16), name: r.name, createdAt: r.created_at }));
}

/** Withdraws an unused join token by its listed id; false when there is none. */
export async function withdrawJoinToken(db: Kysely<any>, id: string): Promise<JoinTokenInfo | undefined> {
  const prefix = /^join-([0-9a-f]{16})$/.exec(id)?.[1];
  if (prefix === undefined) return undefined;
  const rows = await t(db).selectFrom('ls_join_tokens').selectAll().where('used_at', 'is', null).where('token_hash', 'like', `${prefix}%`).execute();
  if (rows.length !== 1) return undefined;
  const row = rows[0]!;
  await t(db).deleteFrom('ls_join_tokens').where('token_hash', '=', row.token_hash).where('used_at', 'is', null).execute();
  return { id, name: row.name, createdAt: row.created_at };
}
