import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from '../../src/http/client';

let server: Server;
let baseUrl: string;
const seen: { method: string; contentLength?: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, ...(req.headers['content-length'] ? { contentLength: req.headers['content-length'] } : {}), body });
      if (req.url === '/moved') {
        res.writeHead(302, { location: '/elsewhere', 'content-type': 'application/json' });
        res.end('{}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ echoed: body.length > 0 ? JSON.parse(body) : null, accents: 'déjà vu' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('callJson over node:http', () => {
  it('sends the JSON body with its length and reads a UTF-8 answer', async () => {
    const result = await callJson<{ echoed: unknown; accents: string }>(baseUrl, 'PUT', '/echo', { body: { name: 'Zoë', n: 3 } });
    expect(result).toEqual({ ok: true, value: { echoed: { name: 'Zoë', n: 3 }, accents: 'déjà vu' } });
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ method: 'PUT', body: '{"name":"Zoë","n":3}' });
    expect(Number(last.contentLength)).toBe(Buffer.byteLength('{"name":"Zoë","n":3}'));
  });

  it('refuses to follow a redirect: UNREACHABLE, reason "unexpected redirect"', async () => {
    const result = await callJson(baseUrl, 'GET', '/moved');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('UNREACHABLE');
      expect(result.error.detail).toMatchObject({ reason: 'unexpected redirect', url: `${baseUrl}/moved` });
    }
  });

  it('a host name that does not resolve is UNREACHABLE, reason "host name not found"', async () => {
    const result = await callJson('http://opencal-no-such-host.invalid', 'GET', '/ls/v1/identity', { timeoutMs: 5000 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.detail).toMatchObject({ reason: 'host name not found' });
  });
});
