# OpenCAL collector for Remote Desktop Services licensing (read-only).
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
