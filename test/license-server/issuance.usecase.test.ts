import { afterEach, beforeEach, expect, it } from 'vitest';
import { addDays, DAY_MS } from '../../src/core/clock';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { queryEvents } from '../../src/events/event-log';
import { verifyJwsWithKey, base64urlDecode } from '../../src/trust/index';
import type { CalTokenPayload } from '../../src/core/protocol';
import { describeEachDatabase, type TestDatabase } from '../helpers/databases';
import { activatedWithPack, connectTwice, device, jtiOf, startLicenseServer, withSignedDocuments, type Harness } from './harness';

async function payloadOf(h: Harness, token: string): Promise<CalTokenPayload> {
  const v = await verifyJwsWithKey<CalTokenPayload>(token, base64urlDecode(h.ls.context.publicKey), 'opencal.cal');
  if (!v.ok) throw new Error(v.error.message);
  expect(v.value.kid).toBe(h.ls.serverId);
  return v.value.payload;
}

async function packs(h: Harness) {
  return h.ls.useCases.listKeyPacks();
}

function setup(tdb: TestDatabase) {
  const state: { h: Harness } = {} as { h: Harness };
  beforeEach(async () => {
    const database = await tdb.open(licenseServerMigrations);
    state.h = await startLicenseServer(database);
  });
  // Before the test database's own teardown (see license-manager.usecase.test.ts).
  afterEach(() => state.h.close());
  return state;
}

describeEachDatabase('CAL issuance', (tdb) => {
  const s = setup(tdb);

  it('temporary then permanent: first connection gets a 90-day temporary CAL, after a validated logon the next one a permanent 52–89-day CAL', async () => {
    const { h } = s;
    await activatedWithPack(h, [{ packNumber: 7, count: 10 }]);
    const d = device(1);
    const first = await h.ls.useCases.requestCal('host-a', { ...d, mode: 'per-device', hostVersion: 2019 });
    expect(first.ok && first.value.kind).toBe('temporary');
    if (!first.ok) return;
    expect(new Date(first.value.expiresAt).getTime() - h.clock.now().getTime()).toBe(90 * DAY_MS);
    const temp = await payloadOf(h, first.value.bundle.token);
    expect(temp).toMatchObject({ iss: h.ls.serverId, kind: 'temporary', device: d.device, hwid: d.hwid, calVersion: 2019 });

    // Not validated yet: the same temporary CAL again.
    const again = await h.ls.useCases.requestCal('host-a', { ...d, mode: 'per-device', hostVersion: 2019 });
    expect(again.ok && jtiOf(again.value.bundle.token)).toBe(temp.jti);

    expect((await h.ls.useCases.validateCal('host-a', temp.jti)).ok).toBe(true);
    const second = await h.ls.useCases.requestCal('host-a', { ...d, mode: 'per-device', hostVersion: 2019 });
    expect(second.ok && second.value.kind).toBe('permanent');
    if (!second.ok) return;
    const days = (new Date(second.value.expiresAt).getTime() - h.clock.now().getTime()) / DAY_MS;
    expect(days).toBeGreaterThanOrEqual(52);
    expect(days).toBeLessThanOrEqual(89);
    const perm = await payloadOf(h, second.value.bundle.token);
    expect(perm).toMatchObject({ kind: 'permanent', pack: 7, grant: 1 });
    // Installed by phone: the grant has not arrived yet, so the bundle carries none.
    expect(second.value.bundle.grant).toBeUndefined();
    expect((await packs(h))[0]).toMatchObject({ total: 10, issued: 1, available: 9 });
  });

  it('renewal window: a permanent CAL presented more than 7 days before expiry is kept, within 7 days it is renewed on the same seat', async () => {
    const { h } = s;
    await activatedWithPack(h, [{ packNumber: 7, count: 10 }]);
    // Months pass: the phone-activated site got its signed documents (else its key pack lapses after 14 days).
    await withSignedDocuments(h, [{ packNumber: 7, count: 10 }]);
    const got = await connectTwice(h.ls, 'host-a', device(1));
    if (!got.ok) throw new Error(got.error.message);
    const expiresAt = new Date(got.value.expiresAt);
    h.clock.set(addDays(expiresAt, -8));
    const kept = await h.ls.useCases.requestCal('host-a', { ...device(1), mode: 'per-device', hostVersion: 2019 });
    expect(kept.ok && kept.value.outcome).toBe('kept');
    h.clock.set(addDays(expiresAt, -6));
    const renewed = await h.ls.useCases.requestCal('host-a', { ...device(1), mode: 'per-device', hostVersion: 2019 });
    expect(renewed.ok && renewed.value.outcome).toBe('renewed');
    if (!renewed.ok) return;
    expect(jtiOf(renewed.value.bundle.token)).toBe(jtiOf(got.value.bundle.token));
    expect(new Date(renewed.value.expiresAt).getTime()).toBeGreaterThan(expiresAt.getTime());
    expect((await packs(h))[0]).toMatchObject({ issued: 1, available: 9 });
  });

  it('upgrade: when the 2019 pack is used up a 2022 CAL is issued, and with prevent-upgrade only a temporary one', async () => {
    // A 2019 license server cannot host 2022 CALs: this one runs as 2022.
    await s.h.close();
    const database = await tdb.open(licenseServerMigrations);
    s.h = await startLicenseServer(database, { serverVersion: 2022 });
    const g = s.h;
    await activatedWithPack(g, [{ packNumber: 1, count: 1, calVersion: 2019 }, { packNumber: 2, count: 5, calVersion: 2022 }]);
    const a = await connectTwice(g.ls, 'host', device(1));
    expect(a.ok && [a.value.kind, a.value.calVersion]).toEqual(['permanent', 2019]);
    const b = await connectTwice(g.ls, 'host', device(2));
    expect(b.ok && [b.value.kind, b.value.calVersion, b.value.outcome]).toEqual(['permanent', 2022, 'issued']);
    await g.ls.useCases.setSettings({ preventUpgrade: true });
    const c = await connectTwice(g.ls, 'host', device(3));
    expect(c.ok && c.value.kind).toBe('temporary');
    expect((await queryEvents(g.ls.database.db, { eventId: 21 })).length).toBe(1);
  });

  it('a device with a 2019 CAL connecting to a 2022 session host is upgraded to a 2022 CAL, and the 2019 seat is returned', async () => {
    await s.h.close();
    s.h = await startLicenseServer(await tdb.open(licenseServerMigrations), { serverVersion: 2022 });
    const g = s.h;
    await activatedWithPack(g, [{ packNumber: 1, count: 3, calVersion: 2019 }, { packNumber: 2, count: 3, calVersion: 2022 }]);
    await connectTwice(g.ls, 'host', device(1), 2019);
    const up = await g.ls.useCases.requestCal('host', { ...device(1), mode: 'per-device', hostVersion: 2022 });
    expect(up.ok && [up.value.kind, up.value.calVersion, up.value.outcome]).toEqual(['permanent', 2022, 'upgraded']);
    const all = await packs(g);
    expect([all.find((p) => p.calVersion === 2019)!.issued, all.find((p) => p.calVersion === 2022)!.issued]).toEqual([0, 1]);
  });

  it('version hosting: a 2019 license server refuses a 2022 key pack', async () => {
    const { h } = s;
    await activatedWithPack(h, []);
    const r = await h.ls.useCases.installByKeyPackId({ keyPackId: h.ch.keyPackId(h.ls, { packNumber: 3, count: 5, calVersion: 2022 }) });
    expect(!r.ok && r.error.code).toBe('VERSION_NOT_HOSTABLE');
    expect(await packs(h)).toEqual([]);
  });

  it('when no CAL is left the device keeps its temporary CAL (event 21) and is refused once it expired', async () => {
    const { h } = s;
    await activatedWithPack(h, [{ packNumber: 7, count: 1 }]);
    await withSignedDocuments(h, [{ packNumber: 7, count: 1 }]);
    await connectTwice(h.ls, 'host', device(1));
    const second = await connectTwice(h.ls, 'host', device(2));
    expect(second.ok && second.value.kind).toBe('temporary');
    expect((await queryEvents(h.ls.database.db, { eventId: 21 })).map((e) => e.data['device'])).toContain('h-pc-2');
    h.clock.advance(91 * DAY_MS);
    const later = await h.ls.useCases.requestCal('host', { ...device(2), mode: 'per-device', hostVersion: 2019 });
    // The first device's CAL expired meanwhile and was reclaimed: its seat goes to the second one.
    expect(later.ok && later.value.kind).toBe('permanent');
    const third = await connectTwice(h.ls, 'host', device(3));
    expect(third.ok && third.value.kind).toBe('temporary');
  });

  it('per-user CALs last 60 days, are extended at sign-in, and are over-allocated rather than refused', async () => {
    const { h } = s;
    await activatedWithPack(h, [{ packNumber: 9, count: 1, calType: 'user' }]);
    const alice = await h.ls.useCases.requestCal('host', { ...device(1), user: 'alice', mode: 'per-user', hostVersion: 2019 });
    expect(alice.ok && alice.value.kind).toBe('user');
    if (!alice.ok) return;
    expect(new Date(alice.value.expiresAt).getTime() - h.clock.now().getTime()).toBe(60 * DAY_MS);
    const bob = await h.ls.useCases.requestCal('host', { ...device(2), user: 'bob', mode: 'per-user', hostVersion: 2019 });
    expect(bob.ok && bob.value.kind).toBe('user');
    h.clock.advance(10 * DAY_MS);
    const again = await h.ls.useCases.requestCal('host', { ...device(3), user: 'alice', mode: 'per-user', hostVersion: 2019 });
    expect(again.ok && again.value.outcome).toBe('extended');
    const report = await h.ls.useCases.perUserReport();
    expect(report.versions).toEqual([{ calVersion: 2019, installed: 1, issued: 2, overAllocated: 1 }]);
    expect(report.users.find((u) => u.user === 'bob')?.overAllocated).toBe(true);
    expect((await queryEvents(h.ls.database.db, { eventId: 9108 })).length).toBe(1);
  });

  it('malformed CAL requests are refused with INVALID_REQUEST and change nothing', async () => {
    const { h } = s;
    const bad = await h.ls.useCases.requestCal('host', { device: '', hwid: 'x', mode: 'per-device', hostVersion: 2019 });
    expect(!bad.ok && bad.error.code).toBe('INVALID_REQUEST');
    // The route's schema refuses an unknown version first; the use case checks again for other callers.
    const badVersion = await h.ls.useCases.requestCal('host', { device: 'a', hwid: 'x', mode: 'per-device', hostVersion: 2020 as 2019 });
    expect(!badVersion.ok && badVersion.error.code).toBe('INVALID_REQUEST');
    const noUser = await h.ls.useCases.requestCal('host', { device: 'a', hwid: 'x', mode: 'per-user', hostVersion: 2019 });
    expect(!noUser.ok && noUser.error.code).toBe('INVALID_REQUEST');
    expect(await h.ls.useCases.listIssued({ status: 'all' })).toEqual([]);
  });
});

describeEachDatabase('unactivated license server', (tdb) => {
  const s = setup(tdb);

  it('issues only 90-day temporary device CALs and per-user CALs, and cannot install packs', async () => {
    const { h } = s;
    const first = await connectTwice(h.ls, 'host', device(1));
    expect(first.ok && first.value.kind).toBe('temporary');
    if (!first.ok) return;
    expect(first.value.bundle.certificate).toBeUndefined();
    const user = await h.ls.useCases.requestCal('host', { ...device(2), user: 'carol', mode: 'per-user', hostVersion: 2019 });
    expect(user.ok && user.value.kind).toBe('user');
    const install = await h.ls.useCases.installByKeyPackId({ keyPackId: h.ch.keyPackId(h.ls, { packNumber: 1, count: 5 }) });
    expect(!install.ok && install.error.code).toBe('LICENSE_SERVER_NOT_ACTIVATED');
    const code = await h.ls.useCases.makeMigrationCode({ reason: 'reinstalled' });
    expect(!code.ok && code.error.code).toBe('LICENSE_SERVER_NOT_ACTIVATED');
    expect((await queryEvents(h.ls.database.db, { eventId: 18 })).length).toBeGreaterThan(0);
    h.clock.advance(91 * DAY_MS);
    const expired = await h.ls.useCases.requestCal('host', { ...device(1), mode: 'per-device', hostVersion: 2019 });
    expect(!expired.ok && expired.error.code).toBe('LICENSE_SERVER_NOT_ACTIVATED');
  });
});
