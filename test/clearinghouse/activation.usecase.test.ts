import { beforeEach, expect, it } from 'vitest';
import { decodeCode, verifyCodeMac } from '../../src/core/codes/index';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import { createClearinghouse } from '../../src/clearinghouse/module';
import { buildServer } from '../../src/http/server';
import { createKeySet, generateIdentity, verifyJws } from '../../src/trust/index';
import { describeEachDatabase } from '../helpers/databases';
import { receiptHash } from '../../src/core/fork-rules';
import { activate, checkIn, COMPANY, FakeLicenseServer, install, payloadOf, random, START, type Harness, clearinghouseWithPack, type OrgWithPack } from './fixtures';
import { ManualClock } from '../../src/core/clock';
import type { Database } from '../../src/storage/database';

describeEachDatabase('clearinghouse activation and check-in', (tdb) => {
  let h: Harness;
  let pack: OrgWithPack;
  let database: Database;

  beforeEach(async () => {
    ({ h, pack, database } = await clearinghouseWithPack(tdb));
  });

  it('each check-in that extends the chain moves its head, writes its link and last seen, and its receipt names the check-in', async () => {
    const a = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, a, pack.orgToken);
    const receipts: string[] = [];
    for (let i = 1; i <= 3; i++) {
      h.clock.advance(60_000);
      const r = await checkIn(h, a);
      expect(r.body.chain).toEqual({ outcome: i === 1 ? 'start' : 'extend', counter: i });
      expect(payloadOf(r.body.receipt)).toMatchObject({ typ: 'opencal.check-in-receipt', sub: a.serverId, counter: i, iat: Math.floor(h.clock.now().getTime() / 1000) });
      receipts.push(r.body.receipt);
    }
    const db = database.db;
    const links = await db.selectFrom('ch_check_ins').select(['counter', 'prev', 'receipt_hash', 'outcome', 'instance_id']).where('server_id', '=', a.serverId).orderBy('id').execute();
    expect(links).toEqual([
      { counter: 1, prev: '0'.repeat(64), receipt_hash: receiptHash(receipts[0]!), outcome: 'start', instance_id: a.instanceId },
      { counter: 2, prev: receiptHash(receipts[0]!), receipt_hash: receiptHash(receipts[1]!), outcome: 'extend', instance_id: a.instanceId },
      { counter: 3, prev: receiptHash(receipts[1]!), receipt_hash: receiptHash(receipts[2]!), outcome: 'extend', instance_id: a.instanceId },
    ]);
    const head = await db.selectFrom('ch_check_in_heads').select(['counter', 'hash', 'receipt']).where('server_id', '=', a.serverId).executeTakeFirst();
    expect(head).toEqual({ counter: 3, hash: receiptHash(receipts[2]!), receipt: receipts[2] });
    const server = await db.selectFrom('ch_servers').select(['last_check_in_at', 'instance_id']).where('server_id', '=', a.serverId).executeTakeFirst();
    expect(server).toEqual({ last_check_in_at: h.clock.now().toISOString(), instance_id: a.instanceId });
  });

  it('auto activation gives a certificate signed by the root key, naming the server and its key', async () => {
    const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    const certificate = await activate(h, ls, pack.orgToken);
    const trust = (await h.call('GET', '/trust')).body;
    expect(trust.keys[0].kid).toMatch(/^ch-.{16}$/);
    const v = await verifyJws<any>(certificate, createKeySet([{ kid: trust.keys[0].kid, publicKey: h.rootPublicRaw }]), 'opencal.certificate');
    expect(v.ok && v.value.payload).toMatchObject({ sub: ls.serverId, org: pack.orgId, method: 'auto', serverVersion: 2019 });
    expect(v.ok && v.value.payload.exp - v.value.payload.iat).toBe(730 * 86400);
  });

  it('auto activation needs first name, last name, company and country', async () => {
    const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    const r = await h.call('POST', '/servers/activate', await ls.signed('activate', { company: { ...COMPANY, lastName: ' ', country: '' }, serverVersion: 2019 }), pack.orgToken);
    expect(r.body.error.code).toBe('COMPANY_DETAILS_REQUIRED');
    expect(r.body.error.detail.missing).toEqual(['lastName', 'country']);
    const noToken = await h.call('POST', '/servers/activate', await ls.signed('activate', { company: COMPANY, serverVersion: 2019 }));
    expect(noToken.status).toBe(401);
  });

  it('a replayed, altered, stale or misaddressed signed request is refused', async () => {
    const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    const body = await ls.signed('check-in', { instanceId: 'a', packs: [], chain: { counter: 1, prev: '0'.repeat(64), attempt: 'a' } });
    expect((await h.call('POST', '/servers/check-in', body)).status).toBe(200);
    expect((await h.call('POST', '/servers/check-in', body)).body.error.code).toBe('SIGNED_REQUEST_REPLAYED');
    const [hd, , sig] = (await ls.signed('check-in', { instanceId: 'a' })).request.split('.');
    const forged = Buffer.from(JSON.stringify({ ...payloadOf(body.request), nonce: 'another-nonce-123' })).toString('base64url');
    expect((await h.call('POST', '/servers/check-in', { request: `${hd}.${forged}.${sig}` })).body.error.code).toBe('SIGNATURE_INVALID');
    const stale = await ls.signed('check-in', { instanceId: 'a' });
    h.clock.advance(10 * 60_000);
    expect((await h.call('POST', '/servers/check-in', stale)).body.error.code).toBe('SIGNED_REQUEST_EXPIRED');
    expect((await h.call('POST', '/servers/install', await ls.signed('check-in', { instanceId: 'a' }))).body.error.code).toBe('SIGNED_REQUEST_INVALID');
  });

  it('web activation by product ID answers a confirmation the license server can verify; the certificate follows at check-in', async () => {
    const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    const r = await h.call('POST', '/portal/activate', { productId: ls.productId, company: COMPANY, serverVersion: 2022 }, pack.orgToken);
    expect(r.status).toBe(200);
    expect(r.body.licenseServerId).toBe(ls.serverId);
    const d = decodeCode(r.body.confirmation, 'activationConfirmation');
    expect(d.ok && verifyCodeMac(d.value, ls.macKey()).ok).toBe(true);
    const again = await h.call('POST', '/portal/activate', { productId: ls.productId, company: COMPANY, serverVersion: 2022 }, pack.orgToken);
    expect(again.body.confirmation).toBe(r.body.confirmation);
    const c = await checkIn(h, ls);
    expect(c.body.status).toBe('activated');
    expect(payloadOf(c.body.certificate)).toMatchObject({ sub: ls.serverId, method: 'web' });
  });

  it('an agent activates by phone for a caller of an organization', async () => {
    const agentToken = (await h.call('POST', '/agents', { name: 'Desk' }, h.adminToken)).body.token;
    const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    const r = await h.call('POST', '/phone/activate', { productId: ls.productId, orgId: pack.orgId, company: COMPANY, serverVersion: 2019 }, agentToken);
    expect(r.status).toBe(200);
    expect((await h.call('POST', '/phone/activate', { productId: ls.productId, orgId: pack.orgId, company: COMPANY, serverVersion: 2019 }, pack.orgToken)).status).toBe(403);
    expect((await checkIn(h, ls)).body.status).toBe('activated');
  });

  it('reactivation takes a reason and gives a new certificate serial', async () => {
    const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    const first = payloadOf(await activate(h, ls, pack.orgToken));
    const bad = await h.call('POST', '/servers/reactivate', await ls.signed('reactivate', { reason: 'bored', serverVersion: 2019 }), pack.orgToken);
    expect(bad.body.error.code).toBe('REACTIVATION_REASON_INVALID');
    const r = await h.call('POST', '/servers/reactivate', await ls.signed('reactivate', { reason: 'certificate-expired', serverVersion: 2022 }), pack.orgToken);
    expect(r.status).toBe(200);
    const second = payloadOf(r.body.certificate);
    expect(second.serial).toBeGreaterThan(first.serial);
    expect(second.serverVersion).toBe(2022);
  });

  it('activating again re-delivers the same certificate while it is valid, and a new one once it has expired', async () => {
    const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    const first = payloadOf(await activate(h, ls, pack.orgToken));
    expect(payloadOf(await activate(h, ls, pack.orgToken))).toEqual(first);
    h.clock.advance(731 * 86_400_000);
    const renewed = payloadOf(await activate(h, ls, pack.orgToken));
    expect(renewed.serial).toBeGreaterThan(first.serial);
    expect(renewed.exp * 1000).toBeGreaterThan(h.clock.now().getTime());
    const events = (await h.call('GET', '/events?eventId=9002', undefined, h.adminToken)).body.events;
    expect(events[0].data).toMatchObject({ serverId: ls.serverId, reason: 'certificate-expired' });
  });

  it('deactivation releases the packs: another server may then install them, and the old grant is revoked', async () => {
    const a = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    const b = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, a, pack.orgToken);
    await activate(h, b, pack.orgToken);
    await install(h, a, pack.packKey);
    const d = await h.call('POST', '/servers/deactivate', await a.signed('deactivate', {}));
    expect(d.body).toMatchObject({ status: 'deactivated', releasedPacks: [pack.packNumber] });
    const r = await install(h, b, pack.packKey);
    expect(r.body.keyPack.seq).toBe(2);
    const list = payloadOf((await h.call('GET', '/revocations')).body.list);
    expect(list.servers).toEqual([expect.objectContaining({ serverId: a.serverId, reason: 'deactivated' })]);
    expect(list.grants).toEqual([expect.objectContaining({ serverId: a.serverId, pack: pack.packNumber, seq: 1 })]);
    expect((await checkIn(h, a)).body.status).toBe('deactivated');
  });

  it('the revocation list is the same signed document while nothing is revoked, names a revocation as soon as it is added, and is signed anew after a minute', async () => {
    const a = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, a, pack.orgToken);
    await install(h, a, pack.packKey);
    const before = (await checkIn(h, a)).body.revocations as string;
    expect((await h.call('GET', '/revocations')).body.list).toBe(before);
    expect(payloadOf(before)).toMatchObject({ seq: 0, servers: [], grants: [] });

    await h.call('POST', '/servers/deactivate', await a.signed('deactivate', {}));
    const after = payloadOf((await h.call('GET', '/revocations')).body.list);
    expect(after.seq).toBe(2);
    expect(after.servers).toEqual([expect.objectContaining({ serverId: a.serverId, reason: 'deactivated' })]);

    h.clock.advance(61_000);
    const later = payloadOf((await h.call('GET', '/revocations')).body.list);
    expect(later).toMatchObject({ seq: 2, iat: Math.floor(h.clock.now().getTime() / 1000) });
  });

  it('a deactivation receipt typed on the portal deactivates an offline server; a forged one is refused', async () => {
    const a = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, a, pack.orgToken);
    const stranger = new FakeLicenseServer(h.clock, generateIdentity().publicKeyRaw);
    Object.assign(stranger, { identity: a.identity, serverId: a.serverId });
    expect((await h.call('POST', '/portal/deactivate', { receipt: stranger.receipt() }, pack.orgToken)).body.error.code).toBe('CODE_MAC_INVALID');
    const r = await h.call('POST', '/portal/deactivate', { receipt: a.receipt() }, pack.orgToken);
    expect(r.body.status).toBe('deactivated');
  });

  it('two check-ins extending the same receipt open one flagged clone case with both histories; an agent confirming it invalidates the server', async () => {
    const a = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, a, pack.orgToken);
    await checkIn(h, a);
    await checkIn(h, a);
    // A copy of the data directory taken now: both copies hold link 2's receipt and draw their own link 3.
    const copy = { ...a.chain };
    expect((await checkIn(h, a)).body.chain).toEqual({ outcome: 'extend', counter: 3 });
    const fork = await checkIn(h, a, [], { counter: copy.counter + 1, prev: copy.receiptHash, attempt: 'the-copy' });
    expect(fork.body).toMatchObject({ status: 'activated', chain: { outcome: 'fork', counter: 3, problem: 'same-predecessor' } });
    expect(fork.body.receipt).toBeUndefined();
    // The copy keeps checking in: still one case.
    await checkIn(h, a, [], { counter: copy.counter + 1, prev: copy.receiptHash, attempt: 'the-copy' });
    const cases = (await h.call('GET', '/cases?kind=clone', undefined, pack.orgToken)).body.cases;
    expect(cases).toEqual([expect.objectContaining({ kind: 'clone', flagged: true, status: 'pending', sourceServerId: a.serverId })]);
    const one = (await h.call('GET', `/cases/${cases[0].caseNumber}`, undefined, pack.orgToken)).body.case;
    expect(one.evidence).toMatchObject({ problem: 'same-predecessor', head: { counter: 3 }, forkAt: { counter: 3 } });
    expect(one.evidence.histories.kept.map((l: { counter: number }) => l.counter)).toEqual([1, 2, 3]);
    expect(one.evidence.histories.second.map((l: { counter: number }) => l.counter)).toEqual([3]);
    const agentToken = (await h.call('POST', '/agents', { name: 'Desk' }, h.adminToken)).body.token;
    await h.call('POST', `/cases/${cases[0].caseNumber}/approve`, { reason: 'confirmed clone' }, agentToken);
    expect((await checkIn(h, a)).body.status).toBe('invalidated');
  });

  it('a check-in counter going back is a second history; the same check-in sent again gets the same receipt and opens nothing', async () => {
    const a = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, a, pack.orgToken);
    const first = { counter: 1, prev: a.chain.receiptHash, attempt: 'attempt-1' };
    const r1 = await checkIn(h, a, [], first);
    const again = await checkIn(h, a, [], first);
    expect(again.body.chain).toEqual({ outcome: 'retry', counter: 1 });
    expect(again.body.receipt).toBe(r1.body.receipt);
    expect((await h.call('GET', '/cases?kind=clone', undefined, pack.orgToken)).body.cases).toEqual([]);
    await checkIn(h, a);
    await checkIn(h, a);
    const back = await checkIn(h, a, [], { counter: 2, prev: receiptHash(r1.body.receipt), attempt: 'old-backup' });
    expect(back.body.chain).toMatchObject({ outcome: 'fork', problem: 'counter-went-back' });
    const cases = (await h.call('GET', '/cases?kind=clone', undefined, pack.orgToken)).body.cases;
    expect(cases).toHaveLength(1);
    // An agent finds it was a data directory restored from a backup, not a copy: the restored chain is taken up.
    const agentToken = (await h.call('POST', '/agents', { name: 'Desk' }, h.adminToken)).body.token;
    expect((await h.call('POST', `/cases/${cases[0].caseNumber}/reject`, { reason: 'restored from a backup' }, agentToken)).status).toBe(200);
    const restored = await checkIn(h, a, [], { counter: 2, prev: receiptHash(r1.body.receipt), attempt: 'old-backup' });
    expect(restored.body.chain).toEqual({ outcome: 'start', counter: 2 });
    expect(restored.body.receipt).toBeTruthy();
  });

  it('a check-in without its place in the chain is refused', async () => {
    const a = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, a, pack.orgToken);
    const r = await h.call('POST', '/servers/check-in', await a.signed('check-in', { instanceId: a.instanceId, packs: [] }));
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'SIGNED_REQUEST_INVALID', detail: { problem: 'chain' } });
  });

  it('holdings lists the certificate and the grants the clearinghouse keeps for a server', async () => {
    const a = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, a, pack.orgToken);
    await install(h, a, pack.packKey);
    const r = await h.call('POST', '/servers/holdings', await a.signed('holdings', {}));
    expect(r.body.certificate).toBeDefined();
    expect(r.body.grants.map(payloadOf)).toEqual([expect.objectContaining({ pack: pack.packNumber, sub: a.serverId })]);
  });

  it('every route states who may call it', async () => {
    const org2 = (await h.call('POST', '/orgs', { name: 'Other' }, h.adminToken)).body.token;
    expect((await h.call('GET', '/orgs', undefined, org2)).status).toBe(403);
    expect((await h.call('POST', '/agents', { name: 'x' }, org2)).status).toBe(403);
    expect((await h.call('GET', '/audit/verify')).status).toBe(401);
    expect((await h.call('GET', '/packs', undefined, org2)).body.packs).toEqual([]);
  });
});

describeEachDatabase('clearinghouse bootstrap', (tdb) => {
  it('creates the first admin token once and returns it to print; a given one is stored hashed', async () => {
    const database = await tdb.open(clearinghouseMigrations);
    const clock = new ManualClock(START);
    // A second start on the same database holds the same key set (a node with another key would not start).
    const identity = generateIdentity();
    const first = await createClearinghouse({ database, clock, random, identity });
    expect(first.adminToken).toMatch(/^ocal_/);
    const second = await createClearinghouse({ database, clock, random, identity });
    expect(second.adminToken).toBeUndefined();
    const app = await buildServer({ logger: false, components: [first.module] });
    const r = await app.inject({ method: 'GET', url: '/ch/v1/orgs', headers: { authorization: `Bearer ${first.adminToken}` } });
    expect(r.statusCode).toBe(200);
    const rows = await database.db.selectFrom('api_tokens').select('token_hash').execute();
    expect(JSON.stringify(rows)).not.toContain(first.adminToken);
  });
});
