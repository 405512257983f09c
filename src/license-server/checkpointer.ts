/**
 * WAL checkpoints off the event loop. SQLite copies the write-ahead log back into the database file (and syncs it)
 * in whichever connection commits past 1,000 pages: on the issuing connection that is a pause of tens to hundreds
 * of milliseconds for every request waiting. The issuing connection turns that off (wal_autocheckpoint = 0) and a
 * worker thread with its own connection runs PASSIVE checkpoints, which never wait for nor block a writer.
 * The worker is checkpointer.worker.ts (started by platform/worker.ts).
 */
import { startWorker } from '../platform/worker';
import type { CheckpointerWorkerData } from './checkpointer.worker';

export interface Checkpointer {
  close(): Promise<void>;
}

export function startCheckpointer(file: string, intervalMs = 100): Checkpointer {
  const workerData: CheckpointerWorkerData = { file, intervalMs };
  const worker = startWorker(import.meta.url, 'checkpointer', { workerData });
  worker.unref();
  // A failing checkpointer costs only speed (SQLite then checkpoints on the next main-connection commit).
  worker.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        worker.postMessage('close');
        const timeout = setTimeout(() => void worker.terminate(), 2000);
        await exited;
        clearTimeout(timeout);
      })();
      return closing;
    },
  };
}
