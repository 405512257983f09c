/**
 * What the benchmark phases share: printing, child processes (each server under test in its own process),
 * autocannon load with the server's CPU time per answered request, and the bench's own failure flag.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon, { type Options, type Result } from 'autocannon';
import cliProgress from 'cli-progress';

export const SECONDS = Number(process.env.OPENCAL_BENCH_SECONDS ?? 8);
export const CONNECTIONS = 16;
export const root = new URL('..', import.meta.url).pathname;

export function line(label: string, value: string) {
  process.stdout.write(`${label.padEnd(58)} ${value}\n`);
}
export function heading(text: string) {
  process.stdout.write(`\n${text}\n`);
}
export function num(n: number, digits = 0) {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
export const mib = (bytes: number) => `${num(bytes / 1048576)} MiB`;

/** Failed correctness checks and scans of large tables: the bench exits non-zero at the end when any. */
export const failures: string[] = [];
export function check(ok: boolean, label: string, detail: string) {
  line(`  check: ${label}`, ok ? `ok (${detail})` : `FAILED (${detail})`);
  if (!ok) failures.push(`${label}: ${detail}`);
}

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  /** CPU time (user + system, every thread) the server process spent per answered request, in µs. */
  cpuUs?: number;
}

export function summarize(r: Result): Load {
  return { rps: r['2xx'] / r.duration, p50: r.latency.p50, p99: r.latency.p99, ok: r['2xx'], failed: r.non2xx + r.errors + r.timeouts };
}

/** `CPU 160 µs/request (2.8× floor)`: the ratio in the `(N.N× floor)` form that scripts read. */
export function cpuVs(l: Load, floor: Load | undefined, name = 'floor'): string {
  if (l.cpuUs === undefined) return 'CPU ? µs/request';
  const ratio = floor?.cpuUs ? ` (${num(l.cpuUs / floor.cpuUs, 1)}× ${name})` : '';
  return `CPU ${num(l.cpuUs)} µs/request${ratio}`;
}
export function rpsVs(l: Load, floor: Load | undefined, name = 'floor'): string {
  return `${num(l.rps)} req/s${floor?.rps ? ` (${num(l.rps / floor.rps, 2)} of the ${name}'s req/s)` : ''}`;
}

export interface Child {
  child: ChildProcess;
  port: number;
  pid: number;
}

/**
 * The server scripts of the bench, compiled once per run by esbuild into dist/bench/ as `npm run build` compiles
 * `opencal` (ESM, npm packages left as imports, the worker threads beside them), so that a server under test runs
 * as plain node like `opencal … serve` does: no TypeScript loader in its memory, its start or its profile.
 */
const SERVER_SCRIPTS = ['bare-server', 'floor-server', 'license-server', 'clearinghouse-server'];
let compiled: Promise<string> | undefined;
function compileServers(): Promise<string> {
  compiled ??= (async () => {
    const { build } = await import('esbuild');
    // The same packages bundled or left as imports as in `npm run build` (scripts/bundle-options.mjs).
    const { externalPackages, requireBanner, asciiOnly } = (await import(join(root, 'scripts', 'bundle-options.mjs'))) as { externalPackages: string[]; requireBanner: string; asciiOnly: (dir: string) => void };
    const { readdirSync } = await import('node:fs');
    const outdir = join(root, 'dist', 'bench');
    const entryPoints: Record<string, string> = {};
    for (const name of SERVER_SCRIPTS) entryPoints[name] = join(root, 'bench', `${name}.ts`);
    const workers = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === 'web' ? [] : workers(join(dir, e.name))) : e.name.endsWith('.worker.ts') ? [join(dir, e.name)] : []));
    for (const file of workers(join(root, 'src'))) entryPoints[file.split('/').pop()!.replace(/\.ts$/, '')] = file;
    await build({ absWorkingDir: root, entryPoints, outdir, entryNames: '[name]', chunkNames: '[name]-[hash]', bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', external: externalPackages, banner: { js: requireBanner }, logLevel: 'warning' });
    asciiOnly(outdir);
    return outdir;
  })();
  return compiled;
}

/** Starts `node [nodeArgs] dist/bench/<script>.js ...args` (compiled from bench/<script>.ts) and waits for its first stdout line `{"port":N}`. */
export async function startProcess(script: string, args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Child> {
  const profile = process.env.OPENCAL_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.OPENCAL_BENCH_CPU_PROF] : [];
  const outdir = await compileServers();
  const name = script.replace(/^bench\//, '').replace(/\.ts$/, '');
  const child = spawn(process.execPath, [...profile, ...nodeArgs, join(outdir, `${name}.js`), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const first = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, port: (JSON.parse(first) as { port: number }).port, pid: child.pid! };
}

export async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** One load phase; on a terminal a timed phase shows a progress bar, redirected output stays plain figures. */
export async function load(options: Options): Promise<Result> {
  if (!process.stdout.isTTY || !options.duration) return autocannon(options);
  const bar = new cliProgress.SingleBar({ format: '  {bar} {value}/{total} s', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  bar.start(options.duration, 0);
  const started = Date.now();
  const timer = setInterval(() => bar.update(Math.min(options.duration!, Math.round((Date.now() - started) / 1000))), 250);
  try {
    return await autocannon(options);
  } finally {
    clearInterval(timer);
    bar.stop();
  }
}

/** The server's CPU time in µs (GET /bench/cpu: process.cpuUsage() of the server process, all its threads). */
export async function cpuOf(port: number): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/bench/cpu`);
  const u = (await r.json()) as { user: number; system: number };
  return u.user + u.system;
}

export async function rssOf(port: number): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/bench/rss`);
  return ((await r.json()) as { rss: number }).rss;
}

/** Peak RSS sampled every 100 ms while `run` goes on (the memory under load, not after it). */
export async function withPeakRss<T>(port: number, run: () => Promise<T>): Promise<{ value: T; peakRss: number }> {
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssOf(port).catch(() => 0));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    return { value: await run(), peakRss: peak };
  } finally {
    sampling = false;
    await sampler;
  }
}

/** A load phase with the CPU time per answered request of the servers on `ports` (summed). */
export async function measured(ports: number | number[], run: () => Promise<Load>): Promise<Load> {
  const list = Array.isArray(ports) ? ports : [ports];
  const before = await Promise.all(list.map(cpuOf));
  const result = await run();
  const after = await Promise.all(list.map(cpuOf));
  const spent = after.reduce((s, a, i) => s + a - before[i]!, 0);
  return { ...result, cpuUs: result.ok > 0 ? spent / result.ok : undefined };
}

export function loadAverage(): string {
  return loadavg().map((n) => n.toFixed(2)).join(', ');
}
