/**
 * Check-in with the clearinghouse (periodic and on demand): records that this server is alive, receives what the
 * clearinghouse holds for it (certificate after a web/phone activation, grants after a web/phone install or a
 * reissue), and applies the revocation list: a key pack whose grant to this server was invalidated by a reissue
 * stops issuing (event 89), and a server invalidated as a whole stops issuing altogether.
 *
 * Every check-in is a link of the server's check-in chain (core/fork-rules.ts): it carries a counter and the hash
 * of the receipt the clearinghouse signed for the check-in before. The chain is kept beside the identity key
 * (trust/chain-state.ts), so a rebuilt license database continues it and a copied data directory shows as a second
 * history. The check-in is written down before it is sent and sent again as it is until a receipt for it is kept:
 * a lost answer or a crash in between is a retry, never a second history. The receipt also vouches for the
 * clearinghouse's latest audit checkpoint, which is kept; one that does not extend the kept one is reported.
 */
import { compareCheckpoints, receiptHash, type AuditCheckpoint } from '../core/fork-rules';
import type { CheckInReceiptPayload } from '../core/protocol';
import { ok, type Result } from '../core/result';
import type { CheckInAnswer } from '../core/wire/clearinghouse';
import type { AuditCheckpointView, CheckInChainView } from '../core/wire/license-server';
import type { ChainState } from '../trust/index';
import type { ClearinghouseClient } from './clearinghouse.client';
import { anchorOrRefuse, noClearinghouse, unreachable } from './activation.usecase';
import { hex, type LicenseServerContext, type TrustAnchor } from './context';
import { applyDocuments, verifyDocuments } from './documents.usecase';
import * as repo from './license-server.repository';
import { reportLapses } from './provisional.usecase';
import type { CheckInResult } from '../core/wire/license-server';

/** The answer of `POST /ls/v1/check-in` (core/wire/license-server.ts). */
export type { CheckInResult } from '../core/wire/license-server';

export async function checkIn(ctx: LicenseServerContext): Promise<Result<CheckInResult>> {
  const client = ctx.clearinghouse.client;
  if (!client) return noClearinghouse('check in');
  await refreshKeySet(ctx);
  const anchor = await anchorOrRefuse(ctx);
  if (!anchor.ok) return anchor;
  // One check-in at a time per data directory: two at once would be two links drawn from the same predecessor.
  return ctx.chain.exclusive(() => checkInAlone(ctx, client, anchor.value));
}

async function checkInAlone(ctx: LicenseServerContext, client: ClearinghouseClient, anchor: TrustAnchor): Promise<Result<CheckInResult>> {
  await reportLapses(ctx);
  const server = await repo.getServer(ctx.db);
  // What each key pack says (count, type, version, program), and an activation made from a typed confirmation:
  // the clearinghouse opens a case for any it never made (docs/codes.md).
  const packs = (await repo.listKeyPacks(ctx.db)).map((p) => ({
    pack: p.pack, seq: p.seq, issued: p.issued, count: p.total, calType: p.calType, calVersion: p.calVersion, program: p.program,
  }));
  const claimed = server.status === 'activated' && !server.certificate && server.serial !== undefined && server.method !== undefined
    ? { activation: { serial: server.serial, method: server.method } }
    : {};
  const state = ctx.chain.read();
  const pending = state.pending ?? { counter: state.counter + 1, prev: state.receiptHash, attempt: hex(ctx.random(16)) };
  if (!state.pending) ctx.chain.write({ ...state, pending });
  const answer = await client.checkIn({ instanceId: server.instanceId, packs, chain: pending, ...claimed });
  const now = ctx.clock.now();
  if (!answer.ok) {
    const error = unreachable(ctx, answer.error, 'check in');
    await ctx.change(async (trx, log) => {
      await repo.updateServer(trx, { lastCheckInResult: error.code });
      log.event(9110, { reason: error.message });
      return ok(undefined);
    });
    return answer.error.code === error.code ? answer : { ok: false, error };
  }
  const chained = await keepReceipt(ctx, anchor, { ...state, pending }, answer.value, now);
  const a = answer.value;
  const out: CheckInResult = {
    status: a.status, certificateReceived: false, grantsReceived: 0, keyPacksInstalled: 0, keyPacksInvalidated: [], serverInvalidated: false,
    chain: chained.chain,
    ...(chained.state.checkpoint ? { auditCheckpoint: checkpointView(chained.state.checkpoint) } : {}),
    ...(chained.regressed && chained.state.checkpointRegression ? { checkpointRegression: regressionView(chained.state.checkpointRegression) } : {}),
  };

  // Verify everything before writing anything: a document that does not verify is ignored.
  const docs = await verifyDocuments(ctx, anchor, a);

  await ctx.change(async (trx, log) => {
    for (const e of chained.events) log.event(e.id, e.data);
    Object.assign(out, await applyDocuments(ctx, trx, log, docs, now));
    await repo.updateServer(trx, { lastCheckInAt: now, lastCheckInResult: a.status });
    log.event(9109, { status: a.status, grants: out.grantsReceived, revocationsSeq: out.revocationsSeq ?? 'unchanged' });
    return ok(undefined);
  });
  return ok(out);
}

const seconds = (at: number) => new Date(at * 1000).toISOString();

function checkpointView(c: AuditCheckpoint): AuditCheckpointView {
  return { seq: c.seq, head: c.head, at: seconds(c.at) };
}

function regressionView(r: NonNullable<ChainState['checkpointRegression']>) {
  return { problem: r.problem, seen: checkpointView(r.seen), kept: checkpointView(r.kept), at: r.at };
}

/**
 * Keeps what the answer says about the chain, in the chain file, before anything else is written: the receipt
 * of the pending check-in (when it verifies and is the one asked for), the audit checkpoint it vouches for (or the
 * regression it shows), a second history the clearinghouse found. Answers the events to record.
 */
async function keepReceipt(
  ctx: LicenseServerContext,
  anchor: TrustAnchor,
  state: ChainState & { pending: NonNullable<ChainState['pending']> },
  a: CheckInAnswer,
  now: Date,
): Promise<{ chain: CheckInChainView; state: ChainState; regressed: boolean; events: { id: number; data: Record<string, unknown> }[] }> {
  const pending = state.pending;
  const events: { id: number; data: Record<string, unknown> }[] = [];
  let next: ChainState = state;
  let regressed = false;
  let chain: CheckInChainView = { outcome: 'not-placed', counter: pending.counter };
  const receipt = a.receipt ? await anchor.verify<CheckInReceiptPayload>(a.receipt, 'opencal.check-in-receipt') : undefined;
  const r = receipt?.ok ? receipt.value : undefined;
  if (r && r.sub === ctx.serverId && r.counter === pending.counter && r.prev === pending.prev && r.attempt === pending.attempt) {
    // A receipt kept means this directory's history is the clearinghouse's again (a fork case rejected, say).
    const { pending: _done, fork: _fork, ...rest } = state;
    void _done;
    void _fork;
    next = { ...rest, counter: r.counter, receiptHash: receiptHash(a.receipt!) };
    chain = { outcome: a.chain && a.chain.outcome !== 'fork' ? a.chain.outcome : 'extend', counter: r.counter };
    if (r.checkpoint) {
      const seen: AuditCheckpoint = { seq: r.checkpoint.seq, head: r.checkpoint.head, at: r.checkpoint.at };
      const compared = compareCheckpoints(state.checkpoint, seen);
      if (compared.ok) {
        next.checkpoint = seen;
      } else {
        regressed = true;
        next.checkpointRegression = { problem: compared.problem, seen, kept: state.checkpoint!, at: now.toISOString() };
        events.push({ id: 9151, data: { problem: compared.problem, seenSeq: seen.seq, keptSeq: state.checkpoint!.seq } });
      }
    }
  } else if (a.chain?.outcome === 'fork') {
    chain = { outcome: 'fork', counter: pending.counter, ...(a.chain.problem ? { problem: a.chain.problem } : {}), ...(a.chain.caseNumber ? { caseNumber: a.chain.caseNumber } : {}) };
    const problem = a.chain.problem ?? 'same-predecessor';
    next = { ...state, fork: { counter: pending.counter, problem, ...(a.chain.caseNumber ? { caseNumber: a.chain.caseNumber } : {}), at: now.toISOString() } };
    events.push({ id: 9150, data: { counter: pending.counter, problem, caseNumber: a.chain.caseNumber ?? 'already open' } });
  }
  if (next !== state) ctx.chain.write(next);
  return { chain, state: next, regressed, events };
}

/**
 * The clearinghouse key set at each check-in (DESIGN §4 "keys rotate"): a rotated set is taken when a key already
 * trusted endorses it (event 9160), refused otherwise (event 9161, the pinned set stays). An unreachable
 * clearinghouse is the check-in's own failure to report, not this one's.
 */
async function refreshKeySet(ctx: LicenseServerContext): Promise<void> {
  if (!ctx.clearinghouse.cached()) return;
  const r = await ctx.clearinghouse.refresh();
  if (r.ok) {
    if (r.value.changed) await ctx.change.event(9160, { fingerprint: r.value.fingerprint, keys: r.value.kids.join(', '), endorsedBy: r.value.endorsedBy ?? 'none' });
  } else if (r.error.code === 'TRUST_ANCHOR_NOT_ENDORSED' || r.error.code === 'TRUST_ANCHOR_INVALID') {
    await ctx.change.event(9161, { code: r.error.code, reason: r.error.message });
  }
}
