import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { PREPARED } from '../../src/storage/database';
import { describeEachDatabase } from '../helpers/databases';

describeEachDatabase('statements marked PREPARED', (tdb) => {
  it('answer what the same statement unmarked answers, each time with its own values; on PostgreSQL the connection keeps them prepared', async () => {
    const database = await tdb.open();
    const marked = (n: number) => sql<{ n: number; s: string }>`${sql.raw(PREPARED)} select cast(${n} as integer) + 1 as n, ${`v${n}`} as s`.execute(database.db);
    const plain = (n: number) => sql<{ n: number; s: string }>`select cast(${n} as integer) + 1 as n, ${`v${n}`} as s`.execute(database.db);
    for (const n of [1, 2, 3, 40, 500, 6000, 70000]) {
      expect((await marked(n)).rows).toEqual((await plain(n)).rows);
      expect((await marked(n)).rows).toEqual([{ n: n + 1, s: `v${n}` }]);
    }
    if (database.dialect !== 'postgres') return;
    const prepared = await database.db.connection().execute(async (c) => {
      await sql`${sql.raw(PREPARED)} select cast(${7} as integer) + 1 as n, ${'v7'} as s`.execute(c);
      return (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(c)).rows;
    });
    expect(prepared).toContainEqual({ name: expect.stringMatching(/^opencal_[0-9a-f]{24}$/), statement: expect.stringContaining('select cast($1 as integer) + 1 as n') });
  });
});
