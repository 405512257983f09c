/**
 * Footprint: resident memory (RSS) of each component run alone (`opencal <component> serve`, idle), beside node
 * alone and node with the tsx loader in the same run, and the all-in-one's time from spawning `opencal serve` to
 * the first 200 of GET /healthz that lists its three components, on a new data directory and on a restart.
 * The RSS under load comes from the issuance and clearinghouse phases (their servers answer /bench/rss).
 * Every `opencal` process, and the bench's license server, is started as bin/opencal.mjs starts node (its first line:
 * the environment and node flags of `#!/usr/bin/env -S …`), read from that file by `opencalNode()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { line, mib, num, root } from './lib';

const BIN = join(root, 'bin', 'opencal.mjs');

/**
 * How bin/opencal.mjs starts node: its first line `#!/usr/bin/env -S NAME=value … node --flag …` as the environment
 * and the node flags that `opencal` runs with, so that the bench's processes run the way `opencal` does.
 */
export function opencalNode(): { env: Record<string, string>; nodeArgs: string[] } {
  const first = readFileSync(BIN, 'utf8').split('\n', 1)[0] ?? '';
  const words = first.replace(/^#!\S*env(\s+-S)?\s*/, '').split(/\s+/).filter(Boolean);
  const at = words.indexOf('node');
  if (!first.startsWith('#!') || at < 0) throw new Error(`bin/opencal.mjs does not start with a #! line that runs node: ${first}`);
  const env = Object.fromEntries(words.slice(0, at).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return { env, nodeArgs: words.slice(at + 1) };
}
const ADMIN = 'ocal_bench-footprint-admin-token-000001';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

function rssOfPid(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Spawns `opencal <args>` on a free port; resolves once GET /healthz answers 200 with every one of `components`. */
async function startServed(args: string[], dataDir: string, components: string[]): Promise<{ child: ChildProcess; healthyMs: number }> {
  const port = await freePort();
  const started = performance.now();
  const how = opencalNode();
  const child = spawn(process.execPath, [...how.nodeArgs, BIN, ...args, '--data', dataDir, '--port', String(port), '--admin-token', ADMIN, '--log-level', 'silent'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...how.env, OPENCAL_TOKEN: '', OPENCAL_URL: '' },
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`opencal ${args.join(' ')} exited before it was healthy`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.status === 200) {
        const body = (await r.json()) as { components?: string[] };
        if (components.every((c) => body.components?.includes(c))) return { child, healthyMs: performance.now() - started };
      }
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
}

async function idleRssOf(args: string[], components: string[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'opencal-footprint-'));
  const { child } = await startServed(args, dir, components);
  try {
    await sleep(2000);
    return rssOfPid(child.pid!);
  } finally {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function baselineRss(loader: string[]): Promise<number> {
  const child = spawn(process.execPath, [...loader, '-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  await sleep(1500);
  const rss = rssOfPid(child.pid!);
  await stopChild(child);
  return rss;
}

export interface Footprint {
  node: number;
  tsx: number;
  alone: Record<string, number>;
  allInOne: { firstMs: number; restartMs: number; idleRss: number };
}

export async function footprintPhase(): Promise<Footprint> {
  const node = await baselineRss([]);
  const tsx = await baselineRss(['--import', 'tsx']);
  const alone: Record<string, number> = {};
  for (const [name, component] of [
    ['clearinghouse', 'clearinghouse'],
    ['license-server', 'license-server'],
    ['session-host', 'session-host'],
  ] as const) {
    alone[name] = await idleRssOf([name, 'serve'], [component]);
  }
  const dir = mkdtempSync(join(tmpdir(), 'opencal-footprint-'));
  const all = ['clearinghouse', 'license-server', 'session-host'];
  try {
    const first = await startServed(['serve'], dir, all);
    await stopChild(first.child);
    const again = await startServed(['serve'], dir, all);
    await sleep(2000);
    const idleRss = rssOfPid(again.child.pid!);
    await stopChild(again.child);
    return { node, tsx, alone, allInOne: { firstMs: first.healthyMs, restartMs: again.healthyMs, idleRss } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reportFootprint(f: Footprint, underLoad: { licenseServer?: { idle: number; load: number }; clearinghouse?: { idle: number; load: number }; floor?: { idle: number; load: number } }) {
  line('  node alone / node with the tsx loader (idle)', `${mib(f.node)} / ${mib(f.tsx)}`);
  for (const [name, rss] of Object.entries(f.alone)) line(`  opencal ${name} serve, idle`, mib(rss));
  if (underLoad.licenseServer) {
    const l = underLoad.licenseServer;
    line('  license server (bench process), idle / under issuance load', `${mib(l.idle)} / ${mib(l.load)}  (goals 80 / 120 MiB)`);
  }
  if (underLoad.clearinghouse) line('  clearinghouse (bench process), idle / under check-in load', `${mib(underLoad.clearinghouse.idle)} / ${mib(underLoad.clearinghouse.load)}`);
  if (underLoad.floor) line('  floor route, idle / under load', `${mib(underLoad.floor.idle)} / ${mib(underLoad.floor.load)}`);
  line('  all-in-one start to healthy, new data directory', `${num(f.allInOne.firstMs)} ms`);
  line('  all-in-one start to healthy, restart', `${num(f.allInOne.restartMs)} ms  (goal 1,500 ms)`);
  line('  all-in-one RSS, idle', mib(f.allInOne.idleRss));
}
