import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, redactUrl, type Database } from '../../src/storage/database';
import {
  fromBool,
  fromJson,
  idColumn,
  isForeignKeyViolation,
  isUniqueViolation,
  toBool,
  toJson,
  toNumber,
  forUpdate,
} from '../../src/storage/dialect';
import { commonMigrations, migrateToLatest, type Migrations } from '../../src/storage/migrations';
import { describeEachDatabase } from '../helpers/databases';

interface SeatTables {
  seats: { id: number; pack: string; owner: string | null; active: number; note: string | null };
  owners: { id: number; seat_id: number; name: string };
}

/** A component-like migration set: seats claimed by one conditional statement, owners referencing seats. */
const seatMigrations: Migrations = {
  'zz_0001_seats': {
    async up(db) {
      await db.schema
        .createTable('seats')
        .$call(idColumn(db))
        .addColumn('pack', 'text', (c) => c.notNull())
        .addColumn('owner', 'text')
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('note', 'text')
        .execute();
      await db.schema
        .createTable('owners')
        .$call(idColumn(db))
        .addColumn('seat_id', 'integer', (c) => c.notNull().references('seats.id'))
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .execute();
    },
  },
};

describeEachDatabase('storage', (tdb) => {
  let database: Database;
  let db: Kysely<SeatTables>;

  beforeEach(async () => {
    database = await tdb.open(seatMigrations);
    db = database.db as Kysely<SeatTables>;
  });

  it('reports the dialect it opened', () => {
    expect(database.dialect).toBe(tdb.name);
  });

  it('creates the common tables and running the migrations again changes nothing', async () => {
    const again = await migrateToLatest(database, seatMigrations);
    expect(again).toEqual([]);
    const tables = (await database.db.introspection.getTables()).map((t) => t.name);
    // Only this database's tables: on PostgreSQL, introspection is limited to the schema of the URL.
    expect(tables.sort()).toEqual(['alerts', 'api_tokens', 'events', 'owners', 'seats']);
  });

  it('runs a migration added later with a name that sorts before an executed one', async () => {
    const applied = await migrateToLatest(database, {
      ...seatMigrations,
      '0000_9999_late': {
        async up(trx) {
          await trx.schema.createTable('late_table').addColumn('x', 'text').execute();
        },
      },
    });
    expect(applied).toEqual(['0000_9999_late']);
  });

  it('says which migration failed and why', async () => {
    const broken: Migrations = {
      'zz_0002_broken': {
        async up(trx) {
          await sql`create table seats (id integer)`.execute(trx);
        },
      },
    };
    await expect(migrateToLatest(database, { ...seatMigrations, ...broken })).rejects.toThrow(/migration "zz_0002_broken" failed/);
  });

  it('gives auto-increment ids as numbers', async () => {
    const first = await db.insertInto('seats').values({ pack: 'P1' } as never).returning('id').executeTakeFirstOrThrow();
    const second = await db.insertInto('seats').values({ pack: 'P1' } as never).returning('id').executeTakeFirstOrThrow();
    expect(typeof first.id).toBe('number');
    expect(second.id).toBeGreaterThan(first.id);
  });

  it('counts through toNumber the same way on both databases', async () => {
    await db.insertInto('seats').values([{ pack: 'P1' }, { pack: 'P1' }, { pack: 'P2' }] as never).execute();
    const row = await db
      .selectFrom('seats')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum<number>('active').as('total')])
      .where('pack', '=', 'P1')
      .executeTakeFirstOrThrow();
    expect(toNumber(row.n)).toBe(2);
    expect(toNumber(row.total)).toBe(2);
    const none = await db.selectFrom('seats').select((eb) => eb.fn.sum<number>('active').as('total')).where('pack', '=', 'none').executeTakeFirstOrThrow();
    expect(toNumber(none.total)).toBe(0);
  });

  it('stores booleans as 0/1 and JSON as text', async () => {
    await db.insertInto('seats').values({ pack: 'P1', active: toBool(false), note: toJson({ a: [1, 2] }) } as never).execute();
    const row = await db.selectFrom('seats').selectAll().executeTakeFirstOrThrow();
    expect(row.active).toBe(0);
    expect(fromBool(row.active)).toBe(false);
    expect(fromJson(row.note)).toEqual({ a: [1, 2] });
  });

  it('recognises a unique violation and tells it apart from a foreign key violation', async () => {
    const seat = await db.insertInto('seats').values({ pack: 'P1' } as never).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('owners').values({ seat_id: seat.id, name: 'dev-1' } as never).execute();
    const duplicate = await db.insertInto('owners').values({ seat_id: seat.id, name: 'dev-1' } as never).execute().catch((e: unknown) => e);
    expect(isUniqueViolation(duplicate)).toBe(true);
    expect(isForeignKeyViolation(duplicate)).toBe(false);
    const orphan = await db.insertInto('owners').values({ seat_id: 999_999, name: 'dev-2' } as never).execute().catch((e: unknown) => e);
    expect(isForeignKeyViolation(orphan)).toBe(true);
    expect(isUniqueViolation(orphan)).toBe(false);
    expect(isUniqueViolation(new Error('boom'))).toBe(false);
  });

  it('rolls a failed transaction back entirely', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('seats').values({ pack: 'P1' } as never).execute();
        throw new Error('change refused');
      }),
    ).rejects.toThrow('change refused');
    const rows = await db.selectFrom('seats').selectAll().execute();
    expect(rows).toEqual([]);
  });

  it('when 50 requests claim the same seat at once, exactly one gets it', async () => {
    const seat = await db.insertInto('seats').values({ pack: 'P1' } as never).returning('id').executeTakeFirstOrThrow();
    // Several connections (pools on PostgreSQL, separate handles on one SQLite file), as several processes would.
    const connections = [database, await tdb.connect(database), await tdb.connect(database), await tdb.connect(database)];
    const attempts = Array.from({ length: 50 }, (_, i) => {
      const conn = connections[i % connections.length]!.db as Kysely<SeatTables>;
      return conn
        .updateTable('seats')
        .set({ owner: `device-${i}` })
        .where('id', '=', seat.id)
        .where('owner', 'is', null)
        .returning(['id', 'owner'])
        .execute();
    });
    const results = await Promise.all(attempts);
    const winners = results.filter((rows) => rows.length === 1);
    expect(winners).toHaveLength(1);
    const stored = await db.selectFrom('seats').select('owner').where('id', '=', seat.id).executeTakeFirstOrThrow();
    expect(stored.owner).toBe(winners[0]![0]!.owner);
  });

  it('when 50 requests each take a free seat of a pack of 10 inside transactions, 10 get one and no seat is given twice', async () => {
    await db.insertInto('seats').values(Array.from({ length: 10 }, () => ({ pack: 'P10' })) as never).execute();
    // SQLite: one handle per process (see src/storage/dialect.ts); PostgreSQL: three pools.
    const connections = tdb.name === 'postgres' ? [database, await tdb.connect(database), await tdb.connect(database)] : [database];
    const claim = (conn: Kysely<SeatTables>, device: string) =>
      conn.transaction().execute(async (trx) => {
        const free = await forUpdate(trx.selectFrom('seats').select('id').where('pack', '=', 'P10').where('owner', 'is', null).orderBy('id').limit(1), trx, {
          skipLocked: true,
        }).executeTakeFirst();
        if (!free) return undefined;
        const won = await trx
          .updateTable('seats')
          .set({ owner: device })
          .where('id', '=', free.id)
          .where('owner', 'is', null)
          .returning('id')
          .executeTakeFirst();
        return won?.id;
      });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => claim(connections[i % connections.length]!.db as Kysely<SeatTables>, `device-${i}`)),
    );
    const claimed = results.filter((id): id is number => id !== undefined);
    expect(new Set(claimed).size).toBe(claimed.length);
    const owners = await db.selectFrom('seats').select('owner').where('owner', 'is not', null).execute();
    expect(owners).toHaveLength(claimed.length);
    expect(claimed).toHaveLength(10);
  });

  it('lets a second connection open the same database from its URL and see committed rows', async () => {
    await db.insertInto('seats').values({ pack: 'shared' } as never).execute();
    const other = await tdb.connect(database);
    const rows = await (other.db as Kysely<SeatTables>).selectFrom('seats').select('pack').execute();
    expect(rows).toEqual([{ pack: 'shared' }]);
  });
});

describe('openDatabase', () => {
  it('creates the directory of a SQLite file and turns on WAL, foreign keys and a busy timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opencal-open-'));
    try {
      const database = await openDatabase(`sqlite:${join(dir, 'nested', 'deeper', 'x.db')}`);
      try {
        expect(existsSync(join(dir, 'nested', 'deeper', 'x.db'))).toBe(true);
        const pragma = async (name: string) => {
          const { rows } = await sql.raw(`pragma ${name}`).execute(database.db);
          return Object.values(rows[0] as Record<string, unknown>)[0];
        };
        expect(await pragma('journal_mode')).toBe('wal');
        expect(await pragma('foreign_keys')).toBe(1);
        expect(await pragma('busy_timeout')).toBe(5000);
        expect(await pragma('synchronous')).toBe(1); // NORMAL
      } finally {
        await database.close();
      }
      const full = await openDatabase(`sqlite:${join(dir, 'y.db')}`, { synchronous: 'FULL' });
      const { rows } = await sql.raw('pragma synchronous').execute(full.db);
      expect(Object.values(rows[0] as Record<string, unknown>)[0]).toBe(2); // FULL
      await full.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens an in-memory SQLite database and migrates it', async () => {
    const database = await openDatabase('sqlite::memory:');
    try {
      expect(database.dialect).toBe('sqlite');
      expect(await migrateToLatest(database, {})).toEqual(Object.keys(commonMigrations).sort());
    } finally {
      await database.close();
    }
  });

  it('refuses an unknown URL scheme with the accepted forms', async () => {
    await expect(openDatabase('mysql://root:secret@localhost/x')).rejects.toThrow(/sqlite:.*postgres:\/\//);
  });

  it('never shows a PostgreSQL password in what it prints', () => {
    expect(redactUrl('postgres://user:s3cret@db:5432/x')).toBe('postgres://user:***@db:5432/x');
  });

  it('closing twice is harmless', async () => {
    const database = await openDatabase('sqlite::memory:');
    await database.close();
    await database.close();
  });
});
