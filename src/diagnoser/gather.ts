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
import { DECISION_REASONS } from '../core/clearinghouse-rules';
import { type EventComponent, type EventLevel } from '../core/events';
import {
  sameUrl,
  type DiagnosisSnapshot,
  type ObservedCase,
  type ObservedClearinghouse,
  type ObservedEvent,
  type ObservedKeyPack,
  type ObservedLicenseServer,
  type ObservedPack,
  type ObservedRevokeBudget,
  type ObservedServerRecord,
  type ObservedSessionHost,
} from '../core/diagnoser-rules';
import { err, ok, refusal, type Refusal, type Result } from '../core/result';
import {
  ACTIVATION_STATUSES,
  CAL_TYPES,
  CASE_STATUSES,
  CONFIG_LAYERS,
  isCalVersion,
  PROGRAMS,
  type ActivationMethod,
  type ActivationStatus,
  type CalType,
  type CalVersion,
  type CaseStatus,
  type ConfigLayer,
  type LicensingMode,
  type Program,
} from '../core/vocabulary';
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

type Json = Record<string, unknown>;

const SH = '/sh/v1';
const LS = '/ls/v1';
const CH = '/ch/v1';

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
function listOf(v: unknown, ...keys: string[]): unknown[] {
  if (Array.isArray(v)) return v;
  const o = obj(v);
  for (const k of keys) if (Array.isArray(o[k])) return o[k] as unknown[];
  return [];
}

/** Reads the session host; the only required part. */
async function readSessionHost(o: GatherOptions): Promise<Result<ObservedSessionHost>> {
  const r = await callJson<unknown>(o.hostUrl, 'GET', `${SH}/status`, { token: o.token, timeoutMs: o.timeoutMs });
  if (!r.ok) {
    return err(
      refusal(r.error.code, `Could not read the session host's status at ${o.hostUrl}: ${r.error.message}`, { ...r.error.detail, hostUrl: o.hostUrl }),
    );
  }
  return ok(sessionHostFromStatus(r.value, o.hostUrl));
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
    mode: oneOf<LicensingMode>(['per-device', 'per-user', 'not-configured'], s['mode'], 'not-configured'),
    modeSource: oneOf<ConfigLayer | 'default'>([...CONFIG_LAYERS, 'default'], s['modeSource'], 'default'),
    licenseServers: servers.map((x) => x.url).filter((u) => u !== ''),
    licenseServersSource: oneOf<ConfigLayer | 'default'>([...CONFIG_LAYERS, 'default'], s['licenseServersSource'], 'default'),
    notEnrolledOn: servers.filter((x) => x.enrolled === false).map((x) => x.url),
    graceDaysLeft: num(first(grace, 'daysLeft')) ?? num(s['graceDaysLeft']) ?? 0,
  };
  if (url) host.url = url;
  const endsAt = iso(first(grace, 'endsAt'));
  if (endsAt) host.graceEndsAt = endsAt;
  return host;
}

function lsToken(o: GatherOptions, url: string): string | undefined {
  for (const [k, v] of Object.entries(o.licenseServerTokens ?? {})) if (sameUrl(k, url)) return v;
  return o.licenseServerToken;
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

/** Reads one license server: identity (public), status, key packs, hosts allow-list, recent events. */
async function readLicenseServer(o: GatherOptions, url: string, listed: boolean, hostName: string): Promise<{ server: ObservedLicenseServer; events: ObservedEvent[] }> {
  const token = lsToken(o, url);
  const call = <T>(path: string) => callJson<T>(url, 'GET', `${LS}${path}`, { token, timeoutMs: o.timeoutMs });
  const identity = await call<unknown>('/identity');
  const server: ObservedLicenseServer = { url, listed, reachable: false, inspected: false, keyPacks: [] };
  if (!identity.ok) {
    // Reachable but refusing: an OpenCAL server that answered with an error body is still reachable.
    server.reachable = identity.error.code !== 'UNREACHABLE' && identity.error.code !== 'BAD_RESPONSE';
    server.problem = { code: identity.error.code, message: identity.error.message };
    if (!server.reachable) return { server, events: [] };
  } else {
    server.reachable = true;
    const id = obj(identity.value);
    const serverId = str(id['serverId']);
    if (serverId) server.serverId = serverId;
    const v = version(first(id, 'version', 'serverVersion'));
    if (v) server.version = v;
  }
  const status = await call<unknown>('/status');
  if (!status.ok) {
    server.reachable = status.error.code !== 'UNREACHABLE' && status.error.code !== 'BAD_RESPONSE';
    server.problem = { code: status.error.code, message: status.error.message };
    return { server, events: [] };
  }
  server.inspected = true;
  applyStatus(server, status.value);
  if (server.keyPacks.length === 0) {
    const packs = await call<unknown>('/key-packs');
    if (packs.ok) server.keyPacks = listOf(packs.value, 'keyPacks', 'packs').flatMap((k) => keyPackFromView(k) ?? []);
  }
  if (server.revokeBudgets === undefined) {
    const revoked = await call<unknown>('/issued?status=revoked&calType=device');
    if (revoked.ok) server.revokeBudgets = revokeBudgetsFrom(server.keyPacks, listOf(revoked.value, 'issued'), o.clock.now());
  }
  const hosts = await call<unknown>('/hosts');
  if (hosts.ok) {
    const h = obj(hosts.value);
    const enabled = first(h, 'allowListEnabled', 'enabled') === true;
    const allowList = arr(h['allowList']).flatMap((n) => (typeof n === 'string' ? [n.toLowerCase()] : []));
    server.hostsAllowList = { enabled, hostAllowed: !enabled || allowList.includes(hostName.toLowerCase()) };
  }
  const events = await readEvents(url, `${LS}/events`, token, 'license-server', o);
  // A rebuild is known from its event (9104) when the status does not carry it.
  if (server.rebuiltAt === undefined) {
    const rebuilt = events.filter((e) => e.id === 9104).sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
    if (rebuilt) server.rebuiltAt = rebuilt.at;
  }
  return { server, events };
}

/** Maps `GET /ls/v1/status` onto a license server observation. */
export function applyStatus(server: ObservedLicenseServer, body: unknown): void {
  const s = obj(body);
  const serverId = str(s['serverId']);
  if (serverId) server.serverId = serverId;
  const v = version(first(s, 'version', 'serverVersion'));
  if (v) server.version = v;
  const a = obj(s['activation']);
  const status = oneOf<ActivationStatus>(ACTIVATION_STATUSES, first(a, 'status') ?? s['status'], 'unactivated');
  const activation: NonNullable<ObservedLicenseServer['activation']> = { status };
  const method = str(first(a, 'method'));
  if (method === 'auto' || method === 'web' || method === 'phone') activation.method = method as ActivationMethod;
  const exp = iso(first(a, 'certificateExpiresAt', 'expiresAt'));
  if (exp) activation.certificateExpiresAt = exp;
  server.activation = activation;
  const packs = listOf(first(s, 'keyPacks', 'packs'));
  if (packs.length > 0) server.keyPacks = packs.flatMap((k) => keyPackFromView(k) ?? []);
  const budgets = listOf(first(s, 'revokeBudgets', 'revoke'), 'budgets', 'versions');
  if (budgets.length > 0) server.revokeBudgets = budgets.flatMap((b) => revokeBudgetFrom(b) ?? []);
  const rebuilt = iso(first(s, 'rebuiltAt', 'lastRebuildAt'));
  if (rebuilt) server.rebuiltAt = rebuilt;
  const allow = first(s, 'allowListEnabled') ?? obj(s['settings'])['allowListEnabled'];
  if (typeof allow === 'boolean' && !allow) server.hostsAllowList = { enabled: false, hostAllowed: true };
}

/**
 * The revoke budget per CAL version from the installed device key packs and the revoked CALs: a revoked CAL
 * counts until it would have expired (DESIGN §5); the next revoke is allowed when the first of them expires.
 */
export function revokeBudgetsFrom(keyPacks: readonly ObservedKeyPack[], revoked: readonly unknown[], now: Date): ObservedRevokeBudget[] {
  const versions = [...new Set(keyPacks.filter((k) => k.status === 'active' && k.calType === 'device').map((k) => k.calVersion))].sort();
  return versions.map((calVersion) => {
    const installed = keyPacks.filter((k) => k.status === 'active' && k.calType === 'device' && k.calVersion === calVersion).reduce((n, k) => n + k.total, 0);
    const live = revoked
      .map(obj)
      .filter((r) => version(r['calVersion']) === calVersion && str(r['status']) === 'revoked')
      .map((r) => Date.parse(str(r['expiresAt']) ?? ''))
      .filter((t) => !Number.isNaN(t) && t > now.getTime());
    const out: ObservedRevokeBudget = { calVersion, installed, revokedLive: live.length };
    if (live.length > 0) out.nextRevokeAllowedOn = new Date(Math.min(...live)).toISOString();
    return out;
  });
}

function revokeBudgetFrom(v: unknown): ObservedRevokeBudget | undefined {
  const b = obj(v);
  const calVersion = version(b['calVersion']);
  const installed = num(b['installed']);
  const revokedLive = num(first(b, 'revokedLive', 'revoked'));
  if (!calVersion || installed === undefined || revokedLive === undefined) return undefined;
  const out: ObservedRevokeBudget = { calVersion, installed, revokedLive };
  const next = iso(b['nextRevokeAllowedOn']);
  if (next) out.nextRevokeAllowedOn = next;
  return out;
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
  const source = obj(obj(evidence)['source']);
  const lastSeen = iso(source['lastSeen']);
  return reasons.flatMap((r) => {
    const code = typeof r === 'string' ? r : str(obj(r)['code']);
    const text = str(obj(r)['text']) ?? (code ? (DECISION_REASONS as Record<string, string>)[code] : undefined) ?? code;
    if (!text) return [];
    if (code === 'SOURCE_CHECKED_IN_RECENTLY' && lastSeen) return [`${text} (last check-in ${lastSeen.slice(0, 10)}): a deactivation receipt from it, or the agent's approval`];
    return [text];
  });
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

async function readClearinghouse(o: GatherOptions): Promise<{ ch: ObservedClearinghouse; events: ObservedEvent[] }> {
  const url = o.clearinghouseUrl!;
  const call = <T>(path: string) => callJson<T>(url, 'GET', `${CH}${path}`, { token: o.clearinghouseToken, timeoutMs: o.timeoutMs });
  const ch: ObservedClearinghouse = { url, reachable: false, packs: [], cases: [], servers: [] };
  const packs = await call<unknown>('/packs');
  if (!packs.ok) {
    ch.problem = { code: packs.error.code, message: packs.error.message };
    return { ch, events: [] };
  }
  ch.reachable = true;
  ch.packs = listOf(packs.value, 'packs').flatMap((p) => packFromView(p) ?? []);
  const cases = await call<unknown>('/cases');
  if (cases.ok) ch.cases = listOf(cases.value, 'cases').flatMap((c) => caseFromView(c) ?? []);
  const servers = await call<unknown>('/servers');
  if (servers.ok) ch.servers = listOf(servers.value, 'servers').flatMap((s) => serverRecordFromView(s) ?? []);
  // The clearinghouse's own events are for agents and admins; an organization token is refused, which is fine.
  const events = await readEvents(url, `${CH}/events`, o.clearinghouseToken, 'clearinghouse', o);
  return { ch, events };
}

/** Maps one recorded event (`GET /<prefix>/events`). */
export function eventFromRecord(v: unknown, component: EventComponent, source?: string): ObservedEvent | undefined {
  const e = obj(v);
  const id = num(first(e, 'eventId'));
  const at = iso(e['at']);
  if (id === undefined || !at) return undefined;
  const out: ObservedEvent = {
    component: oneOf<EventComponent>(['clearinghouse', 'license-server', 'session-host', 'diagnoser'], e['component'], component),
    id,
    level: oneOf<EventLevel>(['information', 'warning', 'error'], e['level'], 'information'),
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

async function readEvents(url: string, path: string, token: string | undefined, component: EventComponent, o: Pick<GatherOptions, 'eventLimit' | 'timeoutMs'>): Promise<ObservedEvent[]> {
  const r = await callJson<unknown>(url, 'GET', `${path}?limit=${o.eventLimit ?? 200}`, { token, timeoutMs: o.timeoutMs });
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
  const urls: { url: string; listed: boolean }[] = sessionHost.licenseServers.map((url) => ({ url, listed: true }));
  for (const url of o.licenseServerUrls ?? []) {
    if (!urls.some((u) => sameUrl(u.url, url))) urls.push({ url, listed: false });
  }
  const [lsResults, chResult, hostEvents] = await Promise.all([
    Promise.all(urls.map((u) => readLicenseServer(o, u.url, u.listed, sessionHost.name))),
    o.clearinghouseUrl ? readClearinghouse(o) : Promise.resolve(undefined),
    readEvents(o.hostUrl, `${SH}/events`, o.token, 'session-host', o),
  ]);
  const events = [...hostEvents, ...lsResults.flatMap((r) => r.events), ...(chResult?.events ?? [])].sort(
    (a, b) => Date.parse(b.at) - Date.parse(a.at) || (b.seq ?? 0) - (a.seq ?? 0),
  );
  const snapshot: DiagnosisSnapshot = {
    takenAt: o.clock.now().toISOString(),
    sessionHost,
    licenseServers: lsResults.map((r) => r.server),
    events,
  };
  if (chResult) snapshot.clearinghouse = chResult.ch;
  return ok(snapshot);
}

