/**
 * Every difference between SQLite (better-sqlite3) and PostgreSQL (pg) that a repository can meet, in one place
 * (DESIGN §9: one schema and one set of migrations for both databases).
 *
 * Concurrency, per dialect — how a repository claims a seat or an ownership without read-then-write:
 * - SQLite: better-sqlite3 is one synchronous connection per `Database`; Kysely serializes everything on it with a
 *   mutex, so a transaction runs alone in its process. Our driver opens transactions with `BEGIN IMMEDIATE`, which
 *   takes the write lock up front: two processes on one file queue on `busy_timeout` instead of failing with
 *   SQLITE_BUSY when a read transaction tries to become a writer. better-sqlite3 waits for a lock synchronously,
 *   so open ONE `Database` per SQLite file per process: a transaction on a second handle in the same process
 *   would block the event loop that the first one needs to finish, and fail with "database is locked".
 * - PostgreSQL: a pool of connections, READ COMMITTED. Claim with one conditional statement
 *   (`UPDATE … SET owner = ? WHERE id = ? AND owner IS NULL RETURNING …`): the row lock makes concurrent updaters
 *   wait and re-check the WHERE clause, so exactly one of them gets the row back. When a row must be picked first,
 *   `SELECT … FOR UPDATE` inside the transaction (see `forUpdate`, a no-op on SQLite), backed by unique constraints.
 */
import {
  PostgresAdapter,
  sql,
  type CreateTableBuilder,
  type Kysely,
  type SelectQueryBuilder,
} from 'kysely';
import type { Clock } from '../core/clock';

export type SqlDialect = 'sqlite' | 'postgres';

/** The dialect a Kysely instance (or transaction) talks to; migrations receive only `db`, so they ask here. */
export function dialectOf(db: Kysely<any>): SqlDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

function resolveDialect(db: Kysely<any> | SqlDialect): SqlDialect {
  return typeof db === 'string' ? db : dialectOf(db);
}

/**
 * A count, sum or bigint column as a number. pg returns `numeric` (e.g. SUM over bigint) as a string; int8 is
 * parsed to a number by our pool when it is a safe integer. `null` (SUM over no rows) is 0.
 */
export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  throw new TypeError(`toNumber: not a number: ${String(value)}`);
}

/**
 * Adds an auto-increment integer primary key: `integer primary key autoincrement` on SQLite, `bigserial primary
 * key` on PostgreSQL. Use with `$call`: `db.schema.createTable('x').$call(idColumn(db)).addColumn(...)`.
 * Ids come back as numbers on both (our pg pool parses int8).
 */
export function idColumn(db: Kysely<any> | SqlDialect, name = 'id') {
  const dialect = resolveDialect(db);
  return <T extends CreateTableBuilder<any, any>>(table: T): T =>
    (dialect === 'postgres'
      ? table.addColumn(name, 'bigserial', (col) => col.primaryKey())
      : table.addColumn(name, 'integer', (col) => col.primaryKey().autoIncrement())) as T;
}

/** Column type for raw bytes: `blob` on SQLite, `bytea` on PostgreSQL. Both return a Buffer. */
export function blobType(db: Kysely<any> | SqlDialect): 'blob' | 'bytea' {
  return resolveDialect(db) === 'postgres' ? 'bytea' : 'blob';
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** A unique (or primary key) constraint refused the write: SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY, pg 23505. */
export function isUniqueViolation(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** A foreign key refused the write: SQLITE_CONSTRAINT_FOREIGNKEY, pg 23503. */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}

/** A CHECK constraint refused the write: SQLITE_CONSTRAINT_CHECK, pg 23514. */
export function isCheckViolation(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'SQLITE_CONSTRAINT_CHECK' || code === '23514';
}

/**
 * The database asks to retry: SQLite busy/locked past busy_timeout, pg serialization failure (40001) or
 * deadlock (40P01). Only for code that runs SERIALIZABLE or takes locks in varying order.
 */
export function isRetryable(error: unknown): boolean {
  const code = errorCode(error);
  return (
    code === '40001' || code === '40P01' || code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED'
  );
}

/**
 * The constraint or columns named by a violation, for messages and for telling two unique keys apart:
 * pg gives the constraint name (`api_tokens_token_hash_key`), SQLite the columns (`api_tokens.token_hash`).
 */
export function violatedConstraint(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const constraint = (error as { constraint?: unknown }).constraint;
  if (typeof constraint === 'string') return constraint;
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') {
    const m = /constraint failed: (.+)$/.exec(message);
    if (m) return m[1];
  }
  return undefined;
}

/** Timestamps are stored as ISO-8601 UTC text (`2025-01-31T12:00:00.000Z`), which sorts as time. */
export function nowIso(clock: Clock): string {
  return clock.now().toISOString();
}

export function toIso(date: Date): string {
  return date.toISOString();
}

export function fromIso(text: string): Date;
export function fromIso(text: string | null | undefined): Date | undefined;
export function fromIso(text: string | null | undefined): Date | undefined {
  if (text === null || text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new TypeError(`fromIso: not an ISO-8601 timestamp: ${text}`);
  return date;
}

/** Booleans are integers 0/1 on both databases. */
export function toBool(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

export function fromBool(value: unknown): boolean {
  return value === 1 || value === true || value === '1' || value === 1n;
}

/** JSON is stored as text (not jsonb) so the same queries run on both databases. */
export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function fromJson<T = unknown>(text: string | null | undefined): T | undefined {
  if (text === null || text === undefined || text === '') return undefined;
  return JSON.parse(text) as T;
}

/**
 * Adds `FOR UPDATE` (optionally `SKIP LOCKED`) on PostgreSQL only. On SQLite the transaction already holds the
 * write lock (BEGIN IMMEDIATE), so the query is returned unchanged.
 */
export function forUpdate<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  dialect: Kysely<any> | SqlDialect,
  options: { skipLocked?: boolean } = {},
): SelectQueryBuilder<DB, TB, O> {
  if (resolveDialect(dialect) !== 'postgres') return query;
  const locked = query.forUpdate();
  return options.skipLocked ? locked.skipLocked() : locked;
}

/**
 * Case-insensitive LIKE: `ilike` on PostgreSQL; SQLite's `like` is already case-insensitive for ASCII.
 * Use as the operator: `.where('name', caseInsensitiveLike(db), '%acme%')`.
 */
export function caseInsensitiveLike(db: Kysely<any> | SqlDialect): 'ilike' | 'like' {
  return resolveDialect(db) === 'postgres' ? 'ilike' : 'like';
}

/** `sql` re-exported so repositories import their quirks and raw fragments from one module. */
export { sql };
