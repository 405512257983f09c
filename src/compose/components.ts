/**
 * The components of one OpenCAL process, made from their configuration slices: the one place that opens their
 * databases and keys and creates the clearinghouse, the license server and the session host — for the all-in-one
 * (`opencal serve`, all three) and for each component run alone (`opencal clearinghouse serve`, …).
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { OpenCalConfig } from '../config/schema';
import type { Clock } from '../core/clock';
import type { CalVersion } from '../core/vocabulary';
import type { AlertThresholds } from '../core/alert-rules';
import { createClearinghouse, type Clearinghouse } from '../clearinghouse/module';
import type { ComponentModule } from '../http/server';
import { createLicenseServer, licenseDatabaseUrl, type LicenseServer } from '../license-server/module';
import { randomBytes } from '../platform/random';
import { createSessionHost, type SessionHost } from '../session-host/module';
import { lockDataDirectory } from '../storage/data-lock';
import { retentionRules, startPruning, type PrunedComponent, type PruneTarget, type RetentionConfig } from './pruning';
import { openDatabase, type Database } from '../storage/database';
import { refusal } from '../core/result';
import { StartRefused } from '../http/front-door';
import { loadOrCreateIdentity } from '../trust/index';

/** The key that signs audit checkpoints, beside the root key and outside the database (docs/clearinghouse.md). */
const CHECKPOINT_KEY_FILE = 'checkpoint.key';
/** How often the clearinghouse signs a checkpoint of its audit chain, when the chain has grown. */
const CHECKPOINT_INTERVAL_MS = 60 * 60 * 1000;
/** A session host's key pair (DESIGN §4): beside sh.db, outside it, mode 0600. */
const SESSION_HOST_KEY_FILE = 'host.key';
/** How often a license server checks in with its clearinghouse. */
const CHECK_IN_INTERVAL_MS = 5 * 60 * 1000;

/** What the clearinghouse is given: its folder (ch.db and root.key), or a database URL for ch.db. */
export interface ClearinghouseSlice {
  dir: string;
  db?: string;
  adminToken: string;
  /** the clearinghouse's code settings (docs/codes.md); defaults when absent. */
  codes?: { provisionalWindowDays: number; migrationCodeDays: number };
}

/** What a license server is given: its folder (identity.key and, without `db`, lserver.db). */
export interface LicenseServerSlice {
  dir: string;
  db?: string;
  adminToken: string;
  serverVersion: CalVersion;
  /** absent for an air-gapped site */
  clearinghouseUrl?: string;
}

/** What a session host is given: its folder (sh.db) and who it is. */
export interface SessionHostSlice {
  dir: string;
  db?: string;
  adminToken: string;
  hostName: string;
  hostVersion: CalVersion;
  directory: 'domain' | 'workgroup';
  /** a JSON file fixing configuration layers */
  policyFile?: string;
  /** seconds of clock difference tolerated with license servers */
  clockLeewaySeconds?: number;
  clearinghouseUrl?: string;
}

/** Which components to make, each with its own slice of the configuration. */
export interface ComponentsConfig {
  clearinghouse?: ClearinghouseSlice;
  licenseServer?: LicenseServerSlice;
  sessionHost?: SessionHostSlice;
}

/** Where each component's folder is, and what all of them share. */
export interface SliceContext {
  dir: (component: 'clearinghouse' | 'license-server' | 'session-host') => string;
  adminToken: string;
  /** a database URL (a component run alone with --db) */
  db?: string;
  clearinghouseUrl?: string;
}

const given = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]?: V }));

/** The name a session host gives itself: --host-name, else the machine's. */
export function sessionHostName(config: OpenCalConfig): string {
  return config.hostName || hostname() || 'session-host';
}

export function clearinghouseSlice(config: OpenCalConfig, at: SliceContext): ClearinghouseSlice {
  return {
    dir: at.dir('clearinghouse'),
    adminToken: at.adminToken,
    codes: { provisionalWindowDays: config.provisionalWindowDays, migrationCodeDays: config.migrationCodeDays },
    ...given('db', at.db),
  };
}

export function licenseServerSlice(config: OpenCalConfig, at: SliceContext): LicenseServerSlice {
  return {
    dir: at.dir('license-server'),
    adminToken: at.adminToken,
    serverVersion: config.serverVersion as CalVersion,
    ...given('db', at.db),
    ...given('clearinghouseUrl', at.clearinghouseUrl),
  };
}

export function sessionHostSlice(config: OpenCalConfig, at: SliceContext): SessionHostSlice {
  return {
    dir: at.dir('session-host'),
    adminToken: at.adminToken,
    hostName: sessionHostName(config),
    hostVersion: config.hostVersion as CalVersion,
    directory: config.directory as 'domain' | 'workgroup',
    ...given('db', at.db),
    ...given('policyFile', config.hostPolicy || undefined),
    ...given('clockLeewaySeconds', config.clockLeeway),
    ...given('clearinghouseUrl', at.clearinghouseUrl),
  };
}

/** Closes what was opened, last first; used when a start fails halfway and by close(). */
export class Closers {
  readonly #items: (() => Promise<unknown>)[] = [];
  add(fn: () => Promise<unknown>): void {
    this.#items.push(fn);
  }
  async closeAll(): Promise<void> {
    while (this.#items.length > 0) {
      const fn = this.#items.pop()!;
      try {
        await fn();
      } catch {
        // keep closing the others
      }
    }
  }
}

export interface Components {
  clearinghouse?: Clearinghouse;
  licenseServer?: LicenseServer;
  sessionHost?: SessionHost;
  /** their HTTP modules, in the order clearinghouse, license server, session host */
  modules: ComponentModule[];
}

export interface ComponentsDeps {
  clock: Clock;
  /** everything opened is registered here, to be closed last first */
  closers: Closers;
  /**
   * Called once the clearinghouse and the license server exist, before the session host is made: a session host
   * fetches its trust anchor at start, so in the all-in-one the clearinghouse must already answer on the origin.
   */
  beforeSessionHost?: (modules: ComponentModule[]) => Promise<void>;
  /** what the databases keep (docs/retention.md); without it nothing is pruned */
  retention?: RetentionConfig;
  /** the alert thresholds and how often each component evaluates them (docs/alerts.md); defaults when absent */
  alerts?: AlertSettings;
}

/** The alert thresholds and how often each component evaluates its alerts (0: only when they are read). */
export interface AlertSettings {
  thresholds: AlertThresholds;
  intervalMs: number;
}

/** The alert settings of the configuration (--alert-grace-days, …). */
export function alertSettings(config: OpenCalConfig): AlertSettings {
  return {
    thresholds: {
      graceDays: config.alertGraceDays,
      packAvailablePercent: config.alertPackAvailablePercent,
      expiryDays: config.alertExpiryDays,
      casePendingDays: config.alertCasePendingDays,
      cloneCase: config.alertCloneCase,
    },
    intervalMs: config.alertIntervalSeconds * 1000,
  };
}

/**
 * Holds the lock of a component's folder for as long as the process runs it (storage/data-lock.ts): a second
 * server on the same folder is refused at start with DATA_DIRECTORY_IN_USE.
 */
function lockFolder(dir: string, closers: Closers): void {
  const outcome = lockDataDirectory(dir);
  if (!outcome.ok) {
    throw new StartRefused(refusal('DATA_DIRECTORY_IN_USE', outcome.pid === undefined ? { dir: outcome.dir } : { dir: outcome.dir, pid: outcome.pid }));
  }
  closers.add(async () => outcome.lock.release());
}

async function databaseIn(dir: string, db: string | undefined, file: string): Promise<Database> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return openDatabase(db ?? `sqlite:${join(dir, file)}`);
}

/** Makes the components `config` names, each from its slice. */
export async function createComponents(config: ComponentsConfig, deps: ComponentsDeps): Promise<Components> {
  const { clock, closers } = deps;
  const made: Components = { modules: [] };
  const pruned: PruneTarget[] = [];
  const prune = (component: PrunedComponent, database: Database) => {
    if (deps.retention) pruned.push({ db: database.db, rules: retentionRules(component, deps.retention) });
  };

  if (config.clearinghouse) {
    const slice = config.clearinghouse;
    lockFolder(slice.dir, closers);
    const database = await databaseIn(slice.dir, slice.db, 'ch.db');
    closers.add(() => database.close());
    const clearinghouse = await createClearinghouse({
      database,
      keyDir: slice.dir,
      checkpointIdentity: loadOrCreateIdentity(join(slice.dir, CHECKPOINT_KEY_FILE)),
      checkpointIntervalMs: CHECKPOINT_INTERVAL_MS,
      clock,
      random: randomBytes,
      adminToken: slice.adminToken,
      ...(slice.codes ? { config: slice.codes } : {}),
      ...given('alerts', deps.alerts),
    });
    closers.add(() => clearinghouse.close());
    made.clearinghouse = clearinghouse;
    prune('clearinghouse', database);
    made.modules.push(clearinghouse.module);
  }

  if (config.licenseServer) {
    const slice = config.licenseServer;
    lockFolder(slice.dir, closers);
    const database = await openDatabase(slice.db ?? licenseDatabaseUrl(slice.dir));
    closers.add(() => database.close());
    const licenseServer = await createLicenseServer({
      dataDir: slice.dir,
      database,
      clock,
      random: randomBytes,
      serverVersion: slice.serverVersion,
      ...given('clearinghouseUrl', slice.clearinghouseUrl),
      adminToken: slice.adminToken,
      checkInIntervalMs: CHECK_IN_INTERVAL_MS,
      ...given('alerts', deps.alerts),
    });
    closers.add(() => licenseServer.close());
    made.licenseServer = licenseServer;
    prune('license-server', database);
    made.modules.push(licenseServer.module);
  }

  if (config.sessionHost) {
    const slice = config.sessionHost;
    lockFolder(slice.dir, closers);
    await deps.beforeSessionHost?.([...made.modules]);
    const database = await databaseIn(slice.dir, slice.db, 'sh.db');
    closers.add(() => database.close());
    const sessionHost = await createSessionHost({
      random: randomBytes,
      hostName: slice.hostName,
      hostVersion: slice.hostVersion,
      directory: slice.directory,
      ...given('configFile', slice.policyFile),
      ...given('clockLeewaySeconds', slice.clockLeewaySeconds),
      database,
      clock,
      ...given('clearinghouseUrl', slice.clearinghouseUrl),
      adminToken: slice.adminToken,
      identity: loadOrCreateIdentity(join(slice.dir, SESSION_HOST_KEY_FILE)),
      ...given('alerts', deps.alerts),
    });
    closers.add(() => sessionHost.close());
    made.sessionHost = sessionHost;
    prune('session-host', database);
    made.modules.push(sessionHost.module);
  }
  if (deps.retention && deps.retention.retentionIntervalSeconds > 0 && pruned.length > 0) {
    const pruning = startPruning(pruned, clock, { intervalMs: deps.retention.retentionIntervalSeconds * 1000, batch: deps.retention.retentionBatch });
    closers.add(() => pruning.close());
  }
  return made;
}
