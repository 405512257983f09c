/**
 * Codes with a life (issue 13, docs/codes.md): a deactivation receipt binds the activation it ends, so the receipt
 * from before a same-day reactivation is refused with its own code; a migration code expires (30 days by default,
 * configurable), and an expired one — dated 2020 — is refused before any case is opened.
 */
import { expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/clock';
import { dayNumber, encodeCode, serverIdPrefix } from '../../src/core/codes/index';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import { describeEachDatabase } from '../helpers/databases';
import { activate, FakeLicenseServer, install, orgWithPack, startClearinghouse, type Harness } from './fixtures';

describeEachDatabase('codes with a life', (tdb) => {
  async function started(config: { migrationCodeDays?: number } = {}) {
    const h = await startClearinghouse(await tdb.open(clearinghouseMigrations), { config });
    const pack = await orgWithPack(h);
    const oldLs = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, oldLs, pack.orgToken);
    return { h, pack, oldLs };
  }

  const serverStatus = async (h: Harness, token: string, serverId: string) =>
    (await h.call('GET', '/servers', undefined, token)).body.servers.find((s: { serverId: string }) => s.serverId === serverId).status as string;

  it('a deactivation receipt from before a same-day reactivation is refused as ending an earlier activation, and the server stays activated', async () => {
    const { h, pack, oldLs } = await started();
    const firstSerial = oldLs.activationSerial;
    // Deactivated (its receipt binds this activation), then activated again the same day.
    const staleReceipt = oldLs.receipt();
    expect((await h.call('POST', '/portal/deactivate', { receipt: staleReceipt }, pack.orgToken)).body.status).toBe('deactivated');
    h.clock.advance(60 * 60 * 1000);
    await activate(h, oldLs, pack.orgToken);
    expect(oldLs.activationSerial).toBeGreaterThan(firstSerial);

    const again = await h.call('POST', '/portal/deactivate', { receipt: staleReceipt }, pack.orgToken);
    expect(again.status).toBe(422);
    expect(again.body.error.code).toBe('RECEIPT_FOR_EARLIER_ACTIVATION');
    expect(again.body.error.message).toContain(oldLs.serverId);
    expect(await serverStatus(h, pack.orgToken, oldLs.serverId)).toBe('activated');

    // The receipt of the current activation ends it.
    const current = await h.call('POST', '/portal/deactivate', { receipt: oldLs.receipt() }, pack.orgToken);
    expect(current.body.status).toBe('deactivated');
  });

  const submit = (h: Harness, code: string, packKey: string, orgToken: string) =>
    h.call('POST', '/portal/migrate', { migrationCode: code, packKey, program: 'select', agreementNumber: '1234567', calType: 'device', calVersion: 2019 }, orgToken);
  const codeDated = (ls: FakeLicenseServer, day: number) =>
    encodeCode('migrationCode', { target: serverIdPrefix(ls.serverId), source: 0n, reason: 'reinstalled', day }, ls.macKey());

  async function reinstalled(config: { migrationCodeDays?: number } = {}) {
    const s = await started(config);
    expect((await install(s.h, s.oldLs, s.pack.packKey)).status).toBe(200);
    const newLs = new FakeLicenseServer(s.h.clock, s.h.rootPublicRaw);
    await activate(s.h, newLs, s.pack.orgToken);
    return { ...s, newLs };
  }

  it('a migration code dated 2020 is refused as expired before any case is opened', async () => {
    const { h, pack, newLs } = await reinstalled();
    const r = await submit(h, codeDated(newLs, 10), pack.packKey, pack.orgToken);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('CODE_EXPIRED');
    expect(r.body.error.detail).toMatchObject({ madeOn: '2020-01-11', maxAgeDays: 30 });
    expect((await h.call('GET', '/cases', undefined, h.adminToken)).body.cases).toEqual([]);
    expect((await h.call('GET', '/events?eventId=9007', undefined, h.adminToken)).body.events).toEqual([]);
  });

  it('a migration code lives 30 days by default: on its 30th day it opens a case, on its 31st it is expired', async () => {
    const { h, pack, newLs } = await reinstalled();
    const today = dayNumber(h.clock.now());
    const old = await submit(h, codeDated(newLs, today - 31), pack.packKey, pack.orgToken);
    expect(old.body.error?.code).toBe('CODE_EXPIRED');
    const fresh = await submit(h, codeDated(newLs, today - 30), pack.packKey, pack.orgToken);
    expect(fresh.status).toBe(200);
    expect(fresh.body.case.caseNumber).toMatch(/^CH-\d{6}$/);
  });

  it('the lifetime of migration codes is clearinghouse configuration', async () => {
    const { h, pack, newLs } = await reinstalled({ migrationCodeDays: 60 });
    const r = await submit(h, codeDated(newLs, dayNumber(h.clock.now()) - 45), pack.packKey, pack.orgToken);
    expect(r.status).toBe(200);
    h.clock.advance(DAY_MS);
    const expired = await submit(h, codeDated(newLs, dayNumber(h.clock.now()) - 61), pack.packKey, pack.orgToken);
    expect(expired.body.error.code).toBe('CODE_EXPIRED');
    expect(expired.body.error.detail.maxAgeDays).toBe(60);
  });
});
