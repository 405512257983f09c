import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMIT_FORMATS, emitWindowsConfig, type EmitFormat, type WindowsLicensingSettings } from '../../src/core/windows-config';

const GOLDEN = join(__dirname, '..', 'golden', 'windows-config');
const EXT: Record<EmitFormat, string> = { powershell: 'ps1', reg: 'reg', gpo: 'txt', rdms: 'ps1' };

/** The source document's site: per device, one license server named SERVEUR-LIC. */
const seedSite: WindowsLicensingSettings = { mode: 'per-device', licenseServers: ['http://SERVEUR-LIC:7878'] };
const twoServers: WindowsLicensingSettings = { mode: 'per-user', licenseServers: ['http://ls1.corp.example:7878', 'https://ls2.corp.example'] };
const unconfigured: WindowsLicensingSettings = { mode: 'not-configured', licenseServers: [] };

const cases: [string, WindowsLicensingSettings][] = [
  ['seed-per-device', seedSite],
  ['two-servers-per-user', twoServers],
  ['not-configured', unconfigured],
];

function golden(name: string, format: EmitFormat, actual: string): string {
  const file = join(GOLDEN, `${name}.${format}.${EXT[format]}`);
  // OPENCAL_UPDATE_GOLDEN=1 rewrites the files after an intended change; review the diff before committing.
  if (process.env.OPENCAL_UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  if (!existsSync(file)) throw new Error(`golden file ${file} is missing: run with OPENCAL_UPDATE_GOLDEN=1 and review it`);
  return readFileSync(file, 'utf8');
}

describe('Windows configuration emitters', () => {
  for (const [name, settings] of cases) {
    for (const format of EMIT_FORMATS) {
      it(`the ${format} output for ${name} matches its golden file`, () => {
        const out = emitWindowsConfig(format, settings);
        expect(out.ok).toBe(true);
        if (out.ok) expect(out.value).toBe(golden(name, format, out.value));
      });
    }
  }

  it("the PowerShell script contains the source document's registry commands, line for line", () => {
    const out = emitWindowsConfig('powershell', seedSite);
    if (!out.ok) throw new Error(out.error.message);
    const lines = out.value.split('\n');
    const seedCommands = [
      "New-Item -Path 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services' -Force | Out-Null",
      "Set-ItemProperty -Path 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services' -Name 'LicensingMode' -Type DWord -Value 2",
      "New-Item -Path 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services\\LicenseServers' -Force | Out-Null",
      "New-Item -Path 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services\\LicenseServers\\SERVEUR-LIC' -Force | Out-Null",
      'gpupdate /force',
    ];
    let at = -1;
    for (const command of seedCommands) {
      const index = lines.indexOf(command);
      expect(index, command).toBeGreaterThan(at);
      at = index;
    }
    // LicenseServers as a comma-separated REG_SZ (rds-facts §6)
    expect(out.value).toContain("-Name 'LicenseServers' -Type String -Value 'SERVEUR-LIC'");
  });

  it("the RDMS line is the source document's Set-RDLicenseConfiguration command", () => {
    const out = emitWindowsConfig('rdms', seedSite);
    expect(out.ok && out.value).toContain('Import-Module RemoteDesktop\nSet-RDLicenseConfiguration -Mode PerDevice -LicenseServer SERVEUR-LIC\n');
    const user = emitWindowsConfig('rdms', twoServers);
    expect(user.ok && user.value).toContain("Set-RDLicenseConfiguration -Mode PerUser -LicenseServer 'ls1.corp.example','ls2.corp.example'");
  });

  it('the .reg file sets LicensingMode as a DWORD and LicenseServers as a comma-separated string', () => {
    const out = emitWindowsConfig('reg', twoServers);
    if (!out.ok) throw new Error(out.error.message);
    expect(out.value.startsWith('Windows Registry Editor Version 5.00\r\n')).toBe(true);
    expect(out.value).toContain('"LicensingMode"=dword:00000004\r\n');
    expect(out.value).toContain('"LicenseServers"="ls1.corp.example,ls2.corp.example"\r\n');
  });

  it('a license server name that Windows cannot use is refused', () => {
    const out = emitWindowsConfig('powershell', { mode: 'per-device', licenseServers: ["bad name'; Remove-Item C:\\ -Recurse"] });
    expect(out).toMatchObject({ ok: false, error: { code: 'LICENSE_SERVER_NAME_INVALID' } });
  });
});
