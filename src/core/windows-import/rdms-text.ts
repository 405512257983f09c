/**
 * `Get-RDLicenseConfiguration` output (windows-exports.md §1.5): `Format-List`/`Format-Table` text with `Mode` and
 * `LicenseServer` (`{a, b}`), or its error when no Remote Desktop deployment exists (standalone or workgroup).
 */

export interface RdmsConfig {
  mode?: 'per-device' | 'per-user' | 'not-configured';
  licenseServers: string[];
  /** "A Remote Desktop Services deployment does not exist on …": the host has no Connection Broker. */
  noDeployment: boolean;
}

const NO_DEPLOYMENT = /Remote Desktop Services deployment does not exist/i;

export function looksLikeRdmsText(text: string): boolean {
  return NO_DEPLOYMENT.test(text) || (/^\s*Mode\s*:/m.test(text) && /^\s*LicenseServer\s*:/m.test(text)) || /^\s*LicenseServer\s+Mode\s*$/m.test(text);
}

export function rdmsMode(v: unknown): RdmsConfig['mode'] {
  const s = String(v ?? '').replace(/\s/g, '').toLowerCase();
  if (s === 'perdevice' || s === '2') return 'per-device';
  if (s === 'peruser' || s === '4') return 'per-user';
  if (s === 'notconfigured' || s === '5') return 'not-configured';
  return undefined;
}

export function parseRdmsText(text: string): RdmsConfig {
  if (NO_DEPLOYMENT.test(text)) return { licenseServers: [], noDeployment: true };
  const out: RdmsConfig = { licenseServers: [], noDeployment: false };
  const mode = /^\s*Mode\s*:\s*(\S+)/m.exec(text);
  const ls = /^\s*LicenseServer\s*:\s*(.*)$/m.exec(text);
  if (mode) {
    const m = rdmsMode(mode[1]);
    if (m) out.mode = m;
  }
  if (ls) out.licenseServers = ls[1]!.replace(/[{}]/g, '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!mode && !ls) {
    // Format-Table: a header line, a dashes line, then `{ls1, ls2} PerDevice`.
    const row = /^\s*(\{[^}]*\}|\S+)\s+(PerDevice|PerUser|NotConfigured)\s*$/m.exec(text);
    if (row) {
      out.licenseServers = row[1]!.replace(/[{}]/g, '').split(',').map((s) => s.trim()).filter((s) => s !== '');
      const m = rdmsMode(row[2]);
      if (m) out.mode = m;
    }
  }
  return out;
}
