/**
 * The license server's answers (`/ls/v1`): one schema per answer, its static type under the same name. The
 * routes declare them as their 200 responses; the license manager (CLI and console), the session host's
 * license server client and the diagnoser read the types.
 */
import { Type, type Static } from 'typebox';
import { ACTIVATION_METHODS, ACTIVATION_STATUSES, CAL_KINDS, CAL_TYPES, CAL_VERSIONS, PROGRAMS } from '../vocabulary';
import { CHECK_IN_STATUSES } from './clearinghouse';
import { CalBundle, Text } from './common';
import { Jws, oneOf, Timestamp } from './schema';

import { PageFields } from './common';

export { EventList, TokenList, TokenView } from './common';

/** `GET /ls/v1/identity` (public): what a session host pins when it enrols. */
export const ServerIdentity = Type.Object({
  serverId: Type.String(),
  productId: Type.String(),
  publicKey: Type.String({ description: 'base64url of the raw Ed25519 public key' }),
  version: oneOf(CAL_VERSIONS),
  certificate: Type.Optional(Jws),
});
export type ServerIdentity = Static<typeof ServerIdentity>;

/**
 * What a typed code created (an activation from a confirmation, a key pack from a key pack ID) until its signed
 * certificate or grant arrives (docs/codes.md): `provisional` until `until`, then `lapsed` (it stops counting).
 */
export const ProvisionalMark = Type.Object(
  { state: Type.Union([Type.Literal('provisional'), Type.Literal('lapsed')]), until: Timestamp },
  { description: 'present while the signed document is missing: provisional until `until`, lapsed after' },
);
export type ProvisionalMark = Static<typeof ProvisionalMark>;

/** The activation of a license server (`activation` of the status; answer of activate and reactivate). */
export const ActivationView = Type.Object({
  status: oneOf(ACTIVATION_STATUSES),
  method: Type.Optional(oneOf(ACTIVATION_METHODS)),
  activatedAt: Type.Optional(Timestamp),
  expiresAt: Type.Optional(Timestamp),
  expired: Type.Boolean(),
  certificate: Type.Boolean({ description: 'whether the server holds a certificate' }),
  reason: Type.Optional(Type.String()),
  provisional: Type.Optional(ProvisionalMark),
  contact: Type.Optional(
    Type.Object(
      { firstName: Type.String(), lastName: Type.String(), company: Type.String(), country: Type.String() },
      { description: 'who activated the server: the name, company and country given at activation (what the clearinghouse agent asks on the phone)' },
    ),
  ),
});
export type ActivationView = Static<typeof ActivationView>;

export const KEY_PACK_STATUSES = ['active', 'invalidated'] as const;
export type KeyPackStatus = (typeof KEY_PACK_STATUSES)[number];

/** An installed key pack (`GET /ls/v1/key-packs`, `keyPacks` of the status, answer of `POST /ls/v1/key-packs`). */
export const KeyPackView = Type.Object({
  id: Type.String(),
  pack: Type.Integer(),
  seq: Type.Integer(),
  program: oneOf(PROGRAMS),
  calType: oneOf(CAL_TYPES),
  calVersion: oneOf(CAL_VERSIONS),
  total: Type.Integer(),
  issued: Type.Integer(),
  available: Type.Integer(),
  status: oneOf(KEY_PACK_STATUSES),
  method: oneOf(ACTIVATION_METHODS),
  grant: Type.Boolean({ description: 'whether the pack holds a clearinghouse grant' }),
  installedAt: Timestamp,
  expiresAt: Type.Optional(Timestamp),
  provisional: Type.Optional(ProvisionalMark),
});
export type KeyPackView = Static<typeof KeyPackView>;

/** `GET /ls/v1/key-packs`. */
export const KeyPackList = Type.Object({ keyPacks: Type.Array(KeyPackView) });
export type KeyPackList = Static<typeof KeyPackList>;

export const ISSUED_STATUSES = ['active', 'upgraded', 'expired', 'revoked', 'removed'] as const;
export type IssuedStatus = (typeof ISSUED_STATUSES)[number];

/** An issued license (`GET /ls/v1/issued`, `revoked` of `POST /ls/v1/issued/revoke`). */
export const IssuedView = Type.Object({
  id: Type.String(),
  kind: oneOf(CAL_KINDS),
  calType: oneOf(CAL_TYPES),
  calVersion: oneOf(CAL_VERSIONS),
  pack: Type.Optional(Type.Integer()),
  device: Type.String(),
  hwid: Type.String(),
  user: Type.Optional(Type.String()),
  host: Type.Optional(Type.String()),
  issuedAt: Timestamp,
  expiresAt: Timestamp,
  validated: Type.Boolean(),
  status: oneOf(ISSUED_STATUSES),
  revokedAt: Type.Optional(Timestamp),
  overAllocated: Type.Boolean(),
});
export type IssuedView = Static<typeof IssuedView>;

/**
 * `GET /ls/v1/issued` as JSON (`?format=csv` answers text/csv): one page, the count of every matching license, and
 * the cursor of the next page when there is one. A list is never cut without saying so.
 */
export const IssuedList = Type.Object({
  issued: Type.Array(IssuedView),
  total: Type.Integer({ description: 'issued licenses matching the filters, on every page' }),
  limit: Type.Integer({ description: 'the most rows this page could hold' }),
  sort: Type.String({ description: 'the sort of the page, e.g. issuedAt or -expiresAt' }),
  nextCursor: Type.Optional(Type.String({ description: 'pass it as cursor (with the same sort and filters) for the next page; absent on the last page' })),
});
export type IssuedList = Static<typeof IssuedList>;
export type IssuedPage = IssuedList;

/** An audit checkpoint of the clearinghouse as a license server keeps it: `at` is when it was signed. */
export const AuditCheckpointView = Type.Object({ seq: Type.Integer(), head: Type.String(), at: Timestamp });
export type AuditCheckpointView = Static<typeof AuditCheckpointView>;

/** A checkpoint that did not extend the one kept: the sequence went back, or another head at the same sequence. */
export const CheckpointRegressionView = Type.Object({
  problem: oneOf(['sequence-went-back', 'different-head'] as const),
  seen: AuditCheckpointView,
  kept: AuditCheckpointView,
  at: Timestamp,
});
export type CheckpointRegressionView = Static<typeof CheckpointRegressionView>;

/** A check-in's place in the chain, as the clearinghouse answered it. */
export const CheckInChainView = Type.Object({
  outcome: oneOf(['start', 'extend', 'resume', 'retry', 'fork', 'not-placed'] as const),
  counter: Type.Integer(),
  problem: Type.Optional(Type.String()),
  caseNumber: Type.Optional(Type.String()),
});
export type CheckInChainView = Static<typeof CheckInChainView>;

/** `GET /ls/v1/status`: what the license manager shows. */
export const LicenseServerStatus = Type.Object({
  serverId: Type.String(),
  productId: Type.String(),
  version: oneOf(CAL_VERSIONS),
  instanceId: Type.String(),
  activation: ActivationView,
  keyPacks: Type.Array(KeyPackView),
  issued: Type.Object({ temporary: Type.Integer(), permanent: Type.Integer(), user: Type.Integer() }),
  settings: Type.Object({ preventUpgrade: Type.Boolean(), allowListEnabled: Type.Boolean() }),
  clearinghouse: Type.Object({
    url: Type.Optional(Type.String()),
    fingerprint: Type.Optional(Type.String()),
    lastCheckInAt: Type.Optional(Timestamp),
    lastCheckInResult: Type.Optional(Type.String()),
    revocationsSeq: Type.Optional(Type.Integer()),
    /** the check-in chain kept beside the identity key (docs/license-server.md "Forks"). */
    chain: Type.Optional(
      Type.Object({
        counter: Type.Integer(),
        pending: Type.Boolean(),
        fork: Type.Optional(Type.Object({ counter: Type.Integer(), problem: Type.String(), caseNumber: Type.Optional(Type.String()), at: Timestamp })),
      }),
    ),
    auditCheckpoint: Type.Optional(AuditCheckpointView),
    checkpointRegression: Type.Optional(CheckpointRegressionView),
  }),
});
export type LicenseServerStatus = Static<typeof LicenseServerStatus>;

/** `POST /ls/v1/deactivate`: the 35-character deactivation receipt. */
export const DeactivationReceipt = Type.Object({ receipt: Type.String(), clearinghouseNotified: Type.Boolean(), message: Type.String() });
export type DeactivationReceipt = Static<typeof DeactivationReceipt>;

/** `POST /ls/v1/migration-code`: the 45-character migration code of this (target) server. */
export const MigrationCodeAnswer = Type.Object({ migrationCode: Type.String(), serverId: Type.String() });
export type MigrationCodeAnswer = Static<typeof MigrationCodeAnswer>;

/** `POST /ls/v1/issued/revoke`: the revoked CAL and how many more may be revoked now. */
export const RevokeAnswer = Type.Object({ revoked: IssuedView, revokable: Type.Integer() });
export type RevokeAnswer = Static<typeof RevokeAnswer>;

/** `GET /ls/v1/reports/per-user`. */
export const PerUserReport = Type.Object({
  generatedAt: Timestamp,
  versions: Type.Array(Type.Object({ calVersion: oneOf(CAL_VERSIONS), installed: Type.Integer(), issued: Type.Integer(), overAllocated: Type.Integer() })),
  users: Type.Array(
    Type.Object({ user: Type.String(), calVersion: oneOf(CAL_VERSIONS), issuedAt: Timestamp, expiresAt: Timestamp, overAllocated: Type.Boolean(), device: Type.String() }),
  ),
});
export type PerUserReport = Static<typeof PerUserReport>;

/** `POST /ls/v1/rebuild`. */
export const RebuildAnswer = Type.Object({
  keyPacksRemoved: Type.Integer(),
  issuedRemoved: Type.Integer(),
  forced: Type.Boolean(),
  restored: Type.Object({ activated: Type.Boolean(), keyPacks: Type.Integer() }),
  serverId: Type.String(),
  nextSteps: Type.Array(Type.String()),
});
export type RebuildAnswer = Static<typeof RebuildAnswer>;

/** `PUT /ls/v1/settings`. */
export const Settings = Type.Object({ preventUpgrade: Type.Boolean(), allowListEnabled: Type.Boolean() });
export type Settings = Static<typeof Settings>;

/** `POST /ls/v1/hosts`: a one-time join token for a session host. */
export const JoinToken = Type.Object({ joinToken: Type.String(), name: Type.String() });
export type JoinToken = Static<typeof JoinToken>;

/** `PUT /ls/v1/hosts/allow-list`. */
export const AllowList = Type.Object({ allowListEnabled: Type.Boolean(), allowList: Type.Array(Type.String()) });
export type AllowList = Static<typeof AllowList>;

/** `GET /ls/v1/hosts`: one page of the enrolled session hosts, and the whole allow-list. */
export const HostList = Type.Object({
  allowListEnabled: Type.Boolean(),
  allowList: Type.Array(Type.String()),
  hosts: Type.Array(Type.Object({ name: Type.String(), enrolledAt: Timestamp, allowed: Type.Boolean() })),
  ...PageFields,
});
export type HostList = Static<typeof HostList>;

/** `POST /ls/v1/hosts/enroll`: the session host's ls:host token. */
export const Enrolment = Type.Object({
  token: Type.String(),
  name: Type.String(),
  serverId: Type.String(),
  /** the host's ID, from the key its signed enrolment statement carried */
  hostId: Type.Optional(Type.String()),
  /** the organization the host is now registered with at the clearinghouse */
  orgId: Type.Optional(Type.String()),
  registered: Type.Optional(Type.Boolean()),
});
export type Enrolment = Static<typeof Enrolment>;

/** `POST /ls/v1/cals` (body): a session host asks for a CAL for a device or a user. */
export const CalRequest = Type.Object(
  {
    device: Text(256),
    hwid: Text(256),
    user: Type.Optional(Text(256)),
    mode: oneOf(['per-device', 'per-user'] as const),
    hostVersion: oneOf(CAL_VERSIONS),
    presented: Type.Optional(CalBundle),
  },
  { additionalProperties: false },
);
export type CalRequest = Static<typeof CalRequest>;

/** `POST /ls/v1/cals`: the CAL and what happened (issued, kept, renewed, upgraded, extended). */
export const CalAnswer = Type.Object({
  bundle: CalBundle,
  kind: oneOf(CAL_KINDS),
  expiresAt: Timestamp,
  serverId: Type.String(),
  calVersion: oneOf(CAL_VERSIONS, { description: "the CAL's version (newer than the host's for an upgrade)" }),
  outcome: oneOf(['issued', 'kept', 'renewed', 'upgraded', 'extended'] as const),
  serverTime: Type.Optional(Timestamp),
});
export type CalAnswer = Static<typeof CalAnswer>;

/** `POST /ls/v1/cals/validate`. */
export const Validated = Type.Object({ jti: Type.String(), validated: Type.Literal(true) });
export type Validated = Static<typeof Validated>;

/** `POST /ls/v1/check-in`: what the clearinghouse said. */
export const CheckInResult = Type.Object({
  status: oneOf(CHECK_IN_STATUSES),
  certificateReceived: Type.Boolean(),
  grantsReceived: Type.Integer(),
  keyPacksInstalled: Type.Integer(),
  keyPacksInvalidated: Type.Array(Type.Object({ pack: Type.Integer(), seq: Type.Integer(), caseNumber: Type.Optional(Type.String()) })),
  serverInvalidated: Type.Boolean(),
  revocationsSeq: Type.Optional(Type.Integer()),
  /** this check-in's place in the server's check-in chain, as the clearinghouse answered it. */
  chain: Type.Optional(CheckInChainView),
  /** the latest audit checkpoint kept (the clearinghouse vouched for it in its receipt). */
  auditCheckpoint: Type.Optional(AuditCheckpointView),
  /** set when the checkpoint received does not extend the one kept (event 9151). */
  checkpointRegression: Type.Optional(CheckpointRegressionView),
  /** session hosts of the organization's registry this server now recognises */
  hostsInRegistry: Type.Optional(Type.Integer()),
});
export type CheckInResult = Static<typeof CheckInResult>;

/** `POST /ls/v1/import`: what importing the clearinghouse's signed file changed (the fields of a check-in's answer). */
export const ImportResult = Type.Object({
  status: Type.String({ description: "the server's status at the clearinghouse when the file was exported" }),
  exportedAt: Timestamp,
  certificateReceived: Type.Boolean(),
  grantsReceived: Type.Integer(),
  keyPacksInstalled: Type.Integer(),
  keyPacksInvalidated: Type.Array(Type.Object({ pack: Type.Integer(), seq: Type.Integer(), caseNumber: Type.Optional(Type.String()) })),
  serverInvalidated: Type.Boolean(),
  revocationsSeq: Type.Optional(Type.Integer()),
});
export type ImportResult = Static<typeof ImportResult>;

/** `POST /ls/v1/cals/dry-run`: what a CAL request from this session host would get now (nothing is written). */
export const DryRunAnswer = Type.Object({
  serverId: Type.String(),
  dryRun: Type.Literal(true),
  issue: oneOf([...CAL_KINDS, 'none'] as const),
  permanentAvailable: Type.Boolean(),
  calVersion: Type.Optional(oneOf(CAL_VERSIONS)),
  activated: Type.Boolean(),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  overAllocated: Type.Optional(Type.Boolean()),
});
export type DryRunAnswer = Static<typeof DryRunAnswer>;
