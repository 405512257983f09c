/**
 * The license server's alerts (docs/alerts.md): a pack nearly exhausted, its certificate or a grant about to expire.
 * Evaluated on a timer and on demand with the server's clock (the demo clock in `--demo`); events 9170 (raised)
 * and 9171 (cleared) once per transition. Its business metrics (docs/metrics.md): CALs installed, issued and
 * available per CAL type and version, live licenses temporary vs permanent, the age of its last check-in. All are
 * aggregate reads made here, never on the CAL request path.
 */
import { expiryAlerts, packAlerts, type AlertThresholds } from '../core/alert-rules';
import { createAlertMonitor, type AlertMonitor } from '../storage/alerts';
import { activePackCounts, calsByTypeAndVersion, expiryFacts, lastCheckIn, liveIssuedCounts } from './alerts.repository';
import type { LicenseServerContext } from './context';

export function licenseServerAlerts(ctx: LicenseServerContext, thresholds: AlertThresholds): AlertMonitor {
  return createAlertMonitor({
    component: 'license-server',
    db: ctx.db,
    change: ctx.change,
    clock: ctx.clock,
    events: { raised: 9170, cleared: 9171 },
    gather: async (now) => {
      const expiry = await expiryFacts(ctx.db);
      return [
        ...packAlerts(await activePackCounts(ctx.db), thresholds),
        ...expiryAlerts(
          {
            serverId: ctx.serverId,
            ...(expiry.certificateExpiresAt ? { certificateExpiresAt: new Date(expiry.certificateExpiresAt) } : {}),
            grants: expiry.grants.map((g) => ({ pack: g.pack, seq: g.seq, expiresAt: new Date(g.expiresAt) })),
          },
          now,
          thresholds,
        ),
      ];
    },
  });
}

export interface LicenseServerMetrics {
  serverId: string;
  cals: { calType: string; calVersion: number; installed: number; issued: number; available: number }[];
  licenses: { calType: string; calVersion: number; kind: string; count: number }[];
  /** seconds since the last check-in with the clearinghouse; absent when it never checked in */
  checkInAgeSeconds?: number;
}

export async function licenseServerMetrics(ctx: LicenseServerContext): Promise<LicenseServerMetrics> {
  const now = ctx.clock.now();
  const cals = (await calsByTypeAndVersion(ctx.db)).map((c) => ({ ...c, available: Math.max(0, c.installed - c.issued) }));
  const licenses = await liveIssuedCounts(ctx.db, now);
  const last = await lastCheckIn(ctx.db);
  return {
    serverId: ctx.serverId,
    cals,
    licenses,
    ...(last ? { checkInAgeSeconds: Math.max(0, Math.round((now.getTime() - new Date(last).getTime()) / 1000)) } : {}),
  };
}
