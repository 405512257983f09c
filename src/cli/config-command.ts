import type { Command } from 'commander';
import { configSchema, type ConfigEntry, type ConfigKey } from '../config/schema';
import { configKeys, displayValue, type ConfigSource } from '../config/resolve';
import { addConfigOptions, configFromOptions } from './config-options';
import { fail, printResult, type CliContext } from './io';

interface ShownEntry {
  key: ConfigKey;
  value: string | number | boolean | null;
  source: ConfigSource;
  flag: string;
  env: string;
}

function sourceText(entry: ShownEntry, file?: string): string {
  switch (entry.source) {
    case 'flag':
      return `flag ${entry.flag}`;
    case 'env':
      return `env ${entry.env}`;
    case 'file':
      return `file ${file ?? ''}`;
    default:
      return entry.source;
  }
}

/** `opencal config show [--json]`: the resolved configuration and where each value came from, secrets masked. */
export function configCommands(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('inspect the configuration');
  addConfigOptions(config.command('show').description('print the resolved configuration and the source of each value'), configKeys)
    .option('--json', 'print one JSON document on stdout')
    .action(
      ctx.action(async (options: Record<string, unknown>) => {
        const json = options['json'] === true;
        const resolved = configFromOptions(ctx.io, options);
        if (!resolved.ok) return fail(ctx.io, resolved.error, json);
        const { values, sources, file } = resolved.value;
        const entries: ShownEntry[] = configKeys.map((key) => {
          const e = configSchema[key] as ConfigEntry;
          const raw = values[key];
          const masked = e.secret && raw !== undefined ? displayValue(key, raw) : raw;
          return { key, value: masked ?? null, source: sources[key], flag: e.flag, env: e.env };
        });
        return printResult(ctx.io, json, { file: file ?? null, entries }, (shown) => {
          const rows = shown.entries.map((e) => [e.key, e.value === null ? '-' : String(e.value), sourceText(e, file)]);
          const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
          const lines = rows.map((r) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]}`.trimEnd());
          return `${file ? `config file: ${file}\n` : ''}${lines.join('\n')}\n`;
        });
      }),
    );
}
