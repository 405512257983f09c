/**
 * The clearinghouse component: `createClearinghouse(options)` -> `{ module, close(), useCases, adminToken? }`.
 * The composition root mounts `module` with buildServer. Several clearinghouse processes may share one
 * PostgreSQL database: every invariant lives in the database (constraints, conditional updates, the locked
 * audit chain head), none in process memory. They share one key set too: the database records its public keys, and
 * a node whose key files are not that set's does not start (keys.usecase.ts, docs/keys.md).
 */
import type { Clock } from '../core/clock';
import { DEFAULT_CERTIFICATE_DAYS, DEFAULT_NONCE_WINDOW_SECONDS, DEFAULT_THRESHOLDS } from '../core/clearinghouse-rules';
import { DEFAULT_MIGRATION_CODE_DAYS, DEFAULT_PROVISIONAL_WINDOW_DAYS } from '../core/codes/index';
import type { ComponentModule } from '../http/server';
import type { Database } from '../storage/database';
import { createChange } from '../storage/change';
import { migrateToLatest } from '../storage/migrations';
import { createToken, ensureToken, listTokens, tokenStore } from '../storage/tokens.repository';
import { StartRefused } from '../http/front-door';
import { clearinghouseKid, generateIdentity, keyDirectory, keysInMemory, withKid, type Identity } from '../trust/index';
import { checkpointIfGrown } from './audit.usecase';
import { appendAudit, type AuditEntry, type ChDb, type ChTables } from './clearinghouse.repository';
import { clearinghouseRoutes } from './clearinghouse.routes';
import { DEFAULT_ALERT_THRESHOLDS, type AlertThresholds } from '../core/alert-rules';
import { DEFAULT_ALERT_INTERVAL_MS, type AlertMonitor } from '../storage/alerts';
import { clearinghouseAlertRoutes } from './alerts.routes';
import { clearinghouseAlerts, clearinghouseMetrics } from './alerts.usecase';
import type { ChContext, ClearinghouseConfig } from './context';
import { openKeyRing } from './keys.usecase';
import { clearinghouseMigrations } from './migrations';
import { clearinghouseUseCases, type ClearinghouseUseCases } from './ports';

export interface ClearinghouseOptions {
  database: Database;
  clock: Clock;
  random: (n: number) => Uint8Array;
  /**
   * Where the private keys of the key set are (`root.key`, `signing-<kid>.key`): the node's data directory. Every
   * node of one clearinghouse holds the same files; a key outside the set recorded in the database refuses the
   * start (StartRefused: CLEARINGHOUSE_KEY_NOT_IN_SET, CLEARINGHOUSE_KEY_MISSING). The root key is made on the
   * first start only.
   */
  keyDir?: string;
  /** or the root key itself, held in memory (tests, embedders); rotations then make keys in memory too. */
  identity?: Identity;
  config?: Partial<ClearinghouseConfig>;
  /** bootstrap `ch:admin` token, provisioned (hashed) if not already present. */
  adminToken?: string;
  /**
   * the key that signs audit checkpoints, held outside the database (the composition root loads `checkpoint.key`);
   * when absent, one is made in memory for this process only (checkpoints it signs verify only while it runs).
   */
  checkpointIdentity?: Identity;
  /** sign an audit checkpoint this often when the chain has grown (and once at start); off when absent or 0. */
  checkpointIntervalMs?: number;
  /** the alert thresholds and how often they are evaluated (docs/alerts.md); defaults, every 60 s, when absent */
  alerts?: { thresholds: AlertThresholds; intervalMs: number };
}

export const DEFAULT_CLEARINGHOUSE_CONFIG: ClearinghouseConfig = {
  certificateDays: DEFAULT_CERTIFICATE_DAYS,
  silenceDays: DEFAULT_THRESHOLDS.silenceDays,
  transferBudget: DEFAULT_THRESHOLDS.transferBudget,
  transferWindowDays: DEFAULT_THRESHOLDS.transferWindowDays,
  nonceWindowSeconds: DEFAULT_NONCE_WINDOW_SECONDS,
  provisionalWindowDays: DEFAULT_PROVISIONAL_WINDOW_DAYS,
  migrationCodeDays: DEFAULT_MIGRATION_CODE_DAYS,
};

export type { ClearinghouseUseCases };

export interface Clearinghouse {
  module: ComponentModule;
  useCases: ClearinghouseUseCases;
  /** the clearinghouse's alerts (case pending, clone case), evaluated on a timer and by GET /ch/v1/alerts */
  alerts: AlertMonitor;
  /** set when this start created the first admin token: print it once, it is not stored. */
  adminToken?: string;
  close(): Promise<void>;
}

export async function createClearinghouse(options: ClearinghouseOptions): Promise<Clearinghouse> {
  const { database, clock, random } = options;
  await migrateToLatest(database, clearinghouseMigrations);
  const config: ClearinghouseConfig = { ...DEFAULT_CLEARINGHOUSE_CONFIG, ...stripUndefined(options.config ?? {}) };
  const db = database.db as ChDb;
  const change = createChange<ChTables, AuditEntry>({
    db,
    component: 'clearinghouse',
    clock,
    beforeCommit: (trx, log, at) => appendAudit(trx, database.dialect, at.toISOString(), log.audit),
  });
  const files = options.keyDir !== undefined ? keyDirectory(options.keyDir) : keysInMemory(options.identity ? [options.identity] : []);
  const ring = await openKeyRing({ db, files, clock, change });
  if (!ring.ok) throw new StartRefused(ring.error);
  const keys = ring.value;
  // Each change reads the key set first when this node's copy is a few seconds old: a rotation made on another node.
  const changeWithKeys = Object.assign(
    async <T>(work: Parameters<typeof change<T>>[0]) => {
      await keys.refreshIfStale();
      return change(work);
    },
    { event: change.event },
  ) as typeof change;
  const checkpointBase = options.checkpointIdentity ?? generateIdentity();
  const checkpointIdentity = withKid(checkpointBase, checkpointKid(checkpointBase.publicKeyRaw));
  const ctx: ChContext = { database, db, clock, random, identity: keys.root, keys, checkpointIdentity, config, change: changeWithKeys };

  let adminToken: string | undefined;
  if (options.adminToken !== undefined) {
    await ensureToken(database.db, { scope: 'ch:admin', token: options.adminToken, label: 'bootstrap admin' }, clock);
  } else if ((await listTokens(database.db, { scope: 'ch:admin' })).length === 0) {
    adminToken = (await createToken(database.db, { scope: 'ch:admin', label: 'bootstrap admin' }, clock, random)).token;
  }

  const useCases = clearinghouseUseCases(ctx);

  let timer: NodeJS.Timeout | undefined;
  if (options.checkpointIntervalMs && options.checkpointIntervalMs > 0) {
    const tick = () => void checkpointIfGrown(ctx).catch(() => undefined);
    tick();
    timer = setInterval(tick, options.checkpointIntervalMs);
    timer.unref();
  }
  const alerts = clearinghouseAlerts(ctx, options.alerts?.thresholds ?? DEFAULT_ALERT_THRESHOLDS);
  alerts.start(options.alerts?.intervalMs ?? DEFAULT_ALERT_INTERVAL_MS);
  const module: ComponentModule = {
    name: 'clearinghouse',
    prefix: '/ch/v1',
    tokenStore: tokenStore(database.db),
    routes: async (app) => {
      await clearinghouseRoutes(app, useCases);
      clearinghouseAlertRoutes(alerts, () => clearinghouseMetrics(ctx))(app);
    },
  };
  return {
    module,
    useCases,
    alerts,
    ...(adminToken !== undefined ? { adminToken } : {}),
    async close() {
      // The database belongs to the caller; the checkpoint timer is the only handle of our own.
      if (timer) clearInterval(timer);
      alerts.close();
    },
  };
}

/** `cp-` + the first 16 characters of base64url(sha256(raw public key)), as the root key's `ch-` kid. */
function checkpointKid(raw: Uint8Array): string {
  return 'cp-' + clearinghouseKid(raw).slice('ch-'.length);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
