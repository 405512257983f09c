/**
 * What every license server use case receives: the license database, time, randomness, the server identity
 * (as a signing function whose JWS `kid` is the license server ID), the event log, and the link to the
 * clearinghouse (its trust anchor and, when online, its API).
 */
import type { Clock } from '../core/clock';
import type { Result } from '../core/result';
import type { ServerVersion } from '../core/vocabulary';
import type { AnchorKey, KeySet } from '../trust/index';
import type { Change } from '../storage/change';
import type { ChainStateStore } from '../trust/index';
import type { ClearinghouseClient } from './clearinghouse.client';
import type { IssuanceStore, LsDb, LsTables, ServerState } from './license-server.repository';

export interface TrustAnchor {
  /** verify a clearinghouse JWS (certificate, grant, revocation list) of the expected `typ`. */
  verify<T>(token: string, typ: string): Promise<Result<T>>;
  /** the clearinghouse root public key (raw 32 bytes). */
  publicKeyRaw: Uint8Array;
  fingerprint: string;
  /** MAC key of the codes between this license server and the clearinghouse (from its root key, kept by rotations). */
  macKey: Uint8Array;
  /** days what a typed code creates is honoured without its signed document (the anchor's; absent: the default). */
  provisionalWindowDays?: number;
  /** the clearinghouse key set, and its keys as pinned */
  keySet: KeySet;
  keys: readonly Partial<AnchorKey>[];
}

/** What a refresh of the trust anchor did: `changed` when a rotated set (endorsed by a pinned key) was taken. */
export interface TrustRefresh {
  changed: boolean;
  fingerprint: string;
  kids: string[];
  endorsedBy?: string;
}

export interface ClearinghouseLink {
  /** origin of the clearinghouse, when this site is online. */
  readonly url?: string;
  /** the pinned trust anchor; fetched from `GET /ch/v1/trust` the first time when a URL is given. */
  anchor(): Promise<Result<TrustAnchor>>;
  /** the trust anchor if already known (no network). */
  cached(): TrustAnchor | undefined;
  /** fetch the key set again (check-in): a rotated set is taken only when a pinned key endorses it. */
  refresh(): Promise<Result<TrustRefresh>>;
  /** the signed-request API; absent for an air-gapped site. */
  readonly client?: ClearinghouseClient;
}

/** The server row and the allow-list as issuance reads them on every request. */
export interface IssuanceState {
  server: ServerState;
  /** allow-list names, lower-cased. */
  allowList: ReadonlySet<string>;
}

/**
 * An in-memory copy of what every CAL request reads (the license server is one process per site, DESIGN §9).
 * Every change made through `ctx.change` (every use case that changes the license database other than by issuing)
 * calls `invalidate()` when it is over, whatever its outcome; the copy is also reloaded at least every second, for
 * changes made by another process on the same database.
 */
export interface StateCache {
  get(): Promise<IssuanceState>;
  invalidate(): void;
  /** called on every invalidate(), e.g. to drop cached key packs. */
  onInvalidate(listener: () => void): void;
}

/** Runs one CAL request's reads and writes in one transaction (a group commit on SQLite, see group-commit.ts). */
export type IssuanceRunner = <T>(work: (store: IssuanceStore) => Promise<T>) => Promise<T>;

export interface LicenseServerContext {
  readonly db: LsDb;
  readonly clock: Clock;
  readonly random: (n: number) => Uint8Array;
  readonly serverId: string;
  readonly productId: string;
  /** base64url of the raw Ed25519 public key. */
  readonly publicKey: string;
  readonly serverVersion: ServerVersion;
  /** sign a payload with the server identity (compact JWS, kid = license server ID). */
  sign(payload: object): Promise<string>;
  /** the one way a use case changes the license database and records events (storage/change.ts); drops the cache. */
  readonly change: Change<LsTables>;
  readonly clearinghouse: ClearinghouseLink;
  /** the check-in chain kept beside the identity key, outside the license database (trust/chain-state.ts). */
  readonly chain: ChainStateStore;
  readonly cache: StateCache;
  /** how CAL issuance runs its transactions. */
  readonly issuance: IssuanceRunner;
}

const STATE_MAX_AGE_MS = 1000;

export function createStateCache(load: () => Promise<IssuanceState>): StateCache {
  let current: { value: IssuanceState; loadedAt: number } | undefined;
  let loading: Promise<IssuanceState> | undefined;
  let generation = 0;
  const listeners: (() => void)[] = [];
  return {
    async get() {
      if (current && performance.now() - current.loadedAt < STATE_MAX_AGE_MS) return current.value;
      if (!loading) {
        const started = generation;
        const startedAt = performance.now();
        loading = load().then(
          (value) => {
            loading = undefined;
            // An invalidate() during the load means the value may be older than the change: use it once, keep none.
            if (started === generation) current = { value, loadedAt: startedAt };
            return value;
          },
          (error: unknown) => {
            loading = undefined;
            throw error;
          },
        );
      }
      return loading;
    },
    invalidate() {
      generation += 1;
      current = undefined;
      loading = undefined;
      for (const listener of listeners) listener();
    },
    onInvalidate(listener) {
      listeners.push(listener);
    },
  };
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * `prefix` + the time in milliseconds (12 hex digits) + 9 random bytes: unique and unguessable, and in time order,
 * so that new rows are appended to the primary key index instead of landing on a random page of it.
 */
export function newId(ctx: Pick<LicenseServerContext, 'random' | 'clock'>, prefix: string): string {
  const ms = Math.max(0, Math.floor(ctx.clock.now().getTime()));
  return prefix + ms.toString(16).padStart(12, '0') + Buffer.from(ctx.random(9)).toString('base64url');
}

/** Random bytes drawn from `random` 4 KiB at a time (one call per CAL instead of two or three). */
export function pooledRandom(random: (n: number) => Uint8Array): (n: number) => Uint8Array {
  const SIZE = 4096;
  let pool: Uint8Array = new Uint8Array(0);
  let offset = 0;
  return (n) => {
    if (n > SIZE / 4) return random(n);
    if (offset + n > pool.length) {
      pool = random(SIZE);
      offset = 0;
    }
    const out = pool.slice(offset, offset + n);
    offset += n;
    return out;
  };
}
