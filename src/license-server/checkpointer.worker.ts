/**
 * The checkpointing thread of checkpointer.ts: its own connection to the license database runs a PASSIVE WAL
 * checkpoint every `intervalMs`, which never waits for nor blocks a writer.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/** What checkpointer.ts starts the thread with. */
export interface CheckpointerWorkerData {
  file: string;
  intervalMs: number;
}

const port = parentPort;
if (!port) throw new Error('checkpointer.worker.ts runs as a worker thread (see checkpointer.ts)');
const data = workerData as CheckpointerWorkerData;
const db = new Database(data.file, { timeout: 0 });
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or closing: the next round does it
  }
}, data.intervalMs);
port.on('message', (message: unknown) => {
  if (message !== 'close') return;
  clearInterval(timer);
  try {
    db.close();
  } finally {
    port.close();
  }
});
