/**
 * The session host's alerts (docs/alerts.md): its grace period ending. Evaluated on a timer and on demand with the
 * host's clock (the demo clock in `--demo`), so that advancing it raises the alert; events 9270 (raised) and 9271
 * (cleared) are recorded once per transition. Its business metric: the grace days left.
 */
import { graceAlerts, type AlertThresholds } from '../core/alert-rules';
import { createAlertMonitor, type AlertMonitor } from '../storage/alerts';
import { currentGrace, effectiveConfig } from './config.usecase';
import type { SessionHostContext } from './context';

export function sessionHostAlerts(ctx: SessionHostContext, thresholds: AlertThresholds): AlertMonitor {
  return createAlertMonitor({
    component: 'session-host',
    db: ctx.database.db,
    change: ctx.change,
    clock: ctx.clock,
    events: { raised: 9270, cleared: 9271 },
    gather: async () => {
      const grace = await currentGrace(ctx);
      const config = await effectiveConfig(ctx);
      const licensingConfigured = config.mode.value !== 'not-configured' && config.licenseServers.value.length > 0;
      return graceAlerts({ hostName: ctx.settings.hostName, daysLeft: grace.daysLeft, endsAt: grace.endsAt, licensingConfigured }, thresholds);
    },
  });
}

/** What /metrics shows of this host: the grace days left (0 once it is over). */
export async function sessionHostMetrics(ctx: SessionHostContext): Promise<{ host: string; graceDaysLeft: number }> {
  const grace = await currentGrace(ctx);
  return { host: ctx.settings.hostName, graceDaysLeft: grace.daysLeft };
}
