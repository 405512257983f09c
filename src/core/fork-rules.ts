/**
 * Fork evidence (issue 12, items 5 and 6), pure rules shared by the clearinghouse and the license server:
 *
 * - Every check-in of a license server carries a counter and the hash of the receipt the clearinghouse signed for
 *   the check-in before it. The clearinghouse keeps the head of that chain per server; `decideCheckInChain` says
 *   whether a check-in extends it, repeats the last one (a retry after a lost answer or a crash), or forks it.
 *   Two check-ins that extend the same receipt, or a counter that goes back, mean two copies of one server.
 * - The clearinghouse signs checkpoints of its audit chain; `compareCheckpoints` says whether a later checkpoint
 *   can extend an earlier one (a license server keeps the latest it saw), `checkpointExtended` whether today's
 *   audit log extends a saved checkpoint.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** The predecessor of a server's first check-in. */
export const CHAIN_GENESIS = '0'.repeat(64);

/** The hash of a signed check-in receipt (the JWS text, as delivered): what the next check-in names as `prev`. */
export function receiptHash(receipt: string): string {
  return bytesToHex(sha256(utf8ToBytes(receipt)));
}

/** The head of a server's check-in chain at the clearinghouse: its last accepted check-in. */
export interface ChainHead {
  counter: number;
  /** the hash of the receipt given for it. */
  hash: string;
  /** the receipt hash it named as its predecessor. */
  prev: string;
  /** the random attempt id it carried: the same check-in sent again carries the same one. */
  attempt: string;
}

/** What a check-in claims about its place in the chain. */
export interface CheckInLink {
  counter: number;
  prev: string;
  attempt: string;
}

export const FORK_PROBLEMS = ['same-predecessor', 'counter-went-back', 'unknown-predecessor'] as const;
export type ForkProblem = (typeof FORK_PROBLEMS)[number];

export type ChainDecision =
  /** the clearinghouse holds no chain for this server yet: this check-in starts it. */
  | { outcome: 'start' }
  /** the next link: counter + 1, naming the last receipt. */
  | { outcome: 'extend' }
  /** the clearinghouse lost links (restored from a backup): the license server is ahead, its chain is taken up again. */
  | { outcome: 'resume' }
  /** the last check-in sent again (its answer was lost, or the server stopped before keeping it): same receipt. */
  | { outcome: 'retry' }
  /** a second history: a clone case. */
  | { outcome: 'fork'; problem: ForkProblem };

/**
 * Where a check-in stands against the server's chain head. A retry is recognised by its attempt id, which the
 * license server writes down before it sends and sends again until it holds the receipt; a copy of the data
 * directory draws its own attempt id for its next check-in, so it cannot pass for a retry of the other copy's.
 */
export function decideCheckInChain(head: ChainHead | undefined, link: CheckInLink): ChainDecision {
  if (head === undefined) return { outcome: 'start' };
  if (link.counter === head.counter + 1 && link.prev === head.hash) return { outcome: 'extend' };
  if (link.counter === head.counter && link.prev === head.prev) {
    return link.attempt === head.attempt ? { outcome: 'retry' } : { outcome: 'fork', problem: 'same-predecessor' };
  }
  if (link.counter <= head.counter) return { outcome: 'fork', problem: 'counter-went-back' };
  if (link.counter === head.counter + 1) return { outcome: 'fork', problem: 'unknown-predecessor' };
  return { outcome: 'resume' };
}

/** A signed checkpoint of the clearinghouse's audit chain: the chain had `seq` records, the last one hashing to `head`. */
export interface AuditCheckpoint {
  seq: number;
  head: string;
  /** when it was signed, seconds since the epoch. */
  at: number;
}

export type CheckpointRegression = 'sequence-went-back' | 'different-head';

/**
 * Whether `later` can extend `kept` (a license server's view: it sees only the checkpoints, not the records).
 * A sequence that goes back, or another head at the same sequence, means the audit log was cut or rewritten.
 */
export function compareCheckpoints(kept: AuditCheckpoint | undefined, later: AuditCheckpoint): { ok: true } | { ok: false; problem: CheckpointRegression } {
  if (kept === undefined) return { ok: true };
  if (later.seq < kept.seq) return { ok: false, problem: 'sequence-went-back' };
  if (later.seq === kept.seq && later.head !== kept.head) return { ok: false, problem: 'different-head' };
  return { ok: true };
}

export type CheckpointBreak = 'truncated' | 'rewritten';

/**
 * Whether today's audit log extends a saved checkpoint: it still has record `checkpoint.seq`, and that record still
 * hashes to the checkpoint's head (`hashAtSeq`: today's hash of that record, undefined when it is gone; the
 * chain itself is verified from the genesis hash before this is asked). Recomputing every hash after a change
 * keeps the chain consistent but changes the head at the checkpoint's sequence.
 */
export function checkpointExtended(checkpoint: AuditCheckpoint, today: { seq: number; hashAtSeq: string | undefined }): { ok: true } | { ok: false; problem: CheckpointBreak } {
  if (checkpoint.seq === 0) return { ok: true };
  if (today.seq < checkpoint.seq || today.hashAtSeq === undefined) return { ok: false, problem: 'truncated' };
  if (today.hashAtSeq !== checkpoint.head) return { ok: false, problem: 'rewritten' };
  return { ok: true };
}
