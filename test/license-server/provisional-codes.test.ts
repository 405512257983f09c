/**
 * Offline codes are provisional (docs/codes.md), against the real clearinghouse in process over real HTTP:
 * - the attack of issue 12: with only identity.key and the trust anchor, a license server forges an activation
 *   confirmation and a key pack ID for a 1,000,000-CAL pack. They install provisionally at most; the check-in opens
 *   cases at the clearinghouse (events 9030, 9031) and delivers no grant; after the window the pack and the
 *   activation lapse (events 9130, 9131) and only temporary CALs are issued;
 * - the legitimate phone-activated site works offline within its window, then with the signed documents — by
 *   check-in, or by the file the clearinghouse exports for an air-gapped site (`licmgr import FILE`), which another
 *   server refuses.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DAY_MS, ManualClock } from '../../src/core/clock';
import { dayNumber, encodeCode } from '../../src/core/codes/index';
import type { DocumentsFile, TrustAnchor } from '../../src/core/wire/clearinghouse';
import { createClearinghouse } from '../../src/clearinghouse/module';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import { queryEvents } from '../../src/events/event-log';
import { buildServer, type TypedApp } from '../../src/http/server';
import { callJson } from '../../src/http/client';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { randomBytes } from '../../src/platform/random';
import { base64urlDecode, codeMacKey, generateIdentity, loadOrCreateIdentity } from '../../src/trust/index';
import { describeEachDatabase } from '../helpers/databases';
import { connectTwice, device, START, startLicenseServer, type Harness } from './harness';

const WINDOW_DAYS = 10;
const company = { firstName: 'Claire', lastName: 'Martin', company: 'Contoso', country: 'FR' };

describeEachDatabase('provisional codes with the real clearinghouse', (tdb) => {
  let clock: ManualClock;
  let app: TypedApp;
  let url: string;
  const admin = 'ch-admin-token-for-tests';
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    clock = new ManualClock(START);
    const database = await tdb.open(clearinghouseMigrations);
    const ch = await createClearinghouse({
      database, clock, random: randomBytes, identity: generateIdentity(), adminToken: admin, config: { provisionalWindowDays: WINDOW_DAYS },
    });
    app = await buildServer({ components: [ch.module], logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
    await app.close();
  });

  async function licenseServer(options: { airGapped?: boolean } = {}): Promise<Harness & { dir: string }> {
    const database = await tdb.open(licenseServerMigrations);
    const dir = mkdtempSync(join(tmpdir(), 'opencal-ls-'));
    let link: { clearinghouseUrl: string } | { clearinghouseKey: string } = { clearinghouseUrl: url };
    if (options.airGapped) {
      // The anchor carried to the site: the JSON of GET /ch/v1/trust, window included.
      const anchorFile = join(dir, 'anchor.json');
      writeFileSync(anchorFile, JSON.stringify(await get<TrustAnchor>('/trust')));
      link = { clearinghouseKey: anchorFile };
    }
    const h = await startLicenseServer(database, { clock, dataDir: dir, ...link });
    cleanups.push(async () => {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { ...h, dir };
  }

  async function post<T>(path: string, token: string, body: unknown): Promise<T> {
    const r = await callJson<T>(url, 'POST', `/ch/v1${path}`, { token, body });
    if (!r.ok) throw new Error(`${path}: ${r.error.code} ${r.error.message}`);
    return r.value;
  }
  async function get<T>(path: string, token?: string): Promise<T> {
    const r = await callJson<T>(url, 'GET', `/ch/v1${path}`, token ? { token } : {});
    if (!r.ok) throw new Error(`${path}: ${r.error.code} ${r.error.message}`);
    return r.value;
  }
  async function phantomCases() {
    const list = await get<{ cases: { caseNumber: string; kind: string; flagged: boolean; sourceServerId: string; decisionReasons: { code: string }[] }[] }>('/cases?kind=phantom', admin);
    return list.cases;
  }
  async function chEvents(eventId: number) {
    return (await get<{ events: { data: Record<string, unknown> }[] }>(`/events?eventId=${eventId}`, admin)).events;
  }
  async function setup() {
    const org = await post<{ orgId: string; token: string }>('/orgs', admin, { name: 'Contoso' });
    const agent = await post<{ token: string }>('/agents', admin, { name: 'desk' });
    const pack = await post<{ packNumber: number; packKey: string }>('/packs', admin, { orgId: org.orgId, program: 'retail', calType: 'device', calVersion: 2019, count: 10 });
    return { org, agent, pack };
  }

  it('the trust anchor publishes the provisional window of the clearinghouse configuration', async () => {
    expect((await get<TrustAnchor>('/trust')).provisionalWindowDays).toBe(WINDOW_DAYS);
  });

  it('forged with identity.key and the trust anchor: a 1,000,000-CAL key pack ID and an activation confirmation install provisionally, the check-in opens cases, and after the window nothing but temporary CALs', async () => {
    const attacker = await licenseServer();
    // What the attacker holds: the server's own key file and the public trust anchor. Nothing else.
    const own = loadOrCreateIdentity(join(attacker.dir, 'identity.key'));
    const anchor = await get<TrustAnchor>('/trust');
    const macKey = codeMacKey(own, base64urlDecode(anchor.keys[0]!.x));
    const confirmation = encodeCode('activationConfirmation', { serial: 4242, validUntilDay: dayNumber(clock.now()) + 700 }, macKey);
    const keyPackId = encodeCode('keyPackId', { packNumber: 777_777, calType: 'device', calVersion: 2019, count: 1_000_000, program: 'enterprise', grantSeq: 1 }, macKey);

    const activated = await attacker.ls.useCases.activate({ method: 'phone', confirmation });
    expect(activated.ok && activated.value).toMatchObject({ status: 'activated', certificate: false, provisional: { state: 'provisional' } });
    const installed = await attacker.ls.useCases.installByKeyPackId({ keyPackId, method: 'phone' });
    expect(installed.ok && installed.value).toMatchObject({ total: 1_000_000, grant: false, provisional: { state: 'provisional' } });
    const until = installed.ok ? installed.value.provisional!.until : '';
    expect(new Date(until).getTime() - clock.now().getTime()).toBe(WINDOW_DAYS * DAY_MS);

    // Within the window it issues (provisionally): the CAL carries neither certificate nor grant.
    const inWindow = await connectTwice(attacker.ls, 'rdsh', device(1));
    expect(inWindow.ok && [inWindow.value.kind, inWindow.value.bundle.certificate, inWindow.value.bundle.grant]).toEqual(['permanent', undefined, undefined]);

    // The check-in reports both; the clearinghouse never made them: two flagged cases, two events, no grant.
    const checked = await attacker.ls.useCases.checkIn();
    expect(checked.ok && checked.value).toMatchObject({ status: 'unknown', certificateReceived: false, grantsReceived: 0 });
    const cases = await phantomCases();
    expect(cases.map((c) => [c.sourceServerId, c.flagged, c.decisionReasons.map((r) => r.code)]).sort()).toEqual([
      [attacker.ls.serverId, true, ['ACTIVATION_NOT_MADE']],
      [attacker.ls.serverId, true, ['PACK_NOT_GRANTED']],
    ]);
    expect((await chEvents(9030)).map((e) => [e.data['pack'], e.data['count']])).toEqual([[777_777, 1_000_000]]);
    expect((await chEvents(9031)).map((e) => e.data['serial'])).toEqual([4242]);
    // A second check-in finds the same cases.
    await attacker.ls.useCases.checkIn();
    expect(await phantomCases()).toHaveLength(2);

    // After the window: lapsed, reported once, and no permanent CAL from the forged pack.
    clock.advance((WINDOW_DAYS + 1) * DAY_MS);
    const status = await attacker.ls.useCases.status();
    expect(status.activation.provisional?.state).toBe('lapsed');
    expect(status.keyPacks.map((k) => k.provisional?.state)).toEqual(['lapsed']);
    await attacker.ls.useCases.status();
    expect((await queryEvents(attacker.ls.database.db, { eventId: 9130 })).map((e) => e.data['pack'])).toEqual([777_777]);
    expect(await queryEvents(attacker.ls.database.db, { eventId: 9131 })).toHaveLength(1);
    const after = await attacker.ls.useCases.requestCal('rdsh', { ...device(2), mode: 'per-device', hostVersion: 2019 });
    expect(after.ok && after.value.kind).toBe('temporary');
    const again = await connectTwice(attacker.ls, 'rdsh', device(3));
    expect(again.ok && again.value.kind).toBe('temporary');
    expect((await attacker.ls.useCases.status()).keyPacks[0]!.issued).toBe(1);
  });

  it('an activated server of an organization that forges a key pack ID for more CALs than its pack gets a case and no grant for it', async () => {
    const { org, pack } = await setup();
    const ls = await licenseServer();
    expect((await ls.ls.useCases.activate({ method: 'auto', orgToken: org.token, company })).ok).toBe(true);
    const own = loadOrCreateIdentity(join(ls.dir, 'identity.key'));
    const macKey = codeMacKey(own, base64urlDecode((await get<TrustAnchor>('/trust')).keys[0]!.x));
    // Its real pack, number and serial included, but 1,000,000 CALs instead of 10; and a pack that does not exist.
    const inflated = encodeCode('keyPackId', { packNumber: pack.packNumber, calType: 'device', calVersion: 2019, count: 1_000_000, program: 'retail', grantSeq: 1 }, macKey);
    const invented = encodeCode('keyPackId', { packNumber: 424_242, calType: 'device', calVersion: 2019, count: 500, program: 'select', grantSeq: 1 }, macKey);
    expect((await ls.ls.useCases.installByKeyPackId({ keyPackId: inflated })).ok).toBe(true);
    expect((await ls.ls.useCases.installByKeyPackId({ keyPackId: invented })).ok).toBe(true);
    const checked = await ls.ls.useCases.checkIn();
    expect(checked.ok && checked.value).toMatchObject({ status: 'activated', certificateReceived: false, grantsReceived: 0 });
    const cases = await get<{ cases: { orgId: string; evidence: { problem: string; reported: { pack: number } }; decisionReasons: { code: string }[] }[] }>('/cases?kind=phantom', admin);
    expect(cases.cases.map((c) => [c.orgId, c.evidence.reported.pack, c.evidence.problem, c.decisionReasons[0]!.code]).sort()).toEqual([
      [org.orgId, pack.packNumber, 'never granted', 'PACK_NOT_GRANTED'],
      [org.orgId, 424_242, 'never granted', 'PACK_NOT_GRANTED'],
    ]);
    expect((await ls.ls.useCases.listKeyPacks()).every((k) => k.grant === false && k.provisional?.state === 'provisional')).toBe(true);
  });

  it('a phone-activated site issues within its window, and the check-in brings its certificate and grant: no case, and it keeps issuing after the window', async () => {
    const { org, agent, pack } = await setup();
    const site = await licenseServer();
    const { confirmation } = await post<{ confirmation: string }>('/phone/activate', agent.token, { productId: site.ls.productId, orgId: org.orgId, company, serverVersion: 2019 });
    expect((await site.ls.useCases.activate({ method: 'phone', confirmation })).ok).toBe(true);
    const { keyPackId } = await post<{ keyPackId: string }>('/portal/install', org.token, { serverId: site.ls.serverId, packKey: pack.packKey });
    const installed = await site.ls.useCases.installByKeyPackId({ keyPackId, method: 'web' });
    expect(installed.ok && installed.value.provisional?.state).toBe('provisional');
    const first = await connectTwice(site.ls, 'rdsh', device(1));
    expect(first.ok && first.value.kind).toBe('permanent');

    const checked = await site.ls.useCases.checkIn();
    expect(checked.ok && checked.value).toMatchObject({ status: 'activated', certificateReceived: true, grantsReceived: 1 });
    expect(await phantomCases()).toEqual([]);
    const status = await site.ls.useCases.status();
    expect(status.activation.provisional).toBeUndefined();
    expect(status.keyPacks.map((k) => [k.grant, k.provisional])).toEqual([[true, undefined]]);

    clock.advance((WINDOW_DAYS + 5) * DAY_MS);
    const later = await connectTwice(site.ls, 'rdsh', device(2));
    expect(later.ok && [later.value.kind, Boolean(later.value.bundle.grant), Boolean(later.value.bundle.certificate)]).toEqual(['permanent', true, true]);
    expect(await queryEvents(site.ls.database.db, { eventId: 9130 })).toEqual([]);
  });

  it('an air-gapped site imports the file the clearinghouse exported for it; the file of another server is refused and changes nothing', async () => {
    const { org, agent, pack } = await setup();
    const site = await licenseServer({ airGapped: true });
    const other = await licenseServer();
    const { confirmation } = await post<{ confirmation: string }>('/phone/activate', agent.token, { productId: site.ls.productId, orgId: org.orgId, company, serverVersion: 2019 });
    expect((await site.ls.useCases.activate({ method: 'phone', confirmation })).ok).toBe(true);
    const { keyPackId } = await post<{ keyPackId: string }>('/portal/install', org.token, { serverId: site.ls.serverId, packKey: pack.packKey });
    expect((await site.ls.useCases.installByKeyPackId({ keyPackId, method: 'phone' })).ok).toBe(true);
    // The window comes from the anchor carried to the site.
    const provisional = (await site.ls.useCases.listKeyPacks())[0]!.provisional;
    expect(provisional && new Date(provisional.until).getTime() - clock.now().getTime()).toBe(WINDOW_DAYS * DAY_MS);

    // The organization exports the file; another organization cannot.
    const file = await get<DocumentsFile>(`/servers/${site.ls.serverId}/export`, org.token);
    expect(file).toMatchObject({ type: 'opencal.documents', serverId: site.ls.serverId });
    const stranger = await post<{ token: string }>('/orgs', admin, { name: 'Fabrikam' });
    const foreign = await callJson(url, 'GET', `/ch/v1/servers/${site.ls.serverId}/export`, { token: stranger.token });
    expect(!foreign.ok && foreign.error.code).toBe('LICENSE_SERVER_UNKNOWN');

    // Carried to the wrong server: refused with its own code, nothing changed there.
    const wrong = await other.ls.useCases.importDocuments(file);
    expect(!wrong.ok && wrong.error.code).toBe('IMPORT_FILE_OTHER_SERVER');
    expect((await other.ls.useCases.status()).activation.status).toBe('unactivated');
    // Altered on the way: refused.
    const tampered = await site.ls.useCases.importDocuments({ ...file, signed: `${file.signed.slice(0, -4)}AAAA` });
    expect(!tampered.ok && tampered.error.code).toBe('IMPORT_FILE_INVALID');
    expect((await site.ls.useCases.status()).activation.certificate).toBe(false);

    const imported = await site.ls.useCases.importDocuments(file);
    expect(imported.ok && imported.value).toMatchObject({ status: 'activated', certificateReceived: true, grantsReceived: 1 });
    expect((await queryEvents(site.ls.database.db, { eventId: 9132 })).length).toBe(1);
    clock.advance((WINDOW_DAYS + 5) * DAY_MS);
    const status = await site.ls.useCases.status();
    expect([status.activation.provisional, status.keyPacks.map((k) => k.provisional)]).toEqual([undefined, [undefined]]);
    const cal = await connectTwice(site.ls, 'rdsh', device(1));
    expect(cal.ok && cal.value.kind).toBe('permanent');
  });
});
