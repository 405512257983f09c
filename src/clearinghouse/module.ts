/**
 * The clearinghouse component: `createClearinghouse(options)` -> `{ module, close(), useCases, adminToken? }`.
 * The composition root mounts `module` with buildServer. Several clearinghouse processes may share one
 * PostgreSQL database: every invariant lives in the database (constraints, conditional updates, the locked
 * audit chain head), none in process memory.
 */
import type { Clock } from '../core/clock';
import { DEFAULT_CERTIFICATE_DAYS, DEFAULT_NONCE_WINDOW_SECONDS, DEFAULT_THRESHOLDS } from '../core/clearinghouse-rules';
import type { ComponentModule } from '../http/server';
import type { Database } from '../storage/database';
import { createChange } from '../storage/change';
import { migrateToLatest } from '../storage/migrations';
import { createToken, ensureToken, listTokens, tokenStore } from '../storage/tokens.repository';
import { clearinghouseKid, withKid, type Identity } from '../trust/index';
import { appendAudit, type AuditEntry, type ChDb, type ChTables } from './clearinghouse.repository';
import { clearinghouseRoutes } from './clearinghouse.routes';
import type { ChContext, ClearinghouseConfig } from './context';
import { clearinghouseMigrations } from './migrations';
import { clearinghouseUseCases, type ClearinghouseUseCases } from './ports';

export interface ClearinghouseOptions {
  database: Database;
  clock: Clock;
  random: (n: number) => Uint8Array;
  /** the root key (trust anchor); its kid is set to `ch-` + 16 chars of base64url(sha256(pub)). */
  identity: Identity;
  config?: Partial<ClearinghouseConfig>;
  /** bootstrap `ch:admin` token, provisioned (hashed) if not already present. */
  adminToken?: string;
}

export const DEFAULT_CLEARINGHOUSE_CONFIG: ClearinghouseConfig = {
  certificateDays: DEFAULT_CERTIFICATE_DAYS,
  silenceDays: DEFAULT_THRESHOLDS.silenceDays,
  transferBudget: DEFAULT_THRESHOLDS.transferBudget,
  transferWindowDays: DEFAULT_THRESHOLDS.transferWindowDays,
  nonceWindowSeconds: DEFAULT_NONCE_WINDOW_SECONDS,
};

export type { ClearinghouseUseCases };

export interface Clearinghouse {
  module: ComponentModule;
  useCases: ClearinghouseUseCases;
  /** set when this start created the first admin token: print it once, it is not stored. */
  adminToken?: string;
  close(): Promise<void>;
}

export async function createClearinghouse(options: ClearinghouseOptions): Promise<Clearinghouse> {
  const { database, clock, random } = options;
  await migrateToLatest(database, clearinghouseMigrations);
  const identity = options.identity.kid.startsWith('ch-') ? options.identity : withKid(options.identity, clearinghouseKid(options.identity.publicKeyRaw));
  const config: ClearinghouseConfig = { ...DEFAULT_CLEARINGHOUSE_CONFIG, ...stripUndefined(options.config ?? {}) };
  const db = database.db as ChDb;
  const change = createChange<ChTables, AuditEntry>({
    db,
    component: 'clearinghouse',
    clock,
    beforeCommit: (trx, log, at) => appendAudit(trx, database.dialect, at.toISOString(), log.audit),
  });
  const ctx: ChContext = { database, db, clock, random, identity, config, change };

  let adminToken: string | undefined;
  if (options.adminToken !== undefined) {
    await ensureToken(database.db, { scope: 'ch:admin', token: options.adminToken, label: 'bootstrap admin' }, clock);
  } else if ((await listTokens(database.db, { scope: 'ch:admin' })).length === 0) {
    adminToken = (await createToken(database.db, { scope: 'ch:admin', label: 'bootstrap admin' }, clock, random)).token;
  }

  const useCases = clearinghouseUseCases(ctx);
  const module: ComponentModule = {
    name: 'clearinghouse',
    prefix: '/ch/v1',
    tokenStore: tokenStore(database.db),
    routes: (app) => clearinghouseRoutes(app, useCases),
  };
  return {
    module,
    useCases,
    ...(adminToken !== undefined ? { adminToken } : {}),
    async close() {
      // The database belongs to the caller; the clearinghouse holds no timers or handles of its own.
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
