/**
 * `opencal licmgr …`: the license manager of one license server (licmgr.exe of the source document): status,
 * activation (auto, web, phone), key pack install (pack key or key pack ID), the Migrate wizard's migration
 * code, issued licenses and their export, revoke, rebuild, deactivation, session host join tokens.
 * Token: the license server's admin token (`ls:admin`).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type {
  ActivationView,
  AllowList,
  DeactivationReceipt,
  HostList,
  ImportResult,
  IssuedList,
  IssuedView,
  JoinToken,
  KeyPackView,
  LicenseServerStatus,
  MigrationCodeAnswer,
  RebuildAnswer,
  RevokeAnswer,
  ServerIdentity,
} from '../core/wire/license-server';
import type { Command } from 'commander';
import { ISSUED_SORTS } from '../core/issued-list';
import { ok, refuse, type Result } from '../core/result';
import { CAL_KINDS, CAL_TYPES, MIGRATION_REASONS, REACTIVATION_REASONS } from '../core/vocabulary';
import type { CliContext, CliIo } from './io';
import { addPageOptions, pageFooter, readList } from './paged';
import { tokenCommands } from './tokens';
import {
  addCompanyOptions,
  addProgramDataOptions,
  call,
  callText,
  choice,
  clientAction,
  clientCommand,
  code,
  companyOf,
  lines,
  programDataOf,
  table,
  withProgress,
  type Opts,
  type Target,
} from './request';

/** A key pack's status as the license manager shows it: a provisional one says until when, a lapsed one says so. */
function keyPackStatus(k: KeyPackView): string {
  if (!k.provisional) return k.status;
  return k.provisional.state === 'lapsed' ? `lapsed ${k.provisional.until.slice(0, 10)}` : `provisional until ${k.provisional.until.slice(0, 10)}`;
}

export function renderKeyPacks(packs: KeyPackView[]): string {
  if (packs.length === 0) return 'key packs: none installed';
  const table_ = table(
    ['pack', 'program', 'type', 'version', 'total', 'issued', 'available', 'status', 'method'],
    packs.map((k) => [k.seq > 1 ? `${k.pack} (grant ${k.seq})` : k.pack, k.program, k.calType, k.calVersion, k.total, k.issued, k.available, keyPackStatus(k), k.method]),
  );
  const lapsed = packs.some((k) => k.provisional?.state === 'lapsed');
  return lapsed
    ? `${table_}\nA lapsed key pack was installed from a typed key pack ID and its signed grant did not arrive in time: it issues no CALs. Check in (opencal licmgr check-in) or import the clearinghouse's file (opencal licmgr import FILE).`
    : table_;
}

function renderActivation(a: ActivationView): string {
  const bits: string[] = [a.status];
  if (a.method) bits.push(`by ${a.method}`);
  if (a.expiresAt) bits.push(`${a.expired ? 'expired' : 'until'} ${a.expiresAt.slice(0, 10)}`);
  if (a.provisional?.state === 'lapsed') {
    bits.push(`(provisional, lapsed ${a.provisional.until.slice(0, 10)}: no certificate arrived; temporary CALs only until a check-in or opencal licmgr import FILE)`);
  } else if (a.provisional) {
    bits.push(`(provisional until ${a.provisional.until.slice(0, 10)}: the certificate arrives at the next check-in, or with opencal licmgr import FILE)`);
  } else if (a.status === 'activated' && a.certificate === false) bits.push('(certificate arrives at the next check-in)');
  if (a.reason && a.status !== 'activated') bits.push(`(${a.reason})`);
  return bits.join(' ');
}

function renderChain(c: LicenseServerStatus['clearinghouse']['chain']): string | undefined {
  if (!c) return undefined;
  if (c.fork) {
    return `SECOND HISTORY found by the clearinghouse at check-in ${c.fork.counter} (${c.fork.problem})${c.fork.caseNumber ? `, case ${c.fork.caseNumber}` : ''}: a copy of this data directory runs elsewhere`;
  }
  return `${c.counter} check-ins${c.pending ? ', one waiting for its receipt' : ''}`;
}

function renderCheckpoint(ch: LicenseServerStatus['clearinghouse']): string | undefined {
  const r = ch.checkpointRegression;
  if (r) return `WENT BACK (${r.problem}): record ${r.seen.seq} received after record ${r.kept.seq}; the clearinghouse's audit log was cut or rewritten`;
  return ch.auditCheckpoint ? `record ${ch.auditCheckpoint.seq}, signed ${ch.auditCheckpoint.at}` : undefined;
}

function renderStatus(s: LicenseServerStatus): string {
  return [
    lines([
      ['license server ID', s.serverId],
      ['product ID', s.productId],
      ['version', `Windows Server ${s.version}`],
      ['activation', renderActivation(s.activation)],
      ['issued', `${s.issued.temporary} temporary, ${s.issued.permanent} permanent, ${s.issued.user} per user`],
      ['clearinghouse', s.clearinghouse?.url ? `${s.clearinghouse.url}${s.clearinghouse.lastCheckInAt ? ` (last check-in ${s.clearinghouse.lastCheckInAt}: ${s.clearinghouse.lastCheckInResult ?? ''})` : ''}` : undefined],
      ['check-in chain', renderChain(s.clearinghouse?.chain)],
      ['audit checkpoint', renderCheckpoint(s.clearinghouse)],
    ]),
    renderKeyPacks(s.keyPacks),
  ].join('\n');
}

async function activate(target: Target, o: Opts): Promise<Result<unknown>> {
  const method = String(o['method']);
  let confirmation: string | undefined;
  if (typeof o['confirmation'] === 'string') {
    const c = code(o['confirmation'], 'activationConfirmation');
    if (!c.ok) return c;
    confirmation = c.value.formatted;
  }
  if (method !== 'auto' && confirmation === undefined) {
    // The wizard's first page: the product ID to enter on the portal or read to the agent.
    const id = await call<ServerIdentity>(target, 'GET', '/ls/v1/identity');
    if (!id.ok) return id;
    return {
      ok: true,
      value: {
        step: 'confirmation-needed',
        serverId: id.value.serverId,
        productId: id.value.productId,
        next:
          method === 'web'
            ? `Enter the product ID on the portal (opencal portal activate --product-id ${id.value.productId} …), then run opencal licmgr activate --method web --confirmation CODE`
            : `Read the product ID to the agent (opencal ch phone activate ${id.value.productId} --org ID …), then run opencal licmgr activate --method phone --confirmation CODE`,
      },
    };
  }
  if (method === 'auto' && typeof o['orgToken'] !== 'string' && typeof o['reason'] !== 'string') {
    return refuse('ORG_TOKEN_REQUIRED');
  }
  if (typeof o['reason'] === 'string') {
    return call(target, 'POST', '/ls/v1/reactivate', {
      reason: o['reason'],
      method,
      ...(typeof o['orgToken'] === 'string' ? { orgToken: o['orgToken'] } : {}),
      ...(confirmation !== undefined ? { confirmation } : {}),
    });
  }
  if (method === 'auto') return call(target, 'POST', '/ls/v1/activate', { method, orgToken: o['orgToken'], company: companyOf(o) });
  return call(target, 'POST', '/ls/v1/activate', { method, confirmation });
}

function renderActivated(v: unknown): string {
  const r = v as ActivationView & { step?: string; productId?: string; serverId?: string; next?: string };
  if (r.step === 'confirmation-needed') return `${lines([['license server ID', r.serverId], ['product ID', r.productId]])}\n${r.next}`;
  return `activation: ${renderActivation(r)}`;
}

/**
 * A rebuild removes what cannot be typed back (issue 13: it deleted every issued license without asking): on a
 * terminal it says what will be lost and waits for `yes`; without a terminal it needs --yes. Refused, it has
 * changed nothing.
 */
async function confirmRebuild(io: CliIo, target: Target, yes: boolean): Promise<Result<undefined>> {
  if (yes) return { ok: true, value: undefined };
  const status = await call<LicenseServerStatus>(target, 'GET', '/ls/v1/status');
  if (!status.ok) return status;
  const s = status.value;
  const lost = { issued: s.issued.temporary + s.issued.permanent + s.issued.user, keyPacks: s.keyPacks.length, serverId: s.serverId };
  if (io.stdin?.isTTY !== true) return refuse('REBUILD_NOT_CONFIRMED', lost);
  const question =
    io.lang === 'fr'
      ? `La reconstruction supprime ${lost.issued} licences délivrées (${s.issued.temporary} temporaires, ${s.issued.permanent} permanentes, ${s.issued.user} par utilisateur), ${lost.keyPacks} packs de licences et l'activation du serveur de licences ${s.serverId} (son identité est conservée). Tapez yes pour continuer : `
      : `The rebuild removes ${lost.issued} issued licenses (${s.issued.temporary} temporary, ${s.issued.permanent} permanent, ${s.issued.user} per user), ${lost.keyPacks} key packs and the activation of license server ${s.serverId} (its identity is kept). Type yes to go on: `;
  const answer = await ask(io, question);
  return ['yes', 'oui'].includes(answer.trim().toLowerCase()) ? { ok: true, value: undefined } : refuse('REBUILD_NOT_CONFIRMED', lost);
}

async function ask(io: CliIo, question: string): Promise<string> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: io.stdin!, output: io.stderr as NodeJS.WritableStream, terminal: false });
  try {
    return await new Promise<string>((resolve) => {
      rl.once('close', () => resolve(''));
      rl.question(question, resolve);
    });
  } finally {
    rl.close();
  }
}

async function install(target: Target, o: Opts): Promise<Result<KeyPackView>> {
  const packKey = typeof o['packKey'] === 'string' ? o['packKey'] : undefined;
  const keyPackId = typeof o['keyPackId'] === 'string' ? o['keyPackId'] : undefined;
  if ((packKey === undefined) === (keyPackId === undefined)) {
    return refuse('INSTALL_INPUT_REQUIRED');
  }
  if (keyPackId !== undefined) {
    const k = code(keyPackId, 'keyPackId');
    if (!k.ok) return k;
    return call<KeyPackView>(target, 'POST', '/ls/v1/key-packs', { keyPackId: k.value.formatted, ...(typeof o['method'] === 'string' ? { method: o['method'] } : {}) });
  }
  const k = code(packKey!, 'packKey');
  if (!k.ok) return k;
  return call<KeyPackView>(target, 'POST', '/ls/v1/key-packs', { packKey: k.value.formatted, ...programDataOf(o) });
}

function issuedQuery(o: Opts, format: 'json' | 'csv', cursor?: string): string {
  const q = new URLSearchParams();
  if (typeof o['type'] === 'string') q.set('calType', o['type']);
  if (typeof o['kind'] === 'string') q.set('type', o['kind']);
  if (typeof o['device'] === 'string') q.set('device', o['device']);
  if (typeof o['user'] === 'string') q.set('user', o['user']);
  if (typeof o['pack'] === 'string') q.set('pack', o['pack']);
  if (typeof o['status'] === 'string') q.set('status', o['status']);
  if (typeof o['expiresBefore'] === 'string') q.set('expiresBefore', o['expiresBefore']);
  if (typeof o['sort'] === 'string') q.set('sort', o['sort']);
  q.set('format', format);
  if (format === 'json') q.set('limit', String(PAGE));
  if (cursor !== undefined) q.set('cursor', cursor);
  return `/ls/v1/issued?${q.toString()}`;
}

const PAGE = 5000;

/** Reads every page of issued licenses, cursor after cursor (an export can be large: progress on a terminal). */
async function issued(ctx: CliContext, target: Target, o: Opts): Promise<Result<{ format: 'json' | 'csv'; issued?: IssuedView[]; csv?: string }>> {
  const format = o['format'] === 'csv' && o.json !== true ? 'csv' : 'json';
  if (typeof o['pack'] === 'string' && !/^[1-9][0-9]{0,9}$/.test(o['pack'])) return refuse('INVALID_REQUEST', { field: 'pack', problem: 'a pack number' });
  if (typeof o['expiresBefore'] === 'string') {
    const at = Date.parse(o['expiresBefore']);
    if (Number.isNaN(at)) return refuse('INVALID_REQUEST', { field: 'expires-before', problem: 'a date such as 2027-03-01' });
    o['expiresBefore'] = new Date(at).toISOString();
  }
  // The server streams a CSV export whole: one request.
  if (format === 'csv') {
    const all = await callText(target, issuedQuery(o, 'csv'));
    return all.ok ? { ok: true, value: { format, csv: all.value } } : all;
  }
  const first = await call<IssuedList>(target, 'GET', issuedQuery(o, 'json'));
  if (!first.ok) return first;
  return withProgress(ctx.io, o.json === true, 'reading issued licenses', Math.max(1, Math.ceil(first.value.total / PAGE)), async (tick) => {
    const rows: IssuedView[] = [...first.value.issued];
    tick(`${rows.length} of ${first.value.total} rows`);
    for (let next = first.value.nextCursor; next !== undefined; ) {
      const page = await call<IssuedList>(target, 'GET', issuedQuery(o, 'json', next));
      if (!page.ok) return page;
      rows.push(...page.value.issued);
      tick(`${rows.length} of ${page.value.total} rows`);
      next = page.value.nextCursor;
    }
    return { ok: true, value: { format, issued: rows } };
  });
}

export function licmgrCommands(program: Command, ctx: CliContext): void {
  const lm = program.command('licmgr').description('the license manager of a license server (licmgr.exe): activation, key packs, issued licenses, rebuild');

  clientCommand(lm.command('status').description('license server ID, product ID, version, activation and key packs (total, issued, available)'), [
    'opencal licmgr status',
    'opencal licmgr status --url http://ls.example:7879 --token $LS_ADMIN_TOKEN --json',
  ]).action(clientAction(ctx, (target) => call<LicenseServerStatus>(target, 'GET', '/ls/v1/status'), renderStatus));

  addCompanyOptions(
    clientCommand(lm.command('activate').description('activate the license server (auto, web or phone); with --reason, reactivate it'), [
      'opencal licmgr activate --method auto --org-token $ORG_TOKEN --first-name Ana --last-name Diaz --company Contoso --country FR',
      'opencal licmgr activate --method phone                      # shows the product ID to read to the agent',
      'opencal licmgr activate --method phone --confirmation XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX',
      'opencal licmgr activate --method auto --org-token $ORG_TOKEN --reason certificate-expired',
    ]),
  )
    .addOption(choice('--method <method>', 'activation method', ['auto', 'web', 'phone']).default('auto'))
    .option('--confirmation <code>', 'web/phone: the 35-character activation confirmation')
    .option('--org-token <token>', 'auto: the organization token')
    .addOption(choice('--reason <reason>', 'reactivate, for this reason', REACTIVATION_REASONS))
    .action(clientAction(ctx, (target, o: Opts) => activate(target, o), renderActivated));

  addProgramDataOptions(
    clientCommand(lm.command('install').description('install a key pack: by pack key and program data (auto), or by key pack ID (web/phone)'), [
      'opencal licmgr install --pack-key XXXXX-XXXXX-XXXXX-XXXXX-XXXXX --agreement 1234567',
      'opencal licmgr install --key-pack-id XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX',
    ]),
  )
    .option('--pack-key <key>', 'the 25-character pack key (automatic install through the clearinghouse)')
    .option('--key-pack-id <id>', 'the 35-character key pack ID given by the portal or the agent')
    .addOption(choice('--method <method>', 'with --key-pack-id: where it came from', ['web', 'phone']))
    .action(
      clientAction(ctx, (target, o: Opts) => install(target, o), (k) => `installed:\n${renderKeyPacks([k])}${k.grant === false ? '\nThe grant arrives at the next check-in (opencal licmgr check-in).' : ''}`),
    );

  clientCommand(
    lm.command('migration-code').description('the Migrate wizard: the 45-character migration code of this (new) license server, to enter on the portal with the pack key'),
    'opencal licmgr migration-code --reason reinstalled',
  )
    .addOption(choice('--reason <reason>', 'why the packs move here', MIGRATION_REASONS).makeOptionMandatory())
    .option('--source-id <id>', 'the old license server ID (35 characters), when known')
    .action(
      clientAction(
        ctx,
        async (target, o: Opts) => {
          let sourceId: string | undefined;
          if (typeof o['sourceId'] === 'string') {
            const s = code(o['sourceId'], 'licenseServerId');
            if (!s.ok) return s;
            sourceId = s.value.formatted;
          }
          return call<MigrationCodeAnswer>(target, 'POST', '/ls/v1/migration-code', { reason: o['reason'], ...(sourceId ? { sourceId } : {}) });
        },
        (v) =>
          `${lines([['migration code', v.migrationCode], ['license server ID', v.serverId]])}\nNext: opencal portal migrate --migration-code ${v.migrationCode} --pack-key KEY --type device --version 2019 --program P …`,
      ),
    );

  clientCommand(lm.command('issued').description('issued licenses, filtered; --format csv exports them (progress on a terminal)'), [
    'opencal licmgr issued --type device',
    'opencal licmgr issued --format csv > issued-licenses.csv',
    'opencal licmgr issued --pack 3 --expires-before 2027-03-01 --sort -expiresAt',
  ])
    .addOption(choice('--type <type>', 'CAL type', CAL_TYPES))
    .addOption(choice('--kind <kind>', 'license kind', CAL_KINDS))
    .option('--device <name>', 'one device')
    .option('--user <name>', 'one user')
    .option('--pack <number>', 'CALs drawn from one pack (its number)')
    .option('--expires-before <date>', 'expiring before this date, e.g. 2027-03-01')
    .addOption(choice('--status <status>', 'status (default: the server default)', ['active', 'upgraded', 'expired', 'revoked', 'removed', 'all']))
    .addOption(choice('--sort <column>', 'order of the rows; a leading - reverses it', ISSUED_SORTS))
    .addOption(choice('--format <format>', 'output format', ['json', 'csv']))
    .action(
      clientAction(
        ctx,
        (target, o: Opts) => issued(ctx, target, o),
        (v, o) => {
          if (v.format === 'csv') return v.csv ?? '';
          if (o['format'] === 'json') return JSON.stringify(v.issued, null, 2);
          const rows = v.issued ?? [];
          if (rows.length === 0) return 'No issued licenses.';
          return table(
            ['device', 'user', 'kind', 'type', 'version', 'pack', 'expires', 'status'],
            rows.map((l) => [l.device, l.user, l.kind, l.calType, l.calVersion, l.pack, l.expiresAt.slice(0, 10), l.status]),
          );
        },
      ),
    );

  clientCommand(lm.command('revoke').description("revoke a device's per-device CAL (at most 20 % of a version's CALs at once)").argument('<device>', 'device name'), 'opencal licmgr revoke PC-042').action(
    clientAction(
      ctx,
      (target, _o, device: string) => call<RevokeAnswer>(target, 'POST', '/ls/v1/issued/revoke', { device }),
      (v) => `revoked the ${v.revoked.kind} ${v.revoked.calType} CAL of ${v.revoked.device ?? ''} (version ${v.revoked.calVersion}); ${v.revokable} more may be revoked now.`,
    ),
  );

  clientCommand(
    lm.command('rebuild').description('rebuild the license database: removes key packs, issued licenses and the activation, keeps the identity (same ID)'),
    ['opencal licmgr rebuild', 'opencal licmgr rebuild --yes      # without a terminal (a script)', 'opencal licmgr rebuild --force    # even when the clearinghouse does not hold the packs (they will not come back)'],
  )
    .option('--force', 'rebuild even when the clearinghouse does not hold this server\'s packs')
    .option('--yes', 'do not ask for confirmation (needed when no terminal is attached)')
    .action(
      clientAction(
        ctx,
        async (target, o: Opts) => {
          const confirmed = await confirmRebuild(ctx.io, target, o['yes'] === true);
          if (!confirmed.ok) return confirmed;
          return withProgress(ctx.io, o.json === true, 'rebuilding the license database', 1, async (tick) => {
            const r = await call<RebuildAnswer>(
              target,
              'POST',
              '/ls/v1/rebuild',
              { force: o['force'] === true },
            );
            tick(r.ok ? 'done' : r.error.code);
            return r;
          });
        },
        (v) =>
          `${lines([
            ['license server ID', `${v.serverId} (kept)`],
            ['removed', `${v.keyPacksRemoved} key packs, ${v.issuedRemoved} issued licenses`],
            ['restored', v.restored.activated ? `activation and ${v.restored.keyPacks} key packs from the clearinghouse` : 'nothing'],
          ])}\nnext:\n${v.nextSteps.map((s) => `  - ${s}`).join('\n')}`,
      ),
    );

  clientCommand(lm.command('deactivate').description('deactivate the license server: its packs are released; prints the deactivation receipt'), 'opencal licmgr deactivate').action(
    clientAction(
      ctx,
      (target) => call<DeactivationReceipt>(target, 'POST', '/ls/v1/deactivate'),
      (v) => `${lines([['receipt', v.receipt]])}\n${v.message}`,
    ),
  );

  clientCommand(lm.command('check-in').description('check in with the clearinghouse now: certificate, grants and revocation list'), 'opencal licmgr check-in').action(
    clientAction(ctx, (target) => call<Record<string, unknown>>(target, 'POST', '/ls/v1/check-in'), (v) => lines(Object.entries(v))),
  );

  clientCommand(
    lm.command('import').description("air-gapped sites: install the clearinghouse's signed file for this server (certificate, grants, revocation list)").argument('<file>', 'the file written by opencal ch export'),
    'opencal licmgr import ls-documents.json',
  ).action(
    clientAction(
      ctx,
      async (target, _o, file: string): Promise<Result<ImportResult>> => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(await readFile(resolve(ctx.io.cwd, file), 'utf8'));
        } catch (e) {
          return refuse('IMPORT_FILE_INVALID', { problem: 'unreadable', file, reason: (e as Error).message.split('\n')[0] });
        }
        return call<ImportResult>(target, 'POST', '/ls/v1/import', { file: parsed });
      },
      (v) =>
        lines([
          ['exported', v.exportedAt],
          ['status at the clearinghouse', v.status],
          ['certificate', v.certificateReceived ? 'received' : 'unchanged'],
          ['grants', `${v.grantsReceived} (${v.keyPacksInstalled} key packs installed)`],
          ['invalidated key packs', v.keyPacksInvalidated.length],
          ['revocation list', v.revocationsSeq ?? 'unchanged'],
        ]),
    ),
  );

  const hosts = lm.command('hosts').description('session hosts enrolled on this license server');
  clientCommand(hosts.command('add').description('make a one-time join token for a session host').argument('<name>', 'session host name'), 'opencal licmgr hosts add RDSH-01').action(
    clientAction(
      ctx,
      (target, _o, name: string) => call<JoinToken>(target, 'POST', '/ls/v1/hosts', { name }),
      (v) => `${lines([['join token', v.joinToken], ['host', v.name]])}\nOn the session host: opencal host enroll --license-server URL --join-token ${v.joinToken}`,
    ),
  );
  addPageOptions(
    clientCommand(hosts.command('list').description('enrolled session hosts, a page at a time, and the allow-list'), ['opencal licmgr hosts list', 'opencal licmgr hosts list --name rdsh --all']),
  )
    .option('--name <words>', 'hosts whose name holds these words')
    .action(
    clientAction(
      ctx,
      async (target, o: Opts): Promise<Result<{ csv: string } | (Omit<HostList, 'limit' | 'sort'>)>> => {
        const list = await readList<HostList['hosts'][number]>(target, `/ls/v1/hosts?${typeof o['name'] === 'string' ? new URLSearchParams({ name: o['name'] }).toString() : ''}`, 'hosts', o);
        if (!list.ok) return list;
        if (list.value.csv !== undefined) return ok({ csv: list.value.csv });
        const allow = await call<HostList>(target, 'GET', '/ls/v1/hosts?limit=1');
        if (!allow.ok) return allow;
        const { rows, total, nextCursor } = list.value;
        return ok({ allowListEnabled: allow.value.allowListEnabled, allowList: allow.value.allowList, hosts: rows, total, ...(nextCursor ? { nextCursor } : {}) });
      },
      (v) =>
        'csv' in v && typeof v.csv === 'string'
          ? v.csv
          : 'hosts' in v
            ? `${lines([['allow-list', v.allowListEnabled ? v.allowList.join(', ') || '(empty)' : 'off']])}\n${v.hosts.length === 0 ? 'No session hosts enrolled.' : table(['host', 'enrolled', 'allowed'], v.hosts.map((h) => [h.name, h.enrolledAt, h.allowed ? 'yes' : 'no']))}${pageFooter({ rows: v.hosts, total: v.total, ...(v.nextCursor ? { nextCursor: v.nextCursor } : {}) }, ctx.io.lang)}`
            : '',
    ),
  );
  // The "RDS Endpoint Servers" allow-list: add or remove one session host, keeping the rest of the list.
  const changeAllowList = (add: boolean) => async (target: Target, _o: unknown, name: string) => {
    const current = await call<HostList>(target, 'GET', '/ls/v1/hosts');
    if (!current.ok) return current;
    const others = current.value.allowList.filter((h) => h.toLowerCase() !== name.toLowerCase());
    const hostsAfter = add ? [...others, name] : others;
    return call<AllowList>(target, 'PUT', '/ls/v1/hosts/allow-list', { enabled: add ? true : current.value.allowListEnabled, hosts: hostsAfter });
  };
  const renderAllowList = (v: AllowList) => lines([['allow-list', v.allowListEnabled ? 'on' : 'off'], ['hosts', v.allowList.join(', ') || '—']]);
  clientCommand(
    hosts.command('allow').description('put a session host on the allow-list ("RDS Endpoint Servers") and turn the list on').argument('<name>', 'session host name'),
    'opencal licmgr hosts allow RDSH-01',
  ).action(clientAction(ctx, changeAllowList(true), renderAllowList));
  clientCommand(
    hosts.command('disallow').description('take a session host off the allow-list').argument('<name>', 'session host name'),
    'opencal licmgr hosts disallow RDSH-01',
  ).action(clientAction(ctx, changeAllowList(false), renderAllowList));

  tokenCommands(lm, ctx, '/ls/v1', 'licmgr');
}
