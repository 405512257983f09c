/**
 * One real state per finding (besides the source document's story in diagnose.journeys.test.ts): built with the
 * real clearinghouse, license servers and session host over HTTP, gathered and diagnosed; each test asserts the
 * finding's code, severity and fix.
 */
import { expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/clock';
import { hasBlocking } from '../../src/core/diagnoser-rules';
import { callJson } from '../../src/http/client';
import { describeEachDatabase } from '../helpers/databases';
import { closedPort, estateForEachTest, finding, type Estate, type RunningLicenseServer } from './estate';

describeEachDatabase('diagnoser findings on real states', (tdb) => {
  const fx = estateForEachTest(() => tdb.open());
  const device = fx.device;

  /** A license server holding one installed pack. */
  async function serverWithPack(p: Parameters<Estate['buyPack']>[0] = {}, serverVersion?: 2019 | 2022): Promise<RunningLicenseServer & { packKey: string; packNumber: number }> {
    const bought = await fx.estate.buyPack(p);
    const ls = await fx.estate.licenseServer(serverVersion ? { serverVersion } : {});
    const installed = await fx.estate.install(ls, bought.packKey);
    if (!installed.ok) throw new Error(installed.error.message);
    return Object.assign(ls, bought);
  }

  it('clients refused although CALs are available: per-user mode with device CALs → CLIENTS_REFUSED_MODE_MISMATCH', async () => {
    const ls = await serverWithPack();
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-user', [ls]);
    const d = await fx.estate.diagnose(sh);
    const f = finding(d.findings, 'CLIENTS_REFUSED_MODE_MISMATCH');
    expect(f.severity).toBe('blocking');
    expect(f.message).toContain('10 device CAL(s) are available');
    expect(f.fix).toContain(`opencal host config --mode per-device --layer policy --url ${sh.url}`);
    expect(d.plan.find((s) => s.step === 'configure')).toMatchObject({ done: false });
  });

  it('clients refused although CALs are available: no license server declared → NO_LICENSE_SERVER_SPECIFIED', async () => {
    const ls = await serverWithPack();
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', []);
    const d = await fx.estate.diagnose(sh, { licenseServerUrls: [ls.url] });
    const f = finding(d.findings, 'NO_LICENSE_SERVER_SPECIFIED');
    expect(f.severity).toBe('blocking');
    expect(f.fix).toContain(`opencal host config --license-servers ${ls.url} --layer policy --url ${sh.url}`);
  });

  it('phantom licenses: the old server still runs and issues after the reissue → PHANTOM_LICENSES', async () => {
    const old = await serverWithPack();
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [old]);
    expect(await device(sh.url, 'PC-01')).toMatchObject({ ok: true, value: { cal: { kind: 'temporary' } } });
    expect(await device(sh.url, 'PC-01')).toMatchObject({ ok: true, value: { cal: { kind: 'permanent' } } });
    expect((await old.ls.useCases.checkIn()).ok).toBe(true);

    const fresh = await fx.estate.licenseServer();
    const code = await fresh.ls.useCases.makeMigrationCode({ reason: 'replaced', sourceId: old.serverId });
    if (!code.ok) throw new Error(code.error.message);
    const migrated = await callJson<{ case: { caseNumber: string } }>(fx.estate.chHttp.url, 'POST', '/ch/v1/portal/migrate', {
      token: fx.estate.orgToken,
      body: { migrationCode: code.value.migrationCode, packKey: old.packKey, program: 'select', calType: 'device', calVersion: 2019, agreementNumber: '1234567' },
    });
    if (!migrated.ok) throw new Error(migrated.error.message);
    const approved = await callJson<{ case: { keyPackId: string } }>(fx.estate.chHttp.url, 'POST', `/ch/v1/cases/${migrated.value.case.caseNumber}/approve`, {
      token: fx.estate.agentToken,
      body: { reason: 'hardware replaced' },
    });
    if (!approved.ok) throw new Error(approved.error.message);
    expect((await fresh.ls.useCases.installByKeyPackId({ keyPackId: approved.value.case.keyPackId, method: 'phone' })).ok).toBe(true);
    await fx.estate.configure(sh, 'per-device', [fresh]);
    // The old server is still running and checks in: its pack is invalidated but its CALs are still counted.
    await old.ls.useCases.checkIn();

    const d = await fx.estate.diagnose(sh, { licenseServerUrls: [old.url] });
    const phantoms = d.findings.filter((f) => f.code === 'PHANTOM_LICENSES');
    expect(phantoms.length).toBeGreaterThan(0);
    const onOld = phantoms.find((f) => f.subject === old.url);
    expect(onOld?.message).toContain('1 CAL(s) issued from pack');
    expect(onOld?.fix).toContain(`opencal licmgr deactivate --url ${old.url}`);
    expect(d.plan.find((s) => s.step === 'retire-old-server')).toMatchObject({ done: false, commands: [`opencal licmgr deactivate --url ${old.url}`] });
    expect(hasBlocking(d.findings)).toBe(false);
  });

  it('license server not activated → LICENSE_SERVER_NOT_ACTIVATED', async () => {
    const ls = await fx.estate.licenseServer({ activate: false });
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [ls]);
    const d = await fx.estate.diagnose(sh);
    const f = finding(d.findings, 'LICENSE_SERVER_NOT_ACTIVATED');
    expect(f.severity).toBe('blocking');
    expect(f.fix).toContain(`opencal licmgr activate --method auto --org-token <ORG_TOKEN> --url ${ls.url}`);
    expect(d.plan.find((s) => s.step === 'activate')).toMatchObject({ done: false });
  });

  it('a 2022 session host on a 2019 license server → VERSION_NOT_HOSTABLE', async () => {
    const ls = await serverWithPack();
    const sh = await fx.estate.sessionHost({ hostVersion: 2022 });
    await fx.estate.configure(sh, 'per-device', [ls]);
    const f = finding((await fx.estate.diagnose(sh)).findings, 'VERSION_NOT_HOSTABLE');
    expect(f.severity).toBe('blocking');
    expect(f.message).toContain(`License server ${ls.url} is version 2019`);
  });

  it('a 2022 session host with only 2019 CALs → CAL_VERSION_NOT_ACCEPTED', async () => {
    const ls = await serverWithPack({ calVersion: 2019 }, 2022);
    const sh = await fx.estate.sessionHost({ hostVersion: 2022 });
    await fx.estate.configure(sh, 'per-device', [ls]);
    const f = finding((await fx.estate.diagnose(sh)).findings, 'CAL_VERSION_NOT_ACCEPTED');
    expect(f.severity).toBe('blocking');
    expect(f.fix).toContain(`opencal licmgr install --pack-key <PACK_KEY> --url ${ls.url}`);
  });

  it('mode not configured: MODE_NOT_CONFIGURED, then GRACE_PERIOD_ENDING within 14 days, then GRACE_PERIOD_EXPIRED', async () => {
    const ls = await serverWithPack();
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'not-configured', [ls]);
    let d = await fx.estate.diagnose(sh);
    expect(finding(d.findings, 'MODE_NOT_CONFIGURED').fix).toContain(`opencal host config --mode per-device --layer policy --url ${sh.url}`);
    expect(d.findings.some((f) => f.code.startsWith('GRACE_'))).toBe(false);

    fx.estate.clock.advance(110 * DAY_MS);
    d = await fx.estate.diagnose(sh);
    const ending = finding(d.findings, 'GRACE_PERIOD_ENDING');
    expect(ending.severity).toBe('warning');
    expect(ending.message).toMatch(/ends in 1[0-9] day\(s\)|ends in [0-9] day\(s\)/);

    fx.estate.clock.advance(11 * DAY_MS);
    d = await fx.estate.diagnose(sh);
    const expired = finding(d.findings, 'GRACE_PERIOD_EXPIRED');
    expect(expired.severity).toBe('blocking');
    expect(expired.message).toContain('event 1069');
  });

  it('per-user mode in a workgroup → PER_USER_IN_WORKGROUP', async () => {
    const ls = await serverWithPack({ calType: 'user' });
    const sh = await fx.estate.sessionHost({ directory: 'workgroup' });
    await fx.estate.configure(sh, 'per-user', [ls]);
    const f = finding((await fx.estate.diagnose(sh)).findings, 'PER_USER_IN_WORKGROUP');
    expect(f.severity).toBe('blocking');
    expect(f.fix).toContain(`opencal host config --mode per-device --layer policy --url ${sh.url}`);
  });

  it('the only listed license server is down → LICENSE_SERVER_UNREACHABLE', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [down]);
    const f = finding((await fx.estate.diagnose(sh)).findings, 'LICENSE_SERVER_UNREACHABLE');
    expect(f.severity).toBe('blocking');
    expect(f.subject).toBe(down);
    expect(f.fix).toContain(`opencal licmgr status --url ${down}`);
  });

  it('the session host is not on the license server allow-list (4141) → HOST_NOT_ALLOWED', async () => {
    const ls = await serverWithPack();
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [ls]);
    expect((await ls.ls.useCases.setAllowList({ enabled: true, hosts: ['RDSH-99'] })).ok).toBe(true);
    await device(sh.url, 'PC-01');
    const d = await fx.estate.diagnose(sh);
    const f = finding(d.findings, 'HOST_NOT_ALLOWED');
    expect(f.severity).toBe('blocking');
    expect(f.fix).toContain(`opencal licmgr hosts allow RDSH-01 --url ${ls.url}`);
    expect(f.commands).toEqual([`opencal licmgr hosts allow RDSH-01 --url ${ls.url}`, `opencal licmgr hosts list --url ${ls.url}`]);
    expect(d.snapshot.events.some((e) => e.id === 4141 && e.component === 'license-server')).toBe(true);
  });

  it('a session host not enrolled on its license server → HOST_NOT_ENROLLED', async () => {
    const ls = await serverWithPack();
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [ls], false);
    const f = finding((await fx.estate.diagnose(sh)).findings, 'HOST_NOT_ENROLLED');
    expect(f.severity).toBe('blocking');
    expect(f.fix).toContain(`opencal host enroll --license-server ${ls.url} --join-token <JOIN_TOKEN> --url ${sh.url}`);
  });

  it('every CAL issued → NO_CALS_AVAILABLE', async () => {
    const ls = await serverWithPack({ count: 1 });
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [ls]);
    await device(sh.url, 'PC-01');
    expect(await device(sh.url, 'PC-01')).toMatchObject({ ok: true, value: { cal: { kind: 'permanent' } } });
    const f = finding((await fx.estate.diagnose(sh)).findings, 'NO_CALS_AVAILABLE');
    expect(f.severity).toBe('blocking');
    expect(f.fix).toContain(`opencal licmgr install --pack-key <PACK_KEY> --url ${ls.url}`);
  });

  it('two of ten CALs revoked (the 20 % limit) → REVOKE_BUDGET_EXHAUSTED', async () => {
    const ls = await serverWithPack({ count: 10 });
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [ls]);
    for (const name of ['PC-01', 'PC-02', 'PC-03']) {
      await device(sh.url, name);
      expect(await device(sh.url, name)).toMatchObject({ ok: true, value: { cal: { kind: 'permanent' } } });
    }
    expect((await ls.ls.useCases.revoke({ device: 'PC-01' })).ok).toBe(true);
    expect((await ls.ls.useCases.revoke({ device: 'PC-02' })).ok).toBe(true);
    expect(await ls.ls.useCases.revoke({ device: 'PC-03' })).toMatchObject({ ok: false, error: { code: 'REVOKE_LIMIT_REACHED' } });
    const f = finding((await fx.estate.diagnose(sh)).findings, 'REVOKE_BUDGET_EXHAUSTED');
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('the limit of 2 (20 % of 10 installed)');
    expect(f.fix).toContain(`opencal licmgr issued --type device --url ${ls.url}`);
  });

  it('certificate expiring within 30 days → CERTIFICATE_EXPIRING, then expired → CERTIFICATE_EXPIRED', async () => {
    const ls = await serverWithPack();
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [ls]);
    fx.estate.clock.advance(720 * DAY_MS);
    let f = finding((await fx.estate.diagnose(sh)).findings, 'CERTIFICATE_EXPIRING');
    expect(f.severity).toBe('warning');
    expect(f.fix).toContain(`--reason certificate-expired --url ${ls.url}`);
    fx.estate.clock.advance(20 * DAY_MS);
    f = finding((await fx.estate.diagnose(sh)).findings, 'CERTIFICATE_EXPIRED');
    expect(f.severity).toBe('blocking');
  });

  it('0 CALs after a rebuild made while the clearinghouse was down → NO_CALS_AFTER_REINSTALL (reinstall the pack)', async () => {
    const ls = await serverWithPack();
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [ls]);
    const down = await fx.estate.suspendClearinghouse();
    expect((await ls.ls.useCases.rebuild({ force: true })).ok).toBe(true);
    await down.resume();
    const d = await fx.estate.diagnose(sh);
    const f = finding(d.findings, 'NO_CALS_AFTER_REINSTALL');
    expect(f.severity).toBe('blocking');
    expect(f.message).toContain('rebuilt');
    expect(f.fix).toContain(`opencal licmgr install --pack-key <PACK_KEY> --url ${ls.url}`);
    expect(finding(d.findings, 'LICENSE_SERVER_NOT_ACTIVATED').subject).toBe(ls.url);
  });

  it('without a license server token the server is reported as not inspected, and an unreachable clearinghouse as info', async () => {
    const ls = await serverWithPack();
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [ls]);
    const d = await fx.estate.diagnose(sh, { licenseServerToken: undefined, clearinghouseUrl: `http://127.0.0.1:${await closedPort()}` });
    expect(finding(d.findings, 'LICENSE_SERVER_NOT_INSPECTED')).toMatchObject({ severity: 'info', subject: ls.url });
    expect(finding(d.findings, 'CLEARINGHOUSE_UNREACHABLE')).toMatchObject({ severity: 'info' });
    expect(d.snapshot.licenseServers[0]).toMatchObject({ reachable: true, inspected: false, serverId: ls.serverId });
  });

  it('a session host that cannot be read is refused with the reason', async () => {
    const { runDiagnosis } = await import('../../src/diagnoser/index');
    const r = await runDiagnosis({ hostUrl: `http://127.0.0.1:${await closedPort()}`, token: 'x', clock: fx.estate.clock });
    expect(r).toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } });
    const sh = await fx.estate.sessionHost();
    const wrong = await runDiagnosis({ hostUrl: sh.url, token: 'not-a-token', clock: fx.estate.clock });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  });
});
