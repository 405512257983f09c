/**
 * The session host with the real license server over HTTP on 127.0.0.1 (codes for the offline activation and
 * install made as the clearinghouse makes them, see test/license-server/harness.ts), and the real device client.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { addDays, ManualClock } from '../../src/core/clock';
import { connect, listTokens } from '../../src/device/index';
import { queryEvents } from '../../src/events/event-log';
import { createSessionHost, type SessionHost } from '../../src/session-host/module';
import { publicKeyToJwk } from '../../src/trust/index';
import type { TrustAnchor } from '../../src/core/wire/clearinghouse';
import { describeEachDatabase } from '../helpers/databases';
import { activatedWithPack, startLicenseServer, withSignedDocuments, type Harness } from '../license-server/harness';
import { serve, type Served } from '../helpers/serve';
import { closedPort } from './signed-documents';

describeEachDatabase('session host and license server over HTTP', (tdb) => {
  let h: Harness;
  let lsHttp: Served;
  let host: SessionHost;
  let shHttp: Served;
  let downUrl: string;
  let dir: string;
  /** the device client's gate front-end credential */
  let credential: string;
  const toClose: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    h = await startLicenseServer(await tdb.open(), { serverVersion: 2019 });
    lsHttp = await serve(h.ls.module);
    downUrl = `http://127.0.0.1:${await closedPort()}`;
    host = await createSessionHost({
      database: await tdb.open(),
      clock: h.clock,
      hostName: 'RDSH-01',
      hostVersion: 2019,
      directory: 'domain',
      trustAnchor: { keys: [publicKeyToJwk(h.ch.identity.publicKeyRaw, h.ch.identity.kid)], fingerprint: h.ch.identity.kid },
      refreshIntervalMs: 0,
    });
    shHttp = await serve(host.module);
    credential = (await host.useCases.createGateCredential('device client')).token;
    dir = mkdtempSync(join(tmpdir(), 'opencal-device-'));
    toClose.push(() => shHttp.close(), () => host.close(), () => lsHttp.close(), () => h.close());
  });
  afterEach(async () => {
    while (toClose.length) await toClose.pop()!();
    rmSync(dir, { recursive: true, force: true });
  });

  async function enrol(servers: string[]) {
    const set = await host.useCases.setLayer({ layer: 'policy', mode: 'per-device', licenseServers: servers });
    expect(set.ok).toBe(true);
    const join = await h.ls.useCases.createJoinToken({ name: 'RDSH-01' });
    if (!join.ok) throw new Error(join.error.message);
    const enrolled = await host.useCases.enroll(lsHttp.url, join.value.joinToken);
    expect(enrolled).toMatchObject({ ok: true, value: { serverId: h.ls.serverId } });
  }

  it('per device: the first connection gets a temporary CAL, the next one a permanent CAL, both stored on the device', async () => {
    await enrol([lsHttp.url]);
    await activatedWithPack(h, [{ packNumber: 11, count: 10 }]);
    const store = join(dir, 'pc-01.json');

    const first = await connect(shHttp.url, { name: 'PC-01', storePath: store, clock: h.clock, credential });
    expect(first).toMatchObject({ ok: true, value: { basis: 'issued', cal: { kind: 'temporary', stored: true } } });
    expect(statSync(store).mode & 0o777).toBe(0o600);

    const second = await connect(shHttp.url, { name: 'PC-01', storePath: store, clock: h.clock, credential });
    expect(second).toMatchObject({ ok: true, value: { basis: 'issued', cal: { kind: 'permanent', licenseServerId: h.ls.serverId } } });
    const held = listTokens(store, h.clock);
    expect(held.tokens).toHaveLength(1);
    expect(held.tokens[0]).toMatchObject({ kind: 'permanent', calVersion: 2019, licenseServerId: h.ls.serverId, expired: false });
    expect(held.tokens[0]!.daysLeft).toBeGreaterThanOrEqual(52);

    // the third connection relies on the permanent CAL offline (no renewal needed yet)
    const third = await connect(shHttp.url, { name: 'PC-01', storePath: store, clock: h.clock, credential });
    expect(third).toMatchObject({ ok: true, value: { basis: 'presented', cal: { kind: 'permanent' } } });
  });

  it('failover: the first listed license server is down, the second issues', async () => {
    await enrol([downUrl, lsHttp.url]);
    const store = join(dir, 'pc-02.json');
    const r = await connect(shHttp.url, { name: 'PC-02', storePath: store, clock: h.clock, credential });
    expect(r).toMatchObject({ ok: true, value: { basis: 'issued', cal: { kind: 'temporary', licenseServerId: h.ls.serverId } } });
    const failovers = await queryEvents(host.context.database.db, { eventId: 9207 });
    expect(failovers).toHaveLength(1);
    expect(failovers[0]!.data).toMatchObject({ licenseServerUrl: downUrl });
  });

  it('after the grace period, a license server with no CAL for this device refuses with "no CALs available", and a permanent CAL is honoured while the server is down', async () => {
    // The pack is phone-installed at an offline site (no grant): its CALs are provisional, here for the 180 days
    // this clearinghouse's trust anchor allows (the default 14 would end them before this story does).
    await host.close();
    host = await createSessionHost({
      database: host.context.database, clock: h.clock, hostName: 'RDSH-01', hostVersion: 2019, directory: 'domain', refreshIntervalMs: 0,
      trustAnchor: { keys: [publicKeyToJwk(h.ch.identity.publicKeyRaw, h.ch.identity.kid)], fingerprint: h.ch.identity.kid, provisionalWindowDays: 180 } as TrustAnchor,
    });
    await shHttp.close();
    shHttp = await serve(host.module);
    credential = (await host.useCases.createGateCredential('device client')).token;
    await enrol([lsHttp.url]);
    await activatedWithPack(h, [{ packNumber: 12, count: 1 }]);
    // Months pass: the phone-activated site got its signed documents (else its key pack lapses after its window).
    await withSignedDocuments(h, [{ packNumber: 12, count: 1 }]);
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    await connect(shHttp.url, { name: 'A', storePath: a, clock: h.clock, credential });
    expect(await connect(shHttp.url, { name: 'A', storePath: a, clock: h.clock, credential })).toMatchObject({ ok: true, value: { cal: { kind: 'permanent' } } });

    // B gets a temporary CAL (validated at logon). 121 days later the grace period is over, A takes the only CAL
    // again, and B, whose temporary CAL has expired, is refused with the message the user sees.
    expect(await connect(shHttp.url, { name: 'B', storePath: b, clock: h.clock, credential })).toMatchObject({ ok: true, value: { cal: { kind: 'temporary' } } });
    h.clock.set(addDays(h.clock.now(), 121));
    expect(await connect(shHttp.url, { name: 'A', storePath: a, clock: h.clock, credential })).toMatchObject({ ok: true, value: { basis: 'issued', cal: { kind: 'permanent' } } });
    const refused = await connect(shHttp.url, { name: 'B', storePath: b, clock: h.clock, credential });
    expect(refused).toMatchObject({ ok: false, error: { code: 'NO_CAL_AVAILABLE' } });
    if (!refused.ok) expect(refused.error.message).toContain('no Remote Desktop client access licenses available for this computer');
    expect(listTokens(b, h.clock).tokens.every((t) => t.expired)).toBe(true);

    // the license server goes down: A's still-valid permanent CAL is honoured
    await lsHttp.close();
    h.clock.set(addDays(h.clock.now(), 46));
    const honoured = await connect(shHttp.url, { name: 'A', storePath: a, clock: h.clock, credential });
    expect(honoured).toMatchObject({ ok: true, value: { basis: 'presented', cal: { kind: 'permanent' } } });
  });

  it('a session host one day behind its license server refuses the CAL as dated in the future, then gets one from its license server instead of refusing the connection; the skew shows in its status', async () => {
    const behind = new ManualClock(addDays(h.clock.now(), -1));
    const late = await createSessionHost({
      database: await tdb.open(), clock: behind, hostName: 'RDSH-01', hostVersion: 2019, directory: 'domain', refreshIntervalMs: 0,
      trustAnchor: { keys: [publicKeyToJwk(h.ch.identity.publicKeyRaw, h.ch.identity.kid)], fingerprint: h.ch.identity.kid },
    });
    const lateHttp = await serve(late.module);
    toClose.push(() => lateHttp.close(), () => late.close());
    const cred = (await late.useCases.createGateCredential('device client')).token;
    expect((await late.useCases.setLayer({ layer: 'policy', mode: 'per-device', licenseServers: [lsHttp.url] })).ok).toBe(true);
    const token = await h.ls.useCases.createJoinToken({ name: 'RDSH-01' });
    if (!token.ok) throw new Error(token.error.message);
    const enrolled = await late.useCases.enroll(lsHttp.url, token.value.joinToken);
    expect(enrolled.ok ? 'ok' : enrolled.error.code + ' ' + enrolled.error.message).toBe('ok');
    h.clock.set(addDays(h.clock.now(), 121));
    behind.set(addDays(behind.now(), 121)); // the grace period is over: a CAL is needed
    await activatedWithPack(h, [{ packNumber: 13, count: 5 }]); // phone-installed now: within its provisional window
    const store = join(dir, 'late.json');

    const first = await connect(lateHttp.url, { name: 'PC-09', storePath: store, clock: behind, credential: cred });
    expect(first).toMatchObject({ ok: true, value: { basis: 'issued', cal: { kind: 'temporary' } } });
    const second = await connect(lateHttp.url, { name: 'PC-09', storePath: store, clock: behind, credential: cred });
    expect(second).toMatchObject({ ok: true, value: { basis: 'issued', cal: { kind: 'permanent' } } });
    const notHonoured = await queryEvents(late.context.database.db, { eventId: 9209 });
    expect(notHonoured.map((e) => e.data['code'])).toEqual(['CAL_NOT_YET_VALID']);

    const status = await late.useCases.status();
    expect(status.clock?.leewaySeconds).toBe(300);
    expect(status.clock?.skews).toEqual([expect.objectContaining({ licenseServerUrl: lsHttp.url })]);
    expect(Math.abs(status.clock!.skews[0]!.skewSeconds - 86_400)).toBeLessThanOrEqual(5);
    expect(status.problems.map((p) => p.code)).toContain('LICENSE_SERVER_CLOCK_SKEW');
    expect(await queryEvents(late.context.database.db, { eventId: 9225 })).toHaveLength(1);
  });

  it('within the clock leeway nothing is reported and the CAL is honoured as presented', async () => {
    await enrol([lsHttp.url]);
    const store = join(dir, 'pc-10.json');
    expect(await connect(shHttp.url, { name: 'PC-10', storePath: store, clock: h.clock, credential })).toMatchObject({ ok: true, value: { basis: 'issued' } });
    const status = await host.useCases.status();
    expect(status.clock?.skews.map((k) => k.skewSeconds)).toEqual([0]);
    expect(status.problems.map((p) => p.code)).not.toContain('LICENSE_SERVER_CLOCK_SKEW');
  });
});
