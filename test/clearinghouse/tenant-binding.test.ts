/**
 * Tenants are bound (issue 12 "Build" 3): a pack installs only on a server of its organization; a web or phone
 * activation of a server the clearinghouse has never seen stays unconfirmed until the server proves possession of
 * its key, and another organization's claim meanwhile (squatting on the public product ID) does not lock the owner out.
 */
import { beforeEach, expect, it } from 'vitest';
import { decodeCode } from '../../src/core/codes/index';
import { queryEvents } from '../../src/events/event-log';
import type { Database } from '../../src/storage/database';
import { describeEachDatabase } from '../helpers/databases';
import { base64urlEncode } from '../../src/trust/index';
import { activate, checkIn, clearinghouseWithPack, COMPANY, FakeLicenseServer, install, orgWithPack, payloadOf, random, type Harness, type OrgWithPack } from './fixtures';

describeEachDatabase('clearinghouse tenant binding', (tdb) => {
  let h: Harness;
  let database: Database;
  let a: OrgWithPack;
  let b: OrgWithPack;
  /** organization A's new license server, whose product ID anyone may read */
  let ls: FakeLicenseServer;

  beforeEach(async () => {
    ({ h, database, pack: a } = await clearinghouseWithPack(tdb));
    b = await orgWithPack(h);
    ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
  });

  const events = async (id: number) => queryEvents(database.db, { eventId: id });
  const webActivate = (org: OrgWithPack) => h.call('POST', '/portal/activate', { productId: ls.productId, company: COMPANY, serverVersion: 2019 }, org.orgToken);
  const serialOf = (confirmation: string) => {
    const d = decodeCode(confirmation, 'activationConfirmation');
    if (!d.ok) throw new Error('confirmation');
    return d.value.fields.serial as number;
  };
  /** A signed check-in naming the activation serial the license server typed (what opencal licmgr check-in sends). */
  const checkInNaming = async (serial: number) => {
    const chain = { counter: ls.chain.counter + 1, prev: ls.chain.receiptHash, attempt: base64urlEncode(random(8)) };
    return h.call('POST', '/servers/check-in', await ls.signed('check-in', { instanceId: ls.instanceId, packs: [], chain, activationSerial: serial }));
  };
  const server = async (orgToken: string) => ((await h.call('GET', '/servers', undefined, orgToken)).body.servers as { serverId: string }[]).map((s) => s.serverId);

  it("organization B squatting on A's product ID does not lock A's automatic activation out: A's signed request wins, B's claim is dropped", async () => {
    const squat = await webActivate(b);
    expect(squat.status).toBe(200);
    expect((await events(9021)).map((e) => e.data['orgId'])).toEqual([b.orgId]);

    const certificate = await activate(h, ls, a.orgToken); // before: 409 SERVER_ALREADY_ACTIVATED
    expect(payloadOf(certificate)).toMatchObject({ sub: ls.serverId, org: a.orgId, method: 'auto' });
    expect((await events(9023)).map((e) => e.data)).toEqual([expect.objectContaining({ serverId: ls.serverId, orgId: b.orgId, ownerOrgId: a.orgId })]);
    expect((await events(9022)).map((e) => e.data['orgId'])).toEqual([a.orgId]);
    expect(await server(a.orgToken)).toEqual([ls.serverId]);
    expect(await server(b.orgToken)).toEqual([]);

    // now that the server has proved whose it is, another organization's activation is refused
    const late = await webActivate(b);
    expect(late).toMatchObject({ status: 409, body: { error: { code: 'SERVER_ALREADY_ACTIVATED' } } });
  });

  it("A's own web activation after B's squat is not refused; A's server proves its key at its signed check-in, and B's claim and the pack B installed on it are dropped", async () => {
    const squat = await webActivate(b);
    const bInstall = await h.call('POST', '/portal/install', { serverId: ls.serverId, packKey: b.packKey, agreementNumber: '1234567' }, b.orgToken);
    expect(bInstall.status).toBe(200);

    const own = await webActivate(a); // before: 409 SERVER_ALREADY_ACTIVATED
    expect(own.status).toBe(200);
    expect(serialOf(own.body.confirmation)).not.toBe(serialOf(squat.body.confirmation));
    // nothing signed is handed out while the claims wait for the server's proof
    const undecided = await checkIn(h, ls);
    expect(undecided.body).toMatchObject({ status: 'activated', grants: [] });
    expect(undecided.body.certificate).toBeUndefined();

    // A's license server typed A's confirmation: its check-in names that activation
    const proven = await checkInNaming(serialOf(own.body.confirmation));
    expect(proven.status).toBe(200);
    expect(payloadOf(proven.body.certificate)).toMatchObject({ sub: ls.serverId, org: a.orgId, method: 'web', serial: serialOf(own.body.confirmation) });
    expect(proven.body.grants).toEqual([]);
    expect((await events(9023)).map((e) => e.data)).toEqual([expect.objectContaining({ orgId: b.orgId, ownerOrgId: a.orgId, releasedPacks: 1 })]);
    const packs = (await h.call('GET', '/packs', undefined, b.orgToken)).body.packs as { number: number; status: string }[];
    expect(packs.find((p) => p.number === b.packNumber)).toMatchObject({ status: 'unassigned' });
    const list = payloadOf((await h.call('GET', '/revocations')).body.list);
    expect(list.grants).toEqual([expect.objectContaining({ serverId: ls.serverId, pack: b.packNumber })]);
    // B's pack may now go to one of B's servers
    const bServer = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, bServer, b.orgToken);
    expect((await install(h, bServer, b.packKey)).status).toBe(200);
  });

  it('a phone-activated site that installed its pack by key pack ID gets its certificate and grant at its first signed check-in', async () => {
    const web = await webActivate(a);
    expect((await h.call('POST', '/portal/install', { serverId: ls.serverId, packKey: a.packKey, agreementNumber: '1234567' }, a.orgToken)).status).toBe(200);
    const c = await checkInNaming(serialOf(web.body.confirmation));
    expect(payloadOf(c.body.certificate)).toMatchObject({ org: a.orgId });
    expect(c.body.grants.map((g: string) => payloadOf(g))).toEqual([expect.objectContaining({ sub: ls.serverId, pack: a.packNumber })]);
    expect(await events(9023)).toHaveLength(0);
  });

  it("a license server of organization A installing organization B's pack with B's key is refused, with its event, and the pack stays B's to install", async () => {
    await activate(h, ls, a.orgToken);
    const r = await install(h, ls, b.packKey);
    expect(r).toMatchObject({ status: 403, body: { error: { code: 'PACK_OF_ANOTHER_ORGANIZATION' } } });
    expect((await events(9020)).map((e) => e.data)).toEqual([expect.objectContaining({ serverId: ls.serverId, serverOrg: a.orgId, pack: b.packNumber, packOrg: b.orgId })]);
    expect(await events(9005)).toHaveLength(0);
    const portal = await h.call('POST', '/portal/install', { serverId: ls.serverId, packKey: b.packKey, agreementNumber: '1234567' }, a.orgToken);
    expect(portal).toMatchObject({ status: 403, body: { error: { code: 'PACK_OF_ANOTHER_ORGANIZATION' } } });
    const packs = (await h.call('GET', '/packs', undefined, b.orgToken)).body.packs as { number: number; status: string }[];
    expect(packs.find((p) => p.number === b.packNumber)).toMatchObject({ status: 'unassigned' });
    // A's own pack installs
    expect((await install(h, ls, a.packKey)).status).toBe(200);
  });

  it("a signed install of the claimant's pack proves the server's key: the unconfirmed claim becomes its activation", async () => {
    await webActivate(a);
    const r = await install(h, ls, a.packKey);
    expect(r.status).toBe(200);
    expect((await events(9022)).map((e) => e.data)).toEqual([expect.objectContaining({ orgId: a.orgId, proof: 'signed install' })]);
    expect(payloadOf((await checkIn(h, ls)).body.certificate)).toMatchObject({ org: a.orgId });
  });
});
