/**
 * What every session host use case receives: its database, clock, settings, the HTTP peers, and the verified
 * trust material cached in memory (trust anchor key set, revocation list, license server identities).
 */
import type { Clock } from '../core/clock';
import type { RevocationListPayload } from '../core/protocol';
import type { LayerSettings } from '../core/session-host-rules';
import type { CalVersion, ConfigLayer } from '../core/vocabulary';
import type { EventComponent } from '../core/events';
import type { Change } from '../storage/change';
import type { Database } from '../storage/database';
import type { AnchorKey, Identity, KeySet } from '../trust/index';
import type { SessionHostPeers } from './license-server-client';
import type { SessionHostTables } from './session-host.repository';

export type Directory = 'domain' | 'workgroup';

export interface SessionHostSettings {
  hostName: string;
  hostVersion: CalVersion;
  directory: Directory;
  clearinghouseUrl?: string;
  /** pin: the trust anchor fetched from the clearinghouse must have this fingerprint. */
  trustFingerprint?: string;
  /** tolerated clock difference with license servers, in seconds (default DEFAULT_CLOCK_LEEWAY_SECONDS). */
  clockLeewaySeconds?: number;
}

/** The license server known behind a URL, and what changed there (DESIGN §4: identities survive a reinstall). */
export interface KnownIdentity {
  serverId: string;
  publicKey: Uint8Array;
  version?: number;
  /** the server ID this one replaced behind the same URL (followed: a server of this host's organization) */
  previousServerId?: string;
  changedAt?: string;
  /** a new identity seen behind the URL that this host did not follow, and why */
  held?: { serverId: string; reason: string; at: string };
}

export interface TrustCache {
  anchor?: KeySet;
  /** the trusted set's keys as stored: a new set is compared with them, and taken only when endorsed */
  anchorKeys?: readonly Partial<AnchorKey>[];
  fingerprint?: string;
  revocations?: RevocationListPayload;
  /** when the revocation list was last received from the clearinghouse (or a file), even unchanged. */
  revocationsFetchedAt?: Date;
  /** the provisional window the clearinghouse's trust anchor names (`provisionalWindowDays`), if it does. */
  provisionalWindowDays?: number;
  /** listed license servers: URL -> { serverId, publicKey raw } */
  identities: Map<string, KnownIdentity>;
  /** this host's organization, as its license server registered it at enrolment (trust.usecase `hostOrganization`) */
  organization?: string;
}

export interface SessionHostContext {
  readonly database: Database;
  readonly clock: Clock;
  readonly settings: SessionHostSettings;
  readonly peers: SessionHostPeers;
  /** layers fixed by the configuration file; they win over what the API stored for the same layer. */
  readonly fileLayers: Partial<Record<ConfigLayer, LayerSettings>>;
  readonly trust: TrustCache;
  /** this host's key pair (host.key, mode 0600, outside sh.db); its `kid` is the host ID. */
  readonly identity: Identity;
  /** the one way a use case changes the database and records events (storage/change.ts). */
  readonly change: Change<SessionHostTables>;
}

export const COMPONENT: EventComponent = 'session-host';
