/**
 * The clearinghouse's SQL for fork evidence (issue 12, items 5 and 6): the head of each license server's check-in
 * chain, the check-ins of every history (the evidence of a clone case), and the signed audit checkpoints.
 * Tables from the migration `ch_0003_fork_chain` (migrations.ts).
 */
import type { Kysely } from 'kysely';
import type { ChainHead } from '../core/fork-rules';
import { forUpdate, toNumber, type SqlDialect } from '../storage/dialect';
import type { ChDb } from './clearinghouse.repository';

export interface ChainTables {
  ch_check_in_heads: { server_id: string; counter: number; hash: string; prev: string; attempt: string; receipt: string; updated_at: string };
  ch_check_ins: {
    id: import('kysely').Generated<number>;
    server_id: string;
    counter: number;
    prev: string;
    attempt: string;
    receipt_hash: string | null;
    outcome: string;
    instance_id: string;
    at: string;
  };
  ch_audit_checkpoints: { id: import('kysely').Generated<number>; seq: number; head: string; at: string; kid: string; jws: string };
}

type Db = Kysely<ChainTables>;
const db = (d: ChDb): Db => d as unknown as Db;

export interface StoredHead extends ChainHead {
  receipt: string;
}

/** The head of a server's check-in chain, locked for the rest of the transaction on PostgreSQL. */
export async function lockChainHead(d: ChDb, dialect: SqlDialect, serverId: string): Promise<StoredHead | undefined> {
  const r = await forUpdate(db(d).selectFrom('ch_check_in_heads').selectAll().where('server_id', '=', serverId), dialect).executeTakeFirst();
  return r && { counter: toNumber(r.counter), hash: r.hash, prev: r.prev, attempt: r.attempt, receipt: r.receipt };
}

/** Starts a server's chain; false when another check-in started it first. */
export async function startChainHead(d: ChDb, serverId: string, head: StoredHead, at: string): Promise<boolean> {
  const r = await db(d)
    .insertInto('ch_check_in_heads')
    .values({ server_id: serverId, counter: head.counter, hash: head.hash, prev: head.prev, attempt: head.attempt, receipt: head.receipt, updated_at: at })
    .onConflict((oc) => oc.column('server_id').doNothing())
    .returning('server_id')
    .executeTakeFirst();
  return r !== undefined;
}

/** Moves a server's chain head from `from` to `to`; false when another check-in moved it first. */
export async function moveChainHead(d: ChDb, serverId: string, from: Pick<ChainHead, 'counter' | 'hash'>, to: StoredHead, at: string): Promise<boolean> {
  const rows = await db(d)
    .updateTable('ch_check_in_heads')
    .set({ counter: to.counter, hash: to.hash, prev: to.prev, attempt: to.attempt, receipt: to.receipt, updated_at: at })
    .where('server_id', '=', serverId)
    .where('counter', '=', from.counter)
    .where('hash', '=', from.hash)
    .returning('server_id')
    .execute();
  return rows.length === 1;
}

/** A server's chain is taken up again by its next check-in (an agent found a clone case to be no clone). */
export async function forgetChainHead(d: ChDb, serverId: string): Promise<void> {
  await db(d).deleteFrom('ch_check_in_heads').where('server_id', '=', serverId).execute();
}

export interface CheckInLinkRecord {
  counter: number;
  prev: string;
  attempt: string;
  receiptHash: string | null;
  outcome: string;
  instanceId: string;
  at: string;
}

export async function insertCheckInLink(d: ChDb, serverId: string, l: CheckInLinkRecord): Promise<void> {
  await db(d)
    .insertInto('ch_check_ins')
    .values({ server_id: serverId, counter: l.counter, prev: l.prev, attempt: l.attempt, receipt_hash: l.receiptHash, outcome: l.outcome, instance_id: l.instanceId, at: l.at })
    .execute();
}

/** A server's check-ins from counter `fromCounter` on, oldest first (at most `limit`). */
export async function checkInLinks(d: ChDb, serverId: string, fromCounter: number, limit = 50): Promise<CheckInLinkRecord[]> {
  const rows = await db(d)
    .selectFrom('ch_check_ins')
    .selectAll()
    .where('server_id', '=', serverId)
    .where('counter', '>=', fromCounter)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    counter: toNumber(r.counter),
    prev: r.prev,
    attempt: r.attempt,
    receiptHash: r.receipt_hash,
    outcome: r.outcome,
    instanceId: r.instance_id,
    at: r.at,
  }));
}

export interface CheckpointRecord {
  seq: number;
  head: string;
  at: string;
  kid: string;
  jws: string;
}

export async function insertCheckpoint(d: ChDb, c: CheckpointRecord): Promise<void> {
  await db(d).insertInto('ch_audit_checkpoints').values(c).execute();
}

export async function latestCheckpoint(d: ChDb): Promise<CheckpointRecord | undefined> {
  const r = await db(d).selectFrom('ch_audit_checkpoints').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();
  return r && { seq: toNumber(r.seq), head: r.head, at: r.at, kid: r.kid, jws: r.jws };
}

/** The hash of audit record `seq` as stored today (undefined when there is no such record). */
export async function auditHashAt(d: ChDb, seq: number): Promise<string | undefined> {
  const r = await d.selectFrom('ch_audit').select('hash').where('seq', '=', seq).executeTakeFirst();
  return r?.hash;
}
