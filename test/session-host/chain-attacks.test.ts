/**
 * Issue 12, "What was seen", bullet 1, against the real clearinghouse, organization A's real license server and
 * session host, all over HTTP on 127.0.0.1: organization B activates its own license server key at the
 * clearinghouse and signs CALs with it for a device of A's. The legitimate path (A's device gets a temporary, then a
 * permanent CAL with its grant from A's license server) keeps working.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { addDays, ManualClock } from '../../src/core/clock';
import type { CalTokenPayload } from '../../src/core/protocol';
import { createClearinghouse } from '../../src/clearinghouse/module';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import { queryEvents } from '../../src/events/event-log';
import { callJson } from '../../src/http/client';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { randomBytes } from '../../src/platform/random';
import { createSessionHost, type SessionHost } from '../../src/session-host/module';
import { generateIdentity, signJws } from '../../src/trust/index';
import { describeEachDatabase } from '../helpers/databases';
import { serve, type Served } from '../helpers/serve';
import { COMPANY, FakeLicenseServer } from '../clearinghouse/fixtures';
import { START, startLicenseServer, type Harness } from '../license-server/harness';

const sec = (d: Date) => Math.floor(d.getTime() / 1000);
const DAY = 86_400;

describeEachDatabase('the CAL chain against the real components', (tdb) => {
  let clock: ManualClock;
  let chHttp: Served;
  let chIdentity: ReturnType<typeof generateIdentity>;
  let lsA: Harness;
  let lsHttp: Served;
  let host: SessionHost;
  let orgB: { orgId: string; token: string };
  const cleanups: (() => Promise<void>)[] = [];
  const admin = 'ch-admin-token-for-tests';

  async function post<T>(path: string, token: string, body: unknown): Promise<T> {
    const r = await callJson<T>(chHttp.url, 'POST', `/ch/v1${path}`, { token, body });
    if (!r.ok) throw new Error(`${path}: ${r.error.code} ${r.error.message}`);
    return r.value;
  }

  beforeEach(async () => {
    clock = new ManualClock(START);
    chIdentity = generateIdentity();
    const ch = await createClearinghouse({ database: await tdb.open(clearinghouseMigrations), clock, random: randomBytes, identity: chIdentity, adminToken: admin });
    chHttp = await serve(ch.module);
    cleanups.push(() => chHttp.close());

    const orgA = await post<{ orgId: string; token: string }>('/orgs', admin, { name: 'Atelier Dupont' });
    orgB = await post<{ orgId: string; token: string }>('/orgs', admin, { name: 'Bricolage Martin' });
    const pack = await post<{ packKey: string }>('/packs', admin, { orgId: orgA.orgId, program: 'retail', calType: 'device', calVersion: 2019, count: 2 });

    // organization A: its license server, activated and holding a 2-CAL pack with its grant
    const dir = mkdtempSync(join(tmpdir(), 'opencal-ls-'));
    lsA = await startLicenseServer(await tdb.open(licenseServerMigrations), { clock, clearinghouseUrl: chHttp.url, dataDir: dir });
    lsHttp = await serve(lsA.ls.module);
    cleanups.push(async () => {
      await lsHttp.close();
      await lsA.close();
      rmSync(dir, { recursive: true, force: true });
    });
    expect((await lsA.ls.useCases.activate({ method: 'auto', orgToken: orgA.token, company: COMPANY })).ok).toBe(true);
    expect((await lsA.ls.useCases.installByPackKey({ packKey: pack.packKey })).ok).toBe(true);

    // organization A's per-device session host, enrolled on its license server; its grace period is over
    host = await createSessionHost({ database: await tdb.open(), clock, hostName: 'RDSH-A', hostVersion: 2019, directory: 'domain', clearinghouseUrl: chHttp.url, refreshIntervalMs: 0 });
    cleanups.push(() => host.close());
    expect((await host.useCases.setLayer({ layer: 'policy', mode: 'per-device', licenseServers: [lsHttp.url] })).ok).toBe(true);
    const join_ = await lsA.ls.useCases.createJoinToken({ name: 'RDSH-A' });
    if (!join_.ok) throw new Error(join_.error.message);
    expect((await host.useCases.enroll(lsHttp.url, join_.value.joinToken)).ok).toBe(true);
    clock.set(addDays(START, 121));
  });
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  /** Organization B's own license server key, activated at the clearinghouse: a genuine certificate of org B. */
  async function organizationBKey() {
    const b = new FakeLicenseServer(clock, chIdentity.publicKeyRaw);
    const activated = await callJson<{ certificate: string }>(chHttp.url, 'POST', '/ch/v1/servers/activate', {
      token: orgB.token,
      body: await b.signed('activate', { company: COMPANY, serverVersion: 2019 }),
    });
    if (!activated.ok) throw new Error(activated.error.message);
    const sign = (over: Partial<CalTokenPayload>) =>
      signJws(b.identity, {
        typ: 'opencal.cal', iss: b.serverId, jti: `forged-${Math.random()}`, kind: 'temporary', calType: 'device', calVersion: 2019,
        device: 'PC-A1', hwid: 'hw-a1', iat: sec(clock.now()), exp: sec(clock.now()) + 90 * DAY, ...over,
      } satisfies CalTokenPayload);
    return { certificate: activated.value.certificate, sign };
  }

  const issuedByA = () => lsA.ls.useCases.listIssued({ limit: 100 });
  const events = (id: number) => queryEvents(host.context.database.db, { eventId: id });

  it('B\'s CAL {kind: "user", calType: "device", exp: +50 years} is refused at A\'s host after the grace period: no seat, nothing issued, events name B\'s server', async () => {
    const b = await organizationBKey();
    const forged = { token: await b.sign({ kind: 'user', calType: 'device', exp: sec(clock.now()) + 50 * 365 * DAY }), certificate: b.certificate };
    const r = await host.useCases.connect({ device: 'PC-A1', hwid: 'hw-a1', cals: [forged] });
    expect(r).toMatchObject({ ok: false, error: { code: 'CAL_KIND_TYPE_INVALID' } });
    expect(await issuedByA()).toEqual([]);
    expect(await events(9210)).toHaveLength(1);
    expect((await events(9220)).map((e) => e.data['code'])).toEqual(['CAL_KIND_TYPE_INVALID']);
    const [recorded] = await host.useCases.admissions();
    expect(recorded).toMatchObject({ device: 'PC-A1', admitted: false, code: 'CAL_KIND_TYPE_INVALID' });
  });

  it("a plausible CAL of B's server is not honoured at A's host: the device gets a CAL from A's license server, counted there", async () => {
    const b = await organizationBKey();
    const foreign = { token: await b.sign({}), certificate: b.certificate };
    const r = await host.useCases.connect({ device: 'PC-A1', hwid: 'hw-a1', cals: [foreign] });
    expect(r).toMatchObject({ ok: true, value: { basis: 'issued', kind: 'temporary', licenseServerId: lsA.ls.serverId } });
    expect((await events(9221)).map((e) => e.data['licenseServerId'])).toHaveLength(1);
    expect((await issuedByA()).map((l) => l.device)).toEqual(['PC-A1']);
    expect((await host.useCases.status()).organization).toBeDefined();
  });

  it('the legitimate path still works: a temporary, then a permanent CAL with its grant, honoured when presented', async () => {
    const first = await host.useCases.connect({ device: 'PC-A2', hwid: 'hw-a2', cals: [] });
    expect(first).toMatchObject({ ok: true, value: { basis: 'issued', kind: 'temporary' } });
    const second = await host.useCases.connect({ device: 'PC-A2', hwid: 'hw-a2', cals: first.ok && first.value.bundle ? [first.value.bundle] : [] });
    expect(second).toMatchObject({ ok: true, value: { basis: 'issued', kind: 'permanent' } });
    if (!second.ok || !second.value.bundle) throw new Error('no permanent CAL');
    expect(second.value.bundle.grant).toBeDefined();
    const third = await host.useCases.connect({ device: 'PC-A2', hwid: 'hw-a2', cals: [second.value.bundle] });
    expect(third).toMatchObject({ ok: true, value: { basis: 'presented', kind: 'permanent' } });
    expect(await events(9220)).toHaveLength(0);
    expect(await events(9221)).toHaveLength(0);
  });
});
