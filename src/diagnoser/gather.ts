/**
 * The diagnoser's gatherer: builds a DiagnosisSnapshot over HTTP from one session host, the license servers
 * it lists (plus any named for the diagnosis, e.g. a new server not yet on the list) and the clearinghouse,
 * like the RD Licensing Diagnoser contacts each license server with admin rights (rds-facts §7).
 *
 * Everything is read through the components' public routes (docs/architecture.md); nothing here touches a
 * database. A component that cannot be reached is an observation, not an error: only the session host is
 * required.
 */
import type { Clock } from '../core/clock';
import { sameUrl, type DiagnosisSnapshot, type ObservedClearinghouse, type ObservedEvent, type ObservedLicenseServer, type ObservedSessionHost } from '../core/diagnoser-rules';
import {
  applyIdentity,
  applyStatus,
  assembleSnapshot,
  caseFromView,
  eventFromRecord,
  hostsAllowListFrom,
  keyPackFromView,
  licenseServersToRead,
  listOf,
  packFromView,
  probesFrom,
  rebuiltAtFrom,
  revokeBudgetsFrom,
  serverRecordFromView,
  sessionHostFromStatus,
  type ComponentReading,
} from '../core/diagnosis-snapshot';
import type { EventComponent } from '../core/events';
import { err, ok, relay, type Refusal, type Result } from '../core/result';
import type { CaseList, PackList, ServerList } from '../core/wire/clearinghouse';
import type { EventList } from '../core/wire/common';
import type { HostList, IssuedList, KeyPackList, LicenseServerStatus, ServerIdentity } from '../core/wire/license-server';
import type { SessionHostStatus } from '../core/wire/session-host';
import { callJson } from '../http/client';

export interface GatherOptions {
  /** origin of the session host, e.g. http://127.0.0.1:7880 */
  hostUrl: string;
  /** a session host token (sh:admin or readonly). */
  token: string;
  /** a license server token (ls:admin or readonly) used for every license server. */
  licenseServerToken?: string;
  /** per license server URL, when they differ. */
  licenseServerTokens?: Record<string, string>;
  /** license servers to inspect besides those the session host lists (e.g. the new, reinstalled one). */
  licenseServerUrls?: string[];
  clearinghouseUrl?: string;
  /** an organization token (ch:org); an agent or admin token also reads everything. */
  clearinghouseToken?: string;
  clock: Clock;
  /** recent events read from each component (default 200). */
  eventLimit?: number;
  timeoutMs?: number;
}

const SH = '/sh/v1';
const LS = '/ls/v1';
const CH = '/ch/v1';

/** Reads the session host; the only required part. */
async function readSessionHost(o: GatherOptions): Promise<Result<ObservedSessionHost>> {
  const r = await callJson<SessionHostStatus>(o.hostUrl, 'GET', `${SH}/status`, { token: o.token, timeoutMs: o.timeoutMs });
  if (!r.ok) {
    return err(
      relay(r.error.code, `Could not read the session host's status at ${o.hostUrl}: ${r.error.message}`, { ...r.error.detail, hostUrl: o.hostUrl }),
    );
  }
  const host = sessionHostFromStatus(r.value, o.hostUrl);
  // The host asks its listed license servers, with its own enrolment, what a CAL request would get now.
  const probe = await callJson<unknown>(o.hostUrl, 'POST', `${SH}/probe`, { token: o.token, timeoutMs: o.timeoutMs });
  if (probe.ok) host.probes = probesFrom(probe.value);
  else host.probeProblem = { code: probe.error.code, message: probe.error.message };
  return ok(host);
}

function lsToken(o: GatherOptions, url: string): string | undefined {
  for (const [k, v] of Object.entries(o.licenseServerTokens ?? {})) if (sameUrl(k, url)) return v;
  return o.licenseServerToken;
}

/** Reads one license server: identity (public), status, key packs, hosts allow-list, recent events. */
async function readLicenseServer(o: GatherOptions, url: string, listed: boolean, hostName: string): Promise<ComponentReading<ObservedLicenseServer>> {
  const token = lsToken(o, url);
  const call = <T>(path: string) => callJson<T>(url, 'GET', `${LS}${path}`, { token, timeoutMs: o.timeoutMs });
  const identity = await call<ServerIdentity>('/identity');
  const server: ObservedLicenseServer = { url, listed, reachable: false, inspected: false, keyPacks: [] };
  if (!identity.ok) {
    // Reachable but refusing: an OpenCAL server that answered with an error body is still reachable.
    server.reachable = identity.error.code !== 'UNREACHABLE' && identity.error.code !== 'BAD_RESPONSE';
    server.problem = { code: identity.error.code, message: identity.error.message };
    if (!server.reachable) return { observed: server, events: [] };
  } else {
    server.reachable = true;
    applyIdentity(server, identity.value);
  }
  const status = await call<LicenseServerStatus>('/status');
  if (!status.ok) {
    server.reachable = status.error.code !== 'UNREACHABLE' && status.error.code !== 'BAD_RESPONSE';
    server.problem = { code: status.error.code, message: status.error.message };
    return { observed: server, events: [] };
  }
  server.inspected = true;
  applyStatus(server, status.value);
  if (server.keyPacks.length === 0) {
    const packs = await call<KeyPackList>('/key-packs');
    if (packs.ok) server.keyPacks = listOf(packs.value, 'keyPacks', 'packs').flatMap((k) => keyPackFromView(k) ?? []);
  }
  // The status carries no revoke budget: it is computed from the revoked CALs, by the license server's rule.
  const revoked = await allPages<IssuedList>(call, '/issued?status=revoked&calType=device', 'issued');
  if (revoked.ok) server.revokeBudgets = revokeBudgetsFrom(server.keyPacks, revoked.value, o.clock.now());
  // The allow-list comes whole with any page of hosts: one row is enough.
  const hosts = await call<HostList>('/hosts?limit=1');
  if (hosts.ok) server.hostsAllowList = hostsAllowListFrom(hosts.value, hostName);
  const events = await readEvents(url, `${LS}/events`, token, 'license-server', o);
  // The last rebuild may be older than the latest events: its own event is read by id.
  const rebuilds = await readEvents(url, `${LS}/events`, token, 'license-server', { ...o, eventLimit: 1 }, 'eventId=9104');
  for (const e of rebuilds) if (!events.some((x) => x.seq === e.seq && x.at === e.at)) events.push(e);
  // A rebuild is known from its event (9104) when the status does not carry it.
  if (server.rebuiltAt === undefined) {
    const rebuilt = rebuiltAtFrom(events);
    if (rebuilt) server.rebuiltAt = rebuilt;
  }
  return { observed: server, events };
}

async function readClearinghouse(o: GatherOptions): Promise<ComponentReading<ObservedClearinghouse>> {
  const url = o.clearinghouseUrl!;
  const call = <T>(path: string) => callJson<T>(url, 'GET', `${CH}${path}`, { token: o.clearinghouseToken, timeoutMs: o.timeoutMs });
  const ch: ObservedClearinghouse = { url, reachable: false, packs: [], cases: [], servers: [] };
  const packs = await call<PackList>('/packs');
  if (!packs.ok) {
    ch.problem = { code: packs.error.code, message: packs.error.message };
    return { observed: ch, events: [] };
  }
  ch.reachable = true;
  ch.packs = listOf(packs.value, 'packs').flatMap((p) => packFromView(p) ?? []);
  const cases = await allPages<CaseList>(call, '/cases', 'cases');
  if (cases.ok) ch.cases = cases.value.flatMap((c) => caseFromView(c) ?? []);
  const servers = await allPages<ServerList>(call, '/servers', 'servers');
  if (servers.ok) ch.servers = servers.value.flatMap((s) => serverRecordFromView(s) ?? []);
  // The clearinghouse's own events are for agents and admins; an organization token is refused, which is fine.
  const events = await readEvents(url, `${CH}/events`, o.clearinghouseToken, 'clearinghouse', o);
  return { observed: ch, events };
}

/**
 * Every row of a paged list (core/paged-list.ts), page after page: a list longer than one page is read whole, not
 * cut at its first page. Bounded, so that a server answering pages without end cannot hold the diagnosis.
 */
async function allPages<L>(call: <T>(path: string) => Promise<Result<T, Refusal>>, path: string, key: string): Promise<Result<unknown[], Refusal>> {
  const rows: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await call<L>(`${path}${sep}limit=${PAGE_ROWS}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (!r.ok) return page === 0 ? r : ok(rows);
    rows.push(...listOf(r.value, key));
    const next = (r.value as { nextCursor?: unknown }).nextCursor;
    if (typeof next !== 'string') break;
    cursor = next;
  }
  return ok(rows);
}

const PAGE_ROWS = 1000;
const MAX_PAGES = 200;

async function readEvents(url: string, path: string, token: string | undefined, component: EventComponent, o: Pick<GatherOptions, 'eventLimit' | 'timeoutMs'>, filter = ''): Promise<ObservedEvent[]> {
  const r = await callJson<EventList>(url, 'GET', `${path}?limit=${o.eventLimit ?? 200}${filter ? `&${filter}` : ''}`, { token, timeoutMs: o.timeoutMs });
  if (!r.ok) return [];
  return listOf(r.value, 'events').flatMap((e) => eventFromRecord(e, component, url) ?? []);
}

/**
 * Builds the snapshot. Refused only when the session host itself cannot be read (its code: `UNREACHABLE`,
 * `UNAUTHENTICATED`, `FORBIDDEN_SCOPE`…); every other component's trouble is recorded in the snapshot.
 */
export async function gatherSnapshot(o: GatherOptions): Promise<Result<DiagnosisSnapshot, Refusal>> {
  const host = await readSessionHost(o);
  if (!host.ok) return host;
  const sessionHost = host.value;
  const urls = licenseServersToRead(sessionHost, o.licenseServerUrls ?? []);
  const [licenseServers, clearinghouse, hostEvents] = await Promise.all([
    Promise.all(urls.map((u) => readLicenseServer(o, u.url, u.listed, sessionHost.name))),
    o.clearinghouseUrl ? readClearinghouse(o) : Promise.resolve(undefined),
    readEvents(o.hostUrl, `${SH}/events`, o.token, 'session-host', o),
  ]);
  return ok(assembleSnapshot({ sessionHost, hostEvents, licenseServers, clearinghouse, takenAt: () => o.clock.now() }));
}
