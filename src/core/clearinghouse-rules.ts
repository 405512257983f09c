/**
 * The clearinghouse's rules (DESIGN §3–§5), one named function each. Pure: `now` is a value.
 * The use cases gather facts from storage and call these; the API, the CLI, the console and the
 * diagnoser show their results. Nothing re-encodes them in SQL or in the UI.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { addDays, DAY_MS } from './clock';
import { isVersionHostable } from './license-server-rules';
import { err, ok, refusal, type Refusal, type Result } from './result';
import type { ActivationStatus, CalType, CalVersion, Program, ServerVersion } from './vocabulary';
import { AGREEMENT_PROGRAMS } from './vocabulary';

/** Thresholds of the migration decision; configuration with these defaults (docs/clearinghouse.md). */
export interface ClearinghouseThresholds {
  /** A source license server silent this many days counts as gone. */
  silenceDays: number;
  /** Reissues allowed per pack within `transferWindowDays` before a case needs an agent. */
  transferBudget: number;
  transferWindowDays: number;
}

export const DEFAULT_THRESHOLDS: ClearinghouseThresholds = { silenceDays: 30, transferBudget: 2, transferWindowDays: 365 };
/** A certificate is valid two years unless configured otherwise (rds-facts §2: the real validity is a gap). */
export const DEFAULT_CERTIFICATE_DAYS = 730;
/** A signed request's `iat` must be within this many seconds of the clearinghouse clock. */
export const DEFAULT_NONCE_WINDOW_SECONDS = 300;

// ---------------------------------------------------------------------------------------------
// Program data (rds-facts §3: what each program's install method asks for)

/** The program data a purchase carries, as the Install Licenses wizard asks for it. */
export interface ProgramData {
  /** Open License: 8 digits. */
  licenseNumber?: string;
  /** Open License: 15 alphanumeric characters. */
  authorizationNumber?: string;
  /** Select, Enterprise, Campus, School, SPLA, other agreements: 7 digits. */
  agreementNumber?: string;
}

function clean(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.replace(/[\s-]/g, '').toUpperCase();
  return v === '' ? undefined : v;
}

/** The program data a program keeps, normalized (no hyphens or spaces, upper case); other fields dropped. */
export function normalizeProgramData(program: Program, data: ProgramData): ProgramData {
  if (program === 'open') {
    const out: ProgramData = {};
    const l = clean(data.licenseNumber);
    const a = clean(data.authorizationNumber);
    if (l !== undefined) out.licenseNumber = l;
    if (a !== undefined) out.authorizationNumber = a;
    return out;
  }
  if (AGREEMENT_PROGRAMS.includes(program)) {
    const n = clean(data.agreementNumber);
    return n === undefined ? {} : { agreementNumber: n };
  }
  return {};
}

/**
 * Whether program data has the shape its program needs [fact: W32-OPEN, W32-AGR, W32-RETAIL]:
 * open = 8-digit license number + 15-character alphanumeric authorization number; agreements = 7-digit
 * agreement number; retail = none (the key is the proof).
 */
export function validateProgramData(program: Program, data: ProgramData): Result<ProgramData> {
  const d = normalizeProgramData(program, data);
  if (program === 'open') {
    if (!d.licenseNumber || !/^\d{8}$/.test(d.licenseNumber)) {
      return err(refusal('PROGRAM_DATA_INVALID', { field: 'licenseNumber' }));
    }
    if (!d.authorizationNumber || !/^[0-9A-Z]{15}$/.test(d.authorizationNumber)) {
      return err(refusal('PROGRAM_DATA_INVALID', { field: 'authorizationNumber' }));
    }
  } else if (AGREEMENT_PROGRAMS.includes(program)) {
    if (!d.agreementNumber || !/^\d{7}$/.test(d.agreementNumber)) {
      return err(refusal('PROGRAM_DATA_INVALID', { field: 'agreementNumber', program }));
    }
  }
  return ok(d);
}

/** Whether the program data stated in a request is the program data recorded with the pack. */
export function programDataMatches(program: Program, recorded: ProgramData, stated: ProgramData): boolean {
  const a = normalizeProgramData(program, recorded);
  const b = normalizeProgramData(program, stated);
  return a.licenseNumber === b.licenseNumber && a.authorizationNumber === b.authorizationNumber && a.agreementNumber === b.agreementNumber;
}

// ---------------------------------------------------------------------------------------------
// Validity and time

/** When a certificate issued at `now` expires. */
export function certificateExpiry(now: Date, certificateDays: number): Date {
  return addDays(now, certificateDays);
}

/** Whether a signed request made at `iatSeconds` is fresh enough to be accepted at `now`. */
/**
 * Whether activating an already-activated server may simply re-deliver its certificate (a retry after a lost
 * answer): only while that certificate is still valid. An expired one calls for a new certificate — the
 * "certificate expired" reactivation of ReactivateServerAutomatic (rds-facts §2).
 */
export function isCertificateCurrent(expiresAt: Date, now: Date): boolean {
  return expiresAt.getTime() > now.getTime();
}

export function isRequestFresh(iatSeconds: number, now: Date, windowSeconds: number): boolean {
  return Math.abs(now.getTime() / 1000 - iatSeconds) <= windowSeconds;
}

/**
 * A license server silent for `silenceDays` counts as gone: it has not checked in (or, never having
 * checked in, not been activated) for that long. `lastSeen` null means never seen at all.
 */
export function isSilent(lastSeen: Date | null, now: Date, silenceDays: number): boolean {
  if (lastSeen === null) return true;
  return now.getTime() - lastSeen.getTime() >= silenceDays * DAY_MS;
}

/** The earlier transfers of a pack that count against its budget at `now`. */
export function transfersInWindow(transfers: readonly Date[], now: Date, windowDays: number): Date[] {
  const from = now.getTime() - windowDays * DAY_MS;
  return transfers.filter((t) => t.getTime() > from && t.getTime() <= now.getTime());
}

/** Whether one more transfer stays within the budget, given the transfers already in the window. */
export function isWithinTransferBudget(transfersInWindowCount: number, budget: number): boolean {
  return transfersInWindowCount < budget;
}

// ---------------------------------------------------------------------------------------------
// Migration checks (DESIGN §5: in order, a stable code each)

/** The order in which a migration or reissue request is checked. The first failing check answers. */
export const MIGRATION_CHECK_ORDER = [
  'CODE_FORMAT',
  'MIGRATION_TARGET_UNKNOWN',
  'CODE_MAC_INVALID',
  'PACK_KEY_UNKNOWN',
  'PROGRAM_MISMATCH',
  'PROGRAM_DATA_MISMATCH',
  'CAL_TYPE_MISMATCH',
  'CAL_VERSION_MISMATCH',
  'TARGET_NOT_ACTIVATED',
  'VERSION_NOT_HOSTABLE',
] as const;

/** What the use case found out about a migration request, each fact looked up without changing anything. */
export interface MigrationFacts {
  /** the migration code's format/check result (a CODE_* refusal from decodeCode), or ok. */
  code: Result<unknown>;
  /** the target license server named by the code (or by the agent), if known. */
  target: { serverId: string; status: ActivationStatus; serverVersion: ServerVersion } | null;
  /** whether the code's MAC verifies for the target (true when no code was used, e.g. an agent typed the server ID). */
  macValid: boolean;
  /** the pack found by its key, if any. */
  pack: { number: number; program: Program; programData: ProgramData; calType: CalType; calVersion: CalVersion } | null;
  /** what the administrator stated. */
  stated: { program: Program; programData: ProgramData; calType: CalType; calVersion: CalVersion };
}

/** Runs the migration checks in MIGRATION_CHECK_ORDER. A refusal here comes before any case exists. */
export function checkMigration(facts: MigrationFacts): Result<void> {
  if (!facts.code.ok) return facts.code as { ok: false; error: Refusal };
  const target = facts.target;
  if (target === null) {
    return err(refusal('MIGRATION_TARGET_UNKNOWN'));
  }
  if (!facts.macValid) {
    return err(refusal('CODE_MAC_INVALID', { kind: 'migrationCode' }));
  }
  const pack = facts.pack;
  if (pack === null) {
    return err(refusal('PACK_KEY_UNKNOWN'));
  }
  const s = facts.stated;
  if (s.program !== pack.program) {
    return err(refusal('PROGRAM_MISMATCH', { expected: pack.program, stated: s.program }));
  }
  if (!programDataMatches(pack.program, pack.programData, s.programData)) {
    return err(refusal('PROGRAM_DATA_MISMATCH', { program: pack.program }));
  }
  if (s.calType !== pack.calType) {
    return err(refusal('CAL_TYPE_MISMATCH', { expected: pack.calType, stated: s.calType }));
  }
  if (s.calVersion !== pack.calVersion) {
    return err(refusal('CAL_VERSION_MISMATCH', { expected: pack.calVersion, stated: s.calVersion }));
  }
  if (target.status !== 'activated') {
    return err(refusal('TARGET_NOT_ACTIVATED', { serverId: target.serverId, status: target.status }));
  }
  if (!isVersionHostable(target.serverVersion, pack.calVersion)) {
    return err(versionNotHostable(target.serverVersion, pack.calVersion));
  }
  return ok(undefined);
}

export function versionNotHostable(serverVersion: ServerVersion, calVersion: CalVersion): Refusal {
  return refusal('VERSION_NOT_HOSTABLE', { serverVersion, calVersion });
}

// ---------------------------------------------------------------------------------------------
// The decision (DESIGN §5)

/** The evidence a migration decision rests on; it is stored with the case and shown to agents. */
export interface MigrationEvidence {
  /** the license server the pack was last granted to, if it ever was. */
  source: {
    serverId: string;
    status: ActivationStatus;
    /** last check-in, or the activation time when it never checked in (ISO). */
    lastSeen: string | null;
    /** whether the pack is still granted to it (false: released by deactivation or revoked). */
    holdsPack: boolean;
    /** a deactivation receipt from it was received. */
    receipt: boolean;
  } | null;
  /** the source server ID the migration code names (by prefix), when it names one and it matches. */
  sourceNamedInCode: boolean | null;
  /** approved transfers of this pack within the window (ISO times). */
  earlierTransfers: string[];
  /** the target's organization is the pack's organization. */
  organizationMatch: boolean;
  program: Program;
  /** retail packs only: the proof of purchase recorded with the pack was quoted. */
  proofOfPurchase: boolean | null;
  /** the pack was revoked (refunded or fraud): nothing may be reissued. */
  packRevoked: boolean;
}

export type MigrationDecision =
  | { decision: 'approve'; reasons: string[] }
  | { decision: 'pending'; reasons: string[] }
  | { decision: 'rejected'; reasons: string[] };

/** Why a case is pending or rejected; stable words shown to agents and used by the diagnoser. */
export const DECISION_REASONS = {
  SOURCE_CHECKED_IN_RECENTLY: 'the source license server checked in recently and has not deactivated',
  TRANSFER_BUDGET_EXCEEDED: 'the pack was already transferred as often as its budget allows this year',
  ORGANIZATION_MISMATCH: 'the target license server belongs to another organization than the pack',
  RETAIL_WITHOUT_PROOF_OF_PURCHASE: 'a retail pack without a quoted proof of purchase',
  PACK_REVOKED: 'the pack was revoked',
} as const;
export type DecisionReason = keyof typeof DECISION_REASONS;

/** Whether the source license server counts as gone: never had it, released it, deactivated, invalidated, or silent. */
export function isSourceGone(source: MigrationEvidence['source'], now: Date, silenceDays: number): boolean {
  if (source === null) return true;
  if (!source.holdsPack) return true;
  if (source.receipt || source.status === 'deactivated' || source.status === 'invalidated') return true;
  return isSilent(source.lastSeen === null ? null : new Date(source.lastSeen), now, silenceDays);
}

/**
 * DESIGN §5: approve at once when the evidence is enough — same organization, the source is gone
 * (deactivated with a receipt, or silent past the threshold), the pack within its transfer budget, and for
 * retail a proof of purchase; pending otherwise, listing why, for an agent; rejected when the pack is revoked.
 */
export function decideMigration(evidence: MigrationEvidence, now: Date, thresholds: ClearinghouseThresholds = DEFAULT_THRESHOLDS): MigrationDecision {
  if (evidence.packRevoked) return { decision: 'rejected', reasons: ['PACK_REVOKED'] };
  const reasons: DecisionReason[] = [];
  if (!isSourceGone(evidence.source, now, thresholds.silenceDays)) reasons.push('SOURCE_CHECKED_IN_RECENTLY');
  const inWindow = transfersInWindow(evidence.earlierTransfers.map((t) => new Date(t)), now, thresholds.transferWindowDays);
  if (!isWithinTransferBudget(inWindow.length, thresholds.transferBudget)) reasons.push('TRANSFER_BUDGET_EXCEEDED');
  if (!evidence.organizationMatch) reasons.push('ORGANIZATION_MISMATCH');
  if (evidence.program === 'retail' && evidence.proofOfPurchase !== true) reasons.push('RETAIL_WITHOUT_PROOF_OF_PURCHASE');
  return reasons.length === 0 ? { decision: 'approve', reasons: [] } : { decision: 'pending', reasons };
}

// ---------------------------------------------------------------------------------------------
// Case numbers

/** `CH-000123`: the number quoted on the phone. */
export function formatCaseNumber(n: number): string {
  return `CH-${String(n).padStart(6, '0')}`;
}

/** Accepts `CH-000123`, `ch-123`, `000123` or `123`. */
export function parseCaseNumber(text: string): number | undefined {
  const m = /^\s*(?:CH-?)?0*(\d{1,12})\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

// ---------------------------------------------------------------------------------------------
// Audit chain (DESIGN §5: append-only, hash-chained)

/** One audit record as it is hashed: everything but its own hash. */
export interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  data: unknown;
  prevHash: string;
}

/** JSON with object keys sorted at every level, so the same record always hashes to the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (value === undefined) return 'null';
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** hash = sha256(previous hash ‖ canonical JSON of the record), hex. */
export function auditHash(record: AuditRecord): string {
  return bytesToHex(sha256(utf8ToBytes(record.prevHash + canonicalJson(record))));
}

export type AuditVerification =
  | { ok: true; records: number }
  | { ok: false; records: number; firstBroken: { seq: number; problem: 'hash-mismatch' | 'previous-hash-mismatch' | 'sequence-gap' } };

/**
 * Walks the chain from the genesis hash: each record must follow the previous one (seq + 1), name its hash
 * as `prevHash`, and hash to what it stores. Reports the first broken link.
 */
export function verifyAuditChain(records: readonly (AuditRecord & { hash: string })[], genesisHash: string): AuditVerification {
  let prev = genesisHash;
  let expectedSeq = records[0]?.seq ?? 1;
  for (const r of records) {
    if (r.seq !== expectedSeq) return { ok: false, records: records.length, firstBroken: { seq: expectedSeq, problem: 'sequence-gap' } };
    if (r.prevHash !== prev) return { ok: false, records: records.length, firstBroken: { seq: r.seq, problem: 'previous-hash-mismatch' } };
    const { hash, ...rest } = r;
    if (auditHash(rest) !== hash) return { ok: false, records: records.length, firstBroken: { seq: r.seq, problem: 'hash-mismatch' } };
    prev = hash;
    expectedSeq += 1;
  }
  return { ok: true, records: records.length };
}
