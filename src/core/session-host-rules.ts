/**
 * Session host rules (DESIGN §5 "Session host", rds-facts §6): configuration layers, the 120-day grace
 * period, CAL version acceptance, the checks a presented CAL token goes through once its signatures are
 * verified, and the admission decision. Pure: time is an argument, nothing here does I/O.
 */
import { DAY_MS } from './clock';
import { isInRenewalWindow, isVersionAcceptedByHost, PER_USER_CAL_DAYS, PERMANENT_CAL_MAX_DAYS, TEMPORARY_CAL_DAYS } from './license-server-rules';
import type { CalBundle, CalTokenPayload, RevocationListPayload } from './protocol';
import { refusal, type Refusal } from './result';
import type { RefusalCode } from './refusals';
import type { CalKind, CalType, CalVersion, ConfigLayer, LicensingMode } from './vocabulary';

// ---------------------------------------------------------------------------------------------------------
// Configuration layers

/** A resolved setting and the layer it came from (like Win32_TerminalServiceSetting.PolicySourceLicensingType). */
export interface Layered<T> {
  readonly value: T;
  readonly source: ConfigLayer | 'default';
}

/** What one layer says; `undefined` (or, for lists, an empty list) means "this layer does not set it". */
export interface LayerSettings {
  mode?: LicensingMode;
  licenseServers?: string[];
}

function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  // LicensingMode 5 is what the registry holds when no one configured it: it never overrides a lower layer.
  if (value === 'not-configured') return false;
  return true;
}

/**
 * Policy (Group Policy) > deployment (RDMS, Set-RDLicenseConfiguration) > local (RCM registry / own config).
 * rds-facts §6: a mode set by GPO takes precedence; RDMS applies when nothing else is set locally is the
 * jagilber order, but GPO vs RDMS precedence is undocumented; DESIGN §5 fixes policy > deployment > local.
 */
export function resolveLayered<T>(policy: T | undefined, deployment: T | undefined, local: T | undefined, fallback: T): Layered<T> {
  if (isSet(policy)) return { value: policy as T, source: 'policy' };
  if (isSet(deployment)) return { value: deployment as T, source: 'deployment' };
  if (isSet(local)) return { value: local as T, source: 'local' };
  return { value: fallback, source: 'default' };
}

export interface ResolvedConfig {
  readonly mode: Layered<LicensingMode>;
  readonly licenseServers: Layered<string[]>;
}

export function resolveConfig(layers: Partial<Record<ConfigLayer, LayerSettings>>): ResolvedConfig {
  return {
    mode: resolveLayered<LicensingMode>(layers.policy?.mode, layers.deployment?.mode, layers.local?.mode, 'not-configured'),
    licenseServers: resolveLayered<string[]>(
      layers.policy?.licenseServers,
      layers.deployment?.licenseServers,
      layers.local?.licenseServers,
      [],
    ),
  };
}

/**
 * A license server list entry is a URL (`http://host:port`); a bare `host[:port]` means http. The host keeps
 * the case the administrator typed (Windows names are case-insensitive, and the emitted scripts should read
 * as the administrator wrote them). Returns undefined for anything that is not an origin.
 */
export function normalizeLicenseServerUrl(input: string): string | undefined {
  const text = input.trim();
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/?#@\s]+)\/?$/i.exec(text);
  if (!m) return undefined;
  const scheme = (m[1] ?? 'http').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  try {
    new URL(`${scheme}://${m[2]}`);
  } catch {
    return undefined;
  }
  return `${scheme}://${m[2]}`;
}

/** The host name of a license server entry, as the Windows registry, GPO and RDMS want it. */
export function licenseServerHostName(entry: string): string {
  const normalized = normalizeLicenseServerUrl(entry);
  if (!normalized) return entry.trim();
  const authority = normalized.replace(/^https?:\/\//, '');
  if (authority.startsWith('[')) return authority.slice(0, authority.indexOf(']') + 1);
  return authority.replace(/:\d+$/, '');
}

// ---------------------------------------------------------------------------------------------------------
// Grace period

/** rds-facts §6: 120 days from role installation (first start here), always counting down. */
export const GRACE_PERIOD_DAYS = 120;

export interface GraceStatus {
  /** days left, rounded up; 0 means the grace period is over (GetGracePeriodDays semantics). */
  readonly daysLeft: number;
  readonly expired: boolean;
  readonly endsAt: Date;
  /** when the grace period started (role installation: the session host's first start). */
  readonly firstStart: Date;
  /** the time the count is based on: the later of `now` and the persisted high-water mark. */
  readonly effectiveNow: Date;
  /** the clock reads earlier than a time already seen: the anomaly to log; no days are given back. */
  readonly clockWentBack: boolean;
}

/**
 * Days left in the grace period. The count uses the later of `now` and the high-water mark (the latest time
 * the session host has ever seen, persisted), so moving the clock backwards never gives days back.
 */
export function graceDaysLeft(firstStart: Date, highWaterMark: Date | undefined, now: Date): GraceStatus {
  const hwm = highWaterMark?.getTime() ?? firstStart.getTime();
  const effective = Math.max(hwm, now.getTime(), firstStart.getTime());
  const endsAt = new Date(firstStart.getTime() + GRACE_PERIOD_DAYS * DAY_MS);
  const remainingMs = endsAt.getTime() - effective;
  const daysLeft = remainingMs <= 0 ? 0 : Math.min(GRACE_PERIOD_DAYS, Math.ceil(remainingMs / DAY_MS));
  return {
    daysLeft,
    expired: daysLeft === 0,
    endsAt,
    firstStart,
    effectiveNow: new Date(effective),
    clockWentBack: now.getTime() < hwm,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Versions

// A session host accepts CALs of its own version or newer: isVersionAcceptedByHost, license-server-rules.ts.

// ---------------------------------------------------------------------------------------------------------
// Refusal codes and the messages a user sees

/** The refusals a session host answers a connection with (their words are in ./refusals.ts). */
export const SESSION_HOST_CODES = [
  'INVALID_CONNECTION_REQUEST',
  'USER_REQUIRED',
  'CAL_TOKEN_MALFORMED',
  'CAL_SIGNATURE_INVALID',
  'CAL_CERTIFICATE_INVALID',
  'CAL_GRANT_INVALID',
  'CAL_WRONG_DEVICE',
  'CAL_WRONG_HARDWARE_ID',
  'CAL_EXPIRED',
  'CAL_NOT_YET_VALID',
  'CAL_VERSION_TOO_OLD',
  'CAL_MODE_MISMATCH',
  'CAL_SERVER_INVALIDATED',
  'CAL_GRANT_REVOKED',
  'CAL_ISSUER_UNKNOWN',
  'CAL_KIND_TYPE_INVALID',
  'CAL_LIFETIME_EXCEEDED',
  'CAL_ISSUER_OTHER_ORGANIZATION',
  'CAL_ISSUER_NOT_LISTED',
  'CAL_GRANT_MISSING',
  'CAL_PROVISIONAL_WINDOW_OVER',
  'CAL_CERTIFICATE_EXPIRED',
  'TRUST_ANCHOR_UNAVAILABLE',
  'NO_LICENSE_SERVER_AVAILABLE',
  'NO_CAL_AVAILABLE',
  'GRACE_PERIOD_EXPIRED_MODE_NOT_CONFIGURED',
  'PER_USER_NOT_PERMITTED_IN_WORKGROUP',
] as const satisfies readonly RefusalCode[];

export type SessionHostCode = (typeof SESSION_HOST_CODES)[number];

export function sessionHostRefusal(code: SessionHostCode, detail?: Record<string, unknown>): Refusal<SessionHostCode> {
  return refusal(code, detail);
}

/** Codes that mean "this token is bad input": the connection is refused and nothing is issued. */
export const BAD_TOKEN_CODES: readonly SessionHostCode[] = [
  'CAL_TOKEN_MALFORMED',
  'CAL_SIGNATURE_INVALID',
  'CAL_CERTIFICATE_INVALID',
  'CAL_GRANT_INVALID',
  'CAL_WRONG_DEVICE',
  'CAL_WRONG_HARDWARE_ID',
  // Signed by a license server key, yet no license server issues such a CAL: a forgery by that key's holder.
  'CAL_KIND_TYPE_INVALID',
  'CAL_LIFETIME_EXCEEDED',
];
// An expired CAL, one dated in the future (this host's clock is behind), or one of a license server outside this
// host's organization is not bad input: as RDS does on a first connection, the host asks its own license servers
// for a new CAL instead (they are "not honoured").

/** Codes of CALs that are dead everywhere: the device is told to drop them (the admission's `discard`). */
export const GLOBALLY_DEAD_CODES: readonly SessionHostCode[] = ['CAL_SERVER_INVALIDATED', 'CAL_GRANT_REVOKED', 'CAL_EXPIRED'];

// ---------------------------------------------------------------------------------------------------------
// The entitlement chain (DESIGN §4): clearinghouse root → license server certificate (with its organization)
// → grant → CAL. What the verifier (session-host/cal-verifier.ts) asks once the signatures are checked.

/** The kind/type pairs a license server issues: temporary and permanent CALs are per device, user CALs per user. */
export const CAL_KIND_TYPES: Readonly<Record<CalKind, CalType>> = { temporary: 'device', permanent: 'device', user: 'user' };

export function isKnownKindType(kind: CalKind, calType: CalType): boolean {
  return CAL_KIND_TYPES[kind] === calType;
}

/** The longest life of each kind of CAL token [fact: WSD-CAL]: temporary 90 days, permanent 52–89, per user 60. */
export const CAL_LIFETIME_CAP_DAYS: Readonly<Record<CalKind, number>> = {
  temporary: TEMPORARY_CAL_DAYS,
  permanent: PERMANENT_CAL_MAX_DAYS,
  user: PER_USER_CAL_DAYS,
};

/** Default tolerated difference between the clocks of a license server and a session host (issue 13: 5 minutes). */
export const DEFAULT_CLOCK_LEEWAY_SECONDS = 300;

/** Whether a CAL token lives no longer than its kind's cap, plus the clock leeway (`iat` and `exp` in seconds). */
export function isLifetimeWithinCap(claims: Pick<CalTokenPayload, 'kind' | 'iat' | 'exp'>, leewaySeconds: number): boolean {
  return claims.exp - claims.iat <= CAL_LIFETIME_CAP_DAYS[claims.kind] * 86_400 + leewaySeconds;
}

/** A CAL that draws on a pack's seat (a permanent CAL, or a user CAL from a pack) stands on a grant. */
export function isSeatBacked(claims: Pick<CalTokenPayload, 'kind' | 'pack'>): boolean {
  return claims.kind === 'permanent' || claims.pack !== undefined;
}

/**
 * How long a pack installed from a typed key pack ID (no signed grant yet) has its CALs honoured: DESIGN §4
 * "provisional", 14 days unless the clearinghouse's trust anchor says otherwise (`provisionalWindowDays`).
 */
export const DEFAULT_PROVISIONAL_WINDOW_DAYS = 14;

/** The window runs from this host's first sighting of a grantless CAL of that (license server, pack). */
export function provisionalWindowEnd(firstSeen: Date, windowDays: number): Date {
  return new Date(firstSeen.getTime() + windowDays * DAY_MS);
}

export function isWithinProvisionalWindow(firstSeen: Date, now: Date, windowDays: number): boolean {
  return now.getTime() <= provisionalWindowEnd(firstSeen, windowDays).getTime();
}

/**
 * Whether the issuer of a CAL may license connections here: its certificate's organization is this host's, or it is
 * on this host's license server list (an unactivated or not yet certified server, or a host whose organization is
 * not known yet). A listed server of another organization is still refused: the chain wants both.
 */
export function judgeIssuer(f: {
  /** the organization in the issuer's verified certificate; undefined without one */
  issuerOrganization?: string;
  /** this host's organization; undefined while it has not learned it */
  hostOrganization?: string;
  /** the issuer's ID is one of this host's listed license servers */
  listed: boolean;
}): { trusted: true } | { trusted: false; code: 'CAL_ISSUER_OTHER_ORGANIZATION' | 'CAL_ISSUER_NOT_LISTED' } {
  if (f.issuerOrganization !== undefined && f.hostOrganization !== undefined) {
    return f.issuerOrganization === f.hostOrganization ? { trusted: true } : { trusted: false, code: 'CAL_ISSUER_OTHER_ORGANIZATION' };
  }
  return f.listed ? { trusted: true } : { trusted: false, code: 'CAL_ISSUER_NOT_LISTED' };
}

/**
 * Clock skew of a license server as seen from this host: its answer time minus this host's time at the answer,
 * in whole seconds. Reported when larger than the leeway.
 */
export function clockSkewSeconds(serverTime: Date, hostTime: Date): number {
  return Math.round((serverTime.getTime() - hostTime.getTime()) / 1000);
}

export function isSkewBeyondLeeway(skewSeconds: number, leewaySeconds: number): boolean {
  return Math.abs(skewSeconds) > leewaySeconds;
}

// ---------------------------------------------------------------------------------------------------------
// Checks on a CAL token whose signatures are already verified

export interface CalCheckContext {
  now: Date;
  /** tolerated clock difference with license servers, in seconds (DEFAULT_CLOCK_LEEWAY_SECONDS when absent) */
  leewaySeconds?: number;
  device: string;
  hwid: string;
  user?: string;
  hostVersion: CalVersion;
  mode: LicensingMode;
  revocations?: Pick<RevocationListPayload, 'servers' | 'grants'>;
}

export type CalCheck =
  | { readonly status: 'honoured'; readonly claims: CalTokenPayload }
  | { readonly status: 'bad'; readonly refusal: Refusal<SessionHostCode> }
  | { readonly status: 'not-honoured'; readonly refusal: Refusal<SessionHostCode>; readonly claims: CalTokenPayload }
  /** a user CAL of another user on a shared device: simply not this connection's concern. */
  | { readonly status: 'ignored'; readonly claims: CalTokenPayload };

export function sameDeviceName(a: string, b: string): boolean {
  // Windows computer names are case-insensitive.
  return a.trim().toUpperCase() === b.trim().toUpperCase();
}

/** The ordered checks of a presented CAL (its signature, certificate and grant verified by the caller). */
export function checkCalClaims(claims: CalTokenPayload, ctx: CalCheckContext): CalCheck {
  const nowSec = Math.floor(ctx.now.getTime() / 1000);
  const detail = { jti: claims.jti, licenseServerId: claims.iss };
  if (!sameDeviceName(claims.device, ctx.device)) return bad('CAL_WRONG_DEVICE', { ...detail, issuedTo: claims.device });
  if (claims.hwid !== ctx.hwid) return bad('CAL_WRONG_HARDWARE_ID', detail);
  const leeway = ctx.leewaySeconds ?? DEFAULT_CLOCK_LEEWAY_SECONDS;
  if (claims.iat > nowSec + leeway) return notHonoured('CAL_NOT_YET_VALID', claims, { ...detail, issuedAt: isoSeconds(claims.iat), leewaySeconds: leeway });
  if (claims.exp <= nowSec) return notHonoured('CAL_EXPIRED', claims, { ...detail, expiredAt: isoSeconds(claims.exp) });
  if (claims.calType === 'user') {
    if (ctx.mode === 'per-user' && (ctx.user === undefined || claims.user?.toLowerCase() !== ctx.user.toLowerCase())) {
      return { status: 'ignored', claims };
    }
  }
  const revokedServer = ctx.revocations?.servers.find((s) => s.serverId === claims.iss);
  if (revokedServer) return notHonoured('CAL_SERVER_INVALIDATED', claims, { ...detail, reason: revokedServer.reason });
  if (claims.pack !== undefined && claims.grant !== undefined) {
    const revokedGrant = ctx.revocations?.grants.find(
      (g) => g.serverId === claims.iss && g.pack === claims.pack && claims.grant! <= g.seq,
    );
    if (revokedGrant) {
      return notHonoured('CAL_GRANT_REVOKED', claims, { ...detail, pack: claims.pack, caseNumber: revokedGrant.caseNumber });
    }
  }
  const wantedType = ctx.mode === 'per-user' ? 'user' : 'device';
  if (ctx.mode !== 'not-configured' && claims.calType !== wantedType) {
    return notHonoured('CAL_MODE_MISMATCH', claims, { ...detail, calType: claims.calType, mode: ctx.mode });
  }
  if (!isVersionAcceptedByHost(ctx.hostVersion, claims.calVersion)) {
    return notHonoured('CAL_VERSION_TOO_OLD', claims, { ...detail, calVersion: claims.calVersion, hostVersion: ctx.hostVersion });
  }
  return { status: 'honoured', claims };
}

function bad(code: SessionHostCode, detail: Record<string, unknown>): CalCheck {
  return { status: 'bad', refusal: sessionHostRefusal(code, detail) };
}

function notHonoured(code: SessionHostCode, claims: CalTokenPayload, detail: Record<string, unknown>): CalCheck {
  return { status: 'not-honoured', refusal: sessionHostRefusal(code, detail), claims };
}

function isoSeconds(sec: number): string {
  return new Date(sec * 1000).toISOString();
}

/** Whether a CAL is close enough to its expiry that the session host asks for a renewal (DESIGN §5: within 7 days). */
export function needsRenewal(claims: Pick<CalTokenPayload, 'exp'>, now: Date): boolean {
  return isInRenewalWindow(new Date(claims.exp * 1000), now);
}

/**
 * Ranks honoured CALs: permanent (or user) before temporary, then the one that lives longest.
 * The best one is what the session host relies on and presents to the license server for upgrade/renewal.
 */
export function bestCal<T extends { claims: CalTokenPayload }>(candidates: readonly T[]): T | undefined {
  const rank = (k: CalKind) => (k === 'temporary' ? 0 : 1);
  return [...candidates].sort((a, b) => rank(b.claims.kind) - rank(a.claims.kind) || b.claims.exp - a.claims.exp)[0];
}

// ---------------------------------------------------------------------------------------------------------
// Admission

/** What asking the license servers on the list produced. */
export type IssuanceOutcome =
  | { readonly kind: 'not-asked' }
  | { readonly kind: 'issued'; readonly bundle: CalBundle; readonly calKind: CalKind; readonly expiresAt: string; readonly serverUrl: string; readonly serverId: string }
  /** every listed server was down, or none is listed. */
  | { readonly kind: 'unreachable'; readonly tried: string[] }
  /** a server answered with a refusal (no CAL available, host not allowed, …). */
  | { readonly kind: 'refused'; readonly refusal: Refusal; readonly serverUrl: string; readonly tried: string[] };

/** Verified facts about one connection, gathered by the use case. */
export interface AdmissionFacts {
  mode: LicensingMode;
  directory: 'domain' | 'workgroup';
  grace: Pick<GraceStatus, 'daysLeft' | 'expired'>;
  licenseServers: readonly string[];
  /** the first bad-input refusal among the presented tokens, if any. */
  badToken?: Refusal<SessionHostCode>;
  /** the best honoured CAL, still valid. */
  honoured?: CalTokenPayload;
  /** the first not-honoured refusal among the presented tokens (for the message when nothing else works). */
  notHonoured?: Refusal<SessionHostCode>;
  issuance: IssuanceOutcome;
}

export type AdmissionBasis = 'issued' | 'presented' | 'grace';

/** Event ids of DESIGN §6 that an admission decision asks the shell to record. */
export type AdmissionEventId = 1004 | 1028 | 1068 | 1069 | 50282;

export type AdmissionDecision =
  | { readonly admitted: true; readonly basis: AdmissionBasis; readonly events: AdmissionEventId[]; readonly warning?: Refusal<SessionHostCode> }
  | { readonly admitted: false; readonly refusal: Refusal; readonly events: AdmissionEventId[] };

/** Whether the session host should ask its license servers for a CAL on this connection. */
export function shouldAskLicenseServers(
  facts: Pick<AdmissionFacts, 'mode' | 'directory' | 'licenseServers' | 'badToken' | 'honoured'>,
  now: Date,
): boolean {
  if (facts.badToken) return false;
  if (facts.mode === 'not-configured') return false;
  if (facts.mode === 'per-user' && facts.directory === 'workgroup') return false;
  if (facts.licenseServers.length === 0) return false;
  const h = facts.honoured;
  if (!h) return true;
  // A temporary CAL is presented for its upgrade to a permanent one at the next connection (DESIGN §5).
  if (h.kind === 'temporary') return true;
  return needsRenewal(h, now);
}

/**
 * The admission rule (rds-facts design implication 9): admit when a CAL was issued, or a still-valid CAL was
 * presented, or the grace period is running; otherwise refuse with the message a user would see.
 * Bad tokens are refused first, grace or not: nothing is issued for forged or foreign licenses.
 */
export function decideAdmission(facts: AdmissionFacts): AdmissionDecision {
  if (facts.badToken) return { admitted: false, refusal: facts.badToken, events: [] };
  const workgroupPerUser = facts.mode === 'per-user' && facts.directory === 'workgroup';
  const modeEvents: AdmissionEventId[] = facts.mode === 'not-configured' ? [1068] : [];
  const noServerEvents: AdmissionEventId[] = facts.licenseServers.length === 0 && facts.mode !== 'not-configured' ? [50282] : [];

  const issuance = facts.issuance;
  if (issuance.kind === 'issued') return { admitted: true, basis: 'issued', events: [] };
  if (facts.honoured) {
    // A still-valid CAL is honoured when no license server answers; the failed renewal is logged (1028).
    const renewalFailed = facts.honoured.kind !== 'temporary' && issuance.kind !== 'not-asked';
    return { admitted: true, basis: 'presented', events: renewalFailed ? [1028] : [] };
  }
  if (!facts.grace.expired) {
    const warning = workgroupPerUser ? sessionHostRefusal('PER_USER_NOT_PERMITTED_IN_WORKGROUP') : undefined;
    const issueFailed: AdmissionEventId[] = issuance.kind === 'unreachable' || issuance.kind === 'refused' ? [1004] : [];
    return warning
      ? { admitted: true, basis: 'grace', events: [...modeEvents, ...noServerEvents, ...issueFailed], warning }
      : { admitted: true, basis: 'grace', events: [...modeEvents, ...noServerEvents, ...issueFailed] };
  }
  if (facts.mode === 'not-configured') {
    return { admitted: false, refusal: sessionHostRefusal('GRACE_PERIOD_EXPIRED_MODE_NOT_CONFIGURED'), events: [1068, 1069] };
  }
  if (workgroupPerUser) return { admitted: false, refusal: sessionHostRefusal('PER_USER_NOT_PERMITTED_IN_WORKGROUP'), events: [1004] };
  if (facts.licenseServers.length === 0) {
    return { admitted: false, refusal: sessionHostRefusal('NO_LICENSE_SERVER_AVAILABLE', { reason: 'none-specified' }), events: [50282] };
  }
  const presented = facts.notHonoured ? { presented: { code: facts.notHonoured.code, detail: facts.notHonoured.detail } } : {};
  if (issuance.kind === 'refused') {
    return {
      admitted: false,
      refusal: sessionHostRefusal('NO_CAL_AVAILABLE', {
        licenseServer: issuance.serverUrl,
        licenseServerCode: issuance.refusal.code,
        licenseServerMessage: issuance.refusal.message,
        ...presented,
      }),
      events: [1004],
    };
  }
  const tried = issuance.kind === 'unreachable' ? issuance.tried : [];
  if (facts.notHonoured) {
    return { admitted: false, refusal: { ...facts.notHonoured, detail: { ...facts.notHonoured.detail, licenseServersTried: tried } }, events: [1004] };
  }
  return { admitted: false, refusal: sessionHostRefusal('NO_LICENSE_SERVER_AVAILABLE', { reason: 'none-reachable', tried }), events: [1004] };
}
