/**
 * One server per data directory. Two processes on one directory would share its SQLite files and its identity key
 * and issue the same seats twice in the eyes of the clearinghouse; so the first one holds a lock and a second one is
 * refused at start with DATA_DIRECTORY_IN_USE.
 *
 * The lock is SQLite's own file lock on `opencal.lock` (an exclusive lock kept by `locking_mode = EXCLUSIVE` for
 * as long as the connection is open). The operating system drops it when the process ends, however it ends: a
 * lock left by a killed process is no lock at all, and a reused process id cannot keep it. `opencal.pid`, beside
 * it, only tells the refused process which process holds the directory.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export const LOCK_FILE = 'opencal.lock';
export const PID_FILE = 'opencal.pid';

export interface DataLock {
  readonly dir: string;
  release(): void;
}

export type DataLockOutcome = { ok: true; lock: DataLock } | { ok: false; dir: string; pid?: number };

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function holderPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, PID_FILE), 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock of `dir` (created if needed) for this process, or says which process holds it. */
export function lockDataDirectory(directory: string): DataLockOutcome {
  const dir = resolve(directory);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const db = new BetterSqlite3(join(dir, LOCK_FILE), { timeout: 0 });
  try {
    db.pragma('busy_timeout = 0');
    // A rollback journal (not WAL): the lock is then on the file itself, and EXCLUSIVE keeps it after the commit.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = DELETE');
    db.exec('create table if not exists holder (pid integer not null, since text not null)');
    db.exec('begin exclusive');
    db.prepare('delete from holder').run();
    db.prepare('insert into holder (pid, since) values (?, ?)').run(process.pid, new Date().toISOString());
    db.exec('commit');
  } catch (error) {
    db.close();
    if (isBusy(error)) {
      const pid = holderPid(dir);
      return pid === undefined ? { ok: false, dir } : { ok: false, dir, pid };
    }
    throw error;
  }
  try {
    writeFileSync(join(dir, PID_FILE), `${process.pid}\n`, { mode: 0o600 });
  } catch {
    // Only a hint for a refused process; the lock itself is held.
  }
  let released = false;
  return {
    ok: true,
    lock: {
      dir,
      release() {
        if (released) return;
        released = true;
        if (holderPid(dir) === process.pid) rmSync(join(dir, PID_FILE), { force: true });
        db.close();
      },
    },
  };
}
