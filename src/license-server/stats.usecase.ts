/** Issuance and refusals over time, for the license manager's dashboard (`GET /ls/v1/stats/issuance`). */
import { fillBuckets, statsWindow, type StatsRange } from '../core/issuance-stats';
import type { IssuanceStats } from '../core/wire/license-server-stats';
import type { LicenseServerContext } from './context';
import { issuanceCounts } from './stats.repository';

export async function issuanceStats(ctx: Pick<LicenseServerContext, 'db' | 'clock'>, range: StatsRange): Promise<IssuanceStats> {
  const window = statsWindow(range, ctx.clock.now());
  const buckets = fillBuckets(window, await issuanceCounts(ctx.db, window));
  const sum = (k: 'temporary' | 'permanent' | 'user' | 'refused') => buckets.reduce((s, b) => s + b[k], 0);
  return {
    range,
    unit: window.unit,
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    buckets: buckets.map((b) => ({ start: b.start.toISOString(), temporary: b.temporary, permanent: b.permanent, user: b.user, refused: b.refused })),
    totals: { temporary: sum('temporary'), permanent: sum('permanent'), user: sum('user'), refused: sum('refused') },
  };
}
