import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { Registry } from 'prom-client';
import { callJson } from '../../src/http/client';
import { buildServer, type TypedApp } from '../../src/http/server';
import { requireScope } from '../../src/http/auth';
import { errorResponses, sendRefusal } from '../../src/http/errors';
import { relay } from '../../src/core/result';

let app: TypedApp;
let baseUrl: string;
let raw: Server;
let rawUrl: string;

beforeAll(async () => {
  app = await buildServer({
    logger: false,
    metrics: new Registry(),
    components: [
      {
        name: 'license-server',
        prefix: '/ls/v1',
        tokenStore: { find: async (t) => (t === 'host-token' ? { id: '1', scope: 'ls:host', subject: 'RDSH01' } : undefined) },
        routes: (ls) => {
          ls.post(
            '/cals',
            {
              preHandler: requireScope('ls:host'),
              schema: {
                body: Type.Object({ device: Type.String() }),
                response: { 200: Type.Object({ kind: Type.String(), device: Type.String() }), ...errorResponses(409) },
              },
            },
            async (request, reply) => {
              if (request.body.device === 'none-left') {
                return sendRefusal(reply, relay('NO_CAL_AVAILABLE', 'No per-device CAL is left. Install a key pack.', { calType: 'per-device' }));
              }
              return { kind: 'temporary', device: request.body.device };
            },
          );
          ls.post('/cals/validate', async (_request, reply) => reply.code(204).send());
        },
      },
    ],
  });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  raw = createServer((request, response) => {
    if (request.url === '/html') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy login</html>');
    } else if (request.url === '/plain-error') {
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"maintenance"}');
    }
    // any other path: never answer (timeout case)
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  rawUrl = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app.close();
  raw.closeAllConnections();
  await new Promise((resolve) => raw.close(resolve));
});

describe('callJson', () => {
  it('returns the parsed body of a 2xx answer, sending the bearer token', async () => {
    const result = await callJson<{ kind: string; device: string }>(baseUrl, 'POST', '/ls/v1/cals', { token: 'host-token', body: { device: 'PC-1' } });
    expect(result).toEqual({ ok: true, value: { kind: 'temporary', device: 'PC-1' } });
  });

  it('returns a refusal answered by the server with its code, message and detail, plus the status', async () => {
    const result = await callJson(baseUrl, 'POST', '/ls/v1/cals', { token: 'host-token', body: { device: 'none-left' } });
    expect(result).toEqual({
      ok: false,
      error: { code: 'NO_CAL_AVAILABLE', message: 'No per-device CAL is left. Install a key pack.', detail: { calType: 'per-device', status: 409 } },
    });
  });

  it('returns UNAUTHENTICATED when the token is missing', async () => {
    const result = await callJson(baseUrl, 'POST', '/ls/v1/cals', { body: { device: 'PC-1' } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('UNAUTHENTICATED');
  });

  it('answers ok(undefined) for 204 No Content', async () => {
    const result = await callJson(`${baseUrl}/`, 'POST', 'ls/v1/cals/validate', { body: { jti: 'x' } });
    expect(result).toEqual({ ok: true, value: undefined });
  });

  it('when nothing listens at the URL, the refusal is UNREACHABLE naming the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await callJson(`http://127.0.0.1:${port}`, 'GET', '/ls/v1/identity');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('UNREACHABLE');
      expect(result.error.message).toContain(`http://127.0.0.1:${port}/ls/v1/identity`);
      expect(result.error.detail).toMatchObject({ reason: 'connection refused' });
    }
  });

  it('when the server does not answer in time, the refusal is UNREACHABLE', async () => {
    const result = await callJson(rawUrl, 'GET', '/hang', { timeoutMs: 50 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('UNREACHABLE');
      expect(result.error.detail).toMatchObject({ reason: 'no answer in time' });
    }
  });

  it('when the answer is not JSON, the refusal is BAD_RESPONSE', async () => {
    const result = await callJson(rawUrl, 'GET', '/html');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('BAD_RESPONSE');
      expect(result.error.detail).toMatchObject({ status: 200, contentType: 'text/html' });
    }
  });

  it('when an error answer lacks our error body, the refusal is BAD_RESPONSE with the status', async () => {
    const result = await callJson(rawUrl, 'GET', '/plain-error');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code: 'BAD_RESPONSE', detail: { status: 503 } });
  });
});
