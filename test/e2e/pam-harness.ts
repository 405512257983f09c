/**
 * What the PAM gate tests share: the requirements check (root, pam_exec, pamtester, sshd, ssh), a PAM service
 * file of their own under /etc/pam.d with a unique name (created and removed by the test), the gate's
 * configuration and credential files in a temporary directory, and running a process to its end.
 * Nothing of the machine's own sshd or PAM configuration is touched.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'opencal.mjs');
export const PAMTESTER = '/usr/bin/pamtester';
export const SSHD = '/usr/sbin/sshd';
export const SSH = '/usr/bin/ssh';
export const SSH_KEYGEN = '/usr/bin/ssh-keygen';
export const PAM_EXEC = ['/lib/x86_64-linux-gnu/security/pam_exec.so', '/usr/lib/x86_64-linux-gnu/security/pam_exec.so', '/lib/security/pam_exec.so'];

/** What is missing to run the PAM tests here (empty: they run). */
export function missingForPam(tools: readonly string[]): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (the tests write a PAM service file and create a user)');
  if (!PAM_EXEC.some((p) => existsSync(p))) missing.push('pam_exec.so (libpam-modules)');
  for (const tool of tools) if (!existsSync(tool)) missing.push(tool);
  return missing;
}

/** A unique PAM service name: the test's own file under /etc/pam.d, never one of the machine's. */
export function uniqueServiceName(kind: string): string {
  return `opencal-test-${kind}-${randomBytes(4).toString('hex')}`;
}

/**
 * The PAM service file of a test: the gate in the account phase exactly as docs/pam.md writes it (the command,
 * `stdout` so the person logging in reads the refusal), nothing else.
 */
export function writePamService(service: string, pamConfig: string): string {
  const file = join('/etc/pam.d', service);
  if (existsSync(file)) throw new Error(`${file} exists already: not ours to overwrite`);
  writeFileSync(
    file,
    [
      '# OpenCAL PAM gate test service (removed by the test)',
      'auth     required pam_permit.so',
      `account  required pam_exec.so stdout quiet ${process.execPath} ${BIN} gate pam --pam-config ${pamConfig}`,
      'session  required pam_permit.so',
      'password required pam_deny.so',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  return file;
}

export function removePamService(service: string): void {
  if (service.startsWith('opencal-test-')) rmSync(join('/etc/pam.d', service), { force: true });
}

export interface PamConfigInput {
  sessionHosts: string[];
  credentialFile: string;
  stateFile: string;
  logFile: string;
  reportOnly?: boolean;
  language?: string;
  timeoutMs?: number;
}

export function writePamConfig(file: string, config: PamConfigInput): void {
  writeFileSync(file, `${JSON.stringify({ timeoutMs: 3000, ...config }, null, 2)}\n`, { mode: 0o644 });
}

export function writeCredential(file: string, token: string, mode = 0o600): void {
  rmSync(file, { force: true });
  writeFileSync(file, `${token}\n`, { mode });
}

export interface Ran {
  exit: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (killed after `timeoutMs`). */
export function runProgram(file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env ?? process.env, cwd: options.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ exit: code ?? (signal ? 128 : -1), stdout, stderr });
    });
  });
}

/** A loopback port nobody listens on (for "session host unreachable", and for sshd's own port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
