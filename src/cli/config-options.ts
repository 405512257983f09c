import { Option, type Command } from 'commander';
import type { Result } from '../core/result';
import { configSchema, type ConfigEntry, type ConfigKey } from '../config/schema';
import { configKeys, resolveConfig, type ResolvedConfig } from '../config/resolve';
import type { CliIo, ClientOptions } from './io';

/** Keys for server-side commands: everything but the client's own --url/--token. */
export const serverConfigKeys: readonly ConfigKey[] = configKeys.filter((k) => k !== 'url' && k !== 'token');

function describe(e: ConfigEntry): string {
  const fallback = e.default === undefined ? '' : `, default ${String(e.default)}`;
  return `${e.description} (env ${e.env}${fallback})`;
}

/** Adds the configuration flags (and `--config <path>`) for `keys` to a command. */
export function addConfigOptions(command: Command, keys: readonly ConfigKey[] = serverConfigKeys): Command {
  for (const key of keys) {
    const e = configSchema[key] as ConfigEntry;
    if (e.type === 'boolean') {
      command.addOption(new Option(e.flag, describe(e)));
      command.addOption(new Option(`--no-${e.flag.slice(2)}`, `turn ${e.flag} off`).hideHelp());
    } else {
      command.addOption(new Option(`${e.flag} <${e.type === 'string' ? 'value' : e.type}>`, describe(e)));
    }
  }
  if (!command.options.some((o) => o.long === '--config')) {
    command.option('--config <path>', 'JSON config file (env OPENCAL_CONFIG)');
  }
  return command;
}

/** Resolves the configuration from a command's parsed options, the environment and the config file. */
export function configFromOptions(io: CliIo, options: Record<string, unknown>, only?: readonly ConfigKey[]): Result<ResolvedConfig> {
  const flags: Partial<Record<ConfigKey, unknown>> = {};
  for (const key of only ?? configKeys) if (options[key] !== undefined) flags[key] = options[key];
  const configFile = typeof options['config'] === 'string' ? options['config'] : undefined;
  return resolveConfig({ flags, env: io.env, cwd: io.cwd, ...(configFile ? { configFile } : {}), ...(only ? { only } : {}) });
}

/** The server URL and token of a client command: flag > OPENCAL_URL / OPENCAL_TOKEN > config file > default. */
export function clientTarget(io: CliIo, options: ClientOptions): Result<{ url: string; token?: string }> {
  const resolved = configFromOptions(io, options as Record<string, unknown>, ['url', 'token']);
  if (!resolved.ok) return resolved;
  const { url, token } = resolved.value.values;
  return { ok: true, value: token === undefined ? { url } : { url, token } };
}
