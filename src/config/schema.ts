/**
 * The one configuration schema of OpenCAL (STYLE.md: flag > OPENCAL_* environment > config file > default,
 * validated at start, shown in --help). Each component adds its keys in its own marked section below.
 */
import { isIP } from 'node:net';
import { LANGS } from '../core/refusals';
import { SERVER_VERSIONS } from '../core/vocabulary';

export type ConfigType = 'string' | 'number' | 'boolean' | 'url' | 'path';

export type ValueFor<T extends ConfigType> = T extends 'number' ? number : T extends 'boolean' ? boolean : string;

export interface ConfigEntry<T extends ConfigType = ConfigType, D extends ValueFor<T> | undefined = ValueFor<T> | undefined> {
  /** command-line flag, e.g. `--admin-token` (the camelCase of its name is the key) */
  readonly flag: `--${string}`;
  /** environment variable, `OPENCAL_*` */
  readonly env: `OPENCAL_${string}`;
  readonly type: T;
  readonly default: D;
  readonly description: string;
  /** shown masked by `config show` and in error messages */
  readonly secret?: boolean;
  /** extra check after the type check: a message saying what is expected, or undefined when fine */
  readonly validate?: (value: ValueFor<T>) => string | undefined;
}

function entry<const T extends ConfigType, const D extends ValueFor<T> | undefined = undefined>(e: {
  flag: `--${string}`;
  env: `OPENCAL_${string}`;
  type: T;
  default?: D;
  description: string;
  secret?: boolean;
  validate?: (value: ValueFor<T>) => string | undefined;
}): ConfigEntry<T, D> {
  return { ...e, default: e.default as D };
}

const integerBetween = (min: number, max: number) => (value: number) =>
  Number.isInteger(value) && value >= min && value <= max ? undefined : `an integer from ${min} to ${max}`;

const serverVersion = (value: number) =>
  (SERVER_VERSIONS as readonly number[]).includes(value) ? undefined : `one of ${SERVER_VERSIONS.join(', ')}`;

/** Addresses or CIDR ranges separated by commas (`10.0.0.5, 192.168.0.0/16, ::1`). */
export function parseAddressList(value: string): string[] {
  return value
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

const addressList = (value: string) => {
  const wrong = parseAddressList(value).find((a) => {
    const [ip, bits, extra] = a.split('/');
    const family = isIP(ip ?? '');
    if (family === 0 || extra !== undefined) return true;
    if (bits === undefined) return false;
    const n = Number(bits);
    return !/^\d{1,3}$/.test(bits) || n > (family === 4 ? 32 : 128);
  });
  return wrong === undefined ? undefined : 'addresses or CIDR ranges separated by commas, such as 127.0.0.1,10.0.0.0/8';
};

const oneOf = (...allowed: string[]) => (value: string) => (allowed.includes(value) ? undefined : `one of ${allowed.join(', ')}`);

export const configSchema = {
  // --- foundation: data, listening, logs, tokens ------------------------------------------------------------
  data: entry({ flag: '--data', env: 'OPENCAL_DATA', type: 'path', default: './data', description: 'data directory (databases, identity keys)' }),
  db: entry({
    flag: '--db',
    env: 'OPENCAL_DB',
    type: 'string',
    description: 'database URL override: sqlite:<file>, sqlite::memory: or postgres://user:pass@host/db',
    secret: true,
    validate: (v) => (/^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(v) ? undefined : 'a URL starting with sqlite: or postgres://'),
  }),
  host: entry({ flag: '--host', env: 'OPENCAL_HOST', type: 'string', default: '127.0.0.1', description: 'address the server listens on' }),
  port: entry({ flag: '--port', env: 'OPENCAL_PORT', type: 'number', default: 7878, description: 'port the server listens on (0: any free port)', validate: integerBetween(0, 65535) }),
  adminToken: entry({
    flag: '--admin-token',
    env: 'OPENCAL_ADMIN_TOKEN',
    type: 'string',
    description: 'provision this admin token at start (at least 24 characters)',
    secret: true,
    validate: (v) => (v.length >= 24 ? undefined : 'at least 24 characters'),
  }),
  logLevel: entry({
    flag: '--log-level',
    env: 'OPENCAL_LOG_LEVEL',
    type: 'string',
    default: 'info',
    description: 'log level: fatal, error, warn, info, debug, trace or silent',
    validate: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  }),
  logFile: entry({
    flag: '--log-file',
    env: 'OPENCAL_LOG_FILE',
    type: 'string',
    description: 'where servers write their JSON log lines: a file path, or - for standard output (default: <data>/opencal.log)',
  }),
  trustProxy: entry({
    flag: '--trust-proxy',
    env: 'OPENCAL_TRUST_PROXY',
    type: 'boolean',
    default: false,
    description: 'behind a reverse proxy (nginx): take the client address from X-Forwarded-For when the request comes from --trusted-proxies',
  }),
  trustedProxies: entry({
    flag: '--trusted-proxies',
    env: 'OPENCAL_TRUSTED_PROXIES',
    type: 'string',
    default: '127.0.0.1,::1',
    description: 'with --trust-proxy: the proxies whose X-Forwarded-For is believed, as addresses or CIDR ranges separated by commas',
    validate: addressList,
  }),
  metricsToken: entry({
    flag: '--metrics-token',
    env: 'OPENCAL_METRICS_TOKEN',
    type: 'string',
    description: 'a bearer token (at least 24 characters) that may read /metrics; admin tokens may read it too',
    secret: true,
    validate: (v) => (v.length >= 24 ? undefined : 'at least 24 characters'),
  }),
  metricsAllow: entry({
    flag: '--metrics-allow',
    env: 'OPENCAL_METRICS_ALLOW',
    type: 'string',
    description: 'addresses or CIDR ranges, separated by commas, that may read /metrics without a token (e.g. the Prometheus server)',
    validate: addressList,
  }),
  demo: entry({ flag: '--demo', env: 'OPENCAL_DEMO', type: 'boolean', default: false, description: 'seed demo organizations, packs and hosts at start' }),

  // --- retention (docs/retention.md): what the databases keep of what only grows -------------------------------
  retentionEventsDays: entry({ flag: '--retention-events-days', env: 'OPENCAL_RETENTION_EVENTS_DAYS', type: 'number', default: 90, description: 'events older than this many days are pruned', validate: integerBetween(1, 36500) }),
  retentionEventsMax: entry({ flag: '--retention-events-max', env: 'OPENCAL_RETENTION_EVENTS_MAX', type: 'number', default: 100000, description: 'at most this many events per database; the oldest beyond are pruned', validate: integerBetween(1000, 100000000) }),
  retentionAdmissionsDays: entry({ flag: '--retention-admissions-days', env: 'OPENCAL_RETENTION_ADMISSIONS_DAYS', type: 'number', default: 30, description: "session host admissions older than this many days are pruned", validate: integerBetween(1, 36500) }),
  retentionAdmissionsMax: entry({ flag: '--retention-admissions-max', env: 'OPENCAL_RETENTION_ADMISSIONS_MAX', type: 'number', default: 100000, description: 'at most this many admissions per session host; the oldest beyond are pruned', validate: integerBetween(1000, 100000000) }),
  retentionIssuedDays: entry({ flag: '--retention-issued-days', env: 'OPENCAL_RETENTION_ISSUED_DAYS', type: 'number', default: 90, description: 'issued licenses that ended (expired, upgraded, revoked, removed) are pruned this many days after their expiry; live ones never', validate: integerBetween(1, 36500) }),
  retentionIntervalSeconds: entry({ flag: '--retention-interval-seconds', env: 'OPENCAL_RETENTION_INTERVAL_SECONDS', type: 'number', default: 60, description: 'how often pruning runs (0: never)', validate: integerBetween(0, 86400) }),
  retentionBatch: entry({ flag: '--retention-batch', env: 'OPENCAL_RETENTION_BATCH', type: 'number', default: 500, description: 'rows deleted per statement when pruning (small: CAL requests never wait long)', validate: integerBetween(1, 100000) }),

  // --- alerts (docs/alerts.md): each component evaluates its own on a timer and on demand --------------------------
  alertGraceDays: entry({ flag: '--alert-grace-days', env: 'OPENCAL_ALERT_GRACE_DAYS', type: 'number', default: 14, description: "alert when a session host's grace period ends in this many days or fewer", validate: integerBetween(0, 120) }),
  alertPackAvailablePercent: entry({ flag: '--alert-pack-available-percent', env: 'OPENCAL_ALERT_PACK_AVAILABLE_PERCENT', type: 'number', default: 10, description: "alert when fewer than this percentage of a pack's CALs are available (0: never)", validate: integerBetween(0, 100) }),
  alertExpiryDays: entry({ flag: '--alert-expiry-days', env: 'OPENCAL_ALERT_EXPIRY_DAYS', type: 'number', default: 30, description: "alert when a license server's certificate or a grant expires in this many days or fewer", validate: integerBetween(0, 3650) }),
  alertCasePendingDays: entry({ flag: '--alert-case-pending-days', env: 'OPENCAL_ALERT_CASE_PENDING_DAYS', type: 'number', default: 3, description: 'alert when a case has waited this many days or more for a decision', validate: integerBetween(0, 3650) }),
  alertCloneCase: entry({ flag: '--alert-clone-case', env: 'OPENCAL_ALERT_CLONE_CASE', type: 'boolean', default: true, description: 'alert as soon as a clone case is open (a copy of a license server)' }),
  alertIntervalSeconds: entry({ flag: '--alert-interval-seconds', env: 'OPENCAL_ALERT_INTERVAL_SECONDS', type: 'number', default: 60, description: 'how often each component evaluates its alerts (0: only when they are read: GET /alerts, /metrics)', validate: integerBetween(0, 86400) }),

  // --- component URLs and versions --------------------------------------------------------------------------
  clearinghouseUrl: entry({ flag: '--clearinghouse-url', env: 'OPENCAL_CLEARINGHOUSE_URL', type: 'url', description: 'clearinghouse origin (default: this server)' }),
  licenseServerUrl: entry({ flag: '--license-server-url', env: 'OPENCAL_LICENSE_SERVER_URL', type: 'url', description: 'license server origin (default: this server)' }),
  serverVersion: entry({
    flag: '--server-version',
    env: 'OPENCAL_SERVER_VERSION',
    type: 'number',
    default: 2019,
    description: `Windows Server version of the license server (${SERVER_VERSIONS.join(', ')})`,
    validate: serverVersion,
  }),
  hostName: entry({
    flag: '--host-name',
    env: 'OPENCAL_HOST_NAME',
    type: 'string',
    description: "the session host's name, as license servers and their allow-list know it (default: this machine's host name)",
    validate: (v) => (/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(v) ? undefined : 'a host name: letters, digits, dots, hyphens, underscores (at most 63)'),
  }),
  directory: entry({
    flag: '--directory',
    env: 'OPENCAL_DIRECTORY',
    type: 'string',
    default: 'domain',
    description: 'whether the session host is in a directory (domain) or a workgroup: per-user CALs need a domain',
    validate: oneOf('domain', 'workgroup'),
  }),
  hostPolicy: entry({
    flag: '--host-policy',
    env: 'OPENCAL_HOST_POLICY',
    type: 'path',
    description: 'a JSON file of session host settings by layer ({ "policy": { "mode", "licenseServers" }, "deployment": … }), the Group Policy equivalent',
  }),
  hostVersion: entry({
    flag: '--host-version',
    env: 'OPENCAL_HOST_VERSION',
    type: 'number',
    default: 2019,
    description: `Windows Server version of the session host (${SERVER_VERSIONS.join(', ')})`,
    validate: serverVersion,
  }),

  // --- client commands (the CLI talking to a running server) ------------------------------------------------
  url: entry({ flag: '--url', env: 'OPENCAL_URL', type: 'url', default: 'http://127.0.0.1:7878', description: 'server the CLI talks to' }),
  token: entry({ flag: '--token', env: 'OPENCAL_TOKEN', type: 'string', description: 'bearer token the CLI sends', secret: true }),
  lang: entry({
    flag: '--lang',
    env: 'OPENCAL_LANG',
    type: 'string',
    description: 'language of the messages the CLI prints: en or fr (default: the system locale, LC_ALL, LC_MESSAGES or LANG, else en)',
    validate: oneOf(...LANGS),
  }),

  // --- clearinghouse ----------------------------------------------------------------------------------------
  provisionalWindowDays: entry({
    flag: '--provisional-window-days',
    env: 'OPENCAL_PROVISIONAL_WINDOW_DAYS',
    type: 'number',
    default: 14,
    description: 'clearinghouse: days an activation or key pack made from a typed code is honoured without its signed certificate or grant (published in the trust anchor)',
    validate: integerBetween(1, 365),
  }),
  migrationCodeDays: entry({
    flag: '--migration-code-days',
    env: 'OPENCAL_MIGRATION_CODE_DAYS',
    type: 'number',
    default: 30,
    description: 'clearinghouse: days a migration code is accepted after the day it was made',
    validate: integerBetween(1, 3650),
  }),

  // --- license server ---------------------------------------------------------------------------------------

  // --- session host -----------------------------------------------------------------------------------------
  clockLeeway: entry({
    flag: '--clock-leeway',
    env: 'OPENCAL_CLOCK_LEEWAY',
    type: 'number',
    default: 300,
    description: 'seconds of clock difference a session host tolerates with its license servers (CAL dates and lifetimes); a larger skew is reported in its status',
    validate: integerBetween(0, 3600),
  }),

  // --- diagnoser / device -----------------------------------------------------------------------------------
} as const;

export type ConfigSchema = typeof configSchema;
export type ConfigKey = keyof ConfigSchema;

type EntryValue<E> = E extends ConfigEntry<infer T, infer D> ? (undefined extends D ? ValueFor<T> | undefined : ValueFor<T>) : never;

/** The resolved configuration: keys with a default are always set. */
export type OpenCalConfig = { -readonly [K in ConfigKey]: EntryValue<ConfigSchema[K]> };

/** The flag and environment variable naming the config file itself. */
export const CONFIG_FILE_FLAG = '--config';
export const CONFIG_FILE_ENV = 'OPENCAL_CONFIG';
