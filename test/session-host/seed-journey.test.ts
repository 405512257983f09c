/**
 * The source document, end to end, from the session host's side: the real clearinghouse, two real license
 * servers (the old one, then the reinstalled one with a new ID), the session host and a device, all over HTTP on
 * 127.0.0.1. After the reissue, the device's CAL from the old server stops being honoured; it receives a
 * temporary CAL from the new server, then a permanent one ("temporaire, puis permanente").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DAY_MS, ManualClock } from '../../src/core/clock';
import { createClearinghouse, type Clearinghouse } from '../../src/clearinghouse/module';
import { connect, listTokens } from '../../src/device/index';
import { queryEvents } from '../../src/events/event-log';
import { createLicenseServer, type LicenseServer } from '../../src/license-server/module';
import { randomBytes } from '../../src/platform/random';
import { createSessionHost, type SessionHost } from '../../src/session-host/module';
import { generateIdentity } from '../../src/trust/index';
import { describeEachDatabase, type TestDatabase } from '../helpers/databases';
import { serve, type Served } from '../helpers/serve';

const START = new Date('2025-03-01T09:00:00.000Z');
const ADMIN = 'ch-admin-token-0123456789';
const COMPANY = { firstName: 'Claire', lastName: 'Martin', company: 'Atelier Dupont', country: 'FR' };

describeEachDatabase('the source document from the session host: reissue to a reinstalled license server', (tdb) => {
  let clock: ManualClock;
  let ch: Clearinghouse;
  let chHttp: Served;
  let dir: string;
  const closers: (() => Promise<void>)[] = [];

  async function licenseServer(t: TestDatabase, name: string): Promise<{ ls: LicenseServer; http: Served }> {
    const ls = await createLicenseServer({
      dataDir: join(dir, name),
      database: await t.open(),
      clock,
      random: randomBytes,
      serverVersion: 2019,
      clearinghouseUrl: chHttp.url,
    });
    const http = await serve(ls.module);
    closers.push(() => http.close(), () => ls.close());
    return { ls, http };
  }

  async function call(method: 'GET' | 'POST', path: string, body: unknown, token: string) {
    const res = await fetch(chHttp.url + '/ch/v1' + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  beforeEach(async () => {
    clock = new ManualClock(START);
    dir = mkdtempSync(join(tmpdir(), 'opencal-seed-'));
    ch = await createClearinghouse({ database: await tdb.open(), clock, random: randomBytes, identity: generateIdentity(), adminToken: ADMIN });
    chHttp = await serve(ch.module);
    closers.push(() => chHttp.close(), () => ch.close());
  });
  afterEach(async () => {
    while (closers.length) await closers.pop()!();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a device holding the old server CAL gets a temporary CAL from the new server, then a permanent one', async () => {
    // The organization and its 10-CAL RDS 2019 per-device pack.
    const org = await call('POST', '/orgs', { name: 'Atelier Dupont' }, ADMIN);
    const pack = await call('POST', '/packs', { orgId: org.body.orgId, program: 'select', agreementNumber: '1234567', calType: 'device', calVersion: 2019, count: 10 }, ADMIN);
    expect(pack.status).toBe(200);

    // The old license server: activated, pack installed.
    const old = await licenseServer(tdb, 'old');
    expect(await old.ls.useCases.activate({ method: 'auto', orgToken: org.body.token, company: COMPANY })).toMatchObject({ ok: true });
    expect(await old.ls.useCases.installByPackKey({ packKey: pack.body.packKey, agreementNumber: '1234567' })).toMatchObject({ ok: true });

    // The session host: per device, the old server listed, trust from the clearinghouse.
    const host: SessionHost = await createSessionHost({
      database: await tdb.open(),
      clock,
      hostName: 'RDSH-01',
      hostVersion: 2019,
      directory: 'domain',
      clearinghouseUrl: chHttp.url,
      refreshIntervalMs: 0,
    });
    const shHttp = await serve(host.module);
    closers.push(() => shHttp.close(), () => host.close());
    const credential = (await host.useCases.createGateCredential('device client')).token;
    const point = async (ls: { ls: LicenseServer; http: Served }) => {
      expect((await host.useCases.setLayer({ layer: 'policy', mode: 'per-device', licenseServers: [ls.http.url] })).ok).toBe(true);
      const joinToken = await ls.ls.useCases.createJoinToken({ name: 'RDSH-01' });
      if (!joinToken.ok) throw new Error(joinToken.error.message);
      expect(await host.useCases.enroll(ls.http.url, joinToken.value.joinToken)).toMatchObject({ ok: true, value: { serverId: ls.ls.serverId } });
    };
    await point(old);
    expect((await host.useCases.status()).trustAnchor).toBeDefined();

    // The device gets temporary, then permanent from the old server.
    const store = join(dir, 'pc-01.json');
    expect(await connect(shHttp.url, { name: 'PC-01', storePath: store, clock, credential })).toMatchObject({ ok: true, value: { cal: { kind: 'temporary' } } });
    expect(await connect(shHttp.url, { name: 'PC-01', storePath: store, clock, credential })).toMatchObject({
      ok: true,
      value: { cal: { kind: 'permanent', licenseServerId: old.ls.serverId } },
    });

    // The license server is reinstalled: new keys, new license server ID. The pack is reissued to it by an agent.
    clock.advance(2 * DAY_MS);
    const fresh = await licenseServer(tdb, 'new');
    expect(fresh.ls.serverId).not.toBe(old.ls.serverId);
    expect(await fresh.ls.useCases.activate({ method: 'auto', orgToken: org.body.token, company: COMPANY })).toMatchObject({ ok: true });
    const code = await fresh.ls.useCases.makeMigrationCode({ reason: 'reinstalled' });
    if (!code.ok) throw new Error(code.error.message);
    const migrated = await call(
      'POST',
      '/portal/migrate',
      { migrationCode: code.value.migrationCode, packKey: pack.body.packKey, program: 'select', agreementNumber: '1234567', calType: 'device', calVersion: 2019 },
      org.body.token,
    );
    expect(migrated.status).toBe(200);
    const agentToken = (await call('POST', '/agents', { name: 'Desk 1' }, ADMIN)).body.token as string;
    if (migrated.body.case.status !== 'approved') {
      const approved = await call('POST', `/cases/${migrated.body.case.caseNumber}/approve`, { reason: 'reinstalled license server' }, agentToken);
      expect(approved.body.case.status).toBe('approved');
    }
    expect(await fresh.ls.checkIn()).toMatchObject({ ok: true });

    // The session host now points at the new server; reconfiguring it fetches the revocation list at once
    // (no hourly refresh to wait for, no explicit refresh needed).
    const seqBefore = (await host.useCases.status()).revocationListSeq ?? 0;
    await point(fresh);
    expect((await host.useCases.status()).revocationListSeq).toBeGreaterThan(seqBefore);

    // Next connection: the old server's CAL is not honoured; the device receives a temporary CAL from the new one...
    const third = await connect(shHttp.url, { name: 'PC-01', storePath: store, clock, credential });
    expect(third).toMatchObject({ ok: true, value: { basis: 'issued', cal: { kind: 'temporary', licenseServerId: fresh.ls.serverId } } });
    if (third.ok) expect(third.value.discarded).toHaveLength(1);
    expect((await queryEvents(host.context.database.db, { eventId: 9209 }))[0]?.data).toMatchObject({ code: 'CAL_GRANT_REVOKED' });

    // ...then a permanent one at the following connection.
    const fourth = await connect(shHttp.url, { name: 'PC-01', storePath: store, clock, credential });
    expect(fourth).toMatchObject({ ok: true, value: { basis: 'issued', cal: { kind: 'permanent', licenseServerId: fresh.ls.serverId } } });
    const held = listTokens(store, clock).tokens;
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ kind: 'permanent', licenseServerId: fresh.ls.serverId });
  });
});
