/**
 * Configuration for real Windows RD Session Hosts (DESIGN §8), emitted from the session host's settings:
 * the PowerShell registry script of the source document, a .reg file, the Group Policy settings to set by
 * hand, and the RDMS `Set-RDLicenseConfiguration` line. Pure text builders.
 *
 * Registry facts (rds-facts §6): Group Policy writes `HKLM\SOFTWARE\Policies\Microsoft\Windows NT\Terminal
 * Services`, `LicensingMode` REG_DWORD (2 = Per Device, 4 = Per User) and `LicenseServers` REG_SZ, a
 * comma-separated list. The source document also creates one `LicenseServers\<name>` key per server.
 */
import { ok, refuse, type Result } from './result';
import { licenseServerHostName } from './session-host-rules';
import { LICENSING_MODES, type LicensingMode } from './vocabulary';

export const EMIT_FORMATS = ['powershell', 'reg', 'gpo', 'rdms'] as const;
export type EmitFormat = (typeof EMIT_FORMATS)[number];

export interface WindowsLicensingSettings {
  mode: LicensingMode;
  /** license server URLs (`http://host:port`) or host names; the emitters use the host name. */
  licenseServers: readonly string[];
}

export const POLICY_KEY_PS = 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services';
export const POLICY_KEY_REG = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services';
export const GPO_PATH =
  'Computer Configuration > Administrative Templates > Windows Components > Remote Desktop Services > Remote Desktop Session Host > Licensing';

const RDMS_MODE: Record<LicensingMode, string> = { 'per-device': 'PerDevice', 'per-user': 'PerUser', 'not-configured': 'NotConfigured' };
const GPO_MODE: Record<LicensingMode, string> = { 'per-device': 'Per Device', 'per-user': 'Per User', 'not-configured': 'Not Configured' };

/** NetBIOS names, FQDNs and IP literals: the only characters a license server name may hold in these files. */
const HOST_NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*|\[[0-9A-Fa-f:.]+\])$/;

export function licenseServerNames(entries: readonly string[]): Result<string[]> {
  const names: string[] = [];
  for (const entry of entries) {
    const name = licenseServerHostName(entry);
    if (!HOST_NAME.test(name)) {
      return refuse('LICENSE_SERVER_NAME_INVALID', `"${entry}" is not a host name a Windows session host can use. Use the license server's NetBIOS name or FQDN.`, {
        entry,
      });
    }
    if (!names.some((n) => n.toLowerCase() === name.toLowerCase())) names.push(name);
  }
  return ok(names);
}

export function emitWindowsConfig(format: EmitFormat, settings: WindowsLicensingSettings): Result<string> {
  const names = licenseServerNames(settings.licenseServers);
  if (!names.ok) return names;
  switch (format) {
    case 'powershell':
      return ok(emitPowerShell(settings.mode, names.value));
    case 'reg':
      return ok(emitReg(settings.mode, names.value));
    case 'gpo':
      return ok(emitGpo(settings.mode, names.value));
    case 'rdms':
      return ok(emitRdms(settings.mode, names.value));
  }
}

export function emitFileName(format: EmitFormat): string {
  return { powershell: 'opencal-licensing.ps1', reg: 'opencal-licensing.reg', gpo: 'opencal-licensing-gpo.txt', rdms: 'opencal-rdms.ps1' }[format];
}

function psQuote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The source document's registry script (the Group Policy equivalent), filled in with this site's values. */
export function emitPowerShell(mode: LicensingMode, names: readonly string[]): string {
  const key = psQuote(POLICY_KEY_PS);
  const lines = [
    '# OpenCAL: RD Session Host licensing settings written to the registry (equivalent of the Group Policy settings).',
    '# Run in an elevated PowerShell on each RD Session Host.',
    '# Licensing mode: 2 = Per Device, 4 = Per User',
    `New-Item -Path ${key} -Force | Out-Null`,
  ];
  if (mode === 'not-configured') {
    lines.push("Remove-ItemProperty -Path " + key + " -Name 'LicensingMode' -ErrorAction SilentlyContinue");
  } else {
    lines.push(`Set-ItemProperty -Path ${key} -Name 'LicensingMode' -Type DWord -Value ${LICENSING_MODES[mode]}`);
  }
  lines.push('# Declare the license server(s)');
  if (names.length === 0) {
    lines.push(`Remove-ItemProperty -Path ${key} -Name 'LicenseServers' -ErrorAction SilentlyContinue`);
  } else {
    lines.push(`Set-ItemProperty -Path ${key} -Name 'LicenseServers' -Type String -Value ${psQuote(names.join(','))}`);
    lines.push(`New-Item -Path ${psQuote(POLICY_KEY_PS + '\\LicenseServers')} -Force | Out-Null`);
    for (const name of names) lines.push(`New-Item -Path ${psQuote(POLICY_KEY_PS + '\\LicenseServers\\' + name)} -Force | Out-Null`);
  }
  lines.push('gpupdate /force');
  return lines.join('\n') + '\n';
}

/** A .reg file for regedit / `reg import` (CRLF line ends, as regedit writes them). */
export function emitReg(mode: LicensingMode, names: readonly string[]): string {
  const lines = ['Windows Registry Editor Version 5.00', '', `[${POLICY_KEY_REG}]`];
  lines.push(mode === 'not-configured' ? '"LicensingMode"=-' : `"LicensingMode"=dword:${LICENSING_MODES[mode].toString(16).padStart(8, '0')}`);
  lines.push(names.length === 0 ? '"LicenseServers"=-' : `"LicenseServers"="${names.join(',')}"`);
  if (names.length > 0) {
    lines.push('', `[${POLICY_KEY_REG}\\LicenseServers]`);
    for (const name of names) lines.push('', `[${POLICY_KEY_REG}\\LicenseServers\\${name}]`);
  }
  return lines.join('\r\n') + '\r\n';
}

/** The Group Policy settings to set by hand in gpedit.msc or GPMC (English names of the ADMX settings). */
export function emitGpo(mode: LicensingMode, names: readonly string[]): string {
  const lines = [
    'Group Policy settings for RD Session Hosts (gpedit.msc on one host, or a GPO in GPMC for many)',
    '',
    `Path: ${GPO_PATH}`,
    '',
  ];
  if (names.length === 0) {
    lines.push('1. Use the specified Remote Desktop license servers: Not Configured', '   (no license server is configured on this session host)');
  } else {
    lines.push('1. Use the specified Remote Desktop license servers: Enabled', `   License servers to use: ${names.join(',')}`);
  }
  if (mode === 'not-configured') {
    lines.push('2. Set the Remote Desktop licensing mode: Not Configured');
  } else {
    lines.push('2. Set the Remote Desktop licensing mode: Enabled', `   Specify the licensing mode for the RD Session Host server: ${GPO_MODE[mode]}`);
  }
  lines.push('', 'Registry values these settings write (HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services):');
  lines.push(names.length === 0 ? '   LicenseServers (REG_SZ): not set' : `   LicenseServers (REG_SZ) = ${names.join(',')}`);
  lines.push(mode === 'not-configured' ? '   LicensingMode (REG_DWORD): not set' : `   LicensingMode (REG_DWORD) = ${LICENSING_MODES[mode]} (${GPO_MODE[mode]})`);
  lines.push('', 'Then run: gpupdate /force (and restart the Remote Desktop Services if needed).');
  return lines.join('\n') + '\n';
}

/** The RDMS (managed deployment) line, run on the connection broker with the RemoteDesktop module. */
export function emitRdms(mode: LicensingMode, names: readonly string[]): string {
  const args = [`-Mode ${RDMS_MODE[mode]}`];
  if (names.length > 0) args.push(`-LicenseServer ${names.join(',')}`);
  return [
    '# OpenCAL: licensing settings for a managed deployment (Remote Desktop Management Service)',
    'Import-Module RemoteDesktop',
    `Set-RDLicenseConfiguration ${args.join(' ')}`,
  ].join('\n') + '\n';
}
