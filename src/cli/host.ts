/**
 * `opencal host …`: a session host (RD Session Host): enrolment on a license server, licensing mode and license
 * servers by layer (policy > deployment > local, as Group Policy, RDMS and the local setting), status with the
 * winning source and the grace days left, and the Windows configuration to apply to a real host (PowerShell,
 * .reg, GPO, Set-RDLicenseConfiguration), and the collector script for real Windows servers. Token: the session
 * host's admin token (`sh:admin`); the collector needs none.
 */
import type { HostEnrolment, RefreshReport, SessionHostStatus } from '../core/wire/session-host';
import type { Command } from 'commander';
import { ADMISSION_OUTCOMES } from '../core/list-specs';
import { ok, refuse, type Result } from '../core/result';
import { CONFIG_LAYERS, LICENSING_MODES, type ConfigLayer } from '../core/vocabulary';
import { emitCollector } from '../core/windows-config';
import type { CliContext } from './io';
import { addPageOptions, pageFooter, readList } from './paged';
import { call, callText, choice, clientAction, clientCommand, lines, table, type Opts, type Target } from './request';

function renderStatus(s: SessionHostStatus): string {
  const servers =
    s.licenseServers.length === 0
      ? 'none'
      : s.licenseServers.map((l) => `${l.url}${l.serverId ? ` (${l.serverId})` : ''}${l.enrolled ? '' : ' — not enrolled'}`).join(', ');
  const out = lines([
    ['host', `${s.hostName}, Windows Server ${s.hostVersion}, ${s.directory}`],
    ['licensing mode', `${s.mode} (${s.modeValue}), from ${s.modeSource}`],
    ['license servers', `${servers}, from ${s.licenseServersSource}`],
    ['grace period', s.grace.expired ? `expired on ${s.grace.endsAt.slice(0, 10)}` : `${s.grace.daysLeft} days left (ends ${s.grace.endsAt.slice(0, 10)})`],
    ['trust anchor', s.trustAnchor?.fingerprint],
    ['revocation list', s.revocationListSeq],
    ['organization', s.organization],
    ['clock leeway', s.clock ? `${s.clock.leewaySeconds} s${s.clock.skews.map((k) => `; ${k.licenseServerUrl} ${k.skewSeconds >= 0 ? '+' : ''}${k.skewSeconds} s`).join('')}` : undefined],
  ]);
  const layers = CONFIG_LAYERS.filter((l) => s.layers[l]).map((l) => [l, s.layers[l]!.mode, (s.layers[l]!.licenseServers ?? []).join(', '), s.layers[l]!.fromFile ? 'file' : 'api']);
  const problems = s.problems.map((p) => `  - ${p.code}: ${p.message}`).join('\n');
  return [out, layers.length > 0 ? `layers:\n${table(['layer', 'mode', 'license servers', 'set by'], layers)}` : '', problems ? `problems:\n${problems}` : ''].filter((x) => x !== '').join('\n');
}

/**
 * Sets one layer. The API replaces the whole layer, so the field not given keeps its current value in that layer
 * (changing the mode does not forget the license servers); `--license-servers ""` clears the list.
 */
async function configure(target: Target, o: Opts): Promise<Result<SessionHostStatus>> {
  const layer = String(o['layer']);
  const mode = typeof o['mode'] === 'string' ? o['mode'] : undefined;
  const servers = typeof o['licenseServers'] === 'string' ? o['licenseServers'] : undefined;
  if (mode === undefined && servers === undefined) {
    return call<SessionHostStatus>(target, 'GET', '/sh/v1/status');
  }
  const current = await call<SessionHostStatus>(target, 'GET', '/sh/v1/status');
  if (!current.ok) return current;
  const existing = current.value.layers[layer as ConfigLayer] ?? {};
  if (existing.fromFile) return refuse('CONFIG_LAYER_FROM_FILE', { layer });
  const list =
    servers === undefined
      ? existing.licenseServers
      : servers
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
  const body: Record<string, unknown> = { layer };
  const m = mode ?? existing.mode;
  if (m !== undefined) body['mode'] = m;
  if (list !== undefined && list.length > 0) body['licenseServers'] = list;
  return call<SessionHostStatus>(target, 'PUT', '/sh/v1/config', body);
}

export function hostCommands(program: Command, ctx: CliContext): void {
  const host = program.command('host').description('a session host: enrolment, licensing mode and license servers, status, Windows configuration');

  clientCommand(host.command('enroll').description('enrol this session host on a license server with the join token made there (opencal licmgr hosts add)'), [
    'opencal host enroll --license-server http://127.0.0.1:7879 --join-token $JOIN_TOKEN',
  ])
    .requiredOption('--license-server <url>', "the license server's URL")
    .requiredOption('--join-token <token>', 'the one-time join token')
    .action(
      clientAction(
        ctx,
        (target, o: Opts) => call<HostEnrolment>(target, 'POST', '/sh/v1/enroll', { licenseServerUrl: o['licenseServer'], joinToken: o['joinToken'] }),
        (v) => `enrolled on ${v.licenseServerUrl}${v.serverId ? ` (license server ${v.serverId})` : ''}.`,
      ),
    );

  clientCommand(
    host
      .command('config')
      .description('set the licensing mode and/or the license servers of one layer (policy > deployment > local); without a setting, show the status'),
    [
      'opencal host config --mode per-device --license-servers http://127.0.0.1:7879 --layer policy',
      'opencal host config --license-servers http://ls1:7879,http://ls2:7879    # tried in order (failover)',
    ],
  )
    .addOption(choice('--mode <mode>', 'licensing mode: per-device (2), per-user (4), not-configured (5)', Object.keys(LICENSING_MODES)))
    .option('--license-servers <urls>', 'comma-separated license server URLs, in order; "" clears the list of this layer')
    .addOption(choice('--layer <layer>', 'which layer to set', CONFIG_LAYERS).default('local'))
    .action(clientAction(ctx, (target, o: Opts) => configure(target, o), renderStatus));

  clientCommand(host.command('status').description('licensing mode and its source, license servers and theirs, grace days left, version'), [
    'opencal host status',
    'opencal host status --json',
  ]).action(clientAction(ctx, (target) => call<SessionHostStatus>(target, 'GET', '/sh/v1/status'), renderStatus));

  clientCommand(
    host.command('emit').description('the Windows configuration of these settings: PowerShell registry script, .reg file, GPO settings, Set-RDLicenseConfiguration; pam: the PAM lines of a Linux host'),
    [
      'opencal host emit --format powershell > licensing.ps1',
      'opencal host emit --format gpo',
      'opencal host emit --format collector > opencal-collector.ps1    # run it on each Windows RD Session Host and RD License Server',
      'opencal host emit --format pam',
    ],
  )
    .addOption(
      choice('--format <format>', 'output format (collector: the read-only script that gathers a Windows estate for opencal diagnose --from; pam: the PAM lines and credential file layout of a Linux host)', ['powershell', 'reg', 'gpo', 'rdms', 'collector', 'pam']).makeOptionMandatory(),
    )
    .action(
      clientAction(
        ctx,
        async (target, o: Opts) => {
          // The collector does not depend on this host's settings: it is written here, without asking the server.
          if (o['format'] === 'collector') return { ok: true as const, value: { format: 'collector', text: emitCollector() } };
          const r = await callText(target, `/sh/v1/emit?format=${String(o['format'])}`);
          return r.ok ? { ok: true as const, value: { format: String(o['format']), text: r.value } } : r;
        },
        (v) => v.text,
      ),
    );

  clientCommand(
    host.command('refresh').description('fetch the trust anchor, the revocation list and the license server identities now (also done every hour)'),
    'opencal host refresh',
  ).action(clientAction(ctx, (target) => call<RefreshReport>(target, 'POST', '/sh/v1/refresh'), showRefresh));

  addPageOptions(
    clientCommand(host.command('admissions').description('admissions and refusals of devices, newest first, a page at a time'), [
      'opencal host admissions --outcome refused',
      'opencal host admissions --outcome grace --all',
    ]),
  )
    .addOption(choice('--outcome <outcome>', 'admitted (on a CAL or in grace), cal, grace or refused', ADMISSION_OUTCOMES))
    .option('--device <name>', 'one device (name or hardware ID)')
    .option('--user <name>', 'one user')
    .action(
      clientAction(
        ctx,
        async (target, o: Opts) => {
          const q = new URLSearchParams();
          if (typeof o['outcome'] === 'string') q.set('outcome', o['outcome']);
          if (typeof o['device'] === 'string') q.set('device', o['device']);
          if (typeof o['user'] === 'string') q.set('user', o['user']);
          const r = await readList<Record<string, unknown>>(target, `/sh/v1/admissions?${q.toString()}`, 'admissions', o);
          return r.ok ? ok(r.value.csv !== undefined ? r.value : { admissions: r.value.rows, total: r.value.total, ...(r.value.nextCursor ? { nextCursor: r.value.nextCursor } : {}) }) : r;
        },
        (v) =>
          'csv' in v && typeof v.csv === 'string'
            ? v.csv
            : !('admissions' in v) || v.admissions.length === 0
              ? 'No admissions yet.'
              : table(
                  ['at', 'device', 'outcome', 'basis / code', 'kind'],
                  v.admissions.map((a) => [a['at'], a['device'], a['outcome'] ?? (a['admitted'] ? (a['basis'] === 'grace' ? 'admitted WITHOUT CAL' : 'admitted') : 'refused'), a['basis'] === 'grace' ? 'grace period only' : (a['basis'] ?? a['code']), a['kind'] ?? a['calKind']]),
                ) + pageFooter({ rows: v.admissions, total: v.total, ...(v.nextCursor ? { nextCursor: v.nextCursor } : {}) }, ctx.io.lang),
      ),
    );
}

function showRefresh(v: RefreshReport): string {
  const anchor = v.trustAnchor ? ('error' in v.trustAnchor ? `not fetched (${v.trustAnchor.error})` : v.trustAnchor.fingerprint) : 'no clearinghouse configured';
  const list = v.revocations
    ? 'error' in v.revocations
      ? `not fetched (${v.revocations.error})`
      : `#${v.revocations.seq} (${v.revocations.updated ? 'updated' : 'unchanged'})`
    : 'no clearinghouse configured';
  const head = lines([
    ['trust anchor', anchor],
    ['revocation list', list],
  ]);
  if (v.identities.length === 0) return `${head}\nlicense servers: none listed`;
  return `${head}\n${table(['license server', 'license server ID'], v.identities.map((i) => [i.licenseServerUrl, i.serverId ?? `unreachable (${i.error ?? 'unknown'})`]))}`;
}
