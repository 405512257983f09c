/**
 * The diagnoser, in the browser: it reads the components' public routes on this origin with the tokens of the
 * keyring (like the RD Licensing Diagnoser reads each license server with admin rights), builds the
 * DiagnosisSnapshot of src/core/diagnoser-rules and runs the pure rules, recovery planner and phone script of
 * src/core. License servers on another origin cannot be read from the page (the console makes no cross-origin
 * request): they are reported as not inspected.
 */
import { CAL_TYPES, CASE_STATUSES, CONFIG_LAYERS, isCalVersion, PROGRAMS, ACTIVATION_STATUSES, type CalVersion, type ConfigLayer, type LicensingMode } from '../core/vocabulary';
import {
  sameUrl,
  type DiagnosisSnapshot,
  type EventComponent,
  type ObservedCase,
  type ObservedClearinghouse,
  type ObservedEvent,
  type ObservedKeyPack,
  type ObservedLicenseServer,
  type ObservedPack,
  type ObservedSessionHost,
} from '../core/diagnoser-rules';
import { api, tokenFor, type ApiError, type Component, type KeyringEntry } from './api';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const ver = (v: unknown): CalVersion | undefined => (isCalVersion(v) ? v : undefined);
function oneOf<T extends string>(values: readonly T[], v: unknown, fallback: T): T {
  return typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : fallback;
}

function sessionHostFrom(s: Json, url: string): ObservedSessionHost {
  const grace = obj(s['grace']);
  const servers = arr(s['licenseServers']).map((x) => ({ url: str(obj(x)['url']) ?? '', enrolled: obj(x)['enrolled'] }));
  const host: ObservedSessionHost = {
    url,
    name: str(s['hostName']) ?? 'session host',
    version: ver(s['hostVersion']) ?? 2019,
    directory: s['directory'] === 'workgroup' ? 'workgroup' : 'domain',
    mode: oneOf<LicensingMode>(['per-device', 'per-user', 'not-configured'], s['mode'], 'not-configured'),
    modeSource: oneOf<ConfigLayer | 'default'>([...CONFIG_LAYERS, 'default'], s['modeSource'], 'default'),
    licenseServers: servers.map((x) => x.url).filter((u) => u !== ''),
    licenseServersSource: oneOf<ConfigLayer | 'default'>([...CONFIG_LAYERS, 'default'], s['licenseServersSource'], 'default'),
    notEnrolledOn: servers.filter((x) => x.enrolled === false).map((x) => x.url),
    graceDaysLeft: num(grace['daysLeft']) ?? 0,
  };
  const endsAt = str(grace['endsAt']);
  if (endsAt) host.graceEndsAt = endsAt;
  return host;
}

function keyPackFrom(v: unknown): ObservedKeyPack | undefined {
  const k = obj(v);
  const calVersion = ver(k['calVersion']);
  if (!calVersion) return undefined;
  const total = num(k['total']) ?? 0;
  const issued = num(k['issued']) ?? 0;
  const out: ObservedKeyPack = {
    program: oneOf(PROGRAMS, k['program'], 'other'),
    calType: oneOf(CAL_TYPES, k['calType'], 'device'),
    calVersion,
    total,
    issued,
    available: num(k['available']) ?? total - issued,
    status: k['status'] === 'invalidated' ? 'invalidated' : 'active',
  };
  const pack = num(k['pack']);
  if (pack !== undefined) out.pack = pack;
  const exp = str(k['expiresAt']);
  if (exp) out.expiresAt = exp;
  return out;
}

function eventFrom(v: unknown, component: EventComponent, source: string): ObservedEvent | undefined {
  const e = obj(v);
  const id = num(e['eventId']);
  const at = str(e['at']);
  if (id === undefined || !at) return undefined;
  const out: ObservedEvent = { component, id, level: oneOf(['information', 'warning', 'error'] as const, e['level'], 'information'), at, source };
  const seq = num(e['id']);
  if (seq !== undefined) out.seq = seq;
  const channel = str(e['channel']);
  if (channel) out.channel = channel;
  const message = str(e['message']);
  if (message) out.message = message;
  if (typeof e['data'] === 'object' && e['data'] !== null) out.data = e['data'] as Json;
  return out;
}

async function events(keyring: KeyringEntry[], c: Component, component: EventComponent, source: string): Promise<ObservedEvent[]> {
  if (!tokenFor(keyring, c)) return [];
  const r = await api<{ events: unknown[] }>(keyring, c, 'GET', '/events?limit=200');
  return r.ok ? arr(r.value.events).flatMap((e) => eventFrom(e, component, source) ?? []) : [];
}

async function readLicenseServer(keyring: KeyringEntry[], url: string, listed: boolean, hostName: string, origin: string): Promise<{ server: ObservedLicenseServer; events: ObservedEvent[] }> {
  const server: ObservedLicenseServer = { url, listed, reachable: false, inspected: false, keyPacks: [] };
  if (!sameUrl(url, origin)) {
    server.problem = {
      code: 'OTHER_ORIGIN',
      message: `The console reads only components on its own origin (${origin}); run \`opencal diagnose\` to inspect ${url}.`,
    };
    return { server, events: [] };
  }
  const identity = await api<Json>(keyring, 'ls', 'GET', '/identity');
  if (!identity.ok) {
    server.reachable = identity.error.code !== 'UNREACHABLE';
    server.problem = { code: identity.error.code, message: identity.error.message };
    if (!server.reachable) return { server, events: [] };
  } else {
    server.reachable = true;
    const id = str(identity.value['serverId']);
    if (id) server.serverId = id;
    const v = ver(identity.value['version']);
    if (v) server.version = v;
  }
  if (!tokenFor(keyring, 'ls')) {
    server.problem = { code: 'UNAUTHENTICATED', message: 'Sign in with a license server token (ls:admin or readonly) to inspect this license server.' };
    return { server, events: [] };
  }
  const status = await api<Json>(keyring, 'ls', 'GET', '/status');
  if (!status.ok) {
    server.problem = { code: status.error.code, message: status.error.message };
    return { server, events: [] };
  }
  server.inspected = true;
  const s = status.value;
  const a = obj(s['activation']);
  server.activation = { status: oneOf(ACTIVATION_STATUSES, a['status'], 'unactivated') };
  const method = str(a['method']);
  if (method === 'auto' || method === 'web' || method === 'phone') server.activation.method = method;
  const exp = str(a['expiresAt']);
  if (exp) server.activation.certificateExpiresAt = exp;
  server.keyPacks = arr(s['keyPacks']).flatMap((k) => keyPackFrom(k) ?? []);
  const now = Date.now();
  const revoked = await api<{ issued: unknown[] }>(keyring, 'ls', 'GET', '/issued?status=revoked&calType=device');
  if (revoked.ok) {
    const versions = [...new Set(server.keyPacks.filter((k) => k.status === 'active' && k.calType === 'device').map((k) => k.calVersion))].sort();
    server.revokeBudgets = versions.map((calVersion) => {
      const installed = server.keyPacks.filter((k) => k.status === 'active' && k.calType === 'device' && k.calVersion === calVersion).reduce((n, k) => n + k.total, 0);
      const live = arr(revoked.value.issued)
        .map(obj)
        .filter((r) => r['calVersion'] === calVersion && r['status'] === 'revoked')
        .map((r) => Date.parse(str(r['expiresAt']) ?? ''))
        .filter((t) => t > now);
      return { calVersion, installed, revokedLive: live.length, ...(live.length ? { nextRevokeAllowedOn: new Date(Math.min(...live)).toISOString() } : {}) };
    });
  }
  const hosts = await api<Json>(keyring, 'ls', 'GET', '/hosts');
  if (hosts.ok) {
    const enabled = hosts.value['allowListEnabled'] === true;
    const allow = arr(hosts.value['allowList']).flatMap((n) => (typeof n === 'string' ? [n.toLowerCase()] : []));
    server.hostsAllowList = { enabled, hostAllowed: !enabled || allow.includes(hostName.toLowerCase()) };
  } else if (obj(s['settings'])['allowListEnabled'] === false) {
    server.hostsAllowList = { enabled: false, hostAllowed: true };
  }
  const evs = await events(keyring, 'ls', 'license-server', url);
  const rebuilt = evs.filter((e) => e.id === 9104).sort((x, y) => Date.parse(y.at) - Date.parse(x.at))[0];
  if (rebuilt) server.rebuiltAt = rebuilt.at;
  return { server, events: evs };
}

async function readClearinghouse(keyring: KeyringEntry[], origin: string): Promise<{ ch: ObservedClearinghouse; events: ObservedEvent[] } | undefined> {
  if (!tokenFor(keyring, 'ch')) return undefined;
  const ch: ObservedClearinghouse = { url: origin, reachable: false, packs: [], cases: [], servers: [] };
  const packs = await api<{ packs: unknown[] }>(keyring, 'ch', 'GET', '/packs');
  if (!packs.ok) {
    ch.problem = { code: packs.error.code, message: packs.error.message };
    return { ch, events: [] };
  }
  ch.reachable = true;
  ch.packs = arr(packs.value.packs).flatMap((v): ObservedPack[] => {
    const p = obj(v);
    const packNumber = num(p['number']);
    const calVersion = ver(p['calVersion']);
    if (packNumber === undefined || !calVersion) return [];
    const out: ObservedPack = {
      packNumber,
      program: oneOf(PROGRAMS, p['program'], 'other'),
      calType: oneOf(CAL_TYPES, p['calType'], 'device'),
      calVersion,
      count: num(p['count']) ?? 0,
      status: oneOf(['unassigned', 'installed', 'revoked'] as const, p['status'], 'unassigned'),
    };
    const on = str(p['serverId']);
    if (on) out.activeOn = on;
    const seq = num(p['grantSeq']);
    if (seq !== undefined) out.seq = seq;
    return [out];
  });
  const cases = await api<{ cases: unknown[] }>(keyring, 'ch', 'GET', '/cases');
  if (cases.ok) {
    ch.cases = arr(cases.value.cases).flatMap((v): ObservedCase[] => {
      const c = obj(v);
      const caseNumber = str(c['caseNumber']);
      if (!caseNumber) return [];
      const source = obj(obj(c['evidence'])['source']);
      const lastSeen = str(source['lastSeen']);
      const out: ObservedCase = {
        caseNumber,
        status: oneOf(CASE_STATUSES, c['status'], 'pending'),
        awaiting: arr(c['decisionReasons']).flatMap((r) => {
          const text = str(obj(r)['text']);
          if (!text) return [];
          return [obj(r)['code'] === 'SOURCE_CHECKED_IN_RECENTLY' && lastSeen ? `${text} (last check-in ${lastSeen.slice(0, 10)}): a deactivation receipt from it, or the agent's approval` : text];
        }),
      };
      for (const [from, to] of [
        ['kind', 'kind'],
        ['targetServerId', 'targetServerId'],
        ['sourceServerId', 'sourceServerId'],
        ['reason', 'reason'],
        ['createdAt', 'createdAt'],
        ['decidedAt', 'decidedAt'],
        ['keyPackId', 'keyPackId'],
      ] as const) {
        const x = str(c[from]);
        if (x) (out as unknown as Json)[to] = x;
      }
      const pack = num(c['pack']);
      if (pack !== undefined) out.packNumber = pack;
      return [out];
    });
  }
  const servers = await api<{ servers: unknown[] }>(keyring, 'ch', 'GET', '/servers');
  if (servers.ok) {
    ch.servers = arr(servers.value.servers).flatMap((v) => {
      const s = obj(v);
      const serverId = str(s['serverId']);
      if (!serverId) return [];
      const seen = str(s['lastCheckInAt']);
      return [{ serverId, status: oneOf(ACTIVATION_STATUSES, s['status'], 'activated'), ...(seen ? { lastSeenAt: seen } : {}) }];
    });
  }
  return { ch, events: await events(keyring, 'ch', 'clearinghouse', origin) };
}

/** Everything the diagnoser needs, from the session host's point of view; refused only when the session host cannot be read. */
export async function gatherInBrowser(keyring: KeyringEntry[], origin: string): Promise<{ ok: true; snapshot: DiagnosisSnapshot } | { ok: false; error: ApiError }> {
  const status = await api<Json>(keyring, 'sh', 'GET', '/status');
  if (!status.ok) return { ok: false, error: status.error };
  const host = sessionHostFrom(status.value, origin);
  const urls = host.licenseServers.map((url) => ({ url, listed: true }));
  // the license server on this origin is inspected even when the session host does not list it (e.g. the new one)
  if (tokenFor(keyring, 'ls') && !urls.some((u) => sameUrl(u.url, origin))) urls.push({ url: origin, listed: false });
  const [ls, ch, hostEvents] = await Promise.all([
    Promise.all(urls.map((u) => readLicenseServer(keyring, u.url, u.listed, host.name, origin))),
    readClearinghouse(keyring, origin),
    events(keyring, 'sh', 'session-host', origin),
  ]);
  const all = [...hostEvents, ...ls.flatMap((r) => r.events), ...(ch?.events ?? [])].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || (b.seq ?? 0) - (a.seq ?? 0));
  const snapshot: DiagnosisSnapshot = {
    takenAt: new Date(diagnosisNow(all)).toISOString(),
    sessionHost: host,
    licenseServers: ls.map((r) => r.server),
    events: all,
  };
  if (ch) snapshot.clearinghouse = ch.ch;
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
