/**
 * CAL issuance on SQLite with prepared statements: the statements of license-server.repository.ts's
 * `issuanceQueries` and event-log.ts's `insertEvent`, compiled once with a slot for each value given at run time
 * (no second copy of the SQL), run on a connection of the license server's own to the same database file, so that
 * group-commit.ts can put the requests that arrive together into one transaction. Everything here is synchronous:
 * a transaction begins and commits without giving the event loop away, and group-commit.ts holds the Kysely
 * connection meanwhile, so no other transaction of this process is open on the file at the same time.
 */
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import type { Clock } from '../core/clock';
import type { CalType, CalVersion } from '../core/vocabulary';
import { insertEvent, type EventRow } from '../events/event-log';
import { toNumber } from '../storage/dialect';
import {
  holdingsOf,
  ISSUED_INSERT_COLUMNS,
  issuanceEventRow,
  issuanceQueries as Q,
  issuedFromRow,
  issuedInsertRow,
  keyPackFromRow,
  seatsPerPack,
  type IssuanceStore,
  type KeyPack,
  type LsTables,
  type NewIssued,
} from './license-server.repository';

/** A parameter slot in a statement compiled once: `$(0)` is the first value given at run time. */
const SLOT = '\u0000slot:';
const $ = <T = string>(i: number) => `${SLOT}${i}` as unknown as T;

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

export interface IssuanceConnection {
  /** the store for the transaction in progress. */
  readonly store: IssuanceStore;
  /** BEGIN IMMEDIATE; throws SQLITE_BUSY at once when another connection writes (the caller waits and retries). */
  begin(): void;
  /** whether a transaction is open: SQLite rolls a whole transaction back by itself on some errors (SQLITE_FULL). */
  inTransaction(): boolean;
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
    // 8 MiB of page cache (default 2 MiB): the upper levels of the indexes a CAL request touches stay in memory on a
    // large database; the leaves of millions of CALs do not fit in any cache worth its memory and come from the
    // operating system's file cache (a larger cache here only adds to the server's memory under load).
    raw.pragma('cache_size = -8192');
  } catch (error) {
    raw.close();
    throw error;
  }
  // Kysely only compiles here; statements run on `raw`.
  const k = new Kysely<LsTables>({ dialect: new SqliteDialect({ database: raw }) });
  const q = (query: { compile(): CompiledQuery }) => prepare(raw, query.compile());
  // The insert of an issued license and of an event: one slot per column, in the order of their row.
  const issuedColumnsInOrder = ISSUED_INSERT_COLUMNS;
  const eventColumnsInOrder = ['at', 'component', 'channel', 'event_id', 'level', 'message', 'data'] as const satisfies readonly (keyof EventRow)[];
  const slots = <K extends string>(columns: readonly K[]) => Object.fromEntries(columns.map((c, i) => [c, $(i)])) as never;

  const s = {
    deviceHoldings: q(Q.deviceHoldings(k, $(0))),
    userHolding: q(Q.userHolding(k, $(0))),
    keyPacks: q(Q.keyPacks(k)),
    claimSeat: q(Q.claimSeat(k, $(0))),
    releaseSeat: q(Q.releaseSeat(k, $(0))),
    reclaimExpired: q(Q.reclaimExpired(k, $(0))),
    releaseSeats: q(Q.releaseSeats(k, $<number>(0), $(1))),
    insertIssued: q(Q.insertIssued(k, slots(issuedColumnsInOrder))),
    retireIssued: q(Q.retireIssued(k, $(0), $(1))),
    renewIssued: q(Q.renewIssued(k, $(0), $(1), $(2))),
    installedCals: q(Q.installedCals(k, $(0), $<CalVersion>(1))),
    liveUserCals: q(Q.liveUserCals(k, $<CalVersion>(0))),
    insertEvent: q(insertEvent(k, slots(eventColumnsInOrder))),
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
    deviceHoldings: (hwid) => holdingsOf(s.deviceHoldings.all(hwid).map(issuedFromRow)),
    userHolding(user) {
      const row = s.userHolding.get(user);
      return row ? issuedFromRow(row) : undefined;
    },
    keyPacks: () => packs ?? loadPacks(),
    reloadKeyPacks: loadPacks,
    claimSeat(id) {
      const claimed = s.claimSeat.run(id).changes > 0;
      if (claimed) adjust(id, +1);
      else packs = undefined;
      return claimed;
    },
    releaseSeat(id) {
      if (s.releaseSeat.run(id).changes > 0) adjust(id, -1);
    },
    reclaimExpired(now) {
      const rows = s.reclaimExpired.all(now.toISOString()) as { key_pack_id: string | null }[];
      for (const [id, n] of seatsPerPack(rows)) s.releaseSeats.run(n, id);
      if (rows.length > 0) packs = undefined;
      return rows.length;
    },
    insertIssued(l: NewIssued) {
      const row = issuedInsertRow(l);
      s.insertIssued.run(...issuedColumnsInOrder.map((c) => row[c]));
    },
    retireIssued: (id, status) => s.retireIssued.run(id, status).changes > 0,
    renewIssued: (id, expiresAt, issuedAt) => s.renewIssued.run(id, expiresAt.toISOString(), issuedAt.toISOString()).changes > 0,
    installedCals: (calType: CalType, calVersion: CalVersion) => toNumber(s.installedCals.get(calType, calVersion)?.n),
    liveUserCals: (calVersion: CalVersion) => toNumber(s.liveUserCals.get(calVersion)?.n),
    record(event) {
      // The row event-log.ts writes, with the insert it runs, in this connection's transaction.
      const row = issuanceEventRow(event, o.clock.now());
      s.insertEvent.run(...eventColumnsInOrder.map((c) => row[c]));
    },
  };

  return {
    store,
    begin: () => void begin.run(),
    inTransaction: () => raw.inTransaction,
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
