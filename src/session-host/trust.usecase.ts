/**
 * The session host's trust material: the clearinghouse trust anchor (fetched and pinned, or from a file for an
 * air-gapped site), the signed revocation list (never replaced by an older one), and the identities of the
 * license servers on its list (to verify CALs of a listed server that is not activated yet).
 */
import { decideIdentityChange } from '../core/host-identity-rules';
import type { RevocationListPayload, ServerCertificatePayload } from '../core/protocol';
import { ok, refuse, type Result } from '../core/result';
import { normalizeLicenseServerUrl } from '../core/session-host-rules';
import { licenseServerIdFromPublicKey } from '../core/codes/index';
import { acceptAnchor, base64urlDecode, decodeJwsUnverified, keySetFromJwks, verifyJws } from '../trust/index';
import type { KnownIdentity, SessionHostContext } from './context';
import type { TrustAnchorResponse } from './license-server-client';
import { holdIdentity, listEnrolments, listIdentities, readTrust, saveAnchor, saveIdentity, saveRevocations, type ServerIdentity } from './session-host.repository';
import type { RefreshReport } from '../core/wire/session-host';
import { provisionalWindowOf } from './chain.usecase';

/** Loads what the database holds into the in-memory cache (at start). */
export async function loadTrust(ctx: SessionHostContext): Promise<void> {
  const state = await readTrust(ctx.database.db);
  if (state.anchor) {
    try {
      const stored = JSON.parse(state.anchor) as TrustAnchorResponse;
      ctx.trust.anchor = keySetFromJwks(stored);
      ctx.trust.anchorKeys = stored.keys;
      if (state.fingerprint !== undefined) ctx.trust.fingerprint = state.fingerprint;
      const windowDays = provisionalWindowOf(stored);
      if (windowDays !== undefined) ctx.trust.provisionalWindowDays = windowDays;
    } catch {
      // A stored anchor that no longer parses is ignored; the next refresh or file load replaces it.
    }
  }
  if (state.revocations && ctx.trust.anchor) {
    const verified = await verifyJws<RevocationListPayload>(state.revocations, ctx.trust.anchor, 'opencal.revocations');
    if (verified.ok) ctx.trust.revocations = verified.value.payload;
  }
  if (state.revocationsFetchedAt) ctx.trust.revocationsFetchedAt = new Date(state.revocationsFetchedAt);
  for (const identity of await listIdentities(ctx.database.db)) ctx.trust.identities.set(identity.licenseServerUrl, knownIdentity(identity));
  const enrolments = (await listEnrolments(ctx.database.db)).filter((e) => e.orgId !== undefined).sort((a, b) => a.enrolledAt.localeCompare(b.enrolledAt));
  const latest = enrolments[enrolments.length - 1];
  if (latest?.orgId !== undefined) ctx.trust.organization = latest.orgId;
}

function knownIdentity(identity: ServerIdentity): KnownIdentity {
  return {
    serverId: identity.serverId,
    publicKey: base64urlDecode(identity.publicKey),
    ...(identity.version !== undefined ? { version: identity.version } : {}),
    ...(identity.previousServerId !== undefined ? { previousServerId: identity.previousServerId } : {}),
    ...(identity.changedAt !== undefined ? { changedAt: identity.changedAt } : {}),
    ...(identity.held !== undefined ? { held: identity.held } : {}),
  };
}

/**
 * This session host's organization: the one its license server registered it with at enrolment (the host
 * registry at the clearinghouse). Undefined until the host has enrolled on an activated license server of an
 * organization. The organization CALs are judged by is chain.usecase's hostOrganization, which reads it from the
 * license servers' certificates first and falls back to this one.
 */
export function enrolledOrganization(ctx: SessionHostContext): string | undefined {
  return ctx.trust.organization;
}

/**
 * Sets the trust anchor (from the clearinghouse or a file), checking the pinned fingerprint (that of the root key,
 * which rotations keep). Once a set is trusted, a different one is taken only when a key of the trusted set
 * endorses it (a rotation, DESIGN §4); otherwise TRUST_ANCHOR_NOT_ENDORSED and the trusted set stays.
 */
export async function setTrustAnchor(ctx: SessionHostContext, anchor: TrustAnchorResponse, source: string): Promise<Result<{ fingerprint: string }>> {
  const trusted = ctx.trust.anchor && ctx.trust.anchorKeys ? { keys: ctx.trust.anchor, stored: ctx.trust.anchorKeys } : undefined;
  const accepted = await acceptAnchor(trusted, anchor, source);
  if (!accepted.ok) return accepted;
  const { keys, fingerprint } = accepted.value;
  const pin = ctx.settings.trustFingerprint;
  if (pin !== undefined && pin !== fingerprint) {
    return refuse(
      'TRUST_ANCHOR_FINGERPRINT_MISMATCH',
      { source, fingerprint, pinned: pin },
    );
  }
  const changed = accepted.value.changed || ctx.trust.fingerprint !== fingerprint;
  const windowDays = provisionalWindowOf(anchor);
  await ctx.change(async (trx, log, at) => {
    await saveAnchor(trx, JSON.stringify(accepted.value.anchor), fingerprint, source, at);
    if (changed) log.event(9204, { source, fingerprint });
    if (accepted.value.endorsedBy !== undefined) log.event(9260, { keys: keys.kids.join(', '), endorsedBy: accepted.value.endorsedBy, fingerprint });
    return ok(undefined);
  });
  ctx.trust.anchor = keys;
  ctx.trust.anchorKeys = accepted.value.anchor.keys;
  ctx.trust.fingerprint = fingerprint;
  if (windowDays === undefined) delete ctx.trust.provisionalWindowDays;
  else ctx.trust.provisionalWindowDays = windowDays;
  return ok({ fingerprint });
}

/** Verifies and stores a revocation list; an older or equal list is ignored. */
export async function acceptRevocationList(ctx: SessionHostContext, list: string): Promise<Result<{ seq: number; updated: boolean }>> {
  if (!ctx.trust.anchor) return refuse('TRUST_ANCHOR_UNAVAILABLE', { problem: 'revocations' });
  const verified = await verifyJws<RevocationListPayload>(list, ctx.trust.anchor, 'opencal.revocations');
  if (!verified.ok) return verified;
  const payload = verified.value.payload;
  if (typeof payload.seq !== 'number' || !Array.isArray(payload.servers) || !Array.isArray(payload.grants)) {
    return refuse('TRUST_ANCHOR_INVALID', { problem: 'revocations' });
  }
  const saved = await ctx.change(async (trx, log, at) => {
    const stored = await saveRevocations(trx, list, payload.seq, at);
    if (stored) log.event(9205, { seq: payload.seq, servers: payload.servers.length, grants: payload.grants.length });
    return ok(stored);
  });
  const updated = saved.ok && saved.value;
  if (updated || !ctx.trust.revocations || ctx.trust.revocations.seq < payload.seq) ctx.trust.revocations = payload;
  ctx.trust.revocationsFetchedAt = ctx.clock.now();
  return ok({ seq: payload.seq, updated });
}

/** The answer of its route, from the wire contract (core/wire/session-host.ts). */
export type { RefreshReport } from '../core/wire/session-host';

/** Fetches the trust anchor and revocation list from the clearinghouse, and the listed servers' identities. */
export async function refreshTrust(ctx: SessionHostContext, licenseServers: readonly string[]): Promise<RefreshReport> {
  const report: RefreshReport = { ...(await refreshFromClearinghouse(ctx)), identities: [] };
  for (const server of licenseServers) report.identities.push(await refreshIdentity(ctx, server));
  return report;
}

/**
 * The clearinghouse half of a refresh: its trust anchor, then its revocation list. Also run when an administrator
 * reconfigures or enrols this host — typically right after a reissue — so that the old server's CALs stop being
 * honoured at once rather than at the next hourly refresh.
 */
export async function refreshFromClearinghouse(ctx: SessionHostContext): Promise<Omit<RefreshReport, 'identities'>> {
  const report: Omit<RefreshReport, 'identities'> = {};
  const url = ctx.settings.clearinghouseUrl;
  if (!url) return report;
  const anchor = await ctx.peers.trustAnchor(url);
  if (anchor.ok) {
    const set = await setTrustAnchor(ctx, anchor.value, url);
    report.trustAnchor = set.ok ? set.value : { error: set.error.code };
    if (!set.ok) await ctx.change.event(9206, { what: 'trust anchor', url, reason: set.error.message });
  } else {
    report.trustAnchor = { error: anchor.error.code };
    await ctx.change.event(9206, { what: 'trust anchor', url, reason: anchor.error.message });
  }
  if (ctx.trust.anchor) {
    const list = await ctx.peers.revocations(url);
    const accepted = list.ok ? await acceptRevocationList(ctx, list.value.list) : list;
    report.revocations = accepted.ok ? accepted.value : { error: accepted.error.code };
    if (!accepted.ok) await ctx.change.event(9206, { what: 'revocation list', url, reason: accepted.error.message });
  }
  return report;
}

/**
 * The organization a license server's certificate names, when the certificate verifies with the trust anchor and
 * is for this server ID and key; otherwise why not.
 */
async function certifiedOrganization(ctx: SessionHostContext, certificate: string | undefined, serverId: string, publicKey: string): Promise<{ org?: string; why?: string }> {
  if (certificate === undefined) return { why: 'it shows no certificate from the clearinghouse' };
  if (!ctx.trust.anchor) return { why: 'this host has no clearinghouse trust anchor to check its certificate' };
  const cert = await verifyJws<ServerCertificatePayload>(certificate, ctx.trust.anchor, 'opencal.certificate');
  if (!cert.ok) return { why: `its certificate does not verify (${cert.error.code})` };
  const p = cert.value.payload;
  if (p.sub !== serverId || p.pub !== publicKey) return { why: 'its certificate is for another license server' };
  if (typeof p.exp === 'number' && p.exp * 1000 <= ctx.clock.now().getTime()) return { why: 'its certificate has expired' };
  return { org: p.org };
}

/** What a refresh of one license server's identity found. */
export interface IdentityReport {
  licenseServerUrl: string;
  serverId?: string;
  error?: string;
  /** a new identity behind the URL: followed (a server of this host's organization) or held */
  changed?: 'followed' | 'held';
}

/**
 * Fetches one license server's identity (`GET /ls/v1/identity`) and checks that its ID derives from its key.
 * A new identity behind a known URL (a reinstall at the same address) is said (event 9240 or 9241, the host
 * status, the diagnoser) and followed only when the clearinghouse certifies it as a server of this host's
 * organization (core/host-identity-rules `decideIdentityChange`).
 */
export async function refreshIdentity(ctx: SessionHostContext, licenseServerUrl: string): Promise<IdentityReport> {
  const url = normalizeLicenseServerUrl(licenseServerUrl) ?? licenseServerUrl;
  const identity = await ctx.peers.identity(url);
  if (!identity.ok) return { licenseServerUrl: url, error: identity.error.code };
  let raw: Uint8Array;
  try {
    raw = base64urlDecode(identity.value.publicKey);
    if (raw.length !== 32 || licenseServerIdFromPublicKey(raw) !== identity.value.serverId) throw new Error('mismatch');
  } catch {
    return { licenseServerUrl: url, error: 'IDENTITY_MISMATCH' };
  }
  const serverId = identity.value.serverId;
  const certificate = typeof identity.value.certificate === 'string' ? identity.value.certificate : undefined;
  const known = ctx.trust.identities.get(url);
  const now = ctx.clock.now().toISOString();
  const certified = known && known.serverId !== serverId ? await certifiedOrganization(ctx, certificate, serverId, identity.value.publicKey) : {};
  const hostOrg = enrolledOrganization(ctx);
  const decision = decideIdentityChange({ knownServerId: known?.serverId, answeredServerId: serverId, certifiedOrg: certified.org, hostOrg });
  if (decision === 'hold' && known) {
    const reason =
      certified.why ??
      (hostOrg === undefined
        ? "this host does not know its own organization yet (enrol it on an activated license server of its organization)"
        : `its certificate names organization ${certified.org ?? '?'}, not this host's organization ${hostOrg}`);
    const held = { serverId, reason, at: now };
    if (known.held?.serverId !== serverId) {
      await ctx.change(async (trx, log) => {
        await holdIdentity(trx, url, held);
        log.event(9241, { licenseServerUrl: url, serverId, previousServerId: known.serverId, reason });
        return ok(undefined);
      });
    }
    ctx.trust.identities.set(url, { ...known, held, changedAt: now });
    return { licenseServerUrl: url, serverId: known.serverId, error: 'IDENTITY_NOT_FOLLOWED', changed: 'held' };
  }
  const record: ServerIdentity = {
    licenseServerUrl: url,
    serverId,
    publicKey: identity.value.publicKey,
    fetchedAt: now,
    ...(typeof identity.value.version === 'number' ? { version: identity.value.version } : {}),
    ...(certificate !== undefined ? { certificate } : {}),
    ...(decision === 'follow' && known ? { previousServerId: known.serverId, changedAt: now } : {}),
  };
  await ctx.change(async (trx, log) => {
    await saveIdentity(trx, record);
    if (decision === 'follow') log.event(9240, { licenseServerUrl: url, serverId, previousServerId: known?.serverId ?? '', orgId: certified.org ?? '' });
    return ok(undefined);
  });
  const entry: KnownIdentity = { serverId, publicKey: raw };
  if (record.version !== undefined) entry.version = record.version;
  const previous = record.previousServerId ?? (decision === 'same' ? known?.previousServerId : undefined);
  const changedAt = record.changedAt ?? (decision === 'same' ? known?.changedAt : undefined);
  if (previous !== undefined) entry.previousServerId = previous;
  if (changedAt !== undefined) entry.changedAt = changedAt;
  ctx.trust.identities.set(url, entry);
  return { licenseServerUrl: url, serverId, ...(decision === 'follow' ? { changed: 'followed' as const } : {}) };
}

/**
 * How old a revocation list may be when a device presents a permanent CAL before the host asks the clearinghouse
 * for a newer one: an administrator who has just had a pack reissued expects the old server's CALs to stop being
 * honoured within minutes, not at the next hourly refresh.
 */
export const REVOCATION_FRESH_MS = 5 * 60 * 1000;

const revocationRefresh = new WeakMap<SessionHostContext, { promise?: Promise<void>; attemptedAt?: number }>();

/**
 * Before a permanent CAL is honoured: refresh the revocation list when it is older than REVOCATION_FRESH_MS.
 * At most one attempt per REVOCATION_FRESH_MS while the clearinghouse does not answer (each failure is logged,
 * 9206), and concurrent connections share one attempt. If the refresh fails the CAL is judged on the list the
 * host has, as RDS honours a still-valid permanent CAL when nothing can be reached.
 */
export async function ensureFreshRevocations(ctx: SessionHostContext): Promise<void> {
  if (!ctx.settings.clearinghouseUrl || !ctx.trust.anchor) return;
  const now = ctx.clock.now().getTime();
  const fetched = ctx.trust.revocationsFetchedAt?.getTime();
  if (fetched !== undefined && now - fetched >= 0 && now - fetched < REVOCATION_FRESH_MS) return;
  const state = revocationRefresh.get(ctx) ?? {};
  revocationRefresh.set(ctx, state);
  if (state.promise) return state.promise;
  if (state.attemptedAt !== undefined && now - state.attemptedAt >= 0 && now - state.attemptedAt < REVOCATION_FRESH_MS) return;
  state.attemptedAt = now;
  state.promise = refreshFromClearinghouse(ctx)
    .then(() => undefined)
    .finally(() => {
      state.promise = undefined;
    });
  return state.promise;
}

const keyRefresh = new WeakMap<SessionHostContext, { attemptedAt?: number }>();

/**
 * Before CAL bundles are verified: when a certificate or grant names a clearinghouse key this host's set lacks (a
 * rotation since the last refresh), fetch the set again — taken only when a trusted key endorses it. At most one
 * attempt per REVOCATION_FRESH_MS. Answers whether the set changed.
 */
export async function ensureKnownKeys(ctx: SessionHostContext, bundles: readonly unknown[]): Promise<boolean> {
  if (!ctx.settings.clearinghouseUrl || !ctx.trust.anchor) return false;
  const anchor = ctx.trust.anchor;
  const unknown = bundles.some((b) => {
    if (typeof b !== 'object' || b === null) return false;
    return [(b as { certificate?: unknown }).certificate, (b as { grant?: unknown }).grant].some((jws) => {
      if (typeof jws !== 'string') return false;
      const d = decodeJwsUnverified(jws);
      return d.ok && typeof d.value.header.kid === 'string' && anchor.get(d.value.header.kid) === undefined;
    });
  });
  if (!unknown) return false;
  const now = ctx.clock.now().getTime();
  const state = keyRefresh.get(ctx) ?? {};
  keyRefresh.set(ctx, state);
  if (state.attemptedAt !== undefined && now - state.attemptedAt >= 0 && now - state.attemptedAt < REVOCATION_FRESH_MS) return false;
  state.attemptedAt = now;
  await refreshFromClearinghouse(ctx);
  return ctx.trust.anchor !== anchor;
}
