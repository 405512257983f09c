/**
 * License server activation at the clearinghouse (DESIGN §5, rds-facts §2): auto (signed request + the
 * organization's token), web and phone (the 60-character product ID -> a 35-character activation
 * confirmation), reactivation with a reason, deactivation (signed request, or the 35-character receipt a
 * deactivated server shows, typed on the portal), check-in and holdings.
 */
import { checkInBatch } from './check-in-batch';
import { dayNumber, decodeCode, publicKeyFromProductId, licenseServerIdFromPublicKey, serverIdPrefix, verifyCodeMac } from '../core/codes/index';
import { ok, refuse, type Result } from '../core/result';
import { CAL_TYPES, isCalVersion, PROGRAMS, REACTIVATION_REASONS, type ActivationMethod, type CalType, type Program, type ServerVersion } from '../core/vocabulary';
import { base64urlEncode } from '../trust/index';
import {
  activationSerialsOf,
  useNonce,
  closeClaim,
  confirmServer,
  endGrant,
  endOpenClaims,
  endServerActivation,
  findOrganization,
  findServer,
  findServersByPrefix,
  grantsOfServer,
  insertActivation,
  insertCase,
  insertClaim,
  openClaimsOf,
  packsWithGrants,
  releasePacksOfOrgOn,
  insertRevocation,
  markReceipt,
  recordCheckIn,
  releasePacksOf,
  setServerCertificate,
  upsertServerActivation,
  type ChDb,
  type ClaimRecord,
  type GrantRecord,
  type PackRecord,
  type ServerRecord,
} from './clearinghouse.repository';
import { type Actor, type ChangeLog, type ChContext } from './context';
import { activationConfirmation, macKeyFor, signCertificate, signedRevocationList } from './documents';
import { formatCaseNumber, isCertificateCurrent } from '../core/clearinghouse-rules';
import type { CheckInAnswer, DeactivationAnswer } from '../core/wire/clearinghouse';
import { latestCheckpoint } from './chain.repository';
import { extendInOneStatement, parseCheckInLink, placeCheckIn, type ChainAnswer } from './check-in-chain.usecase';
import type { CheckInLink } from '../core/fork-rules';
import { checkSignedRequest, pruneNoncesIfDue, type PendingNonce } from './signed-request';

/** What the real wizard requires for activation [fact: W32-LS]: first name, last name, company, country. */
export interface CompanyDetails {
  firstName: string;
  lastName: string;
  company: string;
  country: string;
  [optional: string]: string;
}

const REQUIRED_COMPANY_FIELDS = ['firstName', 'lastName', 'company', 'country'] as const;

export function checkCompany(company: unknown): Result<Record<string, string>> {
  const c = (typeof company === 'object' && company !== null ? company : {}) as Record<string, unknown>;
  const missing = REQUIRED_COMPANY_FIELDS.filter((f) => typeof c[f] !== 'string' || (c[f] as string).trim() === '');
  if (missing.length > 0) {
    return refuse(
      'COMPANY_DETAILS_REQUIRED',
      { missing },
    );
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c)) if (typeof v === 'string' && v.trim() !== '') out[k] = v.trim();
  return ok(out);
}

function checkVersion(serverVersion: unknown): Result<ServerVersion> {
  if (!isCalVersion(serverVersion)) return refuse('SERVER_VERSION_INVALID');
  return ok(serverVersion);
}

function invalidated(server: ServerRecord) {
  return refuse(
    'SERVER_INVALIDATED',
    { serverId: server.serverId, ...(server.statusReason ? { reason: server.statusReason } : {}) },
  );
}

interface Activated {
  serverId: string;
  serial: number;
  certificate: string;
  expiresAt: Date;
}

/** Activates (first time, or again after a deactivation) or reactivates a server, in the caller's transaction. */
async function activateInTx(
  ctx: ChContext,
  trx: ChDb,
  log: ChangeLog,
  at: Date,
  a: {
    serverId: string;
    pub: string;
    orgId: string | null;
    method: ActivationMethod;
    serverVersion: ServerVersion;
    company: Record<string, string>;
    kind: 'activate' | 'reactivate';
    reason: string | null;
    actor: Actor;
    /** proven by a signed request (auto), or a renewal of a confirmed activation; false: a web/phone claim */
    confirmed: boolean;
  },
): Promise<Activated> {
  await upsertServerActivation(trx, {
    confirmedAt: a.confirmed ? at.toISOString() : null,
    serverId: a.serverId,
    idPrefix: serverIdPrefix(a.serverId),
    publicKey: a.pub,
    orgId: a.orgId,
    method: a.method,
    serverVersion: a.serverVersion,
    company: a.company,
    at: at.toISOString(),
    reason: a.reason,
  });
  const validUntil = new Date(at.getTime() + ctx.config.certificateDays * 86_400_000);
  const serial = await insertActivation(trx, {
    serverId: a.serverId,
    kind: a.kind,
    method: a.method,
    reason: a.reason,
    orgId: a.orgId,
    at: at.toISOString(),
    validUntil: validUntil.toISOString(),
  });
  const { certificate, expiresAt } = await signCertificate(
    ctx,
    { serverId: a.serverId, pub: a.pub, orgId: a.orgId, method: a.method, serverVersion: a.serverVersion, serial },
    at,
  );
  await setServerCertificate(trx, a.serverId, { serial, certificate, expiresAt: expiresAt.toISOString() });
  if (a.kind === 'activate') {
    log.event(9001, { serverId: a.serverId, method: a.method, serverVersion: a.serverVersion, orgId: a.orgId ?? 'none', serial });
  } else {
    log.event(9002, { serverId: a.serverId, reason: a.reason, serial });
  }
  log.record({
    actor: a.actor,
    action: a.kind === 'activate' ? 'server.activated' : 'server.reactivated',
    subject: `server:${a.serverId}`,
    data: { method: a.method, serverVersion: a.serverVersion, orgId: a.orgId, serial, reason: a.reason, company: a.company, expiresAt: expiresAt.toISOString() },
  });
  return { serverId: a.serverId, serial, certificate, expiresAt };
}

/** Auto activation: a signed request from the server plus its organization's token. */
export async function activateAuto(
  ctx: ChContext,
  req: { serverId: string; pub: string; body: { company?: unknown; serverVersion?: unknown } },
  orgId: string,
): Promise<Result<{ certificate: string }>> {
  const company = checkCompany(req.body.company);
  if (!company.ok) return company;
  const version = checkVersion(req.body.serverVersion);
  if (!version.ok) return version;
  if (!(await findOrganization(ctx.db, orgId))) return refuse('ORG_NOT_FOUND', { problem: 'token' });
  const existing = await findServer(ctx.db, req.serverId);
  if (existing?.status === 'invalidated') return invalidated(existing);
  const confirmed = existing?.status === 'activated' && existing.confirmedAt !== null;
  const renewal = confirmed && !isCertificateCurrent(new Date(existing.certificateExpiresAt), ctx.clock.now());
  if (confirmed) {
    if (existing.orgId !== orgId) return alreadyActivatedElsewhere(existing);
    // A retry after a lost answer: the same activation again, while its certificate is valid.
    if (!renewal) return ok({ certificate: existing.certificate });
  }
  // An activated but unconfirmed server (a web or phone claim, perhaps another organization's squatting on its
  // public product ID): this signed request proves possession of the key, with this organization's token.
  const claimed = existing?.status === 'activated' && !confirmed;
  return ctx.change(async (trx, log, at) => {
    const a = await activateInTx(ctx, trx, log, at, {
      serverId: req.serverId,
      pub: req.pub,
      orgId,
      method: 'auto',
      serverVersion: version.value,
      company: company.value,
      kind: renewal ? 'reactivate' : 'activate',
      reason: renewal ? 'certificate-expired' : existing && !claimed ? 'activated again after deactivation' : null,
      actor: `org:${orgId}`,
      confirmed: true,
    });
    if (claimed) await settleClaims(trx, log, at, req.serverId, { orgId, serial: a.serial, proof: 'signed auto activation' });
    return ok({ certificate: a.certificate });
  });
}

/**
 * The server proved possession of its key for `winner`: every open claim is closed — the winner's organization's
 * as confirmed, the others' as dropped, with the packs those organizations installed on it released (their
 * grants ended and listed on the revocation list) and event 9023 each. Event 9022 records the proof.
 */
async function settleClaims(
  trx: ChDb,
  log: ChangeLog,
  at: Date,
  serverId: string,
  winner: { orgId: string; serial: number; proof: string },
): Promise<void> {
  const iso = at.toISOString();
  for (const claim of await openClaimsOf(trx, serverId)) {
    if (claim.orgId === winner.orgId) {
      await closeClaim(trx, claim.serial, 'confirmed', iso);
      continue;
    }
    if (!(await closeClaim(trx, claim.serial, 'dropped', iso))) continue;
    const released = await releasePacksOfOrgOn(trx, serverId, claim.orgId, iso);
    for (const r of released) {
      await endGrant(trx, r.pack, r.seq, 'released', iso, null);
      await insertRevocation(trx, { kind: 'grant', serverId, pack: r.pack, seq: r.seq, caseNumber: null, reason: 'activation claim dropped', at: iso });
    }
    log.event(9023, { serverId, orgId: claim.orgId, serial: claim.serial, ownerOrgId: winner.orgId, releasedPacks: released.length });
    log.record({
      actor: `server:${serverId}`,
      action: 'server.activation-claim-dropped',
      subject: `server:${serverId}`,
      data: { orgId: claim.orgId, serial: claim.serial, ownerOrgId: winner.orgId, released: released.map((r) => r.pack) },
    });
  }
  log.event(9022, { serverId, orgId: winner.orgId, serial: winner.serial, proof: winner.proof });
  log.record({ actor: `server:${serverId}`, action: 'server.activation-confirmed', subject: `server:${serverId}`, data: { orgId: winner.orgId, serial: winner.serial, proof: winner.proof } });
}

/**
 * Which open claim a signed request confirms: the one whose serial the server names (the activation confirmation
 * it was given), else the one of `orgId` (a signed install of that organization's pack), else — when every open
 * claim is one organization's — its latest. Undefined when the proof cannot tell the claimants apart.
 */
function claimProven(claims: readonly ClaimRecord[], proof: { serial?: number; orgId?: string }): ClaimRecord | undefined {
  if (proof.serial !== undefined) return claims.find((c) => c.serial === proof.serial);
  const pool = proof.orgId !== undefined ? claims.filter((c) => c.orgId === proof.orgId) : claims;
  if (pool.length === 0 || pool.some((c) => c.orgId !== pool[0]!.orgId)) return undefined;
  return pool[pool.length - 1];
}

/**
 * A signed request (check-in, holdings, install) from a server whose activation is still an unconfirmed claim:
 * the server has proved possession of its key, so the claim it proves becomes the activation — certificate signed
 * for that organization — and the others are dropped. Returns the server as it is afterwards.
 */
export async function confirmBySignature(
  ctx: ChContext,
  server: ServerRecord,
  proof: { serial?: number; orgId?: string; how: string },
): Promise<ServerRecord> {
  if (server.status !== 'activated' || server.confirmedAt !== null) return server;
  const claim = claimProven(await openClaimsOf(ctx.db, server.serverId), proof);
  if (!claim) return server;
  await ctx.change(async (trx, log, at) => {
    const { certificate, expiresAt } = await signCertificate(
      ctx,
      { serverId: server.serverId, pub: server.publicKey, orgId: claim.orgId, method: claim.method, serverVersion: claim.serverVersion, serial: claim.serial },
      at,
    );
    const confirmed = await confirmServer(trx, server.serverId, {
      orgId: claim.orgId, method: claim.method, company: claim.company, serverVersion: claim.serverVersion, serial: claim.serial,
      certificate, expiresAt: expiresAt.toISOString(), at: at.toISOString(),
    });
    if (confirmed) await settleClaims(trx, log, at, server.serverId, { orgId: claim.orgId, serial: claim.serial, proof: proof.how });
    return ok(undefined);
  });
  return (await findServer(ctx.db, server.serverId)) ?? server;
}

function alreadyActivatedElsewhere(server: ServerRecord) {
  return refuse(
    'SERVER_ALREADY_ACTIVATED',
    { serverId: server.serverId },
  );
}

/** Reactivation with a reason (ReactivateServerAutomatic reasons, rds-facts §2): a new certificate and serial. */
export async function reactivateAuto(
  ctx: ChContext,
  req: { serverId: string; pub: string; body: { reason?: unknown; serverVersion?: unknown } },
  orgId: string,
): Promise<Result<{ certificate: string }>> {
  const reason = req.body.reason;
  if (typeof reason !== 'string' || !(REACTIVATION_REASONS as readonly string[]).includes(reason)) {
    return refuse('REACTIVATION_REASON_INVALID', { allowed: REACTIVATION_REASONS });
  }
  const version = checkVersion(req.body.serverVersion);
  if (!version.ok) return version;
  const server = await findServer(ctx.db, req.serverId);
  if (!server) return refuse('LICENSE_SERVER_UNKNOWN', { serverId: req.serverId, problem: 'reactivate' });
  if (server.status === 'invalidated') return invalidated(server);
  if (server.orgId !== orgId) return refuse('SERVER_NOT_OWNED', { serverId: req.serverId });
  return ctx.change(async (trx, log, at) => {
    const a = await activateInTx(ctx, trx, log, at, {
      serverId: server.serverId,
      pub: req.pub,
      orgId,
      method: 'auto',
      serverVersion: version.value,
      company: server.company,
      kind: 'reactivate',
      reason,
      actor: `org:${orgId}`,
      confirmed: true,
    });
    return ok({ certificate: a.certificate });
  });
}

/** Web (portal) or phone (agent) activation from the product ID: returns the activation confirmation. */
export async function activateByProductId(
  ctx: ChContext,
  input: { productId: string; company: unknown; serverVersion: unknown; orgId: string; method: 'web' | 'phone' },
  actor: Actor,
): Promise<Result<{ confirmation: string; licenseServerId: string }>> {
  const key = publicKeyFromProductId(input.productId);
  if (!key.ok) return key;
  const company = checkCompany(input.company);
  if (!company.ok) return company;
  const version = checkVersion(input.serverVersion);
  if (!version.ok) return version;
  if (!(await findOrganization(ctx.db, input.orgId))) return refuse('ORG_NOT_FOUND', { orgId: input.orgId });
  const serverId = licenseServerIdFromPublicKey(key.value);
  const pub = base64urlEncode(key.value);
  const existing = await findServer(ctx.db, serverId);
  if (existing?.status === 'invalidated') return invalidated(existing);
  const confirmed = existing?.status === 'activated' && existing.confirmedAt !== null;
  const renewal = confirmed && !isCertificateCurrent(new Date(existing.certificateExpiresAt), ctx.clock.now());
  if (confirmed) {
    if (existing.orgId !== input.orgId) return alreadyActivatedElsewhere(existing);
    if (!renewal) {
      return ok({ confirmation: activationConfirmation(ctx, pub, existing.activationSerial, new Date(existing.certificateExpiresAt)), licenseServerId: serverId });
    }
    // A confirmed activation renewed by web or phone stays confirmed: the server proved its key to this organization.
    return ctx.change(async (trx, log, at) => {
      const a = await activateInTx(ctx, trx, log, at, {
        serverId, pub, orgId: input.orgId, method: input.method, serverVersion: version.value, company: company.value,
        kind: 'reactivate', reason: 'certificate-expired', actor, confirmed: true,
      });
      return ok({ confirmation: activationConfirmation(ctx, pub, a.serial, a.expiresAt), licenseServerId: serverId });
    });
  }
  // A server the clearinghouse has never seen (or deactivated): a product ID is public, so this activation is only a
  // claim until the server proves possession of its key (its first signed request). Another organization's claim
  // meanwhile does not lock this one out: both are recorded, the server's proof picks the owner (tenant binding).
  const now = ctx.clock.now();
  const own = existing?.status === 'activated' ? (await openClaimsOf(ctx.db, serverId)).filter((c) => c.orgId === input.orgId) : [];
  const current = own.find((c) => new Date(c.validUntil).getTime() > now.getTime());
  if (current) return ok({ confirmation: activationConfirmation(ctx, pub, current.serial, new Date(current.validUntil)), licenseServerId: serverId });
  return ctx.change(async (trx, log, at) => {
    let serial: number;
    let validUntil: Date;
    if (existing?.status === 'activated') {
      validUntil = new Date(at.getTime() + ctx.config.certificateDays * 86_400_000);
      serial = await insertActivation(trx, {
        serverId, kind: 'activate', method: input.method, reason: 'claim while unconfirmed', orgId: input.orgId, at: at.toISOString(), validUntil: validUntil.toISOString(),
      });
      log.record({ actor, action: 'server.activation-claimed', subject: `server:${serverId}`, data: { method: input.method, orgId: input.orgId, serial, company: company.value } });
    } else {
      await endOpenClaims(trx, serverId, at.toISOString());
      const a = await activateInTx(ctx, trx, log, at, {
        serverId, pub, orgId: input.orgId, method: input.method, serverVersion: version.value, company: company.value,
        kind: 'activate', reason: existing ? 'activated again after deactivation' : null, actor, confirmed: false,
      });
      serial = a.serial;
      validUntil = a.expiresAt;
    }
    await insertClaim(trx, {
      serial, serverId, orgId: input.orgId, method: input.method, company: company.value, serverVersion: version.value,
      validUntil: validUntil.toISOString(), at: at.toISOString(),
    });
    log.event(9021, { serverId, orgId: input.orgId, method: input.method, serial });
    return ok({ confirmation: activationConfirmation(ctx, pub, serial, validUntil), licenseServerId: serverId });
  });
}

/**
 * Deactivation in the caller's transaction: the server's activation ends, every pack it held is released
 * (its grant ended and put on the revocation list), and the server itself is listed as deactivated.
 */
export async function deactivateInTx(
  trx: ChDb,
  log: ChangeLog,
  at: Date,
  server: ServerRecord,
  how: 'auto' | 'receipt',
  actor: Actor,
): Promise<{ released: number[] } | undefined> {
  const iso = at.toISOString();
  if (!(await endServerActivation(trx, server.serverId, 'deactivated', iso, how === 'auto' ? 'deactivated' : 'deactivation receipt', how === 'receipt'))) {
    return undefined;
  }
  await endOpenClaims(trx, server.serverId, iso);
  const released = await releasePacksOf(trx, server.serverId, iso);
  for (const r of released) {
    await endGrant(trx, r.pack, r.seq, 'released', iso, null);
    await insertRevocation(trx, { kind: 'grant', serverId: server.serverId, pack: r.pack, seq: r.seq, caseNumber: null, reason: 'deactivated', at: iso });
  }
  await insertRevocation(trx, { kind: 'server', serverId: server.serverId, pack: null, seq: null, caseNumber: null, reason: 'deactivated', at: iso });
  log.event(9003, { serverId: server.serverId, how, released: released.length });
  log.record({ actor, action: 'server.deactivated', subject: `server:${server.serverId}`, data: { how, released: released.map((r) => ({ pack: r.pack, seq: r.seq })) } });
  return { released: released.map((r) => r.pack) };
}

/** The answer of its route, from the wire contract (core/wire/clearinghouse.ts). */
export type { DeactivationAnswer } from '../core/wire/clearinghouse';

/** Auto deactivation: a signed request. Deactivating a deactivated server again is answered the same way. */
export async function deactivateAuto(ctx: ChContext, req: { serverId: string }): Promise<Result<DeactivationAnswer>> {
  const server = await findServer(ctx.db, req.serverId);
  if (!server) return refuse('LICENSE_SERVER_UNKNOWN', { serverId: req.serverId, problem: 'deactivate' });
  if (server.status !== 'activated') return ok({ status: server.status, serverId: server.serverId, releasedPacks: [] });
  return ctx.change(async (trx, log, at) => {
    const d = await deactivateInTx(trx, log, at, server, 'auto', `server:${server.serverId}`);
    const now = await findServer(trx, server.serverId);
    return ok({ status: now!.status, serverId: server.serverId, releasedPacks: d?.released ?? [] });
  });
}

/** Finds the server a receipt names and checks the receipt's MAC and date. */
export async function readReceipt(ctx: ChContext, receipt: string): Promise<Result<ServerRecord>> {
  const decoded = decodeCode(receipt, 'deactivationReceipt');
  if (!decoded.ok) return decoded;
  const candidates = await findServersByPrefix(ctx.db, decoded.value.fields.server);
  if (candidates.length === 0) {
    return refuse('LICENSE_SERVER_UNKNOWN', { problem: 'receipt' });
  }
  // A receipt binds the activation it ends (its MAC covers the activation serial, docs/codes.md).
  const server = candidates.find((s) => verifyCodeMac(decoded.value, macKeyFor(ctx, s.publicKey), { activationSerial: s.activationSerial }).ok);
  if (!server) {
    for (const s of candidates) {
      const key = macKeyFor(ctx, s.publicKey);
      const earlier = (await activationSerialsOf(ctx.db, s.serverId)).filter((n) => n !== s.activationSerial);
      if (earlier.some((n) => verifyCodeMac(decoded.value, key, { activationSerial: n }).ok)) {
        return refuse('RECEIPT_FOR_EARLIER_ACTIVATION', { serverId: s.serverId });
      }
    }
    return refuse('CODE_MAC_INVALID', { kind: 'deactivationReceipt' });
  }
  if (decoded.value.fields.day < dayNumber(new Date(server.activatedAt))) {
    return refuse('RECEIPT_STALE', { serverId: server.serverId });
  }
  return ok(server);
}

/** Portal deactivation by the receipt a license server showed when it deactivated offline. */
export async function deactivateByReceipt(ctx: ChContext, input: { receipt: string; orgId?: string }, actor: Actor): Promise<Result<DeactivationAnswer>> {
  const found = await readReceipt(ctx, input.receipt);
  if (!found.ok) return found;
  const server = found.value;
  if (input.orgId !== undefined && server.orgId !== input.orgId) {
    return refuse('SERVER_NOT_OWNED', { serverId: server.serverId });
  }
  return ctx.change(async (trx, log, at) => {
    let released: number[] = [];
    if (server.status === 'activated') {
      released = (await deactivateInTx(trx, log, at, server, 'receipt', actor))?.released ?? [];
    } else if (server.receiptAt === null) {
      await markReceipt(trx, server.serverId, at.toISOString());
      log.record({ actor, action: 'server.receipt-received', subject: `server:${server.serverId}`, data: { status: server.status } });
    }
    const now = await findServer(trx, server.serverId);
    return ok({ status: now!.status, serverId: server.serverId, releasedPacks: released });
  });
}

type CheckInBody = { instanceId?: unknown; packs?: unknown; chain?: unknown; activation?: unknown; activationSerial?: unknown };

/** A check-in's body, checked in this order: the instance, the packs reported, the chain link, the activation named. */
function parseCheckInBody(body: CheckInBody): Result<{ instanceId: string; reported: ReportedPack[]; link: CheckInLink; claimed: { serial: number; method: string } | undefined }> {
  const instanceId = body.instanceId;
  if (typeof instanceId !== 'string' || instanceId === '' || instanceId.length > 200) {
    return refuse('SIGNED_REQUEST_INVALID', { problem: 'instance' });
  }
  const reported = parseReportedPacks(body.packs);
  if (!reported.ok) return reported;
  const link = parseCheckInLink(body.chain);
  if (!link.ok) return link;
  const claimed = parseClaimedActivation(body.activation);
  if (!claimed.ok) return claimed;
  return ok({ instanceId, reported: reported.value, link: link.value, claimed: claimed.value });
}

/**
 * A check-in as its route receives it: the signed request checked (signed-request.ts), then `checkIn` with the
 * request's nonce still to record — the usual check-in on PostgreSQL records it with the statement that moves its
 * chain.
 */
export async function checkInSigned(ctx: ChContext, request: unknown): Promise<Result<CheckInAnswer>> {
  const checked = await checkSignedRequest<CheckInBody>(ctx, request, 'check-in');
  if (!checked.ok) return checked;
  return checkIn(ctx, { serverId: checked.value.serverId, body: (checked.value.body ?? {}) as CheckInBody }, checked.value.nonce);
}

/** The answer of its route, from the wire contract (core/wire/clearinghouse.ts). */
export type { CheckInAnswer } from '../core/wire/clearinghouse';

/**
 * A check-in: records last seen and the installation instance; delivers the certificate (web/phone
 * activations get it here), the active grants and the revocation list, with a receipt for this link of the server's
 * check-in chain (check-in-chain.usecase.ts: a second history of the same server ID opens a flagged `clone`
 * case); CALs reported from an invalidated grant open a flagged `phantom` case.
 */
export async function checkIn(
  ctx: ChContext,
  req: { serverId: string; body: CheckInBody },
  nonce: PendingNonce,
): Promise<Result<CheckInAnswer>> {
  const parsed = parseCheckInBody(req.body);
  // The usual check-in on PostgreSQL (the next link, no activation named) reads what it needs in one statement and
  // records its nonce with the statement that moves its chain; any other spends its nonce first.
  const usual = parsed.ok && parsed.value.claimed === undefined && parsed.value.link.counter > 1 && ctx.database.dialect === 'postgres';
  await pruneNoncesIfDue(ctx, new Date(nonce.at));
  let unspent = usual;
  /** Records the nonce before anything else is written; false for a replay. */
  const spend = async () => {
    if (!unspent) return true;
    unspent = false;
    return useNonce(ctx.db, nonce.nonce, nonce.serverId, nonce.at);
  };
  if (!usual && !(await useNonce(ctx.db, nonce.nonce, nonce.serverId, nonce.at))) return refuse('SIGNED_REQUEST_REPLAYED');
  if (!parsed.ok) return parsed;
  const { instanceId, link, reported, claimed } = parsed.value;
  const reads = usual ? await checkInBatch(ctx.db).reads(req.serverId) : undefined;
  const found = reads ? reads.server : await findServer(ctx.db, req.serverId);
  // An unknown server may open cases, an unconfirmed claim may be confirmed: both write, so the nonce goes first.
  if ((found === undefined || (found.status === 'activated' && found.confirmedAt === null)) && !(await spend())) return refuse('SIGNED_REQUEST_REPLAYED');
  // The activation the server names (its typed confirmation) tells which organization's claim this signature proves.
  const server = found && (await confirmBySignature(ctx, found, { ...(claimed ? { serial: claimed.serial } : serialOf(req.body)), how: 'signed check-in' }));
  if (!server) {
    // A server the clearinghouse never activated that holds packs or an activation made them from codes it forged.
    if (reported.length > 0 || claimed) {
      const opened = await ctx.change(async (trx, log, at) => {
        await openUngrantedCases(trx, log, at, { serverId: req.serverId, orgId: null, known: false }, reported, claimed);
        return ok(undefined);
      });
      if (!opened.ok) return opened;
    }
    const { list } = await signedRevocationList(ctx);
    return ok({ status: 'unknown', grants: [], revocations: list });
  }
  // Read once: the receipt and the answer name the same checkpoint.
  const checkpoint = reads ? reads.checkpoint : await latestCheckpoint(ctx.db);
  // The usual check-in (the next link, the packs as granted, no activation named) opens no case: one statement.
  // (Its nonce not spent yet: nothing was written, so the server is as read.) The server's own grants with their
  // packs are what its report is checked against and what the answer lists.
  if (reads && unspent && reported.every((p) => asGranted(server.serverId, p, reads.own))) {
    unspent = false;
    const extended = await extendInOneStatement(ctx, server, instanceId, link, checkpoint, nonce);
    if (extended === 'replayed') return refuse('SIGNED_REQUEST_REPLAYED');
    if (extended) {
      const activeGrants = [...reads.own.values()].flatMap((e) => e.grants.filter((g) => g.status === 'active'));
      return ok({
        ...(await holdingsAnswer(ctx, server.serverId, { server: extended.server, activeGrants, revocations: reads.revocations })),
        receipt: extended.receipt,
        chain: extended.chain,
        ...(checkpoint ? { checkpoint: checkpoint.jws } : {}),
      });
    }
  }
  if (!(await spend())) return refuse('SIGNED_REQUEST_REPLAYED');
  let placed: { receipt?: string; chain: ChainAnswer } | undefined;
  let now: ServerRecord | undefined;
  const r = await ctx.change(async (trx, log, at) => {
    now = await recordCheckIn(trx, server.serverId, instanceId, at.toISOString());
    placed = await placeCheckIn(ctx, trx, log, at, server, instanceId, link, checkpoint);
    const held = await packsWithGrants(trx, { numbers: reported.map((p) => p.pack) });
    await openUngrantedCases(trx, log, at, { serverId: server.serverId, orgId: server.orgId, known: true }, reported, claimed, held);
    for (const p of reported) {
      if (p.issued <= 0) continue;
      const grant = held.get(p.pack)?.grants.find((g) => g.seq === p.seq);
      if (!grant || grant.serverId !== server.serverId || grant.status !== 'invalidated') continue;
      const number = await insertCase(trx, {
        kind: 'phantom',
        status: 'pending',
        flagged: true,
        channel: 'check-in',
        requestKey: `phantom|${server.serverId}|${p.pack}|${p.seq}`,
        pack: p.pack,
        sourceServerId: server.serverId,
        targetServerId: null,
        orgId: server.orgId,
        reason: 'CALs still issued from a grant that was invalidated',
        evidence: { serverId: server.serverId, pack: p.pack, seq: p.seq, issued: p.issued, invalidatedBy: grant.caseNumber, invalidatedAt: grant.endedAt },
        decisionReasons: ['PHANTOM_LICENSES'],
        at: at.toISOString(),
      });
      if (number !== undefined) {
        const caseNumber = formatCaseNumber(number);
        log.event(9012, { serverId: server.serverId, pack: p.pack, seq: p.seq, issued: p.issued, caseNumber });
        log.record({ actor: `server:${server.serverId}`, action: 'case.opened', subject: caseNumber, data: { kind: 'phantom', pack: p.pack, seq: p.seq, issued: p.issued } });
      }
    }
    return ok(undefined);
  });
  if (!r.ok) return r;
  return ok({
    ...(await holdingsAnswer(ctx, server.serverId, { server: now })),
    ...(placed?.receipt !== undefined ? { receipt: placed.receipt } : {}),
    ...(placed ? { chain: placed.chain } : {}),
    ...(checkpoint ? { checkpoint: checkpoint.jws } : {}),
  });
}

type Held = Map<number, { pack: PackRecord; grants: GrantRecord[] }>;

/** Why a reported pack opens a `PACK_NOT_GRANTED` case, or undefined when it was granted to this server as reported. */
function notGrantedWhy(serverId: string, p: ReportedPack, held: Held): string | undefined {
  const grant = held.get(p.pack)?.grants.find((g) => g.seq === p.seq);
  const pack = held.get(p.pack)?.pack;
  if (!grant || grant.serverId !== serverId) return grant ? 'granted to another license server' : 'never granted';
  if (pack && differs(p, pack)) return 'the key pack differs from the pack the clearinghouse granted';
  return undefined;
}

/** A reported pack that opens no case: granted to this server as reported, and no CALs from an invalidated grant. */
function asGranted(serverId: string, p: ReportedPack, held: Held): boolean {
  if (notGrantedWhy(serverId, p, held) !== undefined) return false;
  return !(p.issued > 0 && held.get(p.pack)?.grants.find((g) => g.seq === p.seq)?.status === 'invalidated');
}

type ReportedPack = { pack: number; seq: number; issued: number; count?: number; calType?: CalType; calVersion?: number; program?: Program };

/**
 * What a typed code cannot prove (docs/codes.md): a license server can compute the MAC of its own codes, so a key
 * pack ID or an activation confirmation it reports may be one the clearinghouse never made. Each one opens a
 * flagged case (once: the request key names the server and the pack or activation) and an event; the pack gets no
 * grant and the activation no certificate, so what the server made of them lapses at the end of its window.
 */
async function openUngrantedCases(
  trx: ChDb,
  log: ChangeLog,
  at: Date,
  server: { serverId: string; orgId: string | null; known: boolean },
  reported: readonly ReportedPack[],
  claimed: { serial: number; method: string } | undefined,
  held?: Held,
): Promise<void> {
  const actor = `server:${server.serverId}`;
  const packs = held ?? (await packsWithGrants(trx, { numbers: reported.map((p) => p.pack) }));
  for (const p of reported) {
    const grant = packs.get(p.pack)?.grants.find((g) => g.seq === p.seq);
    const pack = packs.get(p.pack)?.pack;
    const why = notGrantedWhy(server.serverId, p, packs);
    if (why === undefined) continue;
    const number = await insertCase(trx, {
      kind: 'phantom',
      status: 'pending',
      flagged: true,
      channel: 'check-in',
      requestKey: `ungranted|${server.serverId}|${p.pack}|${p.seq}`,
      pack: pack ? pack.number : null,
      sourceServerId: server.serverId,
      targetServerId: null,
      orgId: server.orgId,
      reason: 'a key pack the clearinghouse never granted to this license server',
      evidence: { serverId: server.serverId, knownServer: server.known, reported: p, problem: why, grantHolder: grant?.serverId ?? null, packExists: pack !== undefined },
      decisionReasons: ['PACK_NOT_GRANTED'],
      at: at.toISOString(),
    });
    if (number === undefined) continue;
    const caseNumber = formatCaseNumber(number);
    log.event(9030, { serverId: server.serverId, pack: p.pack, seq: p.seq, count: p.count ?? 'unknown', why: why === 'never granted' ? '' : ` (${why})`, caseNumber });
    log.record({ actor, action: 'case.opened', subject: caseNumber, data: { kind: 'phantom', reason: 'PACK_NOT_GRANTED', pack: p.pack, seq: p.seq, problem: why } });
  }
  if (claimed) {
    const made = server.known ? await activationSerialsOf(trx, server.serverId) : [];
    if (made.includes(claimed.serial)) return;
    const number = await insertCase(trx, {
      kind: 'phantom',
      status: 'pending',
      flagged: true,
      channel: 'check-in',
      requestKey: `unmade-activation|${server.serverId}|${claimed.serial}`,
      pack: null,
      sourceServerId: server.serverId,
      targetServerId: null,
      orgId: server.orgId,
      reason: 'an activation the clearinghouse never made for this license server',
      evidence: { serverId: server.serverId, knownServer: server.known, claimed, activationsMade: made },
      decisionReasons: ['ACTIVATION_NOT_MADE'],
      at: at.toISOString(),
    });
    if (number === undefined) return;
    const caseNumber = formatCaseNumber(number);
    log.event(9031, { serverId: server.serverId, serial: claimed.serial, caseNumber });
    log.record({ actor, action: 'case.opened', subject: caseNumber, data: { kind: 'phantom', reason: 'ACTIVATION_NOT_MADE', serial: claimed.serial } });
  }
}

/** Whether what a key pack ID said (as the server reports it) differs from the pack the clearinghouse sold. */
function differs(p: ReportedPack, pack: { count: number; calType: CalType; calVersion: number; program: Program }): boolean {
  return (
    (p.count !== undefined && p.count !== pack.count) ||
    (p.calType !== undefined && p.calType !== pack.calType) ||
    (p.calVersion !== undefined && p.calVersion !== pack.calVersion) ||
    (p.program !== undefined && p.program !== pack.program)
  );
}

function parseClaimedActivation(value: unknown): Result<{ serial: number; method: string } | undefined> {
  if (value === undefined || value === null) return ok(undefined);
  const o = value as Record<string, unknown>;
  if (typeof value !== 'object' || !Number.isSafeInteger(o.serial) || (o.serial as number) < 0 || typeof o.method !== 'string' || o.method.length > 20) {
    return refuse('SIGNED_REQUEST_INVALID', { problem: 'packs' });
  }
  return ok({ serial: o.serial as number, method: o.method });
}

/** The activation serial a license server names in a signed request's body (the confirmation it was given). */
function serialOf(body: { activationSerial?: unknown }): { serial?: number } {
  const v = body.activationSerial;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? { serial: v } : {};
}

/**
 * `options.server`, `options.activeGrants`, `options.revocations`: the server as a change just left it, its active
 * grants (by pack and serial) and the number of revocations, when the caller has just read them, instead of reading
 * them again.
 */
export async function holdingsAnswer(
  ctx: ChContext,
  serverId: string,
  options: { claimant?: boolean; server?: ServerRecord; activeGrants?: GrantRecord[]; revocations?: number } = {},
): Promise<CheckInAnswer> {
  const server = options.server ?? (await findServer(ctx.db, serverId));
  // An unconfirmed claim gets nothing signed: its certificate and grants wait for the proof of its owner. The one
  // exception is the export for an air-gapped site, asked by the claiming organization itself (`claimant`): a site
  // that never reaches the clearinghouse cannot prove anything online, and what is exported is bound to the
  // server's key, which only the real server holds — a squatter's copy is of no use to it.
  const confirmed = server?.status === 'activated' && (server.confirmedAt !== null || options.claimant === true);
  const grants = confirmed ? (options.activeGrants ?? (await grantsOfServer(ctx.db, serverId, 'active'))) : [];
  const { list } = await signedRevocationList(ctx, ctx.db, options.revocations);
  return {
    status: server?.status ?? 'unknown',
    ...(confirmed ? { certificate: server.certificate } : {}),
    grants: grants.map((g) => g.jws),
    revocations: list,
  };
}

function parseReportedPacks(value: unknown): Result<ReportedPack[]> {
  if (value === undefined) return ok([]);
  if (!Array.isArray(value) || value.length > 10_000) return refuse('SIGNED_REQUEST_INVALID', { problem: 'packs' });
  const out: ReportedPack[] = [];
  const small = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
  for (const p of value as unknown[]) {
    const o = p as Record<string, unknown>;
    if (typeof p !== 'object' || p === null || !small(o.pack) || !small(o.seq) || !Number.isSafeInteger(o.issued)) {
      return refuse('SIGNED_REQUEST_INVALID', { problem: 'packs' });
    }
    // What the key pack says (count, type, version, program): optional, from license servers that report it.
    if ((o.count !== undefined && !small(o.count)) || (o.calVersion !== undefined && !small(o.calVersion))
      || (o.calType !== undefined && !(CAL_TYPES as readonly unknown[]).includes(o.calType))
      || (o.program !== undefined && !(PROGRAMS as readonly unknown[]).includes(o.program))) {
      return refuse('SIGNED_REQUEST_INVALID', { problem: 'packs' });
    }
    out.push({
      pack: o.pack as number, seq: o.seq as number, issued: o.issued as number,
      ...(o.count !== undefined ? { count: o.count as number } : {}),
      ...(o.calType !== undefined ? { calType: o.calType as CalType } : {}),
      ...(o.calVersion !== undefined ? { calVersion: o.calVersion as number } : {}),
      ...(o.program !== undefined ? { program: o.program as Program } : {}),
    });
  }
  return ok(out);
}

/** What the clearinghouse holds for a server: its certificate (when activated) and its active grants. */
export async function holdings(ctx: ChContext, req: { serverId: string; body?: { activationSerial?: unknown } }): Promise<Result<{ certificate?: string; grants: string[] }>> {
  const found = await findServer(ctx.db, req.serverId);
  if (found) await confirmBySignature(ctx, found, { ...serialOf(req.body ?? {}), how: 'signed holdings request' });
  const a = await holdingsAnswer(ctx, req.serverId);
  return ok({ ...(a.certificate !== undefined ? { certificate: a.certificate } : {}), grants: a.grants });
}
