/**
 * The Windows importer (`opencal diagnose --from`, the console's drop zone): files recognised by their content,
 * never their names, and JSON by what it holds, never its layout. Administrators' scripts and Microsoft's
 * collectors nest the same class instances differently (one file per class, one object keyed by machine or by
 * role, with or without `CimClass`, method results beside properties), so the instances of each class are found
 * at any depth by their properties. Pure: the shell reads the files and hands over their bytes.
 */
import { err, ok, type Result } from '../result';
import { looksLikeEventXml, parseEventXml, type WinEvent } from './event-xml';
import { count, looksLikeJson, names, parseJsonText, text, windowsDate } from './ps-json';
import { isRegExport, parseRegExport, type RegistryExport } from './reg-export';
import { looksLikeRdmsText, parseRdmsText, rdmsMode, type RdmsConfig } from './rdms-text';
import { importRefusal, translateRefusal, type ImportRefusal } from './refusals';
import { decodeSource, lineAt } from './source-text';
import { hasRole, newMachine, sameMachine, type ImportedFile, type WinMachine, type WinRole, type WindowsEstate } from './estate';

/** The schema the collector writes (`schema` of the bundle); the importer reads this one. */
export const COLLECTOR_SCHEMA = 'opencal.windows-collector/1';

export interface InputFile {
  /** the name to quote in refusals (a path relative to what was given). */
  name: string;
  bytes: Uint8Array;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Placeholder names for data that names no machine: merged into the one machine of that role at the end. */
const UNNAMED: Record<WinRole, string> = { 'session-host': '(session host)', 'license-server': '(license server)' };

class EstateBuilder {
  machines: WinMachine[] = [];
  events: WinEvent[] = [];
  collectedAt: string | undefined;

  machine(name: string | undefined, role: WinRole | undefined): WinMachine {
    const key = name ?? (role ? UNNAMED[role] : UNNAMED['session-host']);
    let m = this.machines.find((x) => (name ? sameMachine(x.name, key) && !x.name.startsWith('(') : x.name === key));
    if (!m) {
      m = newMachine(key);
      this.machines.push(m);
    }
    // Keep the longer form of a name (the FQDN over the NetBIOS name).
    if (name && name.length > m.name.length) m.name = name;
    if (role && !m.roles.includes(role)) m.roles.push(role);
    return m;
  }

  /** Folds the unnamed placeholders into the one named machine of their role, when there is one. */
  finish(): WinMachine[] {
    for (const role of ['session-host', 'license-server'] as const) {
      const placeholder = this.machines.find((m) => m.name === UNNAMED[role]);
      if (!placeholder) continue;
      const named = this.machines.filter((m) => !m.name.startsWith('(') && hasRole(m, role));
      let into = named.length === 1 ? named[0] : undefined;
      if (!into && role === 'license-server') {
        // A license server's exports rarely name it; the session host's list does.
        const host = this.machines.find((m) => hasRole(m, 'session-host'));
        const listed = host ? listedServers(host) : [];
        if (listed.length === 1) into = this.machine(listed[0], 'license-server');
      }
      if (into && into !== placeholder) {
        merge(into, placeholder);
        this.machines = this.machines.filter((m) => m !== placeholder);
      }
    }
    return this.machines;
  }
}

function merge(into: WinMachine, from: WinMachine): void {
  for (const r of from.roles) if (!into.roles.includes(r)) into.roles.push(r);
  const { name: _n, roles: _r, connectivity, registry, contact, keyPacks, issued, ...rest } = from;
  for (const [k, v] of Object.entries(rest)) if (v !== undefined && (into as unknown as Json)[k] === undefined) (into as unknown as Json)[k] = v;
  into.connectivity.push(...connectivity);
  into.registry = { ...registry, ...into.registry };
  into.contact = { ...contact, ...into.contact };
  into.keyPacks.push(...keyPacks);
  into.issued.push(...issued);
}

/** The license servers a session host names, by the first source that gives any (WMI, policy, RDMS, local). */
export function listedServers(m: WinMachine): string[] {
  for (const list of [m.specifiedLicenseServers, m.registry.policyLicenseServers, m.rdms?.licenseServers, m.registry.localLicenseServers]) {
    if (list && list.length > 0) return list;
  }
  return [];
}

// ------------------------------------------------------------------------------------------------ JSON walk

const MACHINE_NAME_KEYS = ['PSComputerName', '__SERVER', 'CSName', 'ComputerName', 'MachineName', 'DNSHostName', 'ServerName'];

function className(o: Json): string | undefined {
  const c = o['CimClass'];
  const fromCim = isObj(c) ? text(c['CimClassName']) : typeof c === 'string' ? c.split(':').pop() : undefined;
  return fromCim ?? text(o['__CLASS']) ?? text(o['CimClassName']) ?? text(o['className']);
}

function roleFromKey(key: string | undefined): WinRole | undefined {
  if (!key) return undefined;
  const k = key.replace(/[\s_-]/g, '').toLowerCase();
  if (/^(rd)?sessionhosts?$|^rdsh$|^sessionhostserver$/.test(k)) return 'session-host';
  if (/^(rd)?licenseserver$|^rdls$|^licensing$|^licenseserverrole$/.test(k)) return 'license-server';
  return undefined;
}

/** A key that names a machine: a FQDN, or an upper-case NetBIOS-like name with a digit (RDSH01, LIC-02). */
function machineFromKey(key: string | undefined): string | undefined {
  if (!key) return undefined;
  if (/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(key) && !/^\d+(\.\d+)+$/.test(key)) return key;
  if (/^[A-Z0-9][A-Z0-9-]{1,14}$/.test(key) && /\d/.test(key) && /[A-Z]/.test(key)) return key;
  return undefined;
}

interface Ctx {
  machine?: string;
  role?: WinRole;
}

const TS_SETTING = 'Win32_TerminalServiceSetting';
const TS_LS = 'Win32_TSLicenseServer';
const TS_KP = 'Win32_TSLicenseKeyPack';
const TS_IL = 'Win32_TSIssuedLicense';

function is(o: Json, cls: string, test: () => boolean): boolean {
  const c = className(o);
  return c !== undefined ? c.toLowerCase() === cls.toLowerCase() : test();
}

function ownName(o: Json, cls: string | undefined): string | undefined {
  for (const k of MACHINE_NAME_KEYS) {
    const v = text(o[k]);
    if (v) return v;
  }
  if (cls === 'Win32_ComputerSystem') return text(o['DNSHostName']) ?? text(o['Name']);
  return undefined;
}

function walk(b: EstateBuilder, v: unknown, ctx: Ctx, key: string | undefined): void {
  if (Array.isArray(v)) {
    for (const x of v) walk(b, x, ctx, key);
    return;
  }
  if (!isObj(v)) return;
  const o = v;
  const cls = className(o);
  const here: Ctx = { ...ctx };
  const keyRole = roleFromKey(key);
  if (keyRole) here.role = keyRole;
  const keyMachine = machineFromKey(key);
  if (keyMachine) here.machine = keyMachine;
  const bundleMachine = isObj(o['machine']) ? o['machine'] : undefined;
  if (bundleMachine) {
    const name = text(bundleMachine['name']);
    if (name) here.machine = name;
    for (const r of names(bundleMachine['roles'])) {
      const role = r === 'session-host' || r === 'license-server' ? r : undefined;
      if (role) b.machine(name, role);
    }
  }
  const collectedAt = windowsDate(o['collectedAt']);
  if (collectedAt && (!b.collectedAt || collectedAt > b.collectedAt)) b.collectedAt = collectedAt;
  const name = ownName(o, cls) ?? here.machine;

  if (is(o, TS_SETTING, () => 'LicensingType' in o && ('TerminalServerMode' in o || 'PolicySourceLicensingType' in o))) {
    const m = b.machine(name, 'session-host');
    const lt = count(o['LicensingType']);
    if (lt !== undefined) m.licensingType = lt;
    const ps = count(o['PolicySourceLicensingType']);
    if (ps !== undefined) m.policySourceLicensingType = ps;
    const pl = count(o['PolicySourceConfiguredLicenseServers']);
    if (pl !== undefined) m.policySourceConfiguredLicenseServers = pl;
    here.role = 'session-host';
    here.machine = name;
  } else if (is(o, TS_LS, () => 'ServerRole' in o && ('Company' in o || 'FirstName' in o || 'ProductId' in o || 'DatabasePath' in o))) {
    const m = b.machine(name, 'license-server');
    const c = m.contact;
    const set = (k: keyof typeof c, p: string) => {
      const t = text(o[p]);
      if (t) c[k] = t;
    };
    set('company', 'Company');
    set('firstName', 'FirstName');
    set('lastName', 'LastName');
    set('email', 'eMail');
    set('countryRegion', 'CountryRegion');
    const pid = text(o['ProductId']);
    if (pid) m.productId = pid;
    here.role = 'license-server';
    here.machine = name;
  } else if (is(o, TS_KP, () => 'KeyPackId' in o && ('TotalLicenses' in o || 'ProductVersionID' in o || 'KeyPackType' in o))) {
    const m = b.machine(name, 'license-server');
    const kp: WinMachine['keyPacks'][number] = { total: count(o['TotalLicenses']) ?? 0, issued: count(o['IssuedLicenses']) ?? 0, available: count(o['AvailableLicenses']) ?? 0 };
    const n = (p: string) => count(o[p]);
    if (n('KeyPackId') !== undefined) kp.keyPackId = n('KeyPackId')!;
    if (n('KeyPackType') !== undefined) kp.keyPackType = n('KeyPackType')!;
    if (n('ProductType') !== undefined) kp.productType = n('ProductType')!;
    if (n('ProductVersionID') !== undefined) kp.productVersionId = n('ProductVersionID')!;
    const d = text(o['Description']);
    if (d) kp.description = d;
    const pv = text(o['ProductVersion']);
    if (pv) kp.productVersion = pv;
    const tm = text(o['TypeAndModel']);
    if (tm) kp.typeAndModel = tm;
    const exp = windowsDate(o['ExpirationDate']);
    if (exp) kp.expiresAt = exp;
    m.keyPacks.push(kp);
    return;
  } else if (is(o, TS_IL, () => 'LicenseId' in o && ('LicenseStatus' in o || 'sHardwareId' in o))) {
    const m = b.machine(name, 'license-server');
    const il: WinMachine['issued'][number] = {};
    if (count(o['LicenseId']) !== undefined) il.licenseId = count(o['LicenseId'])!;
    if (count(o['KeyPackId']) !== undefined) il.keyPackId = count(o['KeyPackId'])!;
    if (count(o['LicenseStatus']) !== undefined) il.status = count(o['LicenseStatus'])!;
    const c = text(o['sIssuedToComputer']);
    if (c) il.computer = c;
    const exp = windowsDate(o['ExpirationDate']);
    if (exp) il.expiresAt = exp;
    m.issued.push(il);
    return;
  } else if (is(o, 'Win32_ComputerSystem', () => 'PartOfDomain' in o)) {
    const m = b.machine(ownName(o, 'Win32_ComputerSystem') ?? here.machine, here.role);
    if (typeof o['PartOfDomain'] === 'boolean') m.partOfDomain = o['PartOfDomain'];
    const d = text(o['Domain']);
    if (d) m.domain = d;
    if (!here.machine) here.machine = m.name.startsWith('(') ? undefined : m.name;
  } else if (is(o, 'Win32_OperatingSystem', () => 'BuildNumber' in o && 'Caption' in o)) {
    const m = b.machine(name, here.role);
    m.os = { ...(text(o['Caption']) ? { caption: text(o['Caption'])! } : {}), ...(count(o['BuildNumber']) !== undefined ? { build: count(o['BuildNumber'])! } : {}), ...(text(o['Version']) ? { version: text(o['Version'])! } : {}) };
    return;
  } else if (typeof o['Id'] === 'number' && 'TimeCreated' in o && ('ProviderName' in o || 'LogName' in o)) {
    const at = windowsDate(o['TimeCreated']);
    if (at) {
      const ev: WinEvent = { id: o['Id'], provider: text(o['ProviderName']) ?? '', level: count(o['Level']) ?? levelFromName(o['LevelDisplayName']), at };
      const ch = text(o['LogName']);
      if (ch) ev.channel = ch;
      const comp = text(o['MachineName']) ?? here.machine;
      if (comp) ev.computer = comp;
      const msg = text(o['Message']);
      if (msg) ev.message = msg;
      b.events.push(ev);
    }
    return;
  } else if ('LicenseServer' in o && 'Mode' in o) {
    const m = b.machine(name, 'session-host');
    const cfg: RdmsConfig = { licenseServers: names(o['LicenseServer']), noDeployment: false };
    const mode = rdmsMode(o['Mode']);
    if (mode) cfg.mode = mode;
    m.rdms = cfg;
    return;
  }

  // Method results, beside the properties or on their own (out-parameter names, windows-exports.md §1.1–1.2).
  if ('SpecifiedLSList' in o) b.machine(name, 'session-host').specifiedLicenseServers = names(o['SpecifiedLSList']);
  if ('DaysLeft' in o && count(o['DaysLeft']) !== undefined) b.machine(name, 'session-host').graceDaysLeft = count(o['DaysLeft'])!;
  if ('TStoLSConnectivityStatus' in o && count(o['TStoLSConnectivityStatus']) !== undefined) {
    const server = text(o['LicenseServer']) ?? text(o['ServerName']) ?? text(o['Server']);
    if (server) b.machine(here.machine, 'session-host').connectivity.push({ server, status: count(o['TStoLSConnectivityStatus'])! });
  }
  if ('ActivationStatus' in o && count(o['ActivationStatus']) !== undefined) b.machine(name, 'license-server').activationStatus = count(o['ActivationStatus'])!;
  if ('sLicenseServerId' in o && text(o['sLicenseServerId'])) b.machine(name, 'license-server').licenseServerId = text(o['sLicenseServerId'])!;
  if (typeof o['RDLicenseConfigurationError'] === 'string' && /deployment does not exist/i.test(o['RDLicenseConfigurationError'])) {
    b.machine(name, 'session-host').rdms = { licenseServers: [], noDeployment: true };
  }
  // Registry values as JSON: Get-ItemProperty output (PSPath) or the collector's { path, values }.
  const path = text(o['PSPath']) ?? text(o['path']) ?? text(o['Path']);
  if (path && /HK(LM|EY_LOCAL_MACHINE)/i.test(path)) {
    const values = isObj(o['values']) ? o['values'] : o;
    applyRegistryKey(b, here, path.replace(/^Microsoft\.PowerShell\.Core\\Registry::/i, ''), (n) => jsonRegValue(values[n] ?? findKey(values, n)));
    if (Array.isArray(o['subkeys'])) applySubkeys(b, here, path, names(o['subkeys']));
  }

  for (const [k, child] of Object.entries(o)) {
    if (k === 'CimClass' || k === 'CimInstanceProperties' || k === 'CimSystemProperties') continue;
    if (typeof child === 'object' && child !== null) walk(b, child, here, k);
  }
}

function findKey(o: Json, name: string): unknown {
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

function jsonRegValue(v: unknown): number | string | string[] | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return names(v);
  return undefined;
}

function levelFromName(v: unknown): number {
  const s = String(v ?? '').toLowerCase();
  if (/critical|critique/.test(s)) return 1;
  if (/error|erreur/.test(s)) return 2;
  if (/warning|avertissement/.test(s)) return 3;
  return 4;
}

// ------------------------------------------------------------------------------------------------ registry

const POLICY_KEY = /\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services$/i;
const POLICY_LS_SUBKEY = /\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services\\LicenseServers\\([^\\]+)$/i;
const LICENSING_CORE = /\\Control\\Terminal Server\\RCM\\Licensing Core$/i;
const SPECIFIED_LS = /\\Services\\TermService\\Parameters\\LicenseServers(\\SpecifiedLicenseServers)?$/i;

type ValueOf = (name: string) => number | string | string[] | undefined;

function applyRegistryKey(b: EstateBuilder, ctx: Ctx, path: string, value: ValueOf): void {
  // Licensing values in a named machine's bundle stay on that machine (a Group Policy may reach the license
  // server too); in a bare `reg export` they are the session host's.
  const host = () => b.machine(ctx.machine, ctx.machine ? undefined : 'session-host');
  if (POLICY_KEY.test(path)) {
    const mode = value('LicensingMode');
    if (typeof mode === 'number') host().registry.policyMode = mode;
    const ls = value('LicenseServers');
    if (typeof ls === 'string' || Array.isArray(ls)) host().registry.policyLicenseServers = names(ls);
  } else if (POLICY_LS_SUBKEY.test(path)) {
    const r = host().registry;
    const name = POLICY_LS_SUBKEY.exec(path)![1]!;
    r.policyLicenseServers = [...(r.policyLicenseServers ?? []).filter((n) => !sameMachine(n, name)), name];
  } else if (LICENSING_CORE.test(path)) {
    const mode = value('LicensingMode');
    if (typeof mode === 'number') host().registry.localMode = mode;
  } else if (SPECIFIED_LS.test(path)) {
    const ls = value('SpecifiedLicenseServers');
    if (ls !== undefined && typeof ls !== 'number') host().registry.localLicenseServers = names(ls);
  }
}

function applySubkeys(b: EstateBuilder, ctx: Ctx, path: string, subkeys: string[]): void {
  for (const s of subkeys) applyRegistryKey(b, ctx, `${path}\\${s}`, () => undefined);
}

function applyRegExport(b: EstateBuilder, reg: RegistryExport): void {
  for (const [path, values] of reg) {
    applyRegistryKey(b, {}, path, (n) => {
      const v = [...values.entries()].find(([k]) => k.toLowerCase() === n.toLowerCase())?.[1];
      if (!v) return undefined;
      if (v.type === 'dword') return v.value;
      if (v.type === 'sz' || v.type === 'expand-sz') return v.value;
      if (v.type === 'multi-sz') return v.value;
      return undefined;
    });
  }
}

// ------------------------------------------------------------------------------------------------ files

function checkBundleSchema(file: string, textContent: string, json: unknown): ImportRefusal | undefined {
  const found: string[] = [];
  const look = (v: unknown, depth: number) => {
    if (depth > 3) return;
    if (Array.isArray(v)) v.forEach((x) => look(x, depth + 1));
    else if (isObj(v)) {
      if (typeof v['schema'] === 'string' && v['schema'].startsWith('opencal.windows-collector/')) found.push(v['schema']);
      Object.values(v).forEach((x) => look(x, depth + 1));
    }
  };
  look(json, 0);
  const wrong = found.find((s) => s !== COLLECTOR_SCHEMA);
  if (!wrong) return undefined;
  return importRefusal('IMPORT_BUNDLE_SCHEMA_UNSUPPORTED', file, lineAt(textContent, textContent.indexOf(wrong)), { schema: wrong });
}

/**
 * Imports the files an administrator gives: collector bundles and raw exports, in any mix. A file that is
 * cut, broken or not text is refused (naming the file and the line); a file that holds nothing the diagnoser
 * reads is listed in `ignored`; when no file holds anything, the import is refused.
 */
export function importWindowsFiles(files: readonly InputFile[], lang: 'fr' | 'en' = 'en'): Result<WindowsEstate, ImportRefusal> {
  const b = new EstateBuilder();
  const imported: ImportedFile[] = [];
  const ignored: string[] = [];
  const fail = (r: ImportRefusal) => err(lang === 'en' ? r : translateRefusal(r, lang));
  for (const f of files) {
    const src = decodeSource(f.name, f.bytes);
    if (!src.ok) return fail(src.error);
    const t = src.value.text;
    if (t.trim() === '') {
      ignored.push(f.name);
      continue;
    }
    if (isRegExport(t)) {
      const reg = parseRegExport(f.name, t);
      if (!reg.ok) return fail(reg.error);
      applyRegExport(b, reg.value);
      imported.push({ file: f.name, kind: 'registry-export', encoding: src.value.encoding });
    } else if (looksLikeEventXml(t)) {
      const evs = parseEventXml(f.name, t);
      if (!evs.ok) return fail(evs.error);
      b.events.push(...evs.value);
      imported.push({ file: f.name, kind: 'event-xml', encoding: src.value.encoding });
    } else if (looksLikeJson(t)) {
      const json = parseJsonText(f.name, t);
      if (!json.ok) return fail(json.error);
      const schema = checkBundleSchema(f.name, t, json.value);
      if (schema) return fail(schema);
      const before = JSON.stringify([b.machines, b.events.length]);
      walk(b, json.value, {}, undefined);
      const bundle = t.includes(COLLECTOR_SCHEMA);
      if (!bundle && JSON.stringify([b.machines, b.events.length]) === before) {
        ignored.push(f.name);
        continue;
      }
      imported.push({ file: f.name, kind: bundle ? 'collector-bundle' : 'cim-json', encoding: src.value.encoding });
    } else if (looksLikeRdmsText(t)) {
      b.machine(undefined, 'session-host').rdms = parseRdmsText(t);
      imported.push({ file: f.name, kind: 'rdms-text', encoding: src.value.encoding });
    } else {
      ignored.push(f.name);
    }
  }
  if (imported.length === 0) return fail(importRefusal('IMPORT_NOTHING_RECOGNISED', files.map((f) => f.name).join(', ') || '(no file)', 1));
  const estate: WindowsEstate = { machines: b.finish(), events: b.events.sort((x, y) => Date.parse(y.at) - Date.parse(x.at)), files: imported, ignored };
  if (b.collectedAt) estate.collectedAt = b.collectedAt;
  return ok(estate);
}
