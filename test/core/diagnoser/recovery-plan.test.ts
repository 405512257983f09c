import { describe, expect, it } from 'vitest';
import { planRecovery, REBUILD_WARNING } from '../../../src/core/recovery-plan';
import { CH_URL, HOST_URL, healthy, licenseServer, LS_URL, NEW_ID, OLD_ID, OLD_URL, seedSituation } from './fixtures';

const todo = (steps: ReturnType<typeof planRecovery>) => steps.filter((s) => !s.done).map((s) => s.step);

describe('planRecovery', () => {
  it("in French, the source document's plan has the same steps, state and commands, worded in French", () => {
    const en = planRecovery(seedSituation(), {});
    const fr = planRecovery(seedSituation(), { textLang: 'fr' });
    expect(fr.map((x) => [x.step, x.done, x.commands])).toEqual(en.map((x) => [x.step, x.done, x.commands]));
    expect(fr.map((x) => x.title)).toEqual([
      'Activer le serveur de licences',
      'Migrer le pack sur le portail',
      'Réémission : si le dossier reste en attente (Pending), appelez le Clearinghouse',
      'Installer le pack de licences réémis',
      "Configurer l'hôte de session : Par périphérique avec le nouveau serveur de licences",
      'Vérifier : diagnostic, journal des événements, périphériques de test',
    ]);
    const byStep = Object.fromEntries(fr.map((x) => [x.step, x]));
    expect(byStep['migrate']!.why).toContain(`est encore actif sur le serveur de licences ${OLD_ID}`);
    expect(byStep['install']!.warning).toBe('Ne reconstruisez pas la base de licences avant que la réémission soit acquise : sans elle, les CALs ne reviendront pas.');
    for (const step of fr) expect(`${step.title} ${step.why}`).not.toMatch(/\b(the|is|and)\b|`/);
  });

  it("for the source document's situation the steps to do are migrate → reissue → install → configure → verify", () => {
    const steps = planRecovery(seedSituation(), {});
    expect(steps.map((x) => x.step)).toEqual(['activate', 'migrate', 'reissue', 'install', 'configure', 'verify']);
    expect(todo(steps)).toEqual(['migrate', 'reissue', 'install', 'configure', 'verify']);
    const byStep = Object.fromEntries(steps.map((x) => [x.step, x]));
    expect(byStep['migrate']!.commands).toEqual([
      `opencal licmgr migration-code --reason reinstalled --source-id ${OLD_ID} --url ${LS_URL}`,
      `opencal portal migrate --migration-code <MIGRATION_CODE> --pack-key <PACK_KEY> --type device --version 2019 --program retail --proof <PROOF_OF_PURCHASE> --url ${CH_URL}`,
    ]);
    expect(byStep['reissue']!.commands[0]).toBe('opencal phone-script --lang fr');
    expect(byStep['install']!.commands[0]).toBe(`opencal licmgr install --key-pack-id <KEY_PACK_ID> --url ${LS_URL}`);
    expect(byStep['install']!.warning).toBe(REBUILD_WARNING);
    expect(byStep['configure']!.commands).toEqual([
      `opencal licmgr hosts add RDSH-01 --url ${LS_URL}`,
      `opencal host enroll --license-server ${LS_URL} --join-token <JOIN_TOKEN> --url ${HOST_URL}`,
      `opencal host config --mode per-device --license-servers ${LS_URL} --layer policy --url ${HOST_URL}`,
      `opencal host emit --format gpo --url ${HOST_URL}`,
      `opencal host emit --format powershell --url ${HOST_URL}`,
    ]);
    expect(byStep['verify']!.commands).toEqual([
      `opencal diagnose --host ${HOST_URL}`,
      'opencal events --component session-host --since 1h',
      `opencal device connect --host ${HOST_URL} --name TEST-PC-01`,
      `opencal device connect --host ${HOST_URL} --name TEST-PC-01`,
      `opencal licmgr issued --type device --url ${LS_URL}`,
    ]);
  });

  it('an unactivated new server starts with activation', () => {
    const s = seedSituation();
    s.licenseServers[1]!.activation = { status: 'unactivated' };
    expect(todo(planRecovery(s))).toEqual(['activate', 'migrate', 'reissue', 'install', 'configure', 'verify']);
  });

  it('a Pending case: the migration is done, the reissue step names the case and what the agent awaits', () => {
    const s = seedSituation();
    s.clearinghouse!.cases = [
      { caseNumber: 'CH-000123', status: 'pending', packNumber: 1, targetServerId: NEW_ID, sourceServerId: OLD_ID, awaiting: ['proof of purchase'] },
    ];
    const steps = planRecovery(s, { lang: 'en' });
    expect(todo(steps)).toEqual(['reissue', 'install', 'configure', 'verify']);
    const reissue = steps.find((x) => x.step === 'reissue')!;
    expect(reissue.title).toContain('CH-000123 is Pending');
    expect(reissue.why).toContain('The agent awaits: proof of purchase');
    expect(reissue.commands).toEqual(['opencal phone-script --case CH-000123 --lang en', `opencal ch case approve CH-000123 --reason <REASON> --url ${CH_URL}`]);
  });

  it('an approved case gives its key pack ID to the install step, and the rebuild warning goes away', () => {
    const s = seedSituation();
    s.clearinghouse!.cases = [
      { caseNumber: 'CH-000123', status: 'approved', packNumber: 1, targetServerId: NEW_ID, sourceServerId: OLD_ID, awaiting: [], keyPackId: 'KPID1-KPID2' },
    ];
    s.clearinghouse!.packs[0]!.activeOn = NEW_ID;
    const steps = planRecovery(s);
    expect(todo(steps)).toEqual(['install', 'configure', 'verify']);
    const install = steps.find((x) => x.step === 'install')!;
    expect(install.commands[0]).toBe(`opencal licmgr install --key-pack-id KPID1-KPID2 --url ${LS_URL}`);
    expect(install.warning).toBeUndefined();
  });

  it('a healthy estate only has the verification left', () => {
    expect(todo(planRecovery(healthy()))).toEqual(['verify']);
  });

  it('a session host in per-user mode with the old server is reconfigured per-device with the new server', () => {
    const s = healthy();
    s.sessionHost.mode = 'per-user';
    s.sessionHost.licenseServers = [OLD_URL];
    s.licenseServers = [{ url: OLD_URL, listed: true, reachable: false, inspected: false, keyPacks: [] }, licenseServer({ listed: false })];
    const steps = planRecovery(s);
    expect(todo(steps)).toEqual(['configure', 'verify']);
    expect(steps.find((x) => x.step === 'configure')!.commands[2]).toBe(`opencal host config --mode per-device --license-servers ${LS_URL} --layer policy --url ${HOST_URL}`);
  });

  it('an inconsistent database gets a rebuild step, with the warning while the reissue is not assured', () => {
    const s = seedSituation();
    s.licenseServers[1]!.keyPacks = [{ program: 'retail', calType: 'device', calVersion: 2019, total: 10, issued: 12, available: 0, status: 'active' }];
    const steps = planRecovery(s);
    const rebuild = steps.find((x) => x.step === 'rebuild')!;
    expect(rebuild.warning).toBe(REBUILD_WARNING);
    expect(rebuild.commands[0]).toBe(`opencal licmgr rebuild --url ${LS_URL}`);
    expect(steps.map((x) => x.step).indexOf('rebuild')).toBeLessThan(steps.map((x) => x.step).indexOf('install'));
    expect(steps.map((x) => x.step).indexOf('rebuild')).toBeGreaterThan(steps.map((x) => x.step).indexOf('reissue'));
  });

  it('no rebuild step when the database is sound', () => {
    expect(planRecovery(seedSituation()).some((x) => x.step === 'rebuild')).toBe(false);
  });

  it('an old server that still runs and holds the pack is deactivated first (its receipt lets the portal approve at once)', () => {
    const s = seedSituation();
    s.licenseServers[0] = licenseServer({
        url: OLD_URL,
        listed: true,
        serverId: OLD_ID,
        keyPacks: [{ pack: 1, program: 'retail', calType: 'device', calVersion: 2019, total: 10, issued: 4, available: 6, status: 'active' }],
    });
    const steps = planRecovery(s, { licenseServerUrl: LS_URL });
    expect(todo(steps)).toEqual(['retire-old-server', 'migrate', 'reissue', 'install', 'configure', 'verify']);
    expect(steps.find((x) => x.step === 'retire-old-server')!.commands).toEqual([`opencal licmgr deactivate --url ${OLD_URL}`]);
  });

  it('a pack never installed is installed directly, without a migration', () => {
    const s = seedSituation();
    s.clearinghouse!.packs = [{ packNumber: 3, program: 'select', calType: 'device', calVersion: 2019, count: 20, status: 'unassigned' }];
    const steps = planRecovery(s, { programData: '--agreement 1234567' });
    expect(todo(steps)).toEqual(['install', 'configure', 'verify']);
    expect(steps.find((x) => x.step === 'install')!.commands[0]).toBe(`opencal licmgr install --pack-key <PACK_KEY> --agreement 1234567 --url ${LS_URL}`);
  });

  it('without a clearinghouse the plan still follows the source document and uses the stated pack', () => {
    const s = seedSituation();
    delete s.clearinghouse;
    const steps = planRecovery(s, { pack: { calType: 'device', calVersion: 2019, program: 'open' }, reason: 'replaced' });
    expect(todo(steps)).toEqual(['migrate', 'reissue', 'install', 'configure', 'verify']);
    expect(steps.find((x) => x.step === 'migrate')!.commands).toEqual([
      `opencal licmgr migration-code --reason replaced --url ${LS_URL}`,
      'opencal portal migrate --migration-code <MIGRATION_CODE> --pack-key <PACK_KEY> --type device --version 2019 --program open --license-number <LICENSE_NUMBER> --authorization <AUTHORIZATION_NUMBER>',
    ]);
  });

  it("each step links to the console forms that do it, filled with what the snapshot shows and never with a placeholder", () => {
    const s = seedSituation();
    s.clearinghouse!.cases = [{ caseNumber: 'CH-000123', status: 'approved', packNumber: 1, targetServerId: NEW_ID, sourceServerId: OLD_ID, keyPackId: 'KPID', awaiting: [] }];
    const pending = planRecovery(seedSituation());
    const byStep = Object.fromEntries(pending.map((x) => [x.step, x]));
    expect(byStep['activate']!.forms).toEqual([{ form: 'ls-activation', fill: {} }]);
    expect(byStep['migrate']!.forms).toEqual([
      { form: 'ls-migration-code', fill: { sourceServerId: OLD_ID } },
      { form: 'portal-migrate', fill: { calType: 'device', calVersion: '2019', program: 'retail' } },
    ]);
    expect(byStep['configure']!.forms).toEqual([
      { form: 'ls-hosts', fill: { hostName: 'RDSH-01' } },
      { form: 'sh-enroll', fill: { licenseServerUrl: LS_URL } },
      { form: 'sh-configure', fill: { mode: 'per-device', licenseServers: LS_URL } },
    ]);
    expect(byStep['verify']!.forms!.map((f) => f.form)).toEqual(['sh-test-device', 'ls-issued']);
    const approved = Object.fromEntries(planRecovery(s).map((x) => [x.step, x]));
    expect(approved['reissue']!.forms).toEqual([
      { form: 'agent-case', fill: { caseNumber: 'CH-000123' } },
      { form: 'phone-script', fill: { caseNumber: 'CH-000123' } },
    ]);
    expect(approved['install']!.forms).toEqual([{ form: 'ls-install', fill: { keyPackId: 'KPID' } }]);
    for (const step of [...pending, ...planRecovery(s)]) for (const f of step.forms ?? []) expect(Object.values(f.fill).join(' ')).not.toMatch(/[<>]/);
  });
});
