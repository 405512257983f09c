/**
 * Migration and reissue — the heart of the source document. The portal takes the 45-character migration code
 * made by the new (target) license server, the pack key, and the program, CAL type and version as stated by
 * the administrator. The checks of MIGRATION_CHECK_ORDER run on facts looked up without changing anything; a
 * refusal there changes nothing. Then a numbered case is opened and decided by decideMigration(): approved at
 * once (reissue), pending for an agent with the evidence listed, or rejected. An identical request (same code,
 * same pack) finds the same case. Approval = reissue: the pack moves to the target with grant serial + 1, the
 * source's grant is invalidated and put on the signed revocation list, the target gets its key pack ID (and the
 * grant at its next check-in), and everything is audited.
 */
import { forgetChainHead } from './chain.repository';
import { createHash } from 'node:crypto';
import {
  checkMigration,
  DECISION_REASONS,
  decideMigration,
  formatCaseNumber,
  type MigrationEvidence,
  type MigrationFacts,
  type ProgramData,
} from '../core/clearinghouse-rules';
import type { CaseView } from '../core/wire/clearinghouse';
import { dateFromDayNumber, decodeCode, isCodeExpired, serverIdPrefix, verifyCodeMac, type DecodedCode } from '../core/codes/index';
import { ok, refuse, type Result } from '../core/result';
import { MIGRATION_REASONS, type CalType, type CalVersion, type CaseStatus, type Program } from '../core/vocabulary';
import {
  decideCase,
  endGrant,
  endServerActivation,
  findCase,
  findCaseByKey,
  findPack,
  findServer,
  findServersByPrefix,
  insertCase,
  insertGrant,
  insertRevocation,
  latestApprovedCaseFor,
  latestGrantOf,
  listCases,
  movePack,
  releasePacksOf,
  transfersOf,
  type CaseKind,
  type CaseRecord,
  type ChDb,
  type PackRecord,
  type ServerRecord,
} from './clearinghouse.repository';
import { type Actor, type ChangeLog, type ChContext } from './context';
import { deactivateInTx, readReceipt } from './activation.usecase';
import { findPackByKey, normalizeProof } from './directory.usecase';
import { keyPackId, macKeyFor, signGrant } from './documents';

export interface MigrationRequest {
  /** the 45-character migration code made on the target (portal, or read over the phone). */
  migrationCode?: string;
  /** phone only: the target's license server ID read by the caller, when there is no migration code. */
  targetServerId?: string;
  packKey: string;
  program: Program;
  calType: CalType;
  calVersion: CalVersion;
  programData: ProgramData;
  /** optional: the source's 35-character deactivation receipt. */
  receipt?: string;
  /** retail: the invoice or receipt reference recorded with the pack. */
  proofOfPurchase?: string;
  /** phone reissue without a code: replaced, not-functioning or reinstalled. */
  migrationReason?: string;
}

export type { CaseView } from '../core/wire/clearinghouse';

const REASON_TEXTS: Record<string, string> = {
  ...DECISION_REASONS,
  CLONE_SUSPECTED: 'the same license server ID checked in from two installations',
  PHANTOM_LICENSES: 'the license server still reports CALs issued from a pack whose grant was invalidated',
  PACK_NOT_GRANTED: 'the license server reports a key pack the clearinghouse never granted to it (a key pack ID it could have made itself)',
  ACTIVATION_NOT_MADE: 'the license server reports an activation the clearinghouse never made for it (a confirmation it could have made itself)',
};

export function caseView(c: CaseRecord): CaseView {
  return {
    caseNumber: formatCaseNumber(c.number),
    kind: c.kind,
    status: c.status,
    flagged: c.flagged,
    channel: c.channel,
    pack: c.pack,
    sourceServerId: c.sourceServerId,
    targetServerId: c.targetServerId,
    orgId: c.orgId,
    reason: c.reason,
    evidence: c.evidence,
    decisionReasons: c.decisionReasons.map((code) => ({ code, text: REASON_TEXTS[code] ?? code })),
    ...(c.keyPackId !== null ? { keyPackId: c.keyPackId } : {}),
    ...(c.grantSeq !== null ? { grantSeq: c.grantSeq } : {}),
    ...(c.decidedBy !== null ? { decidedBy: c.decidedBy } : {}),
    ...(c.decisionNote !== null ? { decisionNote: c.decisionNote } : {}),
    createdAt: c.createdAt,
    ...(c.decidedAt !== null ? { decidedAt: c.decidedAt } : {}),
  };
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

interface Checked {
  target: ServerRecord;
  pack: PackRecord;
  code: DecodedCode<'migrationCode'> | null;
  requestKey: string;
  migrationReason: string | null;
}

/** Gathers the facts of a request (lookups only) and runs the ordered checks. */
async function checkRequest(ctx: ChContext, req: MigrationRequest, submitterOrg: string | undefined): Promise<Result<Checked>> {
  let code: DecodedCode<'migrationCode'> | null = null;
  let codeResult: Result<unknown> = ok(undefined);
  let targetId: string | null = null;
  if (req.migrationCode !== undefined) {
    const d = decodeCode(req.migrationCode, 'migrationCode');
    if (d.ok) code = d.value;
    else codeResult = d;
  } else if (req.targetServerId !== undefined) {
    const d = decodeCode(req.targetServerId, 'licenseServerId');
    if (d.ok) targetId = d.value.formatted;
    else codeResult = d;
  } else {
    return refuse('MIGRATION_CODE_REQUIRED');
  }
  const key = decodeCode(req.packKey, 'packKey');
  if (codeResult.ok && !key.ok) codeResult = key;

  let target: ServerRecord | null = null;
  let macValid = false;
  if (codeResult.ok) {
    if (code) {
      const candidates = await findServersByPrefix(ctx.db, code.fields.target);
      const verified = candidates.find((s) => verifyCodeMac(code!, macKeyFor(ctx, s.publicKey)).ok);
      target = verified ?? candidates[0] ?? null;
      macValid = verified !== undefined;
    } else if (targetId !== null) {
      target = (await findServer(ctx.db, targetId)) ?? null;
      macValid = true;
    }
    // An organization migrates to its own license servers only; another's is as good as unknown to it.
    if (target && submitterOrg !== undefined && target.orgId !== submitterOrg) target = null;
    // A migration code lives `migrationCodeDays` (issue 13: one dated 2020 opened a case): refused before any case.
    if (code && target && macValid && isCodeExpired(code.fields.day, ctx.clock.now(), ctx.config.migrationCodeDays)) {
      return refuse('CODE_EXPIRED', {
        kind: 'migrationCode',
        madeOn: dateFromDayNumber(code.fields.day).toISOString().slice(0, 10),
        maxAgeDays: ctx.config.migrationCodeDays,
      });
    }
  }
  let pack: PackRecord | null = null;
  if (codeResult.ok && key.ok) {
    const found = await findPackByKey(ctx, req.packKey);
    pack = found.ok ? found.value : null;
  }
  const facts: MigrationFacts = {
    code: codeResult,
    target: target && { serverId: target.serverId, status: target.status, serverVersion: target.serverVersion },
    macValid,
    pack: pack && { number: pack.number, program: pack.program, programData: pack.programData, calType: pack.calType, calVersion: pack.calVersion },
    stated: { program: req.program, programData: req.programData, calType: req.calType, calVersion: req.calVersion },
  };
  const checked = checkMigration(facts);
  if (!checked.ok) return checked;
  const migrationReason = code?.fields.reason ?? (req.migrationReason && (MIGRATION_REASONS as readonly string[]).includes(req.migrationReason) ? req.migrationReason : null);
  const requestKey = code
    ? sha256(`migration|${code.normalized}|${pack!.number}`)
    : sha256(`reissue|${target!.serverId}|${pack!.number}|${pack!.grantSeq}`);
  return ok({ target: target!, pack: pack!, code, requestKey, migrationReason });
}

/** The evidence of DESIGN §5, as stored with the case and shown to agents. */
async function gatherEvidence(
  ctx: ChContext,
  checked: Checked,
  req: MigrationRequest,
  receiptFor: ServerRecord | null,
): Promise<{ evidence: MigrationEvidence & Record<string, unknown>; source: ServerRecord | null }> {
  const { pack, target, code } = checked;
  const last = await latestGrantOf(ctx.db, pack.number);
  const source = last && last.serverId !== target.serverId ? ((await findServer(ctx.db, last.serverId)) ?? null) : null;
  const holdsPack = source !== null && pack.serverId === source.serverId && last?.status === 'active';
  const receipt = source !== null && (source.receiptAt !== null || receiptFor?.serverId === source.serverId);
  const sourceNamedInCode = code && code.fields.source !== 0n && source ? serverIdPrefix(source.serverId, 40) === code.fields.source : null;
  const transfers = await transfersOf(ctx.db, pack.number);
  const proof = pack.program === 'retail' ? pack.proofOfPurchase !== null && normalizeProof(req.proofOfPurchase) === pack.proofOfPurchase : null;
  const evidence = {
    source: source && {
      serverId: source.serverId,
      status: source.status,
      lastSeen: source.lastCheckInAt ?? source.activatedAt,
      // What is shown to people: the real last check-in (null: never) beside the activation the rule falls back on.
      lastCheckIn: source.lastCheckInAt,
      activatedAt: source.activatedAt,
      holdsPack,
      receipt,
      // when the clearinghouse recorded the source's deactivation receipt (null: none, or it came with this request)
      receiptAt: source.receiptAt,
    },
    sourceLastCheckIn: source?.lastCheckInAt ?? null,
    sourceNamedInCode,
    earlierTransfers: transfers,
    organizationMatch: pack.orgId !== null && pack.orgId === target.orgId,
    packOrganization: pack.orgId,
    targetOrganization: target.orgId,
    program: pack.program,
    proofOfPurchase: proof,
    packRevoked: pack.status === 'revoked',
    thresholds: { silenceDays: ctx.config.silenceDays, transferBudget: ctx.config.transferBudget, transferWindowDays: ctx.config.transferWindowDays },
  };
  return { evidence, source };
}

class CaseExists {
  constructor(readonly requestKey: string) {}
}

/**
 * A migration from the portal (`channel: 'portal'`, the target's organization submits) or a reissue by an
 * agent on the phone (`channel: 'phone'`: the agent is the reviewer, so the case is approved unless the pack
 * is revoked; an identical pending portal case is approved rather than duplicated).
 */
export async function submitMigration(
  ctx: ChContext,
  req: MigrationRequest,
  who: { channel: 'portal'; orgId: string; actor: Actor } | { channel: 'phone'; agentId: string; note: string; actor: Actor },
): Promise<Result<CaseView>> {
  const checked = await checkRequest(ctx, req, who.channel === 'portal' ? who.orgId : undefined);
  if (!checked.ok) return checked;
  const { target, pack, requestKey } = checked.value;

  const existing = await findCaseByKey(ctx.db, requestKey);
  if (existing) {
    if (who.channel === 'phone' && existing.status === 'pending') return approveCase(ctx, existing.number, who.agentId, who.note);
    return ok(caseView(existing));
  }
  if (pack.serverId === target.serverId) {
    const done = await latestApprovedCaseFor(ctx.db, pack.number, target.serverId);
    if (done) return ok(caseView(done));
    return refuse(
      'PACK_ALREADY_ON_TARGET',
      { pack: pack.number, serverId: target.serverId },
    );
  }
  let receiptServer: ServerRecord | null = null;
  if (req.receipt !== undefined && req.receipt !== '') {
    const r = await readReceipt(ctx, req.receipt);
    if (!r.ok) return r;
    receiptServer = r.value;
  }
  const { evidence, source } = await gatherEvidence(ctx, checked.value, req, receiptServer);
  if (receiptServer && receiptServer.serverId !== source?.serverId) {
    return refuse('RECEIPT_NOT_FOR_SOURCE', {
      serverId: receiptServer.serverId,
    });
  }
  const decision = decideMigration(evidence, ctx.clock.now(), ctx.config);
  const kind: CaseKind = who.channel === 'phone' ? 'reissue' : 'migration';

  const result = await ctx.change(async (trx, log, at) => {
    if (receiptServer && receiptServer.status === 'activated') await deactivateInTx(trx, log, at, receiptServer, 'receipt', who.actor);
    const status: CaseStatus = decision.decision === 'rejected' ? 'rejected' : decision.decision === 'pending' && who.channel === 'portal' ? 'pending' : 'submitted';
    const number = await insertCase(trx, {
      kind,
      status,
      flagged: false,
      channel: who.channel,
      requestKey,
      pack: pack.number,
      sourceServerId: source?.serverId ?? null,
      targetServerId: target.serverId,
      orgId: target.orgId,
      reason: checked.value.migrationReason,
      evidence,
      decisionReasons: decision.reasons,
      at: at.toISOString(),
    });
    if (number === undefined) throw new CaseExists(requestKey);
    const caseNumber = formatCaseNumber(number);
    log.event(9007, {
      caseNumber,
      kind,
      pack: pack.number,
      target: target.serverId,
      status: status === 'submitted' ? 'approved' : status,
      why: decision.reasons.length > 0 ? ` (${decision.reasons.join(', ')})` : '',
    });
    log.record({
      actor: who.actor,
      action: 'case.opened',
      subject: caseNumber,
      data: { kind, channel: who.channel, pack: pack.number, target: target.serverId, source: source?.serverId ?? null, decision: decision.decision, reasons: decision.reasons, evidence },
    });
    if (status === 'rejected') {
      await decideCase(trx, number, ['rejected'], { status: 'rejected', decidedBy: 'clearinghouse', note: 'the pack was revoked', at: at.toISOString() });
      log.event(9009, { caseNumber, decidedBy: 'clearinghouse', note: 'the pack was revoked' });
    }
    if (status === 'submitted') {
      const decidedBy = who.channel === 'phone' ? `agent:${who.agentId}` : 'clearinghouse';
      const note = who.channel === 'phone' ? who.note : 'approved at once: the evidence is enough (DESIGN §5)';
      const r = await reissueInTx(ctx, trx, log, at, number, target, decidedBy, note, who.actor);
      if (!r.ok) return r;
    }
    const c = await findCase(trx, number);
    return ok(caseView(c!));
  }).catch(async (error: unknown) => {
    if (error instanceof CaseExists) {
      const c = await findCaseByKey(ctx.db, error.requestKey);
      if (c) return ok(caseView(c));
    }
    throw error;
  });
  return result;
}

/**
 * The reissue, in the caller's transaction: moves the pack (conditional on its grant serial), invalidates the
 * source's grant and lists it on the revocation list, signs the target's grant and key pack ID, and approves
 * the case (conditional on it not being decided yet).
 */
async function reissueInTx(
  ctx: ChContext,
  trx: ChDb,
  log: ChangeLog,
  at: Date,
  caseNo: number,
  target: ServerRecord,
  decidedBy: string,
  note: string,
  actor: Actor,
): Promise<Result<void>> {
  const iso = at.toISOString();
  const caseNumber = formatCaseNumber(caseNo);
  const c = await findCase(trx, caseNo);
  const pack = c?.pack != null ? await findPack(trx, c.pack) : undefined;
  if (!c || !pack) throw new Error(`case ${caseNumber} has no pack`);
  if (pack.status === 'revoked') return refuse('PACK_REVOKED', { problem: 'reissue' });
  if (pack.serverId === target.serverId) {
    return refuse('PACK_ALREADY_ON_TARGET', { pack: pack.number, serverId: target.serverId });
  }
  const oldHolder = pack.serverId;
  const oldSeq = pack.grantSeq;
  const seq = await movePack(trx, pack.number, oldSeq, target.serverId, iso);
  if (seq === undefined) return refuse('CONFLICT');
  if (oldHolder !== null) {
    await endGrant(trx, pack.number, oldSeq, 'invalidated', iso, caseNumber);
    await insertRevocation(trx, { kind: 'grant', serverId: oldHolder, pack: pack.number, seq: oldSeq, caseNumber, reason: 'reissued', at: iso });
  }
  const grant = await signGrant(ctx, pack, target.serverId, seq, at);
  const id = keyPackId(ctx, target.publicKey, pack, seq);
  await insertGrant(trx, { pack: pack.number, seq, serverId: target.serverId, jws: grant, keyPackId: id, at: iso, caseNumber });
  const decided = await decideCase(trx, caseNo, ['submitted', 'pending'], { status: 'approved', decidedBy, note, at: iso, keyPackId: id, grantSeq: seq });
  if (!decided) return refuse('CASE_ALREADY_DECIDED', { caseNumber });
  log.event(9010, { pack: pack.number, source: oldHolder ?? 'none', target: target.serverId, seq, caseNumber });
  log.event(9008, { caseNumber, decidedBy, note });
  log.record({
    actor,
    action: 'pack.reissued',
    subject: `pack:${pack.number}`,
    data: { caseNumber, from: oldHolder, fromSeq: oldSeq, to: target.serverId, seq, revoked: oldHolder !== null },
  });
  log.record({ actor, action: 'case.approved', subject: caseNumber, data: { decidedBy, note, keyPackId: id, grantSeq: seq } });
  return ok(undefined);
}

function requireNote(note: unknown): Result<string> {
  if (typeof note !== 'string' || note.trim() === '') return refuse('REASON_REQUIRED');
  return ok(note.trim());
}

/** An agent approves a pending case: for a migration, the reissue; for a clone, the server's invalidation. */
export async function approveCase(ctx: ChContext, number: number, agentId: string, reason: unknown): Promise<Result<CaseView>> {
  const note = requireNote(reason);
  if (!note.ok) return note;
  const c = await findCase(ctx.db, number);
  if (!c) return refuse('CASE_NOT_FOUND', { caseNumber: formatCaseNumber(number) });
  if (c.status === 'approved') return ok(caseView(c));
  if (c.status !== 'pending') return refuse('CASE_ALREADY_DECIDED', { caseNumber: formatCaseNumber(number), status: c.status, decision: 'approve' });
  const actor = `agent:${agentId}`;
  const caseNumber = formatCaseNumber(number);
  if (c.kind === 'migration' || c.kind === 'reissue') {
    const target = c.targetServerId !== null ? await findServer(ctx.db, c.targetServerId) : undefined;
    if (!target || target.status !== 'activated') {
      return refuse('TARGET_NOT_ACTIVATED', { serverId: c.targetServerId ?? '', step: 'approve' });
    }
    const r = await ctx.change(async (trx, log, at) => {
      const done = await reissueInTx(ctx, trx, log, at, number, target, actor, note.value, actor);
      return done.ok ? ok(undefined) : done;
    });
    if (!r.ok) return r;
  } else {
    const r = await ctx.change(async (trx, log, at) => {
      if (!(await decideCase(trx, number, ['pending'], { status: 'approved', decidedBy: actor, note: note.value, at: at.toISOString() }))) {
        return refuse('CASE_ALREADY_DECIDED', { caseNumber });
      }
      if (c.kind === 'clone' && c.sourceServerId !== null) await invalidateServerInTx(trx, log, at, c.sourceServerId, caseNumber, actor);
      log.event(9008, { caseNumber, decidedBy: actor, note: note.value });
      log.record({ actor, action: 'case.approved', subject: caseNumber, data: { kind: c.kind, note: note.value } });
      return ok(undefined);
    });
    if (!r.ok) return r;
  }
  return ok(caseView((await findCase(ctx.db, number))!));
}

/** A confirmed clone: the server's activation is invalidated and every pack it held is released and revoked. */
async function invalidateServerInTx(trx: ChDb, log: ChangeLog, at: Date, serverId: string, caseNumber: string, actor: Actor): Promise<void> {
  const iso = at.toISOString();
  if (!(await endServerActivation(trx, serverId, 'invalidated', iso, `clone confirmed (${caseNumber})`, false))) return;
  const released = await releasePacksOf(trx, serverId, iso);
  for (const r of released) {
    await endGrant(trx, r.pack, r.seq, 'invalidated', iso, caseNumber);
    await insertRevocation(trx, { kind: 'grant', serverId, pack: r.pack, seq: r.seq, caseNumber, reason: 'clone', at: iso });
  }
  await insertRevocation(trx, { kind: 'server', serverId, pack: null, seq: null, caseNumber, reason: 'clone', at: iso });
  log.record({ actor, action: 'server.invalidated', subject: `server:${serverId}`, data: { caseNumber, released: released.map((r) => r.pack) } });
}

export async function rejectCase(ctx: ChContext, number: number, agentId: string, reason: unknown): Promise<Result<CaseView>> {
  const note = requireNote(reason);
  if (!note.ok) return note;
  const c = await findCase(ctx.db, number);
  if (!c) return refuse('CASE_NOT_FOUND', { caseNumber: formatCaseNumber(number) });
  if (c.status === 'rejected') return ok(caseView(c));
  if (c.status !== 'pending') return refuse('CASE_ALREADY_DECIDED', { caseNumber: formatCaseNumber(number), status: c.status, decision: 'reject' });
  const actor = `agent:${agentId}`;
  const caseNumber = formatCaseNumber(number);
  const r = await ctx.change(async (trx, log, at) => {
    if (!(await decideCase(trx, number, ['pending'], { status: 'rejected', decidedBy: actor, note: note.value, at: at.toISOString() }))) {
      return refuse('CASE_ALREADY_DECIDED', { caseNumber });
    }
    // No clone after all (a data directory restored from a backup, a copy destroyed): the chain starts again.
    if (c.kind === 'clone' && c.sourceServerId !== null) await forgetChainHead(trx, c.sourceServerId);
    log.event(9009, { caseNumber, decidedBy: actor, note: note.value });
    log.record({ actor, action: 'case.rejected', subject: caseNumber, data: { note: note.value } });
    return ok(undefined);
  });
  if (!r.ok) return r;
  return ok(caseView((await findCase(ctx.db, number))!));
}

export async function getCase(ctx: ChContext, number: number, orgId?: string): Promise<Result<CaseView>> {
  const c = await findCase(ctx.db, number);
  if (!c || (orgId !== undefined && c.orgId !== orgId)) return refuse('CASE_NOT_FOUND', { caseNumber: formatCaseNumber(number), problem: 'org' });
  return ok(caseView(c));
}

export async function cases(ctx: ChContext, filter: { orgId?: string; status?: CaseStatus; kind?: CaseKind } = {}): Promise<CaseView[]> {
  return (await listCases(ctx.db, filter)).map(caseView);
}
