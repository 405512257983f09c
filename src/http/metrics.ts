import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

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

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

type HttpLabels = { method: string; route: string; status: string };
interface HttpSeries {
  readonly labels: HttpLabels;
  count: number;
  sum: number;
  /** answers per bucket of DURATION_BUCKETS (not cumulative); slower than the last bucket: only in `count` */
  readonly buckets: number[];
}

/**
 * The HTTP metrics of a registry: `opencal_http_requests_total{method,route,status}` and
 * `opencal_http_request_duration_seconds{method,route,status}`, counted in plain numbers on every answer and turned
 * into the Prometheus text only when /metrics is read (prom-client would hash and check the labels on every
 * answer). The text is prom-client's own for a counter and a histogram (test/http/metrics.test.ts compares them).
 */
export interface HttpMetrics {
  /** one answer: its method, route (or `unmatched`), status and duration in seconds */
  record(method: string, route: string, status: number, seconds: number): void;
}

const httpMetricsOf = new WeakMap<Registry, HttpMetrics>();

export function httpMetrics(registry: Registry): HttpMetrics {
  const existing = httpMetricsOf.get(registry);
  if (existing) return existing;
  const series = new Map<string, HttpSeries>();
  const requestsName = 'opencal_http_requests_total';
  const durationName = 'opencal_http_request_duration_seconds';
  const requests = {
    name: requestsName,
    help: 'HTTP requests answered, by method, route and status',
    type: 'counter',
    aggregator: 'sum',
    get: async () => ({
      name: requestsName,
      help: requests.help,
      type: 'counter',
      aggregator: 'sum',
      values: [...series.values()].map((s) => ({ value: s.count, labels: s.labels })),
    }),
    reset: () => series.clear(),
  };
  const forPromString = () => {
    const values: { labels: Record<string, string | number>; sharedLabels?: HttpLabels; value: number; metricName: string }[] = [];
    for (const s of series.values()) {
      let acc = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        acc += s.buckets[i]!;
        values.push({ labels: { le }, sharedLabels: s.labels, value: acc, metricName: `${durationName}_bucket` });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: `${durationName}_bucket` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${durationName}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${durationName}_count` });
    }
    return { name: durationName, help: duration.help, type: 'histogram', aggregator: 'sum', values };
  };
  const duration = {
    name: durationName,
    help: 'HTTP request duration in seconds, by method, route and status',
    type: 'histogram',
    aggregator: 'sum',
    getForPromString: async () => forPromString(),
    // As prom-client's histogram answers it for JSON: the shared labels spread into each value's labels.
    get: async () => {
      const data = forPromString();
      return { ...data, values: data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })) };
    },
    reset: () => series.clear(),
  };
  registry.registerMetric(requests as unknown as Metric);
  registry.registerMetric(duration as unknown as Metric);
  const metrics: HttpMetrics = {
    record(method, route, status, seconds) {
      const key = `${method} ${status} ${route}`;
      let s = series.get(key);
      if (s === undefined) {
        s = { labels: { method, route, status: String(status) }, count: 0, sum: 0, buckets: DURATION_BUCKETS.map(() => 0) };
        series.set(key, s);
      }
      s.count += 1;
      s.sum += seconds;
      for (let i = 0; i < DURATION_BUCKETS.length; i++) {
        if (seconds <= DURATION_BUCKETS[i]!) {
          s.buckets[i]! += 1;
          break;
        }
      }
    },
  };
  httpMetricsOf.set(registry, metrics);
  return metrics;
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
