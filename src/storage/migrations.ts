/**
 * Schema migrations for both databases, run by Kysely's Migrator from code (no migration folder to ship).
 *
 * Names sort into the order they run: the common tables start with `0000_`, then each component's own with its
 * prefix (`ch_`, `ls_`, `sh_`) and a number (`ls_0001_key_packs`). Unordered migrations are allowed so that a
 * component adding `ls_0007_…` after a newer `0000_…` still migrates an existing database. A migration's `up`
 * receives only `db`: ask `dialectOf(db)` / `idColumn(db)` from ./dialect for what differs.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import type { Database } from './database';
import { idColumn } from './dialect';

export type { Migration };
export type Migrations = Record<string, Migration>;

/**
 * Runs every pending migration of `migrations` plus `commonMigrations` (always included, so a component cannot
 * forget the events and api_tokens tables). Throws with the failing migration's name and cause.
 * Each component keeps its own database (or PostgreSQL schema): Kysely refuses a database that holds migrations
 * it is not given.
 */
export async function migrateToLatest(database: Database, migrations: Migrations = {}): Promise<string[]> {
  const all: Migrations = { ...commonMigrations, ...migrations };
  const migrationTableSchema = database.dialect === 'postgres' ? await currentSchema(database.db) : undefined;
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => all },
    allowUnorderedMigrations: true,
    // pg: Kysely looks for its migration table in every schema unless told which one is ours.
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(
      `Database migration ${failed ? `"${failed}" ` : ''}failed on ${database.dialect}: ${cause}. ` +
        'The database was left at the last successful migration; fix the cause and start again.',
      { cause: result.error },
    );
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function currentSchema(db: Kysely<any>): Promise<string> {
  const row = await db
    .selectNoFrom((eb) => eb.fn<string>('current_schema', []).as('schema'))
    .executeTakeFirst();
  if (!row?.schema) throw new Error('PostgreSQL has no current schema: check the search_path (or ?schema=) of the database URL');
  return row.schema;
}

/** The tables every component has: its event log and its API tokens. */
export const commonMigrations: Migrations = {
  '0000_0001_events': {
    async up(db) {
      await db.schema
        .createTable('events')
        .$call(idColumn(db))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('component', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('event_id', 'integer', (c) => c.notNull())
        .addColumn('level', 'text', (c) =>
          c.notNull().check(sqlIn('level', ['information', 'warning', 'error'])),
        )
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema.createIndex('events_component_id').on('events').columns(['component', 'id']).execute();
      await db.schema.createIndex('events_event_id').on('events').columns(['event_id', 'id']).execute();
      await db.schema.createIndex('events_at').on('events').column('at').execute();
    },
    async down(db) {
      await db.schema.dropTable('events').execute();
    },
  },
  '0000_0002_api_tokens': {
    async up(db) {
      await db.schema
        .createTable('api_tokens')
        .$call(idColumn(db))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('label', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('api_tokens_scope_subject').on('api_tokens').columns(['scope', 'subject']).execute();
    },
    async down(db) {
      await db.schema.dropTable('api_tokens').execute();
    },
  },
  // The alerts a component has raised (storage/alerts.ts, docs/alerts.md): one row per active alert, so that an
  // alert's events are recorded once per transition, across restarts and clearinghouse nodes.
  '0000_0003_alerts': {
    async up(db) {
      await db.schema
        .createTable('alerts')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('alerts_pk', ['kind', 'subject'])
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('alerts').execute();
    },
  },
  // The event log pages by time (newest first, ties by id) and is filtered by level: each has its index.
  '0000_0003_lists_events_paging': {
    async up(db) {
      await db.schema.createIndex('events_at_id').on('events').columns(['at', 'id']).execute();
      await db.schema.createIndex('events_level_at').on('events').columns(['level', 'at', 'id']).execute();
    },
    async down(db) {
      await db.schema.dropIndex('events_level_at').execute();
      await db.schema.dropIndex('events_at_id').execute();
    },
  },
};

function sqlIn(column: string, values: readonly string[]) {
  return sql.raw(`${column} in (${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')})`);
}
