/**
 * Usual check-ins gathered on PostgreSQL (the model is the license server's group commit, group-commit.ts): the
 * reads (`checkInReads`) and the writes (`recordCheckInExtending`) of the usual check-ins that reach them in the same
 * turn of the event loop go to PostgreSQL as ONE read statement and ONE write statement for the batch (at most
 * MAX_BATCH each), instead of one round trip per check-in: PostgreSQL's cost per statement and the socket writes
 * are most of what a usual check-in costs.
 *
 * Each check-in still gets its own answer, exactly the one its own statement would give: a check-in alone in its
 * turn runs the statement of one check-in; a repeated nonce in a batch is recorded alone after the batch (so it is
 * refused as a replay, as it would be a moment later); when a batch statement fails (a deadlock with another
 * process, a fault), nothing of it was written and each check-in of it runs alone, so one failing check-in never
 * fails or changes the others. Batches do not wait for each other: each takes a connection of the pool.
 */
import {
  checkInReads,
  checkInReadsMany,
  recordCheckInExtending,
  recordCheckInsExtending,
  type ChDb,
  type CheckInReads,
  type ExtendingCheckIn,
} from './clearinghouse.repository';

/** at most this many check-ins per statement; more go in the next batch of the same turn. */
const MAX_BATCH = 64;

interface Pending<I, O> {
  input: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Gathers the calls made in one turn of the event loop (until `setImmediate`) and runs them with `many`, or with
 * `one` when a call is alone. Calls with the same `key` must not share a batch: the second and later of a key run
 * alone once the batch is done.
 */
function gathering<I, O>(
  one: (input: I) => Promise<O>,
  many: (inputs: I[]) => Promise<O[]>,
  key?: (input: I) => string,
): (input: I) => Promise<O> {
  let queue: Pending<I, O>[] = [];
  const alone = (item: Pending<I, O>) => one(item.input).then(item.resolve, item.reject);
  async function runBatch(items: Pending<I, O>[]): Promise<void> {
    const batch: Pending<I, O>[] = [];
    const later: Pending<I, O>[] = [];
    const keys = new Set<string>();
    for (const item of items) {
      const k = key?.(item.input);
      if (k !== undefined && keys.has(k)) later.push(item);
      else {
        if (k !== undefined) keys.add(k);
        batch.push(item);
      }
    }
    if (batch.length === 1) await alone(batch[0]!);
    else {
      let outputs: O[] | undefined;
      try {
        outputs = await many(batch.map((b) => b.input));
      } catch {
        // Nothing of the batch was written: each runs alone and gets its own answer or its own error.
        await Promise.all(batch.map(alone));
      }
      if (outputs) batch.forEach((b, i) => b.resolve(outputs[i]!));
    }
    for (const item of later) await alone(item);
  }
  const flush = () => {
    const all = queue;
    queue = [];
    for (let i = 0; i < all.length; i += MAX_BATCH) void runBatch(all.slice(i, i + MAX_BATCH));
  };
  return (input) =>
    new Promise<O>((resolve, reject) => {
      if (queue.push({ input, resolve, reject }) === 1) setImmediate(flush);
    });
}

export interface CheckInBatch {
  /** `checkInReads`, gathered */
  reads(serverId: string): Promise<CheckInReads>;
  /** `recordCheckInExtending`, gathered */
  extend(checkIn: ExtendingCheckIn): Promise<{ fresh: boolean; server: Awaited<ReturnType<typeof recordCheckInExtending>>['server'] }>;
}

const batches = new WeakMap<ChDb, CheckInBatch>();

/** The gathering of usual check-ins on this database handle (one per handle, made at its first use). */
export function checkInBatch(db: ChDb): CheckInBatch {
  let batch = batches.get(db);
  if (batch === undefined) {
    batch = {
      reads: gathering(
        (serverId) => checkInReads(db, serverId),
        (serverIds) => checkInReadsMany(db, serverIds),
      ),
      extend: gathering(
        (c) => recordCheckInExtending(db, c),
        // In the order of their servers, so two batches of two processes take their row locks in the same order.
        async (items) => {
          const order = items.map((_, i) => i).sort((a, b) => (items[a]!.serverId < items[b]!.serverId ? -1 : items[a]!.serverId > items[b]!.serverId ? 1 : a - b));
          const answers = await recordCheckInsExtending(db, order.map((i) => items[i]!));
          const out = new Array<(typeof answers)[number]>(items.length);
          order.forEach((i, k) => (out[i] = answers[k]!));
          return out;
        },
        (c) => c.nonce.nonce,
      ),
    };
    batches.set(db, batch);
  }
  return batch;
}
