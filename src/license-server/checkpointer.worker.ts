/**
 * The checkpointing thread of checkpointer.ts: its own connection to the license database runs a PASSIVE WAL
 * checkpoint every `intervalMs`, which never waits for nor blocks a writer, and a last one when asked to close.
 * It loads better-sqlite3 and nothing else, and keeps a small page cache: it only copies pages of the log.
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
// A checkpoint reads the log's frames and writes them to the database file; it needs no cache of its own beyond
// SQLite's minimum (the default is 2 MiB per connection).
db.pragma('cache_size = -256');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or closing: the next round does it
  }
};
const timer = setInterval(checkpoint, data.intervalMs);
port.on('message', (message: unknown) => {
  if (message !== 'close') return;
  clearInterval(timer);
  // The last one: the writes are over (checkpointer.ts stops the thread once the log stays unchanged).
  checkpoint();
  try {
    db.close();
  } finally {
    port.close();
  }
});
