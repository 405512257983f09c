/**
 * The server starts: the all-in-one (`opencal serve`: clearinghouse, one license server, one session host and the
 * console in one process on one port, each with its own database file under the data directory, talking to each
 * other over HTTP through the server's own origin exactly as they do when deployed apart, DESIGN §1) and each
 * component alone (`opencal clearinghouse serve`, `license-server serve`, `session-host serve`). Both make their
 * components with createComponents, from slices of one configuration.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CliIo } from '../cli/io';
import type { RunningServer, ServerLaunchers } from '../cli/servers';
import { opencalVersion } from '../cli/version';
import { parseAddressList, type OpenCalConfig } from '../config/schema';
import type { Clock } from '../core/clock';
import { demoClock, demoClockRoute } from '../demo/clock';
import { DEMO_AGREEMENT, seedDemo, type DemoData } from '../demo/seed';
import { openFrontDoor, type FrontDoor } from '../http/front-door';
import { guardedDestination, logFileDestination } from '../http/logging';
import { buildServer, type BuildServerDeps, type ComponentModule, type TypedApp } from '../http/server';
import { packageRoot } from '../platform/package-root';
import { randomBytes } from '../platform/random';
import { systemClock } from '../platform/system-clock';
import { generateToken } from '../storage/tokens.repository';
import { serveConsole } from '../web/serve';
import {
  Closers,
  alertSettings,
  clearinghouseSlice,
  createComponents,
  licenseServerSlice,
  sessionHostSlice,
  type Components,
  type ComponentsConfig,
  type SliceContext,
} from './components';

export type { DemoData } from '../demo/seed';

// ------------------------------------------------------------------------------------------------ data layout

/** Where each component keeps its files under the all-in-one data directory. */
export function allInOneLayout(dataDir: string) {
  return {
    adminToken: join(dataDir, 'admin-token'),
    demo: join(dataDir, 'demo.json'),
    demoClock: join(dataDir, 'demo-clock.json'),
    clearinghouseDir: join(dataDir, 'clearinghouse'),
    clearinghouseDb: join(dataDir, 'clearinghouse', 'ch.db'),
    licenseServerDir: join(dataDir, 'license-server'),
    sessionHostDir: join(dataDir, 'session-host'),
    sessionHostDb: join(dataDir, 'session-host', 'sh.db'),
  };
}

/**
 * The bootstrap admin token: the one given (`--admin-token` / OPENCAL_ADMIN_TOKEN), else the one saved in the
 * data directory, else a new one saved there with mode 0600. The same token is the admin of every component.
 */
export function bootstrapAdminToken(dataDir: string, given: string | undefined): { token: string; source: 'given' | 'file' | 'new'; file: string } {
  const file = join(dataDir, 'admin-token');
  if (given !== undefined) return { token: given, source: 'given', file };
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved.length > 0) return { token: saved, source: 'file', file };
  }
  const token = generateToken(randomBytes);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, source: 'new', file };
}

// ------------------------------------------------------------------------------------------------ serving

/**
 * Servers write structured JSON log lines to `<data>/opencal.log` (or `--log-file`), so that the terminal shows
 * what a person reads — the URLs and the token — and the log stays machine-readable; `--log-file -` sends the
 * lines to standard output instead (containers, journald).
 */
function loggerOf(config: OpenCalConfig, io: CliIo) {
  if (config.logLevel === 'silent') return false as const;
  // A log that cannot be written (full disk, closed pipe) loses lines, never the server (http/logging.ts).
  if (config.logFile === '-') return { level: config.logLevel, stream: guardedDestination(io.stdout as Parameters<typeof guardedDestination>[0]) };
  const path = logFilePath(config);
  mkdirSync(dirname(path), { recursive: true });
  return { level: config.logLevel, stream: logFileDestination(path) };
}

function logLine(config: OpenCalConfig): string {
  if (config.logLevel === 'silent') return '  logs            off (--log-level silent)';
  return config.logFile === '-' ? '  logs            standard output' : `  logs            ${logFilePath(config)}`;
}

export function logFilePath(config: OpenCalConfig): string {
  return config.logFile && config.logFile !== '-' ? resolve(config.logFile) : join(config.data, 'opencal.log');
}

/** A Fastify app with these components, routed by the front door. */
async function appFor(
  config: OpenCalConfig,
  io: CliIo,
  components: ComponentModule[],
  extra?: (app: TypedApp) => void,
  web?: BuildServerDeps['web'],
  docs = true,
): Promise<TypedApp> {
  const logger = loggerOf(config, io);
  const app = await buildServer({ logger, components, version: opencalVersion(), docs, ...httpOptions(config), ...(web ? { web } : {}) });
  if (logger) app.addHook('onClose', async () => logger.stream.close());
  extra?.(app);
  await app.ready();
  return app;
}

/** The HTTP settings of the configuration: the trusted proxies and who may read /metrics. */
export function httpOptions(config: OpenCalConfig): Pick<BuildServerDeps, 'trustProxy' | 'metricsAccess'> {
  return {
    trustProxy: config.trustProxy ? parseAddressList(config.trustedProxies) : false,
    metricsAccess: {
      ...(config.metricsToken ? { token: config.metricsToken } : {}),
      ...(config.metricsAllow ? { allow: parseAddressList(config.metricsAllow) } : {}),
    },
  };
}

function route(door: FrontDoor, app: TypedApp): void {
  door.setHandler((req, res) => app.routing(req, res));
}

async function guarded<T>(closers: Closers, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (e) {
    await closers.closeAll();
    throw e;
  }
}

// ------------------------------------------------------------------------------------------------ all-in-one

export interface AllInOneServer extends RunningServer {
  adminToken: string;
  demo?: DemoData;
  clock: Clock;
  /** advances the demo clock (as POST /demo/clock/advance does), with --demo only */
  advanceClock?: (ms: number) => Date;
  licenseServerId: string;
}

export interface AllInOneOptions {
  /** a clock for tests; default: the system clock, or the manual clock with --demo */
  clock?: Clock;
}

/**
 * `opencal serve`: the clearinghouse, one license server and one session host in one process on one port.
 * Each component keeps its own SQLite file under the data directory; the license server and the session host
 * reach the clearinghouse and each other through this server's own origin.
 */
export async function startAllInOne(config: OpenCalConfig, io: CliIo, options: AllInOneOptions = {}): Promise<AllInOneServer> {
  const layout = allInOneLayout(config.data);
  mkdirSync(config.data, { recursive: true, mode: 0o700 });
  const admin = bootstrapAdminToken(config.data, config.adminToken);
  const demo = config.demo ? demoClock(layout.demoClock, options.clock) : undefined;
  const clock: Clock = demo?.clock ?? options.clock ?? systemClock;
  const closers = new Closers();

  return guarded(closers, async () => {
    const door = await openFrontDoor(config.host, config.port);
    closers.add(() => door.close());
    const origin = door.origin;

    const dirs = { clearinghouse: layout.clearinghouseDir, 'license-server': layout.licenseServerDir, 'session-host': layout.sessionHostDir };
    const at: SliceContext = { dir: (c) => dirs[c], adminToken: admin.token, clearinghouseUrl: origin };
    const slices: ComponentsConfig = {
      clearinghouse: clearinghouseSlice(config, at),
      licenseServer: licenseServerSlice(config, at),
      sessionHost: sessionHostSlice(config, at),
    };
    let early: TypedApp | undefined;
    const components = await createComponents(slices, {
      clock,
      closers,
      retention: config,
      alerts: alertSettings(config),
      // The session host fetches the trust anchor at start: the clearinghouse must already answer on our origin.
      beforeSessionHost: async (modules) => {
        // Only for the session host's first requests, replaced as soon as the full app is ready: no /docs.
        const answering = await appFor({ ...config, logLevel: 'silent' }, io, modules, undefined, undefined, false);
        early = answering;
        closers.add(() => answering.close());
        route(door, answering);
      },
    });
    const licenseServer = components.licenseServer!;

    // The console is served at `/` of the same origin: it talks to the three APIs like any client.
    const app = await appFor(
      config,
      io,
      components.modules,
      (a) => {
        if (demo) demoClockRoute(a, demo, admin.token);
      },
      serveConsole({ root: join(packageRoot(), 'dist', 'web') }),
    );
    closers.add(() => app.close());
    route(door, app);
    await early?.close();

    const hostName = slices.sessionHost!.hostName;
    let demoData: DemoData | undefined;
    if (config.demo) {
      if (existsSync(layout.demo)) demoData = JSON.parse(readFileSync(layout.demo, 'utf8')) as DemoData;
      else {
        demoData = await seedDemo(origin, admin.token, hostName);
        writeFileSync(layout.demo, `${JSON.stringify(demoData, null, 2)}\n`, { mode: 0o600 });
      }
    }

    const lines = [
      `OpenCAL all-in-one listening on ${origin}`,
      `  clearinghouse   ${origin}/ch/v1`,
      `  license server  ${origin}/ls/v1   (license server ID ${licenseServer.serverId})`,
      `  session host    ${origin}/sh/v1   (${hostName})`,
      `  console         ${origin}/`,
      `  API docs        ${origin}/docs`,
      `  data            ${config.data}`,
      logLine(config),
      admin.source === 'new'
        ? `  admin token     ${admin.token}   (saved in ${admin.file}, mode 0600; export OPENCAL_TOKEN=${admin.token})`
        : admin.source === 'file'
          ? `  admin token     in ${admin.file}`
          : '  admin token     the one given by --admin-token / OPENCAL_ADMIN_TOKEN',
    ];
    if (demo && demoData) {
      const held = (await licenseServer.useCases.listKeyPacks()).some((k) => k.pack === demoData.packNumber && k.status === 'active');
      lines.push(
        `  demo mode       manual clock at ${demo.clock.now().toISOString()} (opencal clock advance 91d)`,
        `  demo org        ${demoData.orgId}   org token ${demoData.orgToken}`,
        `  demo agent      token ${demoData.agentToken}`,
        `  demo tokens     saved in ${layout.demo} (orgToken, agentToken): paste them on the console's sign-in page`,
        `  demo pack       ${demoData.packNumber}: 10 device CALs, version 2019, Select agreement ${DEMO_AGREEMENT}, ${held ? 'installed on this license server' : 'not installed on this license server (reinstalled?)'} (details in ${layout.demo})`,
      );
    }

    const running: AllInOneServer = {
      url: origin,
      lines,
      adminToken: admin.token,
      clock,
      licenseServerId: licenseServer.serverId,
      close: () => closers.closeAll(),
    };
    if (demoData) running.demo = demoData;
    if (demo) running.advanceClock = (ms) => demo.advance(ms);
    return running;
  });
}

// ------------------------------------------------------------------------------------------------ alone

function adminLine(admin: ReturnType<typeof bootstrapAdminToken>): string {
  if (admin.source === 'new') return `  admin token     ${admin.token}   (saved in ${admin.file}, mode 0600)`;
  if (admin.source === 'file') return `  admin token     in ${admin.file}`;
  return '  admin token     the one given by --admin-token / OPENCAL_ADMIN_TOKEN';
}

/** The slice context of a component run alone: its folder is --data, its database --db, its peer --clearinghouse-url. */
function aloneAt(config: OpenCalConfig, adminToken: string): SliceContext {
  return {
    dir: () => config.data,
    adminToken,
    ...(config.db ? { db: config.db } : {}),
    ...(config.clearinghouseUrl ? { clearinghouseUrl: config.clearinghouseUrl } : {}),
  };
}

/** `opencal clearinghouse serve`: the clearinghouse alone (`--data DIR` holds ch.db and its root key, or `--db URL`). */
export async function startClearinghouseAlone(config: OpenCalConfig, io: CliIo, options: AllInOneOptions = {}): Promise<RunningServer> {
  return serveAlone(config, io, options, 'clearinghouse', (at) => ({ clearinghouse: clearinghouseSlice(config, at) }), () => []);
}

/** `opencal license-server serve`: one license server; `--data DIR` holds identity.key and lserver.db (a new DIR is a reinstall). */
export async function startLicenseServerAlone(config: OpenCalConfig, io: CliIo, options: AllInOneOptions = {}): Promise<RunningServer> {
  return serveAlone(
    config,
    io,
    options,
    'license server',
    (at) => ({ licenseServer: licenseServerSlice(config, at) }),
    (c) => [
      `  license server  ${c.licenseServer!.serverId}`,
      `  clearinghouse   ${config.clearinghouseUrl ?? 'none (air-gapped: activate and install by phone)'}`,
    ],
  );
}

/** `opencal session-host serve`: one session host; `--data DIR` holds sh.db (or `--db URL`). */
export async function startSessionHostAlone(config: OpenCalConfig, io: CliIo, options: AllInOneOptions = {}): Promise<RunningServer> {
  let hostName = '';
  return serveAlone(
    config,
    io,
    options,
    'session host',
    (at) => {
      const sessionHost = sessionHostSlice(config, at);
      hostName = sessionHost.hostName;
      return { sessionHost };
    },
    () => [`  host            ${hostName}, version ${config.hostVersion}`, `  clearinghouse   ${config.clearinghouseUrl ?? 'none'}`],
  );
}

/**
 * What every component run alone shares: the bootstrap admin token, the component (from its configuration
 * slice), its own front door and app, the banner, and an orderly close.
 */
async function serveAlone(
  config: OpenCalConfig,
  io: CliIo,
  options: AllInOneOptions,
  title: string,
  slices: (at: SliceContext) => ComponentsConfig,
  details: (components: Components) => string[],
): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  const admin = bootstrapAdminToken(config.data, config.adminToken);
  const closers = new Closers();
  return guarded(closers, async () => {
    const components = await createComponents(slices(aloneAt(config, admin.token)), { clock, closers, retention: config, alerts: alertSettings(config) });
    const module = components.modules[0]!;
    const door = await openFrontDoor(config.host, config.port);
    closers.add(() => door.close());
    const app = await appFor(config, io, [module]);
    closers.add(() => app.close());
    route(door, app);
    return {
      url: door.origin,
      lines: [
        `OpenCAL ${title} listening on ${door.origin}`,
        `  API             ${door.origin}${module.prefix}   (docs ${door.origin}/docs)`,
        ...details(components),
        `  data            ${config.data}`,
        logLine(config),
        adminLine(admin),
      ],
      close: () => closers.closeAll(),
    };
  });
}

export const launchers: ServerLaunchers = {
  allInOne: startAllInOne,
  clearinghouse: startClearinghouseAlone,
  licenseServer: startLicenseServerAlone,
  sessionHost: startSessionHostAlone,
};
