/**
 * `opencal code check CODE`: which kind of code this is (pack key, license server ID, product ID, activation
 * confirmation, key pack ID, migration code, deactivation receipt) and its fields, or the exact reason it is not
 * valid (length, the group holding a character codes never use, check). Pure: nothing is sent anywhere. The MAC
 * of a code can only be checked by the license server it is for, or by the clearinghouse.
 */
import type { Command } from 'commander';
import { CODE_KIND_LABELS, codeHasMac, dateFromDayNumber, identifyCode, type DecodedCode } from '../core/codes/index';
import { fail, printResult, type CliContext } from './io';
import { lines } from './request';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The fields of a decoded code, as JSON-friendly values (bigints as decimal or hex text, dates as ISO days). */
export function describeFields(decoded: DecodedCode): Record<string, string | number> {
  switch (decoded.kind) {
    case 'packKey':
      return {};
    case 'licenseServerId':
      return { keyHash: hex(decoded.fields.keyHash) };
    case 'productId':
      return { publicKey: Buffer.from(decoded.fields.publicKey).toString('base64url') };
    case 'activationConfirmation':
      return { serial: decoded.fields.serial, validUntil: dateFromDayNumber(decoded.fields.validUntilDay).toISOString().slice(0, 10) };
    case 'keyPackId':
      return { ...decoded.fields };
    case 'migrationCode':
      return {
        target: decoded.fields.target.toString(16).padStart(16, '0'),
        source: decoded.fields.source === 0n ? 'none' : decoded.fields.source.toString(16).padStart(10, '0'),
        reason: decoded.fields.reason,
        day: dateFromDayNumber(decoded.fields.day).toISOString().slice(0, 10),
      };
    case 'deactivationReceipt':
      return { server: decoded.fields.server.toString(16).padStart(16, '0'), day: dateFromDayNumber(decoded.fields.day).toISOString().slice(0, 10) };
  }
}

export function codeCommands(program: Command, ctx: CliContext): void {
  const group = program.command('code').description('check the codes people type (pack keys, IDs, confirmations, migration codes, receipts)');
  group
    .command('check')
    .description('say which kind of code this is and whether it is well formed, or exactly why not (nothing is sent)')
    .argument('<code>', 'the code, in any case, with or without hyphens and spaces')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText('after', '\nExample:\n  opencal code check BCDFG-HJKMP-QRTVW-XY234-6789B\n')
    .action(
      ctx.action((input: string, options: { json?: boolean }) => {
        const json = options.json === true;
        const r = identifyCode(input);
        if (!r.ok) return fail(ctx.io, r.error, json);
        const d = r.value;
        const value = {
          valid: true,
          kind: d.kind,
          label: CODE_KIND_LABELS[d.kind],
          length: d.normalized.length,
          formatted: d.formatted,
          hasMac: codeHasMac(d.kind),
          fields: describeFields(d),
        };
        return printResult(ctx.io, json, value, (v) =>
          [
            `${v.formatted}`,
            `is a well-formed ${v.label} (${v.length} characters).`,
            lines(Object.entries(v.fields)),
            v.hasMac ? 'Its MAC can be checked only by the license server it was made for, or by the clearinghouse.' : '',
          ]
            .filter((l) => l !== '')
            .join('\n'),
        );
      }),
    );
}
