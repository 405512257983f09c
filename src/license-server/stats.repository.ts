/**
 * Issuance over time, counted by the database: issued licenses grouped by the bucket their `issued_at` falls in,
 * and refused CAL requests from the event log grouped the same way (core/issuance-stats.ts names the buckets).
 * Timestamps are stored as ISO-8601 UTC text on both databases, so a bucket is a prefix of the text and the window
 * a text comparison: the same SQL on SQLite and PostgreSQL.
 */
import { sql } from 'kysely';
import type { BucketCounts, StatsWindow } from '../core/issuance-stats';
import type { EventsTable } from '../events/event-log';
import { toNumber } from '../storage/dialect';
import type { LsDb } from './license-server.repository';

/**
 * The license server's CAL refusals as its event log records them: event 21 when a device got no CAL at all (the
 * same event with "a temporary CAL" is an issuance, counted from the licenses), and 4141, a host outside the
 * allow-list. Event 21's outcome is in its data, written by issuance.usecase.ts as `outcome: 'no CAL'`.
 */
const NO_CAL_EVENT = 21;
const HOST_NOT_ALLOWED_EVENT = 4141;
const NO_CAL_DATA = '%"outcome":"no CAL"%';

export async function issuanceCounts(db: LsDb, window: StatsWindow): Promise<BucketCounts> {
  const from = window.from.toISOString();
  const to = window.to.toISOString();
  const issuedKey = sql<string>`substr(issued_at, 1, ${sql.lit(window.keyLength)})`;
  const issued = await db
    .selectFrom('ls_issued_licenses')
    .select([issuedKey.as('bucket'), 'kind', sql<number | string>`count(*)`.as('n')])
    .where('issued_at', '>=', from)
    .where('issued_at', '<', to)
    .groupBy([issuedKey, 'kind'])
    .execute();
  const eventKey = sql<string>`substr(at, 1, ${sql.lit(window.keyLength)})`;
  const refused = await db
    .withTables<{ events: EventsTable }>()
    .selectFrom('events')
    .select([eventKey.as('bucket'), sql<number | string>`count(*)`.as('n')])
    .where('component', '=', 'license-server')
    .where('at', '>=', from)
    .where('at', '<', to)
    .where((eb) => eb.or([eb('event_id', '=', HOST_NOT_ALLOWED_EVENT), eb.and([eb('event_id', '=', NO_CAL_EVENT), eb('data', 'like', NO_CAL_DATA)])]))
    .groupBy(eventKey)
    .execute();
  return {
    issued: issued.map((r) => ({ key: r.bucket, kind: r.kind, n: toNumber(r.n) })),
    refused: refused.map((r) => ({ key: r.bucket, n: toNumber(r.n) })),
  };
}
