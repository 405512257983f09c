/**
 * The server commands: `opencal serve` (the all-in-one) and each component alone (`opencal clearinghouse serve`,
 * `opencal license-server serve`, `opencal session-host serve`). This file only parses and prints; the wiring of
 * components is the composition root's (src/compose, handed in by src/main.ts), loaded only when a server starts.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ConfigKey, OpenCalConfig } from '../config/schema';
import { StartRefused } from '../http/front-door';
import { addConfigOptions, configFromOptions, serverConfigKeys } from './config-options';
import { ExitCode, fail, printResult, untilShutdown, type CliContext, type CliIo } from './io';

export { StartRefused };

/** A running server, as the launchers of src/compose/servers.ts answer it. */
export interface RunningServer {
  /** the origin it listens on, e.g. http://127.0.0.1:7878 */
  url: string;
  /** what a person reads at start: URLs, license server ID, where the admin token is */
  lines: string[];
  close(): Promise<void>;
}

export type Launcher = (config: OpenCalConfig, io: CliIo) => Promise<RunningServer>;

export interface ServerLaunchers {
  allInOne: Launcher;
  clearinghouse: Launcher;
  licenseServer: Launcher;
  sessionHost: Launcher;
}

const ALL_IN_ONE_KEYS: readonly ConfigKey[] = serverConfigKeys.filter((k) => k !== 'clearinghouseUrl' && k !== 'licenseServerUrl' && k !== 'db');
const RETENTION_KEYS: readonly ConfigKey[] = [
  'retentionEventsDays', 'retentionEventsMax', 'retentionAdmissionsDays', 'retentionAdmissionsMax', 'retentionIssuedDays', 'retentionIntervalSeconds', 'retentionBatch',
];
const ALERT_KEYS: readonly ConfigKey[] = ['alertGraceDays', 'alertPackAvailablePercent', 'alertExpiryDays', 'alertCasePendingDays', 'alertCloneCase', 'alertIntervalSeconds'];
const COMMON_KEYS: readonly ConfigKey[] = ['data', 'db', 'host', 'port', 'adminToken', 'logLevel', 'logFile', 'trustProxy', 'trustedProxies', 'metricsToken', 'metricsAllow', ...RETENTION_KEYS, ...ALERT_KEYS];
const ALONE_KEYS: Record<'clearinghouse' | 'license-server' | 'session-host', readonly ConfigKey[]> = {
  clearinghouse: COMMON_KEYS,
  'license-server': [...COMMON_KEYS, 'clearinghouseUrl', 'serverVersion'],
  'session-host': [...COMMON_KEYS, 'clearinghouseUrl', 'hostVersion', 'hostName', 'directory', 'hostPolicy', 'clockLeeway'],
};

/**
 * Resolve the configuration, start, print, wait for the shutdown signal, stop. A component run alone without
 * `--data` keeps its files where the all-in-one keeps them (`./data/<component>`), so both can share one tree.
 */
async function serveWith(io: CliIo, options: Record<string, unknown>, launcher: () => Promise<Launcher>, keys: readonly ConfigKey[], subdir?: string): Promise<number> {
  const json = options['json'] === true;
  const resolved = configFromOptions(io, options, keys);
  if (!resolved.ok) return fail(io, resolved.error, json);
  const config = { ...resolved.value.values };
  if (subdir !== undefined && resolved.value.sources.data === 'default') config.data = join(config.data, subdir);
  const launch = await launcher();
  let server: RunningServer;
  try {
    server = await launch(config, io);
  } catch (e) {
    if (e instanceof StartRefused) return fail(io, e.refusal, json);
    throw e;
  }
  if (json) printResult(io, true, { url: server.url, lines: server.lines }, () => '');
  else io.stdout.write(`${server.lines.join('\n')}\n`);
  await untilShutdown(io);
  await server.close();
  return ExitCode.OK;
}

const SERVE_EXAMPLES = `
Examples:
  opencal serve --data ./data --port 7878
  opencal serve --demo                      # example organization, pack, license server and session host, manual clock
  OPENCAL_ADMIN_TOKEN=$(openssl rand -hex 24) opencal serve --data /var/lib/opencal

The first start prints the URLs and a bootstrap admin token (saved in DATA/admin-token, mode 0600); it is the
admin token of all three components. Each component keeps its own database under DATA:
DATA/clearinghouse/ch.db, DATA/license-server/lserver.db (+ identity.key), DATA/session-host/sh.db.`;

function aloneExamples(name: string, more: string): string {
  return `
Examples:
  opencal ${name} serve --data ./data/${name} --port 7879${more}

Without --data the files go to ./data/${name} (the same place as in the all-in-one).`;
}

/** The server commands; `load` answers the launchers (the components are imported only when a server starts). */
export function serverCommands(load: () => Promise<ServerLaunchers>) {
  return function serverCommandGroup(program: Command, ctx: CliContext): void {
    addConfigOptions(
      program.command('serve').description('run the all-in-one server: clearinghouse, license server and session host on one port'),
      ALL_IN_ONE_KEYS,
    )
      .option('--json', 'print the start report as one JSON document')
      .addHelpText('after', SERVE_EXAMPLES)
      .action(ctx.action((options: Record<string, unknown>) => serveWith(ctx.io, options, async () => (await load()).allInOne, ALL_IN_ONE_KEYS)));

    const components: { name: keyof typeof ALONE_KEYS; description: string; launch: () => Promise<Launcher>; more: string }[] = [
      { name: 'clearinghouse', description: 'run the clearinghouse alone', launch: async () => (await load()).clearinghouse, more: '' },
      {
        name: 'license-server',
        description: 'run one license server alone (a new data directory is a new identity: a reinstall)',
        launch: async () => (await load()).licenseServer,
        more: ' --clearinghouse-url http://127.0.0.1:7878',
      },
      {
        name: 'session-host',
        description: 'run one session host alone',
        launch: async () => (await load()).sessionHost,
        more: ' --clearinghouse-url http://127.0.0.1:7878 --port 7880',
      },
    ];
    for (const c of components) {
      const group = program.command(c.name).description(`${c.name}: ${c.description}`);
      addConfigOptions(group.command('serve').description(c.description), ALONE_KEYS[c.name])
        .option('--json', 'print the start report as one JSON document')
        .addHelpText('after', aloneExamples(c.name, c.more))
        .action(ctx.action((options: Record<string, unknown>) => serveWith(ctx.io, options, c.launch, ALONE_KEYS[c.name], c.name)));
    }
  };
}
