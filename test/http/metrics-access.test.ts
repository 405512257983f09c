/** /metrics shows business counts (CALs issued, refusals): it is read with a token or from an allowed address. */
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { buildServer } from '../../src/http/server';
import type { TokenStore } from '../../src/http/auth';

const tokens: Record<string, { id: string; scope: string; subject: string }> = {
  'admin-token-of-the-license-server': { id: '1', scope: 'ls:admin', subject: 'admin' },
  'readonly-token-of-the-license-server': { id: '2', scope: 'readonly', subject: 'auditor' },
  'host-token-of-a-session-host-001': { id: '3', scope: 'ls:host', subject: 'RDSH01' },
};
const store: TokenStore = { find: async (token) => tokens[token] };
const METRICS_TOKEN = 'prometheus-scrape-token-0123456789';

async function server(metricsAccess?: { token?: string; allow?: string[] }) {
  return buildServer({
    logger: false,
    metrics: new Registry(),
    ...(metricsAccess ? { metricsAccess } : {}),
    components: [{ name: 'license-server', prefix: '/ls/v1', tokenStore: store, routes: () => undefined }],
  });
}

const get = (app: Awaited<ReturnType<typeof server>>, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
  app.inject({ method: 'GET', url: '/metrics', headers, remoteAddress });

describe('/metrics access', () => {
  it('without a token, /metrics is refused 401 UNAUTHENTICATED in the one error body and shows no counts', async () => {
    const app = await server();
    const res = await get(app);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
    expect(res.body).not.toContain('opencal_http_requests_total');
  });

  it('a component admin or read-only token reads /metrics; a session host token does not', async () => {
    const app = await server();
    expect((await get(app, { authorization: 'Bearer admin-token-of-the-license-server' })).statusCode).toBe(200);
    expect((await get(app, { authorization: 'Bearer readonly-token-of-the-license-server' })).body).toContain('# TYPE opencal_http_requests_total counter');
    const host = await get(app, { authorization: 'Bearer host-token-of-a-session-host-001' });
    expect(host.statusCode).toBe(401);
  });

  it('the --metrics-token reads /metrics, another token does not', async () => {
    const app = await server({ token: METRICS_TOKEN });
    expect((await get(app, { authorization: `Bearer ${METRICS_TOKEN}` })).statusCode).toBe(200);
    expect((await get(app, { authorization: `Bearer ${METRICS_TOKEN}x` })).statusCode).toBe(401);
  });

  it('an address in --metrics-allow reads /metrics without a token; one outside it does not', async () => {
    const app = await server({ allow: ['10.1.0.0/16', '192.0.2.7'] });
    expect((await get(app, {}, '10.1.44.3')).statusCode).toBe(200);
    expect((await get(app, {}, '::ffff:192.0.2.7')).statusCode).toBe(200);
    expect((await get(app, {}, '10.2.0.1')).statusCode).toBe(401);
  });
});
