/**
 * Group commit of CAL requests on SQLite (STACK.md: one synchronous commit per request is what limits a naive
 * issue route). The requests that arrive while the event loop is busy are queued; at the next turn of the loop
 * they run one after the other in ONE transaction (each inside its own savepoint, so a request that fails leaves
 * the others alone), then the transaction commits, and only then is each request answered. So an acknowledged CAL
 * is always committed (SIGKILL test), seats are still claimed by the conditional UPDATE (no over-issue), and a
 * state change and its event still commit together.
 *
 * The transaction runs on a connection of its own (issuance.repository.ts) while this holds the main Kysely
 * connection, so no Kysely transaction of this process is open at the same time. Another process writing the
 * file makes BEGIN IMMEDIATE busy: the batch then waits a few milliseconds, without blocking the event loop.
 *
 * A full or read-only disk (SQLITE_FULL, SQLITE_READONLY) may make SQLite roll the whole transaction back by itself,
 * in the middle of the batch: the batch then fails as a whole (every request answered 503 STORAGE_FULL or
 * STORAGE_READ_ONLY, none acknowledged), and the next batch begins afresh, so issuance resumes by itself when space
 * returns.
 */
import type { Kysely } from 'kysely';
import { isRetryable, isUniqueViolation } from '../storage/dialect';
import type { IssuanceRunner } from './context';
import type { IssuanceConnection } from './issuance.repository';
import type { IssuanceStore } from './license-server.repository';

/** at most this many requests per transaction; more wait for the next one. */
const MAX_BATCH = 512;
/** how long a batch waits for another process's write lock before failing its requests. */
const BUSY_TIMEOUT_MS = 5000;
const RETRIES = 5;

interface Pending {
  work: (store: IssuanceStore) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface GroupCommit {
  run: IssuanceRunner;
  /** waits for the batch in progress; later requests are refused. */
  close(): Promise<void>;
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createGroupCommit(db: Kysely<any>, connection: IssuanceConnection): GroupCommit {
  let queue: Pending[] = [];
  let scheduled = false;
  let running: Promise<void> | undefined;
  let closed = false;

  const schedule = () => {
    if (scheduled || running || queue.length === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      running = db
        .connection()
        .execute(async () => {
          const batch = queue.length <= MAX_BATCH ? queue : queue.slice(0, MAX_BATCH);
          queue = queue.length <= MAX_BATCH ? [] : queue.slice(MAX_BATCH);
          await commitBatch(batch);
        })
        .catch(() => undefined)
        .finally(() => {
          running = undefined;
          schedule();
        });
    });
  };

  async function begin(): Promise<void> {
    // A transaction left open by a failed rollback would make every later BEGIN fail: end it first.
    if (connection.inTransaction()) connection.rollback();
    const until = performance.now() + BUSY_TIMEOUT_MS;
    for (let wait = 1; ; wait = Math.min(wait * 2, 20)) {
      try {
        connection.begin();
        return;
      } catch (error) {
        if (!isBusy(error) || performance.now() > until) throw error;
        await sleep(wait);
      }
    }
  }

  async function runOne(item: Pending): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
    for (let attempt = 0; ; attempt++) {
      connection.savepoint();
      try {
        const value = await item.work(connection.store);
        connection.release();
        return { ok: true, value };
      } catch (error) {
        // SQLite rolled the whole transaction back (SQLITE_FULL…): the requests before this one are gone too.
        if (!connection.inTransaction()) throw error;
        connection.rollbackToSavepoint();
        connection.release();
        connection.forgetKeyPacks();
        if (attempt >= RETRIES || !(isRetryable(error) || isUniqueViolation(error))) return { ok: false, error };
      }
    }
  }

  async function commitBatch(batch: Pending[]): Promise<void> {
    const outcomes: Awaited<ReturnType<typeof runOne>>[] = [];
    try {
      await begin();
      for (const item of batch) {
        outcomes.push(await runOne(item));
        if (!connection.inTransaction()) throw new Error('The CAL transaction ended before its commit.');
      }
      connection.commit();
    } catch (error) {
      // Nothing of this batch is stored: every request of it fails (HTTP 503 on a storage fault, else 500), none is
      // acknowledged.
      try {
        connection.rollback();
      } finally {
        connection.forgetKeyPacks();
        for (const item of batch) item.reject(error);
      }
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }

  return {
    run: <T>(work: (store: IssuanceStore) => Promise<T>) =>
      new Promise<T>((resolve, reject) => {
        if (closed) {
          reject(new Error('The license server is shutting down; retry on another license server or after it restarts.'));
          return;
        }
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      }),
    async close() {
      closed = true;
      while (running || scheduled) await (running ?? sleep(1));
      for (const item of queue.splice(0)) item.reject(new Error('The license server is shutting down.'));
      connection.close();
    },
  };
}
