/**
 * Admission of a device connection (DESIGN §5 "Session host"): verify the presented CALs offline, ask the
 * license servers on the list in order (failover) for a new, upgraded or renewed CAL, mark a temporary CAL
 * validated after the logon, then admit or refuse with the message the user sees. Every decision is recorded
 * (recent admissions) with its events, in one transaction.
 */
import type { Admission } from '../core/wire/session-host';
import type { CalBundle } from '../core/protocol';
import { err, ok, refusal, type Refusal, type Result } from '../core/result';
import {
  BAD_TOKEN_CODES,
  GLOBALLY_DEAD_CODES,
  bestCal,
  decideAdmission,
  sessionHostRefusal,
  shouldAskLicenseServers,
  type AdmissionBasis,
  type AdmissionEventId,
  type IssuanceOutcome,
  type SessionHostCode,
} from '../core/session-host-rules';
import type { LicensingMode } from '../core/vocabulary';
import { verifyBundle, type VerifiedBundle, type VerifyContext } from './cal-verifier';
import { currentGrace, effectiveConfig } from './config.usecase';
import type { SessionHostContext } from './context';
import { isOutage } from './license-server-client';
import { insertAdmission } from './session-host.repository';
import { licenseServerReason } from './probe.usecase';
import { ensureFreshRevocations, ensureKnownKeys, refreshIdentity } from './trust.usecase';
import { clockLeewaySeconds, hostOrganization, provisionalSightings, provisionalWindowDays, recordClockSkew } from './chain.usecase';
import { REFUSALS } from '../core/refusals';

export interface ConnectInput {
  device: string;
  hwid: string;
  user?: string;
  cals?: unknown[];
}

export type { Admission } from '../core/wire/session-host';

const MAX_BUNDLES = 16;
// eslint-disable-next-line no-control-regex -- names are printable: no control characters
const NAME = /^[^\u0000-\u001f\u007f]{1,128}$/;
/** At most one mode-not-configured / no-server-specified warning per hour, as a real host logs them. */
const WARNING_INTERVAL_MS = 60 * 60 * 1000;

export function validateConnectInput(input: unknown): Result<ConnectInput> {
  const bad = (why: string) => err(sessionHostRefusal('INVALID_CONNECTION_REQUEST', { why }));
  if (typeof input !== 'object' || input === null) return bad('the body is { device, hwid, user?, cals }');
  const i = input as Record<string, unknown>;
  if (typeof i.device !== 'string' || !NAME.test(i.device.trim())) return bad('device: the computer name, 1 to 128 printable characters');
  if (typeof i.hwid !== 'string' || !NAME.test(i.hwid)) return bad('hwid: the hardware ID, 1 to 128 printable characters');
  if (i.user !== undefined && i.user !== null && (typeof i.user !== 'string' || !NAME.test(i.user))) return bad('user: 1 to 128 printable characters');
  if (i.cals !== undefined && i.cals !== null && (!Array.isArray(i.cals) || i.cals.length > MAX_BUNDLES)) {
    return bad(`cals: a list of at most ${MAX_BUNDLES} CAL bundles`);
  }
  const out: ConnectInput = { device: i.device.trim(), hwid: i.hwid };
  if (typeof i.user === 'string') out.user = i.user;
  if (Array.isArray(i.cals)) out.cals = i.cals;
  return ok(out);
}

export async function connect(ctx: SessionHostContext, rawInput: unknown): Promise<Result<Admission>> {
  const validated = validateConnectInput(rawInput);
  if (!validated.ok) return validated;
  const input = validated.value;
  const config = await effectiveConfig(ctx);
  const grace = await currentGrace(ctx);
  const mode = config.mode.value;
  const servers = config.licenseServers.value;

  if (mode === 'per-user' && ctx.settings.directory === 'domain' && input.user === undefined) {
    return record(ctx, input, { admitted: false, refusal: sessionHostRefusal('USER_REQUIRED'), events: [] }, grace.daysLeft);
  }

  // 1. verify what the device holds, offline
  const organization = await hostOrganization(ctx, servers);
  const verifyCtx: VerifyContext = {
    now: ctx.clock.now(),
    leewaySeconds: clockLeewaySeconds(ctx),
    provisionalWindowDays: provisionalWindowDays(ctx),
    firstSighting: provisionalSightings(ctx),
    ...(organization === undefined ? {} : { organization }),
    device: input.device,
    hwid: input.hwid,
    hostVersion: ctx.settings.hostVersion,
    mode,
    listedServers: listedServerKeys(ctx, servers),
    ...(input.user === undefined ? {} : { user: input.user }),
    ...(ctx.trust.anchor ? { anchor: ctx.trust.anchor } : {}),
    ...(ctx.trust.revocations ? { revocations: ctx.trust.revocations } : {}),
  };
  if ((input.cals ?? []).length > 0 && servers.some((url) => !ctx.trust.identities.has(url))) {
    // A CAL of a listed, unactivated license server is verified with its published key: fetch it if unknown.
    for (const url of servers) if (!ctx.trust.identities.has(url)) await refreshIdentity(ctx, url);
    verifyCtx.listedServers = listedServerKeys(ctx, servers);
  }
  // A document signed by a clearinghouse key this host does not know yet (a rotation): take the rotated set first.
  if (await ensureKnownKeys(ctx, input.cals ?? [])) verifyCtx.anchor = ctx.trust.anchor;
  let verified: VerifiedBundle[] = [];
  for (const bundle of input.cals ?? []) verified.push(await verifyBundle(bundle, verifyCtx));
  if (verified.some((v) => v.status === 'honoured' && v.claims.kind !== 'temporary')) {
    // A permanent CAL is honoured on a recent revocation list only: a reissue stops the old server's CALs at once.
    const seq = ctx.trust.revocations?.seq;
    await ensureFreshRevocations(ctx);
    if (ctx.trust.revocations && ctx.trust.revocations.seq !== seq) {
      verifyCtx.revocations = ctx.trust.revocations;
      verified = [];
      for (const bundle of input.cals ?? []) verified.push(await verifyBundle(bundle, verifyCtx));
    }
  }
  const badOne = verified.find((v) => v.status === 'bad');
  const honoured = bestCal(verified.flatMap((v) => (v.status === 'honoured' ? [{ ...v, claims: v.claims }] : [])));
  const notHonoured = verified.filter((v) => v.status === 'not-honoured');
  const badToken = badOne && badOne.status === 'bad' ? badOne.refusal : undefined;

  // 2. ask the license servers on the list, in order
  const facts = {
    mode,
    directory: ctx.settings.directory,
    licenseServers: servers,
    ...(badToken ? { badToken } : {}),
    ...(honoured ? { honoured: honoured.claims } : {}),
  };
  let issuance: IssuanceOutcome = { kind: 'not-asked' };
  if (shouldAskLicenseServers(facts, ctx.clock.now())) {
    const presented = honoured?.bundle ?? sameDeviceCandidate(notHonoured);
    issuance = await requestFromLicenseServers(ctx, {
      device: input.device,
      hwid: input.hwid,
      mode: mode as Exclude<LicensingMode, 'not-configured'>,
      servers,
      verifyCtx,
      ...(input.user === undefined ? {} : { user: input.user }),
      ...(presented ? { presented } : {}),
    });
  }

  // 3. the logon succeeded (the gate admitted it): a temporary CAL is marked validated so the next
  //    connection upgrades it to a permanent one (DESIGN §5).
  const decision = decideAdmission({
    ...facts,
    grace,
    issuance,
    ...(notHonoured[0] && notHonoured[0].status === 'not-honoured' ? { notHonoured: notHonoured[0].refusal } : {}),
  });
  if (decision.admitted && issuance.kind === 'issued' && issuance.calKind === 'temporary') {
    await markValidated(ctx, issuance, input.device);
  }

  const discard = notHonoured.flatMap((v) =>
    v.status === 'not-honoured' && (GLOBALLY_DEAD_CODES as readonly string[]).includes(v.refusal.code) ? [v.claims.jti] : [],
  );
  const extraEvents: { id: number; data: Record<string, unknown> }[] = [];
  if (badToken) extraEvents.push({ id: 9210, data: { device: input.device, code: badToken.code } });
  for (const v of notHonoured) if (v.status === 'not-honoured') extraEvents.push({ id: 9209, data: { device: input.device, code: v.refusal.code } });
  // A refusal of the chain names its own event (forgery, another organization, not listed, provisional window over).
  for (const v of verified) {
    if (v.status !== 'bad' && v.status !== 'not-honoured') continue;
    const event = (REFUSALS as Record<string, { event?: number }>)[v.refusal.code]?.event;
    if (event !== undefined && event >= 9220 && event <= 9229) extraEvents.push({ id: event, data: { device: input.device, code: v.refusal.code, ...v.refusal.detail } });
  }

  if (!decision.admitted) return record(ctx, input, decision, grace.daysLeft, extraEvents);
  const admission: Admission = { admitted: true, basis: decision.basis, graceDaysLeft: grace.daysLeft, discard };
  if (decision.warning) admission.warning = { code: decision.warning.code, message: decision.warning.message };
  if (issuance.kind === 'issued') {
    admission.bundle = issuance.bundle;
    admission.kind = issuance.calKind;
    admission.expiresAt = issuance.expiresAt;
    admission.licenseServerId = issuance.serverId;
    admission.licenseServerUrl = issuance.serverUrl;
  } else if (decision.basis === 'presented' && honoured) {
    admission.presentedJti = honoured.claims.jti;
    admission.kind = honoured.claims.kind;
    admission.expiresAt = new Date(honoured.claims.exp * 1000).toISOString();
    admission.licenseServerId = honoured.claims.iss;
  }
  const renewalReason =
    issuance.kind === 'refused'
      ? licenseServerReason(issuance.serverUrl, issuance.refusal)
      : issuance.kind === 'unreachable'
        ? 'no license server on the list answered'
        : '';
  // Admitted only because the grace period runs, without a CAL: its own event, so it is never mistaken for a CAL admission.
  if (decision.basis === 'grace') extraEvents.push({ id: 9211, data: { device: input.device, graceDaysLeft: grace.daysLeft, reason: renewalReason || (mode === 'not-configured' ? 'the licensing mode is not configured' : servers.length === 0 ? 'no license server is specified' : 'no CAL was requested') } });
  return record(ctx, input, { ...decision, admission, renewalReason }, grace.daysLeft, extraEvents);
}

function listedServerKeys(ctx: SessionHostContext, servers: readonly string[]): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const url of servers) {
    const id = ctx.trust.identities.get(url);
    if (id) out.set(id.serverId, id.publicKey);
  }
  return out;
}

/** A not-honoured CAL of this very device: presented to the license server so it can tell new from upgrade. */
function sameDeviceCandidate(notHonoured: VerifiedBundle[]): CalBundle | undefined {
  return notHonoured[0]?.bundle;
}

interface IssueRequest {
  device: string;
  hwid: string;
  user?: string;
  mode: Exclude<LicensingMode, 'not-configured'>;
  servers: readonly string[];
  presented?: CalBundle;
  verifyCtx: VerifyContext;
}

async function requestFromLicenseServers(ctx: SessionHostContext, req: IssueRequest): Promise<IssuanceOutcome> {
  const tried: string[] = [];
  let firstRefusal: { refusal: Refusal; serverUrl: string } | undefined;
  for (const url of req.servers) {
    tried.push(url);
    const answer = await ctx.peers.requestCal(url, {
      device: req.device,
      hwid: req.hwid,
      mode: req.mode,
      hostVersion: ctx.settings.hostVersion,
      ...(req.user === undefined ? {} : { user: req.user }),
      ...(req.presented ? { presented: req.presented } : {}),
    });
    if (!answer.ok) {
      if (isOutage(answer.error)) {
        await ctx.change.event(9207, { licenseServerUrl: url, device: req.device, reason: answer.error.message });
      } else {
        firstRefusal ??= { refusal: answer.error, serverUrl: url };
      }
      continue;
    }
    // A license server answering with another ID than the one known behind its URL (a reinstall at the same
    // address) is looked at again: followed when the clearinghouse certifies it as of this host's organization.
    const known = ctx.trust.identities.get(url);
    const answeredId = answer.value.serverId;
    if (!known || (answeredId !== undefined && answeredId !== known.serverId)) {
      const refreshed = await refreshIdentity(ctx, url);
      if (refreshed.changed === 'held') {
        firstRefusal ??= { refusal: refusal('BAD_RESPONSE', { reason: 'IDENTITY_NOT_FOLLOWED', url, problem: 'unacceptable-cal' }), serverUrl: url };
        continue;
      }
    }
    // What the device will present next time must pass this host's own checks: verify it now. Its dates are read
    // on the clock of the license server that has just made it (the skew its answer shows), so a host whose clock
    // is behind still gets a CAL instead of refusing the connection (CAL_NOT_YET_VALID, issue 13).
    const hostTime = ctx.clock.now();
    const skew = await recordClockSkew(ctx, url, answer.value.serverTime, hostTime);
    const keys = listedServerKeys(ctx, req.servers);
    if (await ensureKnownKeys(ctx, [answer.value.bundle])) req.verifyCtx.anchor = ctx.trust.anchor;
    const check = await verifyBundle(answer.value.bundle, { ...req.verifyCtx, listedServers: keys, now: new Date(hostTime.getTime() + (skew ?? 0) * 1000) });
    if (check.status !== 'honoured') {
      const reason = check.status === 'ignored' ? 'CAL for another user' : check.refusal.code;
      firstRefusal ??= {
        refusal: refusal('BAD_RESPONSE', { reason, url, problem: 'unacceptable-cal' }),
        serverUrl: url,
      };
      continue;
    }
    return {
      kind: 'issued',
      bundle: answer.value.bundle,
      calKind: answer.value.kind,
      expiresAt: answer.value.expiresAt,
      serverUrl: url,
      serverId: answer.value.serverId ?? check.claims.iss,
    };
  }
  return firstRefusal ? { kind: 'refused', refusal: firstRefusal.refusal, serverUrl: firstRefusal.serverUrl, tried } : { kind: 'unreachable', tried };
}

async function markValidated(ctx: SessionHostContext, issuance: Extract<IssuanceOutcome, { kind: 'issued' }>, device: string): Promise<void> {
  const decoded = issuance.bundle.token.split('.')[1];
  let jti: string;
  try {
    jti = String((JSON.parse(Buffer.from(decoded ?? '', 'base64url').toString('utf8')) as { jti?: unknown }).jti ?? '');
  } catch {
    jti = '';
  }
  const answer = await ctx.peers.validateCal(issuance.serverUrl, jti);
  if (!answer.ok) {
    await ctx.change.event(9208, { jti, device, licenseServerUrl: issuance.serverUrl, reason: answer.error.message });
  }
}

type Recordable =
  | { admitted: false; refusal: Refusal; events: AdmissionEventId[] }
  | { admitted: true; basis: AdmissionBasis; events: AdmissionEventId[]; admission: Admission; renewalReason: string };

const lastWarning = new WeakMap<SessionHostContext, Map<number, number>>();

async function record(
  ctx: SessionHostContext,
  input: ConnectInput,
  decision: Recordable,
  graceDaysLeft: number,
  extraEvents: { id: number; data: Record<string, unknown> }[] = [],
): Promise<Result<Admission>> {
  const now = ctx.clock.now();
  const warnings = lastWarning.get(ctx) ?? new Map<number, number>();
  lastWarning.set(ctx, warnings);
  const events = decision.events.filter((id) => {
    if (!decision.admitted || (id !== 1068 && id !== 50282)) return true;
    const last = warnings.get(id);
    if (last !== undefined && now.getTime() - last < WARNING_INTERVAL_MS && now.getTime() >= last) return false;
    warnings.set(id, now.getTime());
    return true;
  });
  const reason = decision.admitted ? decision.renewalReason : decision.refusal.message;
  // A refused connection is recorded too (its admission row and events commit): the change itself succeeds.
  await ctx.change(async (trx, log) => {
    if (decision.admitted) {
      const a = decision.admission;
      await insertAdmission(trx, {
        at: now.toISOString(),
        device: input.device,
        hwid: input.hwid,
        admitted: true,
        basis: a.basis,
        ...(input.user === undefined ? {} : { user: input.user }),
        ...(a.warning ? { code: a.warning.code, message: a.warning.message } : {}),
        ...(a.kind ? { calKind: a.kind } : {}),
        ...(a.licenseServerId ? { licenseServerId: a.licenseServerId } : {}),
        ...(a.licenseServerUrl ? { licenseServerUrl: a.licenseServerUrl } : {}),
        ...(a.expiresAt ? { expiresAt: a.expiresAt } : {}),
        ...(a.presentedJti ? { jti: a.presentedJti } : {}),
      });
    } else {
      await insertAdmission(trx, {
        at: now.toISOString(),
        device: input.device,
        hwid: input.hwid,
        admitted: false,
        code: decision.refusal.code,
        message: decision.refusal.message,
        ...(input.user === undefined ? {} : { user: input.user }),
      });
    }
    for (const id of events) log.event(id, { device: input.device, reason, graceDaysLeft, code: decision.admitted ? undefined : decision.refusal.code });
    for (const e of extraEvents) log.event(e.id, e.data);
    return ok(undefined);
  });
  if (!decision.admitted) return err(decision.refusal);
  return ok(decision.admission);
}

/** Whether a refusal code is about the presented token itself (bad input), for callers that map statuses. */
export function isBadTokenCode(code: string): boolean {
  return (BAD_TOKEN_CODES as readonly string[]).includes(code as SessionHostCode);
}
