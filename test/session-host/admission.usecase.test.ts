import { afterEach, beforeEach, expect, it } from 'vitest';
import { addDays, ManualClock } from '../../src/core/clock';
import { queryEvents } from '../../src/events/event-log';
import type { Database } from '../../src/storage/database';
import { createSessionHost, type SessionHost, type SessionHostOptions } from '../../src/session-host/module';
import { generateIdentity, type Identity } from '../../src/trust/index';
import { describeEachDatabase } from '../helpers/databases';
import { saveIdentity } from '../../src/session-host/session-host.repository';
import { base64urlEncode } from '../../src/trust/index';
import { calToken, certificate, closedPort, makeAuthority, permanentBundle, revocationList, sec, type Authority } from './signed-documents';

const T0 = new Date('2025-01-01T08:00:00.000Z');

describeEachDatabase('session host admission without a reachable license server', (tdb) => {
  let database: Database;
  let clock: ManualClock;
  let ch: Authority;
  let ls: Identity;
  let host: SessionHost;
  let downUrl: string;

  async function start(over: Partial<SessionHostOptions> = {}) {
    host = await createSessionHost({
      database,
      clock,
      hostName: 'RDSH-01',
      hostVersion: 2019,
      directory: 'domain',
      trustAnchor: ch.anchor,
      refreshIntervalMs: 0,
      ...over,
    });
    return host;
  }
  const events = async (id: number) => queryEvents(database.db, { eventId: id });
  /**
   * What the host holds once it has fetched the identity of its listed license server (now down): that server's
   * certificate, from which it learns its organization (org-1, the organization of signed-documents.ts).
   */
  async function knowsItsLicenseServer(org = 'org-1') {
    await saveIdentity(database.db, {
      licenseServerUrl: downUrl, serverId: ls.kid, publicKey: base64urlEncode(ls.publicKeyRaw),
      certificate: await certificate(ch, ls, T0, { org }), fetchedAt: T0.toISOString(),
    });
  }

  beforeEach(async () => {
    database = await tdb.open();
    clock = new ManualClock(T0);
    ch = makeAuthority();
    ls = generateIdentity();
    downUrl = `http://127.0.0.1:${await closedPort()}`;
  });
  afterEach(async () => host?.close());

  it('inside the grace period a device without a CAL is admitted, and the grace days count down', async () => {
    await start();
    const r = await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', cals: [] });
    expect(r).toMatchObject({ ok: true, value: { admitted: true, basis: 'grace', graceDaysLeft: 120 } });
    clock.advance(30 * 86_400_000);
    expect((await host.useCases.status()).grace.daysLeft).toBe(90);
  });

  it('after day 120 with no license server the device is refused with "no license servers available" and event 50282', async () => {
    await start();
    await host.useCases.setLayer({ layer: 'local', mode: 'per-device' });
    clock.set(addDays(T0, 120));
    const r = await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('NO_LICENSE_SERVER_AVAILABLE');
    expect(r.error.message).toContain('there are no Remote Desktop License Servers available to provide a license');
    expect((await events(50282)).length).toBeGreaterThan(0);
    const [last] = await host.useCases.admissions();
    expect(last).toMatchObject({ device: 'PC-01', admitted: false, code: 'NO_LICENSE_SERVER_AVAILABLE' });
  });

  it('after the grace period with the mode not configured the device is refused, with events 1068 and 1069', async () => {
    await start();
    clock.set(addDays(T0, 121));
    const r = await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01' });
    expect(r).toMatchObject({ ok: false, error: { code: 'GRACE_PERIOD_EXPIRED_MODE_NOT_CONFIGURED' } });
    expect(await events(1069)).toHaveLength(1);
    expect((await events(1068)).length).toBeGreaterThan(0);
  });

  it('the grace period survives a restart and setting the clock back gives no days back (event 9201)', async () => {
    await start();
    clock.set(addDays(T0, 100));
    expect((await host.useCases.grace()).daysLeft).toBe(20);
    await host.close();
    clock.set(addDays(T0, 10));
    await start();
    expect((await host.useCases.grace()).daysLeft).toBe(20);
    expect((await events(9201)).length).toBeGreaterThan(0);
  });

  it('a still-valid permanent CAL is honoured when no license server answers, and the failed renewal is logged (1028)', async () => {
    await start();
    await host.useCases.setLayer({ layer: 'policy', mode: 'per-device', licenseServers: [downUrl] });
    await knowsItsLicenseServer();
    const issuedAt = addDays(T0, 100);
    const bundle = await permanentBundle(ch, ls, issuedAt, { exp: sec(addDays(issuedAt, 60)) });
    clock.set(addDays(T0, 155)); // grace over; CAL within 7 days of expiry: a renewal is attempted
    const r = await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', cals: [bundle] });
    expect(r).toMatchObject({ ok: true, value: { admitted: true, basis: 'presented', kind: 'permanent' } });
    expect(await events(1028)).toHaveLength(1);
    expect((await events(9207)).length).toBe(1); // the listed server was tried and found down
  });

  it('a 2019 session host refuses a 2016 CAL and accepts a 2022 one', async () => {
    await start();
    await host.useCases.setLayer({ layer: 'local', mode: 'per-device', licenseServers: [downUrl] });
    await knowsItsLicenseServer();
    clock.set(addDays(T0, 130));
    const old = await permanentBundle(ch, ls, clock.now(), { calVersion: 2016 });
    const newer = await permanentBundle(ch, ls, clock.now(), { calVersion: 2022 });
    expect(await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', cals: [old] })).toMatchObject({ ok: false, error: { code: 'CAL_VERSION_TOO_OLD' } });
    expect(await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', cals: [newer] })).toMatchObject({ ok: true, value: { basis: 'presented' } });
  });

  it('per-user mode in a workgroup is reported as not permitted', async () => {
    await start({ directory: 'workgroup' });
    await host.useCases.setLayer({ layer: 'policy', mode: 'per-user', licenseServers: [downUrl] });
    const s = await host.useCases.status();
    expect(s.problems.map((p) => p.code)).toContain('PER_USER_NOT_PERMITTED_IN_WORKGROUP');
    const inGrace = await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', user: 'alice' });
    expect(inGrace).toMatchObject({ ok: true, value: { basis: 'grace', warning: { code: 'PER_USER_NOT_PERMITTED_IN_WORKGROUP' } } });
    clock.set(addDays(T0, 121));
    const after = await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', user: 'alice' });
    expect(after).toMatchObject({ ok: false, error: { code: 'PER_USER_NOT_PERMITTED_IN_WORKGROUP' } });
    if (!after.ok) expect(after.error.message).toContain('Per User CALs are not permitted in a workgroup');
  });

  it.each([
    ['a malformed token', async () => ({ token: 'garbage' }), 'CAL_TOKEN_MALFORMED'],
    ['a tampered token', async (a: Authority, s: Identity) => {
      const b = await permanentBundle(a, s, T0);
      const parts = b.token.split('.');
      return { ...b, token: `${parts[0]}.${parts[1]}.${parts[2]!.slice(0, -4)}AAAA` };
    }, 'CAL_SIGNATURE_INVALID'],
    ['a token for another device', (a: Authority, s: Identity) => permanentBundle(a, s, T0, { device: 'PC-77' }), 'CAL_WRONG_DEVICE'],
    ['a token for another hardware ID', (a: Authority, s: Identity) => permanentBundle(a, s, T0, { hwid: 'hw-77' }), 'CAL_WRONG_HARDWARE_ID'],
    ['a token of a kind/type pair no license server issues', (a: Authority, s: Identity) => permanentBundle(a, s, T0, { kind: 'user', calType: 'device' }), 'CAL_KIND_TYPE_INVALID'],
    ['a token living longer than its kind may', (a: Authority, s: Identity) => permanentBundle(a, s, T0, { exp: sec(T0) + 50 * 365 * 86_400 }), 'CAL_LIFETIME_EXCEEDED'],
  ] as const)('%s is refused with its own code, even in the grace period, and no license server is asked', async (_n, make, expected) => {
    await start();
    await host.useCases.setLayer({ layer: 'local', mode: 'per-device', licenseServers: [downUrl] });
    await knowsItsLicenseServer();
    const r = await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', cals: [await make(ch, ls)] });
    expect(r).toMatchObject({ ok: false, error: { code: expected } });
    expect(await events(9207)).toHaveLength(0);
    expect(await events(9210)).toHaveLength(1);
    // a forgery signed with a genuine license server key has its own event, naming that server
    const forged = await events(9220);
    expect(forged.map((e) => e.data['licenseServerId'])).toEqual(expected === 'CAL_KIND_TYPE_INVALID' || expected === 'CAL_LIFETIME_EXCEEDED' ? [ls.kid] : []);
  });

  it.each([
    ['an expired CAL', (at: Date) => permanentBundle(ch, ls, at, { iat: sec(at) - 60 * 86_400, exp: sec(at) - 1 }), 'CAL_EXPIRED', true],
    ['a CAL dated a day ahead of this host', (at: Date) => permanentBundle(ch, ls, at, { iat: sec(at) + 86_400 }), 'CAL_NOT_YET_VALID', false],
    ['a CAL of a license server of another organization', (at: Date) => permanentBundle(ch, generateIdentity(), at), 'CAL_ISSUER_OTHER_ORGANIZATION', false],
  ] as const)('%s is not honoured: as RDS on a first connection, the host asks its license servers for a new one', async (_n, make, expected, discarded) => {
    await start();
    await host.useCases.setLayer({ layer: 'local', mode: 'per-device', licenseServers: [downUrl] });
    // the certificates of signed-documents.ts name org-1: this host belongs to org-A in the foreign case
    await knowsItsLicenseServer(expected === 'CAL_ISSUER_OTHER_ORGANIZATION' ? 'org-A' : 'org-1');
    const r = await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', cals: [await make(T0)] });
    // the listed license server was asked (it is down): in the grace period the device is admitted without a CAL
    expect(r).toMatchObject({ ok: true, value: { basis: 'grace' } });
    expect(await events(9207)).toHaveLength(1);
    expect((await events(9209)).map((e) => e.data['code'])).toEqual([expected]);
    expect(await events(9210)).toHaveLength(0);
    expect((await events(9221)).length).toBe(expected === 'CAL_ISSUER_OTHER_ORGANIZATION' ? 1 : 0);
    if (r.ok) expect(r.value.discard.length > 0).toBe(discarded);
    clock.set(addDays(T0, 121));
    expect(await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', cals: [await make(clock.now())] })).toMatchObject({ ok: false, error: { code: expected } });
  });

  it('a pack installed from a typed key pack ID: its grantless CALs are honoured for 14 days from the first sighting (9224), then not (9223); with the signed grant, again', async () => {
    await start();
    await host.useCases.setLayer({ layer: 'local', mode: 'per-device', licenseServers: [downUrl] });
    await knowsItsLicenseServer();
    clock.set(addDays(T0, 121)); // the grace period is over: only a CAL admits
    const grantless = async () => {
      const b = await permanentBundle(ch, ls, clock.now());
      return { token: b.token, certificate: b.certificate };
    };
    const firstSeen = clock.now();
    expect(await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', cals: [await grantless()] })).toMatchObject({ ok: true, value: { basis: 'presented' } });
    expect((await events(9224)).map((e) => e.data)).toEqual([expect.objectContaining({ pack: 7, licenseServerId: ls.kid, windowDays: 14, windowEndsAt: addDays(firstSeen, 14).toISOString() })]);
    clock.set(addDays(firstSeen, 14));
    expect(await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', cals: [await grantless()] })).toMatchObject({ ok: true, value: { basis: 'presented' } });
    clock.set(new Date(addDays(firstSeen, 14).getTime() + 60_000));
    expect(await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', cals: [await grantless()] })).toMatchObject({ ok: false, error: { code: 'CAL_PROVISIONAL_WINDOW_OVER' } });
    expect((await events(9223)).map((e) => e.data['pack'])).toEqual([7]);
    expect(await events(9224)).toHaveLength(1);
    // the grant reaches the license server (check-in): its CALs carry it and are honoured again
    expect(await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', cals: [await permanentBundle(ch, ls, clock.now())] })).toMatchObject({ ok: true, value: { basis: 'presented' } });
  });

  it('a CAL from a pack reissued to another server is not honoured once the revocation list names it', async () => {
    const list = await revocationList(ch, T0, { grants: [{ serverId: ls.kid, pack: 7, seq: 1, at: sec(T0), caseNumber: 'CH-000001' }] });
    await start({ revocationList: list });
    await host.useCases.setLayer({ layer: 'local', mode: 'per-device', licenseServers: [downUrl] });
    await knowsItsLicenseServer();
    clock.set(addDays(T0, 125));
    const r = await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', cals: [await permanentBundle(ch, ls, clock.now())] });
    expect(r).toMatchObject({ ok: false, error: { code: 'CAL_GRANT_REVOKED' } });
  });

  it('the device name and hardware ID are required', async () => {
    await start();
    expect(await host.useCases.connect({ device: '', hwid: 'x' })).toMatchObject({ ok: false, error: { code: 'INVALID_CONNECTION_REQUEST' } });
    expect(await host.useCases.connect({ device: 'PC', cals: 'x' })).toMatchObject({ ok: false, error: { code: 'INVALID_CONNECTION_REQUEST' } });
  });

  it('a temporary CAL of an unknown, uncertified server is not honoured after the grace period', async () => {
    await start();
    await host.useCases.setLayer({ layer: 'local', mode: 'per-device', licenseServers: [downUrl] });
    clock.set(addDays(T0, 125));
    const token = await calToken(ls, clock.now(), { kind: 'temporary', pack: undefined, grant: undefined });
    expect(await host.useCases.connect({ device: 'PC-01', hwid: 'hw-01', cals: [{ token }] })).toMatchObject({ ok: false, error: { code: 'CAL_ISSUER_UNKNOWN' } });
  });
});
