/**
 * The clearinghouse's alerts (docs/alerts.md): a case pending too long, a clone case. Evaluated on a timer and on
 * demand with the clearinghouse's clock (the demo clock in `--demo`); events 9070 (raised) and 9071 (cleared) once
 * per transition, even with several nodes on one database. Its business metrics (docs/metrics.md): open cases per
 * kind and the age of each activated license server's last check-in.
 */
import { caseAlerts, type AlertThresholds } from '../core/alert-rules';
import { formatCaseNumber } from '../core/clearinghouse-rules';
import { createAlertMonitor, type AlertMonitor } from '../storage/alerts';
import { openCaseCounts, openCases, serverCheckIns } from './alerts.repository';
import type { ChContext } from './context';

export function clearinghouseAlerts(ctx: ChContext, thresholds: AlertThresholds): AlertMonitor {
  return createAlertMonitor({
    component: 'clearinghouse',
    db: ctx.db,
    change: ctx.change,
    clock: ctx.clock,
    events: { raised: 9070, cleared: 9071 },
    gather: async (now) =>
      caseAlerts(
        (await openCases(ctx.db)).map((c) => ({
          caseNumber: formatCaseNumber(c.number),
          kind: c.kind,
          createdAt: new Date(c.createdAt),
          ...(c.sourceServerId ? { sourceServerId: c.sourceServerId } : {}),
        })),
        now,
        thresholds,
      ),
  });
}

export interface ClearinghouseMetrics {
  openCases: { kind: string; count: number }[];
  /** seconds since each activated license server's last check-in (absent: never checked in) */
  checkIns: { serverId: string; ageSeconds?: number }[];
}

export async function clearinghouseMetrics(ctx: ChContext): Promise<ClearinghouseMetrics> {
  const now = ctx.clock.now().getTime();
  return {
    openCases: await openCaseCounts(ctx.db),
    checkIns: (await serverCheckIns(ctx.db)).map((s) =>
      s.lastCheckInAt ? { serverId: s.serverId, ageSeconds: Math.max(0, Math.round((now - new Date(s.lastCheckInAt).getTime()) / 1000)) } : { serverId: s.serverId },
    ),
  };
}
