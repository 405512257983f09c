/**
 * The clearinghouse key set in the database (`ch_keys`): the public half of every key the clearinghouse has
 * signed with, shared by every node on the database, so that a node holding another key refuses to start
 * (DESIGN §9). Also the documents signed by a key, to sign them again with the current key when it is revoked.
 */
import type { Kysely } from 'kysely';
import type { KeySetKey } from '../core/key-set-rules';
import { isUniqueViolation, toNumber } from '../storage/dialect';
import type { ChDb, ChTables } from './clearinghouse.repository';

export interface KeyTables {
  ch_keys: {
    kid: string;
    x: string;
    position: number;
    not_before: string;
    not_after: string | null;
    revoked_at: string | null;
    revoke_reason: string | null;
  };
}

type KeysDb = Kysely<ChTables & KeyTables>;
const keysDb = (db: ChDb): KeysDb => db as unknown as KeysDb;

export async function listKeys(db: ChDb): Promise<KeySetKey[]> {
  const rows = await keysDb(db).selectFrom('ch_keys').selectAll().orderBy('position').execute();
  return rows.map((r) => ({
    kid: r.kid,
    x: r.x,
    position: toNumber(r.position),
    notBefore: r.not_before,
    ...(r.not_after !== null ? { notAfter: r.not_after } : {}),
    ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
    ...(r.revoke_reason !== null ? { revokeReason: r.revoke_reason } : {}),
  }));
}

/** Adds a key at `position`; false when that position is taken (another node added its key first). */
export async function insertKey(db: ChDb, k: { kid: string; x: string; position: number; at: string }): Promise<boolean> {
  try {
    await keysDb(db).insertInto('ch_keys').values({ kid: k.kid, x: k.x, position: k.position, not_before: k.at, not_after: null, revoked_at: null, revoke_reason: null }).execute();
    return true;
  } catch (e) {
    if (isUniqueViolation(e)) return false;
    throw e;
  }
}

/** Retires every current key but `kid` (a rotation): they stop signing at `at`. */
export async function retireOthers(db: ChDb, kid: string, at: string): Promise<void> {
  await keysDb(db).updateTable('ch_keys').set({ not_after: at }).where('kid', '!=', kid).where('not_after', 'is', null).execute();
}

/** Revokes `kid` if it is not revoked yet; false when it was. */
export async function revokeKeyRow(db: ChDb, kid: string, reason: string, at: string): Promise<boolean> {
  const r = await keysDb(db)
    .updateTable('ch_keys')
    .set({ revoked_at: at, revoke_reason: reason })
    .where('kid', '=', kid)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Server certificates and active grants, to find those a revoked key signed. */
export async function signedDocuments(db: ChDb): Promise<{ certificates: { serverId: string; jws: string }[]; grants: { id: number; jws: string }[] }> {
  const certificates = await db.selectFrom('ch_servers').select(['server_id', 'certificate']).where('certificate', '!=', '').execute();
  const grants = await db.selectFrom('ch_grants').select(['id', 'jws']).where('status', '=', 'active').execute();
  return {
    certificates: certificates.map((c) => ({ serverId: c.server_id, jws: c.certificate })),
    grants: grants.map((g) => ({ id: toNumber(g.id), jws: g.jws })),
  };
}

export async function replaceCertificate(db: ChDb, serverId: string, jws: string): Promise<void> {
  await db.updateTable('ch_servers').set({ certificate: jws }).where('server_id', '=', serverId).execute();
}

export async function replaceGrant(db: ChDb, id: number, jws: string): Promise<void> {
  await db.updateTable('ch_grants').set({ jws }).where('id', '=', id).execute();
}
