/**
 * The clearinghouse's alerts route (`GET /ch/v1/alerts`) and its business gauges on /metrics (docs/metrics.md).
 */
import { alertsRoute } from '../http/alerts';
import { requireScope } from '../http/auth';
import { scrapeGauge } from '../http/metrics';
import type { TypedApp } from '../http/server';
import type { AlertMonitor } from '../storage/alerts';
import type { ClearinghouseMetrics } from './alerts.usecase';

export function clearinghouseAlertRoutes(alerts: AlertMonitor, metrics: () => Promise<ClearinghouseMetrics>) {
  return (app: TypedApp): void => {
    alertsRoute(app, { tags: ['clearinghouse'], preHandler: requireScope('ch:admin', 'ch:agent', 'readonly'), evaluate: () => alerts.evaluate() });
    const reg = app.opencalMetrics;
    scrapeGauge(reg, 'opencal_cases_pending', 'cases waiting for a decision (submitted or pending), by kind', ['kind'] as const, async () =>
      (await metrics()).openCases.map((c) => ({ labels: { kind: c.kind }, value: c.count })),
    );
    scrapeGauge(reg, 'opencal_check_in_age_seconds', "seconds since a license server's last check-in with the clearinghouse, as the license server (seen_by) or the clearinghouse counts them", ['server_id', 'seen_by'] as const, async () =>
      (await metrics()).checkIns.flatMap((s) => (s.ageSeconds === undefined ? [] : [{ labels: { server_id: s.serverId, seen_by: 'clearinghouse' }, value: s.ageSeconds }])),
    );
  };
}
