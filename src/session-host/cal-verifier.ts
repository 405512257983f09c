/**
 * Offline verification of a CAL bundle presented by a device, along the entitlement chain (DESIGN §4): the
 * license server's certificate signed by the clearinghouse (it carries the server's organization), the CAL token's
 * signature by that server's key (or, for an unactivated server on this host's list, its published key), the
 * kind/type pair and lifetime no honest license server exceeds, the issuer's organization and place on the list,
 * the grant of a seat-backed CAL (or, for a pack installed from a typed key pack ID, the provisional window), then
 * the ordered claim checks of core/session-host-rules (device, hardware ID, dates, revocation list, type, version).
 */
import type { CalBundle, CalTokenPayload, GrantPayload, ServerCertificatePayload } from '../core/protocol';
import { CAL_KINDS, CAL_TYPES, isCalVersion } from '../core/vocabulary';
import {
  CAL_LIFETIME_CAP_DAYS,
  DEFAULT_CLOCK_LEEWAY_SECONDS,
  DEFAULT_PROVISIONAL_WINDOW_DAYS,
  checkCalClaims,
  isKnownKindType,
  isLifetimeWithinCap,
  isSeatBacked,
  isWithinProvisionalWindow,
  judgeIssuer,
  sessionHostRefusal,
  type CalCheck,
  type CalCheckContext,
} from '../core/session-host-rules';
import { base64urlDecode, decodeJwsUnverified, verifyJws, verifyJwsWithKey, type KeySet } from '../trust/index';

/** What the claim checks need (core's CalCheckContext), plus the keys the signatures are verified with. */
export interface VerifyContext extends CalCheckContext {
  /** the clearinghouse keys (trust anchor); undefined when this host has none yet. */
  anchor?: KeySet;
  /** license servers on this host's list whose identity is known: server ID -> raw public key. */
  listedServers: ReadonlyMap<string, Uint8Array>;
  /** this host's organization (session-host/chain.usecase.ts `hostOrganization`); undefined until it is known. */
  organization?: string;
  /** the provisional window in days (DEFAULT_PROVISIONAL_WINDOW_DAYS unless the trust anchor says otherwise). */
  provisionalWindowDays?: number;
  /**
   * When this host first saw a grantless CAL of (license server, pack); the first call records it. Without it a
   * grantless seat-backed CAL is not honoured (the window cannot be measured).
   */
  firstSighting?: (serverId: string, pack: number) => Promise<Date>;
}

export type VerifiedBundle = CalCheck & { readonly bundle: CalBundle };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A CAL token payload with the right shape, or undefined. */
export function calClaimsShape(p: Record<string, unknown>): CalTokenPayload | undefined {
  const str = (k: string) => typeof p[k] === 'string' && (p[k] as string).length > 0;
  const num = (k: string) => typeof p[k] === 'number' && Number.isFinite(p[k]);
  if (p.typ !== 'opencal.cal' || !str('iss') || !str('jti') || !str('device') || !str('hwid') || !num('iat') || !num('exp')) return undefined;
  if (!(CAL_KINDS as readonly unknown[]).includes(p.kind) || !(CAL_TYPES as readonly unknown[]).includes(p.calType) || !isCalVersion(p.calVersion)) {
    return undefined;
  }
  if (p.user !== undefined && typeof p.user !== 'string') return undefined;
  if ((p.pack !== undefined && !num('pack')) || (p.grant !== undefined && !num('grant'))) return undefined;
  return p as unknown as CalTokenPayload;
}

export async function verifyBundle(input: unknown, ctx: VerifyContext): Promise<VerifiedBundle> {
  const malformed = (why: string): VerifiedBundle => ({
    status: 'bad',
    refusal: sessionHostRefusal('CAL_TOKEN_MALFORMED', { why }),
    bundle: (isObject(input) ? input : { token: String(input) }) as unknown as CalBundle,
  });
  if (!isObject(input) || typeof input.token !== 'string') return malformed('a CAL bundle is { token, certificate?, grant? }');
  if ((input.certificate !== undefined && typeof input.certificate !== 'string') || (input.grant !== undefined && typeof input.grant !== 'string')) {
    return malformed('certificate and grant are compact JWS strings');
  }
  const bundle: CalBundle = { token: input.token };
  if (typeof input.certificate === 'string') bundle.certificate = input.certificate;
  if (typeof input.grant === 'string') bundle.grant = input.grant;

  const decoded = decodeJwsUnverified(bundle.token);
  if (!decoded.ok) return malformed('not a compact JWS');
  const unverified = calClaimsShape(decoded.value.payload);
  if (!unverified) return malformed('not a CAL token payload');
  const detail = { jti: unverified.jti, licenseServerId: unverified.iss };
  const result = (check: CalCheck): VerifiedBundle => ({ ...check, bundle });
  const bad = (code: Parameters<typeof sessionHostRefusal>[0], extra: Record<string, unknown> = {}) =>
    result({ status: 'bad', refusal: sessionHostRefusal(code, { ...detail, ...extra }) });
  const notHonoured = (code: Parameters<typeof sessionHostRefusal>[0], extra: Record<string, unknown> = {}) =>
    result({ status: 'not-honoured', refusal: sessionHostRefusal(code, { ...detail, ...extra }), claims: unverified });

  // 1. the issuing license server's key, and its organization from the certificate the clearinghouse signed
  let issuerKey: Uint8Array | undefined;
  let issuerOrganization: string | undefined;
  if (bundle.certificate !== undefined && ctx.anchor) {
    const cert = await verifyJws<ServerCertificatePayload>(bundle.certificate, ctx.anchor, 'opencal.certificate');
    // A certificate signed by a since-revoked clearinghouse key was genuine: not honoured, the server signs anew.
    if (!cert.ok) return (cert.error.code === 'JWS_KEY_REVOKED' ? notHonoured : bad)('CAL_CERTIFICATE_INVALID', { reason: cert.error.code });
    if (cert.value.payload.sub !== unverified.iss || typeof cert.value.payload.pub !== 'string') {
      return bad('CAL_CERTIFICATE_INVALID', { reason: 'certificate of another license server', certificateFor: cert.value.payload.sub });
    }
    issuerKey = base64urlDecode(cert.value.payload.pub);
    if (typeof cert.value.payload.org === 'string' && cert.value.payload.org !== '') issuerOrganization = cert.value.payload.org;
    if (typeof cert.value.payload.exp === 'number' && cert.value.payload.exp * 1000 <= ctx.now.getTime()) {
      // The signature is still checked below so that a forged token never reads as merely "expired certificate".
      const sig = await verifyJwsWithKey<CalTokenPayload>(bundle.token, issuerKey, 'opencal.cal');
      if (!sig.ok) return bad(sig.error.code === 'JWS_MALFORMED' ? 'CAL_TOKEN_MALFORMED' : 'CAL_SIGNATURE_INVALID');
      return notHonoured('CAL_CERTIFICATE_EXPIRED', { certificateExpiredAt: new Date(cert.value.payload.exp * 1000).toISOString() });
    }
  } else {
    issuerKey = ctx.listedServers.get(unverified.iss);
  }
  if (!issuerKey) {
    return notHonoured(bundle.certificate !== undefined && !ctx.anchor ? 'TRUST_ANCHOR_UNAVAILABLE' : 'CAL_ISSUER_UNKNOWN');
  }

  // 2. the CAL token's own signature
  const sig = await verifyJwsWithKey<CalTokenPayload>(bundle.token, issuerKey, 'opencal.cal');
  if (!sig.ok) return bad(sig.error.code === 'JWS_MALFORMED' ? 'CAL_TOKEN_MALFORMED' : 'CAL_SIGNATURE_INVALID', { reason: sig.error.code });
  const claims = calClaimsShape(sig.value.payload as unknown as Record<string, unknown>);
  if (!claims) return malformed('not a CAL token payload');

  // 3. what no license server issues: a kind with the other type, or a life beyond the kind's cap. Signed by a
  //    genuine key, such a token is a forgery by that key's holder: refused outright, nothing is issued for it.
  const leeway = ctx.leewaySeconds ?? DEFAULT_CLOCK_LEEWAY_SECONDS;
  const shape = { kind: claims.kind, calType: claims.calType, lifetimeDays: Math.round(((claims.exp - claims.iat) / 86_400) * 10) / 10 };
  if (!isKnownKindType(claims.kind, claims.calType)) return bad('CAL_KIND_TYPE_INVALID', shape);
  if (!isLifetimeWithinCap(claims, leeway)) return bad('CAL_LIFETIME_EXCEEDED', { ...shape, capDays: CAL_LIFETIME_CAP_DAYS[claims.kind] });

  // 4. the issuer: of this host's organization, and on its list or a server of that organization
  const seatBacked = isSeatBacked(claims);
  const listed = ctx.listedServers.has(claims.iss);
  const issuer = judgeIssuer({ listed, ...(issuerOrganization === undefined ? {} : { issuerOrganization }), ...(ctx.organization === undefined ? {} : { hostOrganization: ctx.organization }) });
  if (!issuer.trusted) {
    const orgDetail = { ...(issuerOrganization === undefined ? {} : { issuerOrganization }), ...(ctx.organization === undefined ? {} : { organization: ctx.organization }) };
    if (issuer.code === 'CAL_ISSUER_OTHER_ORGANIZATION') return notHonoured('CAL_ISSUER_OTHER_ORGANIZATION', orgDetail);
    return notHonoured(seatBacked && bundle.grant === undefined ? 'CAL_GRANT_MISSING' : 'CAL_ISSUER_NOT_LISTED', orgDetail);
  }

  // 5. a seat-backed CAL stands on a grant the clearinghouse signed for (pack, this license server). A pack
  //    installed from a typed key pack ID gets its grant at the server's next check-in and works meanwhile
  //    (DESIGN §4 "provisional"): only within the window, measured from this host's first sighting of the pack.
  if (seatBacked) {
    if (claims.pack === undefined || claims.grant === undefined) return bad('CAL_GRANT_INVALID', { reason: 'a seat-backed CAL names its pack and grant' });
    if (bundle.grant === undefined) {
      const windowDays = ctx.provisionalWindowDays ?? DEFAULT_PROVISIONAL_WINDOW_DAYS;
      if (!ctx.firstSighting) return notHonoured('CAL_PROVISIONAL_WINDOW_OVER', { pack: claims.pack, windowDays });
      const firstSeen = await ctx.firstSighting(claims.iss, claims.pack);
      if (!isWithinProvisionalWindow(firstSeen, ctx.now, windowDays)) {
        return notHonoured('CAL_PROVISIONAL_WINDOW_OVER', { pack: claims.pack, windowDays, firstSeenAt: firstSeen.toISOString() });
      }
    } else {
      if (!ctx.anchor) return notHonoured('TRUST_ANCHOR_UNAVAILABLE');
      const grant = await verifyJws<GrantPayload>(bundle.grant, ctx.anchor, 'opencal.grant');
      if (!grant.ok) return (grant.error.code === 'JWS_KEY_REVOKED' ? notHonoured : bad)('CAL_GRANT_INVALID', { reason: grant.error.code });
      const g = grant.value.payload;
      if (g.sub !== claims.iss || g.pack !== claims.pack || g.seq !== claims.grant || g.calType !== claims.calType || g.calVersion !== claims.calVersion) {
        return bad('CAL_GRANT_INVALID', { reason: 'the grant is for another pack, serial, type, version or license server' });
      }
    }
  }

  // 4. the claims, in order
  const checkCtx = {
    now: ctx.now,
    leewaySeconds: leeway,
    device: ctx.device,
    hwid: ctx.hwid,
    hostVersion: ctx.hostVersion,
    mode: ctx.mode,
    ...(ctx.user === undefined ? {} : { user: ctx.user }),
    ...(ctx.revocations === undefined ? {} : { revocations: ctx.revocations }),
  };
  return result(checkCalClaims(claims, checkCtx));
}
