/**
 * The clearinghouse's answers (`/ch/v1`, docs/architecture.md "HTTP routes"): one schema per answer, its
 * static type under the same name. The routes declare them as their 200 responses; the CLI, the console, the
 * license server's clearinghouse client and the diagnoser read the types.
 */
import { Type, type Static } from 'typebox';
import { ACTIVATION_METHODS, ACTIVATION_STATUSES, CAL_TYPES, CAL_VERSIONS, CASE_STATUSES, PROGRAMS } from '../vocabulary';
import { JsonObject, Jws, Nullable, oneOf, Timestamp } from './schema';

import { PageFields } from './common';

export { EventList, SignedList, TokenList, TokenView } from './common';

/** What a case is about: a migration, a phone reissue, a suspected clone, phantom licenses. */
export const CASE_KINDS = ['migration', 'reissue', 'clone', 'phantom'] as const;
export type CaseKind = (typeof CASE_KINDS)[number];

/** The program data a purchase carries (core/clearinghouse-rules.ts `ProgramData`). */
export const ProgramData = Type.Object({
  licenseNumber: Type.Optional(Type.String()),
  authorizationNumber: Type.Optional(Type.String()),
  agreementNumber: Type.Optional(Type.String()),
});

/** A public key of the trust anchor (JWK, OKP Ed25519). */
export const TrustKey = Type.Object({
  kid: Type.Optional(Type.String()),
  kty: Type.Literal('OKP'),
  crv: Type.Literal('Ed25519'),
  x: Type.String({ description: 'base64url of the raw public key' }),
  alg: Type.Literal('EdDSA'),
  use: Type.Literal('sig'),
  notBefore: Type.Optional(Timestamp),
  notAfter: Type.Optional(Type.String({ description: 'when a rotation retired it: it signs nothing after this, and keeps verifying what it signed' })),
  revokedAt: Type.Optional(Type.String({ description: 'when it was revoked: nothing it signed is trusted' })),
  codes: Type.Optional(Type.Boolean({ description: 'the root key: the MAC key of the codes typed on the phone derives from it' })),
});

/**
 * `GET /ch/v1/trust`: the clearinghouse key set (root key first), the fingerprint to pin (hex sha256 of the root
 * key, unchanged by rotations), each endorsement (the set signed, `opencal.keyset`, by one of its keys), and the
 * provisional window of what typed codes create (docs/codes.md; absent from anchors pinned before it existed: 14).
 */
export const TrustAnchor = Type.Object({
  keys: Type.Array(TrustKey),
  fingerprint: Type.String(),
  endorsements: Type.Optional(Type.Array(Jws)),
  provisionalWindowDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'days a typed code\'s activation or key pack is honoured without its signed document' })),
});
export type TrustAnchor = Static<typeof TrustAnchor>;

/** A key of the set as `GET /ch/v1/keys` lists it. */
export const KeyEntry = Type.Object({
  kid: Type.String(),
  x: Type.String(),
  position: Type.Integer(),
  notBefore: Timestamp,
  notAfter: Type.Optional(Timestamp),
  revokedAt: Type.Optional(Timestamp),
  revokeReason: Type.Optional(Type.String()),
  status: oneOf(['current', 'retired', 'revoked'] as const),
  codes: Type.Boolean(),
  heldHere: Type.Boolean({ description: 'whether the node that answered holds its private key' }),
});

/** `GET /ch/v1/keys`: the key set, and the key the answering node signs with. */
export const KeyList = Type.Object({ keys: Type.Array(KeyEntry), signingKid: Type.String() });
export type KeyList = Static<typeof KeyList>;

/** `POST /ch/v1/keys/rotate`. */
export const KeysRotated = Type.Object({ ...KeyList.properties, kid: Type.String() });
export type KeysRotated = Static<typeof KeysRotated>;

/** `POST /ch/v1/keys/{kid}/revoke`: also how many documents were signed again with the current key. */
export const KeyRevoked = Type.Object({ ...KeyList.properties, resigned: Type.Object({ certificates: Type.Integer(), grants: Type.Integer() }) });
export type KeyRevoked = Static<typeof KeyRevoked>;

/** `POST /ch/v1/orgs`: the organization and its ch:org token, shown once. */
export const OrgCreated = Type.Object({ orgId: Type.String(), token: Type.String() });
export type OrgCreated = Static<typeof OrgCreated>;

export const Organization = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Timestamp });
export type Organization = Static<typeof Organization>;

/** `GET /ch/v1/orgs`. */
export const OrganizationList = Type.Object({ organizations: Type.Array(Organization) });
export type OrganizationList = Static<typeof OrganizationList>;

/** `POST /ch/v1/agents`: the agent and its ch:agent token, shown once. */
export const AgentCreated = Type.Object({ agentId: Type.String(), token: Type.String() });
export type AgentCreated = Static<typeof AgentCreated>;

/** An agent (clearinghouse operator) as the clearinghouse records it: never its token. */
export const Agent = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Timestamp });
export type Agent = Static<typeof Agent>;

/** `GET /ch/v1/agents`. */
export const AgentList = Type.Object({ agents: Type.Array(Agent) });
export type AgentList = Static<typeof AgentList>;

/** `POST /ch/v1/packs`: the pack number and the 25-character pack key, shown once. */
export const PackCreated = Type.Object({ packNumber: Type.Integer(), packKey: Type.String() });
export type PackCreated = Static<typeof PackCreated>;

/** A purchased pack as the clearinghouse records it. */
export const PackView = Type.Object({
  number: Type.Integer(),
  orgId: Nullable(Type.String()),
  program: oneOf(PROGRAMS),
  programData: ProgramData,
  calType: oneOf(CAL_TYPES),
  calVersion: oneOf(CAL_VERSIONS),
  count: Type.Integer(),
  proofOfPurchase: Nullable(Type.String()),
  status: oneOf(['unassigned', 'installed', 'revoked'] as const),
  serverId: Nullable(Type.String()),
  grantSeq: Type.Integer(),
  createdAt: Timestamp,
});
export type PackView = Static<typeof PackView>;

/** `GET /ch/v1/packs`. */
export const PackList = Type.Object({ packs: Type.Array(PackView) });
export type PackList = Static<typeof PackList>;

/** A license server as the clearinghouse knows it. */
export const ServerView = Type.Object({
  serverId: Type.String(),
  publicKey: Type.String(),
  orgId: Nullable(Type.String()),
  status: oneOf(ACTIVATION_STATUSES),
  method: oneOf(ACTIVATION_METHODS),
  serverVersion: oneOf(CAL_VERSIONS),
  company: Type.Record(Type.String(), Type.String()),
  activationSerial: Type.Integer(),
  activatedAt: Timestamp,
  certificate: Jws,
  certificateExpiresAt: Timestamp,
  lastCheckInAt: Nullable(Timestamp),
  instanceId: Nullable(Type.String()),
  receiptAt: Nullable(Timestamp),
  statusChangedAt: Timestamp,
  statusReason: Nullable(Type.String()),
});
export type ServerView = Static<typeof ServerView>;

/** `GET /ch/v1/servers`: one page of the servers (an organization sees its own). */
export const ServerList = Type.Object({ servers: Type.Array(ServerView), ...PageFields });
export type ServerList = Static<typeof ServerList>;

/** `POST /ch/v1/servers/activate` and `/reactivate`: the server certificate. */
export const CertificateAnswer = Type.Object({ certificate: Jws });
export type CertificateAnswer = Static<typeof CertificateAnswer>;

/** `POST /ch/v1/servers/deactivate` and `/portal/deactivate`. */
export const DeactivationAnswer = Type.Object({
  status: oneOf(ACTIVATION_STATUSES),
  serverId: Type.String(),
  releasedPacks: Type.Array(Type.Integer()),
});
export type DeactivationAnswer = Static<typeof DeactivationAnswer>;

/** The pack a grant was issued for, as the install routes answer it. */
export const InstalledPack = Type.Object({
  pack: Type.Integer(),
  seq: Type.Integer(),
  program: oneOf(PROGRAMS),
  calType: oneOf(CAL_TYPES),
  calVersion: oneOf(CAL_VERSIONS),
  count: Type.Integer(),
});
export type InstalledPack = Static<typeof InstalledPack>;

/** `POST /ch/v1/servers/install`: the signed grant and the pack it covers. */
export const InstallAnswer = Type.Object({ grant: Jws, keyPack: InstalledPack });
export type InstallAnswer = Static<typeof InstallAnswer>;

/** The clearinghouse's word on a server at check-in: its activation status, or `unknown` for a server it never saw. */
export const CHECK_IN_STATUSES = [...ACTIVATION_STATUSES, 'unknown'] as const;

/** Where a check-in stands in its server's check-in chain (core/fork-rules.ts `decideCheckInChain`). */
export const CheckInChain = Type.Object({
  outcome: oneOf(['start', 'extend', 'resume', 'retry', 'fork'] as const),
  counter: Type.Integer(),
  problem: Type.Optional(oneOf(['same-predecessor', 'counter-went-back', 'unknown-predecessor'] as const)),
  caseNumber: Type.Optional(Type.String()),
});
export type CheckInChain = Static<typeof CheckInChain>;

/** `POST /ch/v1/servers/check-in`. */
export const CheckInAnswer = Type.Object({
  status: oneOf(CHECK_IN_STATUSES),
  certificate: Type.Optional(Jws),
  grants: Type.Array(Jws),
  revocations: Jws,
  /** the signed receipt of this check-in (core/protocol.ts `CheckInReceiptPayload`); absent for a second history. */
  receipt: Type.Optional(Jws),
  /** where this check-in stands in the server's check-in chain (core/fork-rules.ts). */
  chain: Type.Optional(CheckInChain),
  /** the latest signed audit checkpoint (core/protocol.ts `AuditCheckpointPayload`). */
  checkpoint: Type.Optional(Jws),
});
export type CheckInAnswer = Static<typeof CheckInAnswer>;

/** `POST /ch/v1/audit/checkpoints` and `GET /ch/v1/audit/checkpoint`: a signed checkpoint of the audit chain. */
export const AuditCheckpointAnswer = Type.Object({
  checkpoint: Jws,
  seq: Type.Integer(),
  head: Type.String(),
  at: Timestamp,
  kid: Type.String(),
  /** the checkpoint key's public JWK: keep it with the checkpoint. */
  publicKey: Type.Object({ kty: Type.Literal('OKP'), crv: Type.Literal('Ed25519'), x: Type.String(), kid: Type.Optional(Type.String()) }, { additionalProperties: true }),
});
export type AuditCheckpointAnswer = Static<typeof AuditCheckpointAnswer>;

/** `POST /ch/v1/audit/verify`: today's audit log verifies and extends the checkpoint given. */
export const AuditCheckpointVerifyAnswer = Type.Object({
  ok: Type.Literal(true),
  records: Type.Integer(),
  checkpoint: Type.Object({ seq: Type.Integer(), head: Type.String(), at: Timestamp }),
  /** records appended since the checkpoint. */
  since: Type.Integer(),
});
export type AuditCheckpointVerifyAnswer = Static<typeof AuditCheckpointVerifyAnswer>;

/**
 * `GET /ch/v1/servers/:serverId/export`: the signed file an air-gapped license server imports (`licmgr import
 * FILE`). `signed` is a JWS (typ `opencal.documents`) whose payload holds the certificate, the grants and the
 * revocation list, each a JWS of its own.
 */
export const DocumentsFile = Type.Object({
  type: Type.Literal('opencal.documents'),
  serverId: Type.String(),
  exportedAt: Timestamp,
  signed: Jws,
});
export type DocumentsFile = Static<typeof DocumentsFile>;

/** `POST /ch/v1/servers/holdings`: what the clearinghouse holds for this server. */
export const HoldingsAnswer = Type.Object({ certificate: Type.Optional(Jws), grants: Type.Array(Jws) });
export type HoldingsAnswer = Static<typeof HoldingsAnswer>;

/** `POST /ch/v1/servers/hosts/register`: the host registered with the server's organization, and the keys it retired. */
export const HostRegistered = Type.Object({ hostId: Type.String(), orgId: Type.String(), name: Type.String(), retired: Type.Array(Type.String()) });
export type HostRegistered = Static<typeof HostRegistered>;

/** `POST /ch/v1/servers/hosts`: the live session hosts of the calling license server's organization. */
export const HostRegistry = Type.Object({
  orgId: Type.String(),
  hosts: Type.Array(Type.Object({ hostId: Type.String(), name: Type.String(), publicKey: Type.String({ description: 'base64url of the raw Ed25519 key' }) })),
});
export type HostRegistry = Static<typeof HostRegistry>;

/** A session host in the organization's host registry. */
export const RegisteredHostView = Type.Object({
  hostId: Type.String(),
  orgId: Type.String(),
  name: Type.String(),
  publicKey: Type.String(),
  registeredAt: Timestamp,
  registeredBy: Type.String(),
  retiredAt: Type.Optional(Timestamp),
});
/** `GET /ch/v1/hosts`. */
export const RegisteredHostList = Type.Object({ hosts: Type.Array(RegisteredHostView) });
export type RegisteredHostList = Static<typeof RegisteredHostList>;

/** `POST /ch/v1/portal/activate` and `/phone/activate`: the 35-character activation confirmation. */
export const ConfirmationAnswer = Type.Object({ confirmation: Type.String(), licenseServerId: Type.String() });
export type ConfirmationAnswer = Static<typeof ConfirmationAnswer>;

/** `POST /ch/v1/portal/install`: the 35-character key pack ID. */
export const KeyPackIdAnswer = Type.Object({ keyPackId: Type.String(), keyPack: InstalledPack });
export type KeyPackIdAnswer = Static<typeof KeyPackIdAnswer>;

/** A case of the review queue. */
export const CaseView = Type.Object({
  caseNumber: Type.String({ description: 'e.g. CH-000123' }),
  kind: oneOf(CASE_KINDS),
  status: oneOf(CASE_STATUSES),
  flagged: Type.Boolean(),
  channel: Type.String(),
  pack: Nullable(Type.Integer()),
  sourceServerId: Nullable(Type.String()),
  targetServerId: Nullable(Type.String()),
  orgId: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  evidence: JsonObject,
  decisionReasons: Type.Array(Type.Object({ code: Type.String(), text: Type.String() })),
  keyPackId: Type.Optional(Type.String()),
  grantSeq: Type.Optional(Type.Integer()),
  decidedBy: Type.Optional(Type.String()),
  decisionNote: Type.Optional(Type.String()),
  createdAt: Timestamp,
  decidedAt: Type.Optional(Timestamp),
});
export type CaseView = Static<typeof CaseView>;

/** `GET /ch/v1/cases`: one page of the cases (an organization sees its own). */
export const CaseList = Type.Object({ cases: Type.Array(CaseView), ...PageFields });
export type CaseList = Static<typeof CaseList>;

/** `GET /ch/v1/cases/:number`, `/portal/migrate`, the decisions; `/phone/reissue` adds the key pack ID. */
export const CaseAnswer = Type.Object({ case: CaseView, keyPackId: Type.Optional(Type.String()) });
export type CaseAnswer = Static<typeof CaseAnswer>;

/** `GET /ch/v1/audit/verify`: the hash chain of the audit log. */
export const AuditVerifyAnswer = Type.Object({
  ok: Type.Boolean(),
  records: Type.Integer(),
  firstBroken: Type.Optional(Type.Object({ seq: Type.Integer(), problem: Type.String() })),
});
export type AuditVerifyAnswer = Static<typeof AuditVerifyAnswer>;
