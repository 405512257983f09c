/**
 * The wire contract (src/core/wire): every operation of the OpenAPI document answers success with a schema
 * that says something, for each component run alone and for the all-in-one; and real answers of each
 * component validate against their schema with nothing more in them than the schema declares.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { RunningServer } from '../../src/cli/servers';
import { ManualClock } from '../../src/core/clock';
import * as Ch from '../../src/core/wire/clearinghouse';
import * as Common from '../../src/core/wire/common';
import * as Ls from '../../src/core/wire/license-server';
import * as Sh from '../../src/core/wire/session-host';
import { startClearinghouseAlone, startLicenseServerAlone, startSessionHostAlone } from '../../src/compose/servers';
import { bufferedIo, configFor, removeDir, startServer, tempDir } from '../cli/harness';

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** Keywords that describe a schema without constraining it: a schema of only these says nothing. */
const NOTES = new Set(['description', 'title', 'example', 'examples', 'default']);

function saysSomething(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && Object.keys(schema).some((k) => !NOTES.has(k));
}

interface Operation {
  operation: string;
  /** the success statuses and, for each content type, whether its schema says something */
  success: { status: string; schemas: { contentType: string; meaningful: boolean }[] }[];
}

function operations(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(doc['paths'] ?? {})) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const success = Object.entries<Json>(op['responses'] ?? {})
        .filter(([status]) => /^2\d\d$/.test(status))
        .map(([status, response]) => ({
          status,
          schemas: Object.entries<Json>(response['content'] ?? {}).map(([contentType, media]) => ({ contentType, meaningful: saysSomething(media['schema']) })),
        }));
      out.push({ operation: `${method.toUpperCase()} ${path}`, success });
    }
  }
  return out;
}

/** Operations whose success answer has no schema, or one that says nothing (`{}`, unknown). */
function withoutSchema(ops: Operation[]): string[] {
  return ops
    .filter((o) => {
      if (o.success.length === 0) return true;
      return o.success.some((s) => (s.status === '204' ? s.schemas.some((c) => !c.meaningful) : s.schemas.length === 0 || s.schemas.some((c) => !c.meaningful)));
    })
    .map((o) => o.operation);
}

async function openApi(url: string): Promise<Json> {
  const res = await fetch(`${url}/docs/json`);
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
}

/** `schema` with every object closed: an answer carrying a field the schema does not declare fails. */
function closed(schema: unknown): TSchema {
  if (Array.isArray(schema)) return schema.map(closed) as never;
  if (typeof schema !== 'object' || schema === null) return schema as TSchema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) out[k] = closed(v);
  if ((schema as Json)['type'] === 'object' && (schema as Json)['properties'] && (schema as Json)['additionalProperties'] === undefined) out['additionalProperties'] = false;
  return out as TSchema;
}

function expectValid(schema: TSchema, answer: unknown): void {
  const strict = closed(schema);
  const errors = [...Value.Errors(strict, answer)].map((e) => `${e.instancePath || '/'} ${e.message}`);
  expect(errors).toEqual([]);
  expect(Value.Check(strict, answer)).toBe(true);
}

describe('the OpenAPI document of every component declares a schema for each success answer', () => {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const d of dirs) removeDir(d);
  });

  async function alone(start: typeof startClearinghouseAlone): Promise<string> {
    const data = tempDir('opencal-wire-');
    dirs.push(data);
    const server = await start(configFor({ data }), bufferedIo().io);
    servers.push(server);
    return server.url;
  }

  it('the clearinghouse alone: every operation answers success with a schema', async () => {
    const ops = operations(await openApi(await alone(startClearinghouseAlone)));
    expect(ops.filter((o) => o.operation.includes('/ch/v1/')).length).toBeGreaterThanOrEqual(26);
    expect(withoutSchema(ops)).toEqual([]);
  });

  it('the license server alone: every operation answers success with a schema', async () => {
    const ops = operations(await openApi(await alone(startLicenseServerAlone)));
    expect(ops.filter((o) => o.operation.includes('/ls/v1/')).length).toBeGreaterThanOrEqual(21);
    expect(withoutSchema(ops)).toEqual([]);
  });

  it('the session host alone: every operation answers success with a schema (the nginx gate: 204, no body)', async () => {
    const ops = operations(await openApi(await alone(startSessionHostAlone)));
    expect(ops.filter((o) => o.operation.includes('/sh/v1/')).length).toBeGreaterThanOrEqual(13);
    expect(withoutSchema(ops)).toEqual([]);
    expect(ops.find((o) => o.operation === 'GET /sh/v1/auth')?.success.map((s) => s.status)).toEqual(['204']);
  });

  it('the all-in-one in demo mode: every operation of the three components, the common and the demo routes answers success with a schema', async () => {
    const started = await startServer({ demo: true });
    try {
      const ops = operations(await openApi(started.server.url));
      // 26 clearinghouse, 21 license server, 13 session host (3 of them the gate front-end credentials), 3 whoami, healthz, metrics, 2 demo routes
      expect(ops.length).toBeGreaterThanOrEqual(67);
      expect(withoutSchema(ops)).toEqual([]);
      // Text answers say so: the CSV export, the emitted configuration, the metrics.
      const contentTypes = (name: string) => ops.find((o) => o.operation === name)?.success.flatMap((s) => s.schemas.map((c) => c.contentType));
      expect(contentTypes('GET /ls/v1/issued')).toEqual(['application/json', 'text/csv']);
      expect(contentTypes('GET /sh/v1/emit')).toEqual(['text/plain']);
      expect(contentTypes('GET /metrics')).toEqual(['text/plain']);
    } finally {
      await started.stop();
    }
  });
});

describe('real answers validate against their wire schema, with no field the schema does not declare', () => {
  let started: Awaited<ReturnType<typeof startServer>>;
  let url: string;
  let admin: string;
  const get = async (path: string, token: string | undefined = admin) => {
    const res = await fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect(res.status).toBe(200);
    return (await res.json()) as unknown;
  };
  const post = async (path: string, body: unknown, token: string | undefined = admin) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as unknown;
  };

  beforeAll(async () => {
    started = await startServer({ demo: true, clock: new ManualClock(new Date('2026-03-02T09:00:00Z')) });
    url = started.server.url;
    admin = started.server.adminToken;
  });
  afterAll(async () => started?.stop());

  it('clearinghouse: the trust anchor, the revocation list, organizations, packs, servers and cases of the demo estate', async () => {
    expectValid(Ch.TrustAnchor, await get('/ch/v1/trust', undefined));
    expectValid(Ch.SignedList, await get('/ch/v1/revocations', undefined));
    expectValid(Ch.OrganizationList, await get('/ch/v1/orgs'));
    const agents = (await get('/ch/v1/agents')) as Ch.AgentList;
    expect(agents.agents.map((x) => x.name)).toEqual(['Demo agent']);
    expectValid(Ch.AgentList, agents);
    const packs = (await get('/ch/v1/packs')) as Ch.PackList;
    expect(packs.packs.length).toBeGreaterThan(0);
    expectValid(Ch.PackList, packs);
    const servers = (await get('/ch/v1/servers')) as Ch.ServerList;
    expect(servers.servers.length).toBeGreaterThan(0);
    expectValid(Ch.ServerList, servers);
    expectValid(Ch.CaseList, await get('/ch/v1/cases', started.server.demo!.agentToken));
    expectValid(Ch.OrgCreated, await post('/ch/v1/orgs', { name: 'Contoso' }));
    expectValid(Common.EventList, await get('/ch/v1/events?limit=20'));
  });

  it('license server: identity, status, key packs, issued licenses, hosts and the per-user report', async () => {
    expectValid(Ls.ServerIdentity, await get('/ls/v1/identity', undefined));
    const status = (await get('/ls/v1/status')) as Ls.LicenseServerStatus;
    expect(status.keyPacks.length).toBeGreaterThan(0);
    expectValid(Ls.LicenseServerStatus, status);
    expectValid(Ls.KeyPackList, await get('/ls/v1/key-packs'));
    expectValid(Ls.IssuedList, await get('/ls/v1/issued?status=all'));
    expectValid(Ls.HostList, await get('/ls/v1/hosts'));
    expectValid(Ls.PerUserReport, await get('/ls/v1/reports/per-user'));
    expectValid(Common.EventList, await get('/ls/v1/events?limit=20'));
  });

  it('session host: status, a gate front-end credential, a device admitted at connect with it, the admissions and the token it was called with', async () => {
    const status = (await get('/sh/v1/status')) as Sh.SessionHostStatus;
    expectValid(Sh.SessionHostStatus, status);
    const made = await fetch(`${url}/sh/v1/gate-credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ label: 'wire front end' }),
    });
    expect(made.status).toBe(201);
    const credential = (await made.json()) as Sh.GateCredentialCreated;
    expectValid(Sh.GateCredentialCreated, credential);
    const admission = (await post('/sh/v1/connect', { device: 'WIRE-PC1', hwid: 'hw-wire-1' }, credential.token)) as Sh.Admission;
    expect(admission.admitted).toBe(true);
    expectValid(Sh.Admission, admission);
    const admissions = (await get('/sh/v1/admissions?limit=5')) as Sh.AdmissionList;
    expect(admissions.admissions.some((a) => a.device === 'WIRE-PC1')).toBe(true);
    expectValid(Sh.AdmissionList, admissions);
    const credentials = (await get('/sh/v1/gate-credentials')) as Sh.GateCredentialList;
    expect(credentials.credentials.map((c) => c.label)).toContain('wire front end');
    expectValid(Sh.GateCredentialList, credentials);
    const revoked = await fetch(`${url}/sh/v1/gate-credentials/${credential.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
    expect(revoked.status).toBe(200);
    expectValid(Sh.GateCredentialRevoked, await revoked.json());
    const withRevoked = (await get('/sh/v1/gate-credentials?all=true')) as Sh.GateCredentialList;
    expect(withRevoked.credentials.find((c) => c.id === credential.id)?.revokedAt).toBeDefined();
    expectValid(Sh.GateCredentialList, withRevoked);
    expectValid(Common.WhoAmI, await get('/sh/v1/whoami'));
    expectValid(Common.Health, await get('/healthz', undefined));
  });

  it('a schema refuses an answer that drifts from it: a missing field, a wrong type, an undeclared field', () => {
    const good = { serverId: 'S', productId: 'P', publicKey: 'K', version: 2019 };
    expect(Value.Check(closed(Ls.ServerIdentity), good)).toBe(true);
    expect(Value.Check(closed(Ls.ServerIdentity), { ...good, serverId: undefined })).toBe(false);
    expect(Value.Check(closed(Ls.ServerIdentity), { ...good, version: 2020 })).toBe(false);
    expect(Value.Check(closed(Ls.ServerIdentity), { ...good, revokeBudgets: [] })).toBe(false);
  });
});
