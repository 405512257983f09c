/**
 * The HTTP request metrics (`opencal_http_requests_total`, `opencal_http_request_duration_seconds`) are counted in
 * plain numbers on every answer and written as Prometheus text when /metrics is read: the text is the one
 * prom-client writes for a counter and a histogram given the same answers, and a scrape shows the answers of every
 * app built on the registry.
 */
import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from 'prom-client';
import { buildServer } from '../../src/http/server';
import { httpMetrics } from '../../src/http/metrics';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const ANSWERS: [method: string, route: string, status: number, seconds: number][] = [
  ['GET', '/healthz', 200, 0.0004],
  ['POST', '/ls/v1/cals', 200, 0.003],
  ['POST', '/ls/v1/cals', 200, 0.0025],
  ['POST', '/ls/v1/cals', 401, 0.0001],
  ['GET', '/healthz', 200, 0.02],
  ['GET', 'unmatched', 404, 4.2],
  ['POST', '/ls/v1/cals', 200, 1],
];

describe('HTTP request metrics', () => {
  it('read as the same Prometheus text as prom-client counts the same answers (per route, method and status, every bucket, sum and count)', async () => {
    const ours = new Registry();
    const metrics = httpMetrics(ours);
    const reference = new Registry();
    const labelNames = ['method', 'route', 'status'] as const;
    const counter = new Counter({ name: 'opencal_http_requests_total', help: 'HTTP requests answered, by method, route and status', labelNames, registers: [reference] });
    const histogram = new Histogram({
      name: 'opencal_http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route and status',
      labelNames,
      buckets: BUCKETS,
      registers: [reference],
    });
    for (const [method, route, status, seconds] of ANSWERS) {
      metrics.record(method, route, status, seconds);
      const labels = { method, route, status: String(status) };
      counter.labels(labels).inc();
      histogram.labels(labels).observe(seconds);
    }
    const text = await ours.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain('opencal_http_requests_total{method="POST",route="/ls/v1/cals",status="200"} 3');
    expect(text).toContain('opencal_http_request_duration_seconds_bucket{le="0.0025",method="POST",route="/ls/v1/cals",status="200"} 1');
    expect(text).toContain('opencal_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="unmatched",status="404"} 1');
    // The JSON form too (getMetricsAsJSON), as prom-client gives it.
    const json = (r: Registry) =>
      r.getMetricsAsJSON().then((all) => all.map((m) => ({ ...m, values: m.values.map((v) => ({ labels: v.labels, value: v.value, metricName: (v as { metricName?: string }).metricName })) })));
    expect(await json(ours)).toEqual(await json(reference));
  });

  it('a server counts each answer once, by its route, in the counter and the histogram; apps built on one registry share them', async () => {
    const registry = new Registry();
    const first = await buildServer({ logger: false, metrics: registry, components: [], metricsAccess: { token: 'metrics-token-of-this-test' } });
    const second = await buildServer({ logger: false, metrics: registry, components: [], metricsAccess: { token: 'metrics-token-of-this-test' } });
    for (let i = 0; i < 3; i++) expect((await first.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await second.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await second.inject({ method: 'GET', url: '/nowhere' })).statusCode).toBe(404);
    expect((await second.inject({ method: 'HEAD', url: '/healthz' })).statusCode).toBe(200);
    expect((await second.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(200);
    expect((await second.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
    expect((await second.inject({ method: 'GET', url: '/docs?x=1' })).statusCode).toBe(200);
    const res = await first.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-of-this-test' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('opencal_http_requests_total{method="GET",route="/healthz",status="200"} 4');
    expect(res.body).toContain('opencal_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(res.body).toContain('opencal_http_requests_total{method="HEAD",route="/healthz",status="200"} 1');
    // The OpenAPI UI's `/docs`, `/docs/` and `/docs?x=1` are answered by its route `/docs`.
    expect(res.body).toContain('opencal_http_requests_total{method="GET",route="/docs",status="200"} 3');
    expect(res.body).toContain('opencal_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 4');
    expect(res.body).toContain('opencal_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/healthz",status="200"} 4');
    expect(res.body).toMatch(/opencal_http_request_duration_seconds_sum\{method="GET",route="\/healthz",status="200"\} \d/);
    await first.close();
    await second.close();
  });
});
