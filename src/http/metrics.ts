import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

/** A Prometheus registry with the Node.js process metrics; components add their own counters to it. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The metric named `name` in `registry`, created by `create` the first time: lets several servers or
 * components share one registry without "already registered" errors.
 */
export function metricOnce<M extends Metric>(registry: Registry, name: string, create: (registers: Registry[]) => M): M {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as M;
  return create([registry]);
}

/** A counter on `registry` (e.g. `opencal_cals_issued_total`), shared if it already exists. */
export function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return metricOnce(registry, name, (registers) => new Counter({ name, help, labelNames, registers }));
}

export function httpMetrics(registry: Registry) {
  const requests = counter(registry, 'opencal_http_requests_total', 'HTTP requests answered, by method, route and status', [
    'method',
    'route',
    'status',
  ] as const);
  const duration = metricOnce(
    registry,
    'opencal_http_request_duration_seconds',
    (registers) =>
      new Histogram({
        name: 'opencal_http_request_duration_seconds',
        help: 'HTTP request duration in seconds, by method, route and status',
        labelNames: ['method', 'route', 'status'] as const,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers,
      }),
  );
  return { requests, duration };
}

/** Values of a gauge computed at scrape time: one per label set. */
export type Samples = readonly { labels: Readonly<Record<string, string | number>>; value: number }[];

const scrapeSources = new WeakMap<Registry, Map<string, (() => Promise<Samples>)[]>>();

/**
 * A gauge computed when /metrics is scraped (business metrics, docs/metrics.md): `source` answers its current
 * samples from cheap aggregate reads. Several components of one process add their sources to the same gauge (the
 * all-in-one has one registry); a source that fails is left out of that scrape rather than failing it.
 */
export function scrapeGauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], source: () => Promise<Samples>): void {
  let byName = scrapeSources.get(registry);
  if (!byName) scrapeSources.set(registry, (byName = new Map()));
  let sources = byName.get(name);
  if (!sources) byName.set(name, (sources = []));
  sources.push(source);
  const all = sources;
  metricOnce(
    registry,
    name,
    (registers) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          this.reset();
          for (const s of all) {
            let samples: Samples;
            try {
              samples = await s();
            } catch {
              continue;
            }
            for (const x of samples) this.set(x.labels as Partial<Record<L, string | number>>, x.value);
          }
        },
      }),
  );
}

const refusalCounters = new WeakMap<Registry, Counter<'component' | 'code'>>();

/** `opencal_refusals_total{component,code}`: refusals answered, by code (counted where the one error body is sent). */
export function refusalCounter(registry: Registry): Counter<'component' | 'code'> {
  let c = refusalCounters.get(registry);
  if (!c) refusalCounters.set(registry, (c = counter(registry, 'opencal_refusals_total', 'refusals answered, by component and code', ['component', 'code'] as const)));
  return c;
}
