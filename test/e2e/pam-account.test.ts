/**
 * The PAM gate in the account phase, through the real libpam and pam_exec.so, driven by pamtester: a login
 * admitted, refused (with the message the person reads, in English or French), admitted in the session host's
 * grace period when no session host answers (and refused after it), failover to the next session host, a wrong
 * or exposed credential, and report-only. Needs root, pam_exec.so and pamtester: on CI (CI=true) their absence
 * fails; elsewhere the suite is skipped with a notice.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addDays, ManualClock } from '../../src/core/clock';
import { createSessionHost, type SessionHost } from '../../src/session-host/module';
import { openDatabase } from '../../src/storage/database';
import { serve, type Served } from '../helpers/serve';
import {
  freePort,
  missingForPam,
  PAMTESTER,
  removePamService,
  runProgram,
  uniqueServiceName,
  writeCredential,
  writePamConfig,
  writePamService,
  type PamConfigInput,
} from './pam-harness';

const T0 = new Date('2025-03-01T08:00:00.000Z');
/** Each login starts a process (node, the loader, the command line): a few seconds each on a busy machine. */
const LOGINS_TIMEOUT_MS = 180_000;
const missing = missingForPam([PAMTESTER]);

if (missing.length > 0) {
  describe('PAM gate, account phase (pamtester)', () => {
    if (process.env.CI === 'true') {
      it('needs root, pam_exec.so and pamtester on CI', () => {
        throw new Error(`missing: ${missing.join(', ')} (.ci/run installs pamtester)`);
      });
    } else {
      console.warn(`[notice] PAM gate pamtester tests skipped: missing ${missing.join(', ')}`);
      it.skip('needs root, pam_exec.so and pamtester', () => {});
    }
  });
} else {
  describe('PAM gate, account phase (pamtester)', () => {
    let dir: string;
    let service: string;
    let clock: ManualClock;
    let host: SessionHost;
    let sh: Served;
    let token: string;
    let files: { config: string; credential: string; state: string; log: string };

    const configure = (over: Partial<PamConfigInput> = {}) =>
      writePamConfig(files.config, { sessionHosts: [sh.url], credentialFile: files.credential, stateFile: files.state, logFile: files.log, ...over });

    /** One login of `user` from `rhost`, account phase, as sshd would ask it. */
    const login = (user = 'alice', rhost = '10.1.2.3') => runProgram(PAMTESTER, ['-v', '-I', `rhost=${rhost}`, service, user, 'acct_mgmt']);
    const lastLog = () => readFileSync(files.log, 'utf8').trim().split('\n').filter((l) => l.includes(' opencal gate pam: ')).at(-1) ?? '';

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'opencal-pam-'));
      chmodSync(dir, 0o755);
      files = { config: join(dir, 'pam.json'), credential: join(dir, 'gate-credential'), state: join(dir, 'state', 'pam-gate-state.json'), log: join(dir, 'pam.log') };
      service = uniqueServiceName('acct');
      writePamService(service, files.config);
      clock = new ManualClock(T0);
      host = await createSessionHost({
        database: await openDatabase('sqlite::memory:'),
        clock,
        hostName: 'LINUX-RDSH',
        hostVersion: 2019,
        directory: 'domain',
        refreshIntervalMs: 0,
        configFile: { policy: { mode: 'per-device' } },
      });
      sh = await serve(host.module);
      token = (await host.useCases.createGateCredential('pamtester')).token;
    }, 60_000);

    afterAll(async () => {
      if (service) removePamService(service);
      await sh?.close();
      await host?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    // The session host's grace period only moves forward (its clock high-water mark): the tests run in this order.
    beforeEach(() => {
      writeCredential(files.credential, token);
      rmSync(files.state, { force: true });
      configure();
    });

    it('a login in the grace period is admitted, recorded for its remote host, and the grace period is kept for an outage', async () => {
      const r = await login();
      expect(r.exit, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).not.toContain('opencal gate pam'); // the administrator's line is not for the person logging in
      expect(lastLog()).toMatch(/admitted user alice from 10\.1\.2\.3 \(opencal-test-acct-[0-9a-f]+\): grace/);
      const [last] = await host.useCases.admissions({ limit: 1 });
      expect(last).toMatchObject({ device: '10.1.2.3', user: 'alice', admitted: true, basis: 'grace' });
      expect(last?.hwid).toMatch(/^PAM-[0-9A-F]{24}$/);
      expect(JSON.parse(readFileSync(files.state, 'utf8')).graceUntil).toMatch(/^\d{4}-/);
    }, LOGINS_TIMEOUT_MS);

    it('when no session host answers, a login is admitted within the grace period the session host last reported, and refused once it is over', async () => {
      expect((await login()).exit).toBe(0); // the session host says: 120 grace days left
      const closed = `http://127.0.0.1:${await freePort()}`;
      configure({ sessionHosts: [closed] });
      const inGrace = await login('bob', '10.1.2.4');
      expect(inGrace.exit, inGrace.stdout + inGrace.stderr).toBe(0);
      expect(lastLog()).toContain('admitted user bob from 10.1.2.4');
      expect(lastLog()).toContain('in the grace period');
      expect(lastLog()).toContain('ECONNREFUSED');

      rmSync(files.state, { force: true }); // nothing known of the session host's grace period: no silent admit
      const unknown = await login('bob', '10.1.2.4');
      expect(unknown.exit).not.toBe(0);
      expect(unknown.stdout).toContain('the licensing service cannot be reached and the grace period of this server is over (SESSION_HOST_UNREACHABLE)');
    }, LOGINS_TIMEOUT_MS);

    it('the next session host on the list answers when the first does not (failover)', async () => {
      const closed = `http://127.0.0.1:${await freePort()}`;
      configure({ sessionHosts: [closed, sh.url] });
      const r = await login('carol', '10.1.2.5');
      expect(r.exit, r.stdout + r.stderr).toBe(0);
      expect(lastLog()).toContain(`session host ${sh.url}`);
    }, LOGINS_TIMEOUT_MS);

    it('a wrong credential, or a credential file others may read, refuses the login and tells the administrator what to fix', async () => {
      writeCredential(files.credential, 'ocal_this-is-not-the-credential-of-this-host');
      const wrong = await login();
      expect(wrong.exit).not.toBe(0);
      expect(wrong.stdout).toContain('the licence check of this server is not set up correctly (GATE_CREDENTIAL_INVALID)');
      expect(lastLog()).toContain('GATE_CREDENTIAL_INVALID');

      writeCredential(files.credential, token, 0o644);
      const exposed = await login();
      expect(exposed.exit).not.toBe(0);
      expect(exposed.stdout).toContain('(PAM_GATE_MISCONFIGURED)');
      expect(lastLog()).toContain(`The gate credential file ${files.credential} has mode 0644: others may read it. Make it readable by root only: chmod 600 ${files.credential}`);
    }, LOGINS_TIMEOUT_MS);

    it('after the grace period with no license server, the login is refused and the person reads why, in English or in French', async () => {
      clock.set(addDays(T0, 121));
      const en = await login();
      expect(en.exit).not.toBe(0);
      expect(en.stdout).toContain('Access refused: no Remote Desktop licence (CAL) is available for this connection (NO_LICENSE_SERVER_AVAILABLE). Contact your administrator.');
      expect(lastLog()).toContain('refused user alice from 10.1.2.3');

      configure({ language: 'fr' });
      const fr = await login();
      expect(fr.exit).not.toBe(0);
      expect(fr.stdout).toContain("Accès refusé : aucune licence d'accès client (CAL) des services Bureau à distance n'est disponible pour cette connexion (NO_LICENSE_SERVER_AVAILABLE).");
      const refused = await host.useCases.admissions({ outcome: 'refused', limit: 5 });
      expect(refused.map((a) => a.code)).toContain('NO_LICENSE_SERVER_AVAILABLE');
    }, LOGINS_TIMEOUT_MS);

    it('report-only admits the login the session host refuses, and both sides log the refusal that would have happened', async () => {
      clock.set(addDays(T0, 121));
      configure({ reportOnly: true });
      const r = await login('dave', '10.1.2.6');
      expect(r.exit, r.stdout + r.stderr).toBe(0);
      expect(lastLog()).toContain('report only: admitted user dave from 10.1.2.6');
      expect(lastLog()).toContain('would have been refused: NO_LICENSE_SERVER_AVAILABLE');
      const events = await host.context.database.db.selectFrom('events').selectAll().where('event_id', '=', 9213).execute();
      expect(events.length).toBeGreaterThan(0);
      expect(existsSync(files.state)).toBe(false); // a refusal says nothing of the grace period
    }, LOGINS_TIMEOUT_MS);
  });
}
