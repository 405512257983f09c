import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, sqlitePathFromUrl, type Database } from '../../src/storage/database';
import { describeEachDatabase, schemaOf, testPostgresBaseUrl } from '../helpers/databases';

async function storageExists(database: Database): Promise<boolean> {
  if (database.dialect === 'sqlite') return existsSync(sqlitePathFromUrl(database.url));
  const client = new pg.Client({ connectionString: testPostgresBaseUrl() });
  await client.connect();
  try {
    const { rows } = await client.query('select 1 from pg_namespace where nspname = $1', [schemaOf(database)]);
    return rows.length === 1;
  } finally {
    await client.end();
  }
}

describeEachDatabase('the both-databases test helper', (tdb) => {
  let shared: Database;
  let fromTest: Database | undefined;

  beforeAll(async () => {
    shared = await tdb.open();
  });

  afterAll(async () => {
    // The helper's own cleanup runs after this hook: the suite's database is still open here.
    expect(await shared.db.selectFrom('events').select('id').execute()).toEqual([]);
  });

  it('gives each open its own fresh database', async () => {
    fromTest = await tdb.open();
    expect(fromTest.url).not.toBe(shared.url);
    await fromTest.db.insertInto('events').values({ at: 'x', component: 'diagnoser', channel: 'c', event_id: 1, level: 'information', message: 'm', data: '{}' }).execute();
    expect(await shared.db.selectFrom('events').select('id').execute()).toEqual([]);
    expect(await storageExists(fromTest)).toBe(true);
  });

  it('drops what a test opened once that test is over, and keeps what the suite opened', async () => {
    expect(fromTest).toBeDefined();
    expect(await storageExists(fromTest!)).toBe(false);
    expect(await storageExists(shared)).toBe(true);
  });

  it('hands out a URL another process can open', async () => {
    const other = await openDatabase(shared.url);
    try {
      expect(other.dialect).toBe(tdb.name);
      const tables = (await other.db.introspection.getTables()).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(['events', 'api_tokens']));
    } finally {
      await other.close();
    }
  });

  describe('in a nested suite', () => {
    let nested: Database;
    beforeAll(async () => {
      nested = await tdb.open();
    });
    it('a database opened in a nested beforeAll stays open for its tests', async () => {
      expect(await nested.db.selectFrom('api_tokens').select('id').execute()).toEqual([]);
      expect(await nested.db.selectFrom('api_tokens').select('id').execute()).toEqual([]);
    });
  });
});
