/**
 * A real Windows RDS estate as the importer sees it: the machines (RD Session Hosts and RD License Servers) with
 * what WMI/CIM, the registry and `Get-RDLicenseConfiguration` said about them, and the licensing events.
 * Values keep Microsoft's numbers (windows-exports.md §1): LicensingType 2/4/5, ActivationStatus 0/1/2,
 * ProductType 0/1(/3 built-in), KeyPackType 4 temporary, LicenseStatus 1 temporary / 2 active, connectivity 0–11.
 */
import type { RdmsConfig } from './rdms-text';
import type { WinEvent } from './event-xml';

export type WinRole = 'session-host' | 'license-server';

/** One `Win32_TSLicenseKeyPack` instance. */
export interface WinKeyPack {
  keyPackId?: number;
  description?: string;
  /** 0 unknown, 1 retail, 2 volume, 3 concurrent, 4 temporary, 5 open, 6 not supported (built-in), 7 seen. */
  keyPackType?: number;
  /** 0 Per Device, 1 Per User, 2 invalid, 3 built-in. */
  productType?: number;
  productVersion?: string;
  /** 5 = 2016, 6 = 2019, 7 = 2022, 8 = 2025. */
  productVersionId?: number;
  typeAndModel?: string;
  total: number;
  issued: number;
  available: number;
  expiresAt?: string;
}

/** One `Win32_TSIssuedLicense` instance (per-device CALs only). */
export interface WinIssuedLicense {
  licenseId?: number;
  keyPackId?: number;
  /** 1 temporary, 2 active (permanent), 3 upgrade, 4 revoked, 5 pending, 6 concurrent. */
  status?: number;
  computer?: string;
  expiresAt?: string;
}

export interface WinMachine {
  /** the name as the exports give it (NetBIOS name or FQDN); a placeholder in parentheses when none was given. */
  name: string;
  roles: WinRole[];
  os?: { caption?: string; build?: number; version?: string };
  partOfDomain?: boolean;
  domain?: string;
  // --- RD Session Host (Win32_TerminalServiceSetting, registry, RDMS)
  licensingType?: number;
  policySourceLicensingType?: number;
  policySourceConfiguredLicenseServers?: number;
  /** GetSpecifiedLicenseServerList → SpecifiedLSList. */
  specifiedLicenseServers?: string[];
  /** GetGracePeriodDays → DaysLeft. */
  graceDaysLeft?: number;
  /** GetTStoLSConnectivityStatus per license server. */
  connectivity: { server: string; status: number }[];
  registry: {
    /** HKLM\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services: LicensingMode. */
    policyMode?: number;
    /** …\Terminal Services: LicenseServers (REG_SZ, comma-separated) and the …\LicenseServers\<name> subkeys. */
    policyLicenseServers?: string[];
    /** …\Terminal Server\RCM\Licensing Core: LicensingMode. */
    localMode?: number;
    /** …\TermService\Parameters\LicenseServers: SpecifiedLicenseServers (REG_MULTI_SZ). */
    localLicenseServers?: string[];
  };
  rdms?: RdmsConfig;
  // --- RD License Server (Win32_TSLicenseServer, key packs, issued licenses)
  /** GetActivationStatus → ActivationStatus: 0 activated, 1 not activated, 2 unknown. */
  activationStatus?: number;
  /** GetLicenseServerId → sLicenseServerId (only while activated). */
  licenseServerId?: string;
  productId?: string;
  contact: { company?: string; firstName?: string; lastName?: string; email?: string; countryRegion?: string };
  keyPacks: WinKeyPack[];
  issued: WinIssuedLicense[];
}

export interface ImportedFile {
  file: string;
  kind: 'collector-bundle' | 'cim-json' | 'registry-export' | 'event-xml' | 'rdms-text';
  encoding: string;
}

/** Everything imported, from one or several files. */
export interface WindowsEstate {
  /** when the collector ran (the newest bundle), if a bundle was read. */
  collectedAt?: string;
  machines: WinMachine[];
  events: WinEvent[];
  files: ImportedFile[];
  /** files that held nothing the diagnoser reads (kept to tell the administrator). */
  ignored: string[];
}

export function newMachine(name: string): WinMachine {
  return { name, roles: [], connectivity: [], registry: {}, contact: {}, keyPacks: [], issued: [] };
}

/** `LIC01.contoso.local` and `lic01` name the same machine. */
export function sameMachine(a: string, b: string): boolean {
  const short = (s: string) => s.trim().toLowerCase().replace(/^\\\\/, '').split('.')[0];
  return short(a) === short(b);
}

export function hasRole(m: WinMachine, role: WinRole): boolean {
  return m.roles.includes(role);
}
