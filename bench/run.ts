/**
 * `npm run bench`: CAL issuance through the license server's HTTP API, against baselines measured in the same run
 * on the same machine (STACK.md): a bare Fastify JSON route and raw Ed25519 signatures. Prints figures and ratios.
 * Never part of the test suite.
 *
 * Phases, each against a real license server process on SQLite (WAL) under a temporary data directory:
 *   1. first connections: every request a new device -> a temporary CAL (insert + signature);
 *   2. second connections: the same devices, validated -> a permanent CAL (seat claimed from the key pack);
 *   3. a fixed rate of 1,000 requests/s of first connections, for the latency at that load;
 *   4. phases 1 and 2 again with 1,000,000 issued licenses already in the database.
 * Beside each phase: the server's CPU time per answered request (all its threads), which depends much less than
 * requests/s on what else the machine runs; the bare route's p99 at 1,000 requests/s (the machine's latency floor);
 * and the license server's HTTP stack alone (GET /ls/v1/whoami with the host token).
 * Last, the start of `opencal` itself (bench/cli.ts, also `npm run bench:cli`).
 * OPENCAL_BENCH_SECONDS (default 8), OPENCAL_BENCH_PREFILL (default 1,000,000; 0 skips phase 4),
 * OPENCAL_BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each license server process there.
 * The logon step between the phases (POST /ls/v1/cals/validate per device) is done in one SQL statement, so that
 * phase 2 measures issuance only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon, { type Options, type Result } from 'autocannon';
import cliProgress from 'cli-progress';
import Database from 'better-sqlite3';
import { dayNumber, encodeCode } from '../src/core/codes/index';
import { createLicenseServer, licenseDatabaseUrl } from '../src/license-server/module';
import { openDatabase } from '../src/storage/database';
import { randomBytes } from '../src/platform/random';
import { systemClock } from '../src/platform/system-clock';
import { base64urlDecode, base64urlEncode, clearinghouseKid, codeMacKey, generateIdentity, signJws, withKid } from '../src/trust/index';
import { benchCli } from './cli';

const SECONDS = Number(process.env.OPENCAL_BENCH_SECONDS ?? 8);
const CONNECTIONS = 16;
const PREFILL = Number(process.env.OPENCAL_BENCH_PREFILL ?? 1_000_000);
const root = new URL('..', import.meta.url).pathname;

function line(label: string, value: string) {
  process.stdout.write(`${label.padEnd(58)} ${value}\n`);
}
function num(n: number, digits = 0) {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

const cpu = (l: Load) => (l.cpuUs === undefined ? '?' : num(l.cpuUs));
const ratio = (l: Load, base: Load) => (l.cpuUs === undefined || !base.cpuUs ? '?' : num(l.cpuUs / base.cpuUs, 1));

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

async function startProcess(script: string, args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const profile = process.env.OPENCAL_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.OPENCAL_BENCH_CPU_PROF] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', join(root, script), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, port: (JSON.parse(first) as { port: number }).port };
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * One load phase. On a terminal a timed phase shows a progress bar (the phases take SECONDS each and the whole
 * benchmark a few minutes); redirected output stays plain figures.
 */
async function load(options: Options): Promise<Result> {
  if (!process.stdout.isTTY || !options.duration) return autocannon(options);
  const bar = new cliProgress.SingleBar(
    { format: '  {bar} {value}/{total} s', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
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

interface Load {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  /** CPU time (user + system, every thread) the server process spent per answered request, in µs. */
  cpuUs?: number;
}

function summarize(r: Result): Load {
  return { rps: r['2xx'] / r.duration, p50: r.latency.p50, p99: r.latency.p99, ok: r['2xx'], failed: r.non2xx + r.errors + r.timeouts };
}

/** The server's CPU time in µs (GET /bench/cpu: process.cpuUsage() of the server process, all its threads). */
async function cpuOf(port: number): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/bench/cpu`);
  const u = (await r.json()) as { user: number; system: number };
  return u.user + u.system;
}

/**
 * A load phase with the server's CPU time per answered request. Throughput depends on what else the machine runs
 * at the time; CPU time per request much less, so it is printed beside it.
 */
async function measured(port: number, run: () => Promise<Load>): Promise<Load> {
  const before = await cpuOf(port);
  const load = await run();
  const after = await cpuOf(port);
  return { ...load, cpuUs: load.ok > 0 ? (after - before) / load.ok : undefined };
}

function bareLoad(port: number, opts: { duration?: number; amount?: number; overallRate?: number }): Promise<Load> {
  return load({ url: `http://127.0.0.1:${port}/echo`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"device":"x"}', connections: CONNECTIONS, ...opts }).then(summarize);
}

async function cals(port: number, token: string, devices: { from: number; prefix: string }, opts: { duration?: number; amount?: number; overallRate?: number }): Promise<Load> {
  let next = devices.from;
  const result = await load({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    ...opts,
    requests: [
      {
        method: 'POST',
        path: '/ls/v1/cals',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        setupRequest: (request) => {
          const n = next++;
          return { ...request, body: JSON.stringify({ device: `${devices.prefix}-${n}`, hwid: `${devices.prefix}-hw-${n}`, mode: 'per-device', hostVersion: 2019 }) };
        },
      },
    ],
  });
  return summarize(result);
}

async function rss(port: number): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/bench/rss`);
  return ((await r.json()) as { rss: number }).rss;
}

/** Activated by phone, one key pack of 1,000,000 per-device 2019 CALs, one enrolled session host. */
async function prepareLicenseServer(dataDir: string) {
  const base = generateIdentity();
  const ch = withKid(base, clearinghouseKid(base.publicKeyRaw));
  const clearinghouseKey = base64urlEncode(ch.publicKeyRaw);
  const database = await openDatabase(licenseDatabaseUrl(dataDir));
  const ls = await createLicenseServer({ dataDir, database, clock: systemClock, random: randomBytes, serverVersion: 2019, clearinghouseKey });
  const mac = codeMacKey(ch, base64urlDecode(ls.context.publicKey));
  const confirmation = encodeCode('activationConfirmation', { serial: 1, validUntilDay: dayNumber(new Date()) + 365 }, mac);
  const activated = await ls.useCases.activate({ method: 'phone', confirmation });
  if (!activated.ok) throw new Error(activated.error.message);
  const keyPackId = encodeCode('keyPackId', { packNumber: 1, calType: 'device', calVersion: 2019, count: 1_000_000, program: 'select', grantSeq: 1 }, mac);
  const installed = await ls.useCases.installByKeyPackId({ keyPackId, method: 'phone' });
  if (!installed.ok) throw new Error(installed.error.message);
  const join = await ls.useCases.createJoinToken({ name: 'BENCH-RDSH' });
  if (!join.ok) throw new Error(join.error.message);
  const enrolled = await ls.useCases.enroll({ joinToken: join.value.joinToken, name: 'BENCH-RDSH' });
  if (!enrolled.ok) throw new Error(enrolled.error.message);
  await ls.close();
  await database.close();
  return { clearinghouseKey, hostToken: enrolled.value.token };
}

function validateAll(dbFile: string) {
  const db = new Database(dbFile);
  db.prepare("UPDATE ls_issued_licenses SET validated = 1 WHERE kind = 'temporary' AND status = 'active'").run();
  db.close();
}

/** 1,000,000 issued licenses: half permanent (seats taken in the key pack), half temporary, all live. */
function prefill(dbFile: string, count: number) {
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const pack = db.prepare('SELECT id, pack, seq FROM ls_key_packs LIMIT 1').get() as { id: string; pack: number; seq: number };
  const insert = db.prepare(
    `INSERT INTO ls_issued_licenses (id, kind, cal_type, cal_version, key_pack_id, pack, grant_seq, device, hwid, host, issued_at, expires_at, validated, status, over_allocated)
     VALUES (?, ?, 'device', 2019, ?, ?, ?, ?, ?, 'BENCH-RDSH', ?, ?, 1, 'active', 0)`,
  );
  const now = new Date();
  const issuedAt = now.toISOString();
  const expiresAt = new Date(now.getTime() + 60 * 86_400_000).toISOString();
  const permanent = Math.floor(count / 2);
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const isPermanent = i < permanent;
      insert.run(`cal_pre_${i}`, isPermanent ? 'permanent' : 'temporary', isPermanent ? pack.id : null, isPermanent ? pack.pack : null, isPermanent ? pack.seq : null, `pre-${i}`, `pre-hw-${i}`, issuedAt, expiresAt);
    }
  });
  const step = 20_000;
  for (let i = 0; i < count; i += step) {
    batch(i, Math.min(count, i + step));
    if (process.stdout.isTTY) process.stdout.write(`\r  prefilling issued licenses ${num(Math.min(count, i + step))}/${num(count)}`);
  }
  if (process.stdout.isTTY) process.stdout.write('\n');
  db.prepare('UPDATE ls_key_packs SET issued = issued + ? WHERE id = ?').run(permanent, pack.id);
  db.close();
}

async function issuanceRun(dataDir: string, key: string, hostToken: string, prefix: string) {
  const { child, port } = await startProcess('bench/license-server.ts', [dataDir, key]);
  try {
    // warm-up: JIT, prepared statements, connection pool
    await cals(port, hostToken, { from: 0, prefix: `${prefix}-warm` }, { amount: 2000 });
    const first = await measured(port, () => cals(port, hostToken, { from: 0, prefix }, { duration: SECONDS }));
    // The same server's HTTP stack without licensing work: GET /ls/v1/whoami with the host token (bearer check, hooks,
    // metrics, serialization), to tell what the stack costs from what issuance costs.
    const whoami = () =>
      load({ url: `http://127.0.0.1:${port}/ls/v1/whoami`, headers: { authorization: `Bearer ${hostToken}` }, connections: CONNECTIONS, duration: Math.max(1, SECONDS / 2) }).then(summarize);
    const stack = await measured(port, whoami);
    await stop(child);
    validateAll(join(dataDir, 'lserver.db'));
    const again = await startProcess('bench/license-server.ts', [dataDir, key]);
    try {
      await cals(again.port, hostToken, { from: 0, prefix: `${prefix}-warm2` }, { amount: 2000 });
      const second = await measured(again.port, () => cals(again.port, hostToken, { from: 0, prefix }, { amount: first.ok }));
      const paced = await measured(again.port, () => cals(again.port, hostToken, { from: 0, prefix: `${prefix}-paced` }, { duration: SECONDS, overallRate: 1000 }));
      const memory = await rss(again.port);
      return { first, second, paced, stack, rss: memory };
    } finally {
      await stop(again.child);
    }
  } finally {
    await stop(child);
  }
}

async function main() {
  process.stdout.write(`OpenCAL benchmark — node ${process.version}, ${SECONDS}s per phase, ${CONNECTIONS} connections\n\n`);
  const sigs = signaturesPerSecond();
  const jws = await jwsPerSecond();
  line('Ed25519 signatures/s (node:crypto, KeyObject)', num(sigs));
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
  line('bare Fastify JSON POST route, requests/s', `${num(bareMax.rps)}  (p50 ${bareMax.p50} ms, p99 ${bareMax.p99} ms, CPU ${cpu(bareMax)} µs/request)`);
  line('bare route at a fixed 1,000 requests/s', `${num(barePaced.rps)} req/s  p50 ${barePaced.p50} ms  p99 ${barePaced.p99} ms (the machine's own latency floor)`);

  const dataDir = mkdtempSync(join(tmpdir(), 'opencal-bench-'));
  try {
    const { clearinghouseKey, hostToken } = await prepareLicenseServer(dataDir);
    const empty = await issuanceRun(dataDir, clearinghouseKey, hostToken, 'a');
    process.stdout.write('\nCAL issuance over HTTP (POST /ls/v1/cals), empty license database\n');
    const report = (label: string, l: Load) =>
      line(
        `  ${label}`,
        `${num(l.rps)} req/s  (${num((l.rps / bareMax.rps) * 100)} % of bare)  p50 ${l.p50} ms  p99 ${l.p99} ms  failed ${l.failed}  CPU ${cpu(l)} µs/request (bare ×${ratio(l, bareMax)})`,
      );
    line('  HTTP stack only (GET /ls/v1/whoami, host token)', `${num(empty.stack.rps)} req/s  (${num((empty.stack.rps / bareMax.rps) * 100)} % of bare)  CPU ${cpu(empty.stack)} µs/request (bare ×${ratio(empty.stack, bareMax)})`);
    report('first connections (temporary CAL)', empty.first);
    report('second connections (permanent CAL)', empty.second);
    line('  at a fixed 1,000 requests/s', `${num(empty.paced.rps)} req/s  p50 ${empty.paced.p50} ms  p99 ${empty.paced.p99} ms  failed ${empty.paced.failed}`);
    line('  license server RSS', `${num(empty.rss / 1048576)} MiB`);

    if (PREFILL > 0) {
      prefill(join(dataDir, 'lserver.db'), PREFILL);
      const full = await issuanceRun(dataDir, clearinghouseKey, hostToken, 'b');
      process.stdout.write(`\nCAL issuance with ${num(PREFILL)} issued licenses already in the database\n`);
      report('first connections (temporary CAL)', full.first);
      report('second connections (permanent CAL)', full.second);
      line('  at a fixed 1,000 requests/s', `${num(full.paced.rps)} req/s  p50 ${full.paced.p50} ms  p99 ${full.paced.p99} ms  failed ${full.paced.failed}`);
      line('  license server RSS', `${num(full.rss / 1048576)} MiB`);
      process.stdout.write('\nRatios (full database / empty database)\n');
      line('  first connections, throughput', `${num((full.first.rps / empty.first.rps) * 100)} %`);
      line('  second connections, throughput', `${num((full.second.rps / empty.second.rps) * 100)} %`);
      line('  first connections, CPU per request', `${num((full.first.cpuUs! / empty.first.cpuUs!) * 100)} %`);
      line('  second connections, CPU per request', `${num((full.second.cpuUs! / empty.second.cpuUs!) * 100)} %`);
      line('  p99 at 1,000 requests/s', `${num(full.paced.p99)} ms vs ${num(empty.paced.p99)} ms`);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
await benchCli();
if (process.env.OPENCAL_BENCH_PAM !== '0') await (await import('./pam')).pamBench(); // PAM gate start-up (bench/pam.ts)
