/**
 * Real remote logins gated by OpenCAL: a real sshd (its own port, configuration, host key and pid file, UsePAM yes,
 * its own PAM service file with the gate) and the real ssh client (key authentication, BatchMode) logging in as a
 * test user, against the all-in-one in demo mode (manual clock). Shows: a per-user CAL issued at the first login
 * and listed by `licmgr issued`; with the pack exhausted and the grace period over, the login refused with the
 * message shown by the ssh client; report-only admitting and logging. Needs root, sshd, ssh and pam_exec.so: on CI
 * (CI=true) their absence fails; elsewhere the suite is skipped with a notice. Nothing of the machine's own sshd or
 * PAM configuration is touched; the user, the PAM service file and every process started are removed or stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  freePort,
  missingForPam,
  removePamService,
  runProgram,
  SSH,
  SSH_KEYGEN,
  SSHD,
  uniqueServiceName,
  writeCredential,
  writePamConfig,
  writePamService,
} from './pam-harness';

const ADMIN = `ocal_pam-sshd-admin-${randomBytes(8).toString('hex')}`;
const PRIVSEP_DIR = '/run/sshd';
const missing = missingForPam([SSHD, SSH, SSH_KEYGEN, '/usr/sbin/useradd', '/usr/sbin/userdel']);

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}): ${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}: ${output()}`);
}

function stop(child: ChildProcess | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

if (missing.length > 0) {
  describe('PAM gate behind a real sshd and ssh client', () => {
    if (process.env.CI === 'true') {
      it('needs root, sshd, ssh and pam_exec.so on CI', () => {
        throw new Error(`missing: ${missing.join(', ')} (.ci/run installs openssh-server, openssh-client and pamtester)`);
      });
    } else {
      console.warn(`[notice] PAM gate sshd test skipped: missing ${missing.join(', ')}`);
      it.skip('needs root, sshd, ssh and pam_exec.so', () => {});
    }
  });
} else {
  describe('PAM gate behind a real sshd and ssh client', () => {
    let dir: string;
    let service: string | undefined;
    let user: string | undefined;
    let madePrivsepDir = false;
    let server: ChildProcess | undefined;
    let sshd: ChildProcess | undefined;
    let sshdOutput = '';
    let url: string;
    let sshPort: number;
    let credential: string;
    let files: { config: string; credential: string; state: string; log: string };

    /** `opencal ARGS --url --token --json`, expecting success. */
    async function opencal(args: string[]): Promise<any> {
      const r = await runProgram(process.execPath, [BIN, ...args, '--url', url, '--token', ADMIN, '--json'], { env: { ...process.env, OPENCAL_URL: '', OPENCAL_TOKEN: '' } });
      if (r.exit !== 0) throw new Error(`opencal ${args.join(' ')} exited ${r.exit}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    }

    const configure = (reportOnly: boolean) =>
      writePamConfig(files.config, { sessionHosts: [url], credentialFile: files.credential, stateFile: files.state, logFile: files.log, reportOnly });

    /** One login with the real ssh client: key authentication, no prompt, no user or system ssh configuration. */
    const login = () =>
      runProgram(
        SSH,
        [
          '-F', '/dev/null',
          '-p', String(sshPort),
          '-i', join(dir, 'client_key'),
          '-o', 'BatchMode=yes',
          '-o', 'IdentitiesOnly=yes',
          '-o', 'StrictHostKeyChecking=no',
          '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
          '-o', 'ConnectTimeout=30',
          `${user}@127.0.0.1`,
          'echo opencal-login-ok',
        ],
        { timeoutMs: 90_000 },
      );
    const lastLog = () => readFileSync(files.log, 'utf8').trim().split('\n').filter((l) => l.includes(' opencal gate pam: ')).at(-1) ?? '';

    /** A device of the demo's pack connecting twice through the session host (temporary, then permanent). */
    async function permanentDevice(name: string): Promise<string> {
      const post = async (cals: unknown[]) => {
        const r = await fetch(`${url}/sh/v1/connect`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
          body: JSON.stringify({ device: name, hwid: `hw-${name}`, cals }),
        });
        return (await r.json()) as { kind?: string; bundle?: unknown };
      };
      const first = await post([]);
      const second = await post(first.bundle ? [first.bundle] : []);
      return String(second.kind);
    }

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'opencal-sshd-'));
      chmodSync(dir, 0o755);
      files = { config: join(dir, 'pam.json'), credential: join(dir, 'gate-credential'), state: join(dir, 'state.json'), log: join(dir, 'pam-gate.log') };

      // the all-in-one with its demo pack (10 per-device CALs, Windows Server 2019) and its manual clock
      server = spawn(process.execPath, [BIN, 'serve', '--demo', '--data', join(dir, 'data'), '--host', '127.0.0.1', '--port', '0', '--log-level', 'silent', '--directory', 'domain'], {
        env: { ...process.env, OPENCAL_ADMIN_TOKEN: ADMIN, OPENCAL_URL: '', OPENCAL_TOKEN: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`the all-in-one did not start:\n${out}`)), 60_000);
        const read = (c: Buffer) => {
          out += c.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        };
        server!.stdout!.on('data', read);
        server!.stderr!.on('data', read);
        server!.once('exit', (code) => reject(new Error(`the all-in-one exited ${code}:\n${out}`)));
      });

      credential = (await opencal(['gate', 'credential', 'create', '--label', 'sshd pam'])).token;
      writeCredential(files.credential, credential);
      configure(false);

      // the test user, with only a key (no password) — created here, removed in afterAll
      user = `octest${randomBytes(3).toString('hex')}`;
      const add = await runProgram('/usr/sbin/useradd', ['-M', '-d', '/nonexistent', '-s', '/bin/sh', '-p', '*', user]);
      if (add.exit !== 0) throw new Error(`useradd: ${add.stderr}`);
      for (const [file, comment] of [['host_key', 'host'], ['client_key', 'client']] as const) {
        const k = await runProgram(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', `opencal-test-${comment}`, '-f', join(dir, file)]);
        if (k.exit !== 0) throw new Error(`ssh-keygen: ${k.stderr}`);
      }
      writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o644 });

      // sshd under a unique name: OpenSSH takes its PAM service name from the name it was started as
      service = uniqueServiceName('sshd');
      writePamService(service, files.config);
      symlinkSync(SSHD, join(dir, service));
      sshPort = await freePort();
      writeFileSync(
        join(dir, 'sshd_config'),
        [
          `Port ${sshPort}`,
          'ListenAddress 127.0.0.1',
          `HostKey ${join(dir, 'host_key')}`,
          `PidFile ${join(dir, 'sshd.pid')}`,
          'UsePAM yes',
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
          'StrictModes no',
          `AllowUsers ${user}`,
          'PermitRootLogin no',
          'UseDNS no',
          'LogLevel VERBOSE',
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      if (!existsSync(PRIVSEP_DIR)) {
        mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
        madePrivsepDir = true;
      }
      // sshd re-executes itself: it needs an absolute path
      sshd = spawn(join(dir, service), ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'pipe', 'pipe'] });
      sshd.stdout!.on('data', (c: Buffer) => (sshdOutput += c.toString()));
      sshd.stderr!.on('data', (c: Buffer) => (sshdOutput += c.toString()));
      await waitForPort(sshPort, sshd, () => sshdOutput);
    }, 180_000);

    afterAll(async () => {
      await stop(sshd);
      await stop(server);
      if (user) await runProgram('/usr/sbin/userdel', [user]);
      if (service) removePamService(service);
      if (madePrivsepDir) rmdirSync(PRIVSEP_DIR);
      if (dir) rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    it('in per-user mode the first login takes a per-user CAL for the PAM user, listed by licmgr issued', async () => {
      await opencal(['host', 'config', '--mode', 'per-user', '--layer', 'local']);
      const r = await login();
      expect(r.exit, `${r.stdout}\n${r.stderr}\nsshd:\n${sshdOutput}`).toBe(0);
      expect(r.stdout).toContain('opencal-login-ok');
      expect(lastLog()).toContain(`admitted user ${user} from 127.0.0.1 (${service}): issued`);
      const issued = (await opencal(['licmgr', 'issued'])) as { issued: { user?: string; calType: string; status: string }[] };
      expect(issued.issued.filter((c) => c.user === user)).toEqual([expect.objectContaining({ calType: 'user', status: 'active' })]);
    }, 120_000);

    it('with the pack exhausted and the grace period over, the login is refused and the ssh client shows the message', async () => {
      await opencal(['host', 'config', '--mode', 'per-device', '--layer', 'local']);
      const first = await login(); // day 0: a temporary CAL for device 127.0.0.1 (90 days)
      expect(first.exit, first.stderr).toBe(0);
      await opencal(['clock', 'advance', '85d']);
      for (let i = 1; i <= 10; i++) expect(await permanentDevice(`PC-${String(i).padStart(2, '0')}`)).toBe('permanent'); // the 10 CALs of the pack
      expect(await permanentDevice('PC-11')).toBe('temporary');
      await opencal(['clock', 'advance', '36d']); // day 121: the grace period (120 days) and the temporary CAL are over

      const refused = await login();
      expect(refused.exit).not.toBe(0);
      expect(refused.stdout).not.toContain('opencal-login-ok');
      expect(refused.stderr).toContain('Access refused: no Remote Desktop licence (CAL) is available for this connection (NO_CAL_AVAILABLE). Contact your administrator.');
      expect(lastLog()).toContain(`refused user ${user} from 127.0.0.1 (${service}): NO_CAL_AVAILABLE`);
      const admissions = (await opencal(['host', 'admissions', '--outcome', 'refused', '--device', '127.0.0.1'])) as { admissions: { code: string }[] };
      expect(admissions.admissions[0]?.code).toBe('NO_CAL_AVAILABLE');
    }, 180_000);

    it('in report-only mode the same login is admitted, and the refusal that would have happened is logged and counted', async () => {
      configure(true);
      const r = await login();
      expect(r.exit, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('opencal-login-ok');
      expect(r.stderr).not.toContain('Access refused');
      expect(lastLog()).toContain(`report only: admitted user ${user} from 127.0.0.1 (${service}), which would have been refused: NO_CAL_AVAILABLE`);
      const events = (await (await fetch(`${url}/sh/v1/events?eventId=9213`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { events: { message: string }[] };
      expect(events.events.map((e) => e.message)).toEqual([expect.stringContaining(`Report only: front end sshd pam admitted user ${user} from device 127.0.0.1`)]);
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
      expect(metrics).toContain('opencal_gate_report_only_refusals_total{code="NO_CAL_AVAILABLE"} 1');
    }, 120_000);
  });
}
