/**
 * The license server's rules (DESIGN §5, rds-facts §3 and §5), one named function each.
 * Pure: time is `now`, randomness is a `random(n)` function. The use cases, the API, the CLI,
 * the console and the diagnoser call these; nothing re-encodes them in SQL or in the UI.
 */
import { addDays, DAY_MS } from './clock';
import type { CalVersion, ServerVersion } from './vocabulary';

/** A temporary per-device CAL lives 90 days [fact: WSD-CAL]. */
export const TEMPORARY_CAL_DAYS = 90;
/** A permanent per-device CAL lives a random 52–89 days [fact: WSD-CAL]. */
export const PERMANENT_CAL_MIN_DAYS = 52;
export const PERMANENT_CAL_MAX_DAYS = 89;
/** A CAL presented within 7 days of its expiry is renewed [fact: WSD-CAL]. */
export const RENEWAL_WINDOW_DAYS = 7;
/** A per-user CAL shows as expiring 60 days after issue, extended at sign-in [fact: WSD-CAL, AWS-RDS]. */
export const PER_USER_CAL_DAYS = 60;
/** At most 20 % of a version's installed per-device CALs may be revoked at once, or one [fact: BLOG-REVOKE]. */
export const REVOKE_FRACTION = 0.2;

/** A license server hosts CALs of its own version or older [fact: WSD-CAL]. */
export function isVersionHostable(serverVersion: ServerVersion, calVersion: CalVersion): boolean {
  return calVersion <= serverVersion;
}

/** A session host accepts CALs of its own version or newer [fact: WSD-CAL]. */
export function isVersionAcceptedByHost(hostVersion: CalVersion, calVersion: CalVersion): boolean {
  return calVersion >= hostVersion;
}

/** What chooseKeyPack needs to know about an installed key pack. */
export interface KeyPackCandidate {
  id: string;
  calType: 'device' | 'user';
  calVersion: CalVersion;
  total: number;
  issued: number;
  status: 'active' | 'invalidated';
}

/**
 * Key packs to try, best first, for a CAL wanted by a session host of `hostVersion`.
 * The license server issues the most appropriate version (the host's own); when none is free it issues a
 * newer one, unless "prevent license upgrade" is set [fact: CSP-TS]. Never an older version (the host would
 * refuse it) and never a version this server cannot host. Packs without a free CAL are listed last-free-first
 * out: callers claim with a conditional update, so the counts here are only an ordering hint.
 */
export function chooseKeyPack<P extends KeyPackCandidate>(
  packs: readonly P[],
  want: { calType: 'device' | 'user'; hostVersion: CalVersion; serverVersion: ServerVersion; preventUpgrade: boolean },
): P[] {
  return packs
    .filter((p) => p.status === 'active' && p.calType === want.calType)
    .filter((p) => isVersionHostable(want.serverVersion, p.calVersion))
    .filter((p) => (want.preventUpgrade ? p.calVersion === want.hostVersion : isVersionAcceptedByHost(want.hostVersion, p.calVersion)))
    .filter((p) => p.issued < p.total)
    .sort((a, b) => a.calVersion - b.calVersion || b.total - b.issued - (a.total - a.issued) || a.id.localeCompare(b.id));
}

/** Whether a CAL of `calVersion` given to a host of `hostVersion` is an upgrade (a newer version than asked). */
export function isUpgrade(hostVersion: CalVersion, calVersion: CalVersion): boolean {
  return calVersion > hostVersion;
}

/**
 * A uniformly random lifetime in whole days, 52..89 inclusive [fact: WSD-CAL].
 * Rejection sampling over one byte keeps it unbiased (38 values; 228 = 6 × 38).
 */
export function permanentLifetimeDays(random: (n: number) => Uint8Array): number {
  const span = PERMANENT_CAL_MAX_DAYS - PERMANENT_CAL_MIN_DAYS + 1;
  const limit = Math.floor(256 / span) * span;
  for (;;) {
    const bytes = random(16);
    for (const b of bytes) {
      if (b < limit) return PERMANENT_CAL_MIN_DAYS + (b % span);
    }
  }
}

export function temporaryExpiry(now: Date): Date {
  return addDays(now, TEMPORARY_CAL_DAYS);
}

export function perUserExpiry(now: Date): Date {
  return addDays(now, PER_USER_CAL_DAYS);
}

export function permanentExpiry(now: Date, random: (n: number) => Uint8Array): Date {
  return addDays(now, permanentLifetimeDays(random));
}

/**
 * Presented within 7 days of expiry (and not yet expired): renew [fact: WSD-CAL: "If the CAL expires within
 * 7 days, the RDSH contacts the LS to renew it"]. An expired CAL is not renewed: it is gone (its seat is
 * reclaimed) and the device starts again. The license server and the session host both ask this function.
 */
export function isInRenewalWindow(expiresAt: Date, now: Date): boolean {
  const left = expiresAt.getTime() - now.getTime();
  return left > 0 && left <= RENEWAL_WINDOW_DAYS * DAY_MS;
}

export function isExpired(expiresAt: Date, now: Date): boolean {
  return expiresAt.getTime() <= now.getTime();
}

/**
 * The revoke budget of one CAL version: max(1, floor(20 % of installed)) CALs may be in the revoked state;
 * a revoked CAL stays counted until the issued CAL would have expired [fact: BLOG-REVOKE, BLOG-CT-REVOKE].
 */
export function revokeBudget(installed: number, revokedLive: number): { limit: number; remaining: number } {
  const limit = Math.max(1, Math.floor(installed * REVOKE_FRACTION));
  return { limit, remaining: Math.max(0, limit - revokedLive) };
}

/**
 * When the revoke limit is reached, the next revoke is allowed when the earliest live revoked CAL would have
 * expired (WMI Revoke's NextRevokeAllowedOn). Undefined when nothing is revoked.
 */
export function nextRevokeAllowedOn(revokedExpiries: readonly Date[], now: Date): Date | undefined {
  const live = revokedExpiries.filter((d) => d.getTime() > now.getTime()).map((d) => d.getTime());
  if (live.length === 0) return undefined;
  return new Date(Math.min(...live));
}

/** What the revoke budget of one version is computed from: the installed key packs and the revoked CALs. */
export interface RevokeBudgetFacts {
  keyPacks: readonly { calType: 'device' | 'user'; calVersion: CalVersion; total: number; status: string }[];
  /** revoked per-device CALs (any age: those past their expiry no longer count). */
  revoked: readonly { calVersion: CalVersion; expiresAt: Date }[];
}

/** The revoke budget of one CAL version, with its inputs (WMI Revoke: the limit and NextRevokeAllowedOn). */
export interface RevokeBudgetOfVersion {
  calVersion: CalVersion;
  /** per-device CALs installed in active key packs of this version. */
  installed: number;
  /** revoked CALs of this version that would not have expired yet. */
  revokedLive: number;
  limit: number;
  remaining: number;
  /** when the earliest live revoked CAL would have expired; undefined when none is revoked. */
  nextRevokeAllowedOn?: Date;
}

/**
 * The revoke budget of `calVersion` from the stored facts: per-device CALs of active key packs are the
 * installed count, revoked CALs count until they would have expired [fact: BLOG-REVOKE, BLOG-CT-REVOKE].
 * The license server (before it revokes), the console and the diagnoser all compute it here.
 */
export function revokeBudgetOf(facts: RevokeBudgetFacts, calVersion: CalVersion, now: Date): RevokeBudgetOfVersion {
  const installed = facts.keyPacks
    .filter((k) => k.status === 'active' && k.calType === 'device' && k.calVersion === calVersion)
    .reduce((n, k) => n + k.total, 0);
  const expiries = facts.revoked.filter((r) => r.calVersion === calVersion && !isExpired(r.expiresAt, now)).map((r) => r.expiresAt);
  const budget = revokeBudget(installed, expiries.length);
  const next = nextRevokeAllowedOn(expiries, now);
  return { calVersion, installed, revokedLive: expiries.length, ...budget, ...(next ? { nextRevokeAllowedOn: next } : {}) };
}

/** The revoke budget of every version with per-device CALs installed in an active key pack, oldest version first. */
export function revokeBudgets(facts: RevokeBudgetFacts, now: Date): RevokeBudgetOfVersion[] {
  const versions = [...new Set(facts.keyPacks.filter((k) => k.status === 'active' && k.calType === 'device').map((k) => k.calVersion))];
  return versions.sort((a, b) => a - b).map((v) => revokeBudgetOf(facts, v, now));
}

/** What the license server knows about the CALs it already gave one device (by hardware ID). */
export interface DeviceHolding {
  kind: 'temporary' | 'permanent';
  validated: boolean;
  calVersion: CalVersion;
  expiresAt: Date;
  /** false when the pack it came from was invalidated (its grant is on the revocation list). */
  packActive: boolean;
}

/**
 * The decision for a per-device CAL request (DESIGN §5, rds-facts §5):
 * - `keep`: hand back the CAL the device holds;
 * - `renew`: extend the permanent CAL on the same seat (presented within 7 days of expiry);
 * - `permanent`: claim a seat (first permanent after a validated temporary, upgrade to a newer version, or a
 *   permanent that expired / came from an invalidated pack); falls back to `fallbackOnNoSeat` when none is free;
 * - `temporary`: issue a new 90-day temporary CAL.
 */
export type DeviceDecision =
  | { action: 'keep'; holding: 'temporary' | 'permanent' }
  | { action: 'renew' }
  | { action: 'permanent'; reason: 'validated' | 'upgrade' | 'expired' | 'pack-invalidated' }
  | { action: 'temporary' }
  | { action: 'refuse'; code: 'NO_CAL_AVAILABLE' | 'LICENSE_SERVER_NOT_ACTIVATED' };

export function decideDeviceCal(input: {
  activated: boolean;
  hostVersion: CalVersion;
  now: Date;
  permanent?: DeviceHolding;
  temporary?: DeviceHolding;
}): DeviceDecision {
  const { activated, hostVersion, now, permanent } = input;
  if (permanent && activated) {
    const usable = permanent.packActive && !isExpired(permanent.expiresAt, now);
    if (!permanent.packActive) return { action: 'permanent', reason: 'pack-invalidated' };
    if (!usable) return { action: 'permanent', reason: 'expired' };
    if (!isVersionAcceptedByHost(hostVersion, permanent.calVersion)) return { action: 'permanent', reason: 'upgrade' };
    if (isInRenewalWindow(permanent.expiresAt, now)) return { action: 'renew' };
    return { action: 'keep', holding: 'permanent' };
  }
  if (permanent && !activated && permanent.packActive && !isExpired(permanent.expiresAt, now) && isVersionAcceptedByHost(hostVersion, permanent.calVersion)) {
    // A server that lost its activation cannot renew, but a CAL it issued stays valid until it expires [fact: SUP-DEACT].
    return { action: 'keep', holding: 'permanent' };
  }
  return decideWithoutPermanent(input);
}

/** No usable permanent CAL: the temporary path. */
function decideWithoutPermanent(input: { activated: boolean; now: Date; temporary?: DeviceHolding }): DeviceDecision {
  const t = input.temporary;
  if (!t) return { action: 'temporary' };
  const expired = isExpired(t.expiresAt, input.now);
  if (t.validated && input.activated) return { action: 'permanent', reason: 'validated' };
  if (!expired) return { action: 'keep', holding: 'temporary' };
  // A logon never validated the old temporary CAL: it was never used for a session, start again.
  if (!t.validated) return { action: 'temporary' };
  return { action: 'refuse', code: input.activated ? 'NO_CAL_AVAILABLE' : 'LICENSE_SERVER_NOT_ACTIVATED' };
}

/** When a permanent claim finds no free seat: keep a valid temporary CAL, give a first one, or refuse. */
export function fallbackOnNoSeat(input: { activated: boolean; now: Date; temporary?: DeviceHolding }): DeviceDecision {
  const t = input.temporary;
  if (!t) return { action: 'temporary' };
  if (!isExpired(t.expiresAt, input.now)) return { action: 'keep', holding: 'temporary' };
  if (!t.validated) return { action: 'temporary' };
  return { action: 'refuse', code: input.activated ? 'NO_CAL_AVAILABLE' : 'LICENSE_SERVER_NOT_ACTIVATED' };
}

/** Per-user CAL: issue, or extend by 60 days at sign-in when one is held [fact: WSD-CAL]. */
export function perUserDecision(held: { expiresAt: Date } | undefined): 'issue' | 'extend' {
  return held ? 'extend' : 'issue';
}

/** Per-user CALs may be over-allocated: reported, not refused [fact: WSD-CAL]. */
export function perUserOverAllocation(installed: number, issuedLive: number): number {
  return Math.max(0, issuedLive - installed);
}

/** Activation status derived from stored facts and now: an activation past its expiry is reported expired. */
export function isActivationExpired(expiresAt: Date | undefined, now: Date): boolean {
  return expiresAt !== undefined && isExpired(expiresAt, now);
}
