/**
 * The clearinghouse at scale, on PostgreSQL: real clearinghouse processes (bench/clearinghouse-server.ts) on one
 * database `opencal_bench` that this phase creates and drops (never the test database), real HTTP, and check-ins
 * signed as a license server signs them (src/license-server/clearinghouse.client.ts), at 0, 1/10 and all of the
 * prefilled size. Prefilled by SQL (generate_series): OPENCAL_BENCH_CH_SERVERS license servers (default
 * 1,000,000), OPENCAL_BENCH_CH_PACKS packs (2,000,000, half of them installed, with their grants) and
 * OPENCAL_BENCH_CH_AUDIT audit records (10,000,000), plus OPENCAL_BENCH_CH_REAL servers with real keys (1,000)
 * that check in. The prefilled audit records are not a valid hash chain (the bench never verifies the chain).
 *
 * At the full size: one and two processes, activation and install latency, a migration decision with its audit
 * record, and the EXPLAIN plan of every query of these paths, captured from the use cases themselves; a
 * sequential scan of a large table fails the bench.
 * OPENCAL_BENCH_PG_URL (default postgres://postgres:postgres@127.0.0.1:5432/), OPENCAL_BENCH_SKIP_CLEARINGHOUSE=1.
 */
import { randomBytes as nodeRandom, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { createClearinghouse, type Clearinghouse } from '../src/clearinghouse/module';
import { dayNumber, encodeCode, serverIdPrefix } from '../src/core/codes/index';
import { CHAIN_GENESIS, receiptHash, type CheckInLink } from '../src/core/fork-rules';
import type { SignedRequestPayload } from '../src/core/protocol';
import { randomBytes } from '../src/platform/random';
import { systemClock } from '../src/platform/system-clock';
import type { Database } from '../src/storage/database';
import { tokenStore } from '../src/storage/tokens.repository';
import { base64urlEncode, codeMacKey, generateIdentity, loadOrCreateIdentity, signJws, type Identity } from '../src/trust/index';
import { check, CONNECTIONS, heading, line, load, mib, num, rssOf, SECONDS, startProcess, stop, summarize, withPeakRss, cpuOf, type Child, type Load } from './lib';

const BASE_URL = process.env.OPENCAL_BENCH_PG_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/';
const DB_NAME = 'opencal_bench';
const SERVERS = Number(process.env.OPENCAL_BENCH_CH_SERVERS ?? 1_000_000);
const PACKS = Number(process.env.OPENCAL_BENCH_CH_PACKS ?? 2_000_000);
const AUDIT = Number(process.env.OPENCAL_BENCH_CH_AUDIT ?? 10_000_000);
const REAL = Number(process.env.OPENCAL_BENCH_CH_REAL ?? 1000);
/** A sequential scan of a table with at least this many rows fails the bench. */
const LARGE_TABLE = 5000;
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const COMPANY = { firstName: 'Bench', lastName: 'Admin', company: 'Bench', country: 'FR' };
const AGREEMENT = { agreementNumber: '1234567' };

function urlOf(database: string): string {
  const u = new URL(BASE_URL);
  u.pathname = `/${database}`;
  return u.toString();
}

interface RealServer {
  identity: Identity;
  serverId: string;
  pub: string;
  header: string;
  instanceId: string;
  pack: number;
  /** its check-in chain as the license server keeps it: the last receipt's counter and hash. */
  counter: number;
  hash: string;
  /** the link of a check-in sent and not yet answered (sent again as it is when its answer was lost). */
  pending?: CheckInLink;
  busy: boolean;
}

/** The next link of a server's chain, or the unanswered one again (a retry, as the license server sends it). */
function nextLink(s: RealServer): CheckInLink {
  s.pending ??= { counter: s.counter + 1, prev: s.hash, attempt: base64urlEncode(nodeRandom(12)) };
  return s.pending;
}

/** The receipt of an answered check-in becomes the server's chain head, as the license server keeps it. */
function keepReceipt(s: RealServer, body: string) {
  const receipt = (JSON.parse(body) as { receipt?: string }).receipt;
  if (receipt !== undefined && s.pending) {
    s.counter = s.pending.counter;
    s.hash = receiptHash(receipt);
  }
  s.pending = undefined;
}

/** A check-in as the license server makes it (payload fields in its order, jose's compact JWS), signed synchronously. */
function checkInPayload(s: RealServer): SignedRequestPayload {
  return {
    typ: 'opencal.request',
    action: 'check-in',
    sub: s.serverId,
    pub: s.pub,
    aud: 'clearinghouse',
    iat: Math.floor(Date.now() / 1000),
    nonce: base64urlEncode(nodeRandom(16)),
    body: { instanceId: s.instanceId, packs: [{ pack: s.pack, seq: 1, issued: 3 }], chain: nextLink(s) },
  };
}
function signNow(s: { identity: Identity; header: string }, payload: object): string {
  const input = `${s.header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${cryptoSign(null, Buffer.from(input), s.identity.privateKey).toString('base64url')}`;
}
function headerOf(identity: Identity) {
  return Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: identity.kid })).toString('base64url');
}

async function signedBody(identity: Identity, action: string, body: unknown) {
  const payload: SignedRequestPayload = {
    typ: 'opencal.request',
    action,
    sub: identity.kid,
    pub: base64urlEncode(identity.publicKeyRaw),
    aud: 'clearinghouse',
    iat: Math.floor(Date.now() / 1000),
    nonce: base64urlEncode(nodeRandom(16)),
    body,
  };
  return { request: await signJws(identity, payload) };
}

/**
 * Check-ins against the clearinghouse processes on `ports`, real servers taken in turn (one not waiting for an
 * answer: a license server checks in one at a time); one autocannon per process. A check-in cut off by the end
 * of a phase is sent again by the next phase with the same link, as the license server retries it.
 */
async function checkIns(ports: number[], servers: RealServer[], opts: { duration?: number; amount?: number; overallRate?: number }): Promise<Load> {
  let next = 0;
  for (const s of servers) s.busy = false;
  const take = (): RealServer => {
    for (let i = 0; i < servers.length; i++) {
      const s = servers[next++ % servers.length]!;
      if (!s.busy) return s;
    }
    throw new Error('every license server of the bench is waiting for an answer');
  };
  const results = await Promise.all(
    ports.map((port) =>
      load({
        url: `http://127.0.0.1:${port}`,
        connections: Math.max(1, Math.floor(CONNECTIONS / ports.length)),
        ...opts,
        ...(opts.overallRate ? { overallRate: opts.overallRate / ports.length } : {}),
        ...(opts.amount ? { amount: Math.ceil(opts.amount / ports.length) } : {}),
        requests: [
          {
            method: 'POST',
            path: '/ch/v1/servers/check-in',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request, context) => {
              const s = take();
              s.busy = true;
              context.server = s;
              return { ...request, body: JSON.stringify({ request: signNow(s, checkInPayload(s)) }) };
            },
            onResponse: (status, body, context) => {
              const s = context.server as RealServer;
              if (status === 200) keepReceipt(s, body);
              s.busy = false;
            },
          },
        ],
      }).then(summarize),
    ),
  );
  const ok = results.reduce((a, r) => a + r.ok, 0);
  const duration = opts.duration ?? Math.max(...results.map((r) => (r.rps > 0 ? r.ok / r.rps : 0)));
  return {
    rps: ok / duration,
    ok,
    failed: results.reduce((a, r) => a + r.failed, 0),
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
  };
}

/** CPU time (user + system) of the PostgreSQL backends serving the bench database, by pid, in µs (Linux /proc; empty elsewhere). */
async function backendCpu(pool: pg.Pool): Promise<Map<number, number>> {
  const pids = (await pool.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [DB_NAME])).rows.map((r: { pid: number }) => r.pid);
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 per second).
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) * 10_000);
    } catch {
      // not on this machine (a remote PostgreSQL) or gone
    }
  }
  return out;
}

/** A load phase with the CPU it cost per answered check-in: the clearinghouse processes', and PostgreSQL's backends'. */
async function cpuPerRequest(pool: pg.Pool, ports: number[], run: () => Promise<Load>): Promise<ChLoad> {
  const before = await Promise.all(ports.map(cpuOf));
  const pgBefore = await backendCpu(pool);
  const r = await run();
  const after = await Promise.all(ports.map(cpuOf));
  const pgAfter = await backendCpu(pool);
  const spent = after.reduce((s, a, i) => s + a - before[i]!, 0);
  let pgSpent = 0;
  for (const [pid, us] of pgAfter) pgSpent += us - (pgBefore.get(pid) ?? 0);
  return { ...r, cpuUs: r.ok > 0 ? spent / r.ok : undefined, ...(r.ok > 0 && pgAfter.size > 0 ? { pgCpuUs: pgSpent / r.ok } : {}) };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}
function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
function latencyLine(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${num(percentile(s, 50), 1)} ms  p99 ${num(percentile(s, 99), 1)} ms  max ${num(s[s.length - 1] ?? 0, 1)} ms  (${s.length} sequential requests)`;
}

async function post(port: number, path: string, body: unknown, token?: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

/** A load phase's figures with the CPU of PostgreSQL's backends per answered check-in (µs), where it can be read. */
export interface ChLoad extends Load {
  pgCpuUs?: number;
}

// ------------------------------------------------------------------------------------------------ prefill (SQL)

interface Sizes {
  servers: number;
  packs: number;
  audit: number;
}

/**
 * Prefilled rows `from` -> `to`, by SQL: servers first (packs refer to them), then packs with their grants and the
 * audit records side by side on two connections. Hashes are cheap stand-ins (hex of the sequence number); a
 * server's audit records are contiguous, as a server's history is.
 */
async function prefill(pool: pg.Pool, orgId: string, from: Sizes, to: Sizes) {
  const at = new Date().toISOString();
  const exp = new Date(Date.now() + 730 * 86_400_000).toISOString();
  const step = 1_000_000;
  const done = { servers: from.servers, packs: from.packs, audit: from.audit };
  const progress = () => {
    if (process.stdout.isTTY) process.stdout.write(`\r  prefilling: ${num(done.servers)} servers, ${num(done.packs)} packs, ${num(done.audit)} audit records          `);
  };
  for (let a = from.servers; a < to.servers; a += step) {
    const b = Math.min(to.servers, a + step);
    await pool.query(
      `INSERT INTO ch_servers (server_id, id_prefix, public_key, org_id, status, method, server_version, company, activation_serial, activated_at,
         certificate, certificate_expires_at, last_check_in_at, instance_id, receipt_at, status_changed_at, status_reason, created_at, confirmed_at)
       SELECT 'PRE-' || lpad(i::text, 10, '0'), (1000000000000 + i)::text, 'pre-key-' || i, $1, 'activated', 'auto', 2019, '{}', i, $2,
         'pre-certificate', $3, $2, 'pre-instance-' || i, NULL, $2, NULL, $2, $2
       FROM generate_series($4::bigint, $5::bigint - 1) i`,
      [orgId, at, exp, a, b],
    );
    done.servers = b;
    progress();
  }
  const servers = Math.max(1, to.servers);
  const packs = async () => {
    for (let a = from.packs; a < to.packs; a += step) {
      const b = Math.min(to.packs, a + step);
      const max = Number((await pool.query('SELECT coalesce(max(number), 0) AS m FROM ch_packs')).rows[0].m);
      await pool.query(
        `INSERT INTO ch_packs (key_hash, org_id, program, program_data, cal_type, cal_version, count, status, server_id, grant_seq, created_at, updated_at)
         SELECT md5('pk' || i) || md5('pk-' || i), $1, 'select', '{"agreementNumber":"1234567"}', 'device', 2019, 10,
           CASE WHEN i % 2 = 0 THEN 'installed' ELSE 'unassigned' END,
           CASE WHEN i % 2 = 0 THEN 'PRE-' || lpad(((i / 2) % $4)::text, 10, '0') END,
           CASE WHEN i % 2 = 0 THEN 1 ELSE 0 END, $5, $5
         FROM generate_series($2::bigint, $3::bigint - 1) i`,
        [orgId, a, b, servers, at],
      );
      await pool.query(
        `INSERT INTO ch_grants (pack_number, seq, server_id, status, jws, key_pack_id, issued_at)
         SELECT number, 1, server_id, 'active', 'pre-grant', NULL, $2 FROM ch_packs WHERE number > $1 AND status = 'installed'`,
        [max, at],
      );
      done.packs = b;
      progress();
    }
  };
  const audit = async () => {
    const perServer = Math.max(1, Math.round(to.audit / servers));
    for (let a = from.audit; a < to.audit; a += step) {
      const n = Math.min(to.audit, a + step) - a;
      const head = Number((await pool.query('SELECT seq FROM ch_audit_head WHERE id = 1')).rows[0].seq);
      await pool.query(
        `INSERT INTO ch_audit (seq, at, actor, action, subject, data, prev_hash, hash)
         SELECT $1::bigint + k, $2, 'server:PRE-' || lpad(((($5::bigint + k) / $3) % $6)::text, 10, '0'), 'server.checked-in',
           'server:PRE-' || lpad(((($5::bigint + k) / $3) % $6)::text, 10, '0'), '{}', lpad(to_hex($1::bigint + k - 1), 64, '0'), lpad(to_hex($1::bigint + k), 64, '0')
         FROM generate_series(0, $4::bigint - 1) k`,
        [head + 1, at, perServer, n, a, servers],
      );
      await pool.query(`UPDATE ch_audit_head SET seq = $1::bigint, hash = lpad(to_hex($1::bigint), 64, '0') WHERE id = 1`, [head + n]);
      done.audit = a + n;
      progress();
    }
  };
  await Promise.all([packs(), audit()]);
  if (process.stdout.isTTY) process.stdout.write('\n');
  await pool.query('ANALYZE ch_servers, ch_packs, ch_grants, ch_audit');
}

/** The real license servers that check in: real keys, activated and confirmed (as an auto activation is), each holding one installed pack with its grant. */
async function insertRealServers(pool: pg.Pool, orgId: string): Promise<RealServer[]> {
  const at = new Date().toISOString();
  const exp = new Date(Date.now() + 730 * 86_400_000).toISOString();
  const ids = Array.from({ length: REAL }, () => generateIdentity());
  const servers: RealServer[] = ids.map((identity, i) => ({
    identity, serverId: identity.kid, pub: base64urlEncode(identity.publicKeyRaw), header: headerOf(identity), instanceId: `bench-instance-${i}`, pack: 0,
    counter: 0, hash: CHAIN_GENESIS, busy: false,
  }));
  await pool.query(
    `INSERT INTO ch_servers (server_id, id_prefix, public_key, org_id, status, method, server_version, company, activation_serial, activated_at,
       certificate, certificate_expires_at, last_check_in_at, instance_id, receipt_at, status_changed_at, status_reason, created_at, confirmed_at)
     SELECT s.id, s.prefix, s.pub, $1, 'activated', 'auto', 2019, '{}', 1, $2, 'bench-certificate', $3, NULL, NULL, NULL, $2, NULL, $2, $2
     FROM unnest($4::text[], $5::text[], $6::text[]) AS s(id, prefix, pub)`,
    [orgId, at, exp, servers.map((s) => s.serverId), servers.map((s) => serverIdPrefix(s.serverId).toString()), servers.map((s) => s.pub)],
  );
  const packs = await pool.query(
    `WITH p AS (
       INSERT INTO ch_packs (key_hash, org_id, program, program_data, cal_type, cal_version, count, status, server_id, grant_seq, created_at, updated_at)
       SELECT md5('real' || s.id) || md5('real-' || s.id), $1, 'select', '{"agreementNumber":"1234567"}', 'device', 2019, 10, 'installed', s.id, 1, $2, $2
       FROM unnest($3::text[]) AS s(id) RETURNING number, server_id)
     INSERT INTO ch_grants (pack_number, seq, server_id, status, jws, key_pack_id, issued_at)
     SELECT number, 1, server_id, 'active', 'bench-grant', NULL, $2 FROM p RETURNING pack_number, server_id`,
    [orgId, at, servers.map((s) => s.serverId)],
  );
  const byServer = new Map(packs.rows.map((r: { pack_number: string; server_id: string }) => [r.server_id, Number(r.pack_number)]));
  for (const s of servers) s.pack = byServer.get(s.serverId)!;
  return servers;
}

// ------------------------------------------------------------------------------------------------ EXPLAIN

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** A statement's text without its leading comments (the PREPARED mark of storage/database.ts) and spaces. */
function uncommented(text: string): string {
  return text.replace(/^\s*(\/\*.*?\*\/\s*)*/s, '').trim();
}

/** The tables a statement names, in order of first mention. */
function tablesOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\b(?:from|into|update|join)\s+\(?"?(\w+)/gi)].map((m) => m[1]!).filter((t) => t.startsWith('ch_') || t === 'api_tokens' || t === 'events'))];
}

function nodesOf(n: PlanNode): PlanNode[] {
  return [n, ...(n.Plans ?? []).flatMap(nodesOf)];
}

/** EXPLAIN of every captured query; a sequential scan of a table of LARGE_TABLE rows or more fails the bench. */
async function explainAll(pool: pg.Pool, queries: readonly CompiledQuery[]): Promise<{ queries: number; seqScans: number }> {
  const sizes = new Map<string, number>(
    (await pool.query("SELECT relname, reltuples::bigint AS n FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")).rows.map(
      (r: { relname: string; n: string }) => [r.relname, Number(r.n)],
    ),
  );
  const seen = new Set<string>();
  let bad = 0;
  heading('EXPLAIN of every query of check-in, activation, install, migration and the audit of a case (table rows in brackets)');
  for (const q of queries) {
    if (seen.has(q.sql) || !/^(select|insert|update|delete|with)\b/i.test(uncommented(q.sql))) continue;
    seen.add(q.sql);
    const plan = (await pool.query(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.parameters as unknown[])).rows[0]['QUERY PLAN'][0].Plan as PlanNode;
    const nodes = nodesOf(plan);
    const scans = nodes
      .filter((n) => n['Relation Name'])
      .map((n) => `${n['Node Type']}${n['Index Name'] ? ` using ${n['Index Name']}` : ''} on ${n['Relation Name']} [${num(sizes.get(n['Relation Name']!) ?? 0)}]`);
    const large = nodes.filter((n) => n['Node Type'] === 'Seq Scan' && (sizes.get(n['Relation Name']!) ?? 0) >= LARGE_TABLE);
    if (large.length > 0) bad++;
    const shortSql = uncommented(q.sql).replace(/\s+/g, ' ').replace(/"/g, '').slice(0, 150);
    process.stdout.write(`  ${large.length > 0 ? 'SEQ SCAN OF A LARGE TABLE' : 'ok'}  ${shortSql}\n      ${plan['Node Type']}${scans.length ? `: ${scans.join('; ')}` : ''}\n`);
  }
  check(bad === 0, 'every query served by an index', `${seen.size} distinct queries, ${bad} with a sequential scan of a table of ${num(LARGE_TABLE)} rows or more`);
  return { queries: seen.size, seqScans: bad };
}

// ------------------------------------------------------------------------------------------------ phases

export interface ClearinghouseFigures {
  levels: { servers: number; paced: ChLoad; max: ChLoad }[];
  two?: ChLoad;
  explain?: { queries: number; seqScans: number };
  idleRss?: number;
  loadRss?: number;
}

/**
 * Every answered check-in was recorded: its nonce, the server's last check-in and its link in the server's
 * check-in chain, and no chain forked (no clone case: every server checked in on one history). Requests still in flight when a
 * timed phase ends are recorded without being counted as answered, so up to one per connection more may be recorded.
 */
async function checkInsRecorded(pool: pg.Pool, since: string, answered: number, servers: number, label: string) {
  const nonces = Number((await pool.query('SELECT count(*) AS n FROM ch_nonces WHERE seen_at >= $1', [since])).rows[0].n);
  const seen = Number((await pool.query("SELECT count(*) AS n FROM ch_servers WHERE last_check_in_at >= $1 AND server_id NOT LIKE 'PRE-%'", [since])).rows[0].n);
  const links = Number((await pool.query("SELECT count(*) AS n FROM ch_check_ins WHERE at >= $1 AND outcome <> 'fork'", [since])).rows[0].n);
  const extending = Number((await pool.query("SELECT count(*) AS n FROM ch_check_ins WHERE at >= $1 AND outcome = 'extend'", [since])).rows[0].n);
  const clones = Number((await pool.query("SELECT count(*) AS n FROM ch_cases WHERE kind = 'clone'")).rows[0].n);
  const expectServers = Math.min(servers, answered);
  check(
    nonces >= answered && nonces <= answered + CONNECTIONS && seen >= expectServers && links >= answered && links <= nonces + CONNECTIONS && clones === 0,
    `every check-in recorded (${label})`,
    `${num(answered)} answered, ${num(nonces)} recorded (in flight at the end: ${num(nonces - answered)}), ${num(links)} chain links (${num(extending)} the next link of their chain), ${num(clones)} clone cases, ${num(seen)} servers seen, at least ${num(expectServers)} expected`,
  );
}

async function measureLevel(pool: pg.Pool, ports: number[], servers: RealServer[], label: string): Promise<{ paced: ChLoad; max: ChLoad }> {
  await checkIns(ports, servers, { amount: 1000 });
  let since = new Date().toISOString();
  const paced = await cpuPerRequest(pool, ports, () => checkIns(ports, servers, { duration: SECONDS, overallRate: 500 }));
  await checkInsRecorded(pool, since, paced.ok, servers.length, `${label}, 500/s`);
  since = new Date().toISOString();
  const max = await cpuPerRequest(pool, ports, () => checkIns(ports, servers, { duration: SECONDS }));
  await checkInsRecorded(pool, since, max.ok, servers.length, `${label}, full load`);
  return { paced, max };
}

function reportLevel(label: string, l: { paced: ChLoad; max: ChLoad }, empty?: { paced: ChLoad; max: ChLoad }) {
  const vs = empty ? ` (${num((l.max.rps / empty.max.rps) * 100)} % of empty)` : '';
  line(`  ${label}: full load`, `${num(l.max.rps)} check-ins/s${vs}  p50 ${l.max.p50} ms  p99 ${l.max.p99} ms  failed ${l.max.failed}  ${cpuLine(l.max)}`);
  line(`  ${label}: at a fixed 500 check-ins/s`, `${num(l.paced.rps)} check-ins/s  p50 ${l.paced.p50} ms  p99 ${l.paced.p99} ms${empty ? ` (empty ${empty.paced.p99} ms)` : ''}  failed ${l.paced.failed}  ${cpuLine(l.paced)}`);
}

/** `CPU 900 µs/check-in (clearinghouse) + 400 µs (PostgreSQL)`. */
function cpuLine(l: ChLoad): string {
  return `CPU ${num(l.cpuUs ?? 0)} µs/check-in (clearinghouse)${l.pgCpuUs !== undefined ? ` + ${num(l.pgCpuUs)} µs (PostgreSQL)` : ''}`;
}

export async function clearinghousePhase(): Promise<ClearinghouseFigures | undefined> {
  heading(`Clearinghouse on PostgreSQL (database ${DB_NAME}; ${num(SERVERS)} license servers, ${num(PACKS)} packs, ${num(AUDIT)} audit records at full size)`);
  if (process.env.OPENCAL_BENCH_SKIP_CLEARINGHOUSE === '1') {
    line('  skipped', 'OPENCAL_BENCH_SKIP_CLEARINGHOUSE=1');
    return undefined;
  }
  const admin = new pg.Client({ connectionString: urlOf(new URL(BASE_URL).pathname.replace(/^\//, '') || 'postgres') });
  try {
    await admin.connect();
  } catch (e) {
    line('  skipped', `no PostgreSQL at ${new URL(BASE_URL).host} (${(e as Error).message}); set OPENCAL_BENCH_PG_URL`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'opencal-ch-bench-'));
  const keyFile = join(dir, 'root.key');
  const url = urlOf(DB_NAME);
  const children: Child[] = [];
  let pool: pg.Pool | undefined;
  let db: Kysely<any> | undefined;
  let ch: Clearinghouse | undefined;
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DB_NAME}`);
    pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => {});
    // The bench's own clearinghouse (in this process) runs the migrations and the use cases whose queries are explained.
    const captured: CompiledQuery[] = [];
    let capturing = false;
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool }), log: (e) => void (capturing && e.level === 'query' && captured.push(e.query)) });
    const database: Database = { db, dialect: 'postgres', url, close: async () => {} };
    const identity = loadOrCreateIdentity(keyFile);
    ch = await createClearinghouse({ database, clock: systemClock, random: randomBytes, identity, adminToken: ADMIN_TOKEN });
    const org = await ch.useCases.createOrganization({ name: 'Bench' }, 'admin:bench');
    if (!org.ok) throw new Error(org.error.message);
    const { orgId, token: orgToken } = org.value;

    // A check-in made here is byte for byte what the license server's client (jose) makes.
    const real = await insertRealServers(pool, orgId);
    const probe = { ...checkInPayload(real[0]!), nonce: 'bench-probe-nonce' };
    check(signNow(real[0]!, probe) === (await signJws(real[0]!.identity, probe)), 'check-in requests signed as the license server signs them', 'same bytes as signJws (jose)');

    const fractions = [...new Set([0, Math.round(SERVERS / 10), SERVERS])].sort((a, b) => a - b);
    const figures: ClearinghouseFigures = { levels: [] };
    let done: Sizes = { servers: 0, packs: 0, audit: 0 };
    let empty: { paced: ChLoad; max: ChLoad } | undefined;
    for (const servers of fractions) {
      const to: Sizes = { servers, packs: Math.round((PACKS * servers) / Math.max(1, SERVERS)), audit: Math.round((AUDIT * servers) / Math.max(1, SERVERS)) };
      const started = performance.now();
      await prefill(pool, orgId, done, to);
      done = to;
      if (servers > 0) line(`  prefilled to ${num(to.servers)} servers, ${num(to.packs)} packs, ${num(to.audit)} audit records`, `in ${num((performance.now() - started) / 1000)} s`);
      const one = await startProcess('bench/clearinghouse-server.ts', [url, keyFile]);
      children.push(one);
      const last = servers === fractions[fractions.length - 1];
      const idle = last ? await rssOf(one.port) : 0;
      const { value: l, peakRss } = await withPeakRss(one.port, () => measureLevel(pool!, [one.port], real, `${num(servers)} servers`));
      figures.levels.push({ servers, ...l });
      reportLevel(`${num(servers)} servers, one process`, l, servers > 0 ? empty : undefined);
      if (servers === 0) empty = l;
      if (last) {
        figures.idleRss = idle;
        figures.loadRss = peakRss;
        line('  clearinghouse RSS idle / under load', `${mib(idle)} / ${mib(peakRss)}`);
        const two = await startProcess('bench/clearinghouse-server.ts', [url, keyFile]);
        children.push(two);
        await checkIns([one.port, two.port], real, { amount: 1000 });
        const since = new Date().toISOString();
        figures.two = await cpuPerRequest(pool, [one.port, two.port], () => checkIns([one.port, two.port], real, { duration: SECONDS }));
        await checkInsRecorded(pool, since, figures.two.ok, real.length, 'two processes');
        line(
          '  two processes on the same database: full load',
          `${num(figures.two.rps)} check-ins/s (${num(figures.two.rps / l.max.rps, 2)}× one process)  p99 ${figures.two.p99} ms  failed ${figures.two.failed}  ${cpuLine(figures.two)}`,
        );
        await latencies(one.port, ch, orgId, orgToken, identity);
        capturing = true;
        await exerciseInProcess(ch, orgId, orgToken, identity, real[1]!, database, captured, real.slice(2, 10));
        capturing = false;
        figures.explain = await explainAll(pool, captured);
      }
      for (const c of children.splice(0)) await stop(c.child);
    }
    return figures;
  } finally {
    for (const c of children) await stop(c.child);
    await db?.destroy().catch(() => {});
    await pool?.end().catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`).catch(() => {});
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Activation, install and a migration decision over HTTP, one request at a time, with the decision's audit record. */
async function latencies(port: number, ch: Clearinghouse, orgId: string, orgToken: string, root: Identity) {
  const n = 30;
  const ids = Array.from({ length: n }, () => generateIdentity());
  const activation: number[] = [];
  let failed = 0;
  for (const id of ids) {
    const body = await signedBody(id, 'activate', { company: COMPANY, serverVersion: 2019 });
    const r = await timed(() => post(port, '/ch/v1/servers/activate', body, orgToken));
    activation.push(r.ms);
    if (r.value.status !== 200) failed++;
  }
  line('  activation (POST /ch/v1/servers/activate)', `${latencyLine(activation)}  failed ${failed}`);
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = await ch.useCases.createPack({ orgId, program: 'select', programData: AGREEMENT, calType: 'device', calVersion: 2019, count: 10 }, 'admin:bench');
    if (!p.ok) throw new Error(p.error.message);
    keys.push(p.value.packKey);
  }
  const install: number[] = [];
  failed = 0;
  for (const [i, id] of ids.entries()) {
    const body = await signedBody(id, 'install', { packKey: keys[i], ...AGREEMENT });
    const r = await timed(() => post(port, '/ch/v1/servers/install', body));
    install.push(r.ms);
    if (r.value.status !== 200) failed++;
  }
  line('  install (POST /ch/v1/servers/install)', `${latencyLine(install)}  failed ${failed}`);
  // The pack of server 1 migrated to server 0, by the migration code server 0 makes.
  const target = ids[0]!;
  const code = encodeCode(
    'migrationCode',
    { target: serverIdPrefix(target.kid), source: serverIdPrefix(ids[1]!.kid, 40), reason: 'replaced', day: dayNumber(new Date()) },
    codeMacKey(target, root.publicKeyRaw),
  );
  const r = await timed(() => post(port, '/ch/v1/portal/migrate', { migrationCode: code, packKey: keys[1], program: 'select', calType: 'device', calVersion: 2019, ...AGREEMENT }, orgToken));
  const c = r.value.body?.case as { caseNumber?: string; status?: string } | undefined;
  line('  migration decision (POST /ch/v1/portal/migrate)', `${num(r.ms, 1)} ms  HTTP ${r.value.status}  case ${c?.caseNumber ?? '?'} ${c?.status ?? ''}`);
  const audit = c?.caseNumber ? await timed(() => ch.useCases.auditOf(c.caseNumber!)) : undefined;
  check(
    r.value.status === 200 && !!audit?.value.some((a) => a.action === 'case.opened'),
    'the migration decision has its audit record',
    `${audit?.value.map((a) => a.action).join(', ') || 'none'} (read in ${num(audit?.ms ?? 0, 1)} ms)`,
  );
  check(activation.length === n && install.length === n && failed === 0, 'every activation and install answered', `${n} + ${n}`);
}

/** The same paths once more in this process, so that the bench sees their SQL: token lookup, check-in, activation, install, migration, audit. */
async function exerciseInProcess(
  ch: Clearinghouse,
  orgId: string,
  orgToken: string,
  root: Identity,
  s: RealServer,
  database: Database,
  captured: readonly CompiledQuery[],
  together: readonly RealServer[] = [],
) {
  await tokenStore(database.db).find(orgToken);
  const uc = ch.useCases;
  // Two check-ins, the second one counted: the first of a process also prunes old nonces (then once an hour) and
  // signs the revocation list it keeps (then once a minute, or when a revocation is added).
  let before = 0;
  for (let i = 0; i < 2; i++) {
    before = captured.length;
    const answered = await uc.checkInSigned(signNow(s, checkInPayload(s)));
    if (!answered.ok) throw new Error(answered.error.message);
    keepReceipt(s, JSON.stringify(answered.value));
  }
  const statements = captured.slice(before);
  line(
    '  PostgreSQL statements of one check-in (the next link, not the first of its process)',
    `${statements.length}: ${statements.map((q) => `${uncommented(q.sql).split(/\s/)[0]!.toLowerCase()} ${tablesOf(q.sql).join('+')}`).join(', ')}`,
  );
  // Check-ins arriving in the same turn of the event loop share one read and one write statement (check-in-batch.ts).
  if (together.length > 1) {
    const start = captured.length;
    const answers = await Promise.all(together.map((t) => uc.checkInSigned(signNow(t, checkInPayload(t)))));
    answers.forEach((answered, i) => {
      if (!answered.ok) throw new Error(answered.error.message);
      keepReceipt(together[i]!, JSON.stringify(answered.value));
    });
    const gathered = captured.slice(start);
    line(
      `  PostgreSQL statements of ${together.length} check-ins arriving together`,
      `${gathered.length}: ${gathered.map((q) => `${uncommented(q.sql).split(/\s/)[0]!.toLowerCase()} ${tablesOf(q.sql).join('+')}`).join(', ')}`,
    );
  }
  const a = generateIdentity();
  const b = generateIdentity();
  for (const id of [a, b]) {
    const req = await uc.verifySignedRequest<{ company?: unknown; serverVersion?: unknown }>((await signedBody(id, 'activate', { company: COMPANY, serverVersion: 2019 })).request, 'activate');
    if (!req.ok) throw new Error(req.error.message);
    const r = await uc.activateAuto(req.value, orgId);
    if (!r.ok) throw new Error(r.error.message);
  }
  const pack = await uc.createPack({ orgId, program: 'select', programData: AGREEMENT, calType: 'device', calVersion: 2019, count: 10 }, 'admin:bench');
  if (!pack.ok) throw new Error(pack.error.message);
  const installed = await uc.installPack({ serverId: b.kid, packKey: pack.value.packKey, programData: AGREEMENT, method: 'auto' }, `server:${b.kid}`);
  if (!installed.ok) throw new Error(installed.error.message);
  const code = encodeCode('migrationCode', { target: serverIdPrefix(a.kid), source: serverIdPrefix(b.kid, 40), reason: 'replaced', day: dayNumber(new Date()) }, codeMacKey(a, root.publicKeyRaw));
  const m = await uc.submitMigration(
    { migrationCode: code, packKey: pack.value.packKey, program: 'select', calType: 'device', calVersion: 2019, programData: AGREEMENT },
    { channel: 'portal', orgId, actor: `org:${orgId}` },
  );
  if (!m.ok) throw new Error(m.error.message);
  await uc.auditOf(m.value.caseNumber);
  await uc.holdings({ serverId: s.serverId });
}
