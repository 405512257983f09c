/**
 * The diagnoser on a real Windows estate (issue 14, item 4): the finding catalogue of src/core/diagnoser-rules.ts
 * (same codes, same Finding shape) applied to what the importer read, with causes, fixes and recovery steps in
 * the administrator's tools — RD Licensing Manager, the Group Policy path, PowerShell, the Clearinghouse call —
 * in English or French (src/core/diagnoser-texts.ts). Pure: `now` is the time the estate is judged at.
 */
import { DAY_MS } from '../clock';
import { GRACE_WARNING_DAYS, hasBlocking, type Finding, type FindingCode, type FindingSeverity } from '../diagnoser-rules';
import { MODE_NAME, UI_TEXT, WINDOWS_FINDING_TEXTS, WINDOWS_STEP_TEXTS, type Lang, type WinFacts } from '../diagnoser-texts';
import { phoneScript, type PhoneScriptInput } from '../phone-script';
import type { RecoveryStep, RecoveryStepId } from '../recovery-plan';
import type { CalType, CalVersion, LicensingMode } from '../vocabulary';
import { emitPowerShell, emitRdms } from '../windows-config';
import { hasRole, sameMachine, type WinKeyPack, type WinMachine, type WindowsEstate } from './estate';
import { listedServers } from './import';
import { UNLIMITED } from './ps-json';

/** Events that say licensing failed (rds-facts, windows-exports.md §3.2), and whether they block. */
const LICENSING_ERROR_EVENTS: Record<number, FindingSeverity> = { 1004: 'blocking', 1028: 'blocking', 4141: 'blocking', 1069: 'blocking', 50282: 'blocking', 21: 'warning', 18: 'warning', 1068: 'warning' };
export const RECENT_WINDOWS_EVENT_DAYS = 7;

const BUILDS: [number, CalVersion][] = [
  [26100, 2025],
  [20348, 2022],
  [17763, 2019],
  [14393, 2016],
  [9200, 2012],
];
const PRODUCT_VERSION_IDS: Record<number, CalVersion> = { 4: 2012, 5: 2016, 6: 2019, 7: 2022, 8: 2025 };

/** The Windows Server version of a machine: from the build number (14393, 17763, 20348…), else the caption. */
export function osVersion(m: WinMachine | undefined): CalVersion | undefined {
  const build = m?.os?.build;
  if (build !== undefined) for (const [b, v] of BUILDS) if (build >= b) return v;
  const cap = /\b(2012|2016|2019|2022|2025)\b/.exec(m?.os?.caption ?? '');
  return cap ? (Number(cap[1]) as CalVersion) : undefined;
}

export function packVersion(k: WinKeyPack): CalVersion | undefined {
  if (k.productVersionId !== undefined && PRODUCT_VERSION_IDS[k.productVersionId]) return PRODUCT_VERSION_IDS[k.productVersionId];
  const m = /\b(2012|2016|2019|2022|2025)\b/.exec(k.productVersion ?? '');
  return m ? (Number(m[1]) as CalVersion) : undefined;
}

export function packType(k: WinKeyPack): CalType | undefined {
  if (k.productType === 0) return 'device';
  if (k.productType === 1) return 'user';
  if (/^A02-/i.test(k.description ?? '') || /per device/i.test(k.typeAndModel ?? '')) return 'device';
  if (/^C50-/i.test(k.description ?? '') || /per user/i.test(k.typeAndModel ?? '')) return 'user';
  return undefined;
}

/** A purchased pack: not the built-in pack (ProductType 3, KeyPackType 6) nor the temporary CALs' pack (KeyPackType 4). */
export function isPurchased(k: WinKeyPack): boolean {
  if (k.keyPackType === 4 || k.keyPackType === 6 || k.productType === 3 || /built-in/i.test(k.typeAndModel ?? '')) return false;
  return packType(k) !== undefined && packVersion(k) !== undefined && k.total !== UNLIMITED;
}

function temporaryIssued(ls: WinMachine): number {
  const fromPack = ls.keyPacks.filter((k) => k.keyPackType === 4).reduce((n, k) => n + (k.issued === UNLIMITED ? 0 : k.issued), 0);
  const fromList = ls.issued.filter((i) => i.status === 1).length;
  return Math.max(fromPack, fromList);
}

function permanentIssued(ls: WinMachine): number {
  const fromPacks = ls.keyPacks.filter(isPurchased).reduce((n, k) => n + k.issued, 0);
  return Math.max(fromPacks, ls.issued.filter((i) => i.status === 2).length);
}

const MODES: Record<number, LicensingMode> = { 2: 'per-device', 4: 'per-user', 5: 'not-configured' };

/** The mode the host runs with, and where it came from (WMI reflects the winner; policy > deployment > local). */
export function effectiveMode(h: WinMachine): { value?: number; mode: LicensingMode | 'unknown'; source: 'policy' | 'deployment' | 'local' | 'default' } {
  const from = (value: number | undefined, source: 'policy' | 'deployment' | 'local' | 'default') =>
    value === undefined ? undefined : { value, mode: MODES[value] ?? ('unknown' as const), source };
  const wmi = h.licensingType !== undefined ? from(h.licensingType, h.policySourceLicensingType === 1 ? 'policy' : h.rdms?.mode ? 'deployment' : 'local') : undefined;
  const rdmsValue = h.rdms?.mode ? { 'per-device': 2, 'per-user': 4, 'not-configured': 5 }[h.rdms.mode] : undefined;
  return wmi ?? from(h.registry.policyMode, 'policy') ?? from(rdmsValue, 'deployment') ?? from(h.registry.localMode, 'local') ?? { mode: 'not-configured', source: 'default' };
}

function calLabel(type: CalType, version: CalVersion | undefined): string {
  const t = type === 'device' ? 'Per Device' : 'Per User';
  return version ? `RDS ${version} ${t}` : `RDS ${t}`;
}

/**
 * The time an estate is judged at: when the collector ran; raw exports carry no such time, so they are judged
 * now (their newest event would make any old error look recent).
 */
export function referenceTime(estate: WindowsEstate, now: Date): Date {
  return estate.collectedAt ? new Date(estate.collectedAt) : now;
}

export interface WindowsDiagnosisOptions {
  lang: Lang;
  /** the pack key, when the administrator gives it (printed masked but for its last group). */
  packKey?: string;
  organization?: string;
  contact?: string;
}

export interface WindowsDiagnosis {
  lang: Lang;
  judgedAt: string;
  host?: string;
  /** one line per machine, in the chosen language. */
  summary: string[];
  findings: Finding[];
  plan: RecoveryStep[];
  /** the Clearinghouse phone script, when a reissue is part of the plan. */
  phoneScript?: string;
  blocking: boolean;
}

interface LsView {
  name: string;
  machine?: WinMachine;
  listed: boolean;
  connectivity?: number;
  version?: CalVersion;
}

/** Findings, recovery plan and phone script for an imported Windows estate. */
export function diagnoseWindowsEstate(estate: WindowsEstate, now: Date, o: WindowsDiagnosisOptions): WindowsDiagnosis {
  const lang = o.lang;
  const host = estate.machines.find((m) => hasRole(m, 'session-host'));
  const lsMachines = estate.machines.filter((m) => hasRole(m, 'license-server'));
  const hostVersion = osVersion(host);
  const mode = host ? effectiveMode(host) : { mode: 'unknown' as const, source: 'default' as const };
  const listed = host ? listedServers(host) : [];
  const views: LsView[] = listed.map((name) => {
    const machine = lsMachines.find((m) => sameMachine(m.name, name));
    const v: LsView = { name, listed: true };
    if (machine) v.machine = machine;
    const c = host?.connectivity.find((x) => sameMachine(x.server, name));
    if (c) v.connectivity = c.status;
    const ver = osVersion(machine);
    if (ver) v.version = ver;
    return v;
  });
  for (const m of lsMachines) {
    if (!views.some((v) => v.machine === m)) {
      const v: LsView = { name: m.name, machine: m, listed: false };
      const ver = osVersion(m);
      if (ver) v.version = ver;
      views.push(v);
    }
  }
  const allPurchased = lsMachines.flatMap((m) => m.keyPacks.filter(isPurchased));
  const needType: CalType =
    mode.mode === 'per-device' ? 'device' : mode.mode === 'per-user' ? 'user' : allPurchased.some((k) => packType(k) === 'device') || allPurchased.length === 0 ? 'device' : 'user';
  const neededMode: LicensingMode = needType === 'device' ? 'per-device' : 'per-user';
  const label = calLabel(needType, hostVersion);
  const hostName = host?.name ?? 'RD Session Host';
  const base: WinFacts = {
    host: hostName,
    hostVersion: hostVersion ? String(hostVersion) : '?',
    server: listed[0] ?? lsMachines[0]?.name ?? '<LICENSE_SERVER>',
    serverVersion: '?',
    serverId: '?',
    mode: mode.mode === 'unknown' ? String(mode.value ?? '?') : MODE_NAME[lang][mode.mode],
    neededMode: MODE_NAME[lang][neededMode],
    calLabel: label,
    otherLabel: '',
    count: 0,
    temporary: 0,
    listed: listed.length > 0 ? listed.join(', ') : UI_TEXT[lang].none,
    days: host?.graceDaysLeft ?? 0,
    events: '',
    workgroup: host?.domain ?? 'WORKGROUP',
    value: String(mode.value ?? '?'),
  };
  const serverNames = listed.length > 0 ? listed : lsMachines.map((m) => m.name.replace(/^\(.*\)$/, '<LICENSE_SERVER>'));
  const psConfig = powershellLines(neededMode, serverNames.length > 0 ? serverNames : ['<LICENSE_SERVER>']);
  const findings: Finding[] = [];
  const add = (code: FindingCode, severity: FindingSeverity, p: Partial<WinFacts>, commands: string[], subject?: string) => {
    const facts = { ...base, ...p };
    const t = WINDOWS_FINDING_TEXTS[code]![lang];
    findings.push({ severity, code, message: t.message(facts), cause: t.cause(facts), fix: t.fix(facts), commands, ...(subject ? { subject } : {}) });
  };

  // --- the session host's mode and list
  if (host) {
    if (mode.mode === 'not-configured') add('MODE_NOT_CONFIGURED', 'blocking', {}, psConfig, hostName);
    if (mode.mode === 'unknown') add('LICENSING_MODE_UNKNOWN', 'warning', {}, psConfig, hostName);
    if (mode.mode === 'per-user' && host.partOfDomain === false) add('PER_USER_IN_WORKGROUP', 'blocking', { neededMode: MODE_NAME[lang]['per-device'] }, powershellLines('per-device', serverNames), hostName);
    if (listed.length === 0) add('NO_LICENSE_SERVER_SPECIFIED', 'blocking', { server: serverNames[0] ?? '<LICENSE_SERVER>' }, psConfig, hostName);
  }

  // --- each license server as the host sees it
  const hostCheck = 'Get-CimInstance -Namespace root\\cimv2\\TerminalServices -ClassName Win32_TerminalServiceSetting | Invoke-CimMethod -MethodName GetTStoLSConnectivityStatus -Arguments @{ ServerName = ';
  const goodListed = views.filter((v) => v.listed && v.connectivity !== 6 && v.connectivity !== 4 && v.connectivity !== 5);
  const usable: LsView[] = [];
  for (const v of views.filter((x) => x.listed)) {
    const ps = `${hostCheck}'${v.name}' }`;
    if (v.connectivity === 6) {
      add('LICENSE_SERVER_UNREACHABLE', goodListed.length > 0 ? 'warning' : 'blocking', { server: v.name }, [ps, `Get-Service -ComputerName ${v.name} -Name TermServLicensing`], v.name);
      continue;
    }
    const hostDenied = v.connectivity === 5 || estate.events.some((e) => e.id === 4141 && within(e.at, now) && (!e.computer || !v.machine || sameMachine(e.computer, v.machine.name)));
    if (hostDenied) add('HOST_NOT_ALLOWED', 'blocking', { server: v.name }, [ps], v.name);
    const tooOld = v.connectivity === 4 || (v.version !== undefined && hostVersion !== undefined && v.version < hostVersion);
    if (tooOld) {
      add('VERSION_NOT_HOSTABLE', 'blocking', { server: v.name, serverVersion: v.version ? String(v.version) : '?' }, ['Install-WindowsFeature RDS-Licensing -IncludeManagementTools', ps], v.name);
      continue;
    }
    if (!v.machine) {
      add('LICENSE_SERVER_NOT_INSPECTED', 'info', { server: v.name }, ['powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\\opencal-collector.ps1'], v.name);
      continue;
    }
    if (v.machine.activationStatus === 1) {
      add('LICENSE_SERVER_NOT_ACTIVATED', 'blocking', { server: v.name }, ['licmgr.exe', 'Invoke-CimMethod -ClassName Win32_TSLicenseServer -MethodName GetActivationStatus'], v.name);
      continue;
    }
    if (!hostDenied) usable.push(v);
  }

  // --- CALs of the host's type and version
  const accepted = (k: WinKeyPack) => hostVersion === undefined || (packVersion(k) ?? 0) >= hostVersion;
  const ofType = (vs: LsView[], t: CalType) => vs.flatMap((v) => v.machine!.keyPacks.filter((k) => isPurchased(k) && packType(k) === t));
  let reinstallServer: LsView | undefined;
  if (host && usable.length > 0) {
    const mine = ofType(usable, needType);
    const other = ofType(usable, needType === 'device' ? 'user' : 'device');
    const compatible = mine.filter(accepted);
    const available = compatible.reduce((n, k) => n + Math.max(0, k.available), 0);
    if (mine.length === 0 && other.length > 0 && mode.mode !== 'not-configured') {
      const otherType: CalType = needType === 'device' ? 'user' : 'device';
      add(
        'CLIENTS_REFUSED_MODE_MISMATCH',
        'blocking',
        { count: other.reduce((n, k) => n + k.available, 0), otherLabel: calLabel(otherType, undefined), neededMode: MODE_NAME[lang][otherType === 'device' ? 'per-device' : 'per-user'] },
        powershellLines(otherType === 'device' ? 'per-device' : 'per-user', serverNames),
        hostName,
      );
    } else if (mine.length > 0 && compatible.length === 0) {
      const versions = [...new Set(mine.map((k) => packVersion(k)))].join('/');
      add('CAL_VERSION_NOT_ACCEPTED', 'blocking', { otherLabel: `RDS ${versions} ${needType === 'device' ? 'Per Device' : 'Per User'}` }, ['licmgr.exe'], hostName);
    } else if (available === 0 && mine.length === 0 && other.length === 0) {
      const signature = usable.find((v) => v.machine!.activationStatus === 0 && temporaryIssued(v.machine!) > 0 && permanentIssued(v.machine!) === 0);
      if (signature) {
        reinstallServer = signature;
        add(
          'NO_CALS_AFTER_REINSTALL',
          'blocking',
          { server: signature.name, serverId: signature.machine!.licenseServerId ?? '?', temporary: temporaryIssued(signature.machine!) },
          ['licmgr.exe', 'Get-CimInstance -ClassName Win32_TSLicenseKeyPack | Format-Table KeyPackId, Description, ProductVersion, TotalLicenses, IssuedLicenses, AvailableLicenses', 'Get-CimInstance -ClassName Win32_TSIssuedLicense | Format-Table sIssuedToComputer, LicenseStatus, ExpirationDate'],
          signature.name,
        );
      } else add('NO_CALS_AVAILABLE', needType === 'device' ? 'blocking' : 'warning', { server: usable[0]!.name, count: 0 }, ['licmgr.exe'], usable[0]!.name);
    } else if (available === 0) {
      add('NO_CALS_AVAILABLE', needType === 'device' ? 'blocking' : 'warning', { server: usable[0]!.name, count: compatible.reduce((n, k) => n + k.total, 0) }, ['licmgr.exe', 'Get-CimInstance -ClassName Win32_TSIssuedLicense | Format-Table sIssuedToComputer, LicenseStatus, ExpirationDate'], usable[0]!.name);
    }
  }
  // A license server with CALs of the host's type that the host does not ask.
  if (host) {
    for (const v of views.filter((x) => !x.listed && x.machine)) {
      const packs = v.machine!.keyPacks.filter((k) => isPurchased(k) && packType(k) === needType && accepted(k));
      const n = packs.reduce((s, k) => s + k.available, 0);
      if (n <= 0 || v.machine!.activationStatus === 1) continue;
      const p = { server: v.name, count: n };
      add('LICENSE_SERVER_NOT_LISTED', usable.length > 0 ? 'warning' : 'blocking', p, powershellLines(neededMode, [...listed, v.name]), v.name);
    }
  }

  // --- recent licensing errors in the event logs: an estate with them is never called healthy
  const recent = estate.events.filter((e) => LICENSING_ERROR_EVENTS[e.id] !== undefined && within(e.at, now));
  if (recent.length > 0) {
    const byId = new Map<number, { n: number; last: string }>();
    for (const e of recent) {
      const x = byId.get(e.id) ?? { n: 0, last: e.at };
      x.n++;
      if (e.at > x.last) x.last = e.at;
      byId.set(e.id, x);
    }
    const events = [...byId.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([id, x]) => (lang === 'fr' ? `événement ${id} × ${x.n} (dernier le ${x.last.slice(0, 10)})` : `event ${id} × ${x.n} (last on ${x.last.slice(0, 10)})`))
      .join(', ');
    const severity: FindingSeverity = [...byId.keys()].some((id) => LICENSING_ERROR_EVENTS[id] === 'blocking') ? 'blocking' : 'warning';
    add('RECENT_LICENSING_ERRORS', severity, { events }, ['Get-WinEvent -LogName Microsoft-Windows-TerminalServices-RemoteConnectionManager/Admin, Microsoft-Windows-TerminalServices-Licensing/Operational -MaxEvents 50'], hostName);
  }

  // --- the grace period
  if (host?.graceDaysLeft !== undefined) {
    const blocked = hasBlocking(findings);
    if (host.graceDaysLeft <= 0 && blocked) {
      const saw1069 = estate.events.some((e) => e.id === 1069);
      add('GRACE_PERIOD_EXPIRED', 'blocking', { events: saw1069 ? (lang === 'fr' ? 'événement 1069' : 'event 1069') : 'DaysLeft 0' }, [], hostName);
    } else if (host.graceDaysLeft > 0 && host.graceDaysLeft <= GRACE_WARNING_DAYS) {
      add('GRACE_PERIOD_ENDING', blocked ? 'warning' : 'info', { days: host.graceDaysLeft }, [], hostName);
    }
  }

  const order: Record<FindingSeverity, number> = { blocking: 0, warning: 1, info: 2 };
  const sorted = findings.map((f, i) => ({ f, i })).sort((a, b) => order[a.f.severity] - order[b.f.severity] || a.i - b.i).map((x) => x.f);

  // --- the plan
  const target = reinstallServer ?? usable[0] ?? views.find((v) => v.machine) ?? views[0];
  const targetId = target?.machine?.licenseServerId ?? '?';
  const facts: WinFacts = { ...base, server: target?.name ?? base.server, serverId: targetId };
  const plan: RecoveryStep[] = [];
  const step = (id: Exclude<RecoveryStepId, 'rebuild' | 'retire-old-server'>, done: boolean, commands: string[], p: Partial<WinFacts> = {}, warning?: string) => {
    const t = WINDOWS_STEP_TEXTS[id][lang];
    const f = { ...facts, ...p };
    plan.push({ step: id, title: t.title, why: done ? t.done(f) : t.why(f), commands, done, ...(warning ? { warning } : {}) });
  };
  const codes = new Set(sorted.map((f) => f.code));
  if (target?.machine) step('activate', target.machine.activationStatus === 0, ['licmgr.exe', 'Invoke-CimMethod -ClassName Win32_TSLicenseServer -MethodName GetActivationStatus']);
  if (codes.has('VERSION_NOT_HOSTABLE')) step('upgrade-license-server', false, ['Install-WindowsFeature RDS-Licensing -IncludeManagementTools', 'licmgr.exe']);
  let script: string | undefined;
  if (reinstallServer) {
    step('migrate', false, []);
    step('reissue', false, ['licmgr.exe']);
    const ls = reinstallServer.machine!;
    const c = ls.contact;
    const contact = o.contact ?? ([c.firstName, c.lastName].filter(Boolean).join(' ') + (c.email ? ` (${c.email})` : '')).trim();
    const input: PhoneScriptInput = { lang, serverId: ls.licenseServerId ?? '?', calType: needType, calVersion: hostVersion ?? osVersion(ls) ?? 2019, reason: 'reinstalled', finishIn: 'licmgr' };
    const org = o.organization ?? c.company;
    if (org) input.organization = org;
    if (contact) input.contact = contact;
    if (o.packKey) input.packKey = o.packKey;
    const lv = osVersion(ls);
    if (lv) input.serverVersion = lv;
    script = phoneScript(input);
  }
  const compatibleAvailable = usable.flatMap((v) => v.machine!.keyPacks.filter((k) => isPurchased(k) && packType(k) === needType && accepted(k))).reduce((n, k) => n + k.available, 0);
  if (reinstallServer || codes.has('NO_CALS_AVAILABLE') || codes.has('CAL_VERSION_NOT_ACCEPTED') || compatibleAvailable > 0) {
    step('install', compatibleAvailable > 0, ['licmgr.exe'], { count: compatibleAvailable });
  }
  // The mode the plan sets: the CAL type on offer when the host's mode does not fit it.
  const planMode: LicensingMode = codes.has('PER_USER_IN_WORKGROUP') ? 'per-device' : codes.has('CLIENTS_REFUSED_MODE_MISMATCH') ? (neededMode === 'per-device' ? 'per-user' : 'per-device') : neededMode;
  const configured =
    host !== undefined &&
    mode.mode === planMode &&
    !codes.has('VERSION_NOT_HOSTABLE') &&
    !codes.has('NO_LICENSE_SERVER_SPECIFIED') &&
    !codes.has('PER_USER_IN_WORKGROUP') &&
    !codes.has('CLIENTS_REFUSED_MODE_MISMATCH') &&
    listed.length > 0 &&
    !codes.has('LICENSE_SERVER_UNREACHABLE') &&
    !codes.has('HOST_NOT_ALLOWED');
  const planServers = codes.has('VERSION_NOT_HOSTABLE') ? ['<NEW_LICENSE_SERVER>'] : serverNames.length > 0 ? serverNames : ['<LICENSE_SERVER>'];
  const rdms = host?.rdms && !host.rdms.noDeployment ? [emitRdms(planMode, planServers).trim().split('\n').pop()!] : [];
  step('configure', configured, configured ? [] : [...powershellLines(planMode, planServers), ...rdms], { neededMode: MODE_NAME[lang][planMode], server: planServers.join(', ') });
  step('verify', sorted.length === 0, ['lsdiag.msc', 'eventvwr.msc', 'Get-CimInstance -ClassName Win32_TSIssuedLicense', 'opencal diagnose --from <FOLDER>']);

  const summary = summarize(estate, lang);
  const out: WindowsDiagnosis = { lang, judgedAt: now.toISOString(), summary, findings: sorted, plan, blocking: hasBlocking(sorted) };
  if (host) out.host = host.name;
  if (script) out.phoneScript = script;
  return out;
}

function within(at: string, now: Date): boolean {
  const t = Date.parse(at);
  return t <= now.getTime() + DAY_MS && t >= now.getTime() - RECENT_WINDOWS_EVENT_DAYS * DAY_MS;
}

/** The registry commands of the source document (the Group Policy equivalent), without comments. */
function powershellLines(mode: LicensingMode, servers: readonly string[]): string[] {
  const names = servers.filter((s) => /^[A-Za-z0-9<>_.-]+$/.test(s));
  return emitPowerShell(mode, names)
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

function summarize(estate: WindowsEstate, lang: Lang): string[] {
  const t = UI_TEXT[lang];
  return estate.machines.flatMap((m) => {
    const lines: string[] = [];
    const os = m.os?.caption ?? (osVersion(m) ? `Windows Server ${osVersion(m)}` : t.unknown);
    if (hasRole(m, 'session-host')) {
      const mode = effectiveMode(m);
      const ls = listedServers(m);
      lines.push(t.host(m.name, os, `${mode.mode === 'unknown' ? mode.value : MODE_NAME[lang][mode.mode]} (${t.source[mode.source]})`, ls.length > 0 ? ls.join(', ') : t.none, m.graceDaysLeft === undefined ? t.unknown : t.daysLeft(m.graceDaysLeft)));
    }
    if (hasRole(m, 'license-server')) {
      const packs = m.keyPacks.filter(isPurchased).map((k) => `${calLabel(packType(k)!, packVersion(k))}: ${k.available}/${k.total}`);
      lines.push(t.licenseServer(m.name, t.activation(m.activationStatus), m.licenseServerId ?? '?', packs.length > 0 ? packs.join('; ') : t.noPack));
    }
    return lines;
  });
}
