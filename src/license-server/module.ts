/**
 * The license server (DESIGN §1: the RD License Server and its licmgr.exe): one per site, with a data directory
 * holding the identity key file (`identity.key`, 0600, outside the license database as RDS keeps it outside
 * TLSLic.edb), its check-in chain beside it (`check-in-chain.json`, 0600) and, unless a database is given, the
 * license database `lserver.db`.
 * A new data directory is a new identity, so a new license server ID (a reinstall); the same directory keeps it.
 */
import { hash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { licenseServerIdFromPublicKey, productIdFromPublicKey } from '../core/codes/index';
import type { Clock } from '../core/clock';
import { ok, refuse, type Result } from '../core/result';
import type { ServerVersion } from '../core/vocabulary';
import type { ComponentModule } from '../http/server';
import { createChange } from '../storage/change';
import { sqlitePathFromUrl, type Database } from '../storage/database';
import { commonMigrations, migrateToLatest } from '../storage/migrations';
import { ensureToken, tokenStore, type TokenPrincipal, type TokenStore } from '../storage/tokens.repository';
import {
  acceptAnchor,
  base64urlDecode,
  base64urlEncode,
  CHAIN_STATE_FILE,
  chainStateStore,
  clearinghouseKid,
  codeKeyOf,
  codeMacKey,
  isEd25519PublicKey,
  keySetFromJwks,
  loadOrCreateIdentity,
  verifyJws,
  withKid,
  type Identity,
} from '../trust/index';
import { createClearinghouseClient, type TrustAnswer } from './clearinghouse.client';
import { createStateCache, hex, pooledRandom, type ClearinghouseLink, type IssuanceRunner, type LicenseServerContext, type TrustAnchor, type TrustRefresh } from './context';
import { startCheckpointer, type Checkpointer } from './checkpointer';
import { createSigner } from './signer';
import { createGroupCommit, type GroupCommit } from './group-commit';
import { openIssuanceConnection, type IssuanceConnection } from './issuance.repository';
import * as repo from './license-server.repository';
import type { LsDb, LsTables } from './license-server.repository';
import { licenseServerMigrations } from './migrations';
import { licenseServerRoutes } from './license-server.routes';
import { DEFAULT_ALERT_THRESHOLDS, type AlertThresholds } from '../core/alert-rules';
import { DEFAULT_ALERT_INTERVAL_MS, type AlertMonitor } from '../storage/alerts';
import { licenseServerAlertRoutes } from './alerts.routes';
import { licenseServerAlerts, licenseServerMetrics } from './alerts.usecase';
import { licenseServerUseCases, type LicenseServerUseCases } from './ports';
import { reportLapses } from './provisional.usecase';

export interface LicenseServerOptions {
  /** holds identity.key (0600); the composition root opens the license database there (licenseDatabaseUrl). */
  dataDir: string;
  /** the license database, opened and closed by the composition root. */
  database: Database;
  clock: Clock;
  random: (n: number) => Uint8Array;
  /** the Windows Server version this license server runs as (2012…2025): it hosts CALs of its version or older. */
  serverVersion: ServerVersion;
  /** origin of the clearinghouse (e.g. http://127.0.0.1:7878); absent for an air-gapped site. */
  clearinghouseUrl?: string;
  /**
   * The clearinghouse trust anchor for an air-gapped site (or to pin it): the base64url raw Ed25519 public key,
   * or a path to a file holding it, or holding the JSON answer of `GET /ch/v1/trust`.
   */
  clearinghouseKey?: string;
  /** a bootstrap `ls:admin` token, provisioned idempotently. */
  adminToken?: string;
  /** periodic check-in with the clearinghouse; off when absent or 0. */
  checkInIntervalMs?: number;
  /** the alert thresholds and how often they are evaluated (docs/alerts.md); defaults, every 60 s, when absent */
  alerts?: { thresholds: AlertThresholds; intervalMs: number };
}


export interface LicenseServer {
  module: ComponentModule;
  close(): Promise<void>;
  serverId: string;
  productId: string;
  useCases: LicenseServerUseCases;
  /** the license server's alerts (pack nearly exhausted, certificate or grant expiring), also GET /ls/v1/alerts */
  alerts: AlertMonitor;
  checkIn: LicenseServerUseCases['checkIn'];
  context: LicenseServerContext;
  database: Database;
}

const TRUST_FILE = 'clearinghouse-trust.json';
/** How often the license server looks for provisional activations and key packs whose window lapsed. */
const LAPSE_REPORT_INTERVAL_MS = 60 * 60 * 1000;

/** Session hosts present their token on every CAL request: live tokens are remembered for a second. */
const TOKEN_MAX_AGE_MS = 1000;
const TOKEN_CACHE_SIZE = 10_000;

function cachedTokenStore(store: TokenStore): TokenStore {
  const known = new Map<string, { principal: TokenPrincipal; at: number }>();
  // Keyed by the token's SHA-256 (never the token itself), made in one call.
  const keyOf = (token: string) => hash('sha256', token, 'base64');
  const fresh = (key: string) => {
    const hit = known.get(key);
    return hit && performance.now() - hit.at < TOKEN_MAX_AGE_MS ? hit.principal : undefined;
  };
  return {
    known: (token) => fresh(keyOf(token)),
    async find(token) {
      const key = keyOf(token);
      const hit = fresh(key);
      if (hit) return hit;
      const principal = await store.find(token);
      if (principal) {
        if (known.size >= TOKEN_CACHE_SIZE) known.clear();
        known.set(key, { principal, at: performance.now() });
      } else {
        known.delete(key);
      }
      return principal;
    },
  };
}

/**
 * The trust anchor from its keys (`{ keys: [{ kid, x, notAfter?, revokedAt?, codes? }] }`): the key set verifies the
 * clearinghouse's documents, and the codes' MAC key derives from its root key (`codes: true`, else the first one),
 * which rotations keep.
 */
function anchorFrom(identity: Identity, trust: TrustAnswer, onUnknownKey?: () => Promise<TrustAnchor | undefined>): TrustAnchor {
  if (!trust || !Array.isArray(trust.keys) || trust.keys.length === 0) throw new Error('the trust anchor lists no key');
  const keys = keySetFromJwks(trust);
  const raw = codeKeyOf(trust);
  if (!isEd25519PublicKey(raw)) throw new Error('the trust anchor key is not an Ed25519 public key');
  const window = trust.provisionalWindowDays;
  return {
    publicKeyRaw: raw,
    fingerprint: trust.fingerprint ?? clearinghouseKid(raw),
    macKey: codeMacKey(identity, raw),
    ...(Number.isInteger(window) && window! > 0 ? { provisionalWindowDays: window } : {}),
    keySet: keys,
    keys: trust.keys,
    async verify<T>(token: string, typ: string): Promise<Result<T>> {
      const r = await verifyJws<T>(token, keys, typ);
      if (!r.ok && r.error.code === 'JWS_UNKNOWN_KEY' && onUnknownKey) {
        // Signed by a key added since this set was pinned: take the rotated set (if endorsed) and try once more.
        const fresher = await onUnknownKey();
        if (fresher) return fresher.verify<T>(token, typ);
      }
      return r.ok ? ok(r.value.payload) : r;
    },
  };
}

function trustFromKeyText(text: string): TrustAnswer {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return JSON.parse(trimmed) as TrustAnswer;
  const raw = base64urlDecode(trimmed);
  if (!isEd25519PublicKey(raw)) throw new Error('the clearinghouse key is not a base64url Ed25519 public key');
  const kid = clearinghouseKid(raw);
  return { keys: [{ kty: 'OKP', crv: 'Ed25519', kid, x: base64urlEncode(raw), alg: 'EdDSA', use: 'sig' }], fingerprint: kid };
}

function createLink(o: LicenseServerOptions, identity: Identity, serverId: string): ClearinghouseLink {
  const client = o.clearinghouseUrl
    ? createClearinghouseClient({ url: o.clearinghouseUrl, identity, serverId, clock: o.clock, random: o.random })
    : undefined;
  const pinned = join(o.dataDir, TRUST_FILE);
  let cached: TrustAnchor | undefined;
  const make = (trust: TrustAnswer) =>
    anchorFrom(identity, trust, async () => {
      const r = await refresh();
      return r.ok && r.value.changed ? cached : undefined;
    });
  if (o.clearinghouseKey) {
    const text = existsSync(o.clearinghouseKey) ? readFileSync(o.clearinghouseKey, 'utf8') : o.clearinghouseKey;
    cached = make(trustFromKeyText(text));
  } else if (existsSync(pinned)) {
    cached = make(JSON.parse(readFileSync(pinned, 'utf8')) as TrustAnswer);
  }
  const pin = (answer: TrustAnswer) => writeFileSync(pinned, JSON.stringify(answer, null, 2), { mode: 0o644 });

  /**
   * The key set again from the clearinghouse: a rotated set is taken only when a key of the pinned set endorses it
   * (docs/clearinghouse.md "Rotating the keys"); otherwise the pinned set stays and the refusal is answered.
   */
  async function refresh(): Promise<Result<TrustRefresh>> {
    if (!client) return refuse('CLEARINGHOUSE_NOT_CONFIGURED', { action: 'refresh the trust anchor' });
    const answer = await client.trust();
    if (!answer.ok) return answer;
    const accepted = await acceptAnchor(cached ? { keys: cached.keySet, stored: cached.keys } : undefined, answer.value, o.clearinghouseUrl ?? 'clearinghouse');
    if (!accepted.ok) return accepted;
    if (!accepted.value.changed && cached) return ok({ changed: false, fingerprint: cached.fingerprint, kids: [...cached.keySet.kids] });
    // The key set as accepted, with the provisional window the clearinghouse publishes beside it (docs/codes.md).
    const window = answer.value.provisionalWindowDays;
    const stored = { ...accepted.value.anchor, ...(typeof window === 'number' ? { provisionalWindowDays: window } : {}) } as TrustAnswer;
    try {
      cached = make(stored);
    } catch (e) {
      return refuse('BAD_RESPONSE', { problem: 'trust-anchor', reason: (e as Error).message });
    }
    // Pinned: later starts trust this set, not whatever answers at the URL.
    pin(stored);
    return ok({ changed: true, fingerprint: cached.fingerprint, kids: [...cached.keySet.kids], ...(accepted.value.endorsedBy ? { endorsedBy: accepted.value.endorsedBy } : {}) });
  }

  return {
    url: o.clearinghouseUrl,
    client,
    cached: () => cached,
    refresh,
    async anchor() {
      if (cached) return ok(cached);
      if (!client) return refuse('TRUST_ANCHOR_MISSING');
      const r = await refresh();
      if (!r.ok) return r.error.code === 'TRUST_ANCHOR_INVALID' ? refuse('BAD_RESPONSE', { problem: 'trust-anchor', reason: r.error.message }) : r;
      return ok(cached!);
    },
  };
}

/** The license database of a data directory, when no other is configured (`<dataDir>/lserver.db`; the directory is made). */
export function licenseDatabaseUrl(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return `sqlite:${join(dataDir, 'lserver.db')}`;
}

export async function createLicenseServer(o: LicenseServerOptions): Promise<LicenseServer> {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const loaded = loadOrCreateIdentity(join(o.dataDir, 'identity.key'));
  const serverId = licenseServerIdFromPublicKey(loaded.publicKeyRaw);
  const identity = withKid(loaded, serverId);
  const productId = productIdFromPublicKey(identity.publicKeyRaw);
  const database = o.database;
  const db = database.db as LsDb;
  await migrateToLatest(database, { ...commonMigrations, ...licenseServerMigrations });
  await repo.ensureServer(db, hex(o.random(16)));
  if (o.adminToken) await ensureToken(database.db, { scope: 'ls:admin', subject: 'admin', label: 'bootstrap admin token', token: o.adminToken }, o.clock);

  // SQLite file: CAL requests are committed in groups on a connection of their own (group-commit.ts).
  // PostgreSQL (several connections, concurrent transactions) and :memory: (one connection only): one transaction each.
  let groupCommit: GroupCommit | undefined;
  let issuanceConnection: IssuanceConnection | undefined;
  let checkpointer: Checkpointer | undefined;
  if (database.dialect === 'sqlite') {
    const file = sqlitePathFromUrl(database.url);
    if (file !== ':memory:') {
      const row = await repo.sqliteSynchronous(db);
      issuanceConnection = openIssuanceConnection({ file, synchronous: row, clock: o.clock });
      groupCommit = createGroupCommit(db, issuanceConnection);
      checkpointer = startCheckpointer(file);
    }
  }
  const signer = createSigner(identity);
  const random = pooledRandom(o.random);
  const cache = createStateCache(() => repo.issuanceState(db));
  const change = createChange<LsTables>({ db, component: 'license-server', clock: o.clock, retries: 5, afterwards: () => cache.invalidate() });
  // One transaction per request where there is no group commit; retried like every change, the cache left alone.
  const issueInTransaction = createChange<LsTables>({ db, component: 'license-server', clock: o.clock, retries: 5 });
  const issuanceRunner: IssuanceRunner = groupCommit
    ? groupCommit.run
    : async (work) => {
        const done = await issueInTransaction(async (trx) => ok(await work(repo.kyselyIssuanceStore(trx, o.clock))));
        if (!done.ok) throw new Error('unreachable: issuance work answers in its own Result');
        return done.value;
      };

  const ctx: LicenseServerContext = {
    db,
    clock: o.clock,
    random,
    serverId,
    productId,
    publicKey: base64urlEncode(identity.publicKeyRaw),
    serverVersion: o.serverVersion,
    sign: (payload) => signer.sign(payload),
    change,
    clearinghouse: createLink(o, identity, serverId),
    chain: chainStateStore(join(o.dataDir, CHAIN_STATE_FILE)),
    cache,
    issuance: issuanceRunner,
  };
  // Key packs held in memory by the group commit follow every change made by the other use cases.
  if (issuanceConnection) ctx.cache.onInvalidate(issuanceConnection.forgetKeyPacks);
  const useCases = licenseServerUseCases(ctx);

  const server = await repo.getServer(db);
  if (server.status === 'unactivated') await change.event(18, { serverId });

  // What typed codes created lapses at the end of its window whether or not anyone looks (docs/codes.md): an
  // air-gapped site records it too. Issuance never depends on this report (the state is derived from the deadline).
  const lapses = setInterval(() => {
    void reportLapses(ctx).catch(() => undefined);
  }, LAPSE_REPORT_INTERVAL_MS);
  lapses.unref();

  let timer: NodeJS.Timeout | undefined;
  if (o.checkInIntervalMs && o.checkInIntervalMs > 0 && o.clearinghouseUrl) {
    timer = setInterval(() => {
      void useCases.checkIn().catch(() => undefined);
    }, o.checkInIntervalMs);
    timer.unref();
  }

  const alerts = licenseServerAlerts(ctx, o.alerts?.thresholds ?? DEFAULT_ALERT_THRESHOLDS);
  alerts.start(o.alerts?.intervalMs ?? DEFAULT_ALERT_INTERVAL_MS);
  const module: ComponentModule = {
    name: 'license-server',
    prefix: '/ls/v1',
    tokenStore: cachedTokenStore(tokenStore(database.db)),
    routes: async (app) => {
      await licenseServerRoutes(app, useCases);
      licenseServerAlertRoutes(alerts, () => licenseServerMetrics(ctx))(app);
    },
  };
  let closed = false;
  return {
    module,
    serverId,
    productId,
    useCases,
    alerts,
    checkIn: useCases.checkIn,
    context: ctx,
    database,
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      clearInterval(lapses);
      alerts.close();
      await groupCommit?.close();
      await checkpointer?.close();
      await signer.close();
    },
  };
}
