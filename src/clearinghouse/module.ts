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
import { activateAuto, activateByProductId, checkIn, deactivateAuto, deactivateByReceipt, holdings, reactivateAuto } from './activation.usecase';
import { auditOf, verifyAudit } from './audit.usecase';
import { appendAudit, listServers, type AuditEntry, type ChDb, type ChTables } from './clearinghouse.repository';
import { clearinghouseRoutes } from './clearinghouse.routes';
import type { ChContext, ClearinghouseConfig } from './context';
import { createAgent, createOrganization, createPack, organizations, packs } from './directory.usecase';
import { signedRevocationList, trustAnchor } from './documents';
import { installPack } from './install.usecase';
import { approveCase, cases, getCase, rejectCase, submitMigration } from './migration.usecase';
import { clearinghouseMigrations } from './migrations';
import { verifySignedRequest, type SignedAction } from './signed-request';

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

function bind<A extends unknown[], R>(ctx: ChContext, fn: (ctx: ChContext, ...args: A) => R): (...args: A) => R {
  return (...args: A) => fn(ctx, ...args);
}

function useCasesOf(ctx: ChContext) {
  return {
    database: ctx.database,
    context: ctx,
    trust: () => trustAnchor(ctx),
    revocations: () => signedRevocationList(ctx),
    verifySignedRequest: <B>(request: unknown, action: SignedAction) => verifySignedRequest<B>(ctx, request, action),
    createOrganization: bind(ctx, createOrganization),
    organizations: bind(ctx, organizations),
    createAgent: bind(ctx, createAgent),
    createPack: bind(ctx, createPack),
    packs: bind(ctx, packs),
    servers: (filter: { orgId?: string } = {}) => listServers(ctx.db, filter),
    activateAuto: bind(ctx, activateAuto),
    reactivateAuto: bind(ctx, reactivateAuto),
    deactivateAuto: bind(ctx, deactivateAuto),
    activateByProductId: bind(ctx, activateByProductId),
    deactivateByReceipt: bind(ctx, deactivateByReceipt),
    checkIn: bind(ctx, checkIn),
    holdings: bind(ctx, holdings),
    installPack: bind(ctx, installPack),
    submitMigration: bind(ctx, submitMigration),
    approveCase: bind(ctx, approveCase),
    rejectCase: bind(ctx, rejectCase),
    getCase: bind(ctx, getCase),
    cases: bind(ctx, cases),
    verifyAudit: () => verifyAudit(ctx),
    auditOf: bind(ctx, auditOf),
  };
}

export type ClearinghouseUseCases = ReturnType<typeof useCasesOf>;

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

  const useCases = useCasesOf(ctx);
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
