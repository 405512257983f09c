/**
 * The audit log (DESIGN §5): append-only and hash-chained. Verification walks the chain from the genesis hash
 * and also checks that the chain head (what appenders lock and extend) is the last record, so removing records
 * from the end is noticed too. A broken chain is reported with its first broken link and recorded as an event.
 */
import { verifyAuditChain, type AuditRecord } from '../core/clearinghouse-rules';
import { auditHead, readAudit } from './clearinghouse.repository';
import type { ChContext } from './context';
import { GENESIS_HASH } from './migrations';
import type { AuditVerifyAnswer } from '../core/wire/clearinghouse';

/** The answer of its route, from the wire contract (core/wire/clearinghouse.ts). */
export type { AuditVerifyAnswer } from '../core/wire/clearinghouse';

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
