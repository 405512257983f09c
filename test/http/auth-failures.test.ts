/**
 * Failed authentication never blocks a valid credential (issue 13): failures are counted per source and presented
 * credential, a valid token is looked up first and always passes, and the components' own calls to each other are
 * never limited by someone else's junk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { buildServer, type TypedApp } from '../../src/http/server';
import { AuthFailureLimiter, requireScope } from '../../src/http/auth';
import type { TokenPrincipal } from '../../src/storage/tokens.repository';
import { configFor, startServer } from '../cli/harness';
import { httpOptions } from '../../src/compose/servers';
import type { AllInOneServer } from '../../src/compose/servers';

const ADMIN = 'an-admin-token-of-at-least-24-chars';

async function oneComponent(options: { trustProxy?: false | string[] } = {}): Promise<TypedApp> {
  const admin: TokenPrincipal = { id: '1', scope: 'ls:admin', subject: 'admin' } as TokenPrincipal;
  return buildServer({
    logger: false,
    metrics: new Registry(),
    ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
    components: [
      {
        name: 'license-server',
        prefix: '/ls/v1',
        tokenStore: { find: async (token: string) => (token === ADMIN ? admin : undefined) },
        routes: (ls) => {
          ls.get('/thing', { preHandler: requireScope('ls:admin') }, async () => ({ ok: true }));
        },
      },
    ],
  });
}

const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });

describe('failed authentications', () => {
  it('after 20 junk tokens from one address, the admin token from that address still passes', async () => {
    const app = await oneComponent();
    for (let i = 0; i < 20; i++) {
      const junk = await app.inject({ method: 'GET', url: '/ls/v1/thing', headers: bearer(`junk-token-${i}`) });
      expect(junk.statusCode).toBe(401);
    }
    const res = await app.inject({ method: 'GET', url: '/ls/v1/thing', headers: bearer(ADMIN) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    await app.close();
  });

  it('one junk token repeated 20 times from an address is refused 429 TOO_MANY_AUTH_FAILURES, while the admin token passes', async () => {
    const app = await oneComponent();
    for (let i = 0; i < 20; i++) await app.inject({ method: 'GET', url: '/ls/v1/thing', headers: bearer('the-same-junk') });
    const blocked = await app.inject({ method: 'GET', url: '/ls/v1/thing', headers: bearer('the-same-junk') });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('TOO_MANY_AUTH_FAILURES');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await app.inject({ method: 'GET', url: '/ls/v1/thing', headers: bearer(ADMIN) })).statusCode).toBe(200);
    await app.close();
  });

  it('an address that tried 100 different junk tokens gets 429 for the next unknown one, and the admin token still passes', async () => {
    const app = await oneComponent();
    for (let i = 0; i < 100; i++) await app.inject({ method: 'GET', url: '/ls/v1/thing', headers: bearer(`junk-${i}`) });
    const next = await app.inject({ method: 'GET', url: '/ls/v1/thing', headers: bearer('yet-another-junk') });
    expect(next.statusCode).toBe(429);
    expect(next.json().error.code).toBe('TOO_MANY_AUTH_FAILURES');
    expect((await app.inject({ method: 'GET', url: '/ls/v1/thing', headers: bearer(ADMIN) })).statusCode).toBe(200);
    await app.close();
  });

  it('behind a trusted proxy, failures count for the client in X-Forwarded-For, not for the proxy', async () => {
    const app = await oneComponent({ trustProxy: ['127.0.0.1'] });
    const from = (client: string, token: string) =>
      app.inject({ method: 'GET', url: '/ls/v1/thing', remoteAddress: '127.0.0.1', headers: bearer(token, { 'x-forwarded-for': client }) });
    for (let i = 0; i < 100; i++) await from('203.0.113.7', `junk-${i}`);
    expect((await from('203.0.113.7', 'junk-again')).statusCode).toBe(429);
    const other = await from('198.51.100.2', 'a-typo-token');
    expect(other.statusCode).toBe(401);
    expect(other.json().error.code).toBe('UNAUTHENTICATED');
    await app.close();
  });

  it('without --trust-proxy, X-Forwarded-For is ignored: a client cannot pick the address it is counted under', async () => {
    const app = await oneComponent();
    for (let i = 0; i < 100; i++) {
      await app.inject({ method: 'GET', url: '/ls/v1/thing', remoteAddress: '192.0.2.9', headers: bearer(`junk-${i}`, { 'x-forwarded-for': `10.0.0.${i}` }) });
    }
    const next = await app.inject({ method: 'GET', url: '/ls/v1/thing', remoteAddress: '192.0.2.9', headers: bearer('junk-x', { 'x-forwarded-for': '10.9.9.9' }) });
    expect(next.statusCode).toBe(429);
    await app.close();
  });

  it('--trust-proxy and --trusted-proxies are configuration (flag > OPENCAL_* > file > default)', () => {
    expect(httpOptions(configFor({})).trustProxy).toBe(false);
    expect(httpOptions(configFor({ trustProxy: true })).trustProxy).toEqual(['127.0.0.1', '::1']);
    expect(httpOptions(configFor({ trustProxy: true, trustedProxies: '10.0.0.1, 192.168.0.0/16' })).trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16']);
    expect(() => configFor({ trustedProxies: 'nginx.local' })).toThrow(/CIDR/);
  });
});

describe('the failure limiter', () => {
  it('a credential that failed too often stays refused for its own window, after the first failures of its address are a window old', () => {
    let now = 0;
    const limiter = new AuthFailureLimiter(3, 60_000, () => now);
    limiter.record('10.0.0.7', 'junk-a');
    now = 50_000;
    for (let i = 0; i < 3; i++) limiter.record('10.0.0.7', 'junk-b');
    expect(limiter.isBlocked('10.0.0.7', 'junk-b').blocked).toBe(true);
    // The address's own window (opened at 0) ends at 60 s; the credential's (opened at 50 s) at 110 s.
    now = 70_000;
    expect(limiter.isSourceBlocked('10.0.0.7').blocked).toBe(false);
    expect(limiter.isBlocked('10.0.0.7', 'junk-b')).toEqual({ blocked: true, retryAfterSeconds: 40 });
    expect(limiter.isBlocked('10.0.0.7', 'junk-a').blocked).toBe(false);
    expect(limiter.isBlocked('10.0.0.7', 'the-admin-token').blocked).toBe(false);
    now = 110_000;
    expect(limiter.isBlocked('10.0.0.7', 'junk-b').blocked).toBe(false);
  });

  it('refuses nothing from an address that never failed, nor from another address than the one that failed', () => {
    const limiter = new AuthFailureLimiter(2, 60_000, () => 1_000);
    expect(limiter.isBlocked('10.0.0.8', 'junk').blocked).toBe(false);
    limiter.record('10.0.0.8', 'junk');
    limiter.record('10.0.0.8', 'junk');
    expect(limiter.isBlocked('10.0.0.8', 'junk').blocked).toBe(true);
    expect(limiter.isBlocked('10.0.0.9', 'junk').blocked).toBe(false);
    expect(limiter.isBlocked('10.0.0.8', undefined).blocked).toBe(false);
  });
});

describe('failed authentications on the all-in-one', () => {
  let running: { server: AllInOneServer; stop(): Promise<void> };
  beforeAll(async () => {
    running = await startServer({ demo: true });
  }, 60_000);
  afterAll(async () => running?.stop());

  it('20 junk tokens from 127.0.0.1: the admin token then works and a new device still gets a CAL', async () => {
    const { url, adminToken } = running.server;
    for (let i = 0; i < 20; i++) {
      const junk = await fetch(`${url}/ls/v1/whoami`, { headers: bearer(`junk-token-number-${i}`) });
      expect(junk.status).toBe(401);
    }
    const whoami = await fetch(`${url}/ls/v1/whoami`, { headers: bearer(adminToken) });
    expect(whoami.status).toBe(200);
    expect(await whoami.json()).toMatchObject({ scope: 'ls:admin' });

    const made = await fetch(`${url}/sh/v1/gate-credentials`, {
      method: 'POST',
      headers: bearer(adminToken, { 'content-type': 'application/json' }),
      body: JSON.stringify({ label: 'test front end' }),
    });
    expect(made.status).toBe(201);
    const gate = ((await made.json()) as { token: string }).token;
    const connect = await fetch(`${url}/sh/v1/connect`, {
      method: 'POST',
      headers: bearer(gate, { 'content-type': 'application/json' }),
      body: JSON.stringify({ device: 'NEW-PC-01', hwid: 'hwid-new-pc-01' }),
    });
    const body = (await connect.json()) as { admitted?: boolean; basis?: string; error?: { code: string } };
    expect(connect.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ admitted: true, basis: 'issued' });
  });
});
