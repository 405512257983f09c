/**
 * The seed's journey against the real clearinghouse, in process, over real HTTP (127.0.0.1, port 0):
 * auto activation, install by pack key, "already activated" on the reinstalled server, migration code,
 * phone reissue, key pack ID install, grant delivered at check-in, the old server's pack invalidated
 * (event 89), the rebuild guard and the automatic restore after a rebuild.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock';
import { createClearinghouse } from '../../src/clearinghouse/module';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import { queryEvents } from '../../src/events/event-log';
import { buildServer, type TypedApp } from '../../src/http/server';
import { callJson } from '../../src/http/client';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { randomBytes } from '../../src/platform/random';
import { generateIdentity } from '../../src/trust/index';
import { describeEachDatabase } from '../helpers/databases';
import { connectTwice, device, START, startLicenseServer, type Harness } from './harness';

describeEachDatabase('license server with the real clearinghouse', (tdb) => {
  let clock: ManualClock;
  let app: TypedApp;
  let url: string;
  let admin: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    clock = new ManualClock(START);
    const database = await tdb.open(clearinghouseMigrations);
    const ch = await createClearinghouse({ database, clock, random: randomBytes, identity: generateIdentity(), adminToken: 'ch-admin-token-for-tests' });
    admin = 'ch-admin-token-for-tests';
    app = await buildServer({ components: [ch.module], logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
    await app.close();
  });

  async function licenseServer(dataDir?: string): Promise<Harness> {
    const database = await tdb.open(licenseServerMigrations);
    const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'opencal-ls-'));
    const h = await startLicenseServer(database, { clock, clearinghouseUrl: url, dataDir: dir });
    cleanups.push(async () => {
      await h.close();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    });
    return h;
  }

  async function post<T>(path: string, token: string, body: unknown): Promise<T> {
    const r = await callJson<T>(url, 'POST', `/ch/v1${path}`, { token, body });
    if (!r.ok) throw new Error(`${path}: ${r.error.code} ${r.error.message}`);
    return r.value;
  }

  const company = { firstName: 'Claire', lastName: 'Martin', company: 'Contoso', country: 'FR' };

  it('reinstall, "already activated", migration code, phone reissue, grant at check-in, old pack invalidated, rebuild guard and restore', async () => {
    const org = await post<{ orgId: string; token: string }>('/orgs', admin, { name: 'Contoso' });
    const agent = await post<{ token: string }>('/agents', admin, { name: 'desk' });
    const pack = await post<{ packNumber: number; packKey: string }>('/packs', admin, { orgId: org.orgId, program: 'retail', calType: 'device', calVersion: 2019, count: 10 });

    // The old license server: auto activation and install by pack key.
    const old = await licenseServer();
    const act = await old.ls.useCases.activate({ method: 'auto', orgToken: org.token, company });
    expect(act.ok && act.value).toMatchObject({ status: 'activated', method: 'auto', certificate: true });
    const installed = await old.ls.useCases.installByPackKey({ packKey: pack.packKey });
    expect(installed.ok && installed.value).toMatchObject({ pack: pack.packNumber, total: 10, available: 10, grant: true, status: 'active' });
    const cal = await connectTwice(old.ls, 'rdsh', device(1));
    expect(cal.ok && cal.value.kind).toBe('permanent');
    expect(cal.ok && cal.value.bundle.grant && cal.value.bundle.certificate).toBeTruthy();

    // The reinstalled server: a new data directory is a new license server ID; the pack key is "already activated".
    const fresh = await licenseServer();
    expect(fresh.ls.serverId).not.toBe(old.ls.serverId);
    expect((await fresh.ls.useCases.activate({ method: 'auto', orgToken: org.token, company })).ok).toBe(true);
    const refused = await fresh.ls.useCases.installByPackKey({ packKey: pack.packKey });
    expect(!refused.ok && refused.error.code).toBe('PACK_ALREADY_ACTIVATED');
    expect(!refused.ok && refused.error.message).toContain(old.ls.serverId);

    // Migration code on the new server, reissue by the agent on the phone, key pack ID typed in.
    const code = await fresh.ls.useCases.makeMigrationCode({ reason: 'reinstalled', sourceId: old.ls.serverId });
    if (!code.ok) throw new Error(code.error.message);
    expect(code.value.migrationCode.replace(/-/g, '')).toHaveLength(45);
    const reissue = await post<{ keyPackId: string }>('/phone/reissue', agent.token, {
      migrationCode: code.value.migrationCode, packKey: pack.packKey, program: 'retail', calType: 'device', calVersion: 2019, reason: 'reinstalled, old database lost',
    });
    const byId = await fresh.ls.useCases.installByKeyPackId({ keyPackId: reissue.keyPackId, method: 'phone' });
    expect(byId.ok && byId.value).toMatchObject({ pack: pack.packNumber, total: 10, grant: false, method: 'phone' });
    const checked = await fresh.ls.checkIn();
    expect(checked.ok && checked.value.grantsReceived).toBe(1);
    expect((await fresh.ls.useCases.listKeyPacks())[0]?.grant).toBe(true);

    // The old server still has the pack locally, but the clearinghouse no longer holds it for it: rebuild refused.
    const guard = await old.ls.useCases.rebuild({});
    expect(!guard.ok && guard.error.code).toBe('REBUILD_WOULD_LOSE_PACKS');

    // At its check-in the old server learns of the reissue: the pack stops issuing (event 89).
    const oldCheck = await old.ls.checkIn();
    expect(oldCheck.ok && oldCheck.value.keyPacksInvalidated.map((p) => p.pack)).toEqual([pack.packNumber]);
    expect((await old.ls.useCases.listKeyPacks())[0]?.status).toBe('invalidated');
    expect((await queryEvents(old.ls.database.db, { eventId: 89 })).length).toBe(1);
    const after = await old.ls.useCases.requestCal('rdsh', { ...device(2), mode: 'per-device', hostVersion: 2019 });
    expect(after.ok && after.value.kind).toBe('temporary');

    // Nothing left to lose: the rebuild wipes, keeps the ID, and restores the activation from the clearinghouse.
    const rebuilt = await old.ls.useCases.rebuild({});
    expect(rebuilt.ok && rebuilt.value).toMatchObject({ serverId: old.ls.serverId, restored: { activated: true, keyPacks: 0 } });
    expect(await old.ls.useCases.listKeyPacks()).toEqual([]);
    expect(await old.ls.useCases.listIssued({ status: 'all' })).toEqual([]);

    // The new server issues from the reissued pack, grant included.
    const onNew = await connectTwice(fresh.ls, 'rdsh', device(1));
    expect(onNew.ok && onNew.value.kind).toBe('permanent');
    expect(onNew.ok && onNew.value.bundle.grant).toBeTruthy();
  });

  it('a rebuild on a server whose packs the clearinghouse holds restores the activation and the packs automatically; the same data directory keeps the ID', async () => {
    const org = await post<{ orgId: string; token: string }>('/orgs', admin, { name: 'Fabrikam' });
    const pack = await post<{ packKey: string; packNumber: number }>('/packs', admin, { orgId: org.orgId, program: 'retail', calType: 'device', calVersion: 2016, count: 4 });
    const dir = mkdtempSync(join(tmpdir(), 'opencal-ls-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const h = await licenseServer(dir);
    await h.ls.useCases.activate({ method: 'auto', orgToken: org.token, company });
    await h.ls.useCases.installByPackKey({ packKey: pack.packKey });
    await connectTwice(h.ls, 'rdsh', device(1), 2016);
    const r = await h.ls.useCases.rebuild({});
    expect(r.ok && r.value).toMatchObject({ keyPacksRemoved: 1, issuedRemoved: 2, restored: { activated: true, keyPacks: 1 } });
    expect((await h.ls.useCases.listKeyPacks())[0]).toMatchObject({ pack: pack.packNumber, issued: 0, available: 4 });
    const again = await startLicenseServer(await tdb.open(licenseServerMigrations), { clock, clearinghouseUrl: url, dataDir: dir });
    cleanups.push(() => again.close());
    expect(again.ls.serverId).toBe(h.ls.serverId);
  });
});
