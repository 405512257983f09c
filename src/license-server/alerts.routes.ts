/**
 * The license server's alerts route (`GET /ls/v1/alerts`) and its business gauges on /metrics (docs/metrics.md),
 * computed at scrape time from aggregate reads (alerts.usecase.ts).
 */
import { alertsRoute } from '../http/alerts';
import { requireScope } from '../http/auth';
import { scrapeGauge } from '../http/metrics';
import type { TypedApp } from '../http/server';
import type { AlertMonitor } from '../storage/alerts';
import type { LicenseServerMetrics } from './alerts.usecase';

export function licenseServerAlertRoutes(alerts: AlertMonitor, metrics: () => Promise<LicenseServerMetrics>) {
  return (app: TypedApp): void => {
    alertsRoute(app, { tags: ['license-server'], preHandler: requireScope('ls:admin', 'readonly'), evaluate: () => alerts.evaluate() });
    // The gauges of one scrape are collected together: they share one read of the figures while it runs.
    let running: Promise<LicenseServerMetrics> | undefined;
    const read = () =>
      (running ??= metrics().finally(() => {
        running = undefined;
      }));
    const reg = app.opencalMetrics;
    const calLabels = ['cal_type', 'cal_version'] as const;
    const perType = (pick: (c: LicenseServerMetrics['cals'][number]) => number) => async () =>
      (await read()).cals.map((c) => ({ labels: { cal_type: c.calType, cal_version: c.calVersion }, value: pick(c) }));
    scrapeGauge(reg, 'opencal_cals_installed', 'CALs in the active key packs, by CAL type and version', calLabels, perType((c) => c.installed));
    scrapeGauge(reg, 'opencal_cals_issued', 'CALs of the active key packs taken by issued licenses, by CAL type and version', calLabels, perType((c) => c.issued));
    scrapeGauge(reg, 'opencal_cals_available', 'CALs of the active key packs still free, by CAL type and version', calLabels, perType((c) => c.available));
    scrapeGauge(reg, 'opencal_issued_licenses', 'live issued licenses (active, not expired), by CAL type, version and kind (temporary, permanent)', [...calLabels, 'kind'] as const, async () =>
      (await read()).licenses.map((l) => ({ labels: { cal_type: l.calType, cal_version: l.calVersion, kind: l.kind }, value: l.count })),
    );
    scrapeGauge(reg, 'opencal_check_in_age_seconds', "seconds since a license server's last check-in with the clearinghouse, as the license server (seen_by) or the clearinghouse counts them", ['server_id', 'seen_by'] as const, async () => {
      const m = await read();
      return m.checkInAgeSeconds === undefined ? [] : [{ labels: { server_id: m.serverId, seen_by: 'license-server' }, value: m.checkInAgeSeconds }];
    });
  };
}
