/**
 * WAL checkpoints off the event loop. SQLite copies the write-ahead log back into the database file (and syncs it)
 * in whichever connection commits past 1,000 pages: on the issuing connection that is a pause of tens to hundreds
 * of milliseconds for every request waiting. The issuing connection turns that off (wal_autocheckpoint = 10,000, a
 * backstop) and a worker thread with its own connection runs PASSIVE checkpoints, which never wait for nor block a
 * writer. The worker is checkpointer.worker.ts (started by platform/worker.ts).
 *
 * The thread runs only while the license database is being written: a worker thread is a whole V8 isolate
 * (~8–10 MiB of resident memory), which an idle license server should not hold. The event loop looks at the log
 * file's size and time of change (one `stat` every `pollMs`); when it changed at `busyPolls` looks in a row
 * (sustained writes, such as CAL requests; a single change made at start or by an administrator does not count),
 * the thread is started; after `idleMs` without a change it makes a last checkpoint and exits. A few pages left in
 * the log by occasional writes need no thread: SQLite's own automatic checkpoint of the other connections, or the
 * next busy period, copies them.
 */
import { statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../platform/worker';
import type { CheckpointerWorkerData } from './checkpointer.worker';

export interface Checkpointer {
  /** whether the checkpointing thread is running now. */
  running(): boolean;
  close(): Promise<void>;
}

export interface CheckpointerOptions {
  /** how often the thread checkpoints while it runs (default 100 ms). */
  intervalMs?: number;
  /** how often the event loop looks at the log file (default 250 ms). */
  pollMs?: number;
  /** how many looks in a row must see the log changed before the thread starts (default 2). */
  busyPolls?: number;
  /** how long the log must stay unchanged before the thread stops (default 5 s). */
  idleMs?: number;
}

export function startCheckpointer(file: string, options: CheckpointerOptions = {}): Checkpointer {
  const intervalMs = options.intervalMs ?? 100;
  const pollMs = options.pollMs ?? 250;
  const busyPolls = options.busyPolls ?? 2;
  const idleMs = options.idleMs ?? 5000;
  const wal = `${file}-wal`;
  const look = () => {
    const s = statSync(wal, { throwIfNoEntry: false });
    return s ? `${s.size}:${s.mtimeMs}` : '';
  };

  let worker: { thread: Worker; exited: Promise<void> } | undefined;
  let stopping: Promise<void> | undefined;
  let last = look();
  let changedLooks = 0;
  let lastChangeAt = performance.now();
  let closed = false;

  const start = () => {
    const workerData: CheckpointerWorkerData = { file, intervalMs };
    const thread = startWorker(import.meta.url, 'checkpointer', { workerData });
    thread.unref();
    // A failing checkpointer costs only speed (SQLite then checkpoints on the next main-connection commit).
    thread.on('error', () => undefined);
    const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    const current = { thread, exited };
    worker = current;
    void exited.then(() => {
      if (worker === current) worker = undefined;
    });
  };
  /** The thread makes a last checkpoint and exits (terminated if it does not within 2 s). */
  const stop = (): Promise<void> => {
    const current = worker;
    if (!current) return Promise.resolve();
    worker = undefined;
    current.thread.postMessage('close');
    const timeout = setTimeout(() => void current.thread.terminate(), 2000);
    return current.exited.then(() => clearTimeout(timeout));
  };

  const poll = setInterval(() => {
    if (closed || stopping) return;
    let now: string;
    try {
      now = look();
    } catch {
      return;
    }
    if (now !== last) {
      last = now;
      lastChangeAt = performance.now();
      changedLooks++;
      if (!worker && changedLooks >= busyPolls) {
        try {
          start();
        } catch {
          // No thread (a failing checkpointer costs only speed): the issuing connection's backstop checkpoints.
        }
      }
      return;
    }
    changedLooks = 0;
    if (worker && performance.now() - lastChangeAt >= idleMs) {
      stopping = stop().finally(() => (stopping = undefined));
    }
  }, pollMs);
  poll.unref();

  let closing: Promise<void> | undefined;
  return {
    running: () => worker !== undefined,
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(poll);
        await stopping;
        await stop();
      })();
      return closing;
    },
  };
}
