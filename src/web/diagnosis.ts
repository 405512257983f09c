/**
 * The diagnoser, in the browser: it reads the components' public routes on this origin with the tokens of the
 * keyring (like the RD Licensing Diagnoser reads each license server with admin rights), builds the
 * DiagnosisSnapshot of src/core/diagnoser-rules and runs the pure rules, recovery planner and phone script of
 * src/core. License servers on another origin cannot be read from the page (the console makes no cross-origin
 * request): they are reported as not inspected. The answers are mapped by src/core/diagnosis-snapshot, as in
 * `opencal diagnose`; only the fetching is here.
 */
import { sameUrl, type DiagnosisSnapshot, type FindingCode, type EventComponent, type ObservedClearinghouse, type ObservedEvent, type ObservedLicenseServer } from '../core/diagnoser-rules';
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
import type { ConsoleFormId, ConsoleFormValue, RecoveryStep } from '../core/recovery-plan';
import { api, tokenFor, type ApiError, type Component, type KeyringEntry } from './api';
import { carry, focusWhenShown, type CarryKind } from './carry';
import { apiAllRows } from './paged';

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
  const revoked = await apiAllRows<IssuedList['issued'][number]>(keyring, 'ls', '/issued?status=revoked&calType=device', 'issued');
  if (revoked.ok) server.revokeBudgets = revokeBudgetsFrom(server.keyPacks, revoked.value, new Date(Date.now()));
  const hosts = await api<HostList>(keyring, 'ls', 'GET', '/hosts?limit=1');
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
  const cases = await apiAllRows<CaseList['cases'][number]>(keyring, 'ch', '/cases', 'cases');
  if (cases.ok) ch.cases = cases.value.flatMap((c) => caseFromView(c) ?? []);
  const servers = await apiAllRows<ServerList['servers'][number]>(keyring, 'ch', '/servers', 'servers');
  if (servers.ok) ch.servers = servers.value.flatMap((s) => serverRecordFromView(s) ?? []);
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

// ------------------------------------------------------------------------------------------------------------
// Guided recovery: where each fix is done in the console.

/** A console form a diagnoser finding or plan step links to (the plan's forms, and a few places to look). */
export type LinkTarget = ConsoleFormId | 'sign-in' | 'sh-licensing' | 'sh-events' | 'ls-events';

/** The hash route of each form (the route names the form, never a value) and the element the focus goes to. */
export const LINK_TARGETS: Record<LinkTarget, { page: string; hash: string; selector: (fill: Partial<Record<CarryKind, string>>) => string }> = {
  'ls-activation': { page: 'license-manager', hash: '#/license-manager/activation', selector: () => '#activation' },
  'ls-install': { page: 'license-manager', hash: '#/license-manager/install', selector: () => '#install' },
  'ls-migration-code': { page: 'license-manager', hash: '#/license-manager/migration-code', selector: () => '#migration-code' },
  'ls-hosts': { page: 'license-manager', hash: '#/license-manager/hosts', selector: () => '#hosts form' },
  'ls-rebuild': { page: 'license-manager', hash: '#/license-manager/rebuild', selector: () => '#rebuild' },
  'ls-deactivate': { page: 'license-manager', hash: '#/license-manager/deactivate', selector: () => '#deactivate' },
  'ls-issued': { page: 'license-manager', hash: '#/license-manager/issued', selector: () => '#issued' },
  'ls-events': { page: 'license-manager', hash: '#/license-manager/events', selector: () => '#events' },
  'portal-install': { page: 'portal', hash: '#/portal/install', selector: () => '#manage-cals form' },
  'portal-migrate': { page: 'portal', hash: '#/portal/migrate', selector: () => '#manage-cals form' },
  'agent-case': {
    page: 'agent-desk',
    hash: '#/agent-desk/review-queue',
    selector: (fill) => (fill.caseNumber ? `article[data-case="${fill.caseNumber.replace(/[^A-Za-z0-9-]/g, '')}"] form` : '#review-queue'),
  },
  'phone-script': { page: 'diagnoser', hash: '#/diagnoser/phone-script', selector: () => '#phone-script' },
  'sh-enroll': { page: 'session-host', hash: '#/session-host/enroll', selector: () => '#enroll' },
  'sh-configure': { page: 'session-host', hash: '#/session-host/configure', selector: () => '#configure' },
  'sh-test-device': { page: 'session-host', hash: '#/session-host/test-device', selector: () => '#test-device' },
  'sh-licensing': { page: 'session-host', hash: '#/session-host/licensing', selector: () => '#licensing' },
  'sh-events': { page: 'session-host', hash: '#/session-host/events', selector: () => '#sh-events' },
  'sign-in': { page: 'sign-in', hash: '#/sign-in', selector: () => 'main form' },
};

/** The console forms that fix each finding of an OpenCAL estate, in the order they are used. */
export const FINDING_FORMS: Record<FindingCode, readonly LinkTarget[]> = {
  PORTAL_CASE_PENDING: ['agent-case', 'phone-script'],
  PACK_ACTIVE_ON_OTHER_SERVER: ['ls-migration-code', 'portal-migrate'],
  CLIENTS_REFUSED_MODE_MISMATCH: ['sh-configure'],
  NO_LICENSE_SERVER_SPECIFIED: ['sh-configure'],
  NO_CALS_AFTER_REINSTALL: ['ls-migration-code', 'portal-migrate'],
  PHANTOM_LICENSES: ['ls-deactivate'],
  LICENSE_SERVER_NOT_ACTIVATED: ['ls-activation'],
  VERSION_NOT_HOSTABLE: ['sh-configure'],
  CAL_VERSION_NOT_ACCEPTED: ['ls-install'],
  GRACE_PERIOD_ENDING: ['sh-configure'],
  GRACE_PERIOD_EXPIRED: ['sh-configure'],
  PER_USER_IN_WORKGROUP: ['sh-configure'],
  LICENSE_SERVER_UNREACHABLE: ['sh-configure'],
  LICENSE_SERVER_NOT_INSPECTED: ['sign-in'],
  HOST_NOT_ALLOWED: ['ls-hosts'],
  HOST_NOT_ENROLLED: ['ls-hosts', 'sh-enroll'],
  REVOKE_BUDGET_EXHAUSTED: ['ls-issued', 'ls-install'],
  MODE_NOT_CONFIGURED: ['sh-configure'],
  CERTIFICATE_EXPIRED: ['ls-activation'],
  CERTIFICATE_EXPIRING: ['ls-activation'],
  NO_CALS_AVAILABLE: ['ls-install'],
  CLEARINGHOUSE_UNREACHABLE: ['sign-in'],
  LICENSING_MODE_UNKNOWN: [],
  LICENSE_SERVER_NOT_LISTED: [],
  RECENT_LICENSING_ERRORS: ['sh-events'],
  ENROLMENT_REFUSED: ['ls-hosts', 'sh-enroll'],
  PROBE_NO_CAL: ['ls-install', 'sh-configure'],
  PROBE_NOT_RUN: ['sh-licensing'],
  REVOCATION_LIST_STALE: ['sh-enroll'],
  DEVICES_WITHOUT_CAL: ['sh-configure', 'sh-test-device'],
  CAL_REQUESTS_REFUSED: ['ls-events'],
  LICENSE_SERVER_IDENTITY_CHANGED: ['ls-hosts', 'sh-enroll'],
  CLOCK_SKEW: ['sh-licensing'],
};

/**
 * What the diagnoser knows for a form: the fill the plan gave it (the case, the host, the old server…). A finding
 * uses the plan's fill for the same form.
 */
export function fillFor(target: LinkTarget, plan: readonly RecoveryStep[], own?: Partial<Record<ConsoleFormValue, string>>): Partial<Record<CarryKind, string>> {
  if (own) return own;
  const merged: Partial<Record<CarryKind, string>> = {};
  for (const step of plan) for (const f of step.forms ?? []) if (f.form === target) Object.assign(merged, f.fill);
  return merged;
}

/** Follows a link: carries what the diagnoser knows for the form, then puts the focus on it once it is shown. */
export function followLink(target: LinkTarget, fill: Partial<Record<CarryKind, string>>): void {
  carry(fill, 'diagnoser');
  focusWhenShown(LINK_TARGETS[target].selector(fill));
}
