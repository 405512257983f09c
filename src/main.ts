/**
 * The composition root: the only file that knows every layer. It turns the process into a CliIo, runs the
 * command line, and wires the components into servers:
 * - the all-in-one (`opencal serve`): clearinghouse, one license server, one session host and the console in one
 *   process on one port, each with its own database file under the data directory, talking to each other over HTTP through
 *   the server's own origin exactly as they do when deployed apart (DESIGN §1);
 * - each component alone (`opencal clearinghouse serve`, `license-server serve`, `session-host serve`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { commandGroups } from './cli/commands';
import type { CliIo, CommandGroup } from './cli/io';
import { run } from './cli/run';
import { serveCommand } from './cli/serve';
import { serverCommands, StartRefused, type RunningServer, type ServerLaunchers } from './cli/servers';
import { opencalVersion } from './cli/version';
import { processEnvironment } from './config/environment';
import type { OpenCalConfig } from './config/schema';
import { ManualClock, parseDuration, type Clock } from './core/clock';
import { refusal, type Result } from './core/result';
import type { CalVersion } from './core/vocabulary';
import { createClearinghouse } from './clearinghouse/module';
import { callJson } from './http/client';
import { buildServer, type BuildServerDeps, type ComponentModule, type TypedApp } from './http/server';
import { createLicenseServer, licenseDatabaseUrl } from './license-server/module';
import { randomBytes } from './platform/random';
import { serveConsole } from './web/serve';
import { systemClock } from './platform/system-clock';
import { createSessionHost } from './session-host/module';
import { openDatabase, type Database } from './storage/database';
import { generateToken } from './storage/tokens.repository';
import { loadOrCreateIdentity } from './trust/index';

/** The clearinghouse root key (the trust anchor), next to its database. */
const CLEARINGHOUSE_KEY_FILE = 'root.key';

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: processEnvironment(), cwd: process.cwd() };
}

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

// ------------------------------------------------------------------------------------------------ listening

/**
 * One HTTP listener whose request handler is set later: the components need the server's own origin (to call
 * each other over HTTP) before their routes exist, and the port is known only once listening (port 0).
 */
interface FrontDoor {
  readonly origin: string;
  setHandler(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

async function openFrontDoor(host: string, port: number): Promise<FrontDoor> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ error: { code: 'STARTING', message: 'The server is starting. Retry in a second.' } }));
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(listenRefusal(e, host, port));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  // A wildcard listener is called back on loopback; a URL needs brackets around an IPv6 address.
  const callHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const origin = `http://${callHost.includes(':') ? `[${callHost}]` : callHost}:${address.port}`;
  return {
    origin,
    setHandler(h) {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listenRefusal(e: NodeJS.ErrnoException, host: string, port: number): Error {
  if (e.code === 'EADDRINUSE') {
    return new StartRefused(refusal('PORT_IN_USE', `Port ${port} on ${host} is already in use. Stop the other process or pass another --port (OPENCAL_PORT).`));
  }
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EACCES') {
    return new StartRefused(refusal('CANNOT_LISTEN', `Cannot listen on ${host}:${port} (${e.code}). Check --host and --port.`));
  }
  return e;
}

/**
 * Servers write structured JSON log lines to `<data>/opencal.log` (or `--log-file`), so that the terminal shows
 * what a person reads — the URLs and the token — and the log stays machine-readable; `--log-file -` sends the
 * lines to standard output instead (containers, journald).
 */
function loggerOf(config: OpenCalConfig, io: CliIo) {
  if (config.logLevel === 'silent') return false as const;
  if (config.logFile === '-') return { level: config.logLevel, stream: io.stdout as { write(msg: string): void } };
  const path = logFilePath(config);
  mkdirSync(dirname(path), { recursive: true });
  return { level: config.logLevel, stream: createWriteStream(path, { flags: 'a', mode: 0o600 }) };
}

function sessionHostName(config: OpenCalConfig): string {
  return config.hostName || hostname() || 'session-host';
}

/** What the configuration says of a session host, wherever it runs (all-in-one or alone). */
function sessionHostSettings(config: OpenCalConfig) {
  return {
    random: randomBytes,
    hostName: sessionHostName(config),
    hostVersion: config.hostVersion as CalVersion,
    directory: config.directory as 'domain' | 'workgroup',
    ...(config.hostPolicy ? { configFile: config.hostPolicy } : {}),
  };
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
): Promise<TypedApp> {
  const app = await buildServer({ logger: loggerOf(config, io), components, version: opencalVersion(), ...(web ? { web } : {}) });
  extra?.(app);
  await app.ready();
  return app;
}

function route(door: FrontDoor, app: TypedApp): void {
  door.setHandler((req, res) => app.routing(req, res));
}

// ------------------------------------------------------------------------------------------------ demo clock

interface DemoClock {
  clock: Clock;
  advance(ms: number): Date;
}

/**
 * The clock of demo mode: real time plus an offset that `opencal clock advance` increases, so that events keep
 * their order and "the last hour" means something, while 91 days can pass in one command. The offset is saved
 * so that a restart never moves time backwards. A test may pass its own ManualClock instead.
 */
function demoClock(file: string, given?: Clock): DemoClock {
  if (given instanceof ManualClock) return { clock: given, advance: (ms) => given.advance(ms) };
  let offset = 0;
  if (existsSync(file)) {
    const saved = Number((JSON.parse(readFileSync(file, 'utf8')) as { offsetMs?: unknown }).offsetMs);
    if (Number.isFinite(saved) && saved > 0) offset = saved;
  }
  const save = () => writeFileSync(file, JSON.stringify({ offsetMs: offset }), { mode: 0o600 });
  save();
  const clock: Clock = { now: () => new Date(systemClock.now().getTime() + offset) };
  return {
    clock,
    advance(ms) {
      offset += ms;
      save();
      return clock.now();
    },
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `POST /demo/clock/advance { duration: "91d" }` (admin token): only ever registered with --demo. */
function demoClockRoute(app: TypedApp, demo: DemoClock, adminToken: string): void {
  app.get('/demo/clock', { schema: { tags: ['demo'], summary: 'the demo clock (demo mode only)' } }, async () => ({ now: demo.clock.now().toISOString() }));
  app.post(
    '/demo/clock/advance',
    { schema: { tags: ['demo'], summary: 'advance the manual clock of demo mode, e.g. { "duration": "91d" }' } },
    async (request, reply) => {
      const header = request.headers.authorization;
      const token = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
      if (token === undefined || !sameSecret(token, adminToken)) {
        return reply.code(401).send({
          error: { code: 'UNAUTHENTICATED', message: 'Advancing the demo clock needs the admin token. Pass --token or set OPENCAL_TOKEN.' },
        });
      }
      const duration = (request.body as { duration?: unknown } | undefined)?.duration;
      const ms = typeof duration === 'string' ? parseDuration(duration) : undefined;
      if (ms === undefined || ms <= 0) {
        return reply.code(400).send({
          error: { code: 'DURATION_INVALID', message: `"${String(duration)}" is not a duration. Use a number and a unit, e.g. 91d, 12h, 30m or 2w.` },
        });
      }
      const before = demo.clock.now();
      const now = demo.advance(ms);
      return { before: before.toISOString(), now: now.toISOString(), advancedBy: duration };
    },
  );
}

// ------------------------------------------------------------------------------------------------ all-in-one

/** What the all-in-one's first start with --demo creates, saved in DIR/demo.json (0600). */
export interface DemoData {
  orgId: string;
  orgToken: string;
  agentToken: string;
  packNumber: number;
  packKey: string;
  program: 'select';
  agreementNumber: string;
  licenseServerId: string;
  sessionHostName: string;
}

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

async function must<T>(what: string, answer: Promise<Result<T>>): Promise<T> {
  const r = await answer;
  if (!r.ok) throw new StartRefused(refusal('DEMO_SETUP_FAILED', `Setting up the demo data failed at "${what}": ${r.error.code}: ${r.error.message}`, { step: what }));
  return r.value;
}

const DEMO_AGREEMENT = '1234567';

/** The example data of --demo (DESIGN §5 "demo mode"): made through the HTTP API, as an administrator would. */
async function seedDemo(origin: string, adminToken: string, hostName: string): Promise<DemoData> {
  const org = await must('create the organization', callJson<{ orgId: string; token: string }>(origin, 'POST', '/ch/v1/orgs', { token: adminToken, body: { name: 'Contoso (demo)' } }));
  const agent = await must('create the agent', callJson<{ agentId: string; token: string }>(origin, 'POST', '/ch/v1/agents', { token: adminToken, body: { name: 'Demo agent' } }));
  const pack = await must(
    'create the 10-CAL 2019 per-device pack',
    callJson<{ packNumber: number; packKey: string }>(origin, 'POST', '/ch/v1/packs', {
      token: adminToken,
      body: { orgId: org.orgId, calType: 'device', calVersion: 2019, program: 'select', count: 10, agreementNumber: DEMO_AGREEMENT },
    }),
  );
  await must(
    'activate the license server',
    callJson(origin, 'POST', '/ls/v1/activate', {
      token: adminToken,
      body: { method: 'auto', orgToken: org.token, company: { firstName: 'Demo', lastName: 'Admin', company: 'Contoso (demo)', country: 'FR' } },
    }),
  );
  await must(
    'install the pack on the license server',
    callJson(origin, 'POST', '/ls/v1/key-packs', { token: adminToken, body: { packKey: pack.packKey, agreementNumber: DEMO_AGREEMENT } }),
  );
  const join = await must('make a join token', callJson<{ joinToken: string }>(origin, 'POST', '/ls/v1/hosts', { token: adminToken, body: { name: hostName } }));
  await must('enrol the session host', callJson(origin, 'POST', '/sh/v1/enroll', { token: adminToken, body: { licenseServerUrl: origin, joinToken: join.joinToken } }));
  await must(
    'configure the session host per device',
    callJson(origin, 'PUT', '/sh/v1/config', { token: adminToken, body: { layer: 'local', mode: 'per-device', licenseServers: [origin] } }),
  );
  const identity = await must('read the license server ID', callJson<{ serverId: string }>(origin, 'GET', '/ls/v1/identity'));
  return {
    orgId: org.orgId,
    orgToken: org.token,
    agentToken: agent.token,
    packNumber: pack.packNumber,
    packKey: pack.packKey,
    program: 'select',
    agreementNumber: DEMO_AGREEMENT,
    licenseServerId: identity.serverId,
    sessionHostName: hostName,
  };
}

/** Closes what was opened, last first; used when a start fails halfway and by close(). */
class Closers {
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

async function guarded<T>(closers: Closers, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (e) {
    await closers.closeAll();
    throw e;
  }
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

    mkdirSync(layout.clearinghouseDir, { recursive: true, mode: 0o700 });
    const chDb = await openDatabase(`sqlite:${layout.clearinghouseDb}`);
    closers.add(() => chDb.close());
    const clearinghouse = await createClearinghouse({
      database: chDb,
      identity: loadOrCreateIdentity(join(layout.clearinghouseDir, CLEARINGHOUSE_KEY_FILE)),
      clock,
      random: randomBytes,
      adminToken: admin.token,
    });
    closers.add(() => clearinghouse.close());

    const lsDb = await openDatabase(licenseDatabaseUrl(layout.licenseServerDir));
    closers.add(() => lsDb.close());
    const licenseServer = await createLicenseServer({
      dataDir: layout.licenseServerDir,
      database: lsDb,
      clock,
      random: randomBytes,
      serverVersion: config.serverVersion as CalVersion,
      clearinghouseUrl: origin,
      adminToken: admin.token,
      checkInIntervalMs: 5 * 60 * 1000,
    });
    closers.add(() => licenseServer.close());

    // The session host fetches the trust anchor at start: the clearinghouse must already answer on our origin.
    const early = await appFor({ ...config, logLevel: 'silent' }, io, [clearinghouse.module, licenseServer.module]);
    closers.add(() => early.close());
    route(door, early);

    mkdirSync(layout.sessionHostDir, { recursive: true, mode: 0o700 });
    const shDb = await openDatabase(`sqlite:${layout.sessionHostDb}`);
    closers.add(() => shDb.close());
    const hostName = sessionHostName(config);
    const sessionHost = await createSessionHost({ ...sessionHostSettings(config), database: shDb, clock, clearinghouseUrl: origin, adminToken: admin.token });
    closers.add(() => sessionHost.close());

    // The console is served at `/` of the same origin: it talks to the three APIs like any client.
    const app = await appFor(
      config,
      io,
      [clearinghouse.module, licenseServer.module, sessionHost.module],
      (a) => {
        if (demo) demoClockRoute(a, demo, admin.token);
      },
      serveConsole(),
    );
    closers.add(() => app.close());
    route(door, app);
    await early.close();

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

async function componentDatabase(config: OpenCalConfig, dataDir: string, file: string): Promise<Database> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return openDatabase(config.db ?? `sqlite:${join(dataDir, file)}`);
}

function adminLine(admin: ReturnType<typeof bootstrapAdminToken>): string {
  if (admin.source === 'new') return `  admin token     ${admin.token}   (saved in ${admin.file}, mode 0600)`;
  if (admin.source === 'file') return `  admin token     in ${admin.file}`;
  return '  admin token     the one given by --admin-token / OPENCAL_ADMIN_TOKEN';
}

/** `opencal clearinghouse serve`: the clearinghouse alone (`--data DIR` holds ch.db and its root key, or `--db URL`). */
export async function startClearinghouseAlone(config: OpenCalConfig, io: CliIo, options: AllInOneOptions = {}): Promise<RunningServer> {
  return serveAlone(config, io, options, 'clearinghouse', async (clock, adminToken, closers) => {
    const db = await componentDatabase(config, config.data, 'ch.db');
    closers.add(() => db.close());
    const clearinghouse = await createClearinghouse({
      database: db,
      identity: loadOrCreateIdentity(join(config.data, CLEARINGHOUSE_KEY_FILE)),
      clock,
      random: randomBytes,
      adminToken,
    });
    closers.add(() => clearinghouse.close());
    return { module: clearinghouse.module, details: [] };
  });
}

/** `opencal license-server serve`: one license server; `--data DIR` holds identity.key and lserver.db (a new DIR is a reinstall). */
export async function startLicenseServerAlone(config: OpenCalConfig, io: CliIo, options: AllInOneOptions = {}): Promise<RunningServer> {
  return serveAlone(config, io, options, 'license server', async (clock, adminToken, closers) => {
    const database = await openDatabase(config.db ?? licenseDatabaseUrl(config.data));
    closers.add(() => database.close());
    const licenseServer = await createLicenseServer({
      dataDir: config.data,
      database,
      clock,
      random: randomBytes,
      serverVersion: config.serverVersion as CalVersion,
      ...(config.clearinghouseUrl ? { clearinghouseUrl: config.clearinghouseUrl } : {}),
      adminToken,
      checkInIntervalMs: 5 * 60 * 1000,
    });
    closers.add(() => licenseServer.close());
    return {
      module: licenseServer.module,
      details: [
        `  license server  ${licenseServer.serverId}`,
        `  clearinghouse   ${config.clearinghouseUrl ?? 'none (air-gapped: activate and install by phone)'}`,
      ],
    };
  });
}

/** `opencal session-host serve`: one session host; `--data DIR` holds sh.db (or `--db URL`). */
export async function startSessionHostAlone(config: OpenCalConfig, io: CliIo, options: AllInOneOptions = {}): Promise<RunningServer> {
  return serveAlone(config, io, options, 'session host', async (clock, adminToken, closers) => {
    const db = await componentDatabase(config, config.data, 'sh.db');
    closers.add(() => db.close());
    const hostName = sessionHostName(config);
    const sessionHost = await createSessionHost({
      ...sessionHostSettings(config),
      database: db,
      clock,
      ...(config.clearinghouseUrl ? { clearinghouseUrl: config.clearinghouseUrl } : {}),
      adminToken,
    });
    closers.add(() => sessionHost.close());
    return {
      module: sessionHost.module,
      details: [`  host            ${hostName}, version ${config.hostVersion}`, `  clearinghouse   ${config.clearinghouseUrl ?? 'none'}`],
    };
  });
}

/**
 * What every component run alone shares: the bootstrap admin token, the component (made by `start`, which registers
 * what must be closed), its own front door and app, the banner, and an orderly close.
 */
async function serveAlone(
  config: OpenCalConfig,
  io: CliIo,
  options: AllInOneOptions,
  title: string,
  start: (clock: Clock, adminToken: string, closers: Closers) => Promise<{ module: ComponentModule; details: string[] }>,
): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  const admin = bootstrapAdminToken(config.data, config.adminToken);
  const closers = new Closers();
  return guarded(closers, async () => {
    const component = await start(clock, admin.token, closers);
    const door = await openFrontDoor(config.host, config.port);
    closers.add(() => door.close());
    const app = await appFor(config, io, [component.module]);
    closers.add(() => app.close());
    route(door, app);
    return {
      url: door.origin,
      lines: [
        `OpenCAL ${title} listening on ${door.origin}`,
        `  API             ${door.origin}${component.module.prefix}   (docs ${door.origin}/docs)`,
        ...component.details,
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

/** Every command group: the servers (wired here) and the client commands of src/cli/commands. */
export const allCommandGroups: readonly CommandGroup[] = [serverCommands(launchers), ...commandGroups.filter((g) => g !== serveCommand)];

export async function main(argv: readonly string[]): Promise<number> {
  return run(argv, processIo(), allCommandGroups);
}
