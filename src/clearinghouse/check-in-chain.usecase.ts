/**
 * The check-in chain at the clearinghouse (issue 12, item 5): every check-in of a license server names its counter
 * and the hash of the receipt given for the check-in before; the clearinghouse keeps the head of that chain and
 * signs a receipt for each link. A second history — two check-ins extending the same receipt, or a counter that
 * goes back — is two copies of one server: a flagged clone case (event 9011) with both histories as evidence.
 * A rebuilt license database is no second history: the chain lives beside the identity key, not in the database.
 * The same check-in sent again (same counter, predecessor and attempt id: its answer was lost, or the server
 * stopped before keeping it) gets the same receipt.
 */
import { formatCaseNumber } from '../core/clearinghouse-rules';
import { CHAIN_GENESIS, decideCheckInChain, receiptHash, type ChainDecision, type CheckInLink, type ForkProblem } from '../core/fork-rules';
import type { CheckInReceiptPayload } from '../core/protocol';
import { ok, refuse, type Result } from '../core/result';
import { signCompactJws } from '../trust/index';
import { checkInLinks, insertCheckInLink, lockChainHead, moveChainHead, startChainHead, type CheckpointRecord, type StoredHead } from './chain.repository';
import { checkInBatch } from './check-in-batch';
import { insertCase, listCases, type ChDb, type ServerRecord } from './clearinghouse.repository';
import type { ChangeLog, ChContext } from './context';

/** What the check-in answer says about the chain (core/wire/clearinghouse.ts `CheckInAnswer.chain`). */
export interface ChainAnswer {
  outcome: ChainDecision['outcome'];
  counter: number;
  problem?: ForkProblem;
  caseNumber?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The `chain` of a check-in body: `{ counter, prev, attempt }`. */
export function parseCheckInLink(value: unknown): Result<CheckInLink> {
  const o = value as Record<string, unknown> | null | undefined;
  if (typeof o !== 'object' || o === null) return refuse('SIGNED_REQUEST_INVALID', { problem: 'chain' });
  const { counter, prev, attempt } = o;
  if (!Number.isSafeInteger(counter) || (counter as number) < 1) return refuse('SIGNED_REQUEST_INVALID', { problem: 'chain' });
  if (typeof prev !== 'string' || !HEX64.test(prev)) return refuse('SIGNED_REQUEST_INVALID', { problem: 'chain' });
  if (typeof attempt !== 'string' || attempt === '' || attempt.length > 100) return refuse('SIGNED_REQUEST_INVALID', { problem: 'chain' });
  return ok({ counter: counter as number, prev, attempt });
}

/**
 * Places one check-in in its server's chain, inside the check-in's transaction. Answers the receipt to keep
 * (absent for a second history) and what happened. The head moves by one conditional UPDATE: of two copies
 * checking in at the same moment, one extends the chain and the other is the second history.
 *
 * The receipt names only the check-in itself (and the latest audit checkpoint, `checkpoint`), not the head, so it
 * is signed first and the usual case — the next link, or a first check-in — is that one conditional statement
 * (the head is where this link says it is, or there is none yet); anything else reads the head, locked, and
 * decides (core/fork-rules.ts).
 */
export async function placeCheckIn(
  ctx: ChContext,
  trx: ChDb,
  log: ChangeLog,
  at: Date,
  server: ServerRecord,
  instanceId: string,
  link: CheckInLink,
  checkpoint: CheckpointRecord | undefined,
): Promise<{ receipt?: string; chain: ChainAnswer }> {
  const iso = at.toISOString();
  const receipt = signReceipt(ctx, server.serverId, link, at, checkpoint);
  const next: StoredHead = { ...link, hash: receiptHash(receipt), receipt };
  const placed = async (outcome: 'start' | 'extend' | 'resume') => {
    await insertCheckInLink(trx, server.serverId, { ...link, receiptHash: next.hash, outcome, instanceId, at: iso });
    return { receipt, chain: { outcome, counter: link.counter } };
  };
  if (link.counter === 1 ? await startChainHead(trx, server.serverId, next, iso) : await moveChainHead(trx, server.serverId, { counter: link.counter - 1, hash: link.prev }, next, iso)) {
    // exactly what decideCheckInChain answers for this head: none yet, or counter - 1 with this link's predecessor
    return placed(link.counter === 1 ? 'start' : 'extend');
  }
  for (let round = 0; round < 3; round += 1) {
    const head = await lockChainHead(trx, ctx.database.dialect, server.serverId);
    const decision = decideCheckInChain(head, link);
    if (decision.outcome === 'retry') {
      await insertCheckInLink(trx, server.serverId, { ...link, receiptHash: head!.hash, outcome: 'retry', instanceId, at: iso });
      return { receipt: head!.receipt, chain: { outcome: 'retry', counter: link.counter } };
    }
    if (decision.outcome === 'fork') {
      await insertCheckInLink(trx, server.serverId, { ...link, receiptHash: null, outcome: 'fork', instanceId, at: iso });
      const caseNumber = await openForkCase(trx, log, iso, server, link, head!, decision.problem);
      return { chain: { outcome: 'fork', counter: link.counter, problem: decision.problem, ...(caseNumber ? { caseNumber } : {}) } };
    }
    const moved = head === undefined ? await startChainHead(trx, server.serverId, next, iso) : await moveChainHead(trx, server.serverId, head, next, iso);
    if (moved) return placed(decision.outcome);
  }
  // Three moves lost to concurrent check-ins of the same server ID: only copies race like that.
  throw new Error(`the check-in chain of ${server.serverId} kept moving under this check-in`);
}

/**
 * The usual check-in on PostgreSQL — the next link of its server's chain — in one statement with its nonce (the
 * nonce recorded, the head's compare-and-set, the link and last seen together: clearinghouse.repository.ts
 * `recordCheckInExtending`), so no transaction is opened for it. It logs no event and no audit record, as
 * `placeCheckIn` logs none for a link that extends the chain. `replayed` when the nonce was seen before (nothing
 * recorded); undefined when the head is elsewhere (a first check-in, a retry, a fork, a resume: the nonce is
 * recorded) or on SQLite (nothing recorded): the caller then takes the general path, in a change.
 */
export async function extendInOneStatement(
  ctx: ChContext,
  server: ServerRecord,
  instanceId: string,
  link: CheckInLink,
  checkpoint: CheckpointRecord | undefined,
  nonce: { nonce: string; at: string },
): Promise<{ receipt: string; chain: ChainAnswer; server: ServerRecord } | 'replayed' | undefined> {
  if (ctx.database.dialect !== 'postgres' || link.counter < 2) return undefined;
  const at = ctx.clock.now();
  const receipt = signReceipt(ctx, server.serverId, link, at, checkpoint);
  const now = await checkInBatch(ctx.db).extend({
    serverId: server.serverId,
    instanceId,
    at: at.toISOString(),
    from: { counter: link.counter - 1, hash: link.prev },
    to: { ...link, hash: receiptHash(receipt), receipt },
    nonce,
  });
  if (!now.fresh) return 'replayed';
  return now.server && { receipt, chain: { outcome: 'extend', counter: link.counter }, server: now.server };
}

function signReceipt(ctx: ChContext, serverId: string, link: CheckInLink, at: Date, checkpoint: CheckpointRecord | undefined): string {
  const payload: CheckInReceiptPayload = {
    typ: 'opencal.check-in-receipt',
    sub: serverId,
    counter: link.counter,
    prev: link.prev,
    attempt: link.attempt,
    iat: Math.floor(at.getTime() / 1000),
    ...(checkpoint ? { checkpoint: { seq: checkpoint.seq, head: checkpoint.head, at: Math.floor(Date.parse(checkpoint.at) / 1000) } } : {}),
  };
  return signCompactJws(ctx.keys.signer(), payload);
}

const PROBLEM_TEXT: Record<ForkProblem, string> = {
  'same-predecessor': 'two check-ins extending the same receipt',
  'counter-went-back': 'a check-in counter going back',
  'unknown-predecessor': 'a check-in extending a receipt the other history never got',
};

/** One pending clone case per server at a time: later forks of the same copies add evidence to the check-ins table. */
async function openForkCase(
  trx: ChDb,
  log: ChangeLog,
  iso: string,
  server: ServerRecord,
  link: CheckInLink,
  head: StoredHead,
  problem: ForkProblem,
): Promise<string | undefined> {
  const pending = (await listCases(trx, { kind: 'clone', status: 'pending' })).find((c) => c.sourceServerId === server.serverId);
  if (pending) return formatCaseNumber(pending.number);
  const links = await checkInLinks(trx, server.serverId, Math.max(1, Math.min(link.counter, head.counter) - 3));
  const described = (l: (typeof links)[number]) => ({ counter: l.counter, prev: l.prev, receiptHash: l.receiptHash, instanceId: l.instanceId, at: l.at });
  const number = await insertCase(trx, {
    kind: 'clone',
    status: 'pending',
    flagged: true,
    channel: 'check-in',
    requestKey: `fork|${server.serverId}|${link.counter}|${link.attempt}`,
    pack: null,
    sourceServerId: server.serverId,
    targetServerId: null,
    orgId: server.orgId,
    reason: `the same license server ID checked in on two histories (${PROBLEM_TEXT[problem]})`,
    evidence: {
      serverId: server.serverId,
      problem,
      status: server.status,
      lastCheckIn: server.lastCheckInAt,
      head: { counter: head.counter, prev: head.prev, receiptHash: head.hash },
      forkAt: { counter: link.counter, prev: link.prev, genesis: link.prev === CHAIN_GENESIS },
      histories: {
        kept: links.filter((l) => l.outcome !== 'fork').map(described),
        second: links.filter((l) => l.outcome === 'fork').map(described),
      },
    },
    decisionReasons: ['CLONE_SUSPECTED'],
    at: iso,
  });
  if (number === undefined) return undefined;
  const caseNumber = formatCaseNumber(number);
  log.event(9011, { serverId: server.serverId, instances: `${PROBLEM_TEXT[problem]}, check-in ${link.counter}`, caseNumber });
  log.record({ actor: `server:${server.serverId}`, action: 'case.opened', subject: caseNumber, data: { kind: 'clone', problem, counter: link.counter } });
  return caseNumber;
}
