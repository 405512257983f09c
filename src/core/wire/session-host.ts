/**
 * The session host's answers (`/sh/v1`): one schema per answer, its static type under the same name. The
 * routes declare them as their 200 responses; the device client, the CLI, the console and the diagnoser read
 * the types.
 */
import { Type, type Static } from 'typebox';
import { CAL_KINDS, CAL_VERSIONS, CONFIG_LAYERS, LICENSING_MODES, type LicensingMode } from '../vocabulary';
import { CalBundle } from './common';
import { Notice, oneOf, Timestamp } from './schema';

import { PageFields } from './common';

export { EventList } from './common';

export const ADMISSION_BASES = ['issued', 'presented', 'grace'] as const;
const MODES = Object.keys(LICENSING_MODES) as LicensingMode[];
const Source = oneOf([...CONFIG_LAYERS, 'default'] as const);

/** One configuration layer's settings as the status shows them. */
export const LayerView = Type.Object({
  mode: Type.Optional(oneOf(MODES)),
  licenseServers: Type.Optional(Type.Array(Type.String())),
  fromFile: Type.Optional(Type.Boolean({ description: 'set by the configuration file, not through the API' })),
});

/** `GET /sh/v1/status` (and the answer of `PUT /sh/v1/config`). */
export const SessionHostStatus = Type.Object({
  hostName: Type.String(),
  hostVersion: oneOf(CAL_VERSIONS),
  directory: oneOf(['domain', 'workgroup'] as const),
  mode: oneOf(MODES),
  modeValue: Type.Integer({ description: 'the LicensingMode registry value (2, 4 or 5)' }),
  modeSource: Source,
  licenseServers: Type.Array(
    Type.Object({
      url: Type.String(),
      enrolled: Type.Boolean(),
      serverId: Type.Optional(Type.String()),
      identityChange: Type.Optional(
        Type.Object(
          {
            followed: Type.Boolean(),
            at: Timestamp,
            previousServerId: Type.Optional(Type.String({ description: 'followed: the server ID this one replaced behind the URL' })),
            heldServerId: Type.Optional(Type.String({ description: 'held: the new server ID this host did not follow' })),
            reason: Type.Optional(Type.String()),
          },
          { description: 'a new license server identity was found behind this URL (a reinstall at the same address, or something else answering there)' },
        ),
      ),
    }),
  ),
  identity: Type.Optional(
    Type.Object(
      { hostId: Type.String(), organization: Type.Optional(Type.String()) },
      { description: "this host's ID (from its key, host.key) and the organization its enrolment registered it with" },
    ),
  ),
  licenseServersSource: Source,
  layers: Type.Object(Object.fromEntries(CONFIG_LAYERS.map((l) => [l, Type.Optional(LayerView)])) as Record<(typeof CONFIG_LAYERS)[number], Type.TOptional<typeof LayerView>>),
  grace: Type.Object({ daysLeft: Type.Integer(), expired: Type.Boolean(), endsAt: Timestamp }),
  trustAnchor: Type.Optional(Type.Object({ fingerprint: Type.String() })),
  revocationListSeq: Type.Optional(Type.Integer()),
  revocationList: Type.Optional(
    Type.Object(
      { clearinghouse: Type.Boolean(), seq: Type.Optional(Type.Integer()), issuedAt: Type.Optional(Timestamp), fetchedAt: Type.Optional(Timestamp) },
      { description: 'the revocation list this host judges CALs by: whether it has a clearinghouse to fetch it from, and when it last did' },
    ),
  ),
  organization: Type.Optional(Type.String({ description: "this host's organization, from its license servers' certificates: CALs of other organizations are not honoured" })),
  clock: Type.Optional(
    Type.Object(
      {
        leewaySeconds: Type.Integer(),
        skews: Type.Array(Type.Object({ licenseServerUrl: Type.String(), skewSeconds: Type.Integer(), measuredAt: Timestamp })),
      },
      { description: "the clock leeway and each license server's clock minus this host's, as measured from its last answer" },
    ),
  ),
  problems: Type.Array(Notice, { description: 'what the licensing diagnoser would flag from this host' }),
});
export type SessionHostStatus = Static<typeof SessionHostStatus>;

/** `POST /sh/v1/connect`: an admitted connection (a refusal is an error body). */
export const Admission = Type.Object({
  admitted: Type.Literal(true),
  basis: oneOf(ADMISSION_BASES),
  graceDaysLeft: Type.Integer(),
  bundle: Type.Optional(CalBundle),
  kind: Type.Optional(oneOf(CAL_KINDS)),
  expiresAt: Type.Optional(Timestamp),
  licenseServerId: Type.Optional(Type.String()),
  licenseServerUrl: Type.Optional(Type.String()),
  presentedJti: Type.Optional(Type.String({ description: 'the CAL the admission relied on, when none was issued' })),
  discard: Type.Array(Type.String(), { description: 'CAL tokens (jti) the device should drop' }),
  warning: Type.Optional(Notice),
});
export type Admission = Static<typeof Admission>;

/** `POST /sh/v1/enroll`. */
export const HostEnrolment = Type.Object({
  licenseServerUrl: Type.String(),
  serverId: Type.Optional(Type.String()),
  hostId: Type.Optional(Type.String({ description: "this host's ID, from its key" })),
  orgId: Type.Optional(Type.String({ description: 'the organization the license server registered this host with' })),
  registered: Type.Optional(Type.Boolean({ description: "whether the host's key is now in its organization's host registry" })),
});
export type HostEnrolment = Static<typeof HostEnrolment>;

const Failed = Type.Object({ error: Type.String() });

/** `POST /sh/v1/refresh`: the trust anchor, revocation list and license server identities fetched now. */
export const RefreshReport = Type.Object({
  trustAnchor: Type.Optional(Type.Union([Type.Object({ fingerprint: Type.String() }), Failed])),
  revocations: Type.Optional(Type.Union([Type.Object({ seq: Type.Integer(), updated: Type.Boolean() }), Failed])),
  identities: Type.Array(
    Type.Object({
      licenseServerUrl: Type.String(),
      serverId: Type.Optional(Type.String()),
      error: Type.Optional(Type.String()),
      changed: Type.Optional(Type.Union([Type.Literal('followed'), Type.Literal('held')], { description: 'a new identity behind the URL: followed, or held (not vouched for)' })),
    }),
  ),
});
export type RefreshReport = Static<typeof RefreshReport>;

/** One admission or refusal the session host recorded. */
export const AdmissionRecord = Type.Object({
  id: Type.Optional(Type.Integer()),
  at: Timestamp,
  device: Type.String(),
  hwid: Type.String(),
  user: Type.Optional(Type.String()),
  admitted: Type.Boolean(),
  basis: Type.Optional(oneOf(ADMISSION_BASES)),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  calKind: Type.Optional(oneOf(CAL_KINDS)),
  calVersion: Type.Optional(Type.Integer()),
  licenseServerId: Type.Optional(Type.String()),
  licenseServerUrl: Type.Optional(Type.String()),
  jti: Type.Optional(Type.String()),
  expiresAt: Type.Optional(Timestamp),
});
export type AdmissionRecord = Static<typeof AdmissionRecord>;

/** `GET /sh/v1/admissions`: one page of the admissions and refusals, newest first unless asked otherwise. */
export const AdmissionList = Type.Object({ admissions: Type.Array(AdmissionRecord), ...PageFields });
export type AdmissionList = Static<typeof AdmissionList>;

/** `POST /sh/v1/probe`: each listed license server's CAL decision for this host, issuing nothing. */
export const LicenseServerProbe = Type.Object({
  url: Type.String(),
  enrolled: Type.Boolean({ description: 'this host holds an enrolment token for the server (the outcome says whether it works)' }),
  outcome: oneOf(['would-issue', 'refused', 'unreachable', 'not-enrolled', 'not-asked'] as const),
  serverId: Type.Optional(Type.String()),
  issue: Type.Optional(oneOf([...CAL_KINDS, 'none'] as const)),
  permanentAvailable: Type.Optional(Type.Boolean()),
  calVersion: Type.Optional(oneOf(CAL_VERSIONS)),
  activated: Type.Optional(Type.Boolean()),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});
export type LicenseServerProbe = Static<typeof LicenseServerProbe>;
export const ProbeReport = Type.Object({ at: Timestamp, mode: Type.String(), probes: Type.Array(LicenseServerProbe) });
export type ProbeReport = Static<typeof ProbeReport>;

/** A gate front-end credential (`sh:gate` token) as the admin sees it: never its token, only its hash is stored. */
export const GateCredential = Type.Object({
  id: Type.String(),
  label: Type.Optional(Type.String()),
  createdAt: Timestamp,
  revokedAt: Type.Optional(Timestamp),
});
export type GateCredential = Static<typeof GateCredential>;

/** `POST /sh/v1/gate-credentials` (201): the new credential with its token, shown this once. */
export const GateCredentialCreated = Type.Object({
  id: Type.String(),
  label: Type.Optional(Type.String()),
  createdAt: Timestamp,
  token: Type.String({ description: 'the bearer token the front end sends; shown once' }),
});
export type GateCredentialCreated = Static<typeof GateCredentialCreated>;

/** `GET /sh/v1/gate-credentials`. */
export const GateCredentialList = Type.Object({ credentials: Type.Array(GateCredential) });
export type GateCredentialList = Static<typeof GateCredentialList>;

/** `DELETE /sh/v1/gate-credentials/:id`. */
export const GateCredentialRevoked = Type.Object({ id: Type.String(), revoked: Type.Literal(true) });
export type GateCredentialRevoked = Static<typeof GateCredentialRevoked>;
