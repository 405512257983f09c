/**
 * The diagnoser's rules (DESIGN §7, rds-facts §7 and §9): findings from an observed snapshot of an estate,
 * seen from one session host, like the RD Licensing Diagnoser. Pure: the snapshot is gathered elsewhere
 * (src/diagnoser/gather.ts) and `now` is an input.
 *
 * Each finding carries a stable UPPER_SNAKE code (the public contract: add, never rename), a message in the
 * administrator's terms, the probable cause and the fix naming the exact `opencal` command.
 * The source document's troubleshooting table is covered row by row:
 *   Pending on the portal                        -> PORTAL_CASE_PENDING
 *   "the key is already activated"               -> PACK_ACTIVE_ON_OTHER_SERVER
 *   clients refused although CALs are available  -> CLIENTS_REFUSED_MODE_MISMATCH, NO_LICENSE_SERVER_SPECIFIED
 *   the console shows 0 CALs after a reinstall   -> NO_CALS_AFTER_REINSTALL
 *   "phantom" issued licenses                    -> PHANTOM_LICENSES
 */
import type { KeyPackView } from './wire/license-server';
import { DAY_MS } from './clock';
import type { EventComponent, EventLevel } from './events';
import { isVersionAcceptedByHost, isVersionHostable, revokeBudget } from './license-server-rules';
import { probeFindings } from './probe-rules';
import type { Lang } from './diagnoser-texts';
import { openCalFindingText, type PhantomReason } from './diagnoser-texts-opencal';
import { programDataPlaceholders } from './vocabulary';
import type {
  ActivationMethod,
  ActivationStatus,
  CalType,
  CalVersion,
  CaseStatus,
  ConfigLayer,
  LicensingMode,
  Program,
  ServerVersion,
} from './vocabulary';

// ------------------------------------------------------------------------------------------------------------
// The snapshot: what was observed, with no interpretation.

export type { EventComponent, EventLevel };

/** The session host the diagnosis is run from (`GET /sh/v1/status`). */
export interface ObservedSessionHost {
  /** origin of the session host's API, when it was reached over HTTP. */
  url?: string;
  name: string;
  version: CalVersion;
  directory: 'domain' | 'workgroup';
  mode: LicensingMode;
  /** the configuration layer the mode came from, or 'default' when no layer sets it. */
  modeSource: ConfigLayer | 'default';
  /** license server URLs in the order the session host tries them. */
  licenseServers: string[];
  licenseServersSource: ConfigLayer | 'default';
  /** listed license servers this session host holds no enrolment (ls:host token) for. */
  notEnrolledOn?: string[];
  /** a new license server identity the host found behind a listed URL: followed, or held (not vouched for). */
  identityChanges?: { url: string; followed: boolean; serverId?: string; previousServerId?: string; heldServerId?: string; reason?: string }[];
  /** whole days left in the 120-day grace period; 0 when it is over. */
  graceDaysLeft: number;
  graceEndsAt?: string;
  /** the revocation list the host judges CALs by (`GET /sh/v1/status`); undefined when the host does not report it. */
  revocationList?: { clearinghouse: boolean; seq?: number; issuedAt?: string; fetchedAt?: string };
  /** the clock leeway and each license server's clock minus the host's, from its last answer (seconds). */
  clock?: { leewaySeconds: number; skews: { licenseServerUrl: string; skewSeconds: number }[] };
  /** what each listed license server answered the host's own dry-run CAL request (`POST /sh/v1/probe`), now; undefined when the probe could not be run. */
  probes?: ObservedProbe[];
  /** why the probe could not be run. */
  probeProblem?: { code: string; message: string };
}

/** One listed license server's answer to the session host's dry-run CAL request (src/session-host/probe.usecase.ts). */
export interface ObservedProbe {
  url: string;
  enrolled: boolean;
  outcome: 'would-issue' | 'refused' | 'unreachable' | 'not-enrolled' | 'not-asked';
  serverId?: string;
  issue?: 'temporary' | 'permanent' | 'user' | 'none';
  permanentAvailable?: boolean;
  calVersion?: CalVersion;
  code?: string;
  message?: string;
}

/** A key pack installed on a license server (`GET /ls/v1/key-packs`). */
export interface ObservedKeyPack extends Pick<KeyPackView, 'program' | 'calType' | 'calVersion' | 'total' | 'issued' | 'available' | 'expiresAt'> {
  /** the pack's number at the clearinghouse, when known. */
  pack?: number;
  /** 'invalidated' once the clearinghouse reissued the pack to another server (its grant is revoked). */
  status: KeyPackView['status'];
}

/** The revoke budget of one CAL version on a license server (DESIGN §5: max(1, 20 %) of installed). */
export interface ObservedRevokeBudget {
  calVersion: CalVersion;
  installed: number;
  revokedLive: number;
  nextRevokeAllowedOn?: string;
}

/** One license server, as seen from the diagnoser (`GET /ls/v1/status`, `/key-packs`, `/hosts`). */
export interface ObservedLicenseServer {
  url: string;
  /** on the session host's list; false for a server named only for this diagnosis (e.g. the new one). */
  listed: boolean;
  reachable: boolean;
  /** whether its status could be read (reachable but no token or a read-only refusal: false). */
  inspected: boolean;
  /** why it could not be reached or read. */
  problem?: { code: string; message: string };
  serverId?: string;
  version?: ServerVersion;
  activation?: {
    status: ActivationStatus;
    method?: ActivationMethod;
    certificateExpiresAt?: string;
    /** who activated the server: name, company and country given at activation. */
    contact?: { firstName: string; lastName: string; company: string; country: string };
  };
  keyPacks: ObservedKeyPack[];
  /** the "RDS Endpoint Servers" allow-list; undefined when it could not be read. */
  hostsAllowList?: { enabled: boolean; hostAllowed: boolean };
  revokeBudgets?: ObservedRevokeBudget[];
  /** when the license database was last rebuilt, if it reports it. */
  rebuiltAt?: string;
}

/** A pack of the organization at the clearinghouse (`GET /ch/v1/packs`). */
export interface ObservedPack {
  packNumber: number;
  program: Program;
  calType: CalType;
  calVersion: CalVersion;
  count: number;
  status: 'unassigned' | 'installed' | 'revoked';
  /** license server ID the pack is active on. */
  activeOn?: string;
  seq?: number;
}

/** A case at the clearinghouse (`GET /ch/v1/cases`). */
export interface ObservedCase {
  caseNumber: string;
  status: CaseStatus;
  /** 'migration' / 'reissue' from the portal or the phone; 'phantom' / 'clone' when flagged by a check-in. */
  kind?: string;
  packNumber?: number;
  targetServerId?: string;
  sourceServerId?: string;
  /** what the agent is waiting for (the evidence still missing), in words. */
  awaiting: string[];
  reason?: string;
  createdAt?: string;
  decidedAt?: string;
  keyPackId?: string;
}

/** A license server known to the clearinghouse (`GET /ch/v1/servers`). */
export interface ObservedServerRecord {
  serverId: string;
  status: ActivationStatus;
  lastSeenAt?: string;
}

export interface ObservedClearinghouse {
  url?: string;
  reachable: boolean;
  problem?: { code: string; message: string };
  organization?: string;
  packs: ObservedPack[];
  cases: ObservedCase[];
  servers: ObservedServerRecord[];
}

export interface ObservedEvent {
  component: EventComponent;
  /** the event id (real RDS ids or our own ranges, src/core/events.ts). */
  id: number;
  /** the log's sequence number, when read from a component (for follow mode). */
  seq?: number;
  level: EventLevel;
  at: string;
  channel?: string;
  message?: string;
  data?: Record<string, unknown>;
  /** URL of the component that recorded it. */
  source?: string;
}

/** Everything the diagnoser observed, from one session host's point of view (DESIGN §7). */
export interface DiagnosisSnapshot {
  takenAt: string;
  sessionHost: ObservedSessionHost;
  licenseServers: ObservedLicenseServer[];
  /** undefined when no clearinghouse was given. */
  clearinghouse?: ObservedClearinghouse;
  events: ObservedEvent[];
}

// ------------------------------------------------------------------------------------------------------------
// Findings.

export type FindingSeverity = 'blocking' | 'warning' | 'info';

export const FINDING_CODES = [
  'PORTAL_CASE_PENDING',
  'PACK_ACTIVE_ON_OTHER_SERVER',
  'CLIENTS_REFUSED_MODE_MISMATCH',
  'NO_LICENSE_SERVER_SPECIFIED',
  'NO_CALS_AFTER_REINSTALL',
  'PHANTOM_LICENSES',
  'LICENSE_SERVER_NOT_ACTIVATED',
  'VERSION_NOT_HOSTABLE',
  'CAL_VERSION_NOT_ACCEPTED',
  'GRACE_PERIOD_ENDING',
  'GRACE_PERIOD_EXPIRED',
  'PER_USER_IN_WORKGROUP',
  'LICENSE_SERVER_UNREACHABLE',
  'LICENSE_SERVER_NOT_INSPECTED',
  'HOST_NOT_ALLOWED',
  'HOST_NOT_ENROLLED',
  'REVOKE_BUDGET_EXHAUSTED',
  'MODE_NOT_CONFIGURED',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_EXPIRING',
  'NO_CALS_AVAILABLE',
  'CLEARINGHOUSE_UNREACHABLE',
  // Found on real Windows estates (src/core/windows-import/windows-diagnosis.ts).
  'LICENSING_MODE_UNKNOWN',
  'LICENSE_SERVER_NOT_LISTED',
  'RECENT_LICENSING_ERRORS',
  'ENROLMENT_REFUSED',
  'PROBE_NO_CAL',
  'PROBE_NOT_RUN',
  'REVOCATION_LIST_STALE',
  'DEVICES_WITHOUT_CAL',
  'CAL_REQUESTS_REFUSED',
  'LICENSE_SERVER_IDENTITY_CHANGED',
  'CLOCK_SKEW',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

/** Codes produced only on real Windows estates (src/core/windows-import/windows-diagnosis.ts), not on OpenCAL snapshots. */
export const WINDOWS_ONLY_FINDING_CODES: readonly FindingCode[] = ['LICENSING_MODE_UNKNOWN', 'LICENSE_SERVER_NOT_LISTED'];

export interface Finding {
  severity: FindingSeverity;
  code: FindingCode;
  /** what is wrong, in the administrator's terms. */
  message: string;
  /** the probable cause. */
  cause: string;
  /** what to do, naming the exact `opencal` command(s). */
  fix: string;
  /** the commands of the fix, runnable as printed once placeholders in <ANGLE_BRACKETS> are filled. */
  commands: string[];
  /** what the finding is about: a license server URL, a case number, a pack… */
  subject?: string;
}

/** Days before the end of the grace period from which it is reported (DESIGN §7: within 14 days). */
export const GRACE_WARNING_DAYS = 14;
/** Days before a license server's certificate expires from which it is reported. */
export const CERTIFICATE_WARNING_DAYS = 30;
/** Events older than this are not "recent". */
export const RECENT_EVENT_DAYS = 7;

const SEVERITY_ORDER: Record<FindingSeverity, number> = { blocking: 0, warning: 1, info: 2 };

/** A blocking finding means connections are (or, after the grace period, will be) refused: exit non-zero. */
export function hasBlocking(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'blocking');
}

/** The CAL type a licensing mode needs; undefined for not-configured. */
export function calTypeForMode(mode: LicensingMode): CalType | undefined {
  return mode === 'per-device' ? 'device' : mode === 'per-user' ? 'user' : undefined;
}

export function modeForCalType(calType: CalType): LicensingMode {
  return calType === 'device' ? 'per-device' : 'per-user';
}

/** "RDS 2019 Per Device": how the administrator names a kind of CAL. */
export function calLabel(calType: CalType, calVersion: CalVersion): string {
  return `RDS ${calVersion} ${calType === 'device' ? 'Per Device' : 'Per User'}`;
}

/** Two URLs name the same component when their origins and paths match (trailing slashes aside). */
export function sameUrl(a: string, b: string): boolean {
  return normalizeUrl(a) === normalizeUrl(b);
}

export function normalizeUrl(u: string): string {
  return u.trim().replace(/\/+$/, '').toLowerCase();
}

/** A shell-quoted argument when it needs quotes. */
function arg(v: string): string {
  return /^[A-Za-z0-9_./:@,<>=+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

function withUrl(command: string, url: string | undefined): string {
  return url ? `${command} --url ${arg(url)}` : command;
}

function shortId(serverId: string | undefined): string {
  return serverId ?? 'unknown ID';
}

/** A license server we could read whose activation is current. */
function isUsable(ls: ObservedLicenseServer): boolean {
  return ls.reachable && ls.inspected && ls.activation?.status === 'activated';
}

interface Ctx {
  lang: Lang;
  s: DiagnosisSnapshot;
  now: Date;
  host: ObservedSessionHost;
  needType: CalType | undefined;
  listed: ObservedLicenseServer[];
  usableListed: ObservedLicenseServer[];
  knownServerIds: Set<string>;
  recentEvents: ObservedEvent[];
}

function context(s: DiagnosisSnapshot, now: Date, lang: Lang): Ctx {
  const host = s.sessionHost;
  const listed = s.licenseServers.filter((l) => l.listed);
  const since = now.getTime() - RECENT_EVENT_DAYS * DAY_MS;
  return {
    lang,
    s,
    now,
    host,
    needType: calTypeForMode(host.mode),
    listed,
    usableListed: listed.filter(isUsable),
    knownServerIds: new Set(s.licenseServers.flatMap((l) => (l.serverId && l.reachable ? [l.serverId] : []))),
    recentEvents: s.events.filter((e) => Date.parse(e.at) >= since),
  };
}

/** Active key packs of a type on the given servers. */
function activePacks(servers: readonly ObservedLicenseServer[], calType: CalType | undefined): ObservedKeyPack[] {
  return servers.flatMap((l) => l.keyPacks).filter((k) => k.status === 'active' && (calType === undefined || k.calType === calType));
}

/** The command that sets the mode and the license servers, plus what to apply on Windows hosts. */
function hostConfigCommands(ctx: Ctx, opts: { mode?: LicensingMode; licenseServers?: string[] }): string[] {
  const parts = ['opencal host config'];
  if (opts.mode) parts.push(`--mode ${opts.mode}`);
  if (opts.licenseServers) parts.push(`--license-servers ${arg(opts.licenseServers.join(','))}`);
  parts.push('--layer policy');
  return [withUrl(parts.join(' '), ctx.host.url), withUrl('opencal host emit --format gpo', ctx.host.url)];
}

/** The license server URL(s) to suggest for the session host's list. */
function suggestedServers(ctx: Ctx): string[] {
  const usable = ctx.s.licenseServers.filter(isUsable).map((l) => l.url);
  if (usable.length > 0) return usable;
  const reachable = ctx.s.licenseServers.filter((l) => l.reachable).map((l) => l.url);
  return reachable.length > 0 ? reachable : ['<LICENSE_SERVER_URL>'];
}

/**
 * Findings for a snapshot, most severe first. Severity `blocking` means the session host cannot license
 * connections (now, or as soon as its grace period is over); `warning` needs attention; `info` is context.
 */
export function diagnose(snapshot: DiagnosisSnapshot, now: Date, lang: Lang = 'en'): Finding[] {
  const ctx = context(snapshot, now, lang);
  const findings: Finding[] = [
    ...modeFindings(ctx),
    ...licenseServerListFindings(ctx),
    ...licenseServerFindings(ctx),
    ...versionFindings(ctx),
    ...reinstallFindings(ctx),
    ...caseFindings(ctx),
    ...phantomFindings(ctx),
    ...availabilityFindings(ctx),
    ...revokeFindings(ctx),
    ...clearinghouseFindings(ctx),
    ...probeFindings(snapshot, now, ctx.lang),
  ];
  findings.push(...recentErrorFindings(ctx, findings));
  findings.push(...graceFindings(ctx, findings));
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || a.i - b.i)
    .map(({ f }) => ({ ...f, message: plainText(f.message), cause: plainText(f.cause), fix: plainText(f.fix) }));
}

/**
 * Texts are read as plain text in the terminal and the console: no Markdown. The commands quoted in a text are
 * also in `commands`, where they are shown as code.
 */
export function plainText(text: string): string {
  return text.replace(/`([^`]*)`/g, '$1');
}

// --- the session host's mode --------------------------------------------------------------------------------

/** The CAL type this estate has, to suggest a mode: device when device CALs exist (the source document's case). */
function typeOnOffer(ctx: Ctx): CalType {
  const reachable = ctx.s.licenseServers.filter((l) => l.reachable);
  const packs = activePacks(reachable, undefined);
  if (packs.some((k) => k.calType === 'device')) return 'device';
  if (packs.some((k) => k.calType === 'user')) return 'user';
  const chPacks = ctx.s.clearinghouse?.packs ?? [];
  if (chPacks.some((p) => p.calType === 'user') && !chPacks.some((p) => p.calType === 'device')) return 'user';
  return 'device';
}

function modeFindings(ctx: Ctx): Finding[] {
  const out: Finding[] = [];
  const { host } = ctx;
  if (host.mode === 'not-configured') {
    const mode = modeForCalType(typeOnOffer(ctx));
    const commands = hostConfigCommands(ctx, { mode });
    out.push({
      severity: 'blocking',
      code: 'MODE_NOT_CONFIGURED',
      ...openCalFindingText('MODE_NOT_CONFIGURED', ctx.lang, { host: host.name, command: commands[0]!, command2: commands[1]! }),
      commands,
      subject: host.name,
    });
  }
  if (host.mode === 'per-user' && host.directory === 'workgroup') {
    const commands = hostConfigCommands(ctx, { mode: 'per-device' });
    out.push({
      severity: 'blocking',
      code: 'PER_USER_IN_WORKGROUP',
      ...openCalFindingText('PER_USER_IN_WORKGROUP', ctx.lang, { host: host.name, command: commands[0]! }),
      commands,
      subject: host.name,
    });
  }
  const need = ctx.needType;
  if (need && ctx.usableListed.length > 0) {
    const have = activePacks(ctx.usableListed, need).filter((k) => k.total > 0);
    const other: CalType = need === 'device' ? 'user' : 'device';
    const otherPacks = activePacks(ctx.usableListed, other).filter((k) => k.total > 0);
    if (have.length === 0 && otherPacks.length > 0) {
      const available = otherPacks.reduce((n, k) => n + k.available, 0);
      const commands = hostConfigCommands(ctx, { mode: modeForCalType(other) });
      const saw1004 = ctx.recentEvents.some((e) => e.id === 1004);
      out.push({
        severity: 'blocking',
        code: 'CLIENTS_REFUSED_MODE_MISMATCH',
        ...openCalFindingText('CLIENTS_REFUSED_MODE_MISMATCH', ctx.lang, {
          host: host.name,
          available,
          other,
          need,
          mode: host.mode,
          modeSource: host.modeSource,
          saw1004,
          command: commands[0]!,
          command2: commands[1]!,
          registryValue: other === 'device' ? 2 : 4,
        }),
        commands,
        subject: host.name,
      });
    }
  }
  return out;
}

// --- the license server list --------------------------------------------------------------------------------

function licenseServerListFindings(ctx: Ctx): Finding[] {
  const { host } = ctx;
  const out: Finding[] = [];
  if (host.licenseServers.length === 0) {
    const commands = hostConfigCommands(ctx, { licenseServers: suggestedServers(ctx) });
    out.push({
      severity: 'blocking',
      code: 'NO_LICENSE_SERVER_SPECIFIED',
      ...openCalFindingText('NO_LICENSE_SERVER_SPECIFIED', ctx.lang, { host: host.name, command: commands[0]!, command2: commands[1]! }),
      commands,
      subject: host.name,
    });
    return out;
  }
  const unreachable = ctx.listed.filter((l) => !l.reachable);
  const anyReachable = ctx.listed.some((l) => l.reachable);
  for (const ls of unreachable) {
    const commands = [withUrl('opencal licmgr status', ls.url), withUrl(`opencal diagnose --host ${ctx.host.url ?? '<HOST_URL>'}`, undefined)];
    out.push({
      severity: anyReachable ? 'warning' : 'blocking',
      code: 'LICENSE_SERVER_UNREACHABLE',
      ...openCalFindingText('LICENSE_SERVER_UNREACHABLE', ctx.lang, {
        url: ls.url,
        problem: ls.problem?.message ?? '',
        blocked: !anyReachable,
        command: commands[0]!,
        command2: hostConfigCommands(ctx, { licenseServers: suggestedServers(ctx) })[0]!,
      }),
      commands: [commands[0]!, hostConfigCommands(ctx, { licenseServers: suggestedServers(ctx) })[0]!],
      subject: ls.url,
    });
  }
  // A new identity behind a listed URL (DESIGN §4): followed when the clearinghouse certifies it as a server of
  // the host's organization (a reinstall at the same address: information), held otherwise (blocking: the host
  // asks no CAL of what answers there).
  for (const change of host.identityChanges ?? []) {
    if (!host.licenseServers.some((l) => sameUrl(l, change.url))) continue;
    const commands = change.followed ? [withUrl('opencal host status', host.url)] : [withUrl('opencal licmgr status', change.url), withUrl('opencal host refresh', host.url)];
    out.push({
      severity: change.followed ? 'info' : 'blocking',
      code: 'LICENSE_SERVER_IDENTITY_CHANGED',
      ...openCalFindingText('LICENSE_SERVER_IDENTITY_CHANGED', ctx.lang, {
        url: change.url,
        host: host.name,
        serverId: change.followed ? (change.serverId ?? '') : (change.heldServerId ?? ''),
        other: change.followed ? (change.previousServerId ?? '') : (change.serverId ?? ''),
        why: change.reason ?? '',
        blocked: !change.followed,
        command: commands[0] ?? '',
        command2: commands[1] ?? '',
      }),
      commands,
      subject: change.url,
    });
  }
  // A license server's clock far from the host's (measured from its last answer): CALs look dated in the future or
  // already expired to one of them. The host copes (it asks for a new CAL on the server's clock) but it must be fixed.
  const leeway = host.clock?.leewaySeconds ?? 300;
  for (const skew of host.clock?.skews ?? []) {
    if (Math.abs(skew.skewSeconds) <= leeway) continue;
    const commands = [withUrl('opencal host status', host.url)];
    out.push({
      severity: 'warning',
      code: 'CLOCK_SKEW',
      ...openCalFindingText('CLOCK_SKEW', ctx.lang, {
        url: skew.licenseServerUrl,
        host: host.name,
        skewSeconds: skew.skewSeconds,
        leewaySeconds: leeway,
        command: commands[0]!,
      }),
      commands,
      subject: skew.licenseServerUrl,
    });
  }
  const notEnrolled = (host.notEnrolledOn ?? []).filter((u) => host.licenseServers.some((l) => sameUrl(l, u)));
  const anyEnrolledUsable = ctx.usableListed.some((l) => !notEnrolled.some((u) => sameUrl(u, l.url)));
  for (const url of notEnrolled) {
    const ls = ctx.listed.find((l) => sameUrl(l.url, url));
    if (ls && !ls.reachable) continue;
    const commands = [
      withUrl(`opencal licmgr hosts add ${arg(host.name)}`, url),
      withUrl(`opencal host enroll --license-server ${arg(url)} --join-token <JOIN_TOKEN>`, host.url),
    ];
    out.push({
      severity: anyEnrolledUsable ? 'warning' : 'blocking',
      code: 'HOST_NOT_ENROLLED',
      ...openCalFindingText('HOST_NOT_ENROLLED', ctx.lang, { host: host.name, url, command: commands[0], command2: commands[1] }),
      commands,
      subject: url,
    });
  }
  return out;
}

// --- each license server: inspected, activated, certificate, allow-list --------------------------------------

function licenseServerFindings(ctx: Ctx): Finding[] {
  const out: Finding[] = [];
  for (const ls of ctx.s.licenseServers) {
    if (!ls.reachable) continue;
    if (!ls.inspected) {
      out.push({
        severity: 'info',
        code: 'LICENSE_SERVER_NOT_INSPECTED',
        ...openCalFindingText('LICENSE_SERVER_NOT_INSPECTED', ctx.lang, { url: ls.url, problem: ls.problem?.code ?? '', command: 'opencal diagnose --license-server-token <TOKEN>' }),
        commands: ['opencal diagnose --license-server-token <TOKEN>'],
        subject: ls.url,
      });
      continue;
    }
    const status = ls.activation?.status ?? 'unactivated';
    if (status !== 'activated') out.push(notActivated(ctx, ls, status));
    else out.push(...certificateFindings(ctx, ls));
    out.push(...allowListFindings(ctx, ls));
  }
  return out;
}

function notActivated(ctx: Ctx, ls: ObservedLicenseServer, status: ActivationStatus): Finding {
  const activate = withUrl('opencal licmgr activate --method auto --org-token <ORG_TOKEN>', ls.url);
  const reactivate = withUrl('opencal licmgr activate --method auto --org-token <ORG_TOKEN> --reason redeployed', ls.url);
  const phone = withUrl('opencal licmgr activate --method phone --confirmation <CONFIRMATION>', ls.url);
  const severity: FindingSeverity = ls.listed || ctx.listed.length === 0 ? 'blocking' : 'warning';
  const facts = { url: ls.url, serverId: shortId(ls.serverId), status };
  if (status === 'invalidated') {
    return {
      severity,
      code: 'LICENSE_SERVER_NOT_ACTIVATED',
      ...openCalFindingText('LICENSE_SERVER_NOT_ACTIVATED', ctx.lang, { ...facts, command: reactivate }),
      commands: [reactivate],
      subject: ls.url,
    };
  }
  return {
    severity,
    code: 'LICENSE_SERVER_NOT_ACTIVATED',
    ...openCalFindingText('LICENSE_SERVER_NOT_ACTIVATED', ctx.lang, { ...facts, command: activate, command2: withUrl('opencal licmgr status', ls.url), command3: phone }),
    commands: [activate, phone],
    subject: ls.url,
  };
}

function certificateFindings(ctx: Ctx, ls: ObservedLicenseServer): Finding[] {
  const exp = ls.activation?.certificateExpiresAt;
  if (!exp) return [];
  const left = Date.parse(exp) - ctx.now.getTime();
  const reactivate = withUrl('opencal licmgr activate --method auto --org-token <ORG_TOKEN> --reason certificate-expired', ls.url);
  if (left <= 0) {
    return [
      {
        severity: ls.listed ? 'blocking' : 'warning',
        code: 'CERTIFICATE_EXPIRED',
        ...openCalFindingText('CERTIFICATE_EXPIRED', ctx.lang, { url: ls.url, serverId: shortId(ls.serverId), on: exp.slice(0, 10), command: reactivate }),
        commands: [reactivate],
        subject: ls.url,
      },
    ];
  }
  const days = Math.ceil(left / DAY_MS);
  if (days > CERTIFICATE_WARNING_DAYS) return [];
  return [
    {
      severity: 'warning',
      code: 'CERTIFICATE_EXPIRING',
      ...openCalFindingText('CERTIFICATE_EXPIRING', ctx.lang, { url: ls.url, days, on: exp.slice(0, 10), command: reactivate, command2: withUrl('opencal licmgr check-in', ls.url) }),
      commands: [reactivate],
      subject: ls.url,
    },
  ];
}

function allowListFindings(ctx: Ctx, ls: ObservedLicenseServer): Finding[] {
  if (!ls.listed) return [];
  const host = ctx.host.name;
  const refusedByList = ls.hostsAllowList?.enabled === true && !ls.hostsAllowList.hostAllowed;
  const saw4141 =
    ls.hostsAllowList === undefined &&
    ctx.recentEvents.some(
      (e) => e.id === 4141 && (e.source === undefined || sameUrl(e.source, ls.url)) && (e.data?.['host'] === undefined || e.data['host'] === host),
    );
  if (!refusedByList && !saw4141) return [];
  const commands = [withUrl(`opencal licmgr hosts allow ${host}`, ls.url), withUrl('opencal licmgr hosts list', ls.url)];
  return [
    {
      severity: 'blocking',
      code: 'HOST_NOT_ALLOWED',
      ...openCalFindingText('HOST_NOT_ALLOWED', ctx.lang, { url: ls.url, host, command: commands[0]!, command2: commands[1]! }),
      commands,
      subject: ls.url,
    },
  ];
}

// --- versions ------------------------------------------------------------------------------------------------

function versionFindings(ctx: Ctx): Finding[] {
  const out: Finding[] = [];
  const hv = ctx.host.version;
  const usable = ctx.usableListed;
  if (usable.length === 0) return out;
  const withVersion = usable.filter((l) => l.version !== undefined);
  const cannotHost = withVersion.filter((l) => !isVersionHostable(l.version!, hv));
  if (cannotHost.length > 0 && cannotHost.length === usable.length) {
    for (const ls of cannotHost) {
      out.push({
        severity: 'blocking',
        code: 'VERSION_NOT_HOSTABLE',
        ...openCalFindingText('VERSION_NOT_HOSTABLE', ctx.lang, {
          url: ls.url,
          lsVersion: ls.version!,
          hostVersion: hv,
          host: ctx.host.name,
          command: hostConfigCommands(ctx, { licenseServers: ['<LICENSE_SERVER_URL>'] })[0]!,
        }),
        commands: hostConfigCommands(ctx, { licenseServers: ['<LICENSE_SERVER_URL>'] }).slice(0, 1),
        subject: ls.url,
      });
    }
    return out;
  }
  const need = ctx.needType;
  if (!need) return out;
  const packs = activePacks(usable, need).filter((k) => k.total > 0);
  if (packs.length > 0 && !packs.some((k) => isVersionAcceptedByHost(hv, k.calVersion))) {
    const newest = Math.max(...packs.map((k) => k.calVersion));
    const install = withUrl(`opencal licmgr install --pack-key <PACK_KEY>`, usable[0]!.url);
    out.push({
      severity: 'blocking',
      code: 'CAL_VERSION_NOT_ACCEPTED',
      ...openCalFindingText('CAL_VERSION_NOT_ACCEPTED', ctx.lang, { host: ctx.host.name, hostVersion: hv, need, newest, calLabel: calLabel(need, hv), command: install }),
      commands: [install],
      subject: ctx.host.name,
    });
  }
  return out;
}

// --- reinstall: 0 CALs, pack active on another server ---------------------------------------------------------

/** The org's packs the clearinghouse says are active on a server we cannot see (not any reachable server). */
function packsElsewhere(ctx: Ctx): ObservedPack[] {
  const ch = ctx.s.clearinghouse;
  if (!ch?.reachable) return [];
  return ch.packs.filter((p) => p.status === 'installed' && p.activeOn !== undefined && !ctx.knownServerIds.has(p.activeOn));
}

/** The server a recovery targets: the first usable listed server, else the first usable named one. */
export function recoveryTarget(snapshot: DiagnosisSnapshot): ObservedLicenseServer | undefined {
  const usable = snapshot.licenseServers.filter(isUsable);
  const reachable = snapshot.licenseServers.filter((l) => l.reachable && l.inspected);
  return usable.find((l) => l.listed) ?? usable[0] ?? reachable.find((l) => l.listed) ?? reachable[0];
}

function migrateCommands(ctx: Ctx, ls: ObservedLicenseServer | undefined, p: Pick<ObservedPack, 'calType' | 'calVersion' | 'program'>, sourceId?: string): string[] {
  const source = sourceId ? ` --source-id ${sourceId}` : '';
  return [
    withUrl(`opencal licmgr migration-code --reason reinstalled${source}`, ls?.url),
    withUrl(
      `opencal portal migrate --migration-code <MIGRATION_CODE> --pack-key <PACK_KEY> --type ${p.calType} --version ${p.calVersion} --program ${p.program} ${programDataPlaceholders(p.program)}`.trimEnd(),
      ctx.s.clearinghouse?.url,
    ),
  ];
}

function reinstallFindings(ctx: Ctx): Finding[] {
  const out: Finding[] = [];
  const elsewhere = packsElsewhere(ctx);
  const need = ctx.needType;
  const target = recoveryTarget(ctx.s);
  const listedHave = (type: CalType) => activePacks(ctx.usableListed, type).some((k) => k.total > 0);
  for (const p of elsewhere) {
    if (need && p.calType !== need) continue;
    const commands = [...migrateCommands(ctx, target, p, p.activeOn), 'opencal phone-script --lang fr'];
    out.push({
      severity: listedHave(p.calType) ? 'warning' : 'blocking',
      code: 'PACK_ACTIVE_ON_OTHER_SERVER',
      ...openCalFindingText('PACK_ACTIVE_ON_OTHER_SERVER', ctx.lang, {
        pack: String(p.packNumber),
        count: p.count,
        calLabel: calLabel(p.calType, p.calVersion),
        program: p.program,
        activeOn: p.activeOn ?? '',
        target: target?.serverId ?? '',
        command: commands[0]!,
        command2: commands[1]!,
        command3: commands[2]!,
      }),
      commands,
      subject: `pack ${p.packNumber}`,
    });
  }
  for (const ls of ctx.s.licenseServers) {
    if (!ls.reachable || !ls.inspected || !ls.serverId) continue;
    const types: CalType[] = need ? [need] : ['device', 'user'];
    const empty = types.filter((t) => !ls.keyPacks.some((k) => k.status === 'active' && k.calType === t && k.total > 0));
    if (empty.length === 0 || (need === undefined && empty.length < 2)) continue;
    const ch = ctx.s.clearinghouse?.reachable ? ctx.s.clearinghouse : undefined;
    const heldHere = (ch?.packs ?? []).filter((p) => p.status === 'installed' && p.activeOn === ls.serverId && empty.includes(p.calType));
    const elsewhereOfType = elsewhere.filter((p) => empty.includes(p.calType));
    if (heldHere.length > 0 || (ls.rebuiltAt !== undefined && ch === undefined)) {
      const install = withUrl('opencal licmgr install --pack-key <PACK_KEY>', ls.url);
      out.push({
        severity: ls.listed || ctx.listed.length === 0 ? 'blocking' : 'warning',
        code: 'NO_CALS_AFTER_REINSTALL',
        ...openCalFindingText('NO_CALS_AFTER_REINSTALL', ctx.lang, {
          rebuilt: true,
          url: ls.url,
          empty: empty.join('/'),
          rebuiltOn: ls.rebuiltAt ? ls.rebuiltAt.slice(0, 10) : '',
          held: heldHere.map((p) => `${ctx.lang === 'fr' ? 'le pack' : 'pack'} ${p.packNumber}`).join(', '),
          serverId: ls.serverId,
          command: install,
        }),
        commands: [install],
        subject: ls.url,
      });
    } else if (elsewhereOfType.length > 0 && (ls.listed || !ctx.usableListed.some((l) => l !== ls))) {
      const p = elsewhereOfType[0]!;
      const [code, migrate] = migrateCommands(ctx, ls, p, p.activeOn);
      const install = withUrl('opencal licmgr install --key-pack-id <KEY_PACK_ID>', ls.url);
      out.push({
        severity: 'blocking',
        code: 'NO_CALS_AFTER_REINSTALL',
        ...openCalFindingText('NO_CALS_AFTER_REINSTALL', ctx.lang, {
          rebuilt: false,
          url: ls.url,
          serverId: ls.serverId,
          empty: empty.join('/'),
          pack: String(p.packNumber),
          activeOn: p.activeOn ?? '',
          command: code!,
          command2: migrate!,
          command3: install,
        }),
        commands: [code!, migrate!, install],
        subject: ls.url,
      });
    }
  }
  return out;
}

// --- cases ---------------------------------------------------------------------------------------------------

function caseFindings(ctx: Ctx): Finding[] {
  const ch = ctx.s.clearinghouse;
  if (!ch?.reachable) return [];
  return ch.cases
    .filter((c) => (c.status === 'pending' || c.status === 'submitted') && c.kind !== 'phantom' && c.kind !== 'clone')
    .map((c) => {
      const script = `opencal phone-script --case ${c.caseNumber} --lang fr`;
      const approve = withUrl(`opencal ch case approve ${c.caseNumber} --reason <REASON>`, ch.url);
      return {
        severity: 'warning' as const,
        code: 'PORTAL_CASE_PENDING' as const,
        ...openCalFindingText('PORTAL_CASE_PENDING', ctx.lang, {
          caseNumber: c.caseNumber,
          ...(c.packNumber === undefined ? {} : { packNumber: c.packNumber }),
          ...(c.targetServerId ? { target: c.targetServerId } : {}),
          awaiting: c.awaiting,
          command: script,
          command2: approve,
        }),
        commands: [script, approve],
        subject: c.caseNumber,
      };
    });
}

// --- phantom licenses ----------------------------------------------------------------------------------------

function phantomFindings(ctx: Ctx): Finding[] {
  const out: Finding[] = [];
  const ch = ctx.s.clearinghouse?.reachable ? ctx.s.clearinghouse : undefined;
  const byNumber = new Map((ch?.packs ?? []).map((p) => [p.packNumber, p]));
  for (const ls of ctx.s.licenseServers) {
    if (!ls.reachable || !ls.inspected) continue;
    const reasons: PhantomReason[] = [];
    for (const k of ls.keyPacks) {
      const chPack = k.pack !== undefined ? byNumber.get(k.pack) : undefined;
      const movedAway = chPack?.activeOn !== undefined && ls.serverId !== undefined && chPack.activeOn !== ls.serverId;
      if (k.issued > 0 && (k.status === 'invalidated' || movedAway)) {
        reasons.push({
          kind: 'issued-elsewhere',
          issued: k.issued,
          pack: String(k.pack ?? '?'),
          calLabel: calLabel(k.calType, k.calVersion),
          ...(movedAway ? { activeOn: chPack!.activeOn! } : {}),
        });
      }
      const inconsistent = k.issued < 0 || k.available < 0 || (k.calType === 'device' && (k.issued + k.available !== k.total || k.issued > k.total));
      if (inconsistent) {
        reasons.push({
          kind: 'inconsistent',
          calLabel: calLabel(k.calType, k.calVersion),
          ...(k.pack === undefined ? {} : { pack: String(k.pack) }),
          total: k.total,
          issued: k.issued,
          available: k.available,
        });
      }
    }
    if (reasons.length === 0) continue;
    const rebuild = withUrl('opencal licmgr rebuild', ls.url);
    const deactivate = withUrl('opencal licmgr deactivate', ls.url);
    out.push({
      severity: 'warning',
      code: 'PHANTOM_LICENSES',
      ...openCalFindingText('PHANTOM_LICENSES', ctx.lang, { variant: 'listed', url: ls.url, reasons, command: deactivate, command2: rebuild }),
      commands: [deactivate, rebuild],
      subject: ls.url,
    });
  }
  if (ch) {
    const flagged = ch.cases.filter((c) => c.kind === 'phantom' || c.kind === 'clone');
    for (const c of flagged) {
      if (c.status === 'approved' || c.status === 'rejected') continue;
      out.push({
        severity: 'warning',
        code: 'PHANTOM_LICENSES',
        ...openCalFindingText('PHANTOM_LICENSES', ctx.lang, {
          variant: 'flagged',
          caseNumber: c.caseNumber,
          caseKind: c.kind,
          sourceServerId: c.sourceServerId ?? '?',
          pack: String(c.packNumber ?? '?'),
          command: 'opencal licmgr deactivate --url <OLD_SERVER_URL>',
          command2: 'opencal licmgr rebuild --url <OLD_SERVER_URL>',
        }),
        commands: ['opencal licmgr deactivate --url <OLD_SERVER_URL>', 'opencal licmgr rebuild --url <OLD_SERVER_URL>'],
        subject: c.caseNumber,
      });
    }
    // A source of an approved reissue still checking in after the decision is an old server still running.
    const reported = new Set(out.map((f) => f.subject));
    for (const c of ch.cases) {
      if (c.status !== 'approved' || !c.sourceServerId || !c.decidedAt || c.kind === 'phantom' || c.kind === 'clone') continue;
      const server = ch.servers.find((s) => s.serverId === c.sourceServerId);
      if (!server?.lastSeenAt || Date.parse(server.lastSeenAt) <= Date.parse(c.decidedAt)) continue;
      if (server.status === 'deactivated') continue;
      const subject = `server ${c.sourceServerId}`;
      if (reported.has(subject)) continue;
      reported.add(subject);
      out.push({
        severity: 'warning',
        code: 'PHANTOM_LICENSES',
        ...openCalFindingText('PHANTOM_LICENSES', ctx.lang, {
          variant: 'still-checking-in',
          caseNumber: c.caseNumber,
          sourceServerId: c.sourceServerId,
          seenOn: server.lastSeenAt.slice(0, 10),
          pack: String(c.packNumber ?? '?'),
          command: 'opencal licmgr deactivate --url <OLD_SERVER_URL>',
        }),
        commands: ['opencal licmgr deactivate --url <OLD_SERVER_URL>'],
        subject,
      });
    }
  }
  return out;
}

// --- availability --------------------------------------------------------------------------------------------

function availabilityFindings(ctx: Ctx): Finding[] {
  const need = ctx.needType;
  if (!need || ctx.usableListed.length === 0) return [];
  const hv = ctx.host.version;
  const usable = ctx.usableListed.filter((l) => l.version === undefined || isVersionHostable(l.version, hv));
  if (usable.length === 0) return [];
  const compatible = activePacks(usable, need).filter((k) => isVersionAcceptedByHost(hv, k.calVersion) && k.total > 0);
  const anyOfType = activePacks(ctx.usableListed, need).some((k) => k.total > 0);
  const otherType = activePacks(ctx.usableListed, need === 'device' ? 'user' : 'device').some((k) => k.total > 0);
  const target = ctx.usableListed[0]!;
  if (compatible.length === 0) {
    // Explained by another finding: mode mismatch, version, or a reinstall without reissue.
    if (anyOfType || otherType) return [];
    const explained = ctx.usableListed.some((l) => l.serverId && (packsElsewhere(ctx).length > 0 || (ctx.s.clearinghouse?.packs ?? []).some((p) => p.activeOn === l.serverId)));
    if (explained) return [];
    const install = withUrl('opencal licmgr install --pack-key <PACK_KEY>', target.url);
    return [
      {
        severity: need === 'device' ? 'blocking' : 'warning',
        code: 'NO_CALS_AVAILABLE',
        ...openCalFindingText('NO_CALS_AVAILABLE', ctx.lang, {
          allIssued: false,
          calLabel: calLabel(need, hv),
          host: ctx.host.name,
          command: install,
          command2: withUrl('opencal licmgr install --key-pack-id <KEY_PACK_ID>', target.url),
        }),
        commands: [install],
        subject: target.url,
      },
    ];
  }
  const available = compatible.reduce((n, k) => n + Math.max(0, k.available), 0);
  if (available > 0) return [];
  const total = compatible.reduce((n, k) => n + k.total, 0);
  const install = withUrl('opencal licmgr install --pack-key <PACK_KEY>', target.url);
  return [
    {
      severity: need === 'device' ? 'blocking' : 'warning',
      code: 'NO_CALS_AVAILABLE',
      ...openCalFindingText('NO_CALS_AVAILABLE', ctx.lang, {
        allIssued: true,
        total,
        calLabel: calLabel(need, hv),
        device: need === 'device',
        command: install,
        command2: withUrl('opencal licmgr revoke <DEVICE>', target.url),
      }),
      commands: [install, withUrl('opencal licmgr issued --type device', target.url)],
      subject: target.url,
    },
  ];
}

function revokeFindings(ctx: Ctx): Finding[] {
  const out: Finding[] = [];
  for (const ls of ctx.s.licenseServers) {
    if (!ls.reachable || !ls.inspected) continue;
    for (const b of ls.revokeBudgets ?? []) {
      const { limit, remaining } = revokeBudget(b.installed, b.revokedLive);
      if (b.installed <= 0 || remaining > 0) continue;
      const next = b.nextRevokeAllowedOn ? b.nextRevokeAllowedOn.slice(0, 10) : undefined;
      out.push({
        severity: 'warning',
        code: 'REVOKE_BUDGET_EXHAUSTED',
        ...openCalFindingText('REVOKE_BUDGET_EXHAUSTED', ctx.lang, {
          url: ls.url,
          revokedLive: b.revokedLive,
          limit,
          installed: b.installed,
          calVersion: b.calVersion,
          ...(next === undefined ? {} : { next }),
          command: withUrl('opencal licmgr install --pack-key <PACK_KEY>', ls.url),
          command2: withUrl('opencal licmgr issued --type device', ls.url),
        }),
        commands: [withUrl('opencal licmgr issued --type device', ls.url)],
        subject: ls.url,
      });
    }
  }
  return out;
}

function clearinghouseFindings(ctx: Ctx): Finding[] {
  const ch = ctx.s.clearinghouse;
  if (!ch || ch.reachable) return [];
  return [
    {
      severity: 'info',
      code: 'CLEARINGHOUSE_UNREACHABLE',
      ...openCalFindingText('CLEARINGHOUSE_UNREACHABLE', ctx.lang, {
        url: ch.url ?? '',
        problem: ch.problem?.message ?? '',
        command: 'opencal diagnose --clearinghouse <URL> --clearinghouse-token <ORG_TOKEN>',
      }),
      commands: ['opencal diagnose --clearinghouse <URL> --clearinghouse-token <ORG_TOKEN>'],
    },
  ];
}

// --- recent licensing errors ----------------------------------------------------------------------------------

/** Window in which error events of the estate are evidence that licensing fails now (issue 14: "the last hour"). */
export const RECENT_ERROR_MS = 60 * 60 * 1000;
/** Events that say a CAL could not be issued, renewed or granted: 1004, 1028, 4141 (DESIGN §6). */
const LICENSING_ERROR_IDS = new Set([1004, 1028, 4141]);

/**
 * An estate whose logs show licensing errors in the last hour is never called healthy, whatever its
 * configuration looks like: the events are what the devices met.
 */
function recentErrorFindings(ctx: Ctx, others: readonly Finding[]): Finding[] {
  const since = ctx.now.getTime() - RECENT_ERROR_MS;
  const recent = ctx.s.events.filter((e) => LICENSING_ERROR_IDS.has(e.id) && Date.parse(e.at) >= since && Date.parse(e.at) <= ctx.now.getTime() + 60_000);
  if (recent.length === 0) return [];
  const ids = [...new Set(recent.map((e) => e.id))].sort((a, b) => a - b);
  const word = ctx.lang === 'fr' ? 'événement' : 'event';
  const counts = ids.map((id) => `${word} ${id} × ${recent.filter((e) => e.id === id).length}`).join(', ');
  const explained = others.filter((f) => f.severity === 'blocking').map((f) => f.code);
  const events = withUrl('opencal events --since 1h --level error', undefined);
  const connect = `opencal device connect --host ${ctx.host.url ?? '<HOST_URL>'} --name <TEST_DEVICE>`;
  return [
    {
      severity: 'blocking',
      code: 'RECENT_LICENSING_ERRORS',
      ...openCalFindingText('RECENT_LICENSING_ERRORS', ctx.lang, { counts, explained: explained.join(', '), command: events, command2: connect }),
      commands: [events, connect],
      subject: ctx.host.name,
    },
  ];
}

// --- grace period --------------------------------------------------------------------------------------------

function graceFindings(ctx: Ctx, others: readonly Finding[]): Finding[] {
  const { host } = ctx;
  const blocked = others.filter((f) => f.severity === 'blocking');
  const why = blocked.map((f) => f.code).join(', ');
  const check = `opencal diagnose --host ${host.url ?? '<HOST_URL>'}`;
  if (host.graceDaysLeft <= 0) {
    if (blocked.length === 0) return [];
    const unconfigured = host.mode === 'not-configured' || host.licenseServers.length === 0;
    return [
      {
        severity: 'blocking',
        code: 'GRACE_PERIOD_EXPIRED',
        ...openCalFindingText('GRACE_PERIOD_EXPIRED', ctx.lang, { host: host.name, unconfigured, why, command: check }),
        commands: [check],
        subject: host.name,
      },
    ];
  }
  if (host.graceDaysLeft > GRACE_WARNING_DAYS) return [];
  return [
    {
      severity: blocked.length > 0 ? 'warning' : 'info',
      code: 'GRACE_PERIOD_ENDING',
      ...openCalFindingText('GRACE_PERIOD_ENDING', ctx.lang, {
        host: host.name,
        days: host.graceDaysLeft,
        endsOn: host.graceEndsAt ? host.graceEndsAt.slice(0, 10) : '',
        blocked: blocked.length > 0,
        why,
        command: check,
        command2: 'opencal device connect --host <HOST_URL> --name <TEST_DEVICE>',
      }),
      commands: [check],
      subject: host.name,
    },
  ];
}
