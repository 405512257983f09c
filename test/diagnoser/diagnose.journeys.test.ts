/**
 * The diagnoser against real components over HTTP: each state of the source document's troubleshooting table
 * and each extra check is built with the real clearinghouse, license servers and session host, then gathered,
 * diagnosed and asserted by finding code and fix.
 */
import { expect, it } from 'vitest';
import { callJson } from '../../src/http/client';
import { phoneScriptFor, renderFindings, renderPlan } from '../../src/diagnoser/index';
import { describeEachDatabase } from '../helpers/databases';
import { COMPANY, estateForEachTest, finding } from './estate';

describeEachDatabase('diagnoser against a real estate over HTTP', (tdb) => {
  const fx = estateForEachTest(() => tdb.open());
  const device = fx.device;

  it('a healthy estate gives no blocking finding, and the plan has only the verification left', async () => {
    const { packKey } = await fx.estate.buyPack();
    const ls = await fx.estate.licenseServer();
    expect((await fx.estate.install(ls, packKey)).ok).toBe(true);
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [ls]);

    const d = await fx.estate.diagnose(sh);
    expect(d.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(d.blocking).toBe(false);
    expect(d.snapshot.licenseServers[0]).toMatchObject({ reachable: true, inspected: true, serverId: ls.serverId, activation: { status: 'activated' } });
    expect(d.snapshot.licenseServers[0]!.keyPacks).toMatchObject([{ calType: 'device', calVersion: 2019, total: 10, available: 10, status: 'active' }]);
    expect(d.plan.filter((s) => !s.done).map((s) => s.step)).toEqual(['verify']);
  });

  it("the source document's story: already activated, 0 CALs after the reinstall, Pending, reissue, then no blocking finding", async () => {
    const { packNumber, packKey } = await fx.estate.buyPack();
    const old = await fx.estate.licenseServer();
    expect((await fx.estate.install(old, packKey)).ok).toBe(true);
    const sh = await fx.estate.sessionHost();
    await fx.estate.configure(sh, 'per-device', [old]);
    expect((await device(sh.url, 'PC-01')).ok).toBe(true);
    expect((await old.ls.useCases.checkIn()).ok).toBe(true);

    // Reinstall: the old server is gone, the new one has a new license server ID and an empty database.
    await old.stop();
    const fresh = await fx.estate.licenseServer();
    expect(fresh.serverId).not.toBe(old.serverId);
    const refused = await fx.estate.install(fresh, packKey);
    expect(refused).toMatchObject({ ok: false, error: { code: 'PACK_ALREADY_ACTIVATED' } });

    let d = await fx.estate.diagnose(sh, { licenseServerUrls: [fresh.url] });
    expect(d.blocking).toBe(true);
    const elsewhere = finding(d.findings, 'PACK_ACTIVE_ON_OTHER_SERVER');
    expect(elsewhere.severity).toBe('blocking');
    expect(elsewhere.message).toContain(old.serverId);
    expect(elsewhere.fix).toContain(`opencal licmgr migration-code --reason reinstalled --source-id ${old.serverId} --url ${fresh.url}`);
    expect(finding(d.findings, 'NO_CALS_AFTER_REINSTALL').fix).toContain(`opencal licmgr install --key-pack-id <KEY_PACK_ID> --url ${fresh.url}`);
    expect(finding(d.findings, 'LICENSE_SERVER_UNREACHABLE').subject).toBe(old.url);
    expect(d.plan.filter((s) => !s.done).map((s) => s.step)).toEqual(['migrate', 'reissue', 'install', 'configure', 'verify']);

    // Portal migration with the new server's 45-character code: Pending (the old server checked in recently).
    const code = await fresh.ls.useCases.makeMigrationCode({ reason: 'reinstalled', sourceId: old.serverId });
    if (!code.ok) throw new Error(code.error.message);
    const migrated = await callJson<{ case: { caseNumber: string; status: string } }>(fx.estate.chHttp.url, 'POST', '/ch/v1/portal/migrate', {
      token: fx.estate.orgToken,
      body: { migrationCode: code.value.migrationCode, packKey, program: 'select', calType: 'device', calVersion: 2019, agreementNumber: '1234567' },
    });
    if (!migrated.ok) throw new Error(migrated.error.message);
    expect(migrated.value.case.status).toBe('pending');
    const caseNumber = migrated.value.case.caseNumber;

    d = await fx.estate.diagnose(sh, { licenseServerUrls: [fresh.url] });
    const pending = finding(d.findings, 'PORTAL_CASE_PENDING');
    expect(pending.message).toContain(caseNumber);
    expect(pending.message).toContain('The agent awaits: the source license server checked in recently');
    expect(pending.fix).toContain(`opencal phone-script --case ${caseNumber} --lang fr`);
    expect(d.plan.filter((s) => !s.done).map((s) => s.step)).toEqual(['reissue', 'install', 'configure', 'verify']);

    // The phone script, filled in with this site's values (the pack key masked but for its last group).
    const script = phoneScriptFor(d.snapshot, { lang: 'fr', caseNumber, organization: 'Contoso SARL', contact: 'Jeanne Martin', packKey });
    if (!script.ok) throw new Error(script.error.message);
    expect(script.value).toContain(`* ID du serveur de licences (nouveau) : ${fresh.serverId}`);
    expect(script.value).toContain(`Le pack de 10 CALs RDS 2019 Per Device apparaît déjà activé sur l'ancienne instance (ID ${old.serverId}).`);
    expect(script.value).toContain(`XXXXX-XXXXX-XXXXX-XXXXX-${packKey.slice(-5)}`);
    expect(script.value).not.toContain(packKey.slice(0, 5));
    expect(script.value).toContain(`Numéro de dossier : ${caseNumber}`);
    // Without --organization or --contact, the script names who activated the new server (name, company, country).
    const filled = phoneScriptFor(d.snapshot, { lang: 'fr', caseNumber });
    if (!filled.ok) throw new Error(filled.error.message);
    expect(filled.value).toContain(`organisation : ${COMPANY.company} ; contact : Jeanne Martin (Contoso SARL, FR)`);
    expect(filled.value).not.toMatch(/(organisation|contact) : à préciser/);
    expect(d.snapshot.licenseServers.find((l) => l.url === fresh.url)!.activation!.contact).toEqual(COMPANY);
    const english = phoneScriptFor(d.snapshot, { lang: 'en', caseNumber, organization: 'Contoso SARL', contact: 'Jeanne Martin' });
    expect(english.ok && english.value).toContain('Request: reissue the pack to the new server and invalidate the old one.');
    expect(renderFindings(d.findings, d.snapshot)).toContain(`[WARNING] PORTAL_CASE_PENDING: Case ${caseNumber}`);
    expect(renderPlan(d.plan)).toContain(`$ opencal phone-script --case ${caseNumber} --lang fr`);

    // The phone path: the agent approves (reissue + invalidation) and reads back the key pack ID.
    const approved = await callJson<{ case: { status: string; keyPackId?: string } }>(fx.estate.chHttp.url, 'POST', `/ch/v1/cases/${caseNumber}/approve`, {
      token: fx.estate.agentToken,
      body: { reason: 'reinstalled license server, pack reissued by phone' },
    });
    if (!approved.ok) throw new Error(approved.error.message);
    expect(approved.value.case).toMatchObject({ status: 'approved' });
    d = await fx.estate.diagnose(sh, { licenseServerUrls: [fresh.url] });
    const install = d.plan.find((s) => s.step === 'install')!;
    expect(install.done).toBe(false);
    expect(install.commands[0]).toBe(`opencal licmgr install --key-pack-id ${approved.value.case.keyPackId} --url ${fresh.url}`);
    expect(d.plan.filter((s) => !s.done).map((s) => s.step)).toEqual(['install', 'configure', 'verify']);

    const installed = await fresh.ls.useCases.installByKeyPackId({ keyPackId: approved.value.case.keyPackId!, method: 'phone' });
    expect(installed).toMatchObject({ ok: true, value: { pack: packNumber, total: 10 } });
    await fx.estate.configure(sh, 'per-device', [fresh]);

    d = await fx.estate.diagnose(sh);
    expect(d.findings.filter((f) => f.severity === 'blocking')).toEqual([]);
    expect(d.plan.filter((s) => !s.done).map((s) => s.step)).toEqual(['verify']);
    // The device holding the old server's CAL gets a temporary CAL, then a permanent one, from the new server.
    expect(await device(sh.url, 'PC-01')).toMatchObject({ ok: true, value: { cal: { kind: 'temporary' } } });
    expect(await device(sh.url, 'PC-01')).toMatchObject({ ok: true, value: { cal: { kind: 'permanent', licenseServerId: fresh.serverId } } });
  });
});
