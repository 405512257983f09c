/**
 * The glossary of DESIGN §2 as types and value lists. Every layer (routes, CLI, console, storage)
 * takes its enums from here so that a word means one thing everywhere.
 */
export const CAL_VERSIONS = [2012, 2016, 2019, 2022, 2025] as const;
export type CalVersion = (typeof CAL_VERSIONS)[number];

export const CAL_TYPES = ['device', 'user'] as const;
export type CalType = (typeof CAL_TYPES)[number];

export const PROGRAMS = ['retail', 'open', 'select', 'enterprise', 'campus', 'school', 'spla', 'other'] as const;
export type Program = (typeof PROGRAMS)[number];

/** Programs whose program data is a 7-digit agreement number (WMI InstallAgreementLicenseKeyPack). */
export const AGREEMENT_PROGRAMS: readonly Program[] = ['select', 'enterprise', 'campus', 'school', 'spla', 'other'];

/**
 * The program data flags the portal and the license manager ask for, with placeholders, for the commands that
 * the diagnoser and the recovery planner print (an Open pack needs its license and authorization numbers, an
 * agreement its 7-digit number, a retail pack its proof of purchase when it moves).
 */
export function programDataPlaceholders(program: Program | string): string {
  if (program === 'open') return '--license-number <LICENSE_NUMBER> --authorization <AUTHORIZATION_NUMBER>';
  if ((AGREEMENT_PROGRAMS as readonly string[]).includes(program)) return '--agreement <AGREEMENT_NUMBER>';
  if (program === 'retail') return '--proof <PROOF_OF_PURCHASE>';
  return '';
}

export const ACTIVATION_METHODS = ['auto', 'web', 'phone'] as const;
export type ActivationMethod = (typeof ACTIVATION_METHODS)[number];

export const ACTIVATION_STATUSES = ['unactivated', 'activated', 'deactivated', 'invalidated'] as const;
export type ActivationStatus = (typeof ACTIVATION_STATUSES)[number];

/** ReactivateServerAutomatic reason codes 0..4 (rds-facts §2). */
export const REACTIVATION_REASONS = ['redeployed', 'certificate-corrupt', 'key-compromised', 'certificate-expired', 'upgraded'] as const;
export type ReactivationReason = (typeof REACTIVATION_REASONS)[number];

/** Migration reasons of the "Migrate" wizard, plus the source document's reinstall. */
export const MIGRATION_REASONS = ['replaced', 'not-functioning', 'reinstalled'] as const;
export type MigrationReason = (typeof MIGRATION_REASONS)[number];

export const CASE_STATUSES = ['submitted', 'pending', 'approved', 'rejected'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** Registry values of LicensingMode: 2 = per device, 4 = per user, 5 = not configured. */
export const LICENSING_MODES = { 'per-device': 2, 'per-user': 4, 'not-configured': 5 } as const;
export type LicensingMode = keyof typeof LICENSING_MODES;
/** The licensing modes by name, in registry order. */
export const LICENSING_MODE_NAMES = ['per-device', 'per-user', 'not-configured'] as const satisfies readonly LicensingMode[];

export function isLicensingMode(value: unknown): value is LicensingMode {
  return typeof value === 'string' && (LICENSING_MODE_NAMES as readonly string[]).includes(value);
}

export const CONFIG_LAYERS = ['policy', 'deployment', 'local'] as const;
export type ConfigLayer = (typeof CONFIG_LAYERS)[number];

/** Kinds of CAL token a license server issues. */
export const CAL_KINDS = ['temporary', 'permanent', 'user'] as const;
export type CalKind = (typeof CAL_KINDS)[number];

export const SERVER_VERSIONS = CAL_VERSIONS;
export type ServerVersion = CalVersion;

export function isCalVersion(v: unknown): v is CalVersion {
  return typeof v === 'number' && (CAL_VERSIONS as readonly number[]).includes(v);
}
