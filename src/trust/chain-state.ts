/**
 * A license server's check-in chain state (issue 12, item 5): the counter of its last check-in, the hash of the
 * receipt the clearinghouse signed for it, the check-in being sent (so that sending it again after a crash is a
 * retry, not a second history) and the latest audit checkpoint it saw. It lives beside the identity key, in its
 * own small file (mode 0600) outside the license database, so that `licmgr rebuild` continues the chain; a copy of
 * the data directory copies it too, and the clearinghouse then sees two histories.
 *
 * Written atomically (temporary file, fsync, rename, fsync of the directory): a crash leaves the old state or the
 * new one, never a torn file.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { CHAIN_GENESIS, type AuditCheckpoint, type CheckpointRegression, type ForkProblem } from '../core/fork-rules';

/** The file name of the chain state in a license server's data directory, beside `identity.key`. */
export const CHAIN_STATE_FILE = 'check-in-chain.json';

export interface ChainState {
  /** the counter of the last check-in the clearinghouse gave a receipt for (0: none yet). */
  counter: number;
  /** the hash of that receipt (CHAIN_GENESIS: none yet). */
  receiptHash: string;
  /** the check-in written down before it was sent and not yet answered with a receipt: sent again as it is. */
  pending?: { counter: number; prev: string; attempt: string };
  /** the latest audit checkpoint the clearinghouse vouched for in a receipt. */
  checkpoint?: AuditCheckpoint;
  /** a later checkpoint did not extend the kept one: kept until someone looks (status, event 9151). */
  checkpointRegression?: { problem: CheckpointRegression; seen: AuditCheckpoint; kept: AuditCheckpoint; at: string };
  /** the clearinghouse answered a check-in as a second history of this server (event 9150). */
  fork?: { counter: number; problem: ForkProblem; caseNumber?: string; at: string };
}

export const INITIAL_CHAIN_STATE: ChainState = { counter: 0, receiptHash: CHAIN_GENESIS };

export interface ChainStateStore {
  readonly path: string;
  read(): ChainState;
  write(state: ChainState): void;
  /** runs `work` alone among this process's users of the file (a periodic and an asked-for check-in at once). */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

export function chainStateStore(path: string): ChainStateStore {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    path,
    read: () => readChainState(path),
    write: (state) => writeChainState(path, state),
    exclusive<T>(work: () => Promise<T>): Promise<T> {
      const run = queue.then(work, work);
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

export function readChainState(path: string): ChainState {
  let text: string;
  try {
    const mode = statSync(path).mode;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new Error(`check-in chain file ${path} has mode ${(mode & 0o777).toString(8).padStart(4, '0')}: run "chmod 600 ${path}" before starting again.`);
    }
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ...INITIAL_CHAIN_STATE };
    throw e;
  }
  const state = JSON.parse(text) as ChainState;
  if (!Number.isInteger(state.counter) || state.counter < 0 || typeof state.receiptHash !== 'string') {
    throw new Error(`check-in chain file ${path} is not a chain state: restore it from the data directory's backup.`);
  }
  return state;
}

export function writeChainState(path: string, state: ChainState): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(state, null, 2) + '\n');
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(temp);
    throw e;
  }
  closeSync(fd);
  renameSync(temp, path);
  if (process.platform !== 'win32') {
    const d = openSync(dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  }
}
