/**
 * CAL issuance through a real license server process (SQLite, WAL, the full HTTP stack of buildServer without
 * request logs), against the floor route (bench/floor-server.ts) measured in the same run, and how it grows
 * with the number of issued licenses already in the database.
 */
import { verify as cryptoVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { dayNumber, encodeCode } from '../src/core/codes/index';
import { createLicenseServer, licenseDatabaseUrl } from '../src/license-server/module';
import { openDatabase } from '../src/storage/database';
import { randomBytes } from '../src/platform/random';
import { systemClock } from '../src/platform/system-clock';
import { base64urlDecode, base64urlEncode, clearinghouseKid, codeMacKey, generateIdentity, publicKeyFromRaw, withKid } from '../src/trust/index';
import { opencalNode } from './footprint';
import {
  check,
  CONNECTIONS,
  cpuVs,
  heading,
  line,
  load,
  measured,
  mib,
  num,
  rpsVs,
  rssOf,
  SECONDS,
  startProcess,
  stop,
  summarize,
  withPeakRss,
  type Load,
} from './lib';

/** Issued licenses already in the database for the growth table (OPENCAL_BENCH_GROWTH, comma-separated). */
export const GROWTH = (process.env.OPENCAL_BENCH_GROWTH ?? '0,100000,1000000,5000000').split(',').map(Number).filter((n) => Number.isFinite(n) && n >= 0);
/** The level at which every phase runs again ("with 1,000,000 issued"): OPENCAL_BENCH_PREFILL. */
export const PREFILL = Number(process.env.OPENCAL_BENCH_PREFILL ?? 1_000_000);
const PACK = 1_000_000;
/** Packs 2..(1 + PREFILL_PACKS) hold the seats of prefilled permanent CALs; pack 1 the live ones; the last is per user. */
const PREFILL_PACKS = Math.max(1, Math.ceil(Math.max(...GROWTH, PREFILL) / 2 / PACK));

interface Prepared {
  dataDir: string;
  dbFile: string;
  clearinghouseKey: string;
  hostToken: string;
  publicKeyRaw: Uint8Array;
}

/** Activated by phone; key packs of 1,000,000 per-device 2019 CALs and one of per-user CALs; one enrolled session host. */
async function prepareLicenseServer(dataDir: string): Promise<Prepared> {
  const base = generateIdentity();
  const ch = withKid(base, clearinghouseKid(base.publicKeyRaw));
  const clearinghouseKey = base64urlEncode(ch.publicKeyRaw);
  const database = await openDatabase(licenseDatabaseUrl(dataDir));
  const ls = await createLicenseServer({ dataDir, database, clock: systemClock, random: randomBytes, serverVersion: 2019, clearinghouseKey });
  const mac = codeMacKey(ch, base64urlDecode(ls.context.publicKey));
  const confirmation = encodeCode('activationConfirmation', { serial: 1, validUntilDay: dayNumber(new Date()) + 365 }, mac);
  const activated = await ls.useCases.activate({ method: 'phone', confirmation });
  if (!activated.ok) throw new Error(activated.error.message);
  for (let pack = 1; pack <= PREFILL_PACKS + 2; pack++) {
    const calType = pack === PREFILL_PACKS + 2 ? 'user' : 'device';
    const keyPackId = encodeCode('keyPackId', { packNumber: pack, calType, calVersion: 2019, count: PACK, program: 'select', grantSeq: 1 }, mac);
    const installed = await ls.useCases.installByKeyPackId({ keyPackId, method: 'phone' });
    if (!installed.ok) throw new Error(installed.error.message);
  }
  const joined = await ls.useCases.createJoinToken({ name: 'BENCH-RDSH' });
  if (!joined.ok) throw new Error(joined.error.message);
  const enrolled = await ls.useCases.enroll({ joinToken: joined.value.joinToken, name: 'BENCH-RDSH' });
  if (!enrolled.ok) throw new Error(enrolled.error.message);
  const publicKeyRaw = base64urlDecode(ls.context.publicKey);
  await ls.close();
  await database.close();
  return { dataDir, dbFile: join(dataDir, 'lserver.db'), clearinghouseKey, hostToken: enrolled.value.token, publicKeyRaw };
}

/**
 * Issued licenses `from..to` written directly, in SQL: half permanent (seats taken in packs 2.., as the license
 * server counts them), half temporary, all live.
 */
function prefill(dbFile: string, from: number, to: number) {
  if (to <= from) return;
  const started = performance.now();
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // A large page cache for this connection only: six B-trees grow by millions of rows.
  db.pragma('cache_size = -262144');
  const packs = db.prepare("SELECT id, pack, seq, total, issued FROM ls_key_packs WHERE cal_type = 'device' AND pack > 1 ORDER BY pack").all() as {
    id: string;
    pack: number;
    seq: number;
    total: number;
    issued: number;
  }[];
  const now = new Date();
  const issuedAt = now.toISOString();
  const expiresAt = new Date(now.getTime() + 60 * 86_400_000).toISOString();
  const rows = (kind: 'permanent' | 'temporary', a: number, b: number, pack?: (typeof packs)[number]) =>
    db
      .prepare(
        `INSERT INTO ls_issued_licenses (id, kind, cal_type, cal_version, key_pack_id, pack, grant_seq, device, hwid, host, issued_at, expires_at, validated, status, over_allocated)
         WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
         SELECT printf('cal_pre_%010d', i), ?, 'device', 2019, ?, ?, ?, printf('pre-%010d', i), printf('pre-hw-%010d', i), 'BENCH-RDSH', ?, ?, 1, 'active', 0 FROM n`,
      )
      .run(a, b, kind, pack?.id ?? null, pack?.pack ?? null, pack?.seq ?? null, issuedAt, expiresAt);
  const step = 250_000;
  for (let a = from; a < to; a += step) {
    const b = Math.min(to, a + step);
    const half = a + Math.floor((b - a) / 2);
    db.transaction(() => {
      let i = a;
      for (const p of packs) {
        const free = p.total - p.issued;
        const take = Math.min(free, half - i);
        if (take <= 0) continue;
        rows('permanent', i, i + take, p);
        db.prepare('UPDATE ls_key_packs SET issued = issued + ? WHERE id = ?').run(take, p.id);
        p.issued += take;
        i += take;
      }
      rows('temporary', i, b);
    })();
    if (process.stdout.isTTY) process.stdout.write(`\r  prefilling issued licenses ${num(b)}/${num(to)}`);
  }
  if (process.stdout.isTTY) process.stdout.write('\n');
  db.pragma('wal_checkpoint(TRUNCATE)');
  line(`  prefilled ${num(to - from)} issued licenses (to ${num(to)})`, `in ${num((performance.now() - started) / 1000)} s`);
  db.close();
}

function validateAll(dbFile: string) {
  const db = new Database(dbFile);
  db.prepare("UPDATE ls_issued_licenses SET validated = 1 WHERE kind = 'temporary' AND status = 'active' AND validated = 0").run();
  db.close();
}

type Mode = 'per-device' | 'per-user';

/** POST /ls/v1/cals (or /cals of the floor), a new device (or user) `prefix-N` per request; tokens collected. */
async function cals(
  port: number,
  path: string,
  token: string,
  who: { prefix: string; mode?: Mode },
  opts: { duration?: number; amount?: number; overallRate?: number },
  tokens?: string[],
): Promise<Load> {
  let next = 0;
  const result = await load({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    ...opts,
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        setupRequest: (request) => {
          const n = next++;
          const body =
            who.mode === 'per-user'
              ? { device: `${who.prefix}-${n}`, hwid: `${who.prefix}-hw-${n}`, user: `${who.prefix}-user-${n}`, mode: 'per-user', hostVersion: 2019 }
              : { device: `${who.prefix}-${n}`, hwid: `${who.prefix}-hw-${n}`, mode: 'per-device', hostVersion: 2019 };
          return { ...request, body: JSON.stringify(body) };
        },
        ...(tokens ? { onResponse: (status: number, body: string) => void (status === 200 && tokens.push(body)) } : {}),
      },
    ],
  });
  return summarize(result);
}

/** Every answered CAL's token verifies with the license server's key (node:crypto, the signature over header.payload). */
function verifyAll(bodies: string[], publicKeyRaw: Uint8Array): { verified: number; total: number } {
  const key = publicKeyFromRaw(publicKeyRaw);
  let verified = 0;
  for (const body of bodies) {
    const token = findToken(JSON.parse(body));
    if (!token) continue;
    const [h, p, s] = token.split('.');
    if (h && p && s && cryptoVerify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) verified++;
  }
  return { verified, total: bodies.length };
}
function findToken(value: unknown): string | undefined {
  if (typeof value === 'string') return value.split('.').length === 3 ? value : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const o = value as Record<string, unknown>;
  if (typeof o.token === 'string') return o.token;
  for (const v of Object.values(o)) {
    const t = findToken(v);
    if (t) return t;
  }
  return undefined;
}

/** No pack has more seats taken than it holds, and its count is the number of live CALs on it. */
function seatCheck(dbFile: string, label: string) {
  const db = new Database(dbFile, { readonly: true });
  const packs = db
    .prepare(
      `SELECT p.pack, p.total, p.issued, (SELECT count(*) FROM ls_issued_licenses l WHERE l.key_pack_id = p.id AND l.status = 'active') AS live FROM ls_key_packs p`,
    )
    .all() as { pack: number; total: number; issued: number; live: number }[];
  db.close();
  const over = packs.filter((p) => p.issued > p.total || p.live > p.total);
  const mismatch = packs.filter((p) => p.issued !== p.live);
  check(over.length === 0 && mismatch.length === 0, `no seat over-issued (${label})`, `${packs.length} packs, ${num(packs.reduce((s, p) => s + p.issued, 0))} seats taken, over ${over.length}, count mismatches ${mismatch.length}`);
}

function checkTokens(bodies: string[], publicKeyRaw: Uint8Array, answered: number, label: string) {
  const v = verifyAll(bodies, publicKeyRaw);
  check(v.verified === v.total && v.total === answered, `every CAL verifies (${label})`, `${num(v.verified)} of ${num(v.total)} tokens verify, ${num(answered)} answered`);
}

export interface FloorFigures {
  max: Load;
  paced: Load;
  idleRss: number;
  loadRss: number;
}

/** The floor route (bench/floor-server.ts) at full load and at 1,000 requests/s. */
export async function floorPhase(): Promise<FloorFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'opencal-floor-'));
  const floor = await startProcess('bench/floor-server.ts', [dir]);
  try {
    const idleRss = await rssOf(floor.port);
    await cals(floor.port, '/cals', 'floor-token', { prefix: 'w' }, { amount: 5000 });
    const { value: max, peakRss } = await withPeakRss(floor.port, () => measured(floor.port, () => cals(floor.port, '/cals', 'floor-token', { prefix: 'f' }, { duration: SECONDS })));
    const paced = await measured(floor.port, () => cals(floor.port, '/cals', 'floor-token', { prefix: 'p' }, { duration: SECONDS, overallRate: 1000 }));
    return { max, paced, idleRss, loadRss: peakRss };
  } finally {
    await stop(floor.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface LevelFigures {
  issued: number;
  first: Load;
  paced: Load;
  second?: Load;
  perUser?: Load;
  stack?: Load;
  idleRss: number;
  loadRss: number;
  /** at 0 issued: the same license server with node's defaults (not bin/opencal.mjs's flags), first connections. */
  nodeDefaults?: { first: Load; idleRss: number; loadRss: number };
}

/**
 * The license server runs as `opencal` runs it: with the environment and node flags of bin/opencal.mjs's first
 * line (bench/footprint.ts). At 0 issued it runs once more with node's defaults, for what those flags cost and save.
 */
const OPENCAL = opencalNode();
const startLicenseServer = (p: Prepared, how: { env: Record<string, string>; nodeArgs: string[] } = OPENCAL) =>
  startProcess('bench/license-server.ts', [p.dataDir, p.clearinghouseKey], how.env, how.nodeArgs);
export const OPENCAL_FLAGS = [...Object.entries(OPENCAL.env).map(([k, v]) => `${k}=${v}`), 'node', ...OPENCAL.nodeArgs].join(' ');

/** A license server started with node's defaults: its idle RSS, then first connections with its peak RSS. */
async function firstConnectionsWithDefaults(p: Prepared, tag: string) {
  const ls = await startLicenseServer(p, { env: {}, nodeArgs: [] });
  try {
    const idleRss = await rssOf(ls.port);
    await cals(ls.port, '/ls/v1/cals', p.hostToken, { prefix: `${tag}-warm` }, { amount: 2000 });
    const tokens: string[] = [];
    const { value: first, peakRss } = await withPeakRss(ls.port, () =>
      measured(ls.port, () => cals(ls.port, '/ls/v1/cals', p.hostToken, { prefix: tag }, { duration: SECONDS }, tokens)),
    );
    checkTokens(tokens, p.publicKeyRaw, first.ok, 'temporary, node defaults');
    return { first, idleRss, loadRss: peakRss };
  } finally {
    await stop(ls.child);
  }
}

async function level(p: Prepared, issued: number, detail: boolean, withStack: boolean, tag: string): Promise<LevelFigures> {
  const ls = await startLicenseServer(p);
  let out: LevelFigures;
  try {
    const idleRss = await rssOf(ls.port);
    await cals(ls.port, '/ls/v1/cals', p.hostToken, { prefix: `${tag}-warm` }, { amount: 2000 });
    const tokens: string[] = [];
    const { value: first, peakRss } = await withPeakRss(ls.port, () =>
      measured(ls.port, () => cals(ls.port, '/ls/v1/cals', p.hostToken, { prefix: tag }, { duration: SECONDS }, tokens)),
    );
    checkTokens(tokens, p.publicKeyRaw, first.ok, `temporary, ${num(issued)} issued`);
    tokens.length = 0;
    let stack: Load | undefined;
    if (withStack) {
      stack = await measured(ls.port, () =>
        load({ url: `http://127.0.0.1:${ls.port}/ls/v1/whoami`, headers: { authorization: `Bearer ${p.hostToken}` }, connections: CONNECTIONS, duration: Math.max(1, SECONDS / 2) }).then(summarize),
      );
    }
    const paced = await measured(ls.port, () => cals(ls.port, '/ls/v1/cals', p.hostToken, { prefix: `${tag}-paced` }, { duration: SECONDS, overallRate: 1000 }));
    out = { issued, first, paced, idleRss, loadRss: peakRss, ...(stack ? { stack } : {}) };
    if (!detail) return out;
  } finally {
    await stop(ls.child);
  }
  // Second connections: the devices of the first phase, validated (their logon) in one SQL statement.
  validateAll(p.dbFile);
  const again = await startLicenseServer(p);
  try {
    await cals(again.port, '/ls/v1/cals', p.hostToken, { prefix: `${tag}-warm2` }, { amount: 2000 });
    const tokens: string[] = [];
    const { value: second, peakRss } = await withPeakRss(again.port, () =>
      measured(again.port, () => cals(again.port, '/ls/v1/cals', p.hostToken, { prefix: tag }, { amount: out.first.ok }, tokens)),
    );
    checkTokens(tokens, p.publicKeyRaw, second.ok, `permanent, ${num(issued)} issued`);
    tokens.length = 0;
    const perUser = await measured(again.port, () => cals(again.port, '/ls/v1/cals', p.hostToken, { prefix: `${tag}-u`, mode: 'per-user' }, { duration: SECONDS }, tokens));
    checkTokens(tokens, p.publicKeyRaw, perUser.ok, `per user, ${num(issued)} issued`);
    out = { ...out, second, perUser, loadRss: Math.max(out.loadRss, peakRss) };
  } finally {
    await stop(again.child);
  }
  if (issued === 0) out = { ...out, nodeDefaults: await firstConnectionsWithDefaults(p, `${tag}-defaults`) };
  seatCheck(p.dbFile, `${num(issued)} issued`);
  return out;
}

function reportLevel(l: LevelFigures, floor: FloorFigures) {
  const row = (label: string, x: Load) =>
    line(`  ${label}`, `${rpsVs(x, floor.max)}  p50 ${x.p50} ms  p99 ${x.p99} ms  failed ${x.failed}  ${cpuVs(x, floor.max)}`);
  if (l.stack) line('  HTTP stack only (GET /ls/v1/whoami, host token)', `${num(l.stack.rps)} req/s  ${cpuVs(l.stack, floor.max)}`);
  row('first connections (temporary CAL)', l.first);
  if (l.second) row('second connections (permanent CAL)', l.second);
  if (l.perUser) row('per-user CALs', l.perUser);
  line('  first connections at a fixed 1,000 requests/s', `${num(l.paced.rps)} req/s  p50 ${l.paced.p50} ms  p99 ${l.paced.p99} ms  failed ${l.paced.failed}  (floor p99 ${floor.paced.p99} ms)`);
  line('  license server RSS idle / under load', `${mib(l.idleRss)} / ${mib(l.loadRss)}`);
  if (l.nodeDefaults) {
    const y = l.nodeDefaults;
    line(`  with node's defaults: first connections`, `${rpsVs(y.first, floor.max)}  p99 ${y.first.p99} ms  ${cpuVs(y.first, floor.max)}`);
    line(`  with node's defaults: RSS idle / under load`, `${mib(y.idleRss)} / ${mib(y.loadRss)}`);
  }
}

/** Every issuance figure of the run: the floor, then each growth level (with every phase at 0 and at PREFILL). */
export async function issuancePhases(): Promise<{ floor: FloorFigures; levels: LevelFigures[] }> {
  const floor = await floorPhase();
  heading('Floor route (bench/floor-server.ts: Map token lookup, one node:crypto Ed25519 JWS, one prepared INSERT, one commit per event-loop turn)');
  line('  full load', `${num(floor.max.rps)} req/s  p50 ${floor.max.p50} ms  p99 ${floor.max.p99} ms  failed ${floor.max.failed}  CPU ${num(floor.max.cpuUs ?? 0)} µs/request`);
  line('  at a fixed 1,000 requests/s', `${num(floor.paced.rps)} req/s  p50 ${floor.paced.p50} ms  p99 ${floor.paced.p99} ms`);
  line('  RSS idle / under load', `${mib(floor.idleRss)} / ${mib(floor.loadRss)}`);

  const levelsWanted = [...new Set([...GROWTH, ...(PREFILL > 0 ? [PREFILL] : []), 0])].sort((a, b) => a - b);
  const dataDir = mkdtempSync(join(tmpdir(), 'opencal-bench-'));
  const levels: LevelFigures[] = [];
  try {
    const p = await prepareLicenseServer(dataDir);
    let prefilled = 0;
    for (const [i, issued] of levelsWanted.entries()) {
      prefill(p.dbFile, prefilled, issued);
      prefilled = issued;
      const detail = issued === 0 || issued === PREFILL;
      heading(issued === 0 ? 'CAL issuance over HTTP (POST /ls/v1/cals), empty license database' : `CAL issuance with ${num(issued)} issued licenses already in the database`);
      if (i === 0) line('  license server started as opencal starts it', OPENCAL_FLAGS);
      const figures = await level(p, issued, detail, issued === 0, `l${i}`);
      levels.push(figures);
      reportLevel(figures, floor);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const empty = levels.find((l) => l.issued === 0);
  const full = levels.find((l) => l.issued === PREFILL && PREFILL > 0);
  if (empty && full) {
    heading(`Ratios (${num(PREFILL)} issued / empty database)`);
    line('  first connections, throughput', `${num((full.first.rps / empty.first.rps) * 100)} %`);
    line('  first connections, CPU per request', `${num((full.first.cpuUs! / empty.first.cpuUs!) * 100)} %`);
    if (full.second && empty.second) line('  second connections, CPU per request', `${num((full.second.cpuUs! / empty.second.cpuUs!) * 100)} %`);
    line('  p99 at 1,000 requests/s', `${num(full.paced.p99)} ms vs ${num(empty.paced.p99)} ms`);
  }
  return { floor, levels };
}
