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
import { clearinghousePhase, type ClearinghouseFigures } from './clearinghouse-scale';
import { footprintPhase, reportFootprint } from './footprint';
import { issuancePhases, type FloorFigures, type LevelFigures } from './issuance';
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
  if (part('footprint')) {
    heading('Footprint');
    const levels = issuance?.levels ?? [];
    reportFootprint(await footprintPhase(), {
      ...(levels.length ? { licenseServer: { idle: Math.max(...levels.map((l) => l.idleRss)), load: Math.max(...levels.map((l) => l.loadRss)) } } : {}),
      ...(clearinghouse?.idleRss !== undefined ? { clearinghouse: { idle: clearinghouse.idleRss, load: clearinghouse.loadRss ?? 0 } } : {}),
      ...(issuance ? { floor: { idle: issuance.floor.idleRss, load: issuance.floor.loadRss } } : {}),
    });
  }
  if (issuance || clearinghouse) growth(issuance, clearinghouse);

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

await main();
