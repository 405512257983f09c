/**
 * The diagnoser's findings from what it observed *now* (DESIGN §7), beside those from configuration and state
 * (diagnoser-rules.ts): the session host's own dry-run CAL request to each listed license server, the age of the
 * host's revocation list, and the licensing errors and warnings the components logged in the last hour. A stored
 * flag ("enrolled", "activated") never makes an estate healthy on its own: a probe or the event log must agree.
 * Pure: `now` is an input.
 */
import { DAY_MS } from './clock';
import type { DiagnosisSnapshot, Finding, FindingSeverity, ObservedEvent, ObservedProbe } from './diagnoser-rules';
import type { Lang } from './diagnoser-texts';
import { openCalFindingText, type RecentEvents } from './diagnoser-texts-opencal';

/** Events of the last hour are "recent" for the probe findings (an hour: what the host's own refresh spans). */
export const RECENT_ERROR_WINDOW_MS = 60 * 60 * 1000;
/** A revocation list fetched from the clearinghouse longer ago than this is stale (the host refreshes hourly). */
export const REVOCATION_LIST_STALE_MS = DAY_MS;
/** An air-gapped host (list from a file) is reminded to load a newer list after this. */
export const REVOCATION_FILE_STALE_MS = 7 * DAY_MS;

/**
 * Event ids that are licensing failures, per finding. 1004, 1028 and 4141 are RECENT_LICENSING_ERRORS
 * (diagnoser-rules.ts); these are the others: admissions without a CAL, and refusals.
 */
const WITHOUT_CAL = [9211] as const;
const REFUSED = [1069, 9210] as const;
/** Events that record an administrator's change on the session host: errors before them may be fixed already. */
const HOST_CHANGES = [9202, 9203, 9205] as const;

// diagnoser-rules.ts calls these rules: its helpers are not imported back, to keep the import one-way.
function sameUrl(a: string, b: string): boolean {
  const n = (u: string) => u.trim().replace(/\/+$/, '').toLowerCase();
  return n(a) === n(b);
}

function withUrl(command: string, url: string | undefined): string {
  return url ? `${command} --url ${url}` : command;
}

export function probeFindings(s: DiagnosisSnapshot, now: Date, lang: Lang = 'en'): Finding[] {
  return [...probeResultFindings(s, lang), ...revocationFindings(s, now, lang), ...recentEventFindings(s, now, lang)];
}

function isEnrolmentRefused(p: ObservedProbe): boolean {
  return p.outcome === 'refused' && (p.code === 'UNAUTHENTICATED' || p.code === 'FORBIDDEN_SCOPE' || p.code === 'HOST_SIGNATURE_INVALID');
}

function probeResultFindings(s: DiagnosisSnapshot, lang: Lang): Finding[] {
  const host = s.sessionHost;
  if (host.mode === 'not-configured' || host.licenseServers.length === 0) return [];
  if (host.probes === undefined) {
    return [
      {
        severity: 'info',
        code: 'PROBE_NOT_RUN',
        ...openCalFindingText('PROBE_NOT_RUN', lang, {
          host: host.name,
          ...(host.probeProblem ? { code: host.probeProblem.code } : {}),
          command: withUrl('opencal host status', host.url),
        }),
        commands: [withUrl('opencal host status', host.url)],
        subject: host.name,
      },
    ];
  }
  const anyIssues = host.probes.some((p) => p.outcome === 'would-issue');
  const severity: FindingSeverity = anyIssues ? 'warning' : 'blocking';
  const out: Finding[] = [];
  for (const p of host.probes) {
    if (p.outcome === 'would-issue' || p.outcome === 'not-enrolled' || p.outcome === 'not-asked') continue;
    // A server the diagnoser cannot reach either is already LICENSE_SERVER_UNREACHABLE.
    if (p.outcome === 'unreachable' && s.licenseServers.some((l) => l.listed && !l.reachable && sameUrl(l.url, p.url))) continue;
    if (isEnrolmentRefused(p)) {
      const commands = [withUrl(`opencal licmgr hosts add ${host.name}`, p.url), withUrl(`opencal host enroll --license-server ${p.url} --join-token <JOIN_TOKEN>`, host.url)];
      out.push({
        severity,
        code: 'ENROLMENT_REFUSED',
        ...openCalFindingText('ENROLMENT_REFUSED', lang, { url: p.url, host: host.name, code: p.code ?? '', command: commands[0]!, command2: commands[1]! }),
        commands,
        subject: p.url,
      });
      continue;
    }
    const commands = [withUrl('opencal licmgr status', p.url)];
    out.push({
      severity,
      code: 'PROBE_NO_CAL',
      ...openCalFindingText('PROBE_NO_CAL', lang, {
        url: p.url,
        host: host.name,
        unreachable: p.outcome === 'unreachable',
        ...(p.code === undefined ? {} : { code: p.code }),
        ...(p.message === undefined ? {} : { problem: p.message }),
        command: commands[0]!,
      }),
      commands,
      subject: p.url,
    });
  }
  return out;
}

function revocationFindings(s: DiagnosisSnapshot, now: Date, lang: Lang): Finding[] {
  const host = s.sessionHost;
  const list = host.revocationList;
  if (!list) return [];
  const fetched = list.fetchedAt ? Date.parse(list.fetchedAt) : undefined;
  const age = fetched === undefined ? undefined : now.getTime() - fetched;
  const refresh = withUrl('opencal host refresh', host.url);
  if (list.clearinghouse) {
    if (age !== undefined && age <= REVOCATION_LIST_STALE_MS) return [];
    return [
      {
        severity: 'blocking',
        code: 'REVOCATION_LIST_STALE',
        ...openCalFindingText('REVOCATION_LIST_STALE', lang, {
          host: host.name,
          listState: fetched === undefined ? 'never' : 'clearinghouse',
          ...(fetched === undefined ? {} : { at: list.fetchedAt!.slice(0, 16).replace('T', ' '), hours: Math.floor(age! / 3_600_000) }),
          command: refresh,
        }),
        commands: [refresh],
        subject: host.name,
      },
    ];
  }
  if (age === undefined || age <= REVOCATION_FILE_STALE_MS) return [];
  return [
    {
      severity: 'warning',
      code: 'REVOCATION_LIST_STALE',
      ...openCalFindingText('REVOCATION_LIST_STALE', lang, {
        host: host.name,
        listState: 'file',
        at: list.fetchedAt!.slice(0, 10),
        command: withUrl('opencal host status', host.url),
      }),
      commands: [withUrl('opencal host status', host.url)],
      subject: host.name,
    },
  ];
}

/** Events of one log in order: by time, then by the log's sequence (several events share a millisecond). */
function isAfter(e: ObservedEvent, change: ObservedEvent | undefined): boolean {
  if (!change) return true;
  const a = Date.parse(e.at);
  const b = Date.parse(change.at);
  if (a !== b) return a > b;
  return e.component === change.component && e.seq !== undefined && change.seq !== undefined ? e.seq > change.seq : true;
}

function lastChange(events: readonly ObservedEvent[]): ObservedEvent | undefined {
  return events
    .filter((e) => e.component === 'session-host' && (HOST_CHANGES as readonly number[]).includes(e.id))
    .reduce<ObservedEvent | undefined>((latest, e) => (latest === undefined || isAfter(e, latest) ? e : latest), undefined);
}

function describe(events: readonly ObservedEvent[]): RecentEvents {
  const newest = events[0]!;
  return {
    count: events.length,
    ids: [...new Set(events.map((e) => e.id))].sort((a, b) => a - b).join(', '),
    latestAt: newest.at.slice(11, 16),
    devices: [...new Set(events.flatMap((e) => (typeof e.data?.['device'] === 'string' ? [e.data['device']] : [])))],
    ...(newest.message ? { latestMessage: newest.message } : {}),
  };
}

/**
 * Grace-only admissions and refusals logged in the last hour. A failure logged after the last change on the session host
 * (configuration, enrolment, revocation list) is blocking: nothing was done since. One logged before it stays a
 * warning until a test device confirms the change worked.
 */
function recentEventFindings(s: DiagnosisSnapshot, now: Date, lang: Lang): Finding[] {
  const since = now.getTime() - RECENT_ERROR_WINDOW_MS;
  const recent = s.events.filter((e) => {
    const at = Date.parse(e.at);
    return at >= since && at <= now.getTime() + 60_000;
  });
  const change = lastChange(s.events);
  const host = s.sessionHost;
  const out: Finding[] = [];
  const group = (ids: readonly number[]) => recent.filter((e) => ids.includes(e.id)).sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const severityOf = (events: readonly ObservedEvent[], worst: FindingSeverity): FindingSeverity =>
    events.some((e) => isAfter(e, change)) ? worst : 'warning';
  const verify = ['opencal events --component session-host --since 1h', `opencal diagnose --host ${host.url ?? '<HOST_URL>'}`];

  const without = group(WITHOUT_CAL);
  if (without.length > 0) {
    out.push({
      severity: severityOf(without, 'blocking'),
      code: 'DEVICES_WITHOUT_CAL',
      ...openCalFindingText('DEVICES_WITHOUT_CAL', lang, { host: host.name, events: describe(without), command: verify[0]! }),
      commands: verify,
      subject: host.name,
    });
  }
  const refused = group(REFUSED);
  if (refused.length > 0) {
    out.push({
      severity: severityOf(refused, refused.some((e) => e.id === 1069) ? 'blocking' : 'warning'),
      code: 'CAL_REQUESTS_REFUSED',
      ...openCalFindingText('CAL_REQUESTS_REFUSED', lang, { events: describe(refused), command: verify[0]! }),
      commands: verify,
      subject: host.name,
    });
  }
  return out;
}
