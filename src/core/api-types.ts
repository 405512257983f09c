/**
 * The JSON shapes the HTTP API answers (docs/architecture.md "HTTP routes"), declared once: the use cases and
 * routes produce them, the CLI and the console consume them. Types only: nothing here runs.
 */
import type { CalBundle } from './protocol';
import type { AdmissionBasis, LayerSettings } from './session-host-rules';
import type { ActivationMethod, ActivationStatus, CalKind, CalType, CalVersion, CaseStatus, ConfigLayer, LicensingMode, Program } from './vocabulary';

// ---------------------------------------------------------------------------------------------------------
// Clearinghouse (/ch/v1)

/** What a case is about: a migration, a phone reissue, a suspected clone, phantom licenses. */
export type CaseKind = 'migration' | 'reissue' | 'clone' | 'phantom';

/** A case of the review queue (`GET /ch/v1/cases`, `{ case }` of the migrate, reissue and decision routes). */
export interface CaseView {
  caseNumber: string;
  kind: CaseKind;
  status: CaseStatus;
  flagged: boolean;
  channel: string;
  pack: number | null;
  sourceServerId: string | null;
  targetServerId: string | null;
  orgId: string | null;
  reason: string | null;
  evidence: Record<string, unknown>;
  decisionReasons: { code: string; text: string }[];
  keyPackId?: string;
  grantSeq?: number;
  decidedBy?: string;
  decisionNote?: string;
  createdAt: string;
  decidedAt?: string;
}

// ---------------------------------------------------------------------------------------------------------
// License server (/ls/v1)

/** The activation of a license server (`activation` of `GET /ls/v1/status`, answer of activate/reactivate). */
export interface ActivationView {
  status: ActivationStatus;
  method?: ActivationMethod;
  activatedAt?: string;
  expiresAt?: string;
  expired: boolean;
  certificate: boolean;
  reason?: string;
}

export type KeyPackStatus = 'active' | 'invalidated';

/** An installed key pack (`GET /ls/v1/key-packs`, `keyPacks` of `GET /ls/v1/status`). */
export interface KeyPackView {
  id: string;
  pack: number;
  seq: number;
  program: Program;
  calType: CalType;
  calVersion: CalVersion;
  total: number;
  issued: number;
  available: number;
  status: KeyPackStatus;
  method: ActivationMethod;
  grant: boolean;
  installedAt: string;
  expiresAt?: string;
}

export type IssuedStatus = 'active' | 'upgraded' | 'expired' | 'revoked' | 'removed';

/** An issued license (`GET /ls/v1/issued`, `revoked` of `POST /ls/v1/issued/revoke`). */
export interface IssuedView {
  id: string;
  kind: CalKind;
  calType: CalType;
  calVersion: CalVersion;
  pack?: number;
  device: string;
  hwid: string;
  user?: string;
  host?: string;
  issuedAt: string;
  expiresAt: string;
  validated: boolean;
  status: IssuedStatus;
  revokedAt?: string;
  overAllocated: boolean;
}

/** `GET /ls/v1/status`: what the license manager shows. */
export interface LicenseServerStatus {
  serverId: string;
  productId: string;
  version: CalVersion;
  instanceId: string;
  activation: ActivationView;
  keyPacks: KeyPackView[];
  issued: { temporary: number; permanent: number; user: number };
  settings: { preventUpgrade: boolean; allowListEnabled: boolean };
  clearinghouse: { url?: string; fingerprint?: string; lastCheckInAt?: string; lastCheckInResult?: string; revocationsSeq?: number };
}

// ---------------------------------------------------------------------------------------------------------
// Session host (/sh/v1)

/** `GET /sh/v1/status` (and the answer of `PUT /sh/v1/config`). */
export interface SessionHostStatus {
  hostName: string;
  hostVersion: CalVersion;
  directory: 'domain' | 'workgroup';
  mode: LicensingMode;
  modeValue: number;
  modeSource: ConfigLayer | 'default';
  licenseServers: { url: string; enrolled: boolean; serverId?: string }[];
  licenseServersSource: ConfigLayer | 'default';
  layers: Partial<Record<ConfigLayer, LayerSettings & { fromFile?: boolean }>>;
  grace: { daysLeft: number; expired: boolean; endsAt: string };
  trustAnchor?: { fingerprint: string };
  revocationListSeq?: number;
  /** the revocation list this host judges CALs by: whether it has a clearinghouse to fetch it from, and when it last did. */
  revocationList?: { clearinghouse: boolean; seq?: number; issuedAt?: string; fetchedAt?: string };
  /** what the licensing diagnoser would flag from this host's point of view */
  problems: { code: string; message: string }[];
}

/** One admission or refusal the session host recorded (`GET /sh/v1/admissions`). */
export interface AdmissionRecord {
  id?: number;
  at: string;
  device: string;
  hwid: string;
  user?: string;
  admitted: boolean;
  basis?: AdmissionBasis;
  code?: string;
  message?: string;
  calKind?: CalKind;
  calVersion?: number;
  licenseServerId?: string;
  licenseServerUrl?: string;
  jti?: string;
  expiresAt?: string;
}

/** An admitted connection (`POST /sh/v1/connect`). */
export interface Admission {
  admitted: true;
  basis: AdmissionBasis;
  graceDaysLeft: number;
  /** the new CAL the device must store (issued, upgraded or renewed on this connection). */
  bundle?: CalBundle;
  kind?: CalKind;
  expiresAt?: string;
  licenseServerId?: string;
  licenseServerUrl?: string;
  /** the CAL the admission relied on (jti) when none was issued. */
  presentedJti?: string;
  /** CAL tokens (jti) the device should drop: issued by an invalidated server or from a revoked grant. */
  discard: string[];
  warning?: { code: string; message: string };
}
