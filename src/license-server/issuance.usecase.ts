/**
 * CAL issuance (DESIGN §5, rds-facts §5): temporary → validated → permanent, renewal within 7 days of expiry,
 * upgrade to a newer version unless prevent-upgrade, per-user CALs (60 days, over-allocation reported).
 * Each decision is a rule of core/license-server-rules.ts; this file only claims seats and records them.
 * A CAL is acknowledged only after its transaction committed: the token is signed after the commit.
 */
import {
  chooseKeyPack,
  decideDeviceCal,
  fallbackOnNoSeat,
  isActivationExpired,
  isExpired,
  isVersionAcceptedByHost,
  permanentExpiry,
  perUserExpiry,
  perUserOverAllocation,
  temporaryExpiry,
  type DeviceDecision,
  type DeviceHolding,
} from '../core/license-server-rules';
import type { CalBundle, CalTokenPayload } from '../core/protocol';
import type { CalAnswer, CalRequest } from '../core/wire/license-server';
import { ok, refuse, type Result } from '../core/result';
import { isCalVersion, type CalVersion } from '../core/vocabulary';
import { newId, type IssuanceState, type LicenseServerContext } from './context';
import * as repo from './license-server.repository';
import { activationState, keyPackState } from './provisional.usecase';
import type { HeldLicense, IssuanceStore, KeyPack, ServerState } from './license-server.repository';

/** The request and answer of `POST /ls/v1/cals` (core/wire/license-server.ts). */
export type { CalAnswer, CalRequest } from '../core/wire/license-server';

const MAX_NAME = 256;

function checkRequest(req: CalRequest): Result<CalVersion> {
  if (typeof req.device !== 'string' || req.device.trim() === '' || req.device.length > MAX_NAME) {
    return refuse('INVALID_REQUEST', { field: 'device' });
  }
  if (typeof req.hwid !== 'string' || req.hwid.trim() === '' || req.hwid.length > MAX_NAME) {
    return refuse('INVALID_REQUEST', { field: 'hwid' });
  }
  if (!isCalVersion(req.hostVersion)) {
    return refuse('INVALID_REQUEST', { field: 'hostVersion' });
  }
  if (req.mode === 'per-user' && (typeof req.user !== 'string' || req.user.trim() === '' || req.user.length > MAX_NAME)) {
    return refuse('INVALID_REQUEST', { field: 'user' });
  }
  return ok(req.hostVersion);
}

/**
 * Whether the server may take activated-only actions now: activated, its activation not expired, and — when it was
 * activated from a typed confirmation — its certificate arrived or its provisional window is not over.
 */
export function isActive(server: ServerState, now: Date): boolean {
  return server.status === 'activated' && !isActivationExpired(server.expiresAt, now) && activationState(server, now) !== 'lapsed';
}

/** The session host allow-list ("RDS Endpoint Servers"): refuse others, with event 4141. */
export async function checkHostAllowed(ctx: LicenseServerContext, state: IssuanceState, host: string): Promise<Result<void>> {
  if (!state.server.allowListEnabled || state.allowList.has(host.toLowerCase())) return ok(undefined);
  await ctx.change.event(4141, { host });
  return refuse(
    'HOST_NOT_ALLOWED',
    { host },
  );
}

export async function requestCal(ctx: LicenseServerContext, host: string, req: CalRequest): Promise<Result<CalAnswer>> {
  const checked = checkRequest(req);
  if (!checked.ok) return checked;
  const hostVersion = checked.value;
  const state = await ctx.cache.get();
  const server = state.server;
  const allowed = await checkHostAllowed(ctx, state, host);
  if (!allowed.ok) return allowed;
  if (server.status === 'deactivated') {
    return refuse('LICENSE_SERVER_DEACTIVATED', { serverId: ctx.serverId });
  }
  if (server.status === 'invalidated') {
    return refuse(
      'LICENSE_SERVER_INVALIDATED',
      { serverId: ctx.serverId },
    );
  }
  const activated = isActive(server, ctx.clock.now());
  const want = { hostVersion, preventUpgrade: server.preventUpgrade };
  // Acknowledged only after the transaction (or the group of requests it belongs to) committed.
  const issued = req.mode === 'per-user'
    ? await ctx.issuance((store) => issueUserCal(ctx, store, host, req, want))
    : await ctx.issuance((store) => issueDeviceCal(ctx, store, host, req, want, activated));
  if (!issued.ok) return issued;
  return ok(await answer(ctx, server, issued.value.license, issued.value.outcome));
}

interface Issued {
  license: HeldLicense;
  outcome: CalAnswer['outcome'];
}

function holding(l: HeldLicense | undefined): DeviceHolding | undefined {
  if (!l) return undefined;
  return {
    kind: l.kind === 'permanent' ? 'permanent' : 'temporary',
    validated: l.validated,
    calVersion: l.calVersion,
    expiresAt: l.expiresAt,
    packActive: l.kind !== 'permanent' || l.packStatus === 'active',
  };
}

interface Want {
  hostVersion: CalVersion;
  preventUpgrade: boolean;
}

async function issueDeviceCal(
  ctx: LicenseServerContext,
  store: IssuanceStore,
  host: string,
  req: CalRequest,
  want: Want,
  activated: boolean,
): Promise<Result<Issued>> {
  const { hostVersion } = want;
  const now = ctx.clock.now();
  const held = await store.deviceHoldings(req.hwid);
  let decision: DeviceDecision = decideDeviceCal({ activated, hostVersion, now, permanent: holding(held.permanent), temporary: holding(held.temporary) });

  if (decision.action === 'renew' && held.permanent) {
    const expiresAt = permanentExpiry(now, ctx.random);
    if (await store.renewIssued(held.permanent.id, expiresAt, now)) {
      return ok({ license: { ...held.permanent, issuedAt: now, expiresAt }, outcome: 'renewed' });
    }
    decision = { action: 'permanent', reason: 'expired' };
  }

  if (decision.action === 'permanent') {
    const old = held.permanent;
    const pack = await claimFor(ctx, store, 'device', want, now);
    if (pack) {
      // The device's previous permanent CAL gives its seat back: it expired, came from an invalidated pack,
      // or is replaced by a newer version (upgrade).
      if (old && (await store.retireIssued(old.id, decision.reason === 'upgrade' ? 'upgraded' : decision.reason === 'expired' ? 'expired' : 'removed'))) {
        if (old.keyPackId) await store.releaseSeat(old.keyPackId);
      }
      if (held.temporary) await store.retireIssued(held.temporary.id, 'upgraded');
      const license = await insert(ctx, store, {
        kind: 'permanent', calType: 'device', calVersion: pack.calVersion, keyPackId: pack.id, pack: pack.pack, grantSeq: pack.seq,
        device: req.device, hwid: req.hwid, host, issuedAt: now, expiresAt: permanentExpiry(now, ctx.random), grant: pack.grant,
      });
      return ok({ license, outcome: old && decision.reason === 'upgrade' ? 'upgraded' : 'issued' });
    }
    // No free CAL of a version this host accepts (event 21); expired or invalidated permanents leave now.
    if (old && decision.reason !== 'upgrade' && (await store.retireIssued(old.id, decision.reason === 'expired' ? 'expired' : 'removed'))) {
      if (old.keyPackId) await store.releaseSeat(old.keyPackId);
    }
    decision = fallbackOnNoSeat({ activated, now, temporary: holding(held.temporary) });
    await store.record({
      id: 21,
      data: { calType: 'device', calVersion: hostVersion, device: req.device, outcome: decision.action === 'refuse' ? 'no CAL' : 'a temporary CAL' },
    });
  }

  switch (decision.action) {
    case 'keep': {
      const license = decision.holding === 'permanent' ? held.permanent : held.temporary;
      if (!license) throw new Error('keep decision without a held license');
      return ok({ license, outcome: 'kept' });
    }
    case 'temporary': {
      if (held.temporary) await store.retireIssued(held.temporary.id, 'expired');
      const license = await insert(ctx, store, {
        kind: 'temporary', calType: 'device', calVersion: hostVersion, device: req.device, hwid: req.hwid, host,
        issuedAt: now, expiresAt: temporaryExpiry(now),
      });
      return ok({ license, outcome: 'issued' });
    }
    case 'refuse':
      return decision.code === 'NO_CAL_AVAILABLE'
        ? refuse(
            'NO_CAL_AVAILABLE',
            { calType: 'device', calVersion: hostVersion, device: req.device, serverId: ctx.serverId },
          )
        : refuse(
            'LICENSE_SERVER_NOT_ACTIVATED',
            { device: req.device, serverId: ctx.serverId, action: 'issue' },
          );
    default:
      throw new Error(`unexpected decision ${decision.action}`);
  }
}

/**
 * Claim a seat in the best key pack for this host. The packs may come from memory; when none of them gives a seat,
 * they are read again from the database, and then expired CALs are reclaimed once before giving up.
 */
async function claimFor(ctx: LicenseServerContext, store: IssuanceStore, calType: 'device' | 'user', w: Want, now: Date): Promise<KeyPack | undefined> {
  const want = { calType, hostVersion: w.hostVersion, serverVersion: ctx.serverVersion, preventUpgrade: w.preventUpgrade };
  for (let round = 0; round < 3; round++) {
    const all = round === 0 ? await store.keyPacks() : await store.reloadKeyPacks();
    // A key pack installed from a typed key pack ID whose grant did not come within its window issues nothing.
    const packs = all.filter((p) => (!p.expiresAt || !isExpired(p.expiresAt, now)) && keyPackState(p, now) !== 'lapsed');
    for (const pack of chooseKeyPack(packs, want)) {
      if (await store.claimSeat(pack.id)) return pack;
    }
    if (round === 1 && (await store.reclaimExpired(now)) === 0) return undefined;
  }
  return undefined;
}

async function insert(ctx: LicenseServerContext, store: IssuanceStore, l: Omit<repo.NewIssued, 'id'> & { grant?: string }): Promise<HeldLicense> {
  const id = newId(ctx, 'cal_');
  const { grant: _grant, ...row } = l;
  await store.insertIssued({ ...row, id });
  return {
    ...l,
    id,
    validated: false,
    status: 'active',
    overAllocated: l.overAllocated ?? false,
    packStatus: l.keyPackId ? 'active' : undefined,
  };
}

async function issueUserCal(ctx: LicenseServerContext, store: IssuanceStore, host: string, req: CalRequest, want: Want): Promise<Result<Issued>> {
  const { hostVersion } = want;
  const now = ctx.clock.now();
  const user = req.user!;
  const held = await store.userHolding(user);
  if (held && !isExpired(held.expiresAt, now) && isVersionAcceptedByHost(hostVersion, held.calVersion)) {
    // Extended by another 60 days at sign-in [fact: WSD-CAL].
    const expiresAt = perUserExpiry(now);
    // The token is signed now for 60 days: a session host refuses a per-user CAL token living longer (DESIGN §4 cap).
    if (await store.renewIssued(held.id, expiresAt, held.issuedAt)) return ok({ license: { ...held, issuedAt: now, expiresAt }, outcome: 'extended' });
  }
  if (held && (await store.retireIssued(held.id, isExpired(held.expiresAt, now) ? 'expired' : 'upgraded'))) {
    if (held.keyPackId) await store.releaseSeat(held.keyPackId);
  }
  const pack = await claimFor(ctx, store, 'user', want, now);
  const license = await insert(ctx, store, {
    kind: 'user', calType: 'user', calVersion: pack?.calVersion ?? hostVersion, keyPackId: pack?.id, pack: pack?.pack, grantSeq: pack?.seq,
    device: req.device, hwid: req.hwid, user, host, issuedAt: now, expiresAt: perUserExpiry(now), overAllocated: pack === undefined,
    grant: pack?.grant,
  });
  if (!pack) {
    // Per-user CALs may be over-allocated: reported, not refused [fact: WSD-CAL].
    const installed = await store.installedCals('user', hostVersion);
    const live = await store.liveUserCals(hostVersion);
    await store.record({ id: 9108, data: { user, calVersion: hostVersion, overAllocated: perUserOverAllocation(installed, live) } });
  }
  return ok({ license, outcome: 'issued' });
}

async function answer(ctx: LicenseServerContext, server: ServerState, l: HeldLicense, outcome: CalAnswer['outcome']): Promise<CalAnswer> {
  const payload: CalTokenPayload = {
    typ: 'opencal.cal',
    iss: ctx.serverId,
    jti: l.id,
    kind: l.kind,
    calType: l.calType,
    calVersion: l.calVersion,
    device: l.device,
    hwid: l.hwid,
    iat: Math.floor(l.issuedAt.getTime() / 1000),
    exp: Math.floor(l.expiresAt.getTime() / 1000),
  };
  if (l.pack !== undefined) payload.pack = l.pack;
  if (l.grantSeq !== undefined) payload.grant = l.grantSeq;
  if (l.user !== undefined) payload.user = l.user;
  const bundle: CalBundle = { token: await ctx.sign(payload) };
  if (server.certificate) bundle.certificate = server.certificate;
  // A phone/web-installed pack's grant arrives at the next check-in; until then the bundle carries none.
  if (l.kind !== 'temporary' && l.grant) bundle.grant = l.grant;
  // serverTime: the session host reads this server's clock skew from it (it judges the new CAL's dates by it).
  return { bundle, kind: l.kind, expiresAt: l.expiresAt.toISOString(), serverId: ctx.serverId, calVersion: l.calVersion, outcome, serverTime: ctx.clock.now().toISOString() };
}

/** A successful logon marks the temporary CAL validated, so the next connection can get a permanent one. */
export async function validateCal(ctx: LicenseServerContext, host: string, jti: string): Promise<Result<{ jti: string; validated: true }>> {
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 64) return refuse('INVALID_REQUEST', { field: 'jti' });
  const allowed = await checkHostAllowed(ctx, await ctx.cache.get(), host);
  if (!allowed.ok) return allowed;
  const row = await repo.validateTemporary(ctx.db, jti);
  if (!row) {
    return refuse('CAL_NOT_FOUND', { jti, serverId: ctx.serverId });
  }
  return ok({ jti, validated: true });
}
