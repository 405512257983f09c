/**
 * The session host's SQL for the entitlement chain: the organization it belongs to (learned from its license
 * servers' certificates) and the first sighting of each provisional pack. Row types stay here.
 */
import type { Kysely } from 'kysely';

interface HostOrganizationTable {
  id: number;
  organization: string;
  license_server_url: string;
  learned_at: string;
}
interface ProvisionalSightingsTable {
  server_id: string;
  pack: number;
  first_seen_at: string;
}

export interface ChainTables {
  sh_host_organization: HostOrganizationTable;
  sh_provisional_sightings: ProvisionalSightingsTable;
}

// The session host's use cases hold the database typed with their own tables; these two belong to the same schema.
const t = (db: Kysely<any>): Kysely<ChainTables> => db as Kysely<ChainTables>;

export interface HostOrganization {
  organization: string;
  licenseServerUrl: string;
  learnedAt: string;
}

export async function readHostOrganization(db: Kysely<any>): Promise<HostOrganization | undefined> {
  const row = await t(db).selectFrom('sh_host_organization').selectAll().where('id', '=', 1).executeTakeFirst();
  return row ? { organization: row.organization, licenseServerUrl: row.license_server_url, learnedAt: row.learned_at } : undefined;
}

export async function saveHostOrganization(db: Kysely<any>, o: HostOrganization): Promise<void> {
  const values = { organization: o.organization, license_server_url: o.licenseServerUrl, learned_at: o.learnedAt };
  await t(db)
    .insertInto('sh_host_organization')
    .values({ id: 1, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
}

/**
 * The first time this host saw a grantless CAL of (license server, pack): recorded once by one conditional insert,
 * so concurrent connections agree on it. `first` says whether this call recorded it.
 */
export async function firstSightingOf(db: Kysely<any>, serverId: string, pack: number, now: Date): Promise<{ at: Date; first: boolean }> {
  const inserted = await t(db)
    .insertInto('sh_provisional_sightings')
    .values({ server_id: serverId, pack, first_seen_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['server_id', 'pack']).doNothing())
    .returning('first_seen_at')
    .executeTakeFirst();
  if (inserted) return { at: new Date(inserted.first_seen_at), first: true };
  const row = await t(db)
    .selectFrom('sh_provisional_sightings')
    .select('first_seen_at')
    .where('server_id', '=', serverId)
    .where('pack', '=', pack)
    .executeTakeFirstOrThrow();
  return { at: new Date(row.first_seen_at), first: false };
}
