/**
 * The diagnoser, in the browser: it reads the components' public routes on this origin with the tokens of the
 * keyring (like the RD Licensing Diagnoser reads each license server with admin rights), builds the
 * DiagnosisSnapshot of src/core/diagnoser-rules and runs the pure rules, recovery planner and phone script of
 * src/core. License servers on another origin cannot be read from the page (the console makes no cross-origin
 * request): they are reported as not inspected. The answers are mapped by src/core/diagnosis-snapshot, as in
 * `opencal diagnose`; only the fetching is here.
 */
import { sameUrl, type DiagnosisSnapshot, type EventComponent, type ObservedClearinghouse, type ObservedEvent, type ObservedLicenseServer } from '../core/diagnoser-rules';
import {
  applyIdentity,
  applyStatus,
  assembleSnapshot,
  caseFromView,
  eventFromRecord,
  hostsAllowListFrom,
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
import type { CaseList, PackList, ServerList } from '../core/wire/clearinghouse';
import type { EventList } from '../core/wire/common';
import type { HostList, IssuedList, LicenseServerStatus, ServerIdentity } from '../core/wire/license-server';
import type { SessionHostStatus } from '../core/wire/session-host';
import { api, tokenFor, type ApiError, type Component, type KeyringEntry } from './api';

async function events(keyring: KeyringEntry[], c: Component, component: EventComponent, source: string): Promise<ObservedEvent[]> {
  if (!tokenFor(keyring, c)) return [];
  const r = await api<EventList>(keyring, c, 'GET', '/events?limit=200');
  return r.ok ? listOf(r.value, 'events').flatMap((e) => eventFromRecord(e, component, source) ?? []) : [];
}

async function readLicenseServer(keyring: KeyringEntry[], url: string, listed: boolean, hostName: string, origin: string): Promise<ComponentReading<ObservedLicenseServer>> {
  const server: ObservedLicenseServer = { url, listed, reachable: false, inspected: false, keyPacks: [] };
  if (!sameUrl(url, origin)) {
    server.problem = {
      code: 'OTHER_ORIGIN',
      message: `The console reads only components on its own origin (${origin}); run \`opencal diagnose\` to inspect ${url}.`,
    };
    return { observed: server, events: [] };
  }
  const identity = await api<ServerIdentity>(keyring, 'ls', 'GET', '/identity');
  if (!identity.ok) {
    server.reachable = identity.error.code !== 'UNREACHABLE';
    server.problem = { code: identity.error.code, message: identity.error.message };
    if (!server.reachable) return { observed: server, events: [] };
  } else {
    server.reachable = true;
    applyIdentity(server, identity.value);
  }
  if (!tokenFor(keyring, 'ls')) {
    server.problem = { code: 'UNAUTHENTICATED', message: 'Sign in with a license server token (ls:admin or readonly) to inspect this license server.' };
    return { observed: server, events: [] };
  }
  const status = await api<LicenseServerStatus>(keyring, 'ls', 'GET', '/status');
  if (!status.ok) {
    server.problem = { code: status.error.code, message: status.error.message };
    return { observed: server, events: [] };
  }
  server.inspected = true;
  applyStatus(server, status.value);
  const revoked = await api<IssuedList>(keyring, 'ls', 'GET', '/issued?status=revoked&calType=device');
  if (revoked.ok) server.revokeBudgets = revokeBudgetsFrom(server.keyPacks, listOf(revoked.value, 'issued'), new Date(Date.now()));
  const hosts = await api<HostList>(keyring, 'ls', 'GET', '/hosts');
  if (hosts.ok) server.hostsAllowList = hostsAllowListFrom(hosts.value, hostName);
  const evs = await events(keyring, 'ls', 'license-server', url);
  const rebuilt = rebuiltAtFrom(evs);
  if (rebuilt) server.rebuiltAt = rebuilt;
  return { observed: server, events: evs };
}

async function readClearinghouse(keyring: KeyringEntry[], origin: string): Promise<ComponentReading<ObservedClearinghouse> | undefined> {
  if (!tokenFor(keyring, 'ch')) return undefined;
  const ch: ObservedClearinghouse = { url: origin, reachable: false, packs: [], cases: [], servers: [] };
  const packs = await api<PackList>(keyring, 'ch', 'GET', '/packs');
  if (!packs.ok) {
    ch.problem = { code: packs.error.code, message: packs.error.message };
    return { observed: ch, events: [] };
  }
  ch.reachable = true;
  ch.packs = listOf(packs.value, 'packs').flatMap((p) => packFromView(p) ?? []);
  const cases = await api<CaseList>(keyring, 'ch', 'GET', '/cases');
  if (cases.ok) ch.cases = listOf(cases.value, 'cases').flatMap((c) => caseFromView(c) ?? []);
  const servers = await api<ServerList>(keyring, 'ch', 'GET', '/servers');
  if (servers.ok) ch.servers = listOf(servers.value, 'servers').flatMap((s) => serverRecordFromView(s) ?? []);
  return { observed: ch, events: await events(keyring, 'ch', 'clearinghouse', origin) };
}

/** Everything the diagnoser needs, from the session host's point of view; refused only when the session host cannot be read. */
export async function gatherInBrowser(keyring: KeyringEntry[], origin: string): Promise<{ ok: true; snapshot: DiagnosisSnapshot } | { ok: false; error: ApiError }> {
  const status = await api<SessionHostStatus>(keyring, 'sh', 'GET', '/status');
  if (!status.ok) return { ok: false, error: status.error };
  const sessionHost = sessionHostFromStatus(status.value, origin);
  // The host's own dry-run CAL request to each listed license server: what it gets now, not what it stored.
  const probe = await api<unknown>(keyring, 'sh', 'POST', '/probe');
  if (probe.ok) sessionHost.probes = probesFrom(probe.value);
  else sessionHost.probeProblem = { code: probe.error.code, message: probe.error.message };
  // the license server on this origin is inspected even when the session host does not list it (e.g. the new one)
  const urls = licenseServersToRead(sessionHost, tokenFor(keyring, 'ls') ? [origin] : []);
  const [licenseServers, clearinghouse, hostEvents] = await Promise.all([
    Promise.all(urls.map((u) => readLicenseServer(keyring, u.url, u.listed, sessionHost.name, origin))),
    readClearinghouse(keyring, origin),
    events(keyring, 'sh', 'session-host', origin),
  ]);
  const snapshot = assembleSnapshot({ sessionHost, hostEvents, licenseServers, clearinghouse, takenAt: (all) => new Date(diagnosisNow(all)) });
  return { ok: true, snapshot };
}

/**
 * The time the diagnosis is made at: this browser's clock, or the newest event when a server runs ahead of it
 * (the demo mode's manual clock).
 */
export function diagnosisNow(events: readonly ObservedEvent[]): number {
  const newest = events.reduce((m, e) => Math.max(m, Date.parse(e.at) || 0), 0);
  return Math.max(Date.now(), newest);
}
