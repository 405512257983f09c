/**
 * The diagnoser's snapshot from the components' answers (DESIGN §7): each function maps one answer of a public
 * route (docs/architecture.md "HTTP routes") onto the observations of a DiagnosisSnapshot. Pure: the fetching is
 * the shell's (src/diagnoser/gather.ts over HTTP with callJson, src/web/diagnosis.ts in the browser), so the
 * CLI and the console see an estate the same way. Lenient on purpose: an answer missing a field is an
 * observation with a default, never an exception.
 */
import { DECISION_REASONS } from './clearinghouse-rules';
import {
  sameUrl,
  type DiagnosisSnapshot,
  type ObservedCase,
  type ObservedClearinghouse,
  type ObservedEvent,
  type ObservedKeyPack,
  type ObservedLicenseServer,
  type ObservedPack,
  type ObservedProbe,
  type ObservedRevokeBudget,
  type ObservedServerRecord,
  type ObservedSessionHost,
} from './diagnoser-rules';
import { revokeBudgets } from './license-server-rules';
import { EVENT_COMPONENTS, EVENT_LEVELS, type EventComponent, type EventLevel } from './events';
import {
  ACTIVATION_STATUSES,
  CAL_TYPES,
  CASE_STATUSES,
  CONFIG_LAYERS,
  isCalVersion,
  LICENSING_MODE_NAMES,
  PROGRAMS,
  type ActivationStatus,
  type CalType,
  type CalVersion,
  type CaseStatus,
  type ConfigLayer,
  type LicensingMode,
  type Program,
} from './vocabulary';
import type { LicenseServerStatus } from './wire/license-server';

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
/** The first of several field names that is present: routes name some fields differently. */
function first(o: Json, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}
function oneOf<T extends string>(values: readonly T[], v: unknown, fallback: T): T {
  return typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : fallback;
}
function version(v: unknown): CalVersion | undefined {
  const n = num(v);
  return isCalVersion(n) ? n : undefined;
}
function iso(v: unknown): string | undefined {
  const s = str(v);
  if (s && !Number.isNaN(Date.parse(s))) return new Date(s).toISOString();
  const n = num(v);
  // Seconds since the epoch (JWT convention) when small, milliseconds otherwise.
  if (n !== undefined) return new Date(n < 1e11 ? n * 1000 : n).toISOString();
  return undefined;
}
/** A list in an answer that is either the list itself or `{ <key>: list }`. */
export function listOf(v: unknown, ...keys: string[]): unknown[] {
  if (Array.isArray(v)) return v;
  const o = obj(v);
  for (const k of keys) if (Array.isArray(o[k])) return o[k] as unknown[];
  return [];
}

/** Maps `GET /sh/v1/status` to the observation. */
export function sessionHostFromStatus(body: unknown, url?: string): ObservedSessionHost {
  const s = obj(body);
  const grace = obj(s['grace']);
  const servers = arr(first(s, 'licenseServers')).map((x) => (typeof x === 'string' ? { url: x, enrolled: undefined } : { url: str(obj(x)['url']) ?? '', enrolled: obj(x)['enrolled'] }));
  const host: ObservedSessionHost = {
    name: str(first(s, 'hostName', 'name')) ?? 'session host',
    version: version(first(s, 'hostVersion', 'version')) ?? 2019,
    directory: str(s['directory']) === 'workgroup' ? 'workgroup' : 'domain',
    mode: oneOf<LicensingMode>(LICENSING_MODE_NAMES, s['mode'], 'not-configured'),
    modeSource: oneOf<ConfigLayer | 'default'>([...CONFIG_LAYERS, 'default'], s['modeSource'], 'default'),
    licenseServers: servers.map((x) => x.url).filter((u) => u !== ''),
    licenseServersSource: oneOf<ConfigLayer | 'default'>([...CONFIG_LAYERS, 'default'], s['licenseServersSource'], 'default'),
    notEnrolledOn: servers.filter((x) => x.enrolled === false).map((x) => x.url),
    graceDaysLeft: num(first(grace, 'daysLeft')) ?? num(s['graceDaysLeft']) ?? 0,
  };
  if (url) host.url = url;
  const changes = arr(first(s, 'licenseServers')).flatMap((x) => {
    const o = obj(x);
    const c = obj(o['identityChange']);
    const at = str(o['url']);
    if (at === undefined || typeof c['followed'] !== 'boolean') return [];
    const change: NonNullable<ObservedSessionHost['identityChanges']>[number] = { url: at, followed: c['followed'] };
    const serverId = str(o['serverId']);
    if (serverId !== undefined) change.serverId = serverId;
    const previous = str(c['previousServerId']);
    if (previous !== undefined) change.previousServerId = previous;
    const held = str(c['heldServerId']);
    if (held !== undefined) change.heldServerId = held;
    const reason = str(c['reason']);
    if (reason !== undefined) change.reason = reason;
    return [change];
  });
  if (changes.length > 0) host.identityChanges = changes;
  const clock = obj(s['clock']);
  const leeway = num(clock['leewaySeconds']);
  if (leeway !== undefined) {
    host.clock = {
      leewaySeconds: leeway,
      skews: arr(clock['skews']).flatMap((x) => {
        const k = obj(x);
        const at = str(k['licenseServerUrl']);
        const skew = num(k['skewSeconds']);
        return at !== undefined && skew !== undefined ? [{ licenseServerUrl: at, skewSeconds: skew }] : [];
      }),
    };
  }
  const endsAt = iso(first(grace, 'endsAt'));
  if (endsAt) host.graceEndsAt = endsAt;
  const rl = s['revocationList'];
  if (typeof rl === 'object' && rl !== null) {
    const r = obj(rl);
    const list: NonNullable<ObservedSessionHost['revocationList']> = { clearinghouse: r['clearinghouse'] === true };
    const seq = num(r['seq']);
    if (seq !== undefined) list.seq = seq;
    const issuedAt = iso(r['issuedAt']);
    if (issuedAt) list.issuedAt = issuedAt;
    const fetchedAt = iso(r['fetchedAt']);
    if (fetchedAt) list.fetchedAt = fetchedAt;
    host.revocationList = list;
  }
  return host;
}

const PROBE_OUTCOMES = ['would-issue', 'refused', 'unreachable', 'not-enrolled', 'not-asked'] as const;

/** Maps `POST /sh/v1/probe`: each listed license server's answer to the host's dry-run CAL request. */
export function probesFrom(body: unknown): ObservedProbe[] {
  return listOf(body, 'probes').flatMap((v) => {
    const p = obj(v);
    const url = str(p['url']);
    if (!url) return [];
    const out: ObservedProbe = { url, enrolled: p['enrolled'] === true, outcome: oneOf(PROBE_OUTCOMES, p['outcome'], 'refused') };
    const serverId = str(p['serverId']);
    if (serverId) out.serverId = serverId;
    const issue = str(p['issue']);
    if (issue === 'temporary' || issue === 'permanent' || issue === 'user' || issue === 'none') out.issue = issue;
    if (typeof p['permanentAvailable'] === 'boolean') out.permanentAvailable = p['permanentAvailable'];
    const v2 = version(p['calVersion']);
    if (v2) out.calVersion = v2;
    const code = str(p['code']);
    if (code) out.code = code;
    const message = str(p['message']);
    if (message) out.message = message;
    return [out];
  });
}

/** Maps one entry of `GET /ls/v1/key-packs`. */
export function keyPackFromView(v: unknown): ObservedKeyPack | undefined {
  const k = obj(v);
  const calVersion = version(k['calVersion']);
  if (!calVersion) return undefined;
  const total = num(first(k, 'total', 'count')) ?? 0;
  const issued = num(k['issued']) ?? 0;
  const pack: ObservedKeyPack = {
    program: oneOf<Program>(PROGRAMS, k['program'], 'other'),
    calType: oneOf<CalType>(CAL_TYPES, k['calType'], 'device'),
    calVersion,
    total,
    issued,
    available: num(k['available']) ?? total - issued,
    status: str(k['status']) === 'invalidated' ? 'invalidated' : 'active',
  };
  const n = num(first(k, 'pack', 'packNumber'));
  if (n !== undefined) pack.pack = n;
  const exp = iso(k['expiresAt']);
  if (exp) pack.expiresAt = exp;
  return pack;
}

/**
 * Maps `GET /ls/v1/status` onto a license server observation. Typed by the wire contract (core/wire): a field
 * the license server does not send cannot be read here. Still lenient on a missing part (an older server).
 */
export function applyStatus(server: ObservedLicenseServer, s: Partial<LicenseServerStatus>): void {
  if (s.serverId) server.serverId = s.serverId;
  const v = version(s.version);
  if (v) server.version = v;
  const a = s.activation;
  const activation: NonNullable<ObservedLicenseServer['activation']> = { status: oneOf<ActivationStatus>(ACTIVATION_STATUSES, a?.status, 'unactivated') };
  if (a?.method) activation.method = a.method;
  const exp = iso(a?.expiresAt);
  if (exp) activation.certificateExpiresAt = exp;
  const c = a?.contact;
  if (c && typeof c.company === 'string' && typeof c.firstName === 'string' && typeof c.lastName === 'string' && typeof c.country === 'string') {
    activation.contact = { firstName: c.firstName, lastName: c.lastName, company: c.company, country: c.country };
  }
  server.activation = activation;
  const packs = s.keyPacks ?? [];
  if (packs.length > 0) server.keyPacks = packs.flatMap((k) => keyPackFromView(k) ?? []);
  if (s.settings?.allowListEnabled === false) server.hostsAllowList = { enabled: false, hostAllowed: true };
}

/**
 * The revoke budget per CAL version from the installed device key packs and the revoked CALs
 * (`GET /ls/v1/issued?status=revoked`), by the license server's own rule (license-server-rules revokeBudgets).
 */
export function revokeBudgetsFrom(keyPacks: readonly ObservedKeyPack[], revoked: readonly unknown[], now: Date): ObservedRevokeBudget[] {
  const revokedCals = revoked
    .map(obj)
    .filter((r) => str(r['status']) === 'revoked')
    .flatMap((r) => {
      const calVersion = version(r['calVersion']);
      const expiresAt = Date.parse(str(r['expiresAt']) ?? '');
      return calVersion && !Number.isNaN(expiresAt) ? [{ calVersion, expiresAt: new Date(expiresAt) }] : [];
    });
  return revokeBudgets({ keyPacks, revoked: revokedCals }, now).map((b) => ({
    calVersion: b.calVersion,
    installed: b.installed,
    revokedLive: b.revokedLive,
    ...(b.nextRevokeAllowedOn ? { nextRevokeAllowedOn: b.nextRevokeAllowedOn.toISOString() } : {}),
  }));
}

/** Maps one entry of `GET /ch/v1/packs`. */
export function packFromView(v: unknown): ObservedPack | undefined {
  const p = obj(v);
  const packNumber = num(first(p, 'packNumber', 'number', 'pack'));
  const calVersion = version(p['calVersion']);
  if (packNumber === undefined || !calVersion) return undefined;
  const activeOn = str(first(p, 'activeOn', 'serverId', 'installedOn'));
  const pack: ObservedPack = {
    packNumber,
    program: oneOf<Program>(PROGRAMS, p['program'], 'other'),
    calType: oneOf<CalType>(CAL_TYPES, p['calType'], 'device'),
    calVersion,
    count: num(first(p, 'count', 'total')) ?? 0,
    status: oneOf(['unassigned', 'installed', 'revoked'] as const, p['status'], activeOn ? 'installed' : 'unassigned'),
  };
  if (activeOn) pack.activeOn = activeOn;
  const seq = num(first(p, 'grantSeq', 'seq'));
  if (seq !== undefined) pack.seq = seq;
  return pack;
}

/**
 * What the agent awaits, in words, from the case's decision reasons (`[{ code, text }]` or codes) and its
 * evidence (when the source license server was last seen).
 */
export function awaitingFrom(reasons: readonly unknown[], evidence: unknown = {}): string[] {
  return reasons.flatMap((r) => {
    const code = typeof r === 'string' ? r : str(obj(r)['code']);
    const text = str(obj(r)['text']) ?? (code ? (DECISION_REASONS as Record<string, string>)[code] : undefined) ?? code;
    if (!text) return [];
    if (code === 'SOURCE_CHECKED_IN_RECENTLY') {
      const seen = sourceSeenPhrase(evidence);
      if (seen) return [`${seen}: a deactivation receipt from it, or the agent's approval`];
    }
    return [text];
  });
}

/**
 * The SOURCE_CHECKED_IN_RECENTLY reason with the source's real last check-in, from a case's evidence: "checked
 * in recently (last check-in <day>)" only when it did check in; a source that never checked in was activated
 * recently (the decision falls back on the activation time), and says so. Older cases keep their last check-in
 * in `sourceLastCheckIn` only.
 */
export function sourceSeenPhrase(evidence: unknown): string | undefined {
  const e = obj(evidence);
  const source = obj(e['source']);
  const known = 'lastCheckIn' in source || 'sourceLastCheckIn' in e;
  const lastCheckIn = iso(first(source, 'lastCheckIn') ?? e['sourceLastCheckIn']);
  if (lastCheckIn) return `the source license server checked in recently and has not deactivated (last check-in ${lastCheckIn.slice(0, 10)})`;
  const activatedAt = iso(source['activatedAt']) ?? (known ? iso(source['lastSeen']) : undefined);
  if (known && activatedAt) return `the source license server was activated recently (${activatedAt.slice(0, 10)}), has never checked in, and has not deactivated`;
  const lastSeen = iso(source['lastSeen']);
  return lastSeen ? `the source license server checked in recently and has not deactivated (last seen ${lastSeen.slice(0, 10)})` : undefined;
}

/** Maps one entry of `GET /ch/v1/cases`. */
export function caseFromView(v: unknown): ObservedCase | undefined {
  const c = obj(v);
  const caseNumber = str(first(c, 'caseNumber', 'case', 'number'));
  if (!caseNumber) return undefined;
  const out: ObservedCase = {
    caseNumber,
    status: oneOf<CaseStatus>(CASE_STATUSES, c['status'], 'pending'),
    awaiting: awaitingFrom(arr(first(c, 'decisionReasons', 'reasons', 'awaiting')), c['evidence']),
  };
  const kind = str(c['kind']);
  if (kind) out.kind = kind;
  const pack = num(first(c, 'packNumber', 'pack'));
  if (pack !== undefined) out.packNumber = pack;
  const target = str(first(c, 'targetServerId', 'target'));
  if (target) out.targetServerId = target;
  const source = str(first(c, 'sourceServerId', 'source'));
  if (source) out.sourceServerId = source;
  const reason = str(c['reason']);
  if (reason) out.reason = reason;
  const created = iso(c['createdAt']);
  if (created) out.createdAt = created;
  const decided = iso(c['decidedAt']);
  if (decided) out.decidedAt = decided;
  const keyPackId = str(c['keyPackId']);
  if (keyPackId) out.keyPackId = keyPackId;
  return out;
}

/** Maps one entry of `GET /ch/v1/servers`. */
export function serverRecordFromView(v: unknown): ObservedServerRecord | undefined {
  const s = obj(v);
  const serverId = str(s['serverId']);
  if (!serverId) return undefined;
  const out: ObservedServerRecord = { serverId, status: oneOf<ActivationStatus>(ACTIVATION_STATUSES, s['status'], 'activated') };
  const seen = iso(first(s, 'lastCheckInAt', 'lastSeenAt', 'lastSeen'));
  if (seen) out.lastSeenAt = seen;
  return out;
}

/** Maps one recorded event (`GET /<prefix>/events`). */
export function eventFromRecord(v: unknown, component: EventComponent, source?: string): ObservedEvent | undefined {
  const e = obj(v);
  const id = num(first(e, 'eventId'));
  const at = iso(e['at']);
  if (id === undefined || !at) return undefined;
  const out: ObservedEvent = {
    component: oneOf<EventComponent>(EVENT_COMPONENTS, e['component'], component),
    id,
    level: oneOf<EventLevel>(EVENT_LEVELS, e['level'], 'information'),
    at,
  };
  const seq = num(e['id']);
  if (seq !== undefined) out.seq = seq;
  const channel = str(e['channel']);
  if (channel) out.channel = channel;
  const message = str(e['message']);
  if (message) out.message = message;
  const data = e['data'];
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) out.data = data as Json;
  if (source) out.source = source;
  return out;
}

/** Maps `GET /ls/v1/identity` (public) onto a license server observation. */
export function applyIdentity(server: ObservedLicenseServer, body: unknown): void {
  const id = obj(body);
  const serverId = str(id['serverId']);
  if (serverId) server.serverId = serverId;
  const v = version(first(id, 'version', 'serverVersion'));
  if (v) server.version = v;
}

/** Maps `GET /ls/v1/hosts`: whether the "RDS Endpoint Servers" allow-list lets the diagnosed host in. */
export function hostsAllowListFrom(body: unknown, hostName: string): NonNullable<ObservedLicenseServer['hostsAllowList']> {
  const h = obj(body);
  const enabled = first(h, 'allowListEnabled', 'enabled') === true;
  const allowList = arr(h['allowList']).flatMap((n) => (typeof n === 'string' ? [n.toLowerCase()] : []));
  return { enabled, hostAllowed: !enabled || allowList.includes(hostName.toLowerCase()) };
}

/** When the license server was last rebuilt, from its events (9104), for a status that does not carry it. */
export function rebuiltAtFrom(events: readonly ObservedEvent[]): string | undefined {
  return events.filter((e) => e.id === 9104).sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0]?.at;
}

/** The license servers to read: those the session host lists, then the others named (not listed). */
export function licenseServersToRead(host: ObservedSessionHost, others: readonly string[]): { url: string; listed: boolean }[] {
  const urls = host.licenseServers.map((url) => ({ url, listed: true }));
  for (const url of others) {
    if (!urls.some((u) => sameUrl(u.url, url))) urls.push({ url, listed: false });
  }
  return urls;
}

/** What was read from one component: its observation and its recent events. */
export interface ComponentReading<T> {
  observed: T;
  events: ObservedEvent[];
}

/**
 * The snapshot from the readings, with every component's events together, newest first. `takenAt` is given
 * the merged events (the console takes the newest event's time when a server's clock runs ahead of it).
 */
export function assembleSnapshot(parts: {
  sessionHost: ObservedSessionHost;
  hostEvents: readonly ObservedEvent[];
  licenseServers: readonly ComponentReading<ObservedLicenseServer>[];
  clearinghouse?: ComponentReading<ObservedClearinghouse>;
  takenAt: (events: readonly ObservedEvent[]) => Date;
}): DiagnosisSnapshot {
  const events = [...parts.hostEvents, ...parts.licenseServers.flatMap((r) => r.events), ...(parts.clearinghouse?.events ?? [])].sort(
    (a, b) => Date.parse(b.at) - Date.parse(a.at) || (b.seq ?? 0) - (a.seq ?? 0),
  );
  const snapshot: DiagnosisSnapshot = {
    takenAt: parts.takenAt(events).toISOString(),
    sessionHost: parts.sessionHost,
    licenseServers: parts.licenseServers.map((r) => r.observed),
    events,
  };
  if (parts.clearinghouse) snapshot.clearinghouse = parts.clearinghouse.observed;
  return snapshot;
}
