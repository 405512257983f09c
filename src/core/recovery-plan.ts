/**
 * The recovery planner (DESIGN §7): the source document's condensed procedure, adapted to what is already
 * done in the observed estate, with the exact `opencal` commands for each step.
 *
 *   1. activate the license server            (licmgr.exe → Activate Server)
 *   2. migrate the pack on the portal          (Manage CALs → Migrate: 45-char migration code + 25-char pack key)
 *   3. if Pending: call the clearinghouse      (phone script; the agent reissues and invalidates the old server)
 *   4. rebuild the database only if doubtful   ("do not rebuild before the reissue is assured")
 *   5. install the reissued key pack ID
 *   6. configure the session host per-device with the new server (GPO / registry / PowerShell)
 *   7. verify: diagnoser, event log, test devices (temporary, then permanent)
 *
 * Pure: the snapshot is an input; placeholders in <ANGLE_BRACKETS> are what only the administrator knows.
 */
import {
  calLabel,
  modeForCalType,
  plainText,
  recoveryTarget,
  sameUrl,
  type DiagnosisSnapshot,
  type ObservedCase,
  type ObservedLicenseServer,
  type ObservedPack,
} from './diagnoser-rules';
import { packNameText, PLAN_TEXTS, type PlanWords } from './recovery-plan-texts';
import { programDataPlaceholders, type CalType, type CalVersion, type MigrationReason, type Program } from './vocabulary';

export type RecoveryStepId = 'activate' | 'migrate' | 'reissue' | 'rebuild' | 'install' | 'retire-old-server' | 'upgrade-license-server' | 'configure' | 'verify';

/**
 * A form of the web console that does a step (or part of it). The console links each step to its forms and
 * pre-fills them with `fill`: what the planner observed (the case, the host, the old server…). Codes and tokens
 * the steps produce (migration code, key pack ID, join token) are carried by the console from the page that made them.
 */
export type ConsoleFormId =
  | 'ls-activation'
  | 'ls-install'
  | 'ls-migration-code'
  | 'ls-hosts'
  | 'ls-rebuild'
  | 'ls-deactivate'
  | 'ls-issued'
  | 'portal-install'
  | 'portal-migrate'
  | 'agent-case'
  | 'phone-script'
  | 'sh-enroll'
  | 'sh-configure'
  | 'sh-test-device';

/** Values the planner knows for a form; each is a fact of the snapshot, never a placeholder. */
export type ConsoleFormValue = 'caseNumber' | 'hostName' | 'licenseServerUrl' | 'licenseServers' | 'sourceServerId' | 'serverId' | 'mode' | 'calType' | 'calVersion' | 'program' | 'keyPackId';

export interface ConsoleFormLink {
  form: ConsoleFormId;
  fill: Partial<Record<ConsoleFormValue, string>>;
}

function link(form: ConsoleFormId, fill: Partial<Record<ConsoleFormValue, string | undefined>> = {}): ConsoleFormLink {
  const known = Object.fromEntries(Object.entries(fill).filter(([, v]) => v !== undefined && v !== '')) as Partial<Record<ConsoleFormValue, string>>;
  return { form, fill: known };
}

export interface RecoveryStep {
  step: RecoveryStepId;
  title: string;
  /** why this step, and what it changes. */
  why: string;
  commands: string[];
  /** the console forms that do this step, in order (none on a Windows estate's plan: those steps are done on Windows). */
  forms?: ConsoleFormLink[];
  /** already done in the observed estate. */
  done: boolean;
  /** a caution that applies now, e.g. the source document's "do not rebuild before the reissue is assured". */
  warning?: string;
}

/** What the administrator knows and the snapshot cannot: all optional, placeholders are printed otherwise. */
export interface RecoveryContext {
  /** the license server to recover onto (default: the first usable license server of the snapshot). */
  licenseServerUrl?: string;
  /** the pack to recover (default: the pack of the mode's CAL type active on another server). */
  packNumber?: number;
  /** when no clearinghouse was read: what the pack is. */
  pack?: { calType: CalType; calVersion: CalVersion; program: Program; count?: number };
  /** program data flags for the portal, e.g. `--agreement 1234567`. */
  programData?: string;
  reason?: MigrationReason;
  migrationCode?: string;
  keyPackId?: string;
  caseNumber?: string;
  /** the device name used for test connections. */
  testDevice?: string;
  /** the language of the phone script the plan names (default French, the clearinghouse's language in the source document). */
  lang?: 'fr' | 'en';
  /** the language of the steps' titles and explanations (default English). */
  textLang?: 'fr' | 'en';
}

/** The source document's rebuild warning: a rebuild before the reissue makes the CALs disappear for good. */
export const REBUILD_WARNING = PLAN_TEXTS.rebuildWarning.en;

function withUrl(command: string, url: string | undefined): string {
  return url ? `${command} --url ${url}` : command;
}

interface PlanFacts {
  target?: ObservedLicenseServer;
  pack?: ObservedPack;
  calType: CalType;
  calVersion?: CalVersion;
  program?: Program;
  /** the open or approved case for this pack and target. */
  kase?: ObservedCase;
  packOnTarget: boolean;
  installedOnTarget: boolean;
  /** the pack is active on another server (a migration is needed). */
  elsewhere: boolean;
  /** the pack was never installed (a plain install, no migration). */
  unassigned: boolean;
}

function facts(s: DiagnosisSnapshot, c: RecoveryContext): PlanFacts {
  const target = c.licenseServerUrl ? s.licenseServers.find((l) => sameUrl(l.url, c.licenseServerUrl!)) : recoveryTarget(s);
  const ch = s.clearinghouse?.reachable ? s.clearinghouse : undefined;
  const modeType: CalType | undefined = s.sessionHost.mode === 'per-device' ? 'device' : s.sessionHost.mode === 'per-user' ? 'user' : undefined;
  const packs = ch?.packs ?? [];
  const targetId = target?.serverId;
  const notOnTarget = (p: ObservedPack) => p.status === 'installed' && p.activeOn !== undefined && p.activeOn !== targetId;
  const pack =
    (c.packNumber !== undefined ? packs.find((p) => p.packNumber === c.packNumber) : undefined) ??
    packs.find((p) => notOnTarget(p) && (modeType === undefined || p.calType === modeType)) ??
    packs.find((p) => notOnTarget(p)) ??
    packs.find((p) => p.status === 'installed' && p.activeOn === targetId && (modeType === undefined || p.calType === modeType)) ??
    packs.find((p) => p.status === 'installed' && p.activeOn === targetId) ??
    packs.find((p) => p.status === 'unassigned' && (modeType === undefined || p.calType === modeType)) ??
    packs.find((p) => p.status === 'unassigned');
  const calType = pack?.calType ?? c.pack?.calType ?? modeType ?? 'device';
  const calVersion = pack?.calVersion ?? c.pack?.calVersion;
  const program = pack?.program ?? c.pack?.program;
  const cases = ch?.cases ?? [];
  const forPack = (k: ObservedCase) =>
    k.kind !== 'phantom' && k.kind !== 'clone' && (pack === undefined || k.packNumber === undefined || k.packNumber === pack.packNumber) && (targetId === undefined || k.targetServerId === undefined || k.targetServerId === targetId);
  const kase =
    (c.caseNumber ? cases.find((k) => k.caseNumber === c.caseNumber) : undefined) ??
    cases.find((k) => forPack(k) && (k.status === 'pending' || k.status === 'submitted')) ??
    cases.find((k) => forPack(k) && k.status === 'approved');
  const packOnTarget = pack !== undefined && targetId !== undefined && pack.status === 'installed' && pack.activeOn === targetId;
  const installedOnTarget =
    target !== undefined &&
    target.keyPacks.some(
      (k) =>
        k.status === 'active' &&
        k.total > 0 &&
        (pack ? k.pack === pack.packNumber || (k.pack === undefined && k.calType === pack.calType && k.calVersion === pack.calVersion) : k.calType === calType),
    );
  const elsewhere = pack !== undefined ? pack.status === 'installed' && pack.activeOn !== targetId : ch === undefined && !installedOnTarget;
  return {
    target,
    pack,
    calType,
    calVersion,
    program,
    kase,
    packOnTarget,
    installedOnTarget,
    elsewhere: elsewhere || (kase !== undefined && !packOnTarget),
    unassigned: pack?.status === 'unassigned',
  };
}

/**
 * The next recovery steps, in the source document's order, each marked done when the snapshot shows it.
 * For the source document's situation (a new license server, the pack active on the old one) the steps
 * still to do are migrate → reissue → install → configure → verify.
 */
export function planRecovery(snapshot: DiagnosisSnapshot, context: RecoveryContext = {}): RecoveryStep[] {
  const f = facts(snapshot, context);
  const host = snapshot.sessionHost;
  const lsUrl = f.target?.url ?? context.licenseServerUrl ?? '<LICENSE_SERVER_URL>';
  const chUrl = snapshot.clearinghouse?.url;
  const hostUrl = host.url ?? '<HOST_URL>';
  const steps: RecoveryStep[] = [];
  const reason = context.reason ?? 'reinstalled';
  const label = f.calVersion ? calLabel(f.calType, f.calVersion) : `RDS ${f.calType === 'device' ? 'Per Device' : 'Per User'}`;
  const textLang = context.textLang ?? 'en';
  const T = PLAN_TEXTS[textLang];
  const warning = PLAN_TEXTS.rebuildWarning[textLang];
  const mode = modeForCalType(f.calType);
  const old = oldServerStillActive(snapshot, f);
  const words: PlanWords = {
    lsUrl,
    serverId: f.target?.serverId ?? '?',
    packName: packNameText(textLang, label, f.pack),
    ...(f.pack?.activeOn ? { activeOn: f.pack.activeOn } : {}),
    calType: f.calType,
    version: String(f.calVersion ?? '<VERSION>'),
    ...(f.kase ? { caseNumber: f.kase.caseNumber, caseStatus: f.kase.status } : context.caseNumber ? { caseNumber: context.caseNumber } : {}),
    approved: f.kase?.status === 'approved',
    awaiting: f.kase?.awaiting ?? [],
    reason: context.reason ?? 'reinstalled',
    host: host.name,
    mode,
    hostMode: host.mode,
    modeSource: host.modeSource,
    servers: host.licenseServers,
    enrolled: true,
    oldUrl: old?.url ?? '?',
    oldId: old?.serverId ?? '?',
  };
  const activated = f.target?.activation?.status === 'activated';

  steps.push({
    step: 'activate',
    title: T.activate.title(words),
    why: activated ? T.activate.done(words) : T.activate.todo(words),
    commands: [
      withUrl('opencal licmgr status', lsUrl),
      withUrl(`opencal licmgr activate --method auto --org-token <ORG_TOKEN>`, lsUrl),
    ],
    forms: [link('ls-activation')],
    done: activated,
  });

  const reissued = f.packOnTarget || f.kase?.status === 'approved';
  // The old server still runs and holds the pack: deactivating it first releases the pack (its receipt is the
  // evidence that lets the portal approve the migration at once, without the phone).
  if (old && !reissued) steps.push(retireStep(old, T.retire, words));
  if (f.unassigned && !f.installedOnTarget) {
    // Never installed anywhere: the portal's Install, no migration.
    steps.push({
      step: 'install',
      title: T['install-new'].title(words),
      why: T['install-new'].todo(words),
      commands: [
        withUrl(`opencal licmgr install --pack-key <PACK_KEY>${context.programData ? ` ${context.programData}` : ''}`, lsUrl),
        withUrl(`opencal portal install --server-id ${f.target?.serverId ?? '<SERVER_ID>'} --pack-key <PACK_KEY>${context.programData ? ` ${context.programData}` : ''}`, chUrl),
      ],
      forms: [link('ls-install', packFill(f)), link('portal-install', { ...packFill(f), serverId: f.target?.serverId })],
      done: false,
    });
  } else if (f.elsewhere || f.kase || (f.pack && !f.installedOnTarget && !f.packOnTarget) || (!f.pack && !f.installedOnTarget)) {
    const type = f.calType;
    const version = f.calVersion ?? '<VERSION>';
    const program = f.program ?? '<PROGRAM>';
    const source = f.pack?.activeOn && f.pack.activeOn !== f.target?.serverId ? ` --source-id ${f.pack.activeOn}` : '';
    const migrationCode = context.migrationCode ?? '<MIGRATION_CODE>';
    const migrated = reissued || f.kase !== undefined;
    steps.push({
      step: 'migrate',
      title: T.migrate.title(words),
      why: migrated ? T.migrate.done(words) : T.migrate.todo(words),
      commands: [
        withUrl(`opencal licmgr migration-code --reason ${reason}${source}`, lsUrl),
        withUrl(
          `opencal portal migrate --migration-code ${migrationCode} --pack-key <PACK_KEY> --type ${type} --version ${version} --program ${program} ${context.programData ?? programDataPlaceholders(program)}`.trimEnd(),
          chUrl,
        ),
      ],
      forms: [link('ls-migration-code', { sourceServerId: f.pack?.activeOn !== f.target?.serverId ? f.pack?.activeOn : undefined }), link('portal-migrate', packFill(f))],
      done: migrated,
    });
    const caseNumber = f.kase?.caseNumber ?? context.caseNumber;
    const lang = context.lang ?? 'fr';
    const pending = f.kase && (f.kase.status === 'pending' || f.kase.status === 'submitted');
    const reissueWords = T[pending ? 'reissue-pending' : 'reissue'];
    steps.push({
      step: 'reissue',
      title: reissueWords.title(words),
      why: reissued ? reissueWords.done(words) : reissueWords.todo(words),
      commands: [
        `opencal phone-script${caseNumber ? ` --case ${caseNumber}` : ''} --lang ${lang}`,
        withUrl(`opencal ch case approve ${caseNumber ?? '<CASE>'} --reason <REASON>`, chUrl),
      ],
      forms: [...(caseNumber ? [link('agent-case', { caseNumber })] : []), link('phone-script', { caseNumber })],
      done: reissued,
    });
  }

  const rebuildNeeded = f.target !== undefined && needsRebuild(f.target, snapshot);
  if (rebuildNeeded) {
    steps.push({
      step: 'rebuild',
      title: T.rebuild.title(words),
      why: T.rebuild.todo(words),
      commands: [
        withUrl('opencal licmgr rebuild', lsUrl),
        withUrl('opencal licmgr activate --method auto --org-token <ORG_TOKEN>', lsUrl),
        withUrl('opencal licmgr install --key-pack-id <KEY_PACK_ID>', lsUrl),
      ],
      forms: [link('ls-rebuild')],
      done: false,
      ...(reissued ? {} : { warning }),
    });
  }

  if (!(f.unassigned && !f.installedOnTarget)) {
    const keyPackId = context.keyPackId ?? f.kase?.keyPackId ?? '<KEY_PACK_ID>';
    steps.push({
      step: 'install',
      title: T.install.title(words),
      why: f.installedOnTarget ? T.install.done(words) : T.install.todo(words),
      commands: [withUrl(`opencal licmgr install --key-pack-id ${keyPackId}`, lsUrl), withUrl('opencal licmgr status', lsUrl)],
      forms: [link('ls-install', { keyPackId: context.keyPackId ?? f.kase?.keyPackId })],
      done: f.installedOnTarget,
      ...(reissued || f.installedOnTarget ? {} : { warning }),
    });
  }

  if (old && reissued) steps.push(retireStep(old, T['retire-reissued'], words));

  const listedTarget = host.licenseServers.some((u) => sameUrl(u, lsUrl));
  // The session host reports enrolment only for the servers on its list: a server not yet listed needs it too.
  // A stored enrolment the license server refuses (it was reinstalled at the same address) is no enrolment.
  const probe = host.probes?.find((p) => sameUrl(p.url, lsUrl));
  const enrolmentRefused = probe?.outcome === 'refused' && (probe.code === 'UNAUTHENTICATED' || probe.code === 'FORBIDDEN_SCOPE' || probe.code === 'HOST_SIGNATURE_INVALID');
  const enrolled = listedTarget && !(host.notEnrolledOn ?? []).some((u) => sameUrl(u, lsUrl)) && !enrolmentRefused;
  // Done only when the host's own dry-run CAL request to that server was answered with a CAL, now.
  const configured = host.mode === mode && listedTarget && enrolled && probe?.outcome === 'would-issue';
  const servers = [lsUrl, ...host.licenseServers.filter((u) => !sameUrl(u, lsUrl) && snapshot.licenseServers.find((l) => sameUrl(l.url, u))?.reachable === true)];
  steps.push({
    step: 'configure',
    title: T.configure.title(words),
    why: configured ? T.configure.done(words) : T.configure.todo({ ...words, enrolled }),
    commands: [
      ...(enrolled
        ? []
        : [withUrl(`opencal licmgr hosts add ${host.name}`, lsUrl), withUrl(`opencal host enroll --license-server ${lsUrl} --join-token <JOIN_TOKEN>`, host.url)]),
      withUrl(`opencal host config --mode ${mode} --license-servers ${servers.join(',')} --layer policy`, host.url),
      withUrl('opencal host emit --format gpo', host.url),
      withUrl('opencal host emit --format powershell', host.url),
    ],
    forms: [
      ...(enrolled ? [] : [link('ls-hosts', { hostName: host.name }), link('sh-enroll', { licenseServerUrl: f.target?.url ?? context.licenseServerUrl })]),
      link('sh-configure', { mode, licenseServers: f.target || context.licenseServerUrl ? servers.join('\n') : undefined }),
    ],
    done: configured,
  });

  const device = context.testDevice ?? 'TEST-PC-01';
  steps.push({
    step: 'verify',
    title: T.verify.title(words),
    why: T.verify.todo(words),
    commands: [
      `opencal diagnose --host ${hostUrl}`,
      `opencal events --component session-host --since 1h`,
      `opencal device connect --host ${hostUrl} --name ${device}`,
      `opencal device connect --host ${hostUrl} --name ${device}`,
      withUrl(`opencal licmgr issued --type ${f.calType}`, lsUrl),
    ],
    forms: [link('sh-test-device'), link('ls-issued')],
    done: false,
  });
  return steps.map((s) => ({ ...s, title: plainText(s.title), why: plainText(s.why), ...(s.warning ? { warning: plainText(s.warning) } : {}) }));
}

function retireStep(old: ObservedLicenseServer, texts: (typeof PLAN_TEXTS)['en']['retire'], words: PlanWords): RecoveryStep {
  return {
    step: 'retire-old-server',
    title: texts.title(words),
    why: texts.todo(words),
    commands: [withUrl('opencal licmgr deactivate', old.url)],
    // The old server is another license server: the console's forms act on the one of its own origin only.
    forms: [],
    done: false,
  };
}

/** What the planner knows of the pack, for the install and migrate forms. */
function packFill(f: PlanFacts): Partial<Record<ConsoleFormValue, string | undefined>> {
  return { calType: f.calType, calVersion: f.calVersion !== undefined ? String(f.calVersion) : undefined, program: f.program };
}

/** Counts that do not add up, or CALs still counted from an invalidated pack: the database is doubtful. */
function needsRebuild(ls: ObservedLicenseServer, s: DiagnosisSnapshot): boolean {
  const chPacks = new Map((s.clearinghouse?.reachable ? s.clearinghouse.packs : []).map((p) => [p.packNumber, p]));
  return ls.keyPacks.some((k) => {
    const inconsistent = k.issued < 0 || k.available < 0 || (k.calType === 'device' && (k.issued + k.available !== k.total || k.issued > k.total));
    const ch = k.pack !== undefined ? chPacks.get(k.pack) : undefined;
    const stale = k.issued > 0 && (k.status === 'invalidated' || (ch?.activeOn !== undefined && ls.serverId !== undefined && ch.activeOn !== ls.serverId));
    return inconsistent || stale;
  });
}

/** The old license server, when it still answers, is activated and is not the target. */
function oldServerStillActive(s: DiagnosisSnapshot, f: PlanFacts): ObservedLicenseServer | undefined {
  const oldId = f.kase?.sourceServerId ?? (f.pack?.activeOn !== f.target?.serverId ? f.pack?.activeOn : undefined);
  return s.licenseServers.find(
    (l) =>
      l !== f.target &&
      l.reachable &&
      l.inspected &&
      l.activation?.status === 'activated' &&
      ((oldId !== undefined && l.serverId === oldId) || l.keyPacks.some((k) => k.status === 'invalidated' && k.issued > 0)),
  );
}
