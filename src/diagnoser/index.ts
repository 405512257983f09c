/**
 * The diagnoser (DESIGN §7): gather a snapshot from a session host's point of view, diagnose it, plan the
 * recovery, and fill in the phone script. The CLI (`opencal diagnose`, `recover plan`, `phone-script`,
 * `events`) and the console call these exports.
 */
import { diagnose, hasBlocking, recoveryTarget, sameUrl, type DiagnosisSnapshot, type Finding } from '../core/diagnoser-rules';
import { phoneScript, type PhoneScriptInput } from '../core/phone-script';
import { planRecovery, type RecoveryContext, type RecoveryStep } from '../core/recovery-plan';
import { refuse, ok, type Result } from '../core/result';
import type { MigrationReason } from '../core/vocabulary';
import { gatherSnapshot, type GatherOptions } from './gather';
import type { Lang } from '../core/diagnoser-texts';
import { DIAGNOSE_OUTPUT } from '../core/diagnoser-texts-opencal';

export { gatherSnapshot, type GatherOptions } from './gather';
export {
  followEvents,
  parseEventLevel,
  parseEventTime,
  queryEventsFrom,
  sourceKey,
  type EventPage,
  type EventQuery,
  type EventSource,
  type FollowOptions,
  type ViewedEvent,
} from './events';
export { diagnose, hasBlocking, FINDING_CODES, type DiagnosisSnapshot, type Finding, type FindingCode, type FindingSeverity } from '../core/diagnoser-rules';
export { planRecovery, REBUILD_WARNING, type RecoveryContext, type RecoveryStep } from '../core/recovery-plan';
export { phoneScript, maskPackKey, type PhoneScriptInput } from '../core/phone-script';

export interface Diagnosis {
  snapshot: DiagnosisSnapshot;
  findings: Finding[];
  plan: RecoveryStep[];
  /** true when a finding blocks connections: the CLI exits non-zero. */
  blocking: boolean;
}

/** Gather, diagnose and plan in one call. Refused only when the session host cannot be read. */
export async function runDiagnosis(options: GatherOptions & { recovery?: RecoveryContext; lang?: Lang }): Promise<Result<Diagnosis>> {
  const snapshot = await gatherSnapshot(options);
  if (!snapshot.ok) return snapshot;
  return ok(diagnoseSnapshot(snapshot.value, options.clock.now(), options.recovery, options.lang));
}

/** The pure half of runDiagnosis, for a snapshot already in hand (e.g. read from a file). */
export function diagnoseSnapshot(snapshot: DiagnosisSnapshot, now: Date, recovery: RecoveryContext = {}, lang: Lang = 'en'): Diagnosis {
  const findings = diagnose(snapshot, now, lang);
  return { snapshot, findings, plan: planRecovery(snapshot, { textLang: lang, ...recovery }), blocking: hasBlocking(findings) };
}

/** Exit code of `opencal diagnose`: 0 without blocking finding, 4 with one (1 is a refusal, 2 a usage error, 3 an unexpected failure). */
export function diagnosisExitCode(findings: readonly Finding[]): number {
  return hasBlocking(findings) ? 4 : 0;
}

export interface PhoneScriptOptions {
  lang: 'fr' | 'en';
  caseNumber?: string;
  /** the organization's name as the agent knows it. */
  organization?: string;
  contact?: string;
  packKey?: string;
  reason?: MigrationReason;
  /** which pack (default: the pack of the case, or the one active on another server). */
  packNumber?: number;
}

/**
 * The phone script filled in from a snapshot: the new server's ID, the pack (from the case or the pack active
 * elsewhere), the case number. Refused with PHONE_SCRIPT_NO_SERVER when no license server ID could be read,
 * and PHONE_SCRIPT_NO_PACK when no pack is known (give the clearinghouse URL and token).
 */
export function phoneScriptFor(snapshot: DiagnosisSnapshot, o: PhoneScriptOptions): Result<string> {
  const ch = snapshot.clearinghouse?.reachable ? snapshot.clearinghouse : undefined;
  const kase = o.caseNumber ? ch?.cases.find((c) => c.caseNumber.toUpperCase() === o.caseNumber!.toUpperCase()) : undefined;
  const targetId = kase?.targetServerId ?? recoveryTarget(snapshot)?.serverId ?? snapshot.licenseServers.find((l) => l.serverId)?.serverId;
  if (!targetId) {
    return refuse('PHONE_SCRIPT_NO_SERVER');
  }
  const packNumber = o.packNumber ?? kase?.packNumber;
  const pack =
    (packNumber !== undefined ? ch?.packs.find((p) => p.packNumber === packNumber) : undefined) ??
    ch?.packs.find((p) => p.status === 'installed' && p.activeOn !== targetId) ??
    ch?.packs[0];
  if (!pack) {
    return refuse('PHONE_SCRIPT_NO_PACK');
  }
  // Who activated the server the pack goes to (else any server that says), as given at activation.
  const activated =
    snapshot.licenseServers.find((l) => l.serverId === targetId)?.activation?.contact ?? snapshot.licenseServers.find((l) => l.activation?.contact)?.activation?.contact;
  const input: PhoneScriptInput = {
    lang: o.lang,
    serverId: targetId,
    program: pack.program,
    calType: pack.calType,
    calVersion: pack.calVersion,
    count: pack.count,
    organization: o.organization ?? ch?.organization ?? activated?.company ?? '<ORGANIZATION>',
    contact: o.contact ?? (activated ? contactLine(activated) : '<CONTACT>'),
    reason: o.reason ?? 'reinstalled',
  };
  if (o.packKey) input.packKey = o.packKey;
  const caseNumber = kase?.caseNumber ?? o.caseNumber;
  if (caseNumber) input.caseNumber = caseNumber;
  const oldId = kase?.sourceServerId ?? (pack.activeOn !== targetId ? pack.activeOn : undefined);
  if (oldId) input.oldServerId = oldId;
  const target = snapshot.licenseServers.find((l) => l.serverId === targetId);
  if (target?.version) input.serverVersion = target.version;
  return ok(phoneScript(input));
}

/** "Jeanne Martin (Contoso SARL, FR)": the activation contact as the agent asks for it. */
function contactLine(c: { firstName: string; lastName: string; company: string; country: string }): string {
  const name = `${c.firstName} ${c.lastName}`.trim();
  const where = [c.company, c.country].filter((s) => s.trim() !== '').join(', ');
  return where ? `${name} (${where})` : name;
}

/** What the session host's dry-run CAL request to one license server got, in words. */
function probeText(probes: DiagnosisSnapshot['sessionHost']['probes'], url: string, lang: Lang): string {
  const o = DIAGNOSE_OUTPUT[lang].probeOutcome;
  if (!probes) return o.notRun;
  const p = probes.find((x) => sameUrl(x.url, url));
  if (!p) return o.notAsked;
  switch (p.outcome) {
    case 'would-issue':
      return o.wouldIssue(p.issue ?? '', p.permanentAvailable === true);
    case 'not-enrolled':
      return o.notEnrolled;
    case 'not-asked':
      return o.noMode;
    case 'unreachable':
      return o.unreachable(p.code ?? '');
    default:
      return o.refused(p.code ?? o.noCal);
  }
}

/** Human output of `opencal diagnose`, in the language asked. */
export function renderFindings(findings: readonly Finding[], snapshot?: DiagnosisSnapshot, lang: Lang = 'en'): string {
  const t = DIAGNOSE_OUTPUT[lang];
  const lines: string[] = [];
  if (snapshot) {
    const h = snapshot.sessionHost;
    lines.push(
      t.sessionHost({
        name: h.name,
        version: h.version,
        directory: h.directory,
        mode: h.mode,
        modeSource: h.modeSource,
        servers: h.licenseServers,
        serversSource: h.licenseServersSource,
        graceDays: h.graceDaysLeft,
      }),
    );
    const rl = h.revocationList;
    if (rl) lines.push(t.revocationList(rl.seq, rl.fetchedAt, rl.clearinghouse));
    for (const l of snapshot.licenseServers) {
      const packs = l.keyPacks.filter((k) => k.status === 'active').map((k) => t.pack(k.calType, k.calVersion, k.available, k.total));
      const state = !l.reachable ? t.notReachable : !l.inspected ? t.notInspected : t.inspected(l.activation?.status ?? '?', l.serverId ?? '?', String(l.version ?? '?'), packs);
      lines.push(t.licenseServer(l.url, l.listed, state));
      if (l.listed) lines.push(t.probe(probeText(h.probes, l.url, lang)));
    }
    lines.push('');
  }
  if (findings.length === 0) {
    lines.push(t.clean);
    return lines.join('\n') + '\n';
  }
  for (const f of findings) {
    lines.push(`[${t.severity[f.severity]}] ${f.code}: ${f.message}`);
    lines.push(`  ${t.cause} ${f.cause}`);
    lines.push(`  ${t.fix} ${f.fix}`);
    lines.push('');
  }
  const blocking = findings.filter((f) => f.severity === 'blocking').length;
  lines.push(t.summary(blocking, findings.filter((f) => f.severity === 'warning').length, findings.filter((f) => f.severity === 'info').length));
  return lines.join('\n') + '\n';
}

/** Human output of `opencal recover plan`. */
export function renderPlan(steps: readonly RecoveryStep[], lang: Lang = 'en'): string {
  const t = DIAGNOSE_OUTPUT[lang].plan;
  const lines: string[] = [];
  steps.forEach((s, i) => {
    lines.push(`${i + 1}. [${s.done ? t.done : t.todo}] ${s.title}`);
    lines.push(`   ${s.why}`);
    if (s.warning) lines.push(`   ${t.warning} ${s.warning}`);
    if (!s.done) for (const c of s.commands) lines.push(`   $ ${c}`);
    lines.push('');
  });
  return lines.join('\n');
}
