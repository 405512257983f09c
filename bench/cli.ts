/**
 * `npm run bench:cli` (also a phase of `npm run bench`): what starting `opencal` costs, beside `node -e 0` in the
 * same run on the same machine. Never part of the test suite.
 *
 * - CPU (user + system) and wall time of `node -e 0`, `opencal --version`, an offline `opencal code check` of a
 *   valid code, and a client command (`opencal licmgr status --json`) against a running all-in-one server; each
 *   command is run OPENCAL_BENCH_CLI_RUNS times (default 10), interleaved, and the median is printed with its ratio
 *   to `node -e 0`'s median. CPU and wall time come from bash's `time` (getrusage of the child: every thread of the
 *   node process, as the kernel counts it).
 * - The all-in-one server (`opencal serve`): time from spawning the process to the first 200 of GET /healthz, on a
 *   new data directory and on a restart over the same one, the CPU it spent until then (from /proc), and its
 *   resident memory (RSS) after 3 s idle. On a busy machine wall times follow the load; CPU times much less.
 *
 * Goals (issue 11): `--version` and `code check` ≤ 3× the CPU of `node -e 0`; the client command ≤ 250 ms wall.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { encodeCode } from '../src/core/codes/index';

const RUNS = Number(process.env.OPENCAL_BENCH_CLI_RUNS ?? 10);
const root = new URL('..', import.meta.url).pathname;
const BIN = join(root, 'bin', 'opencal.mjs');
const ADMIN = 'ocal_bench-cli-admin-token-0000000001';
const run = promisify(execFile);

interface Sample {
  wallMs: number;
  cpuMs: number;
}

function line(label: string, value: string) {
  process.stdout.write(`${label.padEnd(50)} ${value}\n`);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One run of `argv` under bash's `time`: wall, user and system time of the child, in ms. Throws if it fails. */
async function timed(argv: string[]): Promise<Sample> {
  const script = 'TIMEFORMAT="%3R %3U %3S"; { time "$@" >/dev/null 2>/dev/null; } 2>&1; exit $?';
  const { stdout } = await run('bash', ['-c', script, 'bench', ...argv], { env: { ...process.env, OPENCAL_URL: '', OPENCAL_TOKEN: '' } }).catch((e: { stdout?: string; code?: number }) => {
    throw new Error(`${argv.join(' ')} failed (exit ${e.code}): ${e.stdout ?? ''}`);
  });
  const [real, user, sys] = stdout.trim().split(/\s+/).map(Number);
  if (real === undefined || user === undefined || sys === undefined || Number.isNaN(real)) throw new Error(`no timing from bash for ${argv.join(' ')}: ${stdout}`);
  return { wallMs: real * 1000, cpuMs: (user + sys) * 1000 };
}

/** Checks that `argv` exits 0 before it is timed (its output is discarded while timed). */
async function succeeds(argv: string[]): Promise<void> {
  await run(argv[0]!, argv.slice(1), { env: { ...process.env, OPENCAL_URL: '', OPENCAL_TOKEN: '' } }).catch((e: { stderr?: string; code?: number }) => {
    throw new Error(`${argv.join(' ')} failed (exit ${e.code}): ${e.stderr ?? ''}`);
  });
}

async function healthy(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/healthz`);
    return r.status === 200;
  } catch {
    return false;
  }
}

/** CPU time (user + system, all threads) of a process so far, in ms, from /proc (Linux; 100 clock ticks a second). */
function cpuOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    // after "pid (comm) ": state is field 3, utime 14 and stime 15 of proc(5)
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** Starts the all-in-one on a random port; answers once GET /healthz answers 200, with the time that took. */
async function startServer(data: string): Promise<{ child: ChildProcess; url: string; toHealthyMs: number; cpuMs: number | undefined }> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve', '--data', data, '--host', '127.0.0.1', '--port', '0', '--log-level', 'silent', '--admin-token', ADMIN], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OPENCAL_URL: '', OPENCAL_TOKEN: '' },
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the all-in-one did not start in 60 s:\n${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const found = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the all-in-one exited with ${code}:\n${out}`));
    });
  });
  // The banner is printed once the server answers; poll /healthz for the moment it is healthy.
  while (!(await healthy(url))) await new Promise((r) => setTimeout(r, 5));
  return { child, url, toHealthyMs: performance.now() - started, cpuMs: cpuOf(child.pid!) };
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function figures(label: string, samples: Sample[], base: Sample[], goal?: string) {
  const wall = median(samples.map((s) => s.wallMs));
  const cpu = median(samples.map((s) => s.cpuMs));
  const baseWall = median(base.map((s) => s.wallMs));
  const baseCpu = median(base.map((s) => s.cpuMs));
  line(
    `  ${label}`,
    `CPU ${cpu.toFixed(0).padStart(5)} ms (×${(cpu / baseCpu).toFixed(1)})  wall ${wall.toFixed(0).padStart(5)} ms (×${(wall / baseWall).toFixed(1)})${goal ? `  ${goal}` : ''}`,
  );
  return { wall, cpu, ratioCpu: cpu / baseCpu };
}

export async function benchCli(): Promise<void> {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stdout.write(`\nStarting opencal (${RUNS} runs each, medians; load average ${load})\n`);
  const code = encodeCode('keyPackId', { packNumber: 1, calType: 'device', calVersion: 2019, count: 10, program: 'select', grantSeq: 1 }, randomBytes(32));
  const dir = mkdtempSync(join(tmpdir(), 'opencal-bench-cli-'));
  try {
    // A fresh data directory, then a restart over it (the usual case).
    const first = await startServer(join(dir, 'data'));
    const firstRss = await new Promise<number | undefined>((r) => setTimeout(() => r(rssOf(first.child.pid!)), 3000));
    await stop(first.child);
    const server = await startServer(join(dir, 'data'));
    const idleRss = await new Promise<number | undefined>((r) => setTimeout(() => r(rssOf(server.child.pid!)), 3000));
    try {
      const commands: Record<string, string[]> = {
        node: [process.execPath, '-e', '0'],
        version: [process.execPath, BIN, '--version'],
        check: [process.execPath, BIN, 'code', 'check', code],
        client: [process.execPath, BIN, 'licmgr', 'status', '--json', '--url', server.url, '--token', ADMIN],
      };
      for (const argv of Object.values(commands)) await succeeds(argv);
      const samples: Record<string, Sample[]> = { node: [], version: [], check: [], client: [] };
      for (let i = 0; i < RUNS; i++) for (const [name, argv] of Object.entries(commands)) samples[name]!.push(await timed(argv));
      figures('node -e 0', samples['node']!, samples['node']!);
      const v = figures('opencal --version', samples['version']!, samples['node']!);
      const c = figures('opencal code check (offline)', samples['check']!, samples['node']!);
      const l = figures('opencal licmgr status --json (all-in-one)', samples['client']!, samples['node']!);
      const mib = (n: number | undefined) => (n === undefined ? '? (no /proc)' : `${(n / 1048576).toFixed(0)} MiB`);
      const ms = (n: number | undefined) => (n === undefined ? '?' : `${n.toFixed(0)} ms`);
      line('  all-in-one: start to healthy, new data directory', `${first.toHealthyMs.toFixed(0)} ms wall, CPU ${ms(first.cpuMs)}  (RSS after 3 s idle ${mib(firstRss)})`);
      line('  all-in-one: start to healthy, restart', `${server.toHealthyMs.toFixed(0)} ms wall, CPU ${ms(server.cpuMs)}  (RSS after 3 s idle ${mib(idleRss)})`);
      const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
      const nodeWall = median(samples['node']!.map((s) => s.wallMs));
      line('  goal: --version, code check ≤ 3× node -e 0 CPU', `${met(v.ratioCpu <= 3 && c.ratioCpu <= 3)}`);
      line('  goal: client command ≤ 250 ms wall', `${met(l.wall <= 250)}  (node -e 0 itself: ${nodeWall.toFixed(0)} ms wall in this run)`);
    } finally {
      await stop(server.child);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await benchCli();
