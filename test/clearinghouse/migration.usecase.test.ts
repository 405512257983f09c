import { beforeEach, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/clock';
import { decodeCode, verifyCodeMac } from '../../src/core/codes/index';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import type { Database } from '../../src/storage/database';
import { createKeySet, verifyJws } from '../../src/trust/index';
import { describeEachDatabase } from '../helpers/databases';
import { activate, agent, checkIn, FakeLicenseServer, install, orgWithPack, payloadOf, startClearinghouse, type Harness } from './fixtures';

describeEachDatabase('clearinghouse migration and reissue', (tdb) => {
  let database: Database;
  let h: Harness;
  let oldLs: FakeLicenseServer;
  let newLs: FakeLicenseServer;
  let pack: Awaited<ReturnType<typeof orgWithPack>>;

  /** The source document's starting point: the pack is installed on the old license server, which is then reinstalled. */
  beforeEach(async () => {
    database = await tdb.open(clearinghouseMigrations);
    h = await startClearinghouse(database);
    pack = await orgWithPack(h);
    oldLs = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, oldLs, pack.orgToken);
    expect((await install(h, oldLs, pack.packKey)).status).toBe(200);
    await checkIn(h, oldLs);
    h.clock.advance(2 * DAY_MS);
    newLs = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, newLs, pack.orgToken);
  });

  const migrate = async (body: Record<string, unknown> = {}) =>
    h.call(
      'POST',
      '/portal/migrate',
      { migrationCode: newLs.migrationCode('reinstalled'), packKey: pack.packKey, program: 'select', agreementNumber: '1234567', calType: 'device', calVersion: 2019, ...body },
      pack.orgToken,
    );

  it('when the pack is already installed elsewhere, installing it on the new server is refused as already activated, naming the old server', async () => {
    const r = await install(h, newLs, pack.packKey);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('PACK_ALREADY_ACTIVATED');
    expect(r.body.error.message).toContain(oldLs.serverId);
    expect(r.body.error.message).toMatch(/migration code/);
    expect(r.body.error.detail.serverId).toBe(oldLs.serverId);
  });

  it("the source document's path: migration is Pending while the old server checks in, an agent approves, the new server gets its key pack ID and the old grant is revoked", async () => {
    const submitted = await migrate();
    expect(submitted.status).toBe(200);
    const c = submitted.body.case;
    expect(c.caseNumber).toMatch(/^CH-\d{6}$/);
    expect(c.status).toBe('pending');
    expect(c.decisionReasons.map((r: { code: string }) => r.code)).toEqual(['SOURCE_CHECKED_IN_RECENTLY']);
    expect(c.evidence.source).toMatchObject({ serverId: oldLs.serverId, status: 'activated', holdsPack: true, receipt: false });
    expect(c.evidence.sourceLastCheckIn).toBe(new Date(h.clock.now().getTime() - 2 * DAY_MS).toISOString());
    expect(c.evidence.organizationMatch).toBe(true);
    expect(c.evidence.earlierTransfers).toEqual([]);
    expect(c.keyPackId).toBeUndefined();

    const agentToken = await agent(h);
    const queue = await h.call('GET', '/cases?status=pending', undefined, agentToken);
    expect(queue.body.cases.map((x: { caseNumber: string }) => x.caseNumber)).toEqual([c.caseNumber]);

    const approved = await h.call('POST', `/cases/${c.caseNumber}/approve`, { reason: 'caller confirmed the old server was reinstalled' }, agentToken);
    expect(approved.status).toBe(200);
    expect(approved.body.case.status).toBe('approved');
    const keyPackId = approved.body.case.keyPackId as string;
    const decoded = decodeCode(keyPackId, 'keyPackId');
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(verifyCodeMac(decoded.value, newLs.macKey()).ok).toBe(true);
    expect(verifyCodeMac(decoded.value, oldLs.macKey()).ok).toBe(false);
    expect(decoded.value.fields).toMatchObject({ packNumber: pack.packNumber, calType: 'device', calVersion: 2019, count: 10, program: 'select', grantSeq: 2 });

    const keys = createKeySet([{ kid: (await h.call('GET', '/trust')).body.keys[0].kid, publicKey: h.rootPublicRaw }]);
    const list = await verifyJws<any>((await h.call('GET', '/revocations')).body.list, keys, 'opencal.revocations');
    expect(list.ok && list.value.payload.grants).toEqual([expect.objectContaining({ serverId: oldLs.serverId, pack: pack.packNumber, seq: 1, caseNumber: c.caseNumber })]);

    const delivered = await checkIn(h, newLs);
    expect(delivered.body.grants.map((g: string) => payloadOf(g))).toEqual([expect.objectContaining({ sub: newLs.serverId, pack: pack.packNumber, seq: 2 })]);
    expect((await checkIn(h, oldLs)).body.grants).toEqual([]);

    const audit = await h.call('GET', '/audit/verify', undefined, agentToken);
    expect(audit.body).toMatchObject({ ok: true });
    const trail = await h.ch.useCases.auditOf(c.caseNumber);
    expect(trail.map((r) => r.action)).toEqual(['case.opened', 'case.approved']);
  });

  it('with a deactivation receipt from the old server, the migration is approved at once, with no agent', async () => {
    const receipt = oldLs.receipt();
    const r = await migrate({ receipt });
    expect(r.body.case.status).toBe('approved');
    expect(r.body.case.decidedBy).toBe('clearinghouse');
    expect(r.body.case.evidence.source).toMatchObject({ serverId: oldLs.serverId, receipt: true });
    expect(r.body.case.keyPackId).toBeDefined();
    const servers = await h.call('GET', '/servers', undefined, pack.orgToken);
    expect(servers.body.servers.find((s: { serverId: string }) => s.serverId === oldLs.serverId).status).toBe('deactivated');
    expect((await h.call('GET', '/audit/verify', undefined, h.adminToken)).body.ok).toBe(true);
  });

  it('after the old server deactivated itself, the migration is approved at once', async () => {
    expect((await h.call('POST', '/servers/deactivate', await oldLs.signed('deactivate', {}))).status).toBe(200);
    const r = await migrate();
    expect(r.body.case.status).toBe('approved');
  });

  it('when the old server has been silent past the threshold, the migration is approved at once', async () => {
    h.clock.advance(31 * DAY_MS);
    const r = await migrate();
    expect(r.body.case.status).toBe('approved');
    expect(r.body.case.decisionReasons).toEqual([]);
  });

  it.each([
    ['CAL_TYPE_MISMATCH', { calType: 'user' }],
    ['CAL_VERSION_MISMATCH', { calVersion: 2022 }],
    ['PROGRAM_MISMATCH', { program: 'enterprise' }],
    ['PROGRAM_DATA_MISMATCH', { agreementNumber: '7654321' }],
  ])('a migration stating the wrong %s is refused with its code and nothing changes', async (code, change) => {
    const before = await h.call('GET', '/cases', undefined, pack.orgToken);
    const r = await migrate(change);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe(code);
    expect((await h.call('GET', '/cases', undefined, pack.orgToken)).body.cases).toEqual(before.body.cases);
    expect((await install(h, newLs, pack.packKey)).body.error.code).toBe('PACK_ALREADY_ACTIVATED');
  });

  it('a mistyped migration code or pack key is refused before any lookup, with the bad group', async () => {
    const code = newLs.migrationCode();
    const typo = (code[0] === 'B' ? 'C' : 'B') + code.slice(1);
    const r = await migrate({ migrationCode: typo });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toMatch(/^CODE_/);
    const k = await migrate({ packKey: 'BBBBB-BBBBB-BBBBB-BBBBB-BBBBB' });
    expect(k.body.error.code).toMatch(/^CODE_|PACK_KEY_UNKNOWN/);
  });

  it('a migration code made for another clearinghouse key (forged MAC) is refused as CODE_MAC_INVALID', async () => {
    const forger = new FakeLicenseServer(h.clock, new FakeLicenseServer(h.clock, h.rootPublicRaw).identity.publicKeyRaw);
    Object.assign(forger, { identity: newLs.identity, serverId: newLs.serverId });
    const r = await migrate({ migrationCode: forger.migrationCode() });
    expect(r.body.error.code).toBe('CODE_MAC_INVALID');
  });

  it('a migration to a server that cannot host the CAL version is refused as VERSION_NOT_HOSTABLE', async () => {
    const old2016 = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, old2016, pack.orgToken, 2016);
    const r = await h.call(
      'POST',
      '/portal/migrate',
      { migrationCode: old2016.migrationCode(), packKey: pack.packKey, program: 'select', agreementNumber: '1234567', calType: 'device', calVersion: 2019 },
      pack.orgToken,
    );
    expect(r.body.error.code).toBe('VERSION_NOT_HOSTABLE');
  });

  it('repeating an identical migration returns the same case, before and after approval', async () => {
    const code = newLs.migrationCode();
    const body = { migrationCode: code, packKey: pack.packKey, program: 'select', agreementNumber: '1234567', calType: 'device', calVersion: 2019 };
    const first = await h.call('POST', '/portal/migrate', body, pack.orgToken);
    const again = await h.call('POST', '/portal/migrate', body, pack.orgToken);
    expect(again.body.case).toEqual(first.body.case);
    const agentToken = await agent(h);
    await h.call('POST', `/cases/${first.body.case.caseNumber}/approve`, { reason: 'ok' }, agentToken);
    const third = await h.call('POST', '/portal/migrate', body, pack.orgToken);
    expect(third.body.case.caseNumber).toBe(first.body.case.caseNumber);
    expect(third.body.case.status).toBe('approved');
    expect((await h.call('GET', '/cases', undefined, agentToken)).body.cases).toHaveLength(1);
  });

  it('an agent can reject a pending case with a reason; the pack stays where it was', async () => {
    const c = (await migrate()).body.case;
    const agentToken = await agent(h);
    expect((await h.call('POST', `/cases/${c.caseNumber}/reject`, { reason: '' }, agentToken)).status).toBe(400);
    const r = await h.call('POST', `/cases/${c.caseNumber}/reject`, { reason: 'the old server is still in use' }, agentToken);
    expect(r.body.case).toMatchObject({ status: 'rejected', decisionNote: 'the old server is still in use' });
    expect((await h.call('POST', `/cases/${c.caseNumber}/approve`, { reason: 'changed my mind' }, agentToken)).body.error.code).toBe('CASE_ALREADY_DECIDED');
    expect((await install(h, oldLs, pack.packKey)).status).toBe(200);
  });

  it('the transfer budget: a third reissue within a year goes to an agent', async () => {
    const agentToken = await agent(h);
    let from = oldLs;
    for (let i = 0; i < 2; i++) {
      const to = new FakeLicenseServer(h.clock, h.rootPublicRaw);
      await activate(h, to, pack.orgToken);
      const r = await h.call(
        'POST',
        '/phone/reissue',
        { serverId: to.serverId, packKey: pack.packKey, program: 'select', agreementNumber: '1234567', calType: 'device', calVersion: 2019, reason: `move ${i}` },
        agentToken,
      );
      expect(r.body.case.status).toBe('approved');
      from = to;
    }
    h.clock.advance(40 * DAY_MS);
    void from;
    const r = await migrate();
    expect(r.body.case.status).toBe('pending');
    expect(r.body.case.decisionReasons.map((x: { code: string }) => x.code)).toEqual(['TRANSFER_BUDGET_EXCEEDED']);
    expect(r.body.case.evidence.earlierTransfers).toHaveLength(2);
  });

  it('phone reissue by an agent with the migration code read over the phone approves the pending portal case', async () => {
    const code = newLs.migrationCode();
    const pending = (await migrate({ migrationCode: code })).body.case;
    const agentToken = await agent(h);
    const r = await h.call(
      'POST',
      '/phone/reissue',
      { migrationCode: code, packKey: pack.packKey, program: 'select', agreementNumber: '1234567', calType: 'device', calVersion: 2019, reason: 'caller: server reinstalled' },
      agentToken,
    );
    expect(r.status).toBe(200);
    expect(r.body.case).toMatchObject({ caseNumber: pending.caseNumber, status: 'approved', decidedBy: expect.stringMatching(/^agent:/) });
    expect(r.body.keyPackId).toBe(r.body.case.keyPackId);
  });

  it('a tampered audit row is detected at its sequence number', async () => {
    await migrate({ receipt: oldLs.receipt() });
    expect((await h.call('GET', '/audit/verify', undefined, h.adminToken)).body.ok).toBe(true);
    const rows = await database.db.selectFrom('ch_audit').select(['seq', 'action']).orderBy('seq').execute();
    const target = rows.find((r: { action: string }) => r.action === 'pack.installed')!;
    await database.db.updateTable('ch_audit').set({ data: '{"serverId":"someone-else"}' }).where('seq', '=', target.seq).execute();
    const verify = await h.call('GET', '/audit/verify', undefined, h.adminToken);
    expect(verify.body).toMatchObject({ ok: false, firstBroken: { seq: Number(target.seq), problem: 'hash-mismatch' } });
    const events = await h.call('GET', '/events?eventId=9013', undefined, h.adminToken);
    expect(events.body.events).toHaveLength(1);
  });

  it('an old server still issuing CALs from its invalidated grant opens a flagged phantom case', async () => {
    await migrate({ receipt: undefined });
    h.clock.advance(31 * DAY_MS);
    const c = (await migrate()).body.case;
    expect(c.status).toBe('approved');
    await checkIn(h, oldLs, [{ pack: pack.packNumber, seq: 1, issued: 4 }]);
    const agentToken = await agent(h);
    const flagged = (await h.call('GET', '/cases?kind=phantom', undefined, agentToken)).body.cases;
    expect(flagged).toEqual([expect.objectContaining({ kind: 'phantom', flagged: true, status: 'pending', sourceServerId: oldLs.serverId })]);
  });
});
