/**
 * The checkpointing thread runs only while the license database is being written (checkpointer.ts): an idle
 * license server holds no second V8 isolate, and what is written under load still reaches the database file.
 * (SQLite only: PostgreSQL has no write-ahead log of the server's own to copy back.)
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer, type Checkpointer } from '../../src/license-server/checkpointer';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A database in WAL mode whose writer never checkpoints by itself, as the issuing connection. */
function walDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'opencal-checkpointer-'));
  const file = join(dir, 'lserver.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('create table t (x integer)');
  // The table itself in the database file, so that a reader of the file alone sees it from the start.
  db.pragma('wal_checkpoint(TRUNCATE)');
  const insert = db.prepare('insert into t values (?)');
  let n = 0;
  cleanups.push(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { file, write: () => insert.run(n++), written: () => n };
}

/** Rows a reader of the main database file alone sees (the log ignored): what checkpoints copied there. */
function rowsInDatabaseFile(file: string): number {
  const copy = `${file}.copy`;
  copyFileSync(file, copy);
  const reader = new Database(copy);
  try {
    return (reader.prepare('select count(*) as n from t').get() as { n: number }).n;
  } finally {
    reader.close();
    for (const f of [copy, `${copy}-wal`, `${copy}-shm`]) rmSync(f, { force: true });
  }
}

/** Writes a row every few milliseconds until stopped: sustained writes, as under CAL requests. */
function keepWriting(write: () => void) {
  const timer = setInterval(write, 5);
  return () => clearInterval(timer);
}

function checkpointer(file: string): Checkpointer {
  const c = startCheckpointer(file, { intervalMs: 10, pollMs: 20, busyPolls: 2, idleMs: 300 });
  cleanups.push(() => c.close());
  return c;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the checkpointing thread runs while the license database is written, and only then', () => {
  it('a single write (an administrator’s change) starts no thread, and the row stays in the log', async () => {
    const db = walDatabase();
    const c = checkpointer(db.file);
    db.write();
    await wait(400);
    expect(c.running()).toBe(false);
    expect(rowsInDatabaseFile(db.file)).toBe(0);
  });

  it('sustained writes start the thread, which copies them into the database file; once they stop, a last checkpoint copies every row and the thread exits', async () => {
    const db = walDatabase();
    const c = checkpointer(db.file);
    expect(c.running()).toBe(false);
    const stopWriting = keepWriting(db.write);
    try {
      await expect.poll(() => c.running(), { timeout: 10_000, interval: 10 }).toBe(true);
      await expect.poll(() => rowsInDatabaseFile(db.file), { timeout: 10_000 }).toBeGreaterThan(0);
    } finally {
      stopWriting();
    }
    await expect.poll(() => c.running(), { timeout: 10_000, interval: 20 }).toBe(false);
    expect(rowsInDatabaseFile(db.file)).toBe(db.written());
  });

  it('writes that resume after the thread stopped start it again, and closing stops it', async () => {
    const db = walDatabase();
    const c = checkpointer(db.file);
    let stopWriting = keepWriting(db.write);
    await expect.poll(() => c.running(), { timeout: 10_000, interval: 10 }).toBe(true);
    stopWriting();
    await expect.poll(() => c.running(), { timeout: 10_000, interval: 20 }).toBe(false);
    stopWriting = keepWriting(db.write);
    try {
      await expect.poll(() => c.running(), { timeout: 10_000, interval: 10 }).toBe(true);
    } finally {
      stopWriting();
    }
    await c.close();
    expect(c.running()).toBe(false);
    expect(rowsInDatabaseFile(db.file)).toBe(db.written());
  });
});
