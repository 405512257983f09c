/**
 * Opening a database: SQLite (better-sqlite3) or PostgreSQL (pg), behind one Kysely instance (DESIGN §9).
 *
 * Typing: `Database.db` is `Kysely<any>`. A component declares its tables and narrows once, in its repository:
 * `const db = database.db as Kysely<LicenseServerTables>` (or `DB<LicenseServerTables>`). Functions that also run
 * inside a transaction take `Kysely<T>`: a `Transaction<T>` is one.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type DatabaseMetadataOptions,
  type Driver,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';
import type { SqlDialect } from './dialect';

export type DB<T> = Kysely<T>;

export interface Database {
  readonly db: Kysely<any>;
  readonly dialect: SqlDialect;
  /**
   * The URL this database was opened with, enough to open it again from another connection or process
   * (for PostgreSQL it carries the schema as `?schema=`). Never printed: it may hold a password.
   */
  readonly url: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** SQLite `synchronous`: NORMAL (default, durable in WAL except on power loss) or FULL. */
  synchronous?: 'NORMAL' | 'FULL';
  /** SQLite `busy_timeout` in milliseconds (default 5000): how long a writer waits for another process. */
  busyTimeoutMs?: number;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** PostgreSQL schema (search_path); also read from the URL's `?schema=` parameter. */
  searchPath?: string;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Opens `sqlite:./data/x.db` (creates the directory), `sqlite:///abs/x.db`, `sqlite::memory:`,
 * `postgres://user:pass@host:5432/db[?schema=name]` (also `postgresql://`).
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  if (url.startsWith('sqlite:')) return openSqlite(url, options);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url, options);
  throw new Error(
    `Unsupported database URL "${redactUrl(url)}": use sqlite:./path/to/file.db, sqlite::memory: or postgres://user:password@host:5432/database`,
  );
}

/** The URL with any password replaced by `***`, for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

// ---------------------------------------------------------------- SQLite

/**
 * BEGIN IMMEDIATE instead of BEGIN: the write lock is taken when the transaction starts, so a second process
 * waits on busy_timeout rather than failing with SQLITE_BUSY when its read transaction would have to upgrade.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #sqlite: { readonly inTransaction: boolean } | undefined;
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#sqlite = typeof config.database === 'function' ? undefined : (config.database as unknown as { readonly inTransaction: boolean });
  }
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
  /**
   * SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR): a ROLLBACK then fails with
   * "no transaction is active" and would hide the error that matters (a full disk answered as a 500).
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.#sqlite && !this.#sqlite.inTransaction) return;
    await super.rollbackTransaction(connection);
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

export function sqlitePathFromUrl(url: string): string {
  let path = url.slice('sqlite:'.length);
  if (path.startsWith('//')) path = path.slice(2);
  if (path === '') throw new Error('The SQLite URL has no file: use sqlite:./data/opencal.db or sqlite::memory:');
  return path;
}

async function openSqlite(url: string, options: OpenDatabaseOptions): Promise<Database> {
  const path = sqlitePathFromUrl(url);
  const memory = path === ':memory:';
  const file = memory ? ':memory:' : resolve(path);
  if (!memory) mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    if (!memory) sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const db = new Kysely<any>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
  return {
    db,
    dialect: 'sqlite',
    url: memory ? 'sqlite::memory:' : `sqlite:${file}`,
    close: once(() => db.destroy()),
  };
}

// ---------------------------------------------------------------- PostgreSQL

const INT8_OID = 20;

/** int8 (count(*), bigserial ids) as a number when it is a safe integer, else left as the exact string. */
function parseInt8(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

function pgTypes(driver: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8_OID && format !== 'binary') return parseInt8;
      return (driver.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => unknown)(oid, format);
    },
  } as unknown as pg.CustomTypesConfig;
}

/**
 * `db.introspection` limited to the current schema (search_path), as SQLite sees only its own file. Kysely's own
 * PostgreSQL introspector reads every schema and looks each one up by name, so a schema dropped at that moment by
 * another process (another component, another test) makes it fail; this query uses oids only.
 */
class CurrentSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<any>;
  constructor(db: Kysely<any>) {
    this.#db = db;
  }
  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(this.#db);
    return rows.map((r) => ({ name: r.name }));
  }
  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const internal = options.withInternalKyselyTables ? sql`` : sql`and c.relname not in ('kysely_migration', 'kysely_migration_lock')`;
    const { rows } = await sql<{
      column: string;
      not_null: boolean;
      has_default: boolean;
      table: string;
      table_type: string;
      schema: string;
      type: string;
      type_schema: string;
      column_description: string | null;
      auto_incrementing: boolean;
    }>`
      select a.attname as column, a.attnotnull as not_null, a.atthasdef as has_default, c.relname as table,
             c.relkind as table_type, ns.nspname as schema, typ.typname as type, dtns.nspname as type_schema,
             col_description(a.attrelid, a.attnum) as column_description,
             (a.attidentity <> '' or coalesce(pg_get_expr(ad.adbin, ad.adrelid), '') like 'nextval(%') as auto_incrementing
      from pg_catalog.pg_attribute a
      join pg_catalog.pg_class c on a.attrelid = c.oid
      join pg_catalog.pg_namespace ns on c.relnamespace = ns.oid
      join pg_catalog.pg_type typ on a.atttypid = typ.oid
      join pg_catalog.pg_namespace dtns on typ.typnamespace = dtns.oid
      left join pg_catalog.pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
      where c.relkind in ('r', 'v', 'p') and ns.nspname = current_schema()
        and a.attnum >= 0 and not a.attisdropped ${internal}
      order by c.relname, a.attnum`.execute(this.#db);
    const tables = new Map<string, { name: string; schema: string; isView: boolean; columns: TableMetadata['columns'][number][] }>();
    for (const r of rows) {
      let table = tables.get(r.table);
      if (!table) {
        table = { name: r.table, schema: r.schema, isView: r.table_type === 'v', columns: [] };
        tables.set(r.table, table);
      }
      table.columns.push({
        name: r.column,
        dataType: r.type,
        dataTypeSchema: r.type_schema,
        isNullable: !r.not_null,
        isAutoIncrementing: r.auto_incrementing,
        hasDefaultValue: r.has_default,
        ...(r.column_description !== null ? { comment: r.column_description } : {}),
      });
    }
    return [...tables.values()];
  }
  async getMetadata(options?: DatabaseMetadataOptions) {
    return { tables: await this.getTables(options) };
  }
}

/**
 * A statement whose text starts with this comment runs as a prepared statement on PostgreSQL: each connection parses
 * and plans it once, then only binds and executes it (node-postgres named queries). For the few statements of a hot
 * path, written once in a repository; their text must not vary with their input (no `in (...)` lists), and they
 * should name their columns rather than `*`. On SQLite it is a comment.
 */
export const PREPARED = '/* prepared */';

const preparedNames = new Map<string, string>();
function preparedName(text: string): string {
  let name = preparedNames.get(text);
  if (name === undefined) {
    name = `opencal_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    preparedNames.set(text, name);
  }
  return name;
}

const PREPARING = Symbol('opencal.preparing');
type Queryable = { query: (...args: any[]) => any; [PREPARING]?: true };

/** Kysely sends `client.query(text, values)`; a text marked PREPARED goes as a named query instead. */
function preparing<C extends Queryable>(client: C): C {
  if (client[PREPARING]) return client;
  const query = client.query;
  client.query = function (this: C, ...args: any[]) {
    const [text, values] = args;
    if (typeof text === 'string' && text.startsWith(PREPARED) && args.length === 2) {
      return query.call(this, { name: preparedName(text), text, values });
    }
    return query.apply(this, args);
  };
  client[PREPARING] = true;
  return client;
}

class CurrentSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Database> {
  const parsed = new URL(url);
  const schema = options.searchPath ?? (parsed.searchParams.get('schema') || undefined);
  parsed.searchParams.delete('schema');
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`Invalid PostgreSQL schema name "${schema}": use letters, digits and underscores`);
  }
  // The driver is loaded with the first PostgreSQL database: a process on SQLite never holds it in memory.
  const { default: driver } = await import('pg');
  const pool = new driver.Pool({
    connectionString: parsed.toString(),
    max: options.poolSize ?? 10,
    types: pgTypes(driver),
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its connection (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<any>({
    dialect: new CurrentSchemaPostgresDialect({
      pool: { connect: async () => preparing(await pool.connect()), end: () => pool.end() } as unknown as pg.Pool,
    }),
  });
  try {
    await db.executeQuery(CompiledQuery.raw('select 1'));
    // A deployment names its schema in the URL; it is created on first use like a SQLite file is.
    if (schema) await db.executeQuery(CompiledQuery.raw(`create schema if not exists "${schema}"`));
  } catch (error) {
    await db.destroy().catch(() => {});
    throw new Error(`Cannot connect to PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
  const reopenUrl = new URL(parsed.toString());
  if (schema) reopenUrl.searchParams.set('schema', schema);
  return {
    db,
    dialect: 'postgres',
    url: reopenUrl.toString(),
    close: once(() => db.destroy()),
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
