/**
 * CAL issuance on SQLite with prepared statements: the same statements as license-server.repository.ts (built with
 * Kysely, compiled once), run on a connection of the license server's own to the same database file, so that
 * group-commit.ts can put the requests that arrive together into one transaction. Everything here is synchronous:
 * a transaction begins and commits without giving the event loop away, and group-commit.ts holds the Kysely
 * connection meanwhile, so no other transaction of this process is open on the file at the same time.
 */
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type CompiledQuery } from 'kysely';
import type { Clock } from '../core/clock';
import { eventDefinition, renderEventMessage } from '../core/events';
import type { CalType, CalVersion } from '../core/vocabulary';
import { toNumber } from '../storage/dialect';
import { issuedFromRow, keyPackFromRow, type HeldLicense, type IssuanceStore, type KeyPack, type NewIssued } from './license-server.repository';

/** A parameter slot in a statement compiled once: `$(0)` is the first value given at run time. */
const SLOT = '\u0000slot:';
const $ = (i: number) => `${SLOT}${i}`;

interface Statement {
  run(...values: unknown[]): BetterSqlite3.RunResult;
  get(...values: unknown[]): any;
  all(...values: unknown[]): any[];
}

function prepare(raw: BetterSqlite3.Database, compiled: CompiledQuery): Statement {
  const stmt = raw.prepare(compiled.sql);
  const plan = compiled.parameters.map((p) => (typeof p === 'string' && p.startsWith(SLOT) ? Number(p.slice(SLOT.length)) : { constant: p }));
  const args = (values: unknown[]) => plan.map((x) => (typeof x === 'number' ? values[x] : x.constant));
  return {
    run: (...values) => stmt.run(args(values)),
    get: (...values) => stmt.get(args(values)),
    all: (...values) => stmt.all(args(values)),
  };
}

const issuedColumns = [
  'l.id', 'l.kind', 'l.cal_type', 'l.cal_version', 'l.key_pack_id', 'l.pack', 'l.grant_seq', 'l.device', 'l.hwid',
  'l.user_name', 'l.host', 'l.issued_at', 'l.expires_at', 'l.validated', 'l.status', 'l.revoked_at', 'l.over_allocated',
  'k.status as pack_status', 'k.grant_jws',
] as const;

export interface IssuanceConnection {
  /** the store for the transaction in progress. */
  readonly store: IssuanceStore;
  /** BEGIN IMMEDIATE; throws SQLITE_BUSY at once when another connection writes (the caller waits and retries). */
  begin(): void;
  commit(): void;
  rollback(): void;
  savepoint(): void;
  release(): void;
  rollbackToSavepoint(): void;
  /** forget the key packs held in memory (after a rollback, or a change made elsewhere). */
  forgetKeyPacks(): void;
  close(): void;
}

export interface IssuanceConnectionOptions {
  /** the SQLite file of the license database. */
  file: string;
  /** the `synchronous` setting of the license database's main connection (1 NORMAL, 2 FULL, 3 EXTRA). */
  synchronous: number;
  clock: Clock;
}

export function openIssuanceConnection(o: IssuanceConnectionOptions): IssuanceConnection {
  const raw = new BetterSqlite3(o.file, { timeout: 0 });
  try {
    raw.pragma(`synchronous = ${Math.min(3, Math.max(1, Math.floor(o.synchronous)))}`);
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 0');
    // Checkpoints are the checkpointer thread's job (checkpointer.ts); this is only a backstop (40 MB of log).
    raw.pragma('wal_autocheckpoint = 10000');
    // 32 MiB of page cache (default 2 MiB): the index pages a CAL request touches stay in memory on a large database.
    raw.pragma('cache_size = -32768');
  } catch (error) {
    raw.close();
    throw error;
  }
  // Kysely only compiles here; statements run on `raw`.
  const k = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
  const q = (query: { compile(): CompiledQuery }) => prepare(raw, query.compile());
  // Constants are written into the SQL, not bound: a bound value in a term of a partial index's WHERE makes SQLite
  // plan the statement again at every run (several times slower).
  const lit = (value: string | number) => sql.lit(value);

  const s = {
    deviceHoldings: q(k.selectFrom('ls_issued_licenses as l').leftJoin('ls_key_packs as k', 'k.id', 'l.key_pack_id').select(issuedColumns as any)
      .where('l.hwid', '=', $(0)).where('l.status', '=', lit('active')).where('l.kind', '<>', lit('user'))),
    userHolding: q(k.selectFrom('ls_issued_licenses as l').leftJoin('ls_key_packs as k', 'k.id', 'l.key_pack_id').select(issuedColumns as any)
      .where('l.user_name', '=', $(0)).where('l.status', '=', lit('active')).where('l.kind', '=', lit('user'))),
    keyPacks: q(k.selectFrom('ls_key_packs').selectAll().orderBy('installed_at').orderBy('id')),
    claimSeat: q(k.updateTable('ls_key_packs').set({ issued: sql`issued + 1` })
      .where('id', '=', $(0)).where('status', '=', lit('active')).where(sql<boolean>`issued < total`).returning('id')),
    releaseSeat: q(k.updateTable('ls_key_packs').set({ issued: sql`issued - 1` }).where('id', '=', $(0)).where('issued', '>', lit(0))),
    reclaimExpired: q(k.updateTable('ls_issued_licenses').set({ status: lit('expired') })
      .where('status', '=', lit('active')).where('kind', 'in', [lit('permanent'), lit('user')]).where('key_pack_id', 'is not', null)
      .where('expires_at', '<=', $(0)).returning('key_pack_id')),
    releaseSeats: q(k.updateTable('ls_key_packs').set({ issued: sql`issued - ${$(0)}` }).where('id', '=', $(1))),
    insertIssued: q(k.insertInto('ls_issued_licenses').values({
      id: $(0), kind: $(1), cal_type: $(2), cal_version: $(3), key_pack_id: $(4), pack: $(5), grant_seq: $(6), device: $(7), hwid: $(8),
      user_name: $(9), host: $(10), issued_at: $(11), expires_at: $(12), validated: lit(0), status: lit('active'), over_allocated: $(13),
    })),
    retireIssued: q(k.updateTable('ls_issued_licenses').set({ status: $(1) }).where('id', '=', $(0)).where('status', '=', lit('active')).returning('key_pack_id')),
    renewIssued: q(k.updateTable('ls_issued_licenses').set({ expires_at: $(1), issued_at: $(2) }).where('id', '=', $(0)).where('status', '=', lit('active')).returning('id')),
    installedCals: q(k.selectFrom('ls_key_packs').select(sql<number>`coalesce(sum(total), 0)`.as('n'))
      .where('status', '=', lit('active')).where('cal_type', '=', $(0)).where('cal_version', '=', $(1))),
    liveUserCals: q(k.selectFrom('ls_issued_licenses').select(sql<number>`count(*)`.as('n'))
      .where('kind', '=', lit('user')).where('status', '=', lit('active')).where('cal_version', '=', $(0))),
    insertEvent: q(k.insertInto('events').values({ at: $(0), component: lit('license-server'), channel: $(1), event_id: $(2), level: $(3), message: $(4), data: $(5) })),
  };
  const begin = raw.prepare('BEGIN IMMEDIATE');
  const commit = raw.prepare('COMMIT');
  const rollback = raw.prepare('ROLLBACK');
  const savepoint = raw.prepare('SAVEPOINT cal_request');
  const release = raw.prepare('RELEASE cal_request');
  const rollbackTo = raw.prepare('ROLLBACK TO cal_request');

  // The key packs in memory: the seat counts follow this connection's claims and releases; a failed claim or a
  // rollback drops them, and claimFor reads them again before it concludes that no seat is free.
  let packs: KeyPack[] | undefined;
  const loadPacks = () => (packs = s.keyPacks.all().map(keyPackFromRow));
  const adjust = (id: string, delta: number) => {
    const p = packs?.find((x) => x.id === id);
    if (!p) return;
    p.issued = Math.max(0, p.issued + delta);
    p.available = Math.max(0, p.total - p.issued);
  };

  const store: IssuanceStore = {
    deviceHoldings(hwid) {
      const out: { temporary?: HeldLicense; permanent?: HeldLicense } = {};
      for (const r of s.deviceHoldings.all(hwid).map(issuedFromRow)) {
        if (r.kind === 'temporary') out.temporary = r;
        else if (r.kind === 'permanent') out.permanent = r;
      }
      return out;
    },
    userHolding(user) {
      const row = s.userHolding.get(user);
      return row ? issuedFromRow(row) : undefined;
    },
    keyPacks: () => packs ?? loadPacks(),
    reloadKeyPacks: loadPacks,
    claimSeat(id) {
      const claimed = s.claimSeat.get(id) !== undefined;
      if (claimed) adjust(id, +1);
      else packs = undefined;
      return claimed;
    },
    releaseSeat(id) {
      if (s.releaseSeat.run(id).changes > 0) adjust(id, -1);
    },
    reclaimExpired(now) {
      const rows = s.reclaimExpired.all(now.toISOString()) as { key_pack_id: string }[];
      const perPack = new Map<string, number>();
      for (const r of rows) perPack.set(r.key_pack_id, (perPack.get(r.key_pack_id) ?? 0) + 1);
      for (const [id, n] of perPack) s.releaseSeats.run(n, id);
      if (rows.length > 0) packs = undefined;
      return rows.length;
    },
    insertIssued(l: NewIssued) {
      s.insertIssued.run(
        l.id, l.kind, l.calType, l.calVersion, l.keyPackId ?? null, l.pack ?? null, l.grantSeq ?? null, l.device, l.hwid,
        l.user ?? null, l.host ?? null, l.issuedAt.toISOString(), l.expiresAt.toISOString(), l.overAllocated ? 1 : 0,
      );
    },
    retireIssued: (id, status) => s.retireIssued.get(id, status) !== undefined,
    renewIssued: (id, expiresAt, issuedAt) => s.renewIssued.get(id, expiresAt.toISOString(), issuedAt.toISOString()) !== undefined,
    installedCals: (calType: CalType, calVersion: CalVersion) => toNumber(s.installedCals.get(calType, calVersion)?.n),
    liveUserCals: (calVersion: CalVersion) => toNumber(s.liveUserCals.get(calVersion)?.n),
    record(event) {
      // The row event-log.ts's recordEvent writes, in this connection's transaction.
      const definition = eventDefinition(event.id);
      if (!definition) throw new Error(`Event ${event.id} is not in the event catalog (src/core/events.ts)`);
      s.insertEvent.run(
        o.clock.now().toISOString(), definition.channel, event.id, event.level ?? definition.level,
        renderEventMessage(event.id, event.data), JSON.stringify(event.data),
      );
    },
  };

  return {
    store,
    begin: () => void begin.run(),
    commit: () => void commit.run(),
    rollback: () => {
      if (raw.inTransaction) rollback.run();
    },
    savepoint: () => void savepoint.run(),
    release: () => void release.run(),
    rollbackToSavepoint: () => void rollbackTo.run(),
    forgetKeyPacks: () => {
      packs = undefined;
    },
    close: () => raw.close(),
  };
}
