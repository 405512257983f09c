/**
 * Strict input on both databases (issue 13, "What was seen"): a NUL byte in a name or a nonce, integers past 32
 * and 64 bits in a query string, and JSON bodies of the wrong types are typed 400s with the same answer on SQLite
 * and PostgreSQL, and nothing is stored.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { licenseServerIdFromPublicKey } from '../../src/core/codes/index';
import { base64urlEncode, generateIdentity, signJws } from '../../src/trust/index';
import { startAllInOneOn, type AllInOneOn } from '../helpers/all-in-one-on';
import { describeEachDatabase } from '../helpers/databases';

describeEachDatabase('strict input on the all-in-one', (tdb) => {
  let estate: AllInOneOn;
  let admin: Record<string, string>;
  beforeAll(async () => {
    estate = await startAllInOneOn(tdb.name);
    admin = { authorization: `Bearer ${estate.adminToken}` };
  }, 120_000);
  afterAll(async () => estate?.close());

  const problemsOf = (body: string) => (JSON.parse(body) as { error: { detail?: { problems?: { field: string; rule?: string }[] } } }).error.detail?.problems ?? [];

  it('a NUL byte in an organization, agent or gate credential name is a typed 400 and nothing is stored', async () => {
    const before = await estate.snapshot();
    for (const [url, payload] of [
      ['/ch/v1/orgs', { name: 'Contoso\u0000' }],
      ['/ch/v1/agents', { name: 'agent\u0000x' }],
      ['/sh/v1/gate-credentials', { label: 'nginx\u0000' }],
    ] as const) {
      const res = await estate.app.inject({ method: 'POST', url, headers: admin, payload });
      expect(res.statusCode, `${url} ${res.body}`).toBe(400);
      expect(res.json().error.code).toBe('INVALID_REQUEST');
      expect(problemsOf(res.body)[0]).toMatchObject({ field: 'body/name'.replace('name', Object.keys(payload)[0]!), rule: 'nul' });
    }
    expect(await estate.snapshot()).toEqual(before);
  });

  it('a terminal escape sequence in a name is refused as control characters, in French under Accept-Language: fr', async () => {
    const res = await estate.app.inject({ method: 'POST', url: '/ch/v1/orgs', headers: { ...admin, 'accept-language': 'fr' }, payload: { name: 'Contoso\u001b[2J' } });
    expect(res.statusCode).toBe(400);
    expect(problemsOf(res.body)[0]).toMatchObject({ field: 'body/name', rule: 'control-characters' });
    expect(res.json().error.message).toContain('ne doit pas contenir de caractères de contrôle');
    expect(res.json().error.message).not.toContain('must');
  });

  it('a NUL byte in a device name at the gate is a typed 400 after the front end is authenticated, and 401 before', async () => {
    const gate = (await estate.app.inject({ method: 'POST', url: '/sh/v1/gate-credentials', headers: admin, payload: { label: 'strict input' } })).json() as { token: string };
    const before = await estate.snapshot();
    const anonymous = await estate.app.inject({ method: 'POST', url: '/sh/v1/connect', payload: { device: 'PC\u0000', hwid: 7 } });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('GATE_CREDENTIAL_REQUIRED');
    const res = await estate.app.inject({ method: 'POST', url: '/sh/v1/connect', headers: { authorization: `Bearer ${gate.token}` }, payload: { device: 'PC\u0000', hwid: 'hw-1' } });
    expect(res.statusCode).toBe(400);
    expect(problemsOf(res.body)[0]).toMatchObject({ field: 'body/device', rule: 'nul' });
    const after = await estate.snapshot();
    for (const [table, state] of after) if (!table.endsWith('sh_grace')) expect(state, table).toEqual(before.get(table));
  });

  it('a NUL byte in the nonce of an unauthenticated signed request is refused 400 SIGNED_REQUEST_INVALID, never stored', async () => {
    const identity = generateIdentity();
    const payload = {
      typ: 'opencal.request',
      action: 'holdings',
      sub: licenseServerIdFromPublicKey(identity.publicKeyRaw),
      pub: base64urlEncode(identity.publicKeyRaw),
      aud: 'clearinghouse',
      iat: Math.floor(Date.now() / 1000),
      nonce: 'nonce-with-\u0000-inside',
      body: {},
    };
    const before = await estate.snapshot();
    const res = await estate.app.inject({ method: 'POST', url: '/ch/v1/servers/holdings', payload: { request: await signJws(identity, payload) } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('SIGNED_REQUEST_INVALID');
    expect(await estate.snapshot()).toEqual(before);
  });

  it('eventId=2147483648 and offset=9223372036854775807 are typed 400s naming the largest value (an event id is at most 65535, as in Windows)', async () => {
    for (const [url, largest] of [
      ['/ch/v1/events?eventId=2147483648', 65535],
      ['/ls/v1/events?eventId=2147483648', 65535],
      ['/sh/v1/events?afterId=2147483648', 2147483647],
      ['/ls/v1/issued?offset=9223372036854775807', 2147483647],
    ] as const) {
      const res = await estate.app.inject({ method: 'GET', url, headers: admin });
      expect(res.statusCode, `${url} ${res.body}`).toBe(400);
      expect(res.json().error.code).toBe('INVALID_REQUEST');
      expect(problemsOf(res.body)[0]).toMatchObject({ rule: 'maximum' });
      expect(res.json().error.message).toContain(`must be at most ${largest}`);
    }
    const fine = await estate.app.inject({ method: 'GET', url: '/ls/v1/issued?offset=2147483647&limit=5', headers: admin });
    expect(fine.statusCode).toBe(200);
  });

  it('JSON bodies are not coerced: count true, "1e1" and [7] and an organization named 12345 are refused, and no pack or organization is made', async () => {
    const base = { orgId: estate.demo.orgId, program: 'select', calType: 'device', calVersion: 2019, agreementNumber: '1234567' };
    const before = await estate.snapshot();
    for (const count of [true, '1e1', [7], '10']) {
      const res = await estate.app.inject({ method: 'POST', url: '/ch/v1/packs', headers: admin, payload: { ...base, count } });
      expect(res.statusCode, `${JSON.stringify(count)} ${res.body}`).toBe(400);
      expect(problemsOf(res.body)[0]).toMatchObject({ field: 'body/count', rule: 'type', expected: 'integer' });
    }
    const org = await estate.app.inject({ method: 'POST', url: '/ch/v1/orgs', headers: admin, payload: { name: 12345 } });
    expect(org.statusCode).toBe(400);
    expect(problemsOf(org.body)[0]).toMatchObject({ field: 'body/name', rule: 'type', expected: 'string' });
    expect(await estate.snapshot()).toEqual(before);
    const pack = await estate.app.inject({ method: 'POST', url: '/ch/v1/packs', headers: admin, payload: { ...base, count: 3 } });
    expect(pack.statusCode, pack.body).toBe(200);
  });

  it("Fastify's own refusals answer the one error body: malformed URL, bad JSON, unknown route, wrong content type, body too large", async () => {
    const cases = [
      { method: 'GET', url: '/ls/v1/%zz', status: 400, code: 'INVALID_REQUEST' },
      { method: 'POST', url: '/ch/v1/orgs', headers: { ...admin, 'content-type': 'application/json' }, payload: '{"name":', status: 400, code: 'INVALID_REQUEST' },
      { method: 'GET', url: '/nowhere', status: 404, code: 'ROUTE_NOT_FOUND' },
      { method: 'PATCH', url: '/ch/v1/orgs', status: 404, code: 'ROUTE_NOT_FOUND' },
      { method: 'POST', url: '/ch/v1/orgs', headers: { ...admin, 'content-type': 'application/xml' }, payload: '<name/>', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { method: 'POST', url: '/ch/v1/orgs', headers: { ...admin, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(70_000) }), status: 413, code: 'BODY_TOO_LARGE' },
    ] as const;
    for (const c of cases) {
      const res = await estate.app.inject({ method: c.method, url: c.url, headers: 'headers' in c ? c.headers : {}, ...('payload' in c ? { payload: c.payload } : {}) });
      expect(res.statusCode, `${c.method} ${c.url} ${res.body}`).toBe(c.status);
      expect(Object.keys(res.json())).toEqual(['error']);
      expect(res.json().error.code).toBe(c.code);
      expect(typeof res.json().error.message).toBe('string');
    }
  });
});
