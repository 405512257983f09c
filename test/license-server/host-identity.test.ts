/**
 * Session host identities (DESIGN §4, issue 12 item 4), on SQLite and PostgreSQL, with the real clearinghouse,
 * license servers and session hosts over HTTP on 127.0.0.1: join tokens bound to their host name, tokens listed
 * and revoked, re-enrolment retiring the old credential, the organization's host registry recognised by a
 * license server that never enrolled the host, and a new identity behind a license server URL followed or held.
 * "The same address" is a forwarder on 127.0.0.1 whose target is switched, as a reinstall behind one URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock';
import { createClearinghouse } from '../../src/clearinghouse/module';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import { queryEvents } from '../../src/events/event-log';
import { callJson } from '../../src/http/client';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { randomBytes } from '../../src/platform/random';
import { createSessionHost, type SessionHost } from '../../src/session-host/module';
import { listEnrolments } from '../../src/session-host/session-host.repository';
import { tokenStore } from '../../src/storage/tokens.repository';
import { generateIdentity } from '../../src/trust/index';
import { describeEachDatabase } from '../helpers/databases';
import { serve, type Served } from '../helpers/serve';
import { START, startLicenseServer, type Harness } from './harness';

/** The hosts of the license server's list; a refusal fails the test. */
function hostsOf<T>(r: { ok: true; value: { hosts: T[] } } | { ok: false; error: { code: string } }): T[] {
  if (!r.ok) throw new Error(`hosts list refused: ${r.error.code}`);
  return r.value.hosts;
}

const CH_ADMIN = 'ch-admin-token-for-hostid-tests';
const LS_ADMIN = 'ls-admin-token-for-hostid-tests';
const company = { firstName: 'Claire', lastName: 'Martin', company: 'Contoso', country: 'FR' };
const CAL_REQUEST = { device: 'PC-01', hwid: 'hwid-pc-01', mode: 'per-device', hostVersion: 2019 } as const;

/** A forwarder on 127.0.0.1: one URL whose license server can be replaced (a reinstall at the same address). */
async function sameAddress(): Promise<{ url: string; target: { url: string }; close(): Promise<void> }> {
  const target = { url: '' };
  const server: Server = createServer((req, res) => {
    const to = new URL(req.url ?? '/', target.url);
    const out = httpRequest(to, { method: req.method, headers: { ...req.headers, host: to.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'UNREACHABLE', message: 'no license server behind the forwarder' } }));
    });
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, target, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describeEachDatabase('session host identities', (tdb) => {
  let clock: ManualClock;
  let ch: Served;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    clock = new ManualClock(START);
    const database = await tdb.open(clearinghouseMigrations);
    const made = await createClearinghouse({ database, clock, random: randomBytes, identity: generateIdentity(), adminToken: CH_ADMIN });
    ch = await serve(made.module);
    cleanups.push(() => ch.close());
  });
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  async function chPost<T>(path: string, token: string, body: unknown): Promise<T> {
    const r = await callJson<T>(ch.url, 'POST', `/ch/v1${path}`, { token, body });
    if (!r.ok) throw new Error(`${path}: ${r.error.code} ${r.error.message}`);
    return r.value;
  }

  /** A license server over HTTP; activated with the organization when `orgToken` is given. */
  async function licenseServer(orgToken?: string): Promise<{ h: Harness; http: Served }> {
    const dir = mkdtempSync(join(tmpdir(), 'opencal-ls-'));
    const h = await startLicenseServer(await tdb.open(licenseServerMigrations), { clock, clearinghouseUrl: ch.url, dataDir: dir, adminToken: LS_ADMIN });
    const http = await serve(h.ls.module);
    cleanups.push(async () => {
      await http.close();
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    });
    if (orgToken) {
      const activated = await h.ls.useCases.activate({ method: 'auto', orgToken, company });
      if (!activated.ok) throw new Error(activated.error.message);
    }
    return { h, http };
  }

  async function sessionHost(name: string, servers: string[]): Promise<{ host: SessionHost; http: Served }> {
    const host = await createSessionHost({ database: await tdb.open(), clock, hostName: name, hostVersion: 2019, directory: 'domain', clearinghouseUrl: ch.url, refreshIntervalMs: 0 });
    const http = await serve(host.module);
    cleanups.push(async () => {
      await http.close();
      await host.close();
    });
    if (servers.length > 0) {
      const set = await host.useCases.setLayer({ layer: 'policy', mode: 'per-device', licenseServers: servers });
      if (!set.ok) throw new Error(set.error.message);
    }
    return { host, http };
  }

  async function org(name: string) {
    return chPost<{ orgId: string; token: string }>('/orgs', CH_ADMIN, { name });
  }

  it('a join token made for one host name does not enrol another, and still enrols the host it was made for', async () => {
    const { h, http } = await licenseServer();
    const join = await h.ls.useCases.createJoinToken({ name: 'RDSH-01' });
    if (!join.ok) throw new Error(join.error.message);
    const intruder = await sessionHost('RDSH-02', [http.url]);
    const refused = await intruder.host.useCases.enroll(http.url, join.value.joinToken);
    expect(!refused.ok && refused.error.code).toBe('JOIN_TOKEN_NAME_MISMATCH');
    expect(!refused.ok && refused.error.message).toContain('RDSH-01');
    expect(hostsOf(await h.ls.useCases.listHosts())).toEqual([]);

    const rightful = await sessionHost('RDSH-01', [http.url]);
    const enrolled = await rightful.host.useCases.enroll(http.url, join.value.joinToken);
    expect(enrolled.ok).toBe(true);
    expect(hostsOf(await h.ls.useCases.listHosts()).map((x) => x.name)).toEqual(['RDSH-01']);
  });

  it('re-enrolment retires the previous credential; tokens of every kind are listed and revoked; sh.db keeps only a hash', async () => {
    const { h, http } = await licenseServer();
    const first = await h.ls.useCases.createJoinToken({ name: 'RDSH-01' });
    const second = await h.ls.useCases.createJoinToken({ name: 'RDSH-01' });
    const unused = await h.ls.useCases.createJoinToken({ name: 'RDSH-09' });
    if (!first.ok || !second.ok || !unused.ok) throw new Error('join tokens');
    const a = await h.ls.useCases.enroll({ joinToken: first.value.joinToken, name: 'RDSH-01' });
    const b = await h.ls.useCases.enroll({ joinToken: second.value.joinToken, name: 'RDSH-01' });
    if (!a.ok || !b.ok) throw new Error('enrol');
    const store = tokenStore(h.ls.context.db);
    expect(await store.find(a.value.token)).toBeUndefined();
    expect(await store.find(b.value.token)).toMatchObject({ scope: 'ls:host', subject: 'RDSH-01' });
    expect((await queryEvents(h.ls.context.db, { eventId: 9142 })).map((e) => e.data)).toEqual([{ host: 'RDSH-01', tokens: 1 }]);

    // The tokens route lists every kind, never a secret.
    const listed = await callJson<{ tokens: { id: string; kind: string; subject?: string }[] }>(http.url, 'GET', '/ls/v1/tokens', { token: LS_ADMIN });
    if (!listed.ok) throw new Error(listed.error.message);
    expect(listed.value.tokens.map((t) => `${t.kind}:${t.subject ?? ''}`).sort()).toEqual(['join:RDSH-09', 'ls:admin:admin', 'ls:host:RDSH-01']);
    expect(JSON.stringify(listed.value)).not.toContain(b.value.token);

    // Revoking the host token: the bearer token is refused from then on.
    const hostToken = listed.value.tokens.find((t) => t.kind === 'ls:host')!;
    const revoked = await callJson(http.url, 'DELETE', `/ls/v1/tokens/${hostToken.id}`, { token: LS_ADMIN });
    expect(revoked.ok).toBe(true);
    const after = await callJson(http.url, 'POST', '/ls/v1/cals', { token: b.value.token, body: CAL_REQUEST });
    expect(!after.ok && after.error.code).toBe('UNAUTHENTICATED');
    // Withdrawing an unused join token: it enrols nobody.
    const joinId = listed.value.tokens.find((t) => t.kind === 'join')!.id;
    expect((await callJson(http.url, 'DELETE', `/ls/v1/tokens/${joinId}`, { token: LS_ADMIN })).ok).toBe(true);
    const late = await h.ls.useCases.enroll({ joinToken: unused.value.joinToken, name: 'RDSH-09' });
    expect(!late.ok && late.error.code).toBe('JOIN_TOKEN_INVALID');
    const gone = await callJson(http.url, 'DELETE', `/ls/v1/tokens/${joinId}`, { token: LS_ADMIN });
    expect(!gone.ok && gone.error.code).toBe('TOKEN_NOT_FOUND');

    // A session host keeps the hash of its token, not the token.
    const third = await h.ls.useCases.createJoinToken({ name: 'RDSH-01' });
    if (!third.ok) throw new Error('join');
    const { host } = await sessionHost('RDSH-01', [http.url]);
    expect((await host.useCases.enroll(http.url, third.value.joinToken)).ok).toBe(true);
    const [enrolment] = await listEnrolments(host.context.database.db);
    expect(enrolment!.tokenHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(enrolment!.hostId).toBe(host.context.identity.kid);
  });

  it('the clearinghouse lists and revokes tokens: an organization its own, the operator every one', async () => {
    const contoso = await org('Contoso');
    const fabrikam = await org('Fabrikam');
    const own = await callJson<{ tokens: { id: string; kind: string; subject?: string }[] }>(ch.url, 'GET', '/ch/v1/tokens', { token: contoso.token });
    if (!own.ok) throw new Error(own.error.message);
    expect(own.value.tokens.map((t) => t.subject)).toEqual([contoso.orgId]);
    const all = await callJson<{ tokens: { id: string; kind: string; subject?: string }[] }>(ch.url, 'GET', '/ch/v1/tokens', { token: CH_ADMIN });
    if (!all.ok) throw new Error(all.error.message);
    const fabrikamToken = all.value.tokens.find((t) => t.subject === fabrikam.orgId)!;
    // Contoso cannot reach Fabrikam's token; the operator can.
    const foreign = await callJson(ch.url, 'DELETE', `/ch/v1/tokens/${fabrikamToken.id}`, { token: contoso.token });
    expect(!foreign.ok && foreign.error.code).toBe('TOKEN_NOT_FOUND');
    expect((await callJson(ch.url, 'DELETE', `/ch/v1/tokens/${fabrikamToken.id}`, { token: CH_ADMIN })).ok).toBe(true);
    const refused = await callJson(ch.url, 'GET', '/ch/v1/packs', { token: fabrikam.token });
    expect(!refused.ok && refused.error.code).toBe('UNAUTHENTICATED');
    const audit = await callJson<{ ok: boolean }>(ch.url, 'GET', '/ch/v1/audit/verify', { token: CH_ADMIN });
    expect(audit.ok && audit.value.ok).toBe(true);
  });

  it("a license server reinstalled at the same address recognises the organization's host without a join token; the host follows the new identity; another organization's server is neither recognised nor followed", async () => {
    const contoso = await org('Contoso');
    const fabrikam = await org('Fabrikam');
    const address = await sameAddress();
    cleanups.push(() => address.close());
    const old = await licenseServer(contoso.token);
    address.target.url = old.http.url;
    const { host } = await sessionHost('RDSH-01', [address.url]);
    const join = await old.h.ls.useCases.createJoinToken({ name: 'RDSH-01' });
    if (!join.ok) throw new Error(join.error.message);
    const enrolled = await host.useCases.enroll(address.url, join.value.joinToken);
    expect(enrolled).toMatchObject({ ok: true, value: { registered: true, orgId: contoso.orgId, hostId: host.context.identity.kid } });

    // The organization's registry at the clearinghouse holds the host.
    const registry = await callJson<{ hosts: { hostId: string; name: string; orgId: string }[] }>(ch.url, 'GET', '/ch/v1/hosts', { token: contoso.token });
    expect(registry.ok && registry.value.hosts).toEqual([expect.objectContaining({ hostId: host.context.identity.kid, name: 'RDSH-01', orgId: contoso.orgId })]);
    const other = await callJson<{ hosts: unknown[] }>(ch.url, 'GET', '/ch/v1/hosts', { token: fabrikam.token });
    expect(other.ok && other.value.hosts).toEqual([]);

    // Reinstall behind the same URL: a new license server of the organization, which never enrolled the host.
    const fresh = await licenseServer(contoso.token);
    address.target.url = fresh.http.url;
    expect(hostsOf(await fresh.h.ls.useCases.listHosts())).toEqual([]);
    const refreshed = await host.useCases.refresh();
    expect(refreshed.identities).toEqual([{ licenseServerUrl: address.url, serverId: fresh.h.ls.serverId, changed: 'followed' }]);
    const status = await host.useCases.status();
    expect(status.licenseServers[0]).toMatchObject({ serverId: fresh.h.ls.serverId, identityChange: { followed: true, previousServerId: old.h.ls.serverId } });
    expect((await queryEvents(host.context.database.db, { eventId: 9240 })).map((e) => e.data['serverId'])).toEqual([fresh.h.ls.serverId]);
    const probe = await host.useCases.probe();
    expect(probe.probes[0]).toMatchObject({ url: address.url, outcome: 'would-issue', serverId: fresh.h.ls.serverId });
    expect((await queryEvents(fresh.h.ls.context.db, { eventId: 9140 })).map((e) => e.data['host'])).toEqual(['RDSH-01']);

    // Behind the same URL again, a server of another organization: the host's signature is not recognised there,
    // and the host does not follow it.
    const foreign = await licenseServer(fabrikam.token);
    address.target.url = foreign.http.url;
    const held = await host.useCases.refresh();
    expect(held.identities).toEqual([expect.objectContaining({ licenseServerUrl: address.url, serverId: fresh.h.ls.serverId, changed: 'held' })]);
    const heldStatus = await host.useCases.status();
    expect(heldStatus.licenseServers[0]).toMatchObject({ serverId: fresh.h.ls.serverId, identityChange: { followed: false, heldServerId: foreign.h.ls.serverId } });
    expect((await queryEvents(host.context.database.db, { eventId: 9241 })).length).toBe(1);
    const foreignProbe = await host.useCases.probe();
    expect(foreignProbe.probes[0]).toMatchObject({ outcome: 'refused', code: 'HOST_SIGNATURE_INVALID' });

    // Re-enrolment of the host name with a new key (a reinstalled session host) retires the old key.
    address.target.url = fresh.http.url;
    const again = await fresh.h.ls.useCases.createJoinToken({ name: 'RDSH-01' });
    if (!again.ok) throw new Error(again.error.message);
    const reinstalledHost = await sessionHost('RDSH-01', [address.url]);
    expect((await reinstalledHost.host.useCases.enroll(address.url, again.value.joinToken)).ok).toBe(true);
    const after = await callJson<{ hosts: { hostId: string; retiredAt?: string }[] }>(ch.url, 'GET', '/ch/v1/hosts?retired=true', { token: contoso.token });
    if (!after.ok) throw new Error(after.error.message);
    expect(after.value.hosts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ hostId: host.context.identity.kid, retiredAt: expect.any(String) }),
        expect.objectContaining({ hostId: reinstalledHost.host.context.identity.kid }),
      ]),
    );
    expect(after.value.hosts.find((x) => x.hostId === reinstalledHost.host.context.identity.kid)?.retiredAt).toBeUndefined();
    // The old key is refused by a license server that refreshes the registry.
    await fresh.h.ls.useCases.refreshHostRegistry();
    const oldKeyProbe = await host.useCases.probe();
    expect(oldKeyProbe.probes[0]).toMatchObject({ outcome: 'refused', code: 'HOST_SIGNATURE_INVALID' });
  });
});
