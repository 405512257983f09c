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
      return refuse('LICENSE_SERVER_NAME_INVALID', {
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
  // Several names are quoted: a bare `a.example,b.example` is an array only in argument mode, and PowerShell
  // parsers (tree-sitter's grammar among them) read it differently.
  if (names.length === 1) args.push(`-LicenseServer ${names[0]}`);
  if (names.length > 1) args.push(`-LicenseServer ${names.map(psQuote).join(',')}`);
  return [
    '# OpenCAL: licensing settings for a managed deployment (Remote Desktop Management Service)',
    'Import-Module RemoteDesktop',
    `Set-RDLicenseConfiguration ${args.join(' ')}`,
  ].join('\n') + '\n';
}

// ------------------------------------------------------------------------------------------------------------
// The collector (`opencal host emit --format collector`): a read-only Windows PowerShell 5.1 script, no module to
// install, that the administrator runs on each RD Session Host and RD License Server. It writes one JSON bundle
// (UTF-8 without BOM, schema `opencal.windows-collector/1`) that `opencal diagnose --from` and the console read.
// Sources of the names and values: windows-exports.md §1–3. Method results keep their out-parameter names
// (SpecifiedLSList, DaysLeft, TStoLSConnectivityStatus, ActivationStatus, sLicenseServerId) so the importer
// reads them the same way in a bundle and in an administrator's own export.

/** The bundle schema the collector writes and the importer reads (src/core/windows-import/import.ts). */
export const COLLECTOR_BUNDLE_SCHEMA = 'opencal.windows-collector/1';
export const COLLECTOR_FILE_NAME = 'opencal-collector.ps1';

const COLLECTOR_SCRIPT = String.raw`# OpenCAL collector for Remote Desktop Services licensing (read-only).
# Bundle schema: opencal.windows-collector/1
# Run in an elevated Windows PowerShell 5.1 on each RD Session Host and on each RD License Server:
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\opencal-collector.ps1
# It writes opencal-bundle-<COMPUTERNAME>.json (UTF-8) in the current folder, then:
#   opencal diagnose --from <folder with the bundles>
# It only reads: WMI/CIM classes, registry values and event logs. It changes nothing and needs no module.
[CmdletBinding()]
param(
    [string]$OutFile = (Join-Path -Path (Get-Location).Path -ChildPath ('opencal-bundle-' + $env:COMPUTERNAME + '.json')),
    [int]$Days = 30,
    [int]$MaxEvents = 500
)

$ErrorActionPreference = 'Stop'
$problems = New-Object -TypeName System.Collections.ArrayList

function ConvertTo-Plain {
    param($Value)
    if ($null -eq $Value) { return $null }
    if ($Value -is [datetime]) { return $Value.ToUniversalTime().ToString('o') }
    if ($Value -is [System.Array]) { return @($Value | ForEach-Object { ConvertTo-Plain -Value $_ }) }
    return $Value
}

function Get-Properties {
    param($Instance)
    $o = [ordered]@{ CimClass = $Instance.CimClass.CimClassName }
    foreach ($p in $Instance.CimInstanceProperties) { $o[$p.Name] = ConvertTo-Plain -Value $p.Value }
    return $o
}

function Get-Instances {
    param([string]$Namespace, [string]$ClassName)
    try {
        return @(Get-CimInstance -Namespace $Namespace -ClassName $ClassName -ErrorAction Stop | ForEach-Object { Get-Properties -Instance $_ })
    } catch {
        [void]$problems.Add($Namespace + '\' + $ClassName + ': ' + $_.Exception.Message)
        return @()
    }
}

function Invoke-Query {
    param([string]$Namespace, [string]$ClassName, $InputObject, [string]$Method, [string[]]$Out, [hashtable]$Arguments = @{})
    try {
        if ($null -ne $InputObject) {
            $r = Invoke-CimMethod -InputObject $InputObject -MethodName $Method -Arguments $Arguments -ErrorAction Stop
        } else {
            $r = Invoke-CimMethod -Namespace $Namespace -ClassName $ClassName -MethodName $Method -Arguments $Arguments -ErrorAction Stop
        }
        $o = [ordered]@{ Method = $Method; ReturnValue = $r.ReturnValue }
        foreach ($name in $Out) { $o[$name] = ConvertTo-Plain -Value $r.$name }
        return $o
    } catch {
        [void]$problems.Add($ClassName + '.' + $Method + ': ' + $_.Exception.Message)
        return $null
    }
}

function Get-RegistryKey {
    param([string]$Path, [string[]]$Names)
    # Index syntax: on a dictionary, .Values and .Keys are its own properties, not these entries.
    $values = [ordered]@{}
    $subkeys = @()
    $exists = Test-Path -Path $Path
    if ($exists) {
        $item = Get-ItemProperty -Path $Path -ErrorAction SilentlyContinue
        foreach ($name in $Names) {
            if ($null -ne $item -and $null -ne $item.$name) { $values[$name] = ConvertTo-Plain -Value $item.$name }
        }
        $subkeys = @(Get-ChildItem -Path $Path -ErrorAction SilentlyContinue | ForEach-Object { $_.PSChildName })
    }
    return [ordered]@{ path = $Path; exists = $exists; values = $values; subkeys = $subkeys }
}

$os = Get-CimInstance -ClassName Win32_OperatingSystem
$cs = Get-CimInstance -ClassName Win32_ComputerSystem
$roles = New-Object -TypeName System.Collections.ArrayList
$bundle = [ordered]@{
    schema = 'opencal.windows-collector/1'
    collectedAt = (Get-Date).ToUniversalTime().ToString('o')
    machine = [ordered]@{ name = $env:COMPUTERNAME; fqdn = ($cs.DNSHostName + '.' + $cs.Domain); roles = $roles }
    operatingSystem = [ordered]@{ CimClass = 'Win32_OperatingSystem'; Caption = $os.Caption; Version = $os.Version; BuildNumber = $os.BuildNumber; CSName = $os.CSName }
    computerSystem = [ordered]@{ CimClass = 'Win32_ComputerSystem'; Name = $cs.Name; DNSHostName = $cs.DNSHostName; PartOfDomain = $cs.PartOfDomain; Domain = $cs.Domain; Workgroup = $cs.Workgroup }
}

# RD Session Host: Win32_TerminalServiceSetting lives in root\cimv2\TerminalServices (packet privacy).
$ts = $null
try { $ts = Get-CimInstance -Namespace 'root\cimv2\TerminalServices' -ClassName Win32_TerminalServiceSetting -ErrorAction Stop } catch { [void]$problems.Add('Win32_TerminalServiceSetting: ' + $_.Exception.Message) }
if ($null -ne $ts -and $ts.TerminalServerMode -eq 1) {
    [void]$roles.Add('session-host')
    $lsList = Invoke-Query -ClassName 'Win32_TerminalServiceSetting' -InputObject $ts -Method 'GetSpecifiedLicenseServerList' -Out @('SpecifiedLSList')
    $connectivity = @()
    if ($null -ne $lsList) {
        foreach ($ls in @($lsList.SpecifiedLSList)) {
            if ($ls) {
                $c = Invoke-Query -ClassName 'Win32_TerminalServiceSetting' -InputObject $ts -Method 'GetTStoLSConnectivityStatus' -Out @('TStoLSConnectivityStatus') -Arguments @{ ServerName = $ls }
                if ($null -ne $c) { $c['LicenseServer'] = $ls; $connectivity += $c }
            }
        }
    }
    $rdms = $null
    try {
        $cfg = Get-RDLicenseConfiguration -ErrorAction Stop
        $rdms = [ordered]@{ Mode = [string]$cfg.Mode; LicenseServer = @($cfg.LicenseServer) }
    } catch {
        $rdms = [ordered]@{ RDLicenseConfigurationError = $_.Exception.Message }
    }
    $bundle['sessionHost'] = [ordered]@{
        setting = Get-Properties -Instance $ts
        licenseServerList = $lsList
        gracePeriod = Invoke-Query -ClassName 'Win32_TerminalServiceSetting' -InputObject $ts -Method 'GetGracePeriodDays' -Out @('DaysLeft')
        connectivity = $connectivity
        rdLicenseConfiguration = $rdms
    }
}

# RD License Server: Win32_TSLicenseServer, Win32_TSLicenseKeyPack, Win32_TSIssuedLicense (root\cimv2).
$lsNamespace = 'root\cimv2'
$server = @(Get-Instances -Namespace $lsNamespace -ClassName 'Win32_TSLicenseServer')
if ($server.Count -eq 0) {
    $lsNamespace = 'root\cimv2\TerminalServices'
    $server = @(Get-Instances -Namespace $lsNamespace -ClassName 'Win32_TSLicenseServer')
}
if ($server.Count -gt 0) {
    [void]$roles.Add('license-server')
    $bundle['licenseServer'] = [ordered]@{
        server = $server[0]
        activation = Invoke-Query -Namespace $lsNamespace -ClassName 'Win32_TSLicenseServer' -Method 'GetActivationStatus' -Out @('ActivationStatus')
        licenseServerId = Invoke-Query -Namespace $lsNamespace -ClassName 'Win32_TSLicenseServer' -Method 'GetLicenseServerId' -Out @('sLicenseServerId')
        keyPacks = @(Get-Instances -Namespace $lsNamespace -ClassName 'Win32_TSLicenseKeyPack')
        issuedLicenses = @(Get-Instances -Namespace $lsNamespace -ClassName 'Win32_TSIssuedLicense')
    }
}

# Licensing registry values: the policy (Group Policy) and the local settings.
$bundle['registry'] = @(
    (Get-RegistryKey -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services' -Names @('LicensingMode', 'LicenseServers', 'fSecureLicensing', 'fPreventLicenseUpgrade')),
    (Get-RegistryKey -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services\LicenseServers' -Names @()),
    (Get-RegistryKey -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server\RCM\Licensing Core' -Names @('LicensingMode')),
    (Get-RegistryKey -Path 'HKLM:\SYSTEM\CurrentControlSet\Services\TermService\Parameters\LicenseServers' -Names @('SpecifiedLicenseServers'))
)

# Licensing-related event channels for the last $Days days.
$since = (Get-Date).AddDays(-$Days)
$channels = @(
    'Microsoft-Windows-TerminalServices-Licensing/Admin',
    'Microsoft-Windows-TerminalServices-Licensing/Operational',
    'Microsoft-Windows-TerminalServices-RemoteConnectionManager/Admin',
    'Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational'
)
$events = New-Object -TypeName System.Collections.ArrayList
foreach ($channel in $channels) {
    try {
        Get-WinEvent -FilterHashtable @{ LogName = $channel; StartTime = $since } -MaxEvents $MaxEvents -ErrorAction Stop | ForEach-Object { [void]$events.Add($_) }
    } catch {
        if ($_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') { [void]$problems.Add($channel + ': ' + $_.Exception.Message) }
    }
}
try {
    Get-WinEvent -FilterHashtable @{ LogName = 'System'; ProviderName = 'Microsoft-Windows-TerminalServices-Licensing'; StartTime = $since } -MaxEvents $MaxEvents -ErrorAction Stop | ForEach-Object { [void]$events.Add($_) }
} catch {
    if ($_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') { [void]$problems.Add('System: ' + $_.Exception.Message) }
}
$bundle['events'] = @($events | ForEach-Object {
    [ordered]@{ Id = $_.Id; Level = [int]$_.Level; LevelDisplayName = $_.LevelDisplayName; TimeCreated = $_.TimeCreated.ToUniversalTime().ToString('o'); ProviderName = $_.ProviderName; LogName = $_.LogName; MachineName = $_.MachineName; Message = $_.Message }
})
$bundle['problems'] = @($problems)

$json = ConvertTo-Json -InputObject $bundle -Depth 8
[System.IO.File]::WriteAllText($OutFile, $json, (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
Write-Host ('OpenCAL bundle written: ' + $OutFile + ' (roles: ' + (@($roles) -join ', ') + ')')
`;

/** The collector script, CRLF line ends (what Windows PowerShell 5.1 and Notepad expect). */
export function emitCollector(): string {
  return COLLECTOR_SCRIPT.replace(/\r?\n/g, '\r\n');
}

// ------------------------------------------------------------------------------------------------ PAM (Linux)

/** Every format `host emit` writes: the Windows ones, and the PAM lines of a Linux host (docs/pam.md). */
export const HOST_EMIT_FORMATS = [...EMIT_FORMATS, 'pam'] as const;
export type HostEmitFormat = (typeof HOST_EMIT_FORMATS)[number];

export interface PamHostSettings {
  hostName: string;
  mode: LicensingMode;
  /** the session host's origins the PAM gate asks, in order */
  sessionHostUrls: readonly string[];
}

/** Where the files of the PAM gate live on a Linux host (docs/pam.md "Files"). */
export const PAM_LAYOUT = {
  config: '/etc/opencal/pam.json',
  credential: '/etc/opencal/gate-credential',
  state: '/var/lib/opencal/pam-gate-state.json',
  command: '/usr/bin/node /opt/opencal/bin/opencal.mjs gate pam',
} as const;

/** The PAM lines, the configuration file and the credential file layout for one Linux host. */
export function emitPam(settings: PamHostSettings): string {
  const config = {
    sessionHosts: settings.sessionHostUrls,
    credentialFile: PAM_LAYOUT.credential,
    stateFile: PAM_LAYOUT.state,
    reportOnly: true,
    timeoutMs: 5000,
    language: 'auto',
    deviceIdentity: 'rhost',
  };
  const line = `account required pam_exec.so stdout quiet ${PAM_LAYOUT.command} --pam-config ${PAM_LAYOUT.config}`;
  return [
    `# OpenCAL PAM gate for Linux logins on session host ${settings.hostName} (licensing mode: ${settings.mode}).`,
    '# docs/pam.md explains each step; run them as root on the Linux host.',
    '',
    '# 1. The gate front-end credential (the session host admin makes it; the token is shown once):',
    `#      install -d -m 0755 /etc/opencal && umask 077`,
    `#      opencal gate credential create --label "$(hostname) pam" --json | jq -r .token > ${PAM_LAYOUT.credential}`,
    `#      chown root:root ${PAM_LAYOUT.credential} && chmod 0600 ${PAM_LAYOUT.credential}`,
    '#    The PAM gate refuses a credential file that group or others may read.',
    '',
    `# 2. ${PAM_LAYOUT.config} (mode 0644; it holds no secret). Start with "reportOnly": true, then set false.`,
    ...JSON.stringify(config, null, 2).split('\n'),
    '',
    '# 3. /etc/pam.d/sshd: after "@include common-account" (sshd needs UsePAM yes):',
    line,
    '',
    '# 4. /etc/pam.d/xrdp-sesman: after "@include common-account". xrdp 0.9 gives no remote host: set',
    '#    "deviceIdentity": "user" in a configuration of its own for per-device licensing, or use per-user licensing.',
    `account required pam_exec.so stdout quiet ${PAM_LAYOUT.command} --pam-config /etc/opencal/pam-xrdp.json`,
    '',
    '# To remove: delete the pam_exec.so lines above; then revoke the credential (opencal gate credential revoke ID).',
    '',
  ].join('\n');
}
