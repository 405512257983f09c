/**
 * The diagnoser judges what it observes now (docs/diagnoser.md "Probing"): the session host's own dry-run CAL
 * request to each listed license server, the age of its revocation list, and the last hour's licensing events.
 * Every estate here is built with the real clearinghouse, license servers and session host over HTTP.
 */
import { expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { diagnosisExitCode, renderFindings, renderPlan } from '../../src/diagnoser/index';
import { callJson } from '../../src/http/client';
import { describeEachDatabase } from '../helpers/databases';
import { estateForEachTest, finding, LS_ADMIN, SH_ADMIN, type RunningLicenseServer } from './estate';

const LS_TABLES = ['ls_server', 'ls_key_packs', 'ls_issued_licenses', 'ls_join_tokens', 'ls_hosts', 'ls_allow_list', 'events', 'api_tokens'] as const;

/** Every row of every table of a license database, to compare before and after. */
async function everyRow(db: Kysely<any>): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of LS_TABLES) out[t] = await db.selectFrom(t).selectAll().execute();
  return out;
}

describeEachDatabase('the diagnoser probes the estate', (tdb) => {
  const fx = estateForEachTest(() => tdb.open());
  const device = fx.device;

  /** A session host's ls:host token on a license server, from a join token. */
  async function hostToken(ls: RunningLicenseServer, name = 'RDSH-01'): Promise<string> {
    const join = await ls.ls.useCases.createJoinToken({ name });
    if (!join.ok) throw new Error(join.error.message);
    const enrolled = await callJson<{ token: string }>(ls.url, 'POST', '/ls/v1/hosts/enroll', { body: { joinToken: join.value.joinToken, name } });
    if (!enrolled.ok) throw new Error(enrolled.error.message);
    return enrolled.value.token;
  }

  it("a license server reinstalled at the same address, activated with the organization, its pack reissued and installed: the session host is recognised from the organization's registry with no new join token, follows the new identity, devices get CALs and nothing blocks", async () => {
    const { packNumber, packKey } = await fx.estate.buyPack();
    const old = await fx.estate.licenseServer();
    expect((await fx.estate.install(old, packKey)).ok).toBe(true);
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [old]);
    expect(await device(sh.url, 'PC-01')).toMatchObject({ ok: true, value: { basis: 'issued', cal: { kind: 'temporary' } } });
    expect((await old.ls.useCases.checkIn()).ok).toBe(true);

    // Reinstall on the same machine: same URL, new identity, empty database; then reissue and install.
    const fresh = await fx.estate.reinstallAtSameAddress(old);
    expect(fresh.url).toBe(old.url);
    expect(fresh.serverId).not.toBe(old.serverId);
    const code = await fresh.ls.useCases.makeMigrationCode({ reason: 'reinstalled', sourceId: old.serverId });
    if (!code.ok) throw new Error(code.error.message);
    const migrated = await callJson<{ case: { caseNumber: string } }>(fx.estate.chHttp.url, 'POST', '/ch/v1/portal/migrate', {
      token: fx.estate.orgToken,
      body: { migrationCode: code.value.migrationCode, packKey, program: 'select', calType: 'device', calVersion: 2019, agreementNumber: '1234567' },
    });
    if (!migrated.ok) throw new Error(migrated.error.message);
    const approved = await callJson<{ case: { keyPackId: string } }>(fx.estate.chHttp.url, 'POST', `/ch/v1/cases/${migrated.value.case.caseNumber}/approve`, {
      token: fx.estate.agentToken,
      body: { reason: 'reinstalled license server' },
    });
    if (!approved.ok) throw new Error(approved.error.message);
    expect(await fresh.ls.useCases.installByKeyPackId({ keyPackId: approved.value.case.keyPackId, method: 'phone' })).toMatchObject({ ok: true, value: { pack: packNumber } });

    // No join token, no enrolment: the new server recognises the host from its organization's registry.
    for (const name of ['PC-02', 'PC-03']) {
      expect(await device(sh.url, name)).toMatchObject({ ok: true, value: { basis: 'issued', cal: { kind: 'temporary', licenseServerId: fresh.serverId } } });
    }
    const status = await callJson<{ licenseServers: { url: string; enrolled: boolean }[] }>(sh.url, 'GET', '/sh/v1/status', { token: SH_ADMIN });
    expect(status.ok && status.value.licenseServers).toEqual([
      expect.objectContaining({ url: fresh.url, enrolled: true, serverId: fresh.serverId, identityChange: expect.objectContaining({ followed: true, previousServerId: old.serverId }) }),
    ]);

    const d = await fx.estate.diagnose(sh);
    expect(d.snapshot.sessionHost.probes).toEqual([expect.objectContaining({ url: fresh.url, enrolled: true, outcome: 'would-issue', serverId: fresh.serverId })]);
    expect(d.findings.map((f) => f.code)).not.toContain('ENROLMENT_REFUSED');
    expect(finding(d.findings, 'LICENSE_SERVER_IDENTITY_CHANGED')).toMatchObject({ severity: 'info', message: expect.stringContaining(old.serverId) });
    expect(d.findings.filter((f) => f.severity === 'blocking')).toEqual([]);
    expect(d.plan.find((s) => s.step === 'configure')!.done).toBe(true);
  });

  it('a license server reinstalled at the same address and not activated with the organization does not recognise the host: devices get no CAL, the diagnoser blocks (exit 4) until it is activated', async () => {
    const { packKey } = await fx.estate.buyPack();
    const old = await fx.estate.licenseServer();
    expect((await fx.estate.install(old, packKey)).ok).toBe(true);
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [old]);
    const fresh = await fx.estate.reinstallAtSameAddress(old, { activate: false });

    // Two new devices: admitted only because the grace period runs.
    for (const name of ['PC-02', 'PC-03']) {
      const r = await device(sh.url, name);
      expect(r).toMatchObject({ ok: true, value: { basis: 'grace' } });
      expect(r.ok && r.value.cal).toBeUndefined();
    }
    let d = await fx.estate.diagnose(sh);
    expect(d.snapshot.sessionHost.probes).toEqual([expect.objectContaining({ url: fresh.url, enrolled: true, outcome: 'refused', code: 'HOST_SIGNATURE_INVALID' })]);
    const refused = finding(d.findings, 'ENROLMENT_REFUSED');
    expect(refused.severity).toBe('blocking');
    expect(refused.fix).toContain(`opencal host enroll --license-server ${fresh.url} --join-token <JOIN_TOKEN> --url ${sh.url}`);
    expect(finding(d.findings, 'DEVICES_WITHOUT_CAL').message).toContain('PC-03');
    expect(d.blocking).toBe(true);
    expect(diagnosisExitCode(d.findings)).toBe(4);
    expect(renderFindings(d.findings, d.snapshot)).not.toContain('No problem found');
    expect(d.plan.find((s) => s.step === 'configure')!.done).toBe(false);
    expect(renderPlan(d.plan)).toContain(`$ opencal host enroll --license-server ${fresh.url} --join-token <JOIN_TOKEN> --url ${sh.url}`);
    // Event 1004 explains the refusal in the administrator's terms, without CLI flags; 9211 marks the grace-only admission.
    const events = d.snapshot.events.filter((e) => e.component === 'session-host');
    const e1004 = events.find((e) => e.id === 1004 && e.data?.['device'] === 'PC-02')!;
    expect(e1004.message).toContain(`License server ${fresh.url} does not recognise this session host's enrolment`);
    expect(e1004.message).not.toMatch(/--token|OPENCAL_TOKEN|\/ls\/v1/);
    expect(events.find((e) => e.id === 9211 && e.data?.['device'] === 'PC-02')?.message).toMatch(/^Device PC-02 was admitted without a CAL, only because the grace period runs/);

    // Activated with the organization: it recognises the registered host, still with no new join token.
    const activated = await fresh.ls.useCases.activate({ method: 'auto', orgToken: fx.estate.orgToken, company: { firstName: 'Ana', lastName: 'Diaz', company: 'Contoso', country: 'FR' } });
    expect(activated.ok).toBe(true);
    // Its check-in fetches the organization's host registry (an unknown host's request does too, at most every 10 s).
    expect((await fresh.ls.useCases.checkIn()).ok && (await fresh.ls.useCases.checkIn())).toMatchObject({ ok: true, value: { hostsInRegistry: 1 } });
    expect(await device(sh.url, 'PC-02')).toMatchObject({ ok: true, value: { basis: 'issued', cal: { kind: 'temporary', licenseServerId: fresh.serverId } } });
    d = await fx.estate.diagnose(sh);
    expect(d.findings.map((f) => f.code)).not.toContain('ENROLMENT_REFUSED');
  });

  it('a revocation list older than a day is a blocking finding, gone once the host refreshes', async () => {
    const { packKey } = await fx.estate.buyPack();
    const ls = await fx.estate.licenseServer();
    expect((await fx.estate.install(ls, packKey)).ok).toBe(true);
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [ls]);
    let d = await fx.estate.diagnose(sh);
    expect(d.snapshot.sessionHost.revocationList).toMatchObject({ clearinghouse: true, fetchedAt: fx.estate.clock.now().toISOString() });
    expect(d.findings.map((f) => f.code)).not.toContain('REVOCATION_LIST_STALE');

    // A day and an hour without a refresh (the estate's hosts refresh only when told): the list ages.
    fx.estate.clock.advance(25 * 60 * 60 * 1000);
    d = await fx.estate.diagnose(sh);
    const stale = finding(d.findings, 'REVOCATION_LIST_STALE');
    expect(stale.severity).toBe('blocking');
    expect(stale.message).toContain('(25 hours ago)');
    expect(stale.fix).toContain(`opencal host refresh --url ${sh.url}`);
    expect(diagnosisExitCode(d.findings)).toBe(4);

    expect((await callJson(sh.url, 'POST', '/sh/v1/refresh', { token: SH_ADMIN })).ok).toBe(true);
    d = await fx.estate.diagnose(sh);
    expect(d.snapshot.sessionHost.revocationList).toMatchObject({ fetchedAt: fx.estate.clock.now().toISOString() });
    expect(d.findings.map((f) => f.code)).not.toContain('REVOCATION_LIST_STALE');
  });

  it('the dry run answers what a CAL request would get and changes nothing in the license database', async () => {
    const { packKey } = await fx.estate.buyPack({ count: 2 });
    const ls = await fx.estate.licenseServer();
    expect((await fx.estate.install(ls, packKey)).ok).toBe(true);
    const token = await hostToken(ls);
    const dryRun = (body: Record<string, unknown>, t: string | undefined = token) => callJson<Record<string, unknown>>(ls.url, 'POST', '/ls/v1/cals/dry-run', { token: t, body });

    const before = await everyRow(ls.ls.database.db);
    expect(await dryRun({ mode: 'per-device', hostVersion: 2019 })).toMatchObject({
      ok: true,
      value: { dryRun: true, serverId: ls.serverId, issue: 'temporary', permanentAvailable: true, calVersion: 2019, activated: true },
    });
    expect(await dryRun({ mode: 'per-user', hostVersion: 2019, user: 'alice' })).toMatchObject({ ok: true, value: { issue: 'user', overAllocated: true } });
    expect(await dryRun({ mode: 'per-device', hostVersion: 2022 })).toMatchObject({ ok: true, value: { issue: 'temporary', permanentAvailable: false } });
    // The session host's credential is what is judged: an unknown token is refused as a real request is.
    expect(await dryRun({ mode: 'per-device', hostVersion: 2019 }, 'not-a-token-of-this-server')).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(await dryRun({ mode: 'per-device', hostVersion: 2019 }, LS_ADMIN)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SCOPE' } });
    expect(await dryRun({ mode: 'per-device' })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(await everyRow(ls.ls.database.db)).toEqual(before);

    // The allow-list refusal is answered without its event (4141 is for real requests).
    const allow = await callJson(ls.url, 'PUT', '/ls/v1/hosts/allow-list', { token: LS_ADMIN, body: { enabled: true, hosts: ['OTHER-HOST'] } });
    expect(allow.ok).toBe(true);
    const rows = await everyRow(ls.ls.database.db);
    expect(await dryRun({ mode: 'per-device', hostVersion: 2019 })).toMatchObject({ ok: true, value: { issue: 'none', code: 'HOST_NOT_ALLOWED' } });
    expect(await everyRow(ls.ls.database.db)).toEqual(rows);
  });

  it('a device holding a validated temporary CAL is told "permanent" by the dry run, and still holds only its temporary CAL after it', async () => {
    const { packKey } = await fx.estate.buyPack({ count: 1 });
    const ls = await fx.estate.licenseServer();
    expect((await fx.estate.install(ls, packKey)).ok).toBe(true);
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [ls]);
    expect(await device(sh.url, 'PC-01')).toMatchObject({ ok: true, value: { cal: { kind: 'temporary' } } });
    const hwid = (await ls.ls.useCases.listIssued({}))[0]!.hwid!;
    const token = await hostToken(ls, 'RDSH-02');
    const before = await everyRow(ls.ls.database.db);
    expect(await callJson(ls.url, 'POST', '/ls/v1/cals/dry-run', { token, body: { mode: 'per-device', hostVersion: 2019, hwid } })).toMatchObject({
      ok: true,
      value: { issue: 'permanent', permanentAvailable: true },
    });
    expect(await everyRow(ls.ls.database.db)).toEqual(before);
  });

  it('a device presenting a permanent CAL of a reissued pack is not admitted on it once the host list is more than 5 minutes old: the host refreshes first', async () => {
    const { packKey } = await fx.estate.buyPack();
    const old = await fx.estate.licenseServer();
    expect((await fx.estate.install(old, packKey)).ok).toBe(true);
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [old]);
    expect(await device(sh.url, 'PC-01')).toMatchObject({ ok: true, value: { cal: { kind: 'temporary' } } });
    expect(await device(sh.url, 'PC-01')).toMatchObject({ ok: true, value: { cal: { kind: 'permanent', licenseServerId: old.serverId } } });
    expect((await old.ls.useCases.checkIn()).ok).toBe(true);

    // The pack is reissued to a new server; the old server is gone. The host does not refresh on a timer here.
    await old.stop();
    const fresh = await fx.estate.licenseServer();
    const code = await fresh.ls.useCases.makeMigrationCode({ reason: 'reinstalled', sourceId: old.serverId });
    if (!code.ok) throw new Error(code.error.message);
    const migrated = await callJson<{ case: { caseNumber: string } }>(fx.estate.chHttp.url, 'POST', '/ch/v1/portal/migrate', {
      token: fx.estate.orgToken,
      body: { migrationCode: code.value.migrationCode, packKey, program: 'select', calType: 'device', calVersion: 2019, agreementNumber: '1234567' },
    });
    if (!migrated.ok) throw new Error(migrated.error.message);
    const approved = await callJson(fx.estate.chHttp.url, 'POST', `/ch/v1/cases/${migrated.value.case.caseNumber}/approve`, { token: fx.estate.agentToken, body: { reason: 'reinstalled' } });
    expect(approved.ok).toBe(true);

    fx.estate.clock.advance(6 * 60 * 1000);
    const r = await device(sh.url, 'PC-01');
    // Not admitted on the revoked grant's CAL: the list was refreshed before it was honoured.
    expect(r.ok && r.value.basis).not.toBe('presented');
    const events = await callJson<{ events: { eventId: number; data: Record<string, unknown> }[] }>(sh.url, 'GET', '/sh/v1/events?limit=50', { token: SH_ADMIN });
    if (!events.ok) throw new Error(events.error.message);
    expect(events.value.events.some((e) => e.eventId === 9205)).toBe(true);
    expect(events.value.events.some((e) => e.eventId === 9209 && e.data['device'] === 'PC-01')).toBe(true);
  });

  it('the Pending reason of a source that never checked in says so, with its activation day, not a "last check-in"', async () => {
    const { packKey } = await fx.estate.buyPack();
    const old = await fx.estate.licenseServer();
    expect((await fx.estate.install(old, packKey)).ok).toBe(true);
    const activatedOn = fx.estate.clock.now().toISOString().slice(0, 10);
    fx.estate.clock.advance(2 * 24 * 60 * 60 * 1000);
    await old.stop();
    const fresh = await fx.estate.licenseServer();
    const code = await fresh.ls.useCases.makeMigrationCode({ reason: 'reinstalled', sourceId: old.serverId });
    if (!code.ok) throw new Error(code.error.message);
    const migrated = await callJson<{ case: { caseNumber: string; status: string } }>(fx.estate.chHttp.url, 'POST', '/ch/v1/portal/migrate', {
      token: fx.estate.orgToken,
      body: { migrationCode: code.value.migrationCode, packKey, program: 'select', calType: 'device', calVersion: 2019, agreementNumber: '1234567' },
    });
    if (!migrated.ok) throw new Error(migrated.error.message);
    expect(migrated.value.case.status).toBe('pending');
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [fresh]);
    const d = await fx.estate.diagnose(sh);
    const pending = finding(d.findings, 'PORTAL_CASE_PENDING');
    expect(pending.message).toContain(`the source license server was activated recently (${activatedOn}), has never checked in, and has not deactivated`);
    expect(pending.message).not.toContain('last check-in');
    const servers = await callJson<{ servers: { serverId: string; lastCheckInAt?: string | null }[] }>(fx.estate.chHttp.url, 'GET', '/ch/v1/servers', { token: fx.estate.orgToken });
    expect((servers.ok ? servers.value.servers.find((s) => s.serverId === old.serverId)?.lastCheckInAt : "unread") ?? null).toBeNull();
  });
});
