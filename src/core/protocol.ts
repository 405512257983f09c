/**
 * Payloads of the signed documents that travel between components (DESIGN §4).
 * All are compact JWS (EdDSA) with a `kid` header; `typ` inside the payload names the document
 * so that a certificate can never be accepted where a CAL token is expected.
 * Times are seconds since the epoch (JWT convention: iat / exp).
 */
import type { ActivationMethod, CalKind, CalType, CalVersion, Program, ServerVersion } from './vocabulary';

/** Clearinghouse -> license server, on activation (auto or web, or later for phone). Signed by the clearinghouse root key. */
export interface ServerCertificatePayload {
  typ: 'opencal.certificate';
  /** license server ID, formatted (groups of 5). */
  sub: string;
  /** the server's Ed25519 public key, base64url of the 32 raw bytes. */
  pub: string;
  org: string;
  method: ActivationMethod;
  serverVersion: ServerVersion;
  /** activation serial at the clearinghouse. */
  serial: number;
  iat: number;
  exp: number;
}

/** Clearinghouse -> license server: this pack belongs to this server. Signed by the clearinghouse. */
export interface GrantPayload {
  typ: 'opencal.grant';
  /** license server ID the pack is installed on. */
  sub: string;
  /** the pack's public number at the clearinghouse (the reference carried in key pack IDs). */
  pack: number;
  /** grant serial: a reissue makes a new grant with a higher serial. */
  seq: number;
  calType: CalType;
  calVersion: CalVersion;
  count: number;
  program: Program;
  iat: number;
  exp?: number;
}

/** License server -> device (through the session host). Signed by the license server's identity key. */
export interface CalTokenPayload {
  typ: 'opencal.cal';
  /** issuing license server ID. */
  iss: string;
  /** issued license id (unique per license server). */
  jti: string;
  kind: CalKind;
  calType: CalType;
  calVersion: CalVersion;
  /** pack number, for permanent per-device CALs. */
  pack?: number;
  /** grant serial the CAL was issued under, for permanent per-device CALs. */
  grant?: number;
  device: string;
  hwid: string;
  user?: string;
  iat: number;
  exp: number;
}

/** Clearinghouse -> everyone: what is no longer honoured. Signed by the clearinghouse. */
export interface RevocationListPayload {
  typ: 'opencal.revocations';
  /** monotonically increasing; a verifier never replaces a list by an older one. */
  seq: number;
  iat: number;
  /** servers whose activation was invalidated as a whole (clone, key compromised, deactivated). */
  servers: { serverId: string; at: number; reason: string }[];
  /** (pack, server) grants invalidated by a reissue: that server's CALs from that pack stop being honoured. */
  grants: { serverId: string; pack: number; seq: number; at: number; caseNumber?: string }[];
  /** clearinghouse keys revoked (`ch keys revoke`): nothing they signed is honoured. */
  keys?: { kid: string; at: number; reason: string }[];
}

/**
 * Clearinghouse -> license server, answering a check-in: this check-in is link `counter` of the server's chain,
 * after the receipt whose hash is `prev`. The next check-in names the hash of this receipt (core/fork-rules.ts).
 * Signed by the clearinghouse root key; it also vouches for the latest audit checkpoint, which the server keeps.
 */
export interface CheckInReceiptPayload {
  typ: 'opencal.check-in-receipt';
  /** license server ID. */
  sub: string;
  counter: number;
  prev: string;
  /** the check-in's attempt id: the same check-in sent again gets the same receipt. */
  attempt: string;
  iat: number;
  /** the latest signed checkpoint of the clearinghouse's audit chain, if any. */
  checkpoint?: { seq: number; head: string; at: number };
}

/** Clearinghouse -> anyone: its audit chain had `seq` records, the last hashing to `head`. Signed by the checkpoint key. */
export interface AuditCheckpointPayload {
  typ: 'opencal.audit-checkpoint';
  seq: number;
  head: string;
  iat: number;
}

/**
 * Clearinghouse -> an air-gapped license server, in a file (`licmgr import FILE`): what the clearinghouse holds for
 * that server, as a check-in would deliver it. Signed by the clearinghouse; each document inside is signed too.
 */
export interface DocumentsPayload {
  typ: 'opencal.documents';
  /** the license server ID the file is for. */
  sub: string;
  /** the server's status at the clearinghouse. */
  status: string;
  certificate?: string;
  grants: string[];
  revocations: string;
  iat: number;
}

/**
 * License server -> clearinghouse: a request signed by the license server's identity key
 * (auto activation, install, check-in, deactivation). The public key travels inside so the
 * clearinghouse can check that the server ID derives from it.
 */
export interface SignedRequestPayload<A extends string = string, B = unknown> {
  typ: 'opencal.request';
  action: A;
  /** license server ID. */
  sub: string;
  /** base64url of the raw Ed25519 public key. */
  pub: string;
  aud: 'clearinghouse';
  iat: number;
  /** random, single use within the validity window. */
  nonce: string;
  body: B;
}

/** What a device keeps in its license store and presents when it connects. */
export interface CalBundle {
  /** the CAL token (JWS signed by the license server). */
  token: string;
  /** the license server's certificate (JWS signed by the clearinghouse); absent for an unactivated server. */
  certificate?: string;
  /** the grant the CAL was issued under (JWS signed by the clearinghouse); permanent CALs only. */
  grant?: string;
}
