/**
 * The session host component: `createSessionHost(options)` -> `{ module, close(), useCases, gate, context }`.
 * The composition root mounts `module` with buildServer; a service that gates its own connections uses `gate`.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Clock } from '../core/clock';
import type { LayerSettings } from '../core/session-host-rules';
import { CONFIG_LAYERS, isCalVersion, isLicensingMode, type CalVersion, type ConfigLayer } from '../core/vocabulary';
import type { ComponentModule } from '../http/server';
import type { Database } from '../storage/database';
import { createChange } from '../storage/change';
import { migrateToLatest } from '../storage/migrations';
import { ensureToken, tokenStore } from '../storage/tokens.repository';
import type { Directory, SessionHostContext } from './context';
import { createGate, type Gate } from './gate';
import { httpPeers, type SessionHostPeers, type TrustAnchorResponse } from './license-server-client';
import { sessionHostMigrations } from './migrations';
import { sessionHostUseCases, type SessionHostUseCases } from './ports';
import { hashPlaintextTokens, type SessionHostTables } from './session-host.repository';
import { asHostIdentity, generateIdentity, signHostRequest, type Identity } from '../trust/index';
import { sessionHostRoutes } from './session-host.routes';
import { DEFAULT_ALERT_THRESHOLDS, type AlertThresholds } from '../core/alert-rules';
import { DEFAULT_ALERT_INTERVAL_MS, type AlertMonitor } from '../storage/alerts';
import { sessionHostAlertRoutes } from './alerts.routes';
import { sessionHostAlerts, sessionHostMetrics } from './alerts.usecase';
import { acceptRevocationList, loadTrust, setTrustAnchor } from './trust.usecase';

export interface SessionHostOptions {
  database: Database;
  clock: Clock;
  /** random bytes (unused today; every component factory takes one). */
  random?: (n: number) => Uint8Array;
  hostName: string;
  /** the Windows Server version this host emulates: it accepts CALs of this version or newer. */
  hostVersion: CalVersion;
  directory: Directory;
  /** origin of the clearinghouse: trust anchor (`GET /ch/v1/trust`) and revocation list (`GET /ch/v1/revocations`). */
  clearinghouseUrl?: string;
  /** pin for the fetched trust anchor. */
  trustFingerprint?: string;
  /** the trust anchor itself, or the path of a JSON file holding it (air-gapped sites). */
  trustAnchor?: TrustAnchorResponse | string;
  /** a signed revocation list (JWS) or a file holding it (air-gapped sites). */
  revocationList?: string;
  /** bootstrap `sh:admin` token, provisioned idempotently. */
  adminToken?: string;
  /** configuration layers fixed by a file: a JSON path or the parsed object `{ policy?, deployment?, local? }`. */
  configFile?: string | Partial<Record<ConfigLayer, LayerSettings>>;
  /** how often the trust anchor, revocation list and identities are refreshed; default 1 h, 0 = never. */
  refreshIntervalMs?: number;
  /** HTTP peers (the real HTTP client, signing with `identity`, by default). */
  peers?: SessionHostPeers;
  /** this host's key pair (the composition root loads host.key from the data folder); a new one when absent. */
  identity?: Identity;
  /** seconds of clock difference tolerated with license servers (default 300, DEFAULT_CLOCK_LEEWAY_SECONDS). */
  clockLeewaySeconds?: number;
  /** new devices one gate front end (credential and address) may bring per window: default 60 per 60 s. */
  newDevicesPerWindow?: number;
  newDeviceWindowMs?: number;
  /** the alert thresholds and how often they are evaluated (docs/alerts.md); defaults, every 60 s, when absent */
  alerts?: { thresholds: AlertThresholds; intervalMs: number };
}

export interface SessionHost {
  module: ComponentModule;
  context: SessionHostContext;
  gate: Gate;
  useCases: SessionHostUseCases;
  /** the session host's alerts (grace period ending), evaluated on a timer and by GET /sh/v1/alerts */
  alerts: AlertMonitor;
  close(): Promise<void>;
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`Cannot read the ${what} file ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Parses the configuration layers of a file; throws with the offending key (a start-up error). */
export function parseLayersFile(value: unknown, source: string): Partial<Record<ConfigLayer, LayerSettings>> {
  if (typeof value !== 'object' || value === null) throw new Error(`${source}: expected { policy?, deployment?, local? }`);
  const out: Partial<Record<ConfigLayer, LayerSettings>> = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    if (!(CONFIG_LAYERS as readonly string[]).includes(key)) throw new Error(`${source}: "${key}" is not a layer (policy, deployment, local)`);
    const layer = raw as { mode?: unknown; licenseServers?: unknown };
    const settings: LayerSettings = {};
    if (layer.mode !== undefined) {
      if (!isLicensingMode(layer.mode)) throw new Error(`${source}: ${key}.mode must be per-device, per-user or not-configured`);
      settings.mode = layer.mode;
    }
    if (layer.licenseServers !== undefined) {
      if (!Array.isArray(layer.licenseServers) || !layer.licenseServers.every((s) => typeof s === 'string')) {
        throw new Error(`${source}: ${key}.licenseServers must be a list of URLs`);
      }
      settings.licenseServers = layer.licenseServers as string[];
    }
    out[key as ConfigLayer] = settings;
  }
  return out;
}

export async function createSessionHost(options: SessionHostOptions): Promise<SessionHost> {
  if (!isCalVersion(options.hostVersion)) throw new Error(`hostVersion must be one of 2012, 2016, 2019, 2022, 2025 (got ${String(options.hostVersion)})`);
  if (options.directory !== 'domain' && options.directory !== 'workgroup') throw new Error('directory must be domain or workgroup');
  if (!options.hostName.trim()) throw new Error('hostName is required');
  if (options.clockLeewaySeconds !== undefined && (!Number.isInteger(options.clockLeewaySeconds) || options.clockLeewaySeconds < 0 || options.clockLeewaySeconds > 3600)) {
    throw new Error(`clockLeewaySeconds must be an integer from 0 to 3600 (got ${String(options.clockLeewaySeconds)})`);
  }
  const { database, clock } = options;
  await migrateToLatest(database, sessionHostMigrations);

  const fileLayers =
    options.configFile === undefined
      ? {}
      : typeof options.configFile === 'string'
        ? parseLayersFile(readJson(options.configFile, 'session host configuration'), options.configFile)
        : parseLayersFile(options.configFile, 'configFile');

  const identity = asHostIdentity(options.identity ?? generateIdentity());
  const hostName = options.hostName.trim();
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const sign = (method: string, path: string, body: unknown, at: Date) => signHostRequest(identity, { name: hostName, method, path, body, now: at, nonce: random(16) });
  const ctx: SessionHostContext = {
    database,
    clock,
    identity,
    settings: {
      hostName,
      hostVersion: options.hostVersion,
      directory: options.directory,
      ...(options.clearinghouseUrl ? { clearinghouseUrl: options.clearinghouseUrl.replace(/\/+$/, '') } : {}),
      ...(options.trustFingerprint ? { trustFingerprint: options.trustFingerprint } : {}),
      ...(options.clockLeewaySeconds !== undefined ? { clockLeewaySeconds: options.clockLeewaySeconds } : {}),
    },
    peers: options.peers ?? httpPeers({ sign, now: () => clock.now() }),
    fileLayers,
    trust: { identities: new Map() },
    change: createChange<SessionHostTables>({ db: database.db, component: 'session-host', clock }),
  };

  if (options.adminToken) await ensureToken(database.db, { scope: 'sh:admin', label: 'bootstrap admin', token: options.adminToken }, clock);
  await hashPlaintextTokens(database.db);
  await loadTrust(ctx);
  if (options.trustAnchor !== undefined) {
    const anchor =
      typeof options.trustAnchor === 'string'
        ? (readJson(options.trustAnchor, 'trust anchor') as TrustAnchorResponse)
        : options.trustAnchor;
    const set = await setTrustAnchor(ctx, anchor, typeof options.trustAnchor === 'string' ? options.trustAnchor : 'configuration');
    if (!set.ok) throw new Error(set.error.message);
  }
  if (options.revocationList !== undefined) {
    const list = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(options.revocationList.trim())
      ? options.revocationList.trim()
      : readFileSync(options.revocationList, 'utf8').trim();
    const accepted = await acceptRevocationList(ctx, list);
    if (!accepted.ok) throw new Error(`The revocation list was refused: ${accepted.error.message}`);
  }

  const useCases = sessionHostUseCases(ctx);
  const grace = await useCases.grace();
  await useCases.refresh();
  await ctx.change.event(9200, {
    hostName: ctx.settings.hostName,
    hostVersion: ctx.settings.hostVersion,
    directory: ctx.settings.directory,
    firstStart: grace.firstStart.toISOString(),
    graceDaysLeft: grace.daysLeft,
  });

  const interval = options.refreshIntervalMs ?? 60 * 60 * 1000;
  let timer: ReturnType<typeof setInterval> | undefined;
  if (interval > 0) {
    timer = setInterval(() => {
      useCases.refresh().catch(() => {
        // a failed refresh is logged by refreshTrust; an outage of the database surfaces on the next request
      });
    }, interval);
    timer.unref();
  }

  const alerts = sessionHostAlerts(ctx, options.alerts?.thresholds ?? DEFAULT_ALERT_THRESHOLDS);
  alerts.start(options.alerts?.intervalMs ?? DEFAULT_ALERT_INTERVAL_MS);
  const routes = sessionHostRoutes(useCases, {
    ...(options.newDevicesPerWindow !== undefined ? { newDevicesPerWindow: options.newDevicesPerWindow } : {}),
    ...(options.newDeviceWindowMs !== undefined ? { newDeviceWindowMs: options.newDeviceWindowMs } : {}),
  });
  const module: ComponentModule = {
    name: 'session-host',
    prefix: '/sh/v1',
    tokenStore: tokenStore(database.db),
    routes: async (app) => {
      await routes(app);
      sessionHostAlertRoutes(alerts, () => sessionHostMetrics(ctx))(app);
    },
  };

  return {
    module,
    context: ctx,
    gate: createGate(ctx),
    useCases,
    alerts,
    async close() {
      if (timer) clearInterval(timer);
      alerts.close();
    },
  };
}
