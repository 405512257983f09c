/**
 * The audit log (DESIGN §5): append-only and hash-chained. Verification walks the chain from the genesis hash
 * and also checks that the chain head (what appenders lock and extend) is the last record, so removing records
 * from the end is noticed too. A broken chain is reported with its first broken link and recorded as an event.
 *
 * A chain alone proves nothing to someone who can write the database: they can cut its end, or rewrite a record
 * and recompute every hash after it. So the clearinghouse signs checkpoints of the chain (its length and head
 * hash, with the time) with a key kept outside the database (`checkpoint.key`, 0600, beside `root.key`),
 * periodically and on demand. A checkpoint saved elsewhere (by an operator, or by a license server from its
 * check-in receipts) proves later that today's log extends it (core/fork-rules.ts `checkpointExtended`).
 */
import { verifyAuditChain, type AuditRecord } from '../core/clearinghouse-rules';
import { checkpointExtended } from '../core/fork-rules';
import type { AuditCheckpointPayload } from '../core/protocol';
import { ok, refuse, type Result } from '../core/result';
import { decodeJwsUnverified, publicKeyToJwk, signJws, verifyJwsWithKey } from '../trust/index';
import { auditHashAt, insertCheckpoint, latestCheckpoint, type CheckpointRecord } from './chain.repository';
import { auditHead, readAudit } from './clearinghouse.repository';
import type { ChContext } from './context';
import { GENESIS_HASH } from './migrations';
import type { AuditCheckpointAnswer, AuditCheckpointVerifyAnswer, AuditVerifyAnswer } from '../core/wire/clearinghouse';

/** The answers of its routes, from the wire contract (core/wire/clearinghouse.ts). */
export type { AuditCheckpointAnswer, AuditCheckpointVerifyAnswer, AuditVerifyAnswer } from '../core/wire/clearinghouse';

export async function verifyAudit(ctx: ChContext): Promise<AuditVerifyAnswer> {
  const records = await readAudit(ctx.db);
  const head = await auditHead(ctx.db);
  let result: AuditVerifyAnswer = verifyAuditChain(records, GENESIS_HASH);
  if (result.ok) {
    const last = records[records.length - 1];
    if ((last?.seq ?? 0) !== head.seq || (last?.hash ?? GENESIS_HASH) !== head.hash) {
      result = { ok: false, records: records.length, firstBroken: { seq: (last?.seq ?? 0) + 1, problem: 'missing-records-at-end' } };
    }
  }
  if (!result.ok && result.firstBroken) {
    await ctx.change.event(9013, { seq: result.firstBroken.seq, problem: result.firstBroken.problem });
  }
  return result;
}

/** The audit records about one subject (`CH-000123`, `pack:12`, `server:<ID>`), oldest first. */
export async function auditOf(ctx: ChContext, subject: string): Promise<(AuditRecord & { hash: string })[]> {
  return readAudit(ctx.db, { subject });
}

function answerOf(ctx: ChContext, c: CheckpointRecord): AuditCheckpointAnswer {
  return { checkpoint: c.jws, seq: c.seq, head: c.head, at: c.at, kid: c.kid, publicKey: publicKeyToJwk(ctx.checkpointIdentity.publicKeyRaw, ctx.checkpointIdentity.kid) };
}

/** Signs a checkpoint of the audit chain as it is now (on demand, and periodically when the chain has grown). */
export async function signCheckpoint(ctx: ChContext): Promise<AuditCheckpointAnswer> {
  const at = ctx.clock.now();
  const head = await auditHead(ctx.db);
  const payload: AuditCheckpointPayload = { typ: 'opencal.audit-checkpoint', seq: head.seq, head: head.hash, iat: Math.floor(at.getTime() / 1000) };
  const record: CheckpointRecord = { seq: head.seq, head: head.hash, at: at.toISOString(), kid: ctx.checkpointIdentity.kid, jws: await signJws(ctx.checkpointIdentity, payload) };
  await insertCheckpoint(ctx.db, record);
  await ctx.change.event(9050, { seq: record.seq, head: record.head });
  return answerOf(ctx, record);
}

/** The periodic checkpoint: signed only when the chain grew since the latest one (or there is none). */
export async function checkpointIfGrown(ctx: ChContext): Promise<AuditCheckpointAnswer | undefined> {
  const latest = await latestCheckpoint(ctx.db);
  const head = await auditHead(ctx.db);
  if (latest && latest.seq === head.seq && latest.head === head.hash) return undefined;
  return signCheckpoint(ctx);
}

/** The latest signed checkpoint; one is signed now if there is none yet. */
export async function currentCheckpoint(ctx: ChContext): Promise<AuditCheckpointAnswer> {
  const latest = await latestCheckpoint(ctx.db);
  return latest ? answerOf(ctx, latest) : signCheckpoint(ctx);
}

/**
 * Proves that today's audit log extends a checkpoint saved earlier: the checkpoint verifies with the checkpoint
 * key, the whole chain verifies from the genesis hash, and the record at the checkpoint's sequence still has the
 * head it signed. Cutting the log, or rewriting it and recomputing the hashes, fails with a typed refusal.
 */
export async function verifyAgainstCheckpoint(ctx: ChContext, input: { checkpoint?: unknown }): Promise<Result<AuditCheckpointVerifyAnswer>> {
  const token = input.checkpoint;
  const decoded = typeof token === 'string' ? decodeJwsUnverified(token) : undefined;
  if (!decoded?.ok) return refuse('AUDIT_CHECKPOINT_INVALID', { problem: 'format' });
  const kid = decoded.value.header.kid;
  if (kid !== ctx.checkpointIdentity.kid) return refuse('AUDIT_CHECKPOINT_INVALID', { problem: 'key', kid: typeof kid === 'string' ? kid : undefined });
  const verified = await verifyJwsWithKey<AuditCheckpointPayload>(token as string, ctx.checkpointIdentity.publicKey, 'opencal.audit-checkpoint');
  if (!verified.ok) return refuse('AUDIT_CHECKPOINT_INVALID', { problem: verified.error.code === 'JWS_MALFORMED' || verified.error.code === 'JWS_WRONG_TYPE' ? 'format' : 'signature' });
  const cp = verified.value.payload;
  if (!Number.isSafeInteger(cp.seq) || cp.seq < 0 || typeof cp.head !== 'string') return refuse('AUDIT_CHECKPOINT_INVALID', { problem: 'format' });

  const chain = await verifyAudit(ctx);
  if (!chain.ok) return refuse('AUDIT_CHAIN_BROKEN', { ...(chain.firstBroken ? { firstBroken: chain.firstBroken } : {}) });
  const head = await auditHead(ctx.db);
  const extended = checkpointExtended({ seq: cp.seq, head: cp.head, at: cp.iat }, { seq: head.seq, hashAtSeq: cp.seq === 0 ? GENESIS_HASH : await auditHashAt(ctx.db, cp.seq) });
  if (!extended.ok) {
    await ctx.change.event(9051, { seq: cp.seq, problem: extended.problem });
    return refuse('AUDIT_CHECKPOINT_NOT_EXTENDED', { problem: extended.problem, checkpointSeq: cp.seq, logSeq: head.seq });
  }
  return ok({ ok: true, records: chain.records, checkpoint: { seq: cp.seq, head: cp.head, at: new Date(cp.iat * 1000).toISOString() }, since: head.seq - cp.seq });
}
