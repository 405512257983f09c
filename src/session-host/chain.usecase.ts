/**
 * The session host's side of the entitlement chain (DESIGN §4, docs/session-host.md "The CAL chain"): which
 * organization this host belongs to, the provisional window of packs installed from typed codes, and the clock
 * leeway and skew with its license servers. The CAL verifier (cal-verifier.ts) is given what these return.
 */
import { enrolledOrganization } from './trust.usecase';
import type { ServerCertificatePayload } from '../core/protocol';
import { ok } from '../core/result';
import {
  DEFAULT_CLOCK_LEEWAY_SECONDS,
  DEFAULT_PROVISIONAL_WINDOW_DAYS,
  clockSkewSeconds,
  isSkewBeyondLeeway,
  provisionalWindowEnd,
} from '../core/session-host-rules';
import { verifyJws } from '../trust/index';
import { firstSightingOf, readHostOrganization, saveHostOrganization } from './chain.repository';
import type { SessionHostContext } from './context';
import { listIdentities } from './session-host.repository';

export function clockLeewaySeconds(ctx: SessionHostContext): number {
  return ctx.settings.clockLeewaySeconds ?? DEFAULT_CLOCK_LEEWAY_SECONDS;
}

export function provisionalWindowDays(ctx: SessionHostContext): number {
  return ctx.trust.provisionalWindowDays ?? DEFAULT_PROVISIONAL_WINDOW_DAYS;
}

/** Reads `provisionalWindowDays` from a trust anchor document: a whole number of days from 1 to 365, else none. */
export function provisionalWindowOf(anchor: unknown): number | undefined {
  const v = typeof anchor === 'object' && anchor !== null ? (anchor as Record<string, unknown>)['provisionalWindowDays'] : undefined;
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 365 ? v : undefined;
}

const learned = new WeakMap<SessionHostContext, { key: string; organization: string | undefined }>();

/**
 * The organization this session host belongs to: the one in the clearinghouse-signed certificate of the first
 * license server on its list that has one (its administrator enrolled it there with a join token). While none of
 * them shows a certificate — a reinstalled server not activated yet, a phone activation before its check-in — the
 * organization last learned (kept in sh.db) still applies, so the gap opens nothing to other organizations.
 * The one place the host's organization is looked up: enrolment may later bring it instead.
 */
export async function hostOrganization(ctx: SessionHostContext, licenseServers: readonly string[]): Promise<string | undefined> {
  const identities = await listIdentities(ctx.database.db);
  const byUrl = new Map(identities.map((i) => [i.licenseServerUrl, i]));
  const ordered = licenseServers.flatMap((url) => {
    const i = byUrl.get(url);
    return i?.certificate ? [{ url, serverId: i.serverId, certificate: i.certificate }] : [];
  });
  const key = `${ctx.trust.fingerprint ?? ''}|${ordered.map((o) => `${o.url} ${o.certificate}`).join('|')}`;
  const cached = learned.get(ctx);
  if (cached && cached.key === key) return cached.organization ?? (await readHostOrganization(ctx.database.db))?.organization ?? enrolledOrganization(ctx);

  let found: { organization: string; url: string } | undefined;
  if (ctx.trust.anchor) {
    for (const o of ordered) {
      const cert = await verifyJws<ServerCertificatePayload>(o.certificate, ctx.trust.anchor, 'opencal.certificate');
      if (cert.ok && cert.value.payload.sub === o.serverId && typeof cert.value.payload.org === 'string' && cert.value.payload.org !== '') {
        found = { organization: cert.value.payload.org, url: o.url };
        break;
      }
    }
  }
  learned.set(ctx, { key, organization: found?.organization });
  const stored = await readHostOrganization(ctx.database.db);
  // Without a certificate to read it from: the organization the host was registered with at enrolment.
  if (!found) return stored?.organization ?? enrolledOrganization(ctx);
  if (stored?.organization !== found.organization) {
    await ctx.change(async (trx, log, at) => {
      await saveHostOrganization(trx, { organization: found.organization, licenseServerUrl: found.url, learnedAt: at.toISOString() });
      log.event(9226, { organization: found.organization, licenseServerUrl: found.url });
      return ok(undefined);
    });
  }
  return found.organization;
}

/** The first sighting of a grantless CAL of (license server, pack), recorded once with its event (9224). */
export function provisionalSightings(ctx: SessionHostContext): (serverId: string, pack: number) => Promise<Date> {
  return async (serverId, pack) => {
    const now = ctx.clock.now();
    const seen = await firstSightingOf(ctx.database.db, serverId, pack, now);
    if (seen.first) {
      const windowDays = provisionalWindowDays(ctx);
      await ctx.change.event(9224, { pack, licenseServerId: serverId, windowDays, windowEndsAt: provisionalWindowEnd(seen.at, windowDays).toISOString() });
    }
    return seen.at;
  };
}

export interface ClockSkew {
  licenseServerUrl: string;
  skewSeconds: number;
  measuredAt: string;
}

const skews = new WeakMap<SessionHostContext, Map<string, ClockSkew>>();

/**
 * Records a license server's clock skew from the time it stamped on an answer; logs 9225 when it goes beyond the
 * leeway (once, until it comes back within). Returns the skew in seconds.
 */
export async function recordClockSkew(ctx: SessionHostContext, licenseServerUrl: string, serverTime: string | undefined, hostTime: Date): Promise<number | undefined> {
  if (serverTime === undefined) return undefined;
  const server = new Date(serverTime);
  if (Number.isNaN(server.getTime())) return undefined;
  const skewSeconds = clockSkewSeconds(server, hostTime);
  const all = skews.get(ctx) ?? new Map<string, ClockSkew>();
  skews.set(ctx, all);
  const leeway = clockLeewaySeconds(ctx);
  const before = all.get(licenseServerUrl);
  all.set(licenseServerUrl, { licenseServerUrl, skewSeconds, measuredAt: hostTime.toISOString() });
  if (isSkewBeyondLeeway(skewSeconds, leeway) && !(before && isSkewBeyondLeeway(before.skewSeconds, leeway))) {
    await ctx.change.event(9225, { licenseServerUrl, skewSeconds, leewaySeconds: leeway, direction: skewSeconds > 0 ? 'dated in the future' : 'older than they are' });
  }
  return skewSeconds;
}

/** The clock section of the session host status: the leeway and each license server's last measured skew. */
export function clockReport(ctx: SessionHostContext): { leewaySeconds: number; skews: ClockSkew[] } {
  return { leewaySeconds: clockLeewaySeconds(ctx), skews: [...(skews.get(ctx)?.values() ?? [])] };
}
