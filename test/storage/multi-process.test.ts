import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, expect, it } from 'vitest';
import { queryEvents, recordEvent } from '../../src/events/event-log';
import type { Database } from '../../src/storage/database';
import { toNumber } from '../../src/storage/dialect';
import { describeEachDatabase } from '../helpers/databases';

const WRITES = 300;

/**
 * A second OpenCAL process: opens the database from its URL and runs `count` read-then-write transactions (the
 * shape of a use case), printing `started` once it holds a connection.
 */
function runWriterProcess(url: string, count: number): { started: Promise<void>; finished: Promise<{ code: number | null; stderr: string }> } {
  const storage = pathToFileURL(resolve('src/storage/database.ts')).href;
  const events = pathToFileURL(resolve('src/events/event-log.ts')).href;
  const script = `
    const { openDatabase } = await import(${JSON.stringify(storage)});
    const { recordEvent } = await import(${JSON.stringify(events)});
    const database = await openDatabase(process.env.DB_URL);
    process.stdout.write('started\\n');
    for (let i = 0; i < ${count}; i++) {
      await database.db.transaction().execute(async (trx) => {
        await trx.selectFrom('events').select((eb) => eb.fn.max('id').as('last')).executeTakeFirst();
        await recordEvent(trx, { component: 'session-host', eventId: 1068, data: { graceDaysLeft: i }, at: new Date(Date.UTC(2025, 0, 1)) });
      });
    }
    await database.close();
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, DB_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const finished = new Promise<{ code: number | null; stderr: string }>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
  const started = new Promise<void>((done) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('started')) done();
    });
    void finished.then(() => done());
  });
  return { started, finished };
}

describeEachDatabase('two processes on one database', (tdb) => {
  let database: Database;

  beforeEach(async () => {
    database = await tdb.open();
  });

  it('when another process writes at the same time, every transaction of both commits', async () => {
    const child = runWriterProcess(database.url, WRITES);
    await child.started;
    for (let i = 0; i < WRITES; i++) {
      await database.db.transaction().execute(async (trx) => {
        await trx.selectFrom('events').select((eb) => eb.fn.max('id').as('last')).executeTakeFirst();
        await recordEvent(trx, { component: 'license-server', eventId: 18, data: { serverId: String(i) }, at: new Date(Date.UTC(2025, 0, 1)) });
      });
    }
    const { code, stderr } = await child.finished;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const counts = await database.db
      .selectFrom('events')
      .select(['component', (eb) => eb.fn.countAll().as('n')])
      .groupBy('component')
      .orderBy('component')
      .execute();
    expect(counts.map((c) => [c.component, toNumber(c.n)])).toEqual([
      ['license-server', WRITES],
      ['session-host', WRITES],
    ]);
    const newest = await queryEvents(database.db, { component: 'session-host', limit: 1 });
    expect(newest[0]?.data).toEqual({ graceDaysLeft: WRITES - 1 });
  });
});
