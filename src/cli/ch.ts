/**
 * `opencal ch …`: the clearinghouse — organizations, agents, packs (purchases), the cases of the review queue,
 * the phone desk of the agent, the revocation list, the audit chain and the key set (DESIGN §1, §4, §5). Tokens: the admin token
 * (`ch:admin`) for organizations, agents and packs; an agent token (`ch:agent`) for the desk; an organization
 * token (`ch:org`) sees its own cases and packs.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type {
  AgentCreated,
  AgentList,
  AuditCheckpointAnswer,
  AuditCheckpointVerifyAnswer,
  AuditVerifyAnswer,
  CaseAnswer,
  CaseView,
  ConfirmationAnswer,
  DocumentsFile,
  KeyList,
  KeyRevoked,
  KeysRotated,
  OrgCreated,
  OrganizationList,
  PackCreated,
  ServerView,
  SignedList,
  TrustAnchor,
} from '../core/wire/clearinghouse';
import { parseCaseNumber } from '../core/clearinghouse-rules';
import { ok, refuse, type Result } from '../core/result';
import type { RevocationListPayload } from '../core/protocol';
import { ACTIVATION_STATUSES, CAL_TYPES, CAL_VERSIONS, CASE_STATUSES, MIGRATION_REASONS, PROGRAMS } from '../core/vocabulary';
import type { CliContext } from './io';
import { addPageOptions, pageFooter, readList } from './paged';
import { hostRegistryCommands, tokenCommands } from './tokens';
import {
  addCompanyOptions,
  addProgramDataOptions,
  call,
  choice,
  clientAction,
  clientCommand,
  code,
  companyOf,
  lines,
  programDataOf,
  table,
  type Opts,
  type Target,
} from './request';


/** The human rendering of a case, shared with `opencal portal migrate`. */
export function renderCase(c: CaseView): string {
  const out = lines([
    ['case', c.caseNumber],
    ['status', c.status],
    ['kind', `${c.kind} (${c.channel})`],
    ['pack', c.pack],
    ['from', c.sourceServerId ?? (c.kind === 'migration' || c.kind === 'reissue' ? 'unknown source' : undefined)],
    ['to', c.targetServerId],
    ['organization', c.orgId],
    ['reason', c.reason],
    ['key pack ID', c.keyPackId],
    ['grant serial', c.grantSeq],
    ['decided by', c.decidedBy],
    ['note', c.decisionNote],
    ['created', c.createdAt],
    ['decided', c.decidedAt],
  ]);
  const why = c.decisionReasons.map((r) => `  - ${r.code}: ${r.text}`).join('\n');
  const next =
    c.status === 'approved' && c.keyPackId
      ? `\nNext: on the new license server, opencal licmgr install --key-pack-id ${c.keyPackId}`
      : c.status === 'pending'
        ? `\nThe case waits for an agent (the phone path). Quote ${c.caseNumber} when you call: opencal phone-script --case ${c.caseNumber}`
        : '';
  return `${out}${why ? `\n${c.status === 'approved' ? 'because' : 'why'}:\n${why}` : ''}${next}`;
}

function caseNumberOf(text: string): Result<string> {
  const n = parseCaseNumber(text);
  if (n === undefined) return refuse('CASE_NUMBER_INVALID', { value: text });
  return { ok: true, value: `CH-${String(n).padStart(6, '0')}` };
}

function countOf(text: string): Result<number> {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < 1 || n > 1_000_000) {
    return refuse('PACK_COUNT_INVALID', { value: text });
  }
  return { ok: true, value: n };
}

async function revocations(target: Target): Promise<Result<{ verified: boolean; fingerprint?: string; list: RevocationListPayload }>> {
  const trust = await call<TrustAnchor>(target, 'GET', '/ch/v1/trust');
  if (!trust.ok) return trust;
  const answer = await call<SignedList>(target, 'GET', '/ch/v1/revocations');
  if (!answer.ok) return answer;
  const { keySetFromJwks, verifyJws } = await import('../trust/index');
  const verified = await verifyJws<RevocationListPayload>(answer.value.list, keySetFromJwks(trust.value), 'opencal.revocations');
  if (!verified.ok) return verified;
  return { ok: true, value: { verified: true, ...(trust.value.fingerprint ? { fingerprint: trust.value.fingerprint } : {}), list: verified.value.payload } };
}

export function chCommands(program: Command, ctx: CliContext): void {
  // `--version <V>` is the CAL version of a pack here; without positional options commander would read it as
  // the program's own `--version` wherever it appears on the line.
  program.enablePositionalOptions();
  const ch = program.command('ch').description('the clearinghouse: organizations, agents, packs, cases, phone desk, revocations, audit, keys');

  // ---------------------------------------------------------------- organizations and agents
  const org = ch.command('org').description('organizations (customers holding packs)');
  clientCommand(org.command('create').description('create an organization; prints its ID and its organization token (shown once)').argument('<name>', 'organization name'), [
    'opencal ch org create "Contoso" --token $ADMIN_TOKEN',
  ]).action(
    clientAction(
      ctx,
      (target, _o, name: string) => call<OrgCreated>(target, 'POST', '/ch/v1/orgs', { name }),
      (v) => `${lines([['orgId', v.orgId], ['token', v.token]])}\nThe organization token is shown once: keep it (portal commands use it as --token).`,
    ),
  );
  clientCommand(org.command('list').description('list organizations'), 'opencal ch org list').action(
    clientAction(
      ctx,
      (target) => call<OrganizationList>(target, 'GET', '/ch/v1/orgs'),
      (v) => table(['org', 'name', 'created'], v.organizations.map((o) => [o.id, o.name, o.createdAt])),
    ),
  );

  const agent = ch.command('agent').description('agents (clearinghouse operators: the review queue and the phone desk)');
  clientCommand(agent.command('create').description('create an agent; prints its token (shown once)').argument('<name>', 'agent name'), 'opencal ch agent create "Alice (desk)"').action(
    clientAction(
      ctx,
      (target, _o, name: string) => call<AgentCreated>(target, 'POST', '/ch/v1/agents', { name }),
      (v) => `${lines([['agentId', v.agentId], ['token', v.token]])}\nThe agent token is shown once: keep it.`,
    ),
  );
  clientCommand(agent.command('list').description('list agents (never their token: see ch tokens list)'), 'opencal ch agent list').action(
    clientAction(
      ctx,
      (target) => call<AgentList>(target, 'GET', '/ch/v1/agents'),
      (v) => table(['agent', 'name', 'created'], v.agents.map((a) => [a.id, a.name, a.createdAt])),
    ),
  );

  tokenCommands(ch, ctx, '/ch/v1', 'ch');
  hostRegistryCommands(ch, ctx);

  // ---------------------------------------------------------------- packs
  const pack = ch.command('pack').description('packs: purchases of CALs (key, program, CAL type, version, count)');
  addProgramDataOptions(
    clientCommand(pack.command('create').description('record a purchase; prints the 25-character pack key (shown once)'), [
      'opencal ch pack create --org org_1 --type device --version 2019 --program select --count 10 --agreement 1234567',
      'opencal ch pack create --org org_1 --type device --version 2019 --program open --count 10 --license-number 12345678 --authorization ABCDE1234567890',
    ]),
  )
    .option('--org <id>', 'the organization that bought it (required except for retail)')
    .addOption(choice('--type <type>', 'CAL type', CAL_TYPES).makeOptionMandatory())
    .addOption(choice('--version <version>', 'CAL version', CAL_VERSIONS).makeOptionMandatory())
    .addOption(choice('--program <program>', 'purchase program', PROGRAMS).makeOptionMandatory())
    .requiredOption('--count <n>', 'number of CALs')
    .option('--proof <reference>', 'retail: invoice or receipt reference (proof of purchase)')
    .action(
      clientAction(
        ctx,
        async (target, o: Opts) => {
          const count = countOf(String(o['count']));
          if (!count.ok) return count;
          return call<PackCreated>(target, 'POST', '/ch/v1/packs', {
            ...(typeof o['org'] === 'string' ? { orgId: o['org'] } : {}),
            calType: o['type'],
            calVersion: Number(o['version']),
            program: o['program'],
            count: count.value,
            ...programDataOf(o),
            ...(typeof o['proof'] === 'string' ? { proofOfPurchase: o['proof'] } : {}),
          });
        },
        (v) => `${lines([['pack', v.packNumber], ['packKey', v.packKey]])}\nThe pack key is shown once: it is the secret the license server installs with.`,
      ),
    );
  clientCommand(pack.command('list').description('list packs (an organization token sees its own)'), 'opencal ch pack list --json').action(
    clientAction(
      ctx,
      (target) => call<{ packs: Record<string, unknown>[] }>(target, 'GET', '/ch/v1/packs'),
      (v) =>
        table(
          ['pack', 'org', 'program', 'type', 'version', 'count', 'installed on'],
          v.packs.map((p) => [p['packNumber'] ?? p['number'], p['orgId'], p['program'], p['calType'], p['calVersion'], p['count'], p['serverId'] ?? p['currentServerId']]),
        ),
    ),
  );

  addPageOptions(
    clientCommand(ch.command('servers').description('license servers known to the clearinghouse, a page at a time (--all for every page, --csv for the whole list)'), [
      'opencal ch servers --status activated --limit 100',
      'opencal ch servers --org org-contoso --csv > servers.csv',
    ]),
  )
    .option('--org <id>', "only this organization's servers (an organization token sees only its own)")
    .addOption(choice('--status <status>', 'only servers with this status', ACTIVATION_STATUSES))
    .action(
      clientAction(
        ctx,
        async (target, o: Opts) => {
          const q = new URLSearchParams();
          if (typeof o['org'] === 'string') q.set('organization', o['org']);
          if (typeof o['status'] === 'string') q.set('status', o['status']);
          const r = await readList<ServerView>(target, `/ch/v1/servers?${q.toString()}`, 'servers', o);
          return r.ok ? ok(r.value.csv !== undefined ? r.value : { servers: r.value.rows, total: r.value.total, ...(r.value.nextCursor ? { nextCursor: r.value.nextCursor } : {}) }) : r;
        },
        (v) =>
          'csv' in v && typeof v.csv === 'string'
            ? v.csv
            : 'servers' in v
              ? table(['license server', 'org', 'status', 'method', 'last check-in'], v.servers.map((s) => [s.serverId, s.orgId, s.status, s.method, s.lastCheckInAt])) +
                pageFooter({ rows: v.servers, total: v.total, ...(v.nextCursor ? { nextCursor: v.nextCursor } : {}) }, ctx.io.lang)
              : '',
      ),
    );

  clientCommand(
    ch
      .command('export')
      .description("the signed file of a license server for an air-gapped site (its certificate, grants and the revocation list), to install there with opencal licmgr import FILE")
      .argument('<server-id>', 'the 35-character license server ID'),
    ['opencal ch export XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX --out ls-documents.json --token $ORG_TOKEN'],
  )
    .option('--out <file>', 'write the file here (default: print it)')
    .action(
      clientAction(
        ctx,
        async (target, o: Opts, serverId: string): Promise<Result<{ file: DocumentsFile; out?: string }>> => {
          const id = code(serverId, 'licenseServerId');
          if (!id.ok) return id;
          const r = await call<DocumentsFile>(target, 'GET', `/ch/v1/servers/${encodeURIComponent(id.value.formatted)}/export`);
          if (!r.ok) return r;
          if (typeof o['out'] !== 'string') return { ok: true, value: { file: r.value } };
          const out = resolvePath(ctx.io.cwd, o['out']);
          await writeFile(out, `${JSON.stringify(r.value, null, 2)}\n`, { mode: 0o644 });
          return { ok: true, value: { file: r.value, out } };
        },
        (v) =>
          v.out
            ? `${lines([['license server', v.file.serverId], ['exported', v.file.exportedAt], ['file', v.out]])}\nCarry the file to the site and run there: opencal licmgr import FILE`
            : JSON.stringify(v.file, null, 2),
      ),
    );

  // ---------------------------------------------------------------- cases
  addPageOptions(
    clientCommand(ch.command('cases').description('cases (migrations, reissues) with their status, a page at a time: the review queue is --status pending'), [
      'opencal ch cases --status pending --token $AGENT_TOKEN',
      'opencal ch cases --server XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX --all',
    ]),
  )
    .addOption(choice('--status <status>', 'only cases with this status', CASE_STATUSES))
    .option('--org <id>', "only this organization's cases (an organization token sees only its own)")
    .option('--server <id>', 'only cases whose source or target is this license server')
    .action(
      clientAction(
        ctx,
        async (target, o: Opts) => {
          const q = new URLSearchParams();
          if (typeof o['status'] === 'string') q.set('status', o['status']);
          if (typeof o['org'] === 'string') q.set('organization', o['org']);
          if (typeof o['server'] === 'string') q.set('server', o['server']);
          const r = await readList<CaseView>(target, `/ch/v1/cases?${q.toString()}`, 'cases', o);
          return r.ok ? ok(r.value.csv !== undefined ? r.value : { cases: r.value.rows, total: r.value.total, ...(r.value.nextCursor ? { nextCursor: r.value.nextCursor } : {}) }) : r;
        },
        (v) =>
          'csv' in v && typeof v.csv === 'string'
            ? v.csv
            : !('cases' in v) || v.cases.length === 0
              ? 'No cases.'
              : table(
                  ['case', 'status', 'kind', 'pack', 'from', 'to', 'created'],
                  v.cases.map((c) => [c.caseNumber, c.status, c.kind, c.pack, c.sourceServerId, c.targetServerId, c.createdAt]),
                ) + pageFooter({ rows: v.cases, total: v.total, ...(v.nextCursor ? { nextCursor: v.nextCursor } : {}) }, ctx.io.lang),
      ),
    );

  const kase = ch.command('case').description('one case: show it, or approve or reject it (agent)');
  clientCommand(kase.command('show').description('show a case with its evidence').argument('<case>', 'case number, e.g. CH-000123'), 'opencal ch case show CH-000123').action(
    clientAction(
      ctx,
      async (target, _o, text: string) => {
        const n = caseNumberOf(text);
        if (!n.ok) return n;
        return call<CaseAnswer>(target, 'GET', `/ch/v1/cases/${n.value}`);
      },
      (v) => `${renderCase(v.case)}${Object.keys(v.case.evidence).length > 0 ? `\nevidence:\n${lines(Object.entries(v.case.evidence)).replace(/^/gm, '  ')}` : ''}`,
    ),
  );
  for (const decision of ['approve', 'reject'] as const) {
    clientCommand(
      kase
        .command(decision)
        .description(decision === 'approve' ? 'approve a pending case: reissue the pack to the new license server (agent)' : 'reject a pending case, with the reason (agent)')
        .argument('<case>', 'case number, e.g. CH-000123'),
      `opencal ch case ${decision} CH-000123 --reason "${decision === 'approve' ? 'reinstall confirmed by phone, old server destroyed' : 'pack bought by another organization'}" --token $AGENT_TOKEN`,
    )
      .requiredOption('--reason <text>', 'why (kept in the audit log)')
      .action(
        clientAction(
          ctx,
          async (target, o: Opts, text: string) => {
            const n = caseNumberOf(text);
            if (!n.ok) return n;
            return call<CaseAnswer>(target, 'POST', `/ch/v1/cases/${n.value}/${decision}`, { reason: o['reason'] });
          },
          (v) => renderCase(v.case),
        ),
      );
  }

  // ---------------------------------------------------------------- phone desk
  const phone = ch.command('phone').description('the phone desk of an agent (activation and reissue for a caller)');
  addCompanyOptions(
    clientCommand(
      phone
        .command('activate')
        .description('phone activation: the 60-character product ID read by the caller -> the activation confirmation to read back')
        .argument('<productId>', "the license server's product ID (60 characters)"),
      'opencal ch phone activate BCDFG-…(12 groups) --org org_1 --first-name Ana --last-name Diaz --company Contoso --country FR --token $AGENT_TOKEN',
    ),
  )
    .requiredOption('--org <id>', "the caller's organization")
    .addOption(choice('--server-version <version>', 'Windows Server version of the license server', CAL_VERSIONS).default('2019'))
    .action(
      clientAction(
        ctx,
        async (target, o: Opts, productId: string) => {
          const id = code(productId, 'productId');
          if (!id.ok) return id;
          return call<ConfirmationAnswer>(target, 'POST', '/ch/v1/phone/activate', {
            productId: id.value.formatted,
            orgId: o['org'],
            company: companyOf(o),
            serverVersion: Number(o['serverVersion']),
          });
        },
        (v) => `${lines([['confirmation', v.confirmation], ['licenseServerId', v.licenseServerId]])}\nRead the confirmation to the caller: opencal licmgr activate --method phone --confirmation ${v.confirmation}`,
      ),
    );
  addProgramDataOptions(
    clientCommand(
      phone.command('reissue').description("phone reissue for a caller: the pack goes to the new license server at once and the old server's grant is invalidated"),
      'opencal ch phone reissue --migration-code XXXXX-…(9 groups) --pack-key XXXXX-…(5 groups) --type device --version 2019 --program select --agreement 1234567 --reason "reinstalled, old server destroyed" --token $AGENT_TOKEN',
    ),
  )
    .option('--migration-code <code>', 'the 45-character migration code read by the caller')
    .option('--server-id <id>', "the new license server ID (35 characters), when the caller has no migration code")
    .addOption(choice('--migration-reason <reason>', 'with --server-id: why the pack moves', MIGRATION_REASONS))
    .requiredOption('--pack-key <key>', 'the 25-character pack key')
    .addOption(choice('--type <type>', 'CAL type', CAL_TYPES).makeOptionMandatory())
    .addOption(choice('--version <version>', 'CAL version', CAL_VERSIONS).makeOptionMandatory())
    .addOption(choice('--program <program>', 'purchase program', PROGRAMS).makeOptionMandatory())
    .option('--receipt <code>', "the old server's 35-character deactivation receipt, if any")
    .requiredOption('--reason <text>', 'what the caller said (kept in the audit log)')
    .action(
      clientAction(
        ctx,
        async (target, o: Opts) => {
          const body: Record<string, unknown> = {
            packKey: '',
            program: o['program'],
            calType: o['type'],
            calVersion: Number(o['version']),
            reason: o['reason'],
            ...programDataOf(o),
          };
          if (typeof o['migrationCode'] === 'string') {
            const m = code(o['migrationCode'], 'migrationCode');
            if (!m.ok) return m;
            body['migrationCode'] = m.value.formatted;
          } else if (typeof o['serverId'] === 'string') {
            const s = code(o['serverId'], 'licenseServerId');
            if (!s.ok) return s;
            body['serverId'] = s.value.formatted;
            if (typeof o['migrationReason'] === 'string') body['migrationReason'] = o['migrationReason'];
          } else {
            return refuse('TARGET_REQUIRED');
          }
          const key = code(String(o['packKey']), 'packKey');
          if (!key.ok) return key;
          body['packKey'] = key.value.formatted;
          if (typeof o['receipt'] === 'string') {
            const r = code(o['receipt'], 'deactivationReceipt');
            if (!r.ok) return r;
            body['receipt'] = r.value.formatted;
          }
          return call<CaseAnswer>(target, 'POST', '/ch/v1/phone/reissue', body);
        },
        (v) => renderCase(v.case),
      ),
    );

  // ---------------------------------------------------------------- revocations and audit
  clientCommand(
    ch.command('revocations').description('the signed revocation list (checked against the trust anchor): invalidated servers and grants'),
    'opencal ch revocations --json',
  ).action(
    clientAction(ctx, (target) => revocations(target), (v) => {
      const servers = v.list.servers.map((s) => [s.serverId, new Date(s.at * 1000).toISOString(), s.reason]);
      const grants = v.list.grants.map((g) => [g.serverId, g.pack, g.seq, g.caseNumber, new Date(g.at * 1000).toISOString()]);
      return [
        `revocation list #${v.list.seq} (signature verified${v.fingerprint ? ` against ${v.fingerprint}` : ''})`,
        servers.length > 0 ? `invalidated license servers:\n${table(['license server', 'at', 'reason'], servers)}` : 'invalidated license servers: none',
        grants.length > 0 ? `invalidated grants:\n${table(['license server', 'pack', 'grant', 'case', 'at'], grants)}` : 'invalidated grants: none',
        ...((v.list.keys ?? []).length > 0
          ? [`revoked clearinghouse keys:\n${table(['kid', 'at', 'reason'], (v.list.keys ?? []).map((k) => [k.kid, new Date(k.at * 1000).toISOString(), k.reason]))}`]
          : []),
      ].join('\n');
    }),
  );

  const audit = ch.command('audit').description('the append-only, hash-chained audit log and its signed checkpoints');
  clientCommand(
    audit
      .command('verify')
      .description('verify the audit chain; with --checkpoint, also that it extends a checkpoint saved earlier; exits 1 when a record is missing or altered')
      .option('--checkpoint <file>', 'a checkpoint saved earlier by "opencal ch audit checkpoint --out FILE"'),
    ['opencal ch audit verify --token $ADMIN_TOKEN', 'opencal ch audit verify --checkpoint audit-2026-06-01.json --token $ADMIN_TOKEN'],
  ).action(
    clientAction(
      ctx,
      async (target, o): Promise<Result<AuditVerifyAnswer | AuditCheckpointVerifyAnswer>> => {
        if (typeof o.checkpoint === 'string') {
          const saved = readCheckpointFile(ctx.io.cwd, o.checkpoint);
          if (!saved.ok) return saved;
          return call<AuditCheckpointVerifyAnswer>(target, 'POST', '/ch/v1/audit/verify', { checkpoint: saved.value });
        }
        const r = await call<AuditVerifyAnswer>(target, 'GET', '/ch/v1/audit/verify');
        if (r.ok && !r.value.ok) {
          return refuse(
            'AUDIT_CHAIN_BROKEN',
            { ...r.value },
          );
        }
        return r;
      },
      (v) =>
        'checkpoint' in v
          ? `audit chain verified: ${v.records} records, none missing or altered; it extends the checkpoint of record ${v.checkpoint.seq} signed ${v.checkpoint.at} (${v.since} records since).`
          : `audit chain verified: ${v.records} records, none missing or altered.`,
    ),
  );
  clientCommand(
    audit
      .command('checkpoint')
      .description('sign a checkpoint of the audit chain now and print it; keep it away from the clearinghouse to verify the log later')
      .option('--out <file>', 'also write it to this file (for "opencal ch audit verify --checkpoint FILE")'),
    'opencal ch audit checkpoint --out audit-$(date +%F).json --token $ADMIN_TOKEN',
  ).action(
    clientAction(
      ctx,
      async (target, o) => {
        const r = await call<AuditCheckpointAnswer>(target, 'POST', '/ch/v1/audit/checkpoints');
        if (r.ok && typeof o.out === 'string') {
          const { writeFileSync } = await import('node:fs');
          const { resolve } = await import('node:path');
          writeFileSync(resolve(ctx.io.cwd, o.out), JSON.stringify(r.value, null, 2) + '\n');
        }
        return r;
      },
      (v, o) =>
        `${lines([['records', v.seq], ['head', v.head], ['signed', v.at], ['key', v.kid]])}${typeof o.out === 'string' ? `\nSaved to ${o.out}: verify the log against it later with opencal ch audit verify --checkpoint ${o.out}` : ''}`,
    ),
  );

  keysCommands(ch, ctx);
}

// ---------------------------------------------------------------- key set (docs/clearinghouse.md "Rotating the keys")

function renderKeys(v: KeyList): string {
  const rows = v.keys.map((k) => [k.kid, k.status + (k.codes ? ' (root, codes)' : ''), k.notBefore, k.notAfter ?? '', k.revokedAt ? `${k.revokedAt} ${k.revokeReason ?? ''}`.trim() : '', k.heldHere ? 'yes' : 'NO']);
  const missing = v.keys.filter((k) => k.status !== 'revoked' && !k.heldHere);
  return [
    table(['kid', 'status', 'signing from', 'retired', 'revoked', 'held by this node'], rows),
    `this node signs with ${v.signingKid}`,
    ...(missing.length > 0 ? [`copy the key files of ${missing.map((k) => k.kid).join(', ')} to this node's --data directory (signing-<kid>.key)`] : []),
  ].join('\n');
}

function keysCommands(ch: Command, ctx: CliContext): void {
  const keys = ch.command('keys').description('the key set the clearinghouse signs with: list, rotate, revoke a compromised key');
  clientCommand(keys.command('list').description('the keys with their validity, and the key the answering node signs with'), 'opencal ch keys list --json --token $ADMIN_TOKEN').action(
    clientAction(ctx, (target) => call<KeyList>(target, 'GET', '/ch/v1/keys'), renderKeys),
  );
  clientCommand(
    keys.command('rotate').description('add a key that signs new documents from now; the previous keys keep verifying what they signed'),
    'opencal ch keys rotate --token $ADMIN_TOKEN',
  ).action(
    clientAction(
      ctx,
      (target) => call<KeysRotated>(target, 'POST', '/ch/v1/keys/rotate'),
      (v) => `${renderKeys(v)}\nnew key ${v.kid}: its private key is signing-${v.kid}.key in the --data directory of the node that answered; copy it to every other node.`,
    ),
  );
  clientCommand(
    keys
      .command('revoke')
      .description('revoke a compromised key: nothing it signed is trusted any more; its certificates and grants are signed again with the current key')
      .argument('<kid>', 'the key to revoke, e.g. ch-AbCdEf0123456789')
      .requiredOption('--reason <text>', 'why (recorded in the audit log)'),
    'opencal ch keys revoke ch-AbCdEf0123456789 --reason "key file leaked" --token $ADMIN_TOKEN',
  ).action(
    clientAction(
      ctx,
      (target, o, kid: string) => call<KeyRevoked>(target, 'POST', `/ch/v1/keys/${encodeURIComponent(kid)}/revoke`, { reason: o.reason }),
      (v) => `${renderKeys(v)}\nsigned again with the current key: ${v.resigned.certificates} certificates, ${v.resigned.grants} grants (license servers receive them at their next check-in).`,
    ),
  );
}

/** The checkpoint JWS of a file written by `ch audit checkpoint --out` (or holding the bare JWS). */
function readCheckpointFile(cwd: string, file: string): Result<string> {
  let text: string;
  try {
    text = readFileSync(resolvePath(cwd, file), 'utf8').trim();
  } catch (e) {
    return refuse('AUDIT_CHECKPOINT_FILE_UNREADABLE', { file, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
  }
  if (!text.startsWith('{')) return { ok: true, value: text };
  try {
    const saved = JSON.parse(text) as { checkpoint?: unknown };
    if (typeof saved.checkpoint === 'string') return { ok: true, value: saved.checkpoint };
  } catch {
    // not JSON: said below
  }
  return refuse('AUDIT_CHECKPOINT_FILE_UNREADABLE', { file, reason: 'no "checkpoint" in it' });
}
