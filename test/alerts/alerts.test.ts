/**
 * Each component raises its alerts at their thresholds and clears them, recording one event per transition, and
 * answers them on GET /alerts and in the gauge opencal_alert_active — on SQLite and PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS, ManualClock } from '../../src/core/clock';
import { DEFAULT_ALERT_THRESHOLDS } from '../../src/core/alert-rules';
import { queryEvents } from '../../src/events/event-log';
import { buildServer, type TypedApp } from '../../src/http/server';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { createSessionHost, type SessionHost } from '../../src/session-host/module';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import type { Database } from '../../src/storage/database';
import { createToken } from '../../src/storage/tokens.repository';
import { signJws } from '../../src/trust/index';
import { describeEachDatabase } from '../helpers/databases';
import { activate, agent, checkIn, FakeLicenseServer, install, orgWithPack, startClearinghouse, type Harness as ChHarness } from '../clearinghouse/fixtures';
import { activatedWithPack, connectTwice, device, startLicenseServer, withSignedDocuments, type Harness as LsHarness } from '../license-server/harness';
import { makeAuthority } from '../session-host/signed-documents';

const ADMIN = 'alerts-admin-token-0123456789';
const auth = { authorization: `Bearer ${ADMIN}` };
const manual = { thresholds: DEFAULT_ALERT_THRESHOLDS, intervalMs: 0 };

async function alertsOf(app: TypedApp, prefix: string, token = ADMIN) {
  const r = await app.inject({ method: 'GET', url: `${prefix}/alerts`, headers: { authorization: `Bearer ${token}` } });
  expect(r.statusCode).toBe(200);
  return (r.json() as { alerts: { kind: string; subject: string; since: string; threshold: number; facts: Record<string, unknown>; message: { en: string; fr: string }; page: string }[] }).alerts;
}

/** The series of opencal_alert_active on /metrics: `kind subject` for each active alert. */
async function gauge(app: TypedApp): Promise<string[]> {
  const text = (await app.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
  return [...text.matchAll(/^opencal_alert_active\{component="([^"]+)",kind="([^"]+)",subject="([^"]+)"\} (\d+)$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]} ${m[4]}`);
}

async function eventIds(db: Database['db'], ids: number[]) {
  return (await queryEvents(db, { eventId: ids })).sort((a, b) => a.id - b.id).map((e) => ({ eventId: e.eventId, kind: e.data['kind'], subject: e.data['subject'] }));
}

describeEachDatabase('alerts', (tdb) => {
  describe('session host: the grace period ending', () => {
    let clock: ManualClock;
    let host: SessionHost;
    let app: TypedApp;
    beforeEach(async () => {
      clock = new ManualClock(new Date('2025-01-01T08:00:00.000Z'));
      host = await createSessionHost({
        database: await tdb.open(),
        clock,
        hostName: 'RDSH-01',
        hostVersion: 2019,
        directory: 'domain',
        adminToken: ADMIN,
        refreshIntervalMs: 0,
        trustAnchor: makeAuthority().anchor,
        alerts: manual,
      });
      app = await buildServer({ components: [host.module], logger: false });
    });
    afterEach(async () => {
      await app.close();
      await host.close();
    });

    it('15 days left is quiet; 14 days left raises one alert (event 9270 once, gauge 1); licensing configured after the grace period clears it (9271 once)', async () => {
      clock.advance(105 * DAY_MS);
      expect(await alertsOf(app, '/sh/v1')).toEqual([]);
      clock.advance(DAY_MS);
      const [alert, ...none] = await alertsOf(app, '/sh/v1');
      expect(none).toEqual([]);
      expect(alert).toMatchObject({ kind: 'grace-ending', subject: 'RDSH-01', since: clock.now().toISOString(), threshold: 14, facts: { daysLeft: 14 }, page: 'session-host' });
      expect(alert!.message.en).toContain('ends in 14 days');
      expect(alert!.message.fr).toContain('se termine dans 14 jours');
      clock.advance(3 * DAY_MS);
      expect((await alertsOf(app, '/sh/v1'))[0]).toMatchObject({ since: alert!.since, facts: { daysLeft: 11 } });
      expect(await gauge(app)).toEqual(['session-host grace-ending RDSH-01 1']);
      expect((await app.inject({ method: 'GET', url: '/metrics', headers: auth })).body).toContain('opencal_grace_days_left{host="RDSH-01"} 11\n');
      const db = host.context.database.db;
      expect(await eventIds(db, [9270, 9271])).toEqual([{ eventId: 9270, kind: 'grace-ending', subject: 'RDSH-01' }]);

      // Over, and nothing configured: connections are refused, the alert stays (and says so).
      clock.advance(20 * DAY_MS);
      expect((await alertsOf(app, '/sh/v1'))[0]!.message.en).toContain('is over');
      const put = await app.inject({ method: 'PUT', url: '/sh/v1/config', headers: auth, payload: { layer: 'local', mode: 'per-device', licenseServers: ['http://127.0.0.1:9'] } });
      expect(put.statusCode).toBe(200);
      expect(await alertsOf(app, '/sh/v1')).toEqual([]);
      expect(await alertsOf(app, '/sh/v1')).toEqual([]);
      expect(await gauge(app)).toEqual([]);
      expect(await eventIds(db, [9270, 9271])).toEqual([
        { eventId: 9270, kind: 'grace-ending', subject: 'RDSH-01' },
        { eventId: 9271, kind: 'grace-ending', subject: 'RDSH-01' },
      ]);
    });

    it('a read-only token reads the alerts; a gate front end credential and no token are refused', async () => {
      const readonly = (await createToken(host.context.database.db, { scope: 'readonly', label: 'monitor' }, clock, (n) => new Uint8Array(randomBytes(n)))).token;
      expect(await alertsOf(app, '/sh/v1', readonly)).toEqual([]);
      const front = (await host.useCases.createGateCredential('front end')).token;
      expect((await app.inject({ method: 'GET', url: '/sh/v1/alerts', headers: { authorization: `Bearer ${front}` } })).statusCode).toBe(403);
      expect((await app.inject({ method: 'GET', url: '/sh/v1/alerts' })).statusCode).toBe(401);
    });
  });

  describe('license server: a pack nearly exhausted, the certificate or a grant expiring', () => {
    let h: LsHarness;
    let app: TypedApp;
    beforeEach(async () => {
      h = await startLicenseServer(await tdb.open(licenseServerMigrations), { adminToken: ADMIN, alerts: manual });
      app = await buildServer({ components: [h.ls.module], logger: false });
    });
    afterEach(async () => {
      await app.close();
      await h.close();
    });

    it('9 of 10 CALs issued is quiet; the 10th raises the alert once; CALs returning to the pack clear it', async () => {
      await activatedWithPack(h, [{ packNumber: 7, count: 10 }]);
      await withSignedDocuments(h, [{ packNumber: 7, count: 10 }]);
      for (let i = 1; i <= 9; i++) expect((await connectTwice(h.ls, 'host-a', device(i))).ok).toBe(true);
      expect(await alertsOf(app, '/ls/v1')).toEqual([]);
      expect((await connectTwice(h.ls, 'host-a', device(10))).ok).toBe(true);
      const raised = await alertsOf(app, '/ls/v1');
      expect(raised).toEqual([expect.objectContaining({ kind: 'pack-nearly-exhausted', subject: '7', threshold: 10, facts: expect.objectContaining({ total: 10, available: 0 }), page: 'license-manager' })]);
      expect(raised[0]!.message.en).toContain('has 0 of 10 CALs available');
      await alertsOf(app, '/ls/v1');
      expect(await gauge(app)).toEqual(['license-server pack-nearly-exhausted 7 1']);
      expect(await eventIds(h.ls.context.db, [9170, 9171])).toEqual([{ eventId: 9170, kind: 'pack-nearly-exhausted', subject: '7' }]);

      // The permanent CALs expire (52–89 days); the next request takes their seats back.
      h.clock.advance(90 * DAY_MS);
      expect((await connectTwice(h.ls, 'host-a', device(11))).ok).toBe(true);
      expect(await alertsOf(app, '/ls/v1')).toEqual([]);
      expect(await eventIds(h.ls.context.db, [9170, 9171])).toEqual([
        { eventId: 9170, kind: 'pack-nearly-exhausted', subject: '7' },
        { eventId: 9171, kind: 'pack-nearly-exhausted', subject: '7' },
      ]);
    });

    it('the certificate 31 days from expiry is quiet, 30 days raises; a grant 30 days from its expiry raises its own', async () => {
      // The pack arrives with its signed grant (an auto install, or the signed file): the grant's expiry is kept.
      await activatedWithPack(h, []);
      const iat = Math.floor(h.clock.now().getTime() / 1000);
      const grantExp = iat + 400 * 86_400;
      const grant = await signJws(h.ch.identity, { typ: 'opencal.grant', sub: h.ls.serverId, pack: 7, seq: 1, calType: 'device', calVersion: 2019, count: 10, program: 'retail', iat, exp: grantExp });
      const file = await h.ch.documentsFile(h.ls, { certificate: await h.ch.certificate(h.ls), grants: [grant] });
      expect((await h.ls.useCases.importDocuments(file)).ok).toBe(true);
      const certExp = new Date((iat + 730 * 86_400) * 1000);

      h.clock.set(new Date(grantExp * 1000 - 31 * DAY_MS));
      expect(await alertsOf(app, '/ls/v1')).toEqual([]);
      h.clock.set(new Date(grantExp * 1000 - 30 * DAY_MS));
      expect(await alertsOf(app, '/ls/v1')).toEqual([expect.objectContaining({ kind: 'grant-expiring', subject: '7/1', facts: expect.objectContaining({ daysLeft: 30 }) })]);
      h.clock.set(new Date(certExp.getTime() - 31 * DAY_MS));
      expect((await alertsOf(app, '/ls/v1')).map((a) => a.kind)).toEqual(['grant-expiring']);
      h.clock.set(new Date(certExp.getTime() - 30 * DAY_MS));
      const both = await alertsOf(app, '/ls/v1');
      expect(both.map((a) => [a.kind, a.subject])).toEqual([['grant-expiring', '7/1'], ['certificate-expiring', h.ls.serverId]]);
      expect((await eventIds(h.ls.context.db, [9170, 9171])).map((e) => `${e.eventId} ${e.kind}`)).toEqual(['9170 grant-expiring', '9170 certificate-expiring']);
    });
  });

  describe('clearinghouse: a case pending for days, a clone case', () => {
    let h: ChHarness;
    let database: Database;
    beforeEach(async () => {
      database = await tdb.open(clearinghouseMigrations);
      h = await startClearinghouse(database, { alerts: manual, adminToken: ADMIN });
    });
    afterEach(() => h.ch.close());

    it('a migration case pending 2 days is quiet, 3 days raises the alert once; the agent deciding it clears it', async () => {
      const pack = await orgWithPack(h);
      const oldLs = new FakeLicenseServer(h.clock, h.rootPublicRaw);
      await activate(h, oldLs, pack.orgToken);
      expect((await install(h, oldLs, pack.packKey)).status).toBe(200);
      await checkIn(h, oldLs);
      h.clock.advance(2 * DAY_MS);
      const newLs = new FakeLicenseServer(h.clock, h.rootPublicRaw);
      await activate(h, newLs, pack.orgToken);
      const submitted = await h.call('POST', '/portal/migrate', { migrationCode: newLs.migrationCode('reinstalled'), packKey: pack.packKey, program: 'select', agreementNumber: '1234567', calType: 'device', calVersion: 2019 }, pack.orgToken);
      const caseNumber = submitted.body.case.caseNumber as string;
      expect(submitted.body.case.status).toBe('pending');

      const agentToken = await agent(h);
      h.clock.advance(3 * DAY_MS - 60_000);
      expect(await alertsOf(h.app, '/ch/v1', agentToken)).toEqual([]);
      h.clock.advance(60_000);
      const alerts = await alertsOf(h.app, '/ch/v1', agentToken);
      expect(alerts).toEqual([expect.objectContaining({ kind: 'case-pending', subject: caseNumber, threshold: 3, page: 'agent-desk' })]);
      expect(alerts[0]!.message.fr).toContain(`Le dossier ${caseNumber} attend une décision depuis 3 jours`);
      await alertsOf(h.app, '/ch/v1');
      expect(await eventIds(database.db, [9070, 9071])).toEqual([{ eventId: 9070, kind: 'case-pending', subject: caseNumber }]);

      expect((await h.call('POST', `/cases/${caseNumber}/approve`, { reason: 'caller confirmed the reinstall' }, agentToken)).status).toBe(200);
      expect(await alertsOf(h.app, '/ch/v1')).toEqual([]);
      expect(await eventIds(database.db, [9070, 9071])).toEqual([
        { eventId: 9070, kind: 'case-pending', subject: caseNumber },
        { eventId: 9071, kind: 'case-pending', subject: caseNumber },
      ]);
      // an organization token does not read the clearinghouse's alerts
      expect((await h.app.inject({ method: 'GET', url: '/ch/v1/alerts', headers: { authorization: `Bearer ${pack.orgToken}` } })).statusCode).toBe(403);
    });

    it('a clone case raises its alert at once, even with several evaluations at the same time; the agent deciding it clears it', async () => {
      const pack = await orgWithPack(h);
      const a = new FakeLicenseServer(h.clock, h.rootPublicRaw);
      await activate(h, a, pack.orgToken);
      await checkIn(h, a);
      await checkIn(h, a);
      const copy = { ...a.chain };
      await checkIn(h, a);
      await checkIn(h, a, [], { counter: copy.counter + 1, prev: copy.receiptHash, attempt: 'the-copy' });
      const all = await Promise.all([alertsOf(h.app, '/ch/v1'), alertsOf(h.app, '/ch/v1'), h.ch.alerts.evaluate()]);
      const caseNumber = all[0][0]!.subject;
      for (const list of [all[0], all[1], all[2].alerts]) expect(list).toEqual([expect.objectContaining({ kind: 'clone-case', subject: caseNumber, facts: expect.objectContaining({ serverId: a.serverId }) })]);
      expect(await eventIds(database.db, [9070, 9071])).toEqual([{ eventId: 9070, kind: 'clone-case', subject: caseNumber }]);
      const agentToken = await agent(h);
      await h.call('POST', `/cases/${caseNumber}/approve`, { reason: 'confirmed clone' }, agentToken);
      expect(await alertsOf(h.app, '/ch/v1')).toEqual([]);
      expect((await eventIds(database.db, [9070, 9071])).map((e) => e.eventId)).toEqual([9070, 9071]);
    });
  });
  describe('business metrics on /metrics', () => {
    let h: LsHarness;
    let app: TypedApp;
    beforeEach(async () => {
      h = await startLicenseServer(await tdb.open(licenseServerMigrations), { adminToken: ADMIN, alerts: manual });
      app = await buildServer({ components: [h.ls.module], logger: false });
    });
    afterEach(async () => {
      await app.close();
      await h.close();
    });

    it("CALs installed, issued and available, and live licenses temporary vs permanent, equal the database's after CALs are issued", async () => {
      await activatedWithPack(h, [{ packNumber: 7, count: 10 }, { packNumber: 8, count: 5, calVersion: 2016 }]);
      await withSignedDocuments(h, [{ packNumber: 7, count: 10 }, { packNumber: 8, count: 5, calVersion: 2016 }]);
      for (let i = 1; i <= 6; i++) expect((await connectTwice(h.ls, 'host-a', device(i))).ok).toBe(true);
      for (let i = 7; i <= 9; i++) expect((await h.ls.useCases.requestCal('host-a', { ...device(i), mode: 'per-device', hostVersion: 2019 })).ok).toBe(true);
      expect((await connectTwice(h.ls, 'host-b', device(1, 'old'), 2016)).ok).toBe(true);
      // a refusal, counted by code
      expect((await app.inject({ method: 'GET', url: '/ls/v1/alerts' })).statusCode).toBe(401);

      const text = (await app.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
      const series = (name: string) =>
        Object.fromEntries([...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))].map((m) => [m[1], Number(m[2])]));

      const db = h.ls.context.db;
      const packs = await db.selectFrom('ls_key_packs').select(['cal_type', 'cal_version', 'total', 'issued']).where('status', '=', 'active').execute();
      const expected: Record<string, Record<string, number>> = { installed: {}, issued: {}, available: {} };
      for (const p of packs) {
        const key = `cal_type="${p.cal_type}",cal_version="${Number(p.cal_version)}"`;
        expected.installed![key] = (expected.installed![key] ?? 0) + Number(p.total);
        expected.issued![key] = (expected.issued![key] ?? 0) + Number(p.issued);
        expected.available![key] = expected.installed![key]! - expected.issued![key]!;
      }
      expect(series('opencal_cals_installed')).toEqual(expected.installed);
      expect(series('opencal_cals_issued')).toEqual(expected.issued);
      expect(series('opencal_cals_available')).toEqual(expected.available);
      expect(series('opencal_cals_issued')).toEqual({ 'cal_type="device",cal_version="2019"': 6, 'cal_type="device",cal_version="2016"': 1 });

      const live = await db
        .selectFrom('ls_issued_licenses')
        .select(['cal_type', 'cal_version', 'kind'])
        .where('status', '=', 'active')
        .where('expires_at', '>', h.clock.now().toISOString())
        .execute();
      const licenses: Record<string, number> = {};
      for (const l of live) {
        const key = `cal_type="${l.cal_type}",cal_version="${Number(l.cal_version)}",kind="${l.kind}"`;
        licenses[key] = (licenses[key] ?? 0) + 1;
      }
      expect(series('opencal_issued_licenses')).toEqual(licenses);
      expect(series('opencal_issued_licenses')['cal_type="device",cal_version="2019",kind="temporary"']).toBe(3);
      expect(series('opencal_refusals_total')).toEqual({ 'component="license-server",code="UNAUTHENTICATED"': 1 });
    });

    it("the license server's check-in age follows its last check-in and the clock; none before the first", async () => {
      await activatedWithPack(h, []);
      const text = (await app.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
      expect(text).not.toMatch(/^opencal_check_in_age_seconds\{/m);
      await h.ls.context.change(async (trx) => {
        await trx.updateTable('ls_server').set({ last_check_in_at: h.clock.now().toISOString() }).execute();
        return { ok: true as const, value: undefined };
      });
      h.clock.advance(90 * 60 * 1000);
      const after = (await app.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
      expect(after).toContain(`opencal_check_in_age_seconds{server_id="${h.ls.serverId}",seen_by="license-server"} 5400`);
    });
  });
});
