/**
 * `GET <prefix>/alerts` and the gauge `opencal_alert_active{component,kind,subject}` (docs/alerts.md), the same for
 * every component: each gives its own evaluation (src/<component>/alerts.usecase.ts) and the scopes that read it.
 */
import type { preHandlerHookHandler } from 'fastify';
import * as Wire from '../core/wire/alerts';
import { errorResponses } from './errors';
import { scrapeGauge } from './metrics';
import type { TypedApp } from './server';

export interface AlertsRouteOptions {
  tags: string[];
  /** the scope guard: the component's owner and read-only tokens */
  preHandler: preHandlerHookHandler;
  /** evaluates the component's alerts now (recording their transitions) and answers the active ones */
  evaluate: () => Promise<Wire.AlertList>;
}

export function alertsRoute(app: TypedApp, o: AlertsRouteOptions): void {
  app.get(
    '/alerts',
    {
      preHandler: o.preHandler,
      schema: {
        tags: o.tags,
        summary: 'active alerts: kind, subject, since, threshold, message (en, fr) and the console page that fixes each (evaluated now)',
        response: { 200: Wire.AlertList, ...errorResponses(401, 403) },
      },
    },
    async () => o.evaluate(),
  );
  scrapeGauge(app.opencalMetrics, 'opencal_alert_active', 'alerts active now (1), by component, kind and subject; an alert that cleared has no series', ['component', 'kind', 'subject'] as const, async () =>
    (await o.evaluate()).alerts.map((a) => ({ labels: { component: a.component, kind: a.kind, subject: a.subject }, value: 1 })),
  );
}
