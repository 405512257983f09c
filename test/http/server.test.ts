import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { Registry } from 'prom-client';
import { buildServer, type ComponentModule, type TypedApp } from '../../src/http/server';
import { principalOf, requireScope, type TokenStore } from '../../src/http/auth';
import { errorResponses, sendRefusal } from '../../src/http/errors';
import { refusal } from '../../src/core/result';
import { createMetricsRegistry } from '../../src/http/metrics';

const tokens: Record<string, { id: string; scope: string; subject: string }> = {
  'admin-token-1': { id: '1', scope: 'ls:admin', subject: 'operator' },
  'readonly-token-2': { id: '2', scope: 'readonly', subject: 'auditor' },
  'host-token-3': { id: '3', scope: 'ls:host', subject: 'RDSH01' },
};
const store: TokenStore = { find: async (token) => tokens[token] };

function licenseServerLike(routes?: (app: TypedApp) => void): ComponentModule {
  return {
    name: 'license-server',
    prefix: '/ls/v1',
    tokenStore: store,
    routes: (app) => {
      app.post(
        '/key-packs',
        {
          preHandler: requireScope('ls:admin'),
          schema: {
            summary: 'install a key pack',
            body: Type.Object({ packKey: Type.String({ minLength: 5 }), count: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
            response: { 200: Type.Object({ installed: Type.Integer(), by: Type.String() }), ...errorResponses(400, 401, 403, 409, 429) },
          },
        },
        async (request, reply) => {
          if (request.body.packKey === 'ALREADY') {
            return sendRefusal(reply, refusal('PACK_ALREADY_ACTIVATED', { pack: 7, serverId: 'LS-ELSEWHERE' }));
          }
          request.log.info({ packKey: request.body.packKey, joinToken: 'join-secret', nested: { orgToken: 'org-secret' } }, 'installing');
          return { installed: request.body.count, by: principalOf(request).subject };
        },
      );
      app.get('/issued', { preHandler: requireScope('ls:admin', 'readonly') }, async (request) => ({ scope: principalOf(request).scope }));
      app.post('/issued/revoke', { preHandler: requireScope('ls:admin', 'readonly') }, async () => ({ revoked: true }));
      app.get('/boom', async () => {
        throw new Error('database password is hunter2');
      });
      routes?.(app);
    },
  };
}

function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => lines.join('') };
}

async function server(options: { authFailures?: number; log?: ReturnType<typeof logSink>; bodyLimit?: number } = {}) {
  return buildServer({
    logger: options.log ? { stream: options.log.stream, level: 'info' } : false,
    components: [licenseServerLike()],
    metrics: createMetricsRegistry(),
    bodyLimit: options.bodyLimit,
    rateLimit: { authFailures: options.authFailures ?? 20, authWindowMs: 60_000 },
  });
}

const admin = { authorization: 'Bearer admin-token-1' };

describe('error envelope', () => {
  it('when a body misses a field, the answer is 400 INVALID_REQUEST naming the field', async () => {
    const app = await server();
    const res = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', headers: admin, payload: { count: 2 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_REQUEST');
    expect(res.json().error.message).toContain('body/packKey is required');
  });

  it('when a field has the wrong type, the message says what is expected', async () => {
    const app = await server();
    const res = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', headers: admin, payload: { packKey: 'ABCDEFG', count: 'many' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('body/count must be an integer');
    expect(res.json().error.detail.problems).toEqual([{ field: 'body/count', rule: 'type', expected: 'integer', problem: 'must be an integer' }]);
  });

  it('when the JSON is malformed, the answer is 400 INVALID_REQUEST', async () => {
    const app = await server();
    const res = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', headers: { ...admin, 'content-type': 'application/json' }, payload: '{"packKey":' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_REQUEST');
  });

  it('when no route matches, the answer is 404 ROUTE_NOT_FOUND pointing at /docs', async () => {
    const app = await server();
    const res = await app.inject({ method: 'GET', url: '/ls/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: {
        code: 'ROUTE_NOT_FOUND',
        message: expect.stringContaining('/docs'),
        detail: { method: 'GET', path: '/ls/v1/nothing-here' },
      },
    });
  });

  it('when the body is larger than the limit, the answer is 413 BODY_TOO_LARGE', async () => {
    const app = await server({ bodyLimit: 1024 });
    const res = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', headers: admin, payload: { packKey: 'x'.repeat(2000), count: 1 } });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('BODY_TOO_LARGE');
  });

  it('when the media type is not accepted, the answer is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const app = await server();
    const res = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', headers: { ...admin, 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('when a handler throws, the answer is 500 INTERNAL_ERROR with the request id and no internals', async () => {
    const log = logSink();
    const app = await server({ log });
    const res = await app.inject({ method: 'GET', url: '/ls/v1/boom', headers: { 'x-request-id': 'req-500' } });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe('INTERNAL_ERROR');
    expect(res.json().error.detail).toEqual({ requestId: 'req-500' });
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('server.test.ts');
    expect(log.text()).toContain('hunter2');
  });

  it('a refusal is answered with the status of the table and the one error body', async () => {
    const app = await server();
    const res = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', headers: admin, payload: { packKey: 'ALREADY', count: 1 } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      error: {
        code: 'PACK_ALREADY_ACTIVATED',
        message: expect.stringContaining('This pack is already activated on license server LS-ELSEWHERE.'),
        detail: { pack: 7, serverId: 'LS-ELSEWHERE' },
      },
    });
  });

  it('a refusal is answered in the language of Accept-Language, French words from the source document', async () => {
    const app = await server();
    const res = await app.inject({
      method: 'POST',
      url: '/ls/v1/key-packs',
      headers: { ...admin, 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' },
      payload: { packKey: 'ALREADY', count: 1 },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('PACK_ALREADY_ACTIVATED');
    expect(res.json().error.message).toContain('« La clé est déjà activée »');
    expect(res.json().error.message).toContain('serveur de licences LS-ELSEWHERE');
    expect(res.json().error.detail).toEqual({ pack: 7, serverId: 'LS-ELSEWHERE' });
  });

  it('a language the catalogue does not have is answered in English', async () => {
    const app = await server();
    const res = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', headers: { ...admin, 'accept-language': 'de-DE' }, payload: { packKey: 'ALREADY', count: 1 } });
    expect(res.json().error.message).toContain('This pack is already activated on license server LS-ELSEWHERE.');
  });
});

describe('refusals worded for the console', () => {
  it('a request saying OpenCAL-Surface: console gets the console words: no header to send, no CLI flag, in its language', async () => {
    const app = await server();
    const api = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', payload: { packKey: 'ABCDEF', count: 1 } });
    const consoleEn = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', headers: { 'opencal-surface': 'console' }, payload: { packKey: 'ABCDEF', count: 1 } });
    const consoleFr = await app.inject({
      method: 'POST',
      url: '/ls/v1/key-packs',
      headers: { 'opencal-surface': 'Console', 'accept-language': 'fr' },
      payload: { packKey: 'ABCDEF', count: 1 },
    });
    expect(api.json().error.message).toContain("'Authorization: Bearer <token>'");
    for (const res of [consoleEn, consoleFr]) {
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
      expect(res.json().error.message).not.toMatch(/Authorization|--token|\/ls\/v1/);
    }
    expect(consoleEn.json().error.message).toMatch(/Sign in with a token that has this scope\.$/);
    expect(consoleFr.json().error.message).toMatch(/Connectez-vous avec un jeton qui a cette portée\.$/);
  });

  it('any other OpenCAL-Surface value gets the API words', async () => {
    const app = await server();
    const res = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', headers: { 'opencal-surface': 'cli' }, payload: { packKey: 'ABCDEF', count: 1 } });
    expect(res.json().error.message).toContain("'Authorization: Bearer <token>'");
  });
});

describe('bearer tokens and scopes', () => {
  it('when no token is sent, the answer is 401 UNAUTHENTICATED telling to send the bearer header (the API names no CLI flag)', async () => {
    const app = await server();
    const res = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', payload: { packKey: 'ABCDEF', count: 1 } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
    expect(res.json().error.message).toContain("'Authorization: Bearer <token>'");
    expect(res.json().error.message).not.toContain('--token');
  });

  it('when the token is unknown, the answer is 401 UNAUTHENTICATED', async () => {
    const app = await server();
    const res = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', headers: { authorization: 'Bearer nope' }, payload: { packKey: 'ABCDEF', count: 1 } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('when the token has another scope, the answer is 403 FORBIDDEN_SCOPE naming the scopes allowed', async () => {
    const app = await server();
    const res = await app.inject({
      method: 'POST',
      url: '/ls/v1/key-packs',
      headers: { authorization: 'Bearer host-token-3' },
      payload: { packKey: 'ABCDEF', count: 1 },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN_SCOPE');
    expect(res.json().error.message).toContain('ls:admin');
    expect(res.json().error.detail).toEqual({ scope: 'ls:host', allowed: ['ls:admin'] });
  });

  it('an accepted token sets the principal the handler sees', async () => {
    const app = await server();
    const res = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', headers: admin, payload: { packKey: 'ABCDEF', count: 3 } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ installed: 3, by: 'operator' });
  });

  it('the readonly scope may read where listed but never change anything', async () => {
    const app = await server();
    const headers = { authorization: 'Bearer readonly-token-2' };
    const read = await app.inject({ method: 'GET', url: '/ls/v1/issued', headers });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({ scope: 'readonly' });
    const write = await app.inject({ method: 'POST', url: '/ls/v1/issued/revoke', headers });
    expect(write.statusCode).toBe(403);
    expect(write.json().error.code).toBe('FORBIDDEN_SCOPE');
  });

  it('after too many failures of one token from an address, that token is answered 429 while a valid token still passes', async () => {
    const app = await server({ authFailures: 3 });
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: 'GET', url: '/ls/v1/issued', headers: { authorization: 'Bearer guess' } });
      expect(res.statusCode).toBe(401);
    }
    const blocked = await app.inject({ method: 'GET', url: '/ls/v1/issued', headers: { authorization: 'Bearer guess' } });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('TOO_MANY_AUTH_FAILURES');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await app.inject({ method: 'GET', url: '/ls/v1/issued', headers: admin })).statusCode).toBe(200);
  });

  it('the failure window ends: a refused token is looked up again once it has passed', async () => {
    let now = 1_000_000;
    const app = await buildServer({
      logger: false,
      components: [licenseServerLike()],
      metrics: new Registry(),
      rateLimit: { authFailures: 1, authWindowMs: 60_000 },
      now: () => now,
    });
    await app.inject({ method: 'GET', url: '/ls/v1/issued', headers: { authorization: 'Bearer guess' } });
    expect((await app.inject({ method: 'GET', url: '/ls/v1/issued', headers: { authorization: 'Bearer guess' } })).statusCode).toBe(429);
    now += 60_000;
    expect((await app.inject({ method: 'GET', url: '/ls/v1/issued', headers: { authorization: 'Bearer guess' } })).statusCode).toBe(401);
  });

  it('the token is checked before the body: without one, a malformed body is answered 401, not 400', async () => {
    const app = await buildServer({ logger: false, components: [licenseServerLike()] });
    const r = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', payload: { count: 'many' } });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('UNAUTHENTICATED');
    const withToken = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', payload: { count: 'many' }, headers: { authorization: 'Bearer admin-token-1' } });
    expect(withToken.statusCode).toBe(400);
    expect(withToken.json().error.code).toBe('INVALID_REQUEST');
  });

  it('GET <prefix>/whoami tells the scope and subject of the token, and 401 without one', async () => {
    const app = await buildServer({ logger: false, components: [licenseServerLike()] });
    const me = await app.inject({ method: 'GET', url: '/ls/v1/whoami', headers: { authorization: 'Bearer host-token-3' } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ component: 'license-server', scope: 'ls:host', subject: 'RDSH01' });
    const anonymous = await app.inject({ method: 'GET', url: '/ls/v1/whoami' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('a token its store holds is admitted with its own scope and subject without a look-up; one it does not hold is looked up', async () => {
    const lookedUp: string[] = [];
    const held: Record<string, { id: string; scope: string; subject: string }> = { 'held-reader': { id: '7', scope: 'readonly', subject: 'auditor-7' } };
    const holding: TokenStore = {
      known: (token) => held[token],
      find: async (token) => {
        lookedUp.push(token);
        return tokens[token];
      },
    };
    const app = await buildServer({ logger: false, metrics: new Registry(), components: [{ ...licenseServerLike(), tokenStore: holding }] });
    const read = await app.inject({ method: 'GET', url: '/ls/v1/issued', headers: { authorization: 'Bearer held-reader' } });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({ scope: 'readonly' });
    expect((await app.inject({ method: 'GET', url: '/ls/v1/whoami', headers: { authorization: 'Bearer held-reader' } })).json()).toEqual({ component: 'license-server', scope: 'readonly', subject: 'auditor-7' });
    // Held or not, a scope the route does not take is refused.
    const write = await app.inject({ method: 'POST', url: '/ls/v1/issued/revoke', headers: { authorization: 'Bearer held-reader' } });
    expect(write.statusCode).toBe(403);
    expect(write.json().error.code).toBe('FORBIDDEN_SCOPE');
    expect(lookedUp).toEqual([]);
    const installed = await app.inject({ method: 'POST', url: '/ls/v1/key-packs', headers: admin, payload: { packKey: 'PACK-1', count: 5 } });
    expect(installed.json()).toEqual({ installed: 5, by: 'operator' });
    const unknown = await app.inject({ method: 'GET', url: '/ls/v1/issued', headers: { authorization: 'Bearer nobody-holds-this' } });
    expect(unknown.statusCode).toBe(401);
    expect(lookedUp).toEqual(['admin-token-1', 'nobody-holds-this']);
  });

  it('each component checks tokens against its own token store', async () => {
    const app = await buildServer({
      logger: false,
      metrics: new Registry(),
      components: [
        licenseServerLike(),
        {
          name: 'session-host',
          prefix: '/sh/v1',
          tokenStore: { find: async (t) => (t === 'sh-token' ? { id: '9', scope: 'sh:admin', subject: 'host' } : undefined) },
          routes: (app) => {
            app.get('/status', { preHandler: requireScope('sh:admin') }, async () => ({ ok: true }));
          },
        },
      ],
    });
    expect((await app.inject({ method: 'GET', url: '/sh/v1/status', headers: { authorization: 'Bearer sh-token' } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/sh/v1/status', headers: admin })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/ls/v1/issued', headers: { authorization: 'Bearer sh-token' } })).statusCode).toBe(401);
  });
});

describe('common routes, request ids and headers', () => {
  it('an x-request-id sent by the caller is echoed; otherwise one is generated', async () => {
    const app = await server();
    const given = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-42' } });
    expect(given.headers['x-request-id']).toBe('trace-42');
    const generated = await app.inject({ method: 'GET', url: '/healthz' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\nwith newline' } });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /healthz lists the components served', async () => {
    const app = await server();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', components: ['license-server'] });
  });

  it('GET /metrics answers the Prometheus text format with the request counter by route and status', async () => {
    const app = await server();
    await app.inject({ method: 'GET', url: '/healthz' });
    await app.inject({ method: 'GET', url: '/ls/v1/issued' });
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer admin-token-1' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('# TYPE opencal_http_requests_total counter');
    expect(res.body).toContain('opencal_http_requests_total{method="GET",route="/healthz",status="200"} 1');
    expect(res.body).toContain('opencal_http_requests_total{method="GET",route="/ls/v1/issued",status="401"} 1');
    expect(res.body).toContain('process_cpu_user_seconds_total');
  });

  it('GET /docs/json lists a component route with its body schema, error responses and bearer scheme', async () => {
    const app = await server();
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    const route = doc.paths['/ls/v1/key-packs'].post;
    expect(route.requestBody.content['application/json'].schema.required).toEqual(['packKey', 'count']);
    expect(Object.keys(route.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '409']));
    expect(route.security).toEqual([{ bearer: [] }]);
    expect(route.description).toContain('ls:admin');
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/healthz']).toBeDefined();
  });

  it('GET /docs serves the OpenAPI UI', async () => {
    const app = await server();
    const res = await app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
  });

  it('answers carry the security headers', async () => {
    const app = await server();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('a component mounted at the wrong prefix is a startup error', async () => {
    await expect(
      buildServer({ logger: false, metrics: new Registry(), components: [{ ...licenseServerLike(), prefix: '/ch/v1' }] }),
    ).rejects.toThrow(/must be mounted at \/ls\/v1/);
  });
});

describe('logs', () => {
  it('bearer tokens, pack keys, join and organization tokens never reach the log', async () => {
    const log = logSink();
    const app = await server({ log });
    await app.inject({ method: 'POST', url: '/ls/v1/key-packs', headers: admin, payload: { packKey: 'PACKKEY-SECRET-1', count: 1 } });
    await app.inject({ method: 'GET', url: '/ls/v1/issued', headers: { authorization: 'Bearer unknown-token-secret' } });
    await app.inject({ method: 'GET', url: '/ls/v1/boom', headers: admin });
    const text = log.text();
    expect(text).toContain('installing');
    expect(text).toContain('[redacted]');
    for (const secret of ['admin-token-1', 'unknown-token-secret', 'PACKKEY-SECRET-1', 'join-secret', 'org-secret']) {
      expect(text).not.toContain(secret);
    }
  });
});
