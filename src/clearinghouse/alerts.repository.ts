/**
 * The clearinghouse's facts for its alerts and its business metrics (docs/alerts.md, docs/metrics.md): open
 * cases (index ch_cases_status) and the last check-in of each activated license server.
 */
import { toNumber } from '../storage/dialect';
import type { ChDb } from './clearinghouse.repository';

/** Cases waiting for a decision (submitted or pending). */
export async function openCases(db: ChDb): Promise<{ number: number; kind: string; createdAt: string; sourceServerId: string | null }[]> {
  const rows = await db
    .selectFrom('ch_cases')
    .select(['number', 'kind', 'created_at', 'source_server_id'])
    .where('status', 'in', ['submitted', 'pending'])
    .orderBy('number')
    .execute();
  return rows.map((r) => ({ number: toNumber(r.number), kind: r.kind, createdAt: r.created_at, sourceServerId: r.source_server_id }));
}

/** Open cases counted per kind. */
export async function openCaseCounts(db: ChDb): Promise<{ kind: string; count: number }[]> {
  const rows = await db
    .selectFrom('ch_cases')
    .select((eb) => ['kind', eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['submitted', 'pending'])
    .groupBy('kind')
    .execute();
  return rows.map((r) => ({ kind: r.kind, count: toNumber(r.n) }));
}

/** Each activated license server and its last check-in (null: never checked in). */
export async function serverCheckIns(db: ChDb): Promise<{ serverId: string; lastCheckInAt: string | null }[]> {
  const rows = await db.selectFrom('ch_servers').select(['server_id', 'last_check_in_at']).where('status', '=', 'activated').orderBy('server_id').execute();
  return rows.map((r) => ({ serverId: r.server_id, lastCheckInAt: r.last_check_in_at }));
}
