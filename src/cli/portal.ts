/**
 * `opencal portal …`: the clearinghouse portal of an organization ("Manage CALs" of the source document): web
 * activation, web install, migration of a pack to a new license server, and recording a deactivation receipt.
 * Token: the organization token (`ch:org`, from `opencal ch org create`).
 */
import type { CaseAnswer, CaseView, ConfirmationAnswer } from '../core/wire/clearinghouse';
import type { Command } from 'commander';
import type { Result } from '../core/result';
import { CAL_TYPES, CAL_VERSIONS, PROGRAMS } from '../core/vocabulary';
import { renderCase } from './ch';
import type { CliContext } from './io';
import { addCompanyOptions, addProgramDataOptions, call, choice, clientAction, clientCommand, code, companyOf, lines, programDataOf, type Opts, type Target } from './request';

interface MigrateAnswer {
  case: string;
  status: string;
  keyPackId?: string;
  reason?: string;
  detail: CaseView;
}

async function migrate(target: Target, o: Opts): Promise<Result<MigrateAnswer>> {
  const migrationCode = code(String(o['migrationCode']), 'migrationCode');
  if (!migrationCode.ok) return migrationCode;
  const packKey = code(String(o['packKey']), 'packKey');
  if (!packKey.ok) return packKey;
  let receipt: string | undefined;
  if (typeof o['receipt'] === 'string') {
    const r = code(o['receipt'], 'deactivationReceipt');
    if (!r.ok) return r;
    receipt = r.value.formatted;
  }
  const r = await call<CaseAnswer>(target, 'POST', '/ch/v1/portal/migrate', {
    migrationCode: migrationCode.value.formatted,
    packKey: packKey.value.formatted,
    calType: o['type'],
    calVersion: Number(o['version']),
    program: o['program'],
    ...programDataOf(o),
    ...(receipt !== undefined ? { receipt } : {}),
    ...(typeof o['proof'] === 'string' ? { proofOfPurchase: o['proof'] } : {}),
  });
  if (!r.ok) return r;
  const c = r.value.case;
  const reasons = c.decisionReasons.map((d) => d.text).join('; ');
  return {
    ok: true,
    value: {
      case: c.caseNumber,
      status: c.status,
      ...(c.keyPackId !== undefined ? { keyPackId: c.keyPackId } : {}),
      ...(c.status !== 'approved' && reasons !== '' ? { reason: reasons } : {}),
      detail: c,
    },
  };
}

export function portalCommands(program: Command, ctx: CliContext): void {
  const portal = program.command('portal').description("the clearinghouse portal of an organization (Manage CALs): activate, install, migrate, deactivate");

  addCompanyOptions(
    clientCommand(portal.command('activate').description('web activation: the product ID of a license server -> the activation confirmation'), [
      'opencal portal activate --product-id XXXXX-…(12 groups) --first-name Ana --last-name Diaz --company Contoso --country FR --token $ORG_TOKEN',
    ]),
  )
    .requiredOption('--product-id <id>', "the license server's 60-character product ID (opencal licmgr status)")
    .addOption(choice('--server-version <version>', 'Windows Server version of the license server', CAL_VERSIONS).default('2019'))
    .action(
      clientAction(
        ctx,
        async (target, o: Opts) => {
          const id = code(String(o['productId']), 'productId');
          if (!id.ok) return id;
          return call<ConfirmationAnswer>(target, 'POST', '/ch/v1/portal/activate', {
            productId: id.value.formatted,
            company: companyOf(o),
            serverVersion: Number(o['serverVersion']),
          });
        },
        (v) => `${lines([['confirmation', v.confirmation], ['licenseServerId', v.licenseServerId]])}\nNext: opencal licmgr activate --method web --confirmation ${v.confirmation}`,
      ),
    );

  addProgramDataOptions(
    clientCommand(portal.command('install').description('web install: license server ID + pack key + program data -> the key pack ID to type into the license manager'), [
      'opencal portal install --server-id XXXXX-…(7 groups) --pack-key XXXXX-XXXXX-XXXXX-XXXXX-XXXXX --agreement 1234567 --token $ORG_TOKEN',
    ]),
  )
    .requiredOption('--server-id <id>', 'the 35-character license server ID')
    .requiredOption('--pack-key <key>', 'the 25-character pack key')
    .action(
      clientAction(
        ctx,
        async (target, o: Opts) => {
          const server = code(String(o['serverId']), 'licenseServerId');
          if (!server.ok) return server;
          const key = code(String(o['packKey']), 'packKey');
          if (!key.ok) return key;
          return call<{ keyPackId: string; keyPack: Record<string, unknown> }>(target, 'POST', '/ch/v1/portal/install', {
            serverId: server.value.formatted,
            packKey: key.value.formatted,
            ...programDataOf(o),
          });
        },
        (v) => `${lines([['keyPackId', v.keyPackId]])}\nNext, on that license server: opencal licmgr install --key-pack-id ${v.keyPackId}`,
      ),
    );

  addProgramDataOptions(
    clientCommand(
      portal
        .command('migrate')
        .description('migrate a pack to a new license server: migration code + pack key; answers the case, approved at once or pending for an agent'),
      [
        'opencal portal migrate --migration-code XXXXX-…(9 groups) --pack-key XXXXX-XXXXX-XXXXX-XXXXX-XXXXX --type device --version 2019 --program select --agreement 1234567 --token $ORG_TOKEN',
        'opencal portal migrate … --receipt XXXXX-…(7 groups)     # with the old server\'s deactivation receipt: approved at once',
      ],
    ),
  )
    .requiredOption('--migration-code <code>', 'the 45-character migration code from the new license server (opencal licmgr migration-code)')
    .requiredOption('--pack-key <key>', 'the 25-character pack key')
    .addOption(choice('--type <type>', 'CAL type, exactly as bought (device and user are not interchangeable)', CAL_TYPES).makeOptionMandatory())
    .addOption(choice('--version <version>', 'CAL version, exactly as bought', CAL_VERSIONS).makeOptionMandatory())
    .addOption(choice('--program <program>', 'purchase program, exactly as bought', PROGRAMS).makeOptionMandatory())
    .option('--receipt <code>', "the old license server's 35-character deactivation receipt, if it could deactivate")
    .option('--proof <reference>', 'retail: the invoice or receipt reference (proof of purchase)')
    .action(
      clientAction(
        ctx,
        (target, o: Opts) => migrate(target, o),
        (v) => renderCase(v.detail),
      ),
    );

  clientCommand(
    portal.command('deactivate').description("record a license server's deactivation by its 35-character receipt (its packs can then move at once)"),
    'opencal portal deactivate --receipt XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX --token $ORG_TOKEN',
  )
    .requiredOption('--receipt <code>', 'the deactivation receipt printed by opencal licmgr deactivate')
    .action(
      clientAction(
        ctx,
        async (target, o: Opts) => {
          const r = code(String(o['receipt']), 'deactivationReceipt');
          if (!r.ok) return r;
          return call<Record<string, unknown>>(target, 'POST', '/ch/v1/portal/deactivate', { receipt: r.value.formatted });
        },
        (v) => `deactivation recorded.\n${lines(Object.entries(v))}`,
      ),
    );
}
