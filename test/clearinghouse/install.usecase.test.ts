import { beforeEach, expect, it } from 'vitest';
import { decodeCode, verifyCodeMac } from '../../src/core/codes/index';
import { createClearinghouse } from '../../src/clearinghouse/module';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import type { Database } from '../../src/storage/database';
import { generateIdentity } from '../../src/trust/index';
import { describeEachDatabase } from '../helpers/databases';
import { activate, FakeLicenseServer, install, payloadOf, random, type Harness, clearinghouseWithPack, type OrgWithPack } from './fixtures';

describeEachDatabase('clearinghouse install', (tdb) => {
  let database: Database;
  let h: Harness;
  let pack: OrgWithPack;

  beforeEach(async () => {
    ({ database, h, pack } = await clearinghouseWithPack(tdb));
  });

  it('an activated server installing a pack receives a grant signed by the clearinghouse', async () => {
    const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, ls, pack.orgToken);
    const r = await install(h, ls, pack.packKey);
    expect(r.status).toBe(200);
    expect(r.body.keyPack).toEqual({ pack: pack.packNumber, seq: 1, program: 'select', calType: 'device', calVersion: 2019, count: 10 });
    expect(payloadOf(r.body.grant)).toMatchObject({ typ: 'opencal.grant', sub: ls.serverId, pack: pack.packNumber, seq: 1 });
  });

  it('installing the same pack again on the same server re-delivers the same grant (the rebuild case)', async () => {
    const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, ls, pack.orgToken);
    const first = await install(h, ls, pack.packKey);
    const again = await install(h, ls, pack.packKey);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  it('50 concurrent installs of one pack from 50 servers: exactly one succeeds, the others are refused as already activated', async () => {
    const servers = Array.from({ length: 50 }, () => new FakeLicenseServer(h.clock, h.rootPublicRaw));
    for (const ls of servers) await activate(h, ls, pack.orgToken);
    const requests = await Promise.all(servers.map((ls) => ls.signed('install', { packKey: pack.packKey, agreementNumber: '1234567' })));
    const results = await Promise.all(requests.map((body) => h.call('POST', '/servers/install', body)));
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    const holder = payloadOf(winners[0]!.body.grant).sub as string;
    const losers = results.filter((r) => r.status !== 200);
    expect(losers).toHaveLength(49);
    for (const l of losers) {
      expect(l.body.error.code).toBe('PACK_ALREADY_ACTIVATED');
      expect(l.body.error.detail.serverId).toBe(holder);
    }
    const grants = await database.db.selectFrom('ch_grants').selectAll().execute();
    expect(grants).toHaveLength(1);
    expect((await h.call('GET', '/audit/verify', undefined, h.adminToken)).body).toMatchObject({ ok: true });
  });

  it('the database itself refuses a second active grant for one pack', async () => {
    const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, ls, pack.orgToken);
    await install(h, ls, pack.packKey);
    await expect(
      database.db
        .insertInto('ch_grants')
        .values({ pack_number: pack.packNumber, seq: 7, server_id: ls.serverId, status: 'active', jws: 'x', key_pack_id: null, issued_at: 'now', ended_at: null, case_number: null })
        .execute(),
    ).rejects.toThrow();
    await expect(database.db.updateTable('ch_packs').set({ server_id: null }).where('number', '=', pack.packNumber).execute()).rejects.toThrow();
  });

  it('a server of an older version cannot host a newer CAL version: VERSION_NOT_HOSTABLE', async () => {
    const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, ls, pack.orgToken, 2016);
    const r = await install(h, ls, pack.packKey);
    expect(r.body.error.code).toBe('VERSION_NOT_HOSTABLE');
    expect(r.body.error.message).toMatch(/own version or older/);
  });

  it('wrong program data is refused as PROGRAM_DATA_MISMATCH; an unknown key as PACK_KEY_UNKNOWN; a typo before any lookup', async () => {
    const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, ls, pack.orgToken);
    expect((await install(h, ls, pack.packKey, { agreementNumber: '7654321' })).body.error.code).toBe('PROGRAM_DATA_MISMATCH');
    const other = await createClearinghouse({ database: await tdb.open(clearinghouseMigrations), clock: h.clock, random, identity: generateIdentity(), adminToken: 'another-admin-token-123' });
    const otherOrg = await other.useCases.createOrganization({ name: 'x' }, 'test');
    const foreign = await other.useCases.createPack(
      { orgId: otherOrg.ok ? otherOrg.value.orgId : null, program: 'select', programData: { agreementNumber: '1234567' }, calType: 'device', calVersion: 2019, count: 1 },
      'test',
    );
    expect((await install(h, ls, foreign.ok ? foreign.value.packKey : '')).body.error.code).toBe('PACK_KEY_UNKNOWN');
    const typo = await install(h, ls, pack.packKey.slice(0, -1) + (pack.packKey.endsWith('B') ? 'C' : 'B'));
    expect(typo.body.error.code).toMatch(/^CODE_/);
  });

  it('a server that is not activated cannot install packs', async () => {
    const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    const r = await install(h, ls, pack.packKey);
    expect(r.body.error.code).toBe('LICENSE_SERVER_NOT_ACTIVATED');
  });

  it('web install through the portal answers a key pack ID made for that server only', async () => {
    const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    const web = await h.call('POST', '/portal/activate', { productId: ls.productId, company: { firstName: 'A', lastName: 'B', company: 'C', country: 'FR' }, serverVersion: 2022 }, pack.orgToken);
    expect(web.status).toBe(200);
    const r = await h.call('POST', '/portal/install', { serverId: ls.serverId.replace(/-/g, '').toLowerCase(), packKey: pack.packKey, agreementNumber: '1234567' }, pack.orgToken);
    expect(r.status).toBe(200);
    const d = decodeCode(r.body.keyPackId, 'keyPackId');
    expect(d.ok && verifyCodeMac(d.value, ls.macKey()).ok).toBe(true);
    expect(d.ok && d.value.fields).toMatchObject({ packNumber: pack.packNumber, grantSeq: 1, count: 10 });
  });

  it('packs are created with valid program data only, and the key is stored hashed', async () => {
    const bad = await h.call('POST', '/packs', { orgId: pack.orgId, program: 'open', licenseNumber: '123', authorizationNumber: 'X', calType: 'user', calVersion: 2022, count: 5 }, h.adminToken);
    expect(bad.body.error.code).toBe('PROGRAM_DATA_INVALID');
    const good = await h.call(
      'POST',
      '/packs',
      { orgId: pack.orgId, program: 'open', licenseNumber: '12345678', authorizationNumber: 'ABCDE12345FGHIJ', calType: 'user', calVersion: 2022, count: 5 },
      h.adminToken,
    );
    expect(good.body.packNumber).toBe(pack.packNumber + 1);
    const rows = await database.db.selectFrom('ch_packs').select(['key_hash']).execute();
    for (const r of rows) expect(r.key_hash).toMatch(/^[0-9a-f]{64}$/);
    const asOrg = await h.call('GET', '/packs', undefined, pack.orgToken);
    expect(asOrg.body.packs).toHaveLength(2);
    expect(JSON.stringify(asOrg.body)).not.toContain(good.body.packKey);
    expect((await h.call('POST', '/packs', { program: 'retail', calType: 'device', calVersion: 2019, count: 1 }, pack.orgToken)).status).toBe(403);
  });
});
