/**
 * The event catalog (DESIGN §6): every event a component records, with its id, channel, level and message.
 * Real RDS event ids [fact] keep their Windows channel so an administrator recognises them; what RDS has no event
 * for uses our own ranges: clearinghouse 9000–9099, license server 9100–9199, session host 9200–9299,
 * diagnoser 9300–9399. Ids are a public contract: add, never renumber.
 *
 * Messages are templates with `{placeholders}` filled from the event's data by `renderEventMessage`.
 */

export const EVENT_COMPONENTS = ['clearinghouse', 'license-server', 'session-host', 'diagnoser'] as const;
export type EventComponent = (typeof EVENT_COMPONENTS)[number];

export const EVENT_LEVELS = ['information', 'warning', 'error'] as const;
export type EventLevel = (typeof EVENT_LEVELS)[number];

export const EVENT_CHANNELS = {
  licenseServer: 'TerminalServices-Licensing',
  sessionHost: 'TerminalServices-RemoteConnectionManager',
  clearinghouse: 'OpenCAL-Clearinghouse',
  diagnoser: 'OpenCAL-Diagnoser',
} as const;
export type EventChannel = (typeof EVENT_CHANNELS)[keyof typeof EVENT_CHANNELS];

export interface EventDefinition {
  readonly id: number;
  readonly channel: EventChannel;
  readonly level: EventLevel;
  /** UPPER_SNAKE name used in code: `EVENTS.LICENSE_SERVER_ACTIVATED`. */
  readonly name: string;
  /** Message template; `{name}` is replaced by `data.name`. */
  readonly message: string;
  readonly component: EventComponent;
}

const LS = EVENT_CHANNELS.licenseServer;
const SH = EVENT_CHANNELS.sessionHost;
const CH = EVENT_CHANNELS.clearinghouse;
const DG = EVENT_CHANNELS.diagnoser;
/** Channel of each component's own events, for the sections below. */
export const COMPONENT_CHANNELS: Readonly<Record<EventComponent, EventChannel>> = {
  clearinghouse: CH,
  'license-server': LS,
  'session-host': SH,
  diagnoser: DG,
};

function def(
  id: number,
  channel: EventChannel,
  level: EventLevel,
  name: string,
  component: EventComponent,
  message: string,
): EventDefinition {
  return { id, channel, level, name, message, component };
}

/** Every event definition. Keep each component's lines inside its marked section. */
export const EVENT_CATALOG: readonly EventDefinition[] = [
  // ---- license server, real ids [fact] (TerminalServices-Licensing) --------------------------------------------
  def(4, LS, 'information', 'LICENSE_SERVER_ACTIVATED', 'license-server',
    'The license server {serverId} has been activated ({method}).'),
  def(18, LS, 'warning', 'LICENSE_SERVER_NOT_ACTIVATED', 'license-server',
    'The license server {serverId} is not activated. It issues only temporary CALs until it is activated.'),
  def(21, LS, 'warning', 'NO_PERMANENT_LICENSES_LEFT', 'license-server',
    'The license server has no permanent {calType} CALs left for Windows Server {calVersion}; device {device} received {outcome}.'),
  def(89, LS, 'warning', 'CALS_REMOVED_AFTER_MIGRATION', 'license-server',
    'The {count} CALs of key pack {pack} were removed from this license server because they were migrated to another license server ({caseNumber}).'),
  def(4141, LS, 'error', 'HOST_NOT_ALLOWED', 'license-server',
    'The session host {host} is not in the "RDS Endpoint Servers" allow-list of this license server; its CAL request was refused.'),

  // ---- session host, real ids [fact] (TerminalServices-RemoteConnectionManager) ------------------------------
  def(1004, SH, 'error', 'CANNOT_ISSUE_LICENSE', 'session-host',
    'The session host cannot issue a client license to device {device}: {reason}'),
  def(1028, SH, 'error', 'LICENSE_RENEWAL_FAILED', 'session-host',
    'The CAL of device {device} could not be renewed: {reason}'),
  def(1068, SH, 'warning', 'LICENSING_MODE_NOT_CONFIGURED', 'session-host',
    'The licensing mode for the session host is not configured. Set it to per-device or per-user; {graceDaysLeft} grace days remain.'),
  def(1069, SH, 'error', 'GRACE_PERIOD_EXPIRED_MODE_NOT_CONFIGURED', 'session-host',
    'The grace period has expired and the licensing mode is not configured. Connections are refused until a licensing mode and a license server are set.'),
  def(50282, SH, 'warning', 'NO_LICENSE_SERVER_SPECIFIED', 'session-host',
    'No license server is specified for the session host. Set one (policy, deployment or local) so devices can receive CALs.'),

  // ---- clearinghouse, our range 9000–9099 (OpenCAL-Clearinghouse) --------------------------------------------
  def(9001, CH, 'information', 'CH_SERVER_ACTIVATED', 'clearinghouse',
    'License server {serverId} was activated ({method}, Windows Server {serverVersion}) for organization {orgId}; activation serial {serial}.'),
  def(9002, CH, 'information', 'CH_SERVER_REACTIVATED', 'clearinghouse',
    'License server {serverId} was reactivated (reason: {reason}); activation serial {serial}.'),
  def(9003, CH, 'information', 'CH_SERVER_DEACTIVATED', 'clearinghouse',
    'License server {serverId} was deactivated ({how}); {released} packs were released.'),
  def(9004, CH, 'information', 'CH_PACK_CREATED', 'clearinghouse',
    'Pack {pack} was created: {count} {calType} CALs, Windows Server {calVersion}, {program}, organization {orgId}.'),
  def(9005, CH, 'information', 'CH_PACK_INSTALLED', 'clearinghouse',
    'Pack {pack} was installed on license server {serverId} ({method}, grant {seq}).'),
  def(9006, CH, 'warning', 'CH_PACK_ALREADY_ACTIVATED', 'clearinghouse',
    'Pack {pack} was refused for license server {serverId}: it is already activated on license server {holder}.'),
  def(9007, CH, 'information', 'CH_CASE_OPENED', 'clearinghouse',
    'Case {caseNumber} ({kind}) was opened for pack {pack}, target {target}: {status}{why}.'),
  def(9008, CH, 'information', 'CH_CASE_APPROVED', 'clearinghouse',
    'Case {caseNumber} was approved by {decidedBy}: {note}'),
  def(9009, CH, 'information', 'CH_CASE_REJECTED', 'clearinghouse',
    'Case {caseNumber} was rejected by {decidedBy}: {note}'),
  def(9010, CH, 'information', 'CH_PACK_REISSUED', 'clearinghouse',
    'Pack {pack} was reissued from license server {source} to {target} (grant {seq}) under case {caseNumber}; the old grant is on the revocation list.'),
  def(9011, CH, 'error', 'CH_CLONE_SUSPECTED', 'clearinghouse',
    'License server {serverId} checked in from two installations ({instances}): case {caseNumber} is flagged for an agent.'),
  def(9012, CH, 'error', 'CH_PHANTOM_LICENSES', 'clearinghouse',
    'License server {serverId} reports {issued} CALs issued from pack {pack} under grant {seq}, which was invalidated: case {caseNumber} is flagged for an agent.'),
  def(9030, CH, 'error', 'CH_PACK_NEVER_GRANTED', 'clearinghouse',
    'License server {serverId} reports key pack {pack} (grant {seq}, {count} CALs) that the clearinghouse never granted to it{why}: case {caseNumber} is flagged for an agent, and the pack gets no grant.'),
  def(9031, CH, 'error', 'CH_ACTIVATION_NEVER_MADE', 'clearinghouse',
    'License server {serverId} reports an activation (serial {serial}) that the clearinghouse never made for it: case {caseNumber} is flagged for an agent, and no certificate is delivered.'),
  def(9013, CH, 'error', 'CH_AUDIT_CHAIN_BROKEN', 'clearinghouse',
    'The audit chain is broken at record {seq} ({problem}): the audit log was altered outside the clearinghouse.'),
  def(9050, CH, 'information', 'CH_AUDIT_CHECKPOINT_SIGNED', 'clearinghouse',
    'Audit checkpoint signed: {seq} records, head {head}.'),
  def(9051, CH, 'error', 'CH_AUDIT_CHECKPOINT_NOT_EXTENDED', 'clearinghouse',
    'The audit log does not extend the checkpoint of record {seq} ({problem}): records were removed or rewritten since it was signed.'),
  def(9014, CH, 'information', 'CH_ORGANIZATION_CREATED', 'clearinghouse',
    'Organization {orgId} ({name}) was created.'),
  def(9015, CH, 'information', 'CH_AGENT_CREATED', 'clearinghouse',
    'Agent {agentId} ({name}) was created.'),
  def(9040, CH, 'information', 'CH_HOST_REGISTERED', 'clearinghouse',
    'Session host {name} ({hostId}) was registered with organization {orgId} by license server {serverId}.'),
  def(9041, CH, 'information', 'CH_HOST_RETIRED', 'clearinghouse',
    'The key {hostId} of session host {name} (organization {orgId}) was retired by {by}; license servers stop recognising it.'),
  def(9042, CH, 'information', 'CH_TOKEN_REVOKED', 'clearinghouse',
    'API token {tokenId} ({kind} {subject}) was revoked by {by}; it is refused from now on.'),
  def(9060, CH, 'information', 'CH_KEYS_ROTATED', 'clearinghouse',
    'The clearinghouse key set was rotated: new documents are signed with key {kid} (position {position}, private key in {where}); the previous keys keep verifying what they signed. Copy the new key file to every other node.'),
  def(9061, CH, 'warning', 'CH_KEY_REVOKED', 'clearinghouse',
    'Clearinghouse key {kid} was revoked ({reason}): nothing it signed is trusted any more; {certificates} certificates and {grants} grants were signed again with key {signer}.'),
  def(9062, CH, 'warning', 'CH_SIGNING_WITH_OLDER_KEY', 'clearinghouse',
    'This node does not hold the current key {current} in {where}: it signs with the older key {signing} until the key file is copied here.'),
  def(9063, CH, 'error', 'CH_NODE_KEY_REFUSED', 'clearinghouse',
    'A clearinghouse node did not start: its keys in {where} do not match the key set of the database ({code}: {keys}). Copy the key files of the first node to it.'),
  // alerts (9070–9079, docs/alerts.md): once when an alert is raised, once when it clears
  def(9070, CH, 'warning', 'CH_ALERT_RAISED', 'clearinghouse',
    'Alert raised ({kind}, {subject}): {message}'),
  def(9071, CH, 'information', 'CH_ALERT_CLEARED', 'clearinghouse',
    'Alert cleared ({kind}, {subject}), raised on {since}.'),
  // tenant binding (9020–9029)
  def(9020, CH, 'warning', 'CH_PACK_OF_ANOTHER_ORGANIZATION', 'clearinghouse',
    'License server {serverId} (organization {serverOrg}) tried to install pack {pack} of organization {packOrg}; it was refused.'),
  def(9021, CH, 'information', 'CH_ACTIVATION_UNCONFIRMED', 'clearinghouse',
    'Organization {orgId} activated license server {serverId} by {method} (serial {serial}); the activation stays unconfirmed until the server proves possession of its key with a signed request.'),
  def(9022, CH, 'information', 'CH_ACTIVATION_CONFIRMED', 'clearinghouse',
    'License server {serverId} proved possession of its key ({proof}): its activation for organization {orgId} (serial {serial}) is confirmed.'),
  def(9023, CH, 'warning', 'CH_ACTIVATION_CLAIM_DROPPED', 'clearinghouse',
    'The unconfirmed activation of license server {serverId} by organization {orgId} (serial {serial}) was dropped: the server proved it belongs to organization {ownerOrgId}. {releasedPacks} packs that organization installed on it were released.'),

  // ---- license server, our range 9100–9199 (TerminalServices-Licensing) -------------------------------------
  def(9100, LS, 'information', 'KEY_PACK_INSTALLED', 'license-server',
    'Key pack {pack} ({count} {calType} CALs, Windows Server {calVersion}, {program}) was installed ({method}).'),
  def(9101, LS, 'information', 'LICENSE_SERVER_DEACTIVATED', 'license-server',
    'The license server {serverId} was deactivated; deactivation receipt {receipt}. It issues no CALs until it is reactivated.'),
  def(9102, LS, 'information', 'LICENSE_SERVER_REACTIVATED', 'license-server',
    'The license server {serverId} was reactivated (reason: {reason}).'),
  def(9103, LS, 'error', 'LICENSE_SERVER_INVALIDATED', 'license-server',
    'The clearinghouse invalidated the activation of license server {serverId} ({reason}). Reactivate it, or move its packs to another license server.'),
  def(9104, LS, 'warning', 'LICENSE_DATABASE_REBUILT', 'license-server',
    'The license database was rebuilt{forced}: {keyPacks} key packs and {issued} issued licenses were removed; the license server ID is unchanged. Reactivate it and reinstall its packs.'),
  def(9105, LS, 'information', 'CAL_REVOKED', 'license-server',
    'The permanent {calType} CAL of device {device} (Windows Server {calVersion}) was revoked; its CAL returned to key pack {pack}.'),
  def(9106, LS, 'information', 'MIGRATION_CODE_CREATED', 'license-server',
    'Migration code {migrationCode} was made for this license server (reason: {reason}{source}).'),
  def(9107, LS, 'information', 'SESSION_HOST_ENROLLED', 'license-server',
    'The session host {host} enrolled with this license server.'),
  def(9108, LS, 'warning', 'PER_USER_OVER_ALLOCATED', 'license-server',
    'User {user} received a per-user CAL for Windows Server {calVersion} beyond the installed per-user CALs ({overAllocated} over). Buy or install more per-user CALs.'),
  def(9109, LS, 'information', 'CHECKED_IN', 'license-server',
    'Checked in with the clearinghouse: status {status}, {grants} grants delivered, revocation list {revocationsSeq}.'),
  def(9110, LS, 'warning', 'CHECK_IN_FAILED', 'license-server',
    'Could not check in with the clearinghouse: {reason}'),
  def(9111, LS, 'information', 'KEY_PACKS_RESTORED', 'license-server',
    'After the rebuild, the activation and {keyPacks} key packs held by the clearinghouse for this license server were restored.'),
  def(9150, LS, 'error', 'CHECK_IN_FORK_REPORTED', 'license-server',
    'The clearinghouse found a second history of this license server at check-in {counter} ({problem}): a copy of this data directory runs elsewhere. Case {caseNumber}.'),
  def(9151, LS, 'error', 'AUDIT_CHECKPOINT_REGRESSED', 'license-server',
    "The clearinghouse's audit checkpoint went back ({problem}): record {seenSeq} received after record {keptSeq}. Its audit log was cut or rewritten."),
  def(9140, LS, 'information', 'HOST_RECOGNISED_FROM_REGISTRY', 'license-server',
    'Session host {host} ({hostId}) was recognised from its organization\'s host registry at the clearinghouse, without a join token on this license server.'),
  def(9141, LS, 'warning', 'HOST_REGISTRATION_FAILED', 'license-server',
    'Session host {host} enrolled, but could not be registered with the organization at the clearinghouse: {reason}. A reinstalled license server will not recognise it until it is.'),
  def(9142, LS, 'information', 'HOST_TOKEN_RETIRED', 'license-server',
    'Session host {host} enrolled again: its previous credential ({tokens} token(s)) was revoked.'),
  def(9143, LS, 'information', 'LS_TOKEN_REVOKED', 'license-server',
    'Token {tokenId} ({kind} {subject}) was revoked; it is refused from now on.'),
  def(9160, LS, 'information', 'CLEARINGHOUSE_KEYS_UPDATED', 'license-server',
    'The clearinghouse key set was updated (keys {keys}, endorsed by {endorsedBy}); the fingerprint of its root key stays {fingerprint}.'),
  def(9161, LS, 'error', 'CLEARINGHOUSE_KEYS_REFUSED', 'license-server',
    'The key set offered by the clearinghouse was not accepted ({code}): {reason}'),

  // alerts (9170–9179, docs/alerts.md)
  def(9170, LS, 'warning', 'LS_ALERT_RAISED', 'license-server',
    'Alert raised ({kind}, {subject}): {message}'),
  def(9171, LS, 'information', 'LS_ALERT_CLEARED', 'license-server',
    'Alert cleared ({kind}, {subject}), raised on {since}.'),

  def(9130, LS, 'error', 'PROVISIONAL_KEY_PACK_LAPSED', 'license-server',
    'Key pack {pack} (grant {seq}) was installed from a typed key pack ID on {installedAt} and its signed grant did not arrive within {windowDays} days: it issues no more CALs. Check in with the clearinghouse, or import its signed file.'),
  def(9131, LS, 'error', 'PROVISIONAL_ACTIVATION_LAPSED', 'license-server',
    'This license server was activated from a typed confirmation on {activatedAt} and its signed certificate did not arrive within {windowDays} days: it issues only temporary CALs. Check in with the clearinghouse, or import its signed file.'),
  def(9132, LS, 'information', 'SIGNED_DOCUMENTS_IMPORTED', 'license-server',
    'Signed documents exported by the clearinghouse on {exportedAt} were imported: certificate {certificate}, {grants} grants, revocation list {revocationsSeq}.'),
  def(9134, LS, 'warning', 'IMPORT_FILE_FOR_ANOTHER_SERVER', 'license-server',
    'An imported file of signed documents was refused: it was exported for license server {fileServerId}, not for this one.'),
  def(9133, LS, 'warning', 'GRANT_DOES_NOT_MATCH_KEY_PACK', 'license-server',
    'The grant of key pack {pack} (grant {seq}) says {count} {calType} CALs for Windows Server {calVersion}, but the key pack installed from its code says otherwise: the grant was not applied and the key pack stays provisional.'),

  // ---- session host, our range 9200–9299 (TerminalServices-RemoteConnectionManager) -------------------------
  def(9200, SH, 'information', 'SESSION_HOST_STARTED', 'session-host',
    'The session host {hostName} (Windows Server {hostVersion}, {directory}) started; the grace period began on {firstStart} and has {graceDaysLeft} days left.'),
  def(9201, SH, 'warning', 'CLOCK_WENT_BACK', 'session-host',
    'The clock reads {now}, earlier than {highWaterMark} already seen. The grace period keeps counting from the later time: {graceDaysLeft} days left.'),
  def(9202, SH, 'information', 'LICENSING_CONFIGURATION_CHANGED', 'session-host',
    'The {layer} licensing configuration was changed (mode: {mode}; license servers: {licenseServers}). Effective mode {effectiveMode} from {modeSource}.'),
  def(9203, SH, 'information', 'ENROLLED_ON_LICENSE_SERVER', 'session-host',
    'The session host enrolled with license server {licenseServerUrl} (license server ID {serverId}).'),
  def(9204, SH, 'information', 'TRUST_ANCHOR_SET', 'session-host',
    'The clearinghouse trust anchor was set from {source} (fingerprint {fingerprint}).'),
  def(9205, SH, 'information', 'REVOCATION_LIST_UPDATED', 'session-host',
    'Revocation list {seq} received: {servers} invalidated license servers, {grants} revoked grants.'),
  def(9206, SH, 'warning', 'TRUST_REFRESH_FAILED', 'session-host',
    'Could not refresh the {what} from {url}: {reason}'),
  def(9207, SH, 'warning', 'LICENSE_SERVER_FAILOVER', 'session-host',
    'License server {licenseServerUrl} did not answer the CAL request for device {device} ({reason}); the next license server on the list is tried.'),
  def(9208, SH, 'warning', 'CAL_VALIDATION_FAILED', 'session-host',
    'The temporary CAL {jti} of device {device} could not be marked validated on {licenseServerUrl}: {reason}'),
  def(9209, SH, 'information', 'CAL_NOT_HONOURED', 'session-host',
    'The CAL presented by device {device} was not honoured ({code}); a CAL is requested from the license servers on the list.'),
  def(9210, SH, 'warning', 'CAL_REFUSED', 'session-host',
    'A CAL presented by device {device} was refused ({code}); nothing was issued.'),
  def(9211, SH, 'warning', 'ADMITTED_IN_GRACE_WITHOUT_CAL', 'session-host',
    'Device {device} was admitted without a CAL, only because the grace period runs ({graceDaysLeft} days left); after it, such connections are refused. Why no CAL: {reason}'),
  def(9212, SH, 'warning', 'GATE_NEW_DEVICES_LIMITED', 'session-host',
    'Front end {frontEnd} ({source}) brought more than {max} new devices in {windowSeconds} s; device {device} got no seat (TOO_MANY_NEW_DEVICES). Check that front end for abuse, or raise the limit.'),
  def(9213, SH, 'warning', 'GATE_REFUSAL_REPORTED', 'session-host',
    'Report only: front end {frontEnd} admitted user {user} from device {device}, whom the session host refused ({code}): {reason}'),
  def(9214, SH, 'information', 'GATE_CREDENTIAL_CREATED', 'session-host',
    'Gate front-end credential {credentialId} ({label}) was created.'),
  def(9215, SH, 'information', 'GATE_CREDENTIAL_REVOKED', 'session-host',
    'Gate front-end credential {credentialId} was revoked; its front end gets no seats any more.'),
  def(9240, SH, 'warning', 'LICENSE_SERVER_IDENTITY_CHANGED', 'session-host',
    'License server {licenseServerUrl} answered with a new identity {serverId} (was {previousServerId}); the clearinghouse certifies it as a server of this host\'s organization {orgId}, so this host follows it.'),
  def(9241, SH, 'error', 'LICENSE_SERVER_IDENTITY_NOT_FOLLOWED', 'session-host',
    'License server {licenseServerUrl} answered with a new identity {serverId} (was {previousServerId}), which this host cannot vouch for ({reason}); it keeps the old identity. Check what answers at that address.'),
  def(9260, SH, 'information', 'TRUST_ANCHOR_ROTATED', 'session-host',
    'The clearinghouse key set was rotated (keys {keys}), endorsed by trusted key {endorsedBy}; the fingerprint of its root key stays {fingerprint}.'),
  // alerts (9270–9279, docs/alerts.md)
  def(9270, SH, 'warning', 'SH_ALERT_RAISED', 'session-host',
    'Alert raised ({kind}, {subject}): {message}'),
  def(9271, SH, 'information', 'SH_ALERT_CLEARED', 'session-host',
    'Alert cleared ({kind}, {subject}), raised on {since}.'),
  // the entitlement chain and the clock (9220–9229)
  def(9220, SH, 'error', 'CAL_FORGED_BY_ISSUER', 'session-host',
    'Device {device} presented a CAL signed by license server {licenseServerId} that no license server issues ({code}: kind {kind}, type {calType}, {lifetimeDays} days); it was refused and nothing was issued. Whoever holds that license server key signs forged licenses.'),
  def(9221, SH, 'warning', 'CAL_ISSUER_OTHER_ORGANIZATION', 'session-host',
    'Device {device} presented a CAL of license server {licenseServerId}, a server of organization {issuerOrganization}, not of this host\'s organization {organization}; it was not honoured and a CAL is requested from the listed license servers.'),
  def(9222, SH, 'warning', 'CAL_ISSUER_NOT_LISTED', 'session-host',
    'Device {device} presented a CAL of license server {licenseServerId}, which is neither on this host\'s list nor a server of its organization; it was not honoured.'),
  def(9223, SH, 'warning', 'PROVISIONAL_WINDOW_OVER', 'session-host',
    'CALs of pack {pack} of license server {licenseServerId} still come without the grant signed by the clearinghouse, {windowDays} days after this host first saw them ({firstSeenAt}); they are no longer honoured. Let that license server check in with the clearinghouse.'),
  def(9224, SH, 'information', 'PROVISIONAL_PACK_SEEN', 'session-host',
    'First CAL of pack {pack} of license server {licenseServerId} without its signed grant (a pack installed from a typed key pack ID): honoured until {windowEndsAt} ({windowDays} days) while the grant is on its way.'),
  def(9225, SH, 'warning', 'LICENSE_SERVER_CLOCK_SKEW', 'session-host',
    'The clock of license server {licenseServerUrl} differs from this host\'s by {skewSeconds} s, more than the {leewaySeconds} s tolerated: CALs it issues look {direction} here. Synchronise both clocks (NTP).'),
  def(9226, SH, 'information', 'HOST_ORGANIZATION_LEARNED', 'session-host',
    'This session host belongs to organization {organization} (from the certificate of license server {licenseServerUrl}); CALs of license servers of other organizations are not honoured.'),

  // ---- diagnoser, our range 9300–9399 (OpenCAL-Diagnoser) ---------------------------------------------------
  // (diagnoser events go here)
];

/** Our own id ranges, per component (inclusive). */
export const OWN_EVENT_RANGES: Readonly<Record<EventComponent, readonly [number, number]>> = {
  clearinghouse: [9000, 9099],
  'license-server': [9100, 9199],
  'session-host': [9200, 9299],
  diagnoser: [9300, 9399],
};

const BY_ID = new Map<number, EventDefinition>(EVENT_CATALOG.map((e) => [e.id, e]));

/** Event ids by name: `EVENTS.HOST_NOT_ALLOWED === 4141`. */
export const EVENTS: Readonly<Record<string, number>> = Object.fromEntries(EVENT_CATALOG.map((e) => [e.name, e.id]));

export function eventDefinition(id: number): EventDefinition | undefined {
  return BY_ID.get(id);
}

/**
 * The event's message with `{placeholders}` filled from `data`. A placeholder with no value stays visible as
 * `{name}` so a missing field is noticed rather than hidden. An unknown id renders `Event <id>` and its data.
 */
export function renderEventMessage(id: number, data: Readonly<Record<string, unknown>> = {}): string {
  const definition = BY_ID.get(id);
  if (!definition) {
    const keys = Object.keys(data);
    return keys.length === 0 ? `Event ${id}.` : `Event ${id}: ${keys.map((k) => `${k}=${formatValue(data[k])}`).join(', ')}.`;
  }
  return renderTemplate(definition.message, data);
}

export function renderTemplate(template: string, data: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, key: string) =>
    Object.prototype.hasOwnProperty.call(data, key) && data[key] !== undefined && data[key] !== null ? formatValue(data[key]) : whole,
  );
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}
