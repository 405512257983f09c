/**
 * The CAL decision dry run (`POST /ls/v1/cals/dry-run`, scope `ls:host`): what this license server would
 * answer a session host's CAL request now, without issuing, claiming, renewing or recording anything — no row
 * is written and no event is logged. The diagnoser asks each listed license server through the session host
 * (`POST /sh/v1/probe`), so the answer is given to the host's own credential: a host whose enrolment this server
 * no longer knows (reinstalled at the same address) is refused here exactly as its real requests are.
 *
 * Each check reads the same rules issuance uses (core/license-server-rules.ts), in the same order.
 */
import { chooseKeyPack, decideDeviceCal, fallbackOnNoSeat, isExpired, type DeviceDecision, type DeviceHolding } from '../core/license-server-rules';
import { ok, refusal, type Refusal, type Result } from '../core/result';
import { isCalVersion, type CalVersion } from '../core/vocabulary';
import type { LicenseServerContext } from './context';
import { isActive } from './issuance.usecase';
import * as repo from './license-server.repository';
import { keyPackState } from './provisional.usecase';
import type { HeldLicense } from './license-server.repository';

export interface DryRunRequest {
  mode: 'per-device' | 'per-user';
  hostVersion: number;
  /** a device's hardware ID, to tell what that device would get; omitted: a device never seen. */
  hwid?: string;
  user?: string;
}

/** What the server would do for the request: the wire contract's type (src/core/wire/license-server.ts), declared once. */
export type { DryRunAnswer } from '../core/wire/license-server';
import type { DryRunAnswer } from '../core/wire/license-server';

function holding(l: HeldLicense | undefined): DeviceHolding | undefined {
  if (!l) return undefined;
  return { kind: l.kind === 'permanent' ? 'permanent' : 'temporary', validated: l.validated, calVersion: l.calVersion, expiresAt: l.expiresAt, packActive: l.kind !== 'permanent' || l.packStatus === 'active' };
}

/** No CAL: the answer carries the code and the catalogue's message of the refusal a real request gets. */
function none(ctx: LicenseServerContext, activated: boolean, why: Refusal): Result<DryRunAnswer> {
  return ok({ serverId: ctx.serverId, dryRun: true, issue: 'none', permanentAvailable: false, activated, code: why.code, message: why.message });
}

export async function dryRunCal(ctx: LicenseServerContext, host: string, req: DryRunRequest): Promise<Result<DryRunAnswer>> {
  const now = ctx.clock.now();
  const hostVersion: CalVersion = isCalVersion(req.hostVersion) ? req.hostVersion : ctx.serverVersion;
  const state = await ctx.cache.get();
  const server = state.server;
  const activated = isActive(server, now);
  // Same order as requestCal: allow-list (event 4141 in a real request, none here), then the server's status.
  if (server.allowListEnabled && !state.allowList.has(host.toLowerCase())) {
    return none(ctx, activated, refusal('HOST_NOT_ALLOWED', { host }));
  }
  if (server.status === 'deactivated') return none(ctx, false, refusal('LICENSE_SERVER_DEACTIVATED', { serverId: ctx.serverId }));
  if (server.status === 'invalidated') return none(ctx, false, refusal('LICENSE_SERVER_INVALIDATED', { serverId: ctx.serverId }));

  // As issuance: a key pack whose provisional window lapsed without its grant issues nothing.
  const packs = (await repo.listKeyPacks(ctx.db)).filter((p) => (!p.expiresAt || !isExpired(p.expiresAt, now)) && keyPackState(p, now) !== 'lapsed');
  const calType = req.mode === 'per-user' ? 'user' : 'device';
  const seat = activated ? chooseKeyPack(packs, { calType, hostVersion, serverVersion: ctx.serverVersion, preventUpgrade: server.preventUpgrade })[0] : undefined;
  const base = { serverId: ctx.serverId, dryRun: true as const, activated, permanentAvailable: seat !== undefined, ...(seat ? { calVersion: seat.calVersion } : {}) };

  if (req.mode === 'per-user') {
    // Per-user CALs are issued even beyond the installed count (over-allocation is reported, not refused).
    return ok({ ...base, issue: 'user', calVersion: seat?.calVersion ?? hostVersion, overAllocated: seat === undefined });
  }
  const held = req.hwid ? await repo.deviceHoldings(ctx.db, req.hwid) : {};
  let decision: DeviceDecision = decideDeviceCal({ activated, hostVersion, now, permanent: holding(held.permanent), temporary: holding(held.temporary) });
  if (decision.action === 'permanent' && seat === undefined) {
    // No free seat: a real request keeps or gives a temporary CAL when it can (event 21), or refuses.
    decision = fallbackOnNoSeat({ activated, now, temporary: holding(held.temporary) });
  }
  switch (decision.action) {
    case 'keep':
      return ok({ ...base, issue: decision.holding === 'permanent' ? 'permanent' : 'temporary' });
    case 'renew':
    case 'permanent':
      return ok({ ...base, issue: 'permanent' });
    case 'temporary':
      return ok({ ...base, issue: 'temporary' });
    case 'refuse':
      return none(
        ctx,
        activated,
        decision.code === 'NO_CAL_AVAILABLE'
          ? refusal('NO_CAL_AVAILABLE', { calType: 'device', calVersion: hostVersion, serverId: ctx.serverId })
          : refusal('LICENSE_SERVER_NOT_ACTIVATED', { serverId: ctx.serverId, action: 'issue' }),
      );
  }
}
