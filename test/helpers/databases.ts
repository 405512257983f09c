/**
 * Runs storage-touching suites on both databases (STYLE.md "Every storage test runs on SQLite and PostgreSQL").
 *
 *   describeEachDatabase('key pack install', (tdb) => {
 *     let database: Database;
 *     beforeEach(async () => { database = await tdb.open(licenseServerMigrations); });
 *     it('…', async () => { … database.db … });
 *   });
 *
 * Each `open` gives a fresh, migrated database (the common migrations are always included): SQLite in a new
 * temporary file (so a second connection or a child process can open `database.url`), PostgreSQL in a new schema
 * `t_<random>` of the `OPENCAL_TEST_PG_URL` database. What is opened inside a test or `beforeEach` is closed and
 * dropped after that test; what is opened in `beforeAll` (or while collecting) after the suite. `close()` on a
 * test database also drops it, and is idempotent.
 *
 * Without OPENCAL_TEST_PG_URL the PostgreSQL suites are skipped with a notice, except on CI (CI=true) where they
 * fail, so a CI that lost its database cannot pass silently.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';
import { openDatabase, redactUrl, type Database, type OpenDatabaseOptions } from '../../src/storage/database';
import { migrateToLatest, type Migrations } from '../../src/storage/migrations';

export type TestDatabaseName = 'sqlite' | 'postgres';
export const TEST_DATABASES: readonly TestDatabaseName[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  readonly name: TestDatabaseName;
  /** A fresh database with `migrations` (plus the common ones) applied. */
  open(migrations?: Migrations, options?: OpenDatabaseOptions): Promise<Database>;
  /** A fresh database with no migration run (for migration tests). */
  openEmpty(options?: OpenDatabaseOptions): Promise<Database>;
  /** Another connection (pool) to the same database as `database`; closing it does not drop anything. */
  connect(database: Database, options?: OpenDatabaseOptions): Promise<Database>;
}

const PG_ENV = 'OPENCAL_TEST_PG_URL';
const PG_HOWTO =
  `Set ${PG_ENV} to a PostgreSQL database the tests may create schemas in, e.g.\n` +
  `  export ${PG_ENV}=postgres://postgres:postgres@127.0.0.1:5432/opencal_test\n` +
  `(.ci/run starts the local cluster and creates that database).`;

/** The PostgreSQL test database URL, or undefined when not configured. */
export function testPostgresBaseUrl(): string | undefined {
  const url = process.env[PG_ENV]?.trim();
  return url ? url : undefined;
}

/** A URL selecting `schema` of the test database, for a child process: `openDatabase(url)` uses that schema. */
export function testPostgresUrl(schema: string): string {
  const base = testPostgresBaseUrl();
  if (!base) throw new Error(`${PG_ENV} is not set. ${PG_HOWTO}`);
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** The schema a PostgreSQL test database lives in (from its URL). */
export function schemaOf(database: Database): string | undefined {
  if (database.dialect !== 'postgres') return undefined;
  return new URL(database.url).searchParams.get('schema') ?? undefined;
}

// ------------------------------------------------------------------------------------------- lifecycle

type Cleanup = () => Promise<void>;

/** Cleanups for what was opened during the running test (and its beforeEach hooks). */
const testScope: Cleanup[] = [];
/** One scope per running describeEachDatabase suite: what its beforeAll hooks opened. */
const suiteScopes: Cleanup[][] = [];
let inTest = false;

function track(cleanup: Cleanup): void {
  if (inTest) testScope.push(cleanup);
  else if (suiteScopes.length > 0) suiteScopes[suiteScopes.length - 1]!.push(cleanup);
  else {
    // Opened outside describeEachDatabase: the caller closes it (close() also drops it).
  }
}

async function runAll(cleanups: Cleanup[]): Promise<void> {
  const errors: unknown[] = [];
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    try {
      await cleanup();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw errors[0];
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

// ------------------------------------------------------------------------------------------- opening

async function freshSqlite(options: OpenDatabaseOptions): Promise<Database> {
  const dir = mkdtempSync(join(tmpdir(), 'opencal-test-'));
  let database: Database;
  try {
    database = await openDatabase(`sqlite:${join(dir, 'test.db')}`, options);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const close = once(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db: database.db, dialect: database.dialect, url: database.url, close };
}

async function freshPostgres(options: OpenDatabaseOptions): Promise<Database> {
  const base = testPostgresBaseUrl();
  if (!base) throw new Error(`${PG_ENV} is not set. ${PG_HOWTO}`);
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const database = await openDatabase(testPostgresUrl(schema), { poolSize: 10, ...options });
  const close = once(async () => {
    await database.close();
    await dropSchema(base, schema);
  });
  return { db: database.db, dialect: database.dialect, url: database.url, close };
}

async function dropSchema(baseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

function testDatabase(name: TestDatabaseName): TestDatabase {
  const openEmpty = async (options: OpenDatabaseOptions = {}): Promise<Database> => {
    const database = name === 'sqlite' ? await freshSqlite(options) : await freshPostgres(options);
    track(database.close);
    return database;
  };
  return {
    name,
    openEmpty,
    async open(migrations = {}, options = {}) {
      const database = await openEmpty(options);
      await migrateToLatest(database, migrations);
      return database;
    },
    async connect(database, options = {}) {
      const other = await openDatabase(database.url, options);
      track(other.close);
      return other;
    },
  };
}

/**
 * A fresh, migrated test database for ad-hoc use. Inside a `describeEachDatabase` suite it is cleaned up like
 * `tdb.open`; elsewhere the caller must `close()` it (which also drops it).
 */
export async function openTestDatabase(name: TestDatabaseName, migrations: Migrations = {}): Promise<Database> {
  if (name === 'postgres' && !testPostgresBaseUrl()) throw new Error(`${PG_ENV} is not set. ${PG_HOWTO}`);
  return testDatabase(name).open(migrations);
}

// ------------------------------------------------------------------------------------------- describe

let skipNoticePrinted = false;

function isCi(): boolean {
  const ci = process.env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/** Whether PostgreSQL suites run here (configured), fail (CI without configuration) or are skipped. */
export function postgresAvailability(): 'run' | 'fail' | 'skip' {
  if (testPostgresBaseUrl()) return 'run';
  return isCi() ? 'fail' : 'skip';
}

/**
 * Declares `title` twice, `title [sqlite]` and `title [postgres]`, calling `fn` with each database. Use it at
 * the top level of a file or inside a describe.
 */
export function describeEachDatabase(title: string, fn: (tdb: TestDatabase) => void): void {
  for (const name of TEST_DATABASES) {
    const label = `${title} [${name}]`;
    if (name === 'postgres') {
      const availability = postgresAvailability();
      if (availability === 'fail') {
        describe(label, () => {
          it('needs a PostgreSQL test database', () => {
            throw new Error(`PostgreSQL suites cannot run on CI: ${PG_ENV} is not set. ${PG_HOWTO}`);
          });
        });
        continue;
      }
      if (availability === 'skip') {
        if (!skipNoticePrinted) {
          skipNoticePrinted = true;
          console.warn(`[opencal] PostgreSQL suites are skipped: ${PG_ENV} is not set. ${PG_HOWTO}`);
        }
        describe.skip(label, () => fn(testDatabase(name)));
        continue;
      }
    }
    describe(label, () => {
      const suiteScope: Cleanup[] = [];
      // Registered first: with vitest's stacked hooks, these after-hooks run after the suite's own ones.
      beforeAll(() => {
        suiteScopes.push(suiteScope);
      });
      afterAll(async () => {
        suiteScopes.splice(suiteScopes.lastIndexOf(suiteScope), 1);
        await runAll(suiteScope);
      });
      beforeEach(() => {
        inTest = true;
      });
      afterEach(async () => {
        inTest = false;
        await runAll(testScope);
      });
      fn(testDatabase(name));
    });
  }
}

export { redactUrl };
