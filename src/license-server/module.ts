/**
 * The license server (DESIGN §1: the RD License Server and its licmgr.exe): one per site, with a data directory
 * holding the identity key file (`identity.key`, 0600, outside the license database as RDS keeps it outside
 * TLSLic.edb) and, unless a database is given, the license database `lserver.db`.
 * A new data directory is a new identity, so a new license server ID (a reinstall); the same directory keeps it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { licenseServerIdFromPublicKey, productIdFromPublicKey } from '../core/codes/index';
import type { Clock } from '../core/clock';
import { ok, refuse, type Result } from '../core/result';
import type { ServerVersion } from '../core/vocabulary';
import { recordEvent } from '../events/event-log';
import type { ComponentModule } from '../http/server';
import { openDatabase, type Database } from '../storage/database';
import { commonMigrations, migrateToLatest } from '../storage/migrations';
import { ensureToken, tokenStore } from '../storage/tokens.repository';
import {
  base64urlDecode,
  base64urlEncode,
  clearinghouseKid,
  codeMacKey,
  isEd25519PublicKey,
  keySetFromJwks,
  loadOrCreateIdentity,
  signJws,
  verifyJws,
  withKid,
  type Identity,
} from '../trust/index';
import * as activation from './activation.usecase';
import { checkIn } from './check-in.usecase';
import { createClearinghouseClient, type TrustAnswer } from './clearinghouse.client';
import { hex, type ClearinghouseLink, type LicenseServerContext, type TrustAnchor } from './context';
import * as hosts from './hosts.usecase';
import * as issuance from './issuance.usecase';
import * as issued from './issued.usecase';
import * as keyPacks from './key-packs.usecase';
import * as repo from './license-server.repository';
import { licenseServerMigrations } from './migrations';
import { rebuild } from './rebuild.usecase';
import { licenseServerRoutes } from './license-server.routes';
import { status } from './status.usecase';

export interface LicenseServerOptions {
  /** holds identity.key (0600) and, unless `database` is given, lserver.db. */
  dataDir: string;
  /** the license database; default `sqlite:<dataDir>/lserver.db`. Closed by close() only when opened here. */
  database?: Database;
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
}

export type LicenseServerUseCases = ReturnType<typeof bindUseCases>;

export interface LicenseServer {
  module: ComponentModule;
  close(): Promise<void>;
  serverId: string;
  productId: string;
  useCases: LicenseServerUseCases;
  checkIn: LicenseServerUseCases['checkIn'];
  context: LicenseServerContext;
  database: Database;
}

const TRUST_FILE = 'clearinghouse-trust.json';

function bindUseCases(ctx: LicenseServerContext) {
  return {
    status: () => status(ctx),
    activate: (input: activation.ActivateInput) => activation.activate(ctx, input),
    reactivate: (input: activation.ReactivateInput) => activation.reactivate(ctx, input),
    deactivate: () => activation.deactivate(ctx),
    makeMigrationCode: (input: Parameters<typeof activation.makeMigrationCode>[1]) => activation.makeMigrationCode(ctx, input),
    listKeyPacks: () => keyPacks.listKeyPacks(ctx),
    installByPackKey: (input: keyPacks.InstallByPackKey) => keyPacks.installByPackKey(ctx, input),
    installByKeyPackId: (input: { keyPackId: string; method?: 'web' | 'phone' }) => keyPacks.installByKeyPackId(ctx, input),
    requestCal: (host: string, req: issuance.CalRequest) => issuance.requestCal(ctx, host, req),
    validateCal: (host: string, jti: string) => issuance.validateCal(ctx, host, jti),
    createJoinToken: (input: { name: string }) => hosts.createJoinToken(ctx, input),
    enroll: (input: { joinToken: string; name: string }) => hosts.enroll(ctx, input),
    listHosts: () => hosts.listHosts(ctx),
    setAllowList: (input: { enabled: boolean; hosts: string[] }) => hosts.setAllowList(ctx, input),
    listIssued: (filter: repo.IssuedFilter) => issued.listIssued(ctx, filter),
    revoke: (input: { device: string }) => issued.revoke(ctx, input),
    perUserReport: () => issued.perUserReport(ctx),
    rebuild: (input: { force?: boolean }) => rebuild(ctx, input),
    checkIn: () => checkIn(ctx),
    setSettings: async (input: { preventUpgrade?: boolean }) => {
      if (input.preventUpgrade !== undefined) await repo.updateServer(ctx.db, { preventUpgrade: input.preventUpgrade });
      const s = await repo.getServer(ctx.db);
      return { preventUpgrade: s.preventUpgrade, allowListEnabled: s.allowListEnabled };
    },
  };
}

/** Parse the trust anchor: `{ keys: [{ kid, x }] }`, or a bare base64url key. */
function anchorFrom(identity: Identity, trust: TrustAnswer): TrustAnchor {
  if (!trust || !Array.isArray(trust.keys) || trust.keys.length === 0) throw new Error('the trust anchor lists no key');
  const keys = keySetFromJwks(trust);
  const root = trust.keys[0]!;
  const raw = base64urlDecode(root.x);
  if (!isEd25519PublicKey(raw)) throw new Error('the trust anchor key is not an Ed25519 public key');
  return {
    publicKeyRaw: raw,
    fingerprint: trust.fingerprint ?? clearinghouseKid(raw),
    macKey: codeMacKey(identity, raw),
    async verify<T>(token: string, typ: string): Promise<Result<T>> {
      const r = await verifyJws<T>(token, keys, typ);
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
  return { keys: [{ kty: 'OKP', crv: 'Ed25519', kid, x: base64urlEncode(raw) }], fingerprint: kid };
}

function createLink(o: LicenseServerOptions, identity: Identity, serverId: string): ClearinghouseLink {
  const client = o.clearinghouseUrl
    ? createClearinghouseClient({ url: o.clearinghouseUrl, identity, serverId, clock: o.clock, random: o.random })
    : undefined;
  const pinned = join(o.dataDir, TRUST_FILE);
  let cached: TrustAnchor | undefined;
  if (o.clearinghouseKey) {
    const text = existsSync(o.clearinghouseKey) ? readFileSync(o.clearinghouseKey, 'utf8') : o.clearinghouseKey;
    cached = anchorFrom(identity, trustFromKeyText(text));
  } else if (existsSync(pinned)) {
    cached = anchorFrom(identity, JSON.parse(readFileSync(pinned, 'utf8')) as TrustAnswer);
  }
  return {
    url: o.clearinghouseUrl,
    client,
    cached: () => cached,
    async anchor() {
      if (cached) return ok(cached);
      if (!client) return refuse('TRUST_ANCHOR_MISSING', 'No clearinghouse URL and no clearinghouse key were given.');
      const answer = await client.trust();
      if (!answer.ok) return answer;
      try {
        cached = anchorFrom(identity, answer.value);
      } catch (e) {
        return refuse('BAD_RESPONSE', `The clearinghouse trust anchor is unusable: ${(e as Error).message}`);
      }
      // Pinned: later starts trust this key, not whatever answers at the URL.
      writeFileSync(pinned, JSON.stringify(answer.value, null, 2), { mode: 0o644 });
      return ok(cached);
    },
  };
}

export async function createLicenseServer(o: LicenseServerOptions): Promise<LicenseServer> {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const loaded = loadOrCreateIdentity(join(o.dataDir, 'identity.key'));
  const serverId = licenseServerIdFromPublicKey(loaded.publicKeyRaw);
  const identity = withKid(loaded, serverId);
  const productId = productIdFromPublicKey(identity.publicKeyRaw);
  const ownsDatabase = o.database === undefined;
  const database = o.database ?? (await openDatabase(`sqlite:${join(o.dataDir, 'lserver.db')}`));
  try {
    await migrateToLatest(database, { ...commonMigrations, ...licenseServerMigrations });
    await repo.ensureServer(database.db, hex(o.random(16)));
    if (o.adminToken) await ensureToken(database.db, { scope: 'ls:admin', subject: 'admin', label: 'bootstrap admin token', token: o.adminToken }, o.clock);
  } catch (e) {
    if (ownsDatabase) await database.close();
    throw e;
  }

  const ctx: LicenseServerContext = {
    db: database.db,
    clock: o.clock,
    random: o.random,
    serverId,
    productId,
    publicKey: base64urlEncode(identity.publicKeyRaw),
    serverVersion: o.serverVersion,
    sign: (payload) => signJws(identity, payload),
    record: async (db, event) => {
      await recordEvent(db, { component: 'license-server', eventId: event.id, data: event.data, at: o.clock.now(), level: event.level });
    },
    clearinghouse: createLink(o, identity, serverId),
  };
  const useCases = bindUseCases(ctx);

  const server = await repo.getServer(database.db);
  if (server.status === 'unactivated') await ctx.record(ctx.db, { id: 18, data: { serverId } });

  let timer: NodeJS.Timeout | undefined;
  if (o.checkInIntervalMs && o.checkInIntervalMs > 0 && o.clearinghouseUrl) {
    timer = setInterval(() => {
      void checkIn(ctx).catch(() => undefined);
    }, o.checkInIntervalMs);
    timer.unref();
  }

  const module: ComponentModule = {
    name: 'license-server',
    prefix: '/ls/v1',
    tokenStore: tokenStore(database.db),
    routes: (app) => licenseServerRoutes(app, ctx, useCases),
  };
  let closed = false;
  return {
    module,
    serverId,
    productId,
    useCases,
    checkIn: useCases.checkIn,
    context: ctx,
    database,
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      if (ownsDatabase) await database.close();
    },
  };
}
