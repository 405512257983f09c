/**
 * The organization's host registry (ch_hosts, migration ch_0003_hostid_registry): the only SQL of it.
 * One live key per (organization, host name), guarded by a partial unique index.
 */
import type { Kysely } from 'kysely';

interface HostsTable {
  host_id: string;
  org_id: string;
  name: string;
  name_key: string;
  public_key: string;
  registered_at: string;
  registered_by: string;
  retired_at: string | null;
  retired_by: string | null;
}

interface Tables {
  ch_hosts: HostsTable;
}

/** A registered session host, as the use cases see it. */
export interface RegisteredHost {
  hostId: string;
  orgId: string;
  name: string;
  publicKey: string;
  registeredAt: string;
  registeredBy: string;
  retiredAt?: string;
  retiredBy?: string;
}

const t = (db: Kysely<any>): Kysely<Tables> => db as Kysely<Tables>;

function fromRow(r: HostsTable): RegisteredHost {
  return {
    hostId: r.host_id,
    orgId: r.org_id,
    name: r.name,
    publicKey: r.public_key,
    registeredAt: r.registered_at,
    registeredBy: r.registered_by,
    ...(r.retired_at !== null ? { retiredAt: r.retired_at } : {}),
    ...(r.retired_by !== null ? { retiredBy: r.retired_by } : {}),
  };
}

export async function findHost(db: Kysely<any>, hostId: string): Promise<RegisteredHost | undefined> {
  const r = await t(db).selectFrom('ch_hosts').selectAll().where('host_id', '=', hostId).executeTakeFirst();
  return r && fromRow(r);
}

/** Retires the live keys of a host name in an organization other than `keep`; answers the retired host IDs. */
export async function retireHostName(db: Kysely<any>, orgId: string, name: string, keep: string, at: string, by: string): Promise<string[]> {
  const rows = await t(db)
    .updateTable('ch_hosts')
    .set({ retired_at: at, retired_by: by })
    .where('org_id', '=', orgId)
    .where('name_key', '=', name.toLowerCase())
    .where('host_id', '<>', keep)
    .where('retired_at', 'is', null)
    .returning('host_id')
    .execute();
  return rows.map((r) => r.host_id);
}

/** Inserts the host, or brings a retired key of the same host back to life under its (new) name. */
export async function upsertHost(db: Kysely<any>, h: { hostId: string; orgId: string; name: string; publicKey: string; at: string; by: string }): Promise<void> {
  await t(db)
    .insertInto('ch_hosts')
    .values({
      host_id: h.hostId,
      org_id: h.orgId,
      name: h.name,
      name_key: h.name.toLowerCase(),
      public_key: h.publicKey,
      registered_at: h.at,
      registered_by: h.by,
      retired_at: null,
      retired_by: null,
    })
    .onConflict((oc) =>
      oc.column('host_id').doUpdateSet({ name: h.name, name_key: h.name.toLowerCase(), registered_at: h.at, registered_by: h.by, retired_at: null, retired_by: null }),
    )
    .execute();
}

/** Retires one live host; false when there is no such live host (in that organization, when given). */
export async function retireHost(db: Kysely<any>, hostId: string, at: string, by: string, orgId?: string): Promise<boolean> {
  let q = t(db).updateTable('ch_hosts').set({ retired_at: at, retired_by: by }).where('host_id', '=', hostId).where('retired_at', 'is', null);
  if (orgId !== undefined) q = q.where('org_id', '=', orgId);
  return (await q.returning('host_id').execute()).length === 1;
}

export async function listRegisteredHosts(db: Kysely<any>, filter: { orgId?: string; includeRetired?: boolean } = {}): Promise<RegisteredHost[]> {
  let q = t(db).selectFrom('ch_hosts').selectAll().orderBy('org_id').orderBy('name_key').orderBy('registered_at');
  if (filter.orgId !== undefined) q = q.where('org_id', '=', filter.orgId);
  if (!filter.includeRetired) q = q.where('retired_at', 'is', null);
  return (await q.execute()).map(fromRow);
}
