import { afterEach, beforeEach, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/clock';
import { decodeCode, serverIdPrefix, verifyCodeMac } from '../../src/core/codes/index';
import { queryEvents } from '../../src/events/event-log';
import { buildServer } from '../../src/http/server';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { describeEachDatabase } from '../helpers/databases';
import { activatedWithPack, connectTwice, device, startLicenseServer, type Harness } from './harness';

describeEachDatabase('license manager', (tdb) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startLicenseServer(await tdb.open(licenseServerMigrations), { adminToken: 'ls-admin-token-for-tests' });
  });
  // An afterEach (not a cleanup returned by beforeEach, which vitest runs after every afterEach): the license
  // server and its connections close before the test database is closed and removed.
  afterEach(() => h.close());

  it('phone activation: a mistyped confirmation is refused before any lookup, one made for another server by its MAC', async () => {
    const good = h.ch.confirmation(h.ls);
    const typo = good.slice(0, 3) + (good[3] === 'B' ? 'C' : 'B') + good.slice(4);
    const r1 = await h.ls.useCases.activate({ method: 'phone', confirmation: typo });
    expect(!r1.ok && r1.error.code).toBe('CODE_CHECK_FAILED');
    const other = await startLicenseServer(await tdb.open(licenseServerMigrations), { ch: h.ch, clock: h.clock });
    const r2 = await h.ls.useCases.activate({ method: 'phone', confirmation: h.ch.confirmation(other.ls) });
    await other.close();
    expect(!r2.ok && r2.error.code).toBe('ACTIVATION_CONFIRMATION_INVALID');
    expect((await h.ls.useCases.status()).activation.status).toBe('unactivated');
    const r3 = await h.ls.useCases.activate({ method: 'phone', confirmation: good });
    expect(r3.ok && r3.value).toMatchObject({ status: 'activated', method: 'phone', certificate: false });
    expect((await queryEvents(h.ls.database.db, { eventId: 4 })).length).toBe(1);
    const again = await h.ls.useCases.activate({ method: 'phone', confirmation: good });
    expect(!again.ok && again.error.code).toBe('LICENSE_SERVER_ALREADY_ACTIVATED');
  });

  it('a key pack ID for another server is refused, and the same key pack ID twice is already installed', async () => {
    await activatedWithPack(h, [{ packNumber: 5, count: 3 }]);
    const other = await startLicenseServer(await tdb.open(licenseServerMigrations), { ch: h.ch, clock: h.clock });
    const forOther = await h.ls.useCases.installByKeyPackId({ keyPackId: h.ch.keyPackId(other.ls, { packNumber: 6, count: 3 }) });
    await other.close();
    expect(!forOther.ok && forOther.error.code).toBe('KEY_PACK_ID_INVALID');
    const twice = await h.ls.useCases.installByKeyPackId({ keyPackId: h.ch.keyPackId(h.ls, { packNumber: 5, count: 3 }) });
    expect(!twice.ok && twice.error.code).toBe('KEY_PACK_ALREADY_INSTALLED');
    expect((await h.ls.useCases.listKeyPacks()).map((p) => [p.pack, p.program, p.calType, p.calVersion, p.total, p.issued, p.available, p.status])).toEqual([
      [5, 'retail', 'device', 2019, 3, 0, 3, 'active'],
    ]);
  });

  it('20 % revoke: of 10 installed CALs two may be revoked, the third is refused with the day the next revoke is allowed', async () => {
    await activatedWithPack(h, [{ packNumber: 5, count: 10 }]);
    const expiries: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const r = await connectTwice(h.ls, 'host', device(i));
      if (!r.ok) throw new Error(r.error.message);
      expiries.push(new Date(r.value.expiresAt).getTime());
    }
    const first = await h.ls.useCases.revoke({ device: 'h-pc-1' });
    expect(first.ok && first.value.revoked.status).toBe('revoked');
    expect((await h.ls.useCases.listKeyPacks())[0]).toMatchObject({ issued: 2, available: 8 });
    expect((await h.ls.useCases.revoke({ device: 'hwid-h-2' })).ok).toBe(true);
    const third = await h.ls.useCases.revoke({ device: 'h-pc-3' });
    expect(!third.ok && third.error.code).toBe('REVOKE_LIMIT_REACHED');
    expect(!third.ok && third.error.detail?.['nextRevokeAllowedOn']).toBe(new Date(Math.min(expiries[0]!, expiries[1]!)).toISOString());
    // The slot frees when the revoked CAL would have expired.
    h.clock.set(new Date(Math.min(expiries[0]!, expiries[1]!) + 1000));
    const later = await h.ls.useCases.revoke({ device: 'h-pc-3' });
    expect(later.ok).toBe(true);
    const user = await h.ls.useCases.revoke({ device: 'nobody' });
    expect(!user.ok && user.error.code).toBe('CAL_NOT_FOUND');
  });

  it('migration code: 45 characters naming this server, the source and the reason, checkable by the clearinghouse only', async () => {
    await activatedWithPack(h, []);
    const source = await startLicenseServer(await tdb.open(licenseServerMigrations), { ch: h.ch, clock: h.clock });
    const r = await h.ls.useCases.makeMigrationCode({ reason: 'reinstalled', sourceId: source.ls.serverId });
    await source.close();
    if (!r.ok) throw new Error(r.error.message);
    const decoded = decodeCode(r.value.migrationCode, 'migrationCode');
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(decoded.value.fields).toMatchObject({ target: serverIdPrefix(h.ls.serverId), source: serverIdPrefix(source.ls.serverId, 40), reason: 'reinstalled' });
    expect(verifyCodeMac(decoded.value, h.ch.macKeyFor(h.ls)).ok).toBe(true);
    const bad = await h.ls.useCases.makeMigrationCode({ reason: 'reinstalled', sourceId: 'BCDFG-HJKMP' });
    expect(!bad.ok && bad.error.code).toBe('CODE_WRONG_LENGTH');
  });

  it('deactivation gives a 35-character receipt for this server, and a deactivated server issues nothing', async () => {
    await activatedWithPack(h, [{ packNumber: 5, count: 10 }]);
    const r = await h.ls.useCases.deactivate();
    if (!r.ok) throw new Error(r.error.message);
    const decoded = decodeCode(r.value.receipt, 'deactivationReceipt');
    expect(decoded.ok && decoded.value.fields.server).toBe(serverIdPrefix(h.ls.serverId));
    // The receipt binds the activation it ends (serial 1, the phone confirmation's), and no other.
    expect(decoded.ok && verifyCodeMac(decoded.value, h.ch.macKeyFor(h.ls), { activationSerial: 1 }).ok).toBe(true);
    expect(decoded.ok && verifyCodeMac(decoded.value, h.ch.macKeyFor(h.ls), { activationSerial: 2 }).ok).toBe(false);
    const cal = await h.ls.useCases.requestCal('host', { ...device(1), mode: 'per-device', hostVersion: 2019 });
    expect(!cal.ok && cal.error.code).toBe('LICENSE_SERVER_DEACTIVATED');
    const re = await h.ls.useCases.reactivate({ reason: 'redeployed', method: 'phone', confirmation: h.ch.confirmation(h.ls, 2) });
    expect(re.ok && re.value.status).toBe('activated');
  });

  it('rebuild guard: without the clearinghouse confirming it holds the packs, a rebuild is refused unless forced; forced, it keeps the ID', async () => {
    await activatedWithPack(h, [{ packNumber: 5, count: 10 }]);
    await connectTwice(h.ls, 'host', device(1));
    const refused = await h.ls.useCases.rebuild({});
    expect(!refused.ok && refused.error.code).toBe('REBUILD_WOULD_LOSE_PACKS');
    expect((await h.ls.useCases.listKeyPacks()).length).toBe(1);
    const forced = await h.ls.useCases.rebuild({ force: true });
    expect(forced.ok && forced.value).toMatchObject({ keyPacksRemoved: 1, issuedRemoved: 2, forced: true, serverId: h.ls.serverId });
    const status = await h.ls.useCases.status();
    expect([status.serverId, status.activation.status, status.keyPacks.length]).toEqual([h.ls.serverId, 'unactivated', 0]);
  });

  it('a web/phone activation past its validity stops permanent issuance until reactivated', async () => {
    await activatedWithPack(h, [{ packNumber: 5, count: 10 }]);
    h.clock.advance(400 * DAY_MS);
    expect((await h.ls.useCases.status()).activation.expired).toBe(true);
    const r = await connectTwice(h.ls, 'host', device(1));
    expect(r.ok && r.value.kind).toBe('temporary');
  });

  it('over HTTP: owner scopes, one-time join tokens, the allow-list refusing other hosts with event 4141, CSV export', async () => {
    await activatedWithPack(h, [{ packNumber: 5, count: 10 }]);
    const app = await buildServer({ components: [h.ls.module], logger: false });
    const adminAuth = { authorization: 'Bearer ls-admin-token-for-tests' };
    try {
      expect((await app.inject({ method: 'GET', url: '/ls/v1/status' })).statusCode).toBe(401);
      const identity = (await app.inject({ method: 'GET', url: '/ls/v1/identity' })).json();
      expect(identity).toMatchObject({ serverId: h.ls.serverId, productId: h.ls.productId, version: 2019 });
      const join = (await app.inject({ method: 'POST', url: '/ls/v1/hosts', headers: adminAuth, payload: { name: 'rdsh-01' } })).json();
      const enrolled = await app.inject({ method: 'POST', url: '/ls/v1/hosts/enroll', payload: { joinToken: join.joinToken, name: 'rdsh-01' } });
      expect(enrolled.statusCode).toBe(200);
      const again = await app.inject({ method: 'POST', url: '/ls/v1/hosts/enroll', payload: { joinToken: join.joinToken, name: 'rdsh-02' } });
      expect(again.json().error.code).toBe('JOIN_TOKEN_USED');
      const hostAuth = { authorization: `Bearer ${enrolled.json().token}` };
      // A host token cannot administer; an admin token cannot request CALs.
      expect((await app.inject({ method: 'GET', url: '/ls/v1/status', headers: hostAuth })).statusCode).toBe(403);
      expect((await app.inject({ method: 'POST', url: '/ls/v1/cals', headers: adminAuth, payload: { ...device(1), mode: 'per-device', hostVersion: 2019 } })).statusCode).toBe(403);
      const cal = await app.inject({ method: 'POST', url: '/ls/v1/cals', headers: hostAuth, payload: { ...device(1), mode: 'per-device', hostVersion: 2019 } });
      expect(cal.json()).toMatchObject({ kind: 'temporary', serverId: h.ls.serverId });
      const bad = await app.inject({ method: 'POST', url: '/ls/v1/cals', headers: hostAuth, payload: { ...device(1), mode: 'per-device', hostVersion: 2018 } });
      expect(bad.json().error.code).toBe('INVALID_REQUEST');

      await app.inject({ method: 'PUT', url: '/ls/v1/hosts/allow-list', headers: adminAuth, payload: { enabled: true, hosts: ['rdsh-99'] } });
      const refused = await app.inject({ method: 'POST', url: '/ls/v1/cals', headers: hostAuth, payload: { ...device(2), mode: 'per-device', hostVersion: 2019 } });
      expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'HOST_NOT_ALLOWED']);
      expect((await queryEvents(h.ls.database.db, { eventId: 4141 }))[0]?.data).toEqual({ host: 'rdsh-01' });
      await app.inject({ method: 'PUT', url: '/ls/v1/hosts/allow-list', headers: adminAuth, payload: { enabled: true, hosts: ['rdsh-01'] } });
      expect((await app.inject({ method: 'POST', url: '/ls/v1/cals', headers: hostAuth, payload: { ...device(2), mode: 'per-device', hostVersion: 2019 } })).statusCode).toBe(200);

      const csv = await app.inject({ method: 'GET', url: '/ls/v1/issued?format=csv&type=temporary', headers: adminAuth });
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.body.split('\n')[0]).toBe('id,kind,calType,calVersion,pack,device,hwid,user,host,issuedAt,expiresAt,validated,status,revokedAt,overAllocated');
      expect(csv.body.trim().split('\n')).toHaveLength(3);
      const revoke = await app.inject({ method: 'POST', url: '/ls/v1/issued/revoke', headers: adminAuth, payload: { device: 'h-pc-1' } });
      expect(revoke.json().error.code).toBe('CAL_NOT_FOUND');
    } finally {
      await app.close();
    }
  });
});
