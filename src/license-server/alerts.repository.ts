/**
 * The license server's facts for its alerts and its business metrics (docs/alerts.md, docs/metrics.md): a few
 * aggregate reads over the key packs (a handful of rows) and the live issued licenses (partial indexes over live rows),
 * run on the alert timer and at scrape time — never on the CAL request path.
 */
import { sql, toNumber } from '../storage/dialect';
import type { PackCount } from '../core/alert-rules';
import type { CalType, CalVersion } from '../core/vocabulary';
import type { LsDb } from './license-server.repository';

/** Each pack's active key packs added up (a pack reissued here holds one active key pack per grant). */
export async function activePackCounts(db: LsDb): Promise<PackCount[]> {
  const rows = await db
    .selectFrom('ls_key_packs')
    .select((eb) => ['pack', 'cal_type', 'cal_version', eb.fn.sum<number>('total').as('total'), eb.fn.sum<number>('issued').as('issued')])
    .where('status', '=', 'active')
    .groupBy(['pack', 'cal_type', 'cal_version'])
    .orderBy('pack')
    .execute();
  return rows.map((r) => {
    const total = toNumber(r.total);
    return { pack: toNumber(r.pack), calType: r.cal_type as CalType, calVersion: toNumber(r.cal_version) as CalVersion, total, available: Math.max(0, total - toNumber(r.issued)) };
  });
}

/** The certificate's expiry (an activated server only) and the grants of the active key packs. */
export async function expiryFacts(db: LsDb): Promise<{ certificateExpiresAt?: string; grants: { pack: number; seq: number; expiresAt: string }[] }> {
  const server = await db.selectFrom('ls_server').select(['status', 'expires_at']).where('id', '=', 1).executeTakeFirst();
  const grants = await db.selectFrom('ls_key_packs').select(['pack', 'seq', 'expires_at']).where('status', '=', 'active').where('expires_at', 'is not', null).orderBy('pack').orderBy('seq').execute();
  return {
    ...(server?.status === 'activated' && server.expires_at ? { certificateExpiresAt: server.expires_at } : {}),
    grants: grants.map((g) => ({ pack: toNumber(g.pack), seq: toNumber(g.seq), expiresAt: g.expires_at! })),
  };
}

/** CALs installed and issued per CAL type and version, over the active key packs. */
export async function calsByTypeAndVersion(db: LsDb): Promise<{ calType: string; calVersion: number; installed: number; issued: number }[]> {
  const rows = await db
    .selectFrom('ls_key_packs')
    .select((eb) => ['cal_type', 'cal_version', eb.fn.sum<number>('total').as('installed'), eb.fn.sum<number>('issued').as('issued')])
    .where('status', '=', 'active')
    .groupBy(['cal_type', 'cal_version'])
    .execute();
  return rows.map((r) => ({ calType: r.cal_type, calVersion: toNumber(r.cal_version), installed: toNumber(r.installed), issued: toNumber(r.issued) }));
}

/**
 * Live issued licenses (active, not expired at `now`) per CAL type, version and kind (temporary, permanent, user).
 * Read in two parts, each through a partial index over live rows (migration ls_0009_perm_live_indexes, whose terms
 * are written as constants so that the index applies): the device CALs (ls_issued_one_live_device) and the per-user
 * CALs (ls_issued_live_seats).
 */
export async function liveIssuedCounts(db: LsDb, now: Date): Promise<{ calType: string; calVersion: number; kind: string; count: number }[]> {
  const live = (kind: '<>' | '=') =>
    db
      .selectFrom('ls_issued_licenses')
      .select((eb) => ['cal_type', 'cal_version', 'kind', eb.fn.countAll<number>().as('n')])
      .where('status', '=', sql.lit('active'))
      .where('kind', kind === '<>' ? '<>' : '=', sql.lit('user'))
      .$if(kind === '=', (q) => q.where('kind', '<>', sql.lit('temporary')))
      .where('expires_at', '>', now.toISOString())
      .groupBy(['cal_type', 'cal_version', 'kind'])
      .execute();
  const rows = [...(await live('<>')), ...(await live('='))];
  return rows.map((r) => ({ calType: r.cal_type, calVersion: toNumber(r.cal_version), kind: r.kind, count: toNumber(r.n) }));
}

/** When this license server last checked in with its clearinghouse (absent: never). */
export async function lastCheckIn(db: LsDb): Promise<string | undefined> {
  const row = await db.selectFrom('ls_server').select(['last_check_in_at']).where('id', '=', 1).executeTakeFirst();
  return row?.last_check_in_at ?? undefined;
}
