/**
 * `npm run bench`: OpenCAL against yardsticks measured in the same run on the same machine (STACK.md). Never part
 * of the test suite. Prints figures and ratios; exits non-zero when a correctness check fails or a query of the
 * clearinghouse's paths scans a large table.
 *
 *   1. baselines: raw Ed25519 signatures, a bare Fastify route, and the floor route (bench/floor-server.ts: the
 *      least work an issued CAL needs);
 *   2. CAL issuance through a real license server process, each phase's CPU per request as `(N.N× floor)`, at
 *      0, 100k, 1M and 5M issued licenses (bench/issuance.ts);
 *   3. the clearinghouse on PostgreSQL at scale (bench/clearinghouse-scale.ts);
 *   4. footprint: RSS of each component, the all-in-one's start-to-healthy time (bench/footprint.ts);
 *   5. the growth table and chart (docs/performance-growth.svg).
 * Knobs: OPENCAL_BENCH_SECONDS (per phase, default 8), OPENCAL_BENCH_GROWTH (issued licenses per level, default
 * 0,100000,1000000,5000000), OPENCAL_BENCH_PREFILL (the level every issuance phase runs again at, default 1,000,000),
 * OPENCAL_BENCH_CPU_PROF=<dir> (a V8 CPU profile of each server process), and the clearinghouse's knobs in
 * bench/clearinghouse-scale.ts.
 */
import { sign as cryptoSign } from 'node:crypto';
import { generateIdentity, signJws } from '../src/trust/index';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartSvg } from './chart';
import { benchCli } from './cli';
import { clearinghousePhase, type ClearinghouseFigures } from './clearinghouse-scale';
import { footprintPhase, reportFootprint, type Footprint } from './footprint';
import { issuancePhases, PREFILL, type FloorFigures, type LevelFigures } from './issuance';
import { CONNECTIONS, failures, heading, line, load, loadAverage, measured, num, root, SECONDS, startProcess, stop, summarize, type Load } from './lib';

function signaturesPerSecond(): number {
  const id = generateIdentity();
  const data = Buffer.from('{"typ":"opencal.cal","iss":"X","jti":"cal_1","exp":1}');
  const until = performance.now() + 1500;
  let n = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 200; i++) cryptoSign(null, data, id.privateKey);
    n += 200;
  }
  return n / 1.5;
}

async function jwsPerSecond(): Promise<number> {
  const id = generateIdentity();
  const until = performance.now() + 1500;
  let n = 0;
  while (performance.now() < until) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => signJws(id, { typ: 'opencal.cal', jti: `cal_${n + i}`, exp: 1 })));
    n += 100;
  }
  return n / 1.5;
}

function bareLoad(port: number, opts: { duration?: number; amount?: number; overallRate?: number }): Promise<Load> {
  return load({ url: `http://127.0.0.1:${port}/echo`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"device":"x"}', connections: CONNECTIONS, ...opts }).then(summarize);
}

/** OPENCAL_BENCH_ONLY=baselines,issuance,clearinghouse,footprint runs only those parts (for a quick look; not a full run). */
const ONLY = process.env.OPENCAL_BENCH_ONLY?.split(',');
const part = (name: string) => !ONLY || ONLY.includes(name);

async function main() {
  process.stdout.write(`OpenCAL benchmark — node ${process.version}, ${SECONDS}s per phase, ${CONNECTIONS} connections, ${new Date().toISOString()}, load average ${loadAverage()}\n\n`);
  if (part('baselines')) await baselines();
  const issuance = part('issuance') ? await issuancePhases() : undefined;
  const clearinghouse = part('clearinghouse') ? await clearinghousePhase() : undefined;
  let footprint: Footprint | undefined;
  if (part('footprint')) {
    heading('Footprint');
    const levels = issuance?.levels ?? [];
    footprint = await footprintPhase();
    reportFootprint(footprint, {
      ...(levels.length ? { licenseServer: { idle: Math.max(...levels.map((l) => l.idleRss)), load: Math.max(...levels.map((l) => l.loadRss)) } } : {}),
      ...(clearinghouse?.idleRss !== undefined ? { clearinghouse: { idle: clearinghouse.idleRss, load: clearinghouse.loadRss ?? 0 } } : {}),
      ...(issuance ? { floor: { idle: issuance.floor.idleRss, load: issuance.floor.loadRss } } : {}),
    });
  }
  if (issuance || clearinghouse) growth(issuance, clearinghouse);
  goals(issuance, clearinghouse, footprint);
  // The start of `opencal` itself (bench/cli.ts, also `npm run bench:cli`).
  if (part('cli')) await benchCli();

  heading(`load average at the end ${loadAverage()}`);
  if (failures.length > 0) {
    process.stdout.write(`\nFAILED: ${failures.length} check(s)\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

async function baselines() {
  const sigs = signaturesPerSecond();
  const jws = await jwsPerSecond();
  line('Ed25519 signatures/s (node:crypto, KeyObject)', `${num(sigs)}  (${num(1e6 / sigs)} µs each)`);
  line('compact JWS signatures/s (signJws, jose)', `${num(jws)}  (${num((jws / sigs) * 100)} % of raw)`);

  const bare = await startProcess('bench/bare-server.ts', []);
  let bareMax: Load;
  let barePaced: Load;
  try {
    await bareLoad(bare.port, { amount: 5000 });
    bareMax = await measured(bare.port, () => bareLoad(bare.port, { duration: SECONDS }));
    barePaced = await measured(bare.port, () => bareLoad(bare.port, { duration: SECONDS, overallRate: 1000 }));
  } finally {
    await stop(bare.child);
  }
  line('bare Fastify JSON POST route, requests/s', `${num(bareMax.rps)}  (p50 ${bareMax.p50} ms, p99 ${bareMax.p99} ms, CPU ${num(bareMax.cpuUs ?? 0)} µs/request)`);
  line('bare route at a fixed 1,000 requests/s', `${num(barePaced.rps)} req/s  p50 ${barePaced.p50} ms  p99 ${barePaced.p99} ms (the machine's own latency floor)`);

}

const short = (n: number) => (n >= 1e6 ? `${num(n / 1e6)}M` : n >= 1e3 ? `${num(n / 1e3)}k` : String(n));

/** The growth table (markdown, for docs/performance.md) and docs/performance-growth.svg. */
function growth(issuance: { floor: FloorFigures; levels: LevelFigures[] } | undefined, ch: ClearinghouseFigures | undefined) {
  heading('How it grows (markdown for docs/performance.md; chart written to docs/performance-growth.svg)');
  const out: string[] = [];
  if (issuance) {
    out.push('| issued licenses | CPU per temporary CAL | CPU per permanent CAL | requests/s, first connections | p99 at 1,000 requests/s |', '|---|---|---|---|---|');
    for (const l of issuance.levels) {
      const f = issuance.floor.max.cpuUs ?? 0;
      out.push(
        `| ${num(l.issued)} | ${num(l.first.cpuUs ?? 0)} µs (${num((l.first.cpuUs ?? 0) / f, 1)}× floor) | ${l.second ? `${num(l.second.cpuUs ?? 0)} µs (${num((l.second.cpuUs ?? 0) / f, 1)}× floor)` : '–'} | ${num(l.first.rps)} | ${l.paced.p99} ms |`,
      );
    }
    out.push('');
  }
  if (ch) {
    out.push('| license servers at the clearinghouse | check-ins/s, one process | p99 at 500 check-ins/s | CPU per check-in (clearinghouse process) |', '|---|---|---|---|');
    for (const l of ch.levels) out.push(`| ${num(l.servers)} | ${num(l.max.rps)} | ${l.paced.p99} ms | ${num(l.max.cpuUs ?? 0)} µs |`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  const panels = [];
  if (issuance) {
    const x = issuance.levels.map((l) => short(l.issued));
    panels.push({
      title: 'CPU per CAL, µs',
      unit: 'µs per request, by issued licenses',
      xLabels: x,
      series: [
        { name: 'temporary CAL', values: issuance.levels.map((l) => l.first.cpuUs), color: '#1f6fb4' },
        { name: 'floor route', values: issuance.levels.map(() => issuance.floor.max.cpuUs), color: '#888', dashed: true },
      ],
    });
    panels.push({
      title: 'p99 at 1,000 CAL requests/s',
      unit: 'ms, by issued licenses',
      xLabels: x,
      series: [
        { name: 'license server', values: issuance.levels.map((l) => l.paced.p99), color: '#d2691e' },
        { name: 'floor route', values: issuance.levels.map(() => issuance.floor.paced.p99), color: '#888', dashed: true },
      ],
    });
  }
  if (ch) {
    panels.push({
      title: 'Clearinghouse check-ins',
      unit: 'p99 ms at 500/s, by license servers',
      xLabels: ch.levels.map((l) => short(l.servers)),
      series: [{ name: 'check-in p99 at 500/s', values: ch.levels.map((l) => l.paced.p99), color: '#2e8b57' }],
    });
  }
  const file = join(root, 'docs', 'performance-growth.svg');
  writeFileSync(file, chartSvg(`OpenCAL npm run bench, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${SECONDS} s per phase`, panels));
  line('  chart', file);
}

/** The goals of issue 16 against this run's figures, as a markdown table. */
function goals(issuance: { floor: FloorFigures; levels: LevelFigures[] } | undefined, ch: ClearinghouseFigures | undefined, f: Footprint | undefined) {
  heading('Goals (markdown)');
  const rows: string[] = ['| goal | this run | met? |', '|---|---|---|'];
  const row = (goal: string, figure: string, met: boolean) => rows.push(`| ${goal} | ${figure} | ${met ? 'yes' : '**no**'} |`);
  const mib = (b: number) => `${num(b / 1048576)} MiB`;
  if (issuance) {
    const floor = issuance.floor.max;
    const empty = issuance.levels.find((l) => l.issued === 0);
    const full = issuance.levels.find((l) => l.issued === PREFILL);
    if (empty && floor.cpuUs) {
      const t = (empty.first.cpuUs ?? 0) / floor.cpuUs;
      row('CPU per temporary CAL ≤ 1.5× floor', `${num(empty.first.cpuUs ?? 0)} µs = ${num(t, 1)}× floor (${num(floor.cpuUs)} µs)`, t <= 1.5);
      if (empty.second) {
        const p = (empty.second.cpuUs ?? 0) / floor.cpuUs;
        row('CPU per permanent CAL ≤ 2× floor', `${num(empty.second.cpuUs ?? 0)} µs = ${num(p, 1)}× floor`, p <= 2);
      }
      const r = empty.first.rps / floor.rps;
      row('requests/s ≥ 0.6× floor', `${num(empty.first.rps)} vs ${num(floor.rps)} = ${num(r, 2)}×`, r >= 0.6);
      row('p99 ≤ 10 ms at 1,000 requests/s, empty', `${empty.paced.p99} ms (floor ${issuance.floor.paced.p99} ms)`, empty.paced.p99 <= 10);
    }
    if (empty && full && PREFILL > 0) {
      row(`p99 ≤ 10 ms at 1,000 requests/s, ${num(PREFILL)} issued`, `${full.paced.p99} ms`, full.paced.p99 <= 10);
      const within = Math.abs(full.paced.p99 - empty.paced.p99) <= 0.2 * Math.max(empty.paced.p99, 1);
      row('… within 20 % of empty', `${full.paced.p99} vs ${empty.paced.p99} ms`, within);
    }
  }
  if (ch && ch.levels.length) {
    const empty = ch.levels[0]!;
    const full = ch.levels[ch.levels.length - 1]!;
    row(`≥ 1,500 check-ins/s (${num(full.servers)} servers, one process)`, `${num(full.max.rps)}/s`, full.max.rps >= 1500);
    row('check-in p99 ≤ 50 ms at 500/s', `${full.paced.p99} ms (${num(full.paced.rps)}/s reached)`, full.paced.p99 <= 50 && full.paced.rps >= 475);
    const tp = full.max.rps / empty.max.rps;
    row('check-ins within 20 % of an empty database', `throughput ${num(tp * 100)} %, p99 at 500/s ${full.paced.p99} vs ${empty.paced.p99} ms`, tp >= 0.8 && full.paced.p99 <= 1.2 * Math.max(empty.paced.p99, 1));
    if (ch.two) row('two processes ≥ 1.6× one (where the machine allows)', `${num(ch.two.rps / full.max.rps, 2)}× on 2 cores shared with PostgreSQL and the load generator`, ch.two.rps / full.max.rps >= 1.6);
    if (ch.explain) row('every query of these paths served by an index', `${ch.explain.queries} queries, ${ch.explain.seqScans} sequential scans of large tables`, ch.explain.seqScans === 0);
  }
  if (issuance) {
    const idle = Math.max(...issuance.levels.map((l) => l.idleRss));
    const load = Math.max(...issuance.levels.map((l) => l.loadRss));
    row('license server RSS ≤ 80 MiB idle', `${mib(idle)} (bench process, compiled${f ? `; node alone ${mib(f.node)}` : ''})`, idle <= 80 * 1048576);
    row('license server RSS ≤ 120 MiB under load', mib(load), load <= 120 * 1048576);
  }
  if (f) row('all-in-one healthy ≤ 1.5 s', `${num(f.allInOne.restartMs)} ms restart, ${num(f.allInOne.firstMs)} ms new data directory`, Math.max(f.allInOne.restartMs, f.allInOne.firstMs) <= 1500);
  process.stdout.write(`${rows.join('\n')}\n`);
}

await main();
if (process.env.OPENCAL_BENCH_PAM !== '0' && (!ONLY || ONLY.includes('pam'))) await (await import('./pam')).pamBench(); // PAM gate start-up (bench/pam.ts)
