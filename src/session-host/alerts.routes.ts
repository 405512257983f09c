/**
 * The session host's alerts route (`GET /sh/v1/alerts`) and its business gauge on /metrics (docs/metrics.md).
 */
import { alertsRoute } from '../http/alerts';
import { requireScope } from '../http/auth';
import { scrapeGauge } from '../http/metrics';
import type { TypedApp } from '../http/server';
import type { AlertMonitor } from '../storage/alerts';
import type { sessionHostMetrics } from './alerts.usecase';

export function sessionHostAlertRoutes(alerts: AlertMonitor, metrics: () => ReturnType<typeof sessionHostMetrics>) {
  return (app: TypedApp): void => {
    alertsRoute(app, { tags: ['session-host'], preHandler: requireScope('sh:admin', 'readonly'), evaluate: () => alerts.evaluate() });
    scrapeGauge(app.opencalMetrics, 'opencal_grace_days_left', 'days left in the grace period of each session host (0: over)', ['host'] as const, async () => {
      const m = await metrics();
      return [{ labels: { host: m.host }, value: m.graceDaysLeft }];
    });
  };
}
