import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { err, ok, refusal, type Refusal, type Result } from '../core/result';
import { CONFIG_FILE_ENV, configSchema, type ConfigEntry, type ConfigKey, type OpenCalConfig } from './schema';

/** Where a configuration value came from, in order of precedence. */
export type ConfigSource = 'flag' | 'env' | 'file' | 'default' | 'unset';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ResolvedConfig {
  readonly values: OpenCalConfig;
  readonly sources: Readonly<Record<ConfigKey, ConfigSource>>;
  /** absolute path of the config file read, if any */
  readonly file?: string;
}

export interface ConfigInputs {
  /** values given on the command line, by key (commander's option values: strings, or booleans for switches) */
  readonly flags?: Partial<Record<ConfigKey, unknown>>;
  /** `--config <file>` */
  readonly configFile?: string;
  readonly env: Environment;
  readonly cwd: string;
  /** resolve only these keys (a client command need not fail on a bad server setting); default: all */
  readonly only?: readonly ConfigKey[];
  readonly readFile?: (path: string) => string;
}

export const configKeys = Object.keys(configSchema) as ConfigKey[];

function entryOf(key: ConfigKey): ConfigEntry {
  return configSchema[key] as ConfigEntry;
}

/** A value safe to print: secrets are masked; a database URL keeps everything but its password. */
export function displayValue(key: ConfigKey, value: unknown): string {
  if (value === undefined) return '';
  const e = entryOf(key);
  if (e.secret) {
    if (key === 'db' && typeof value === 'string' && /^postgres(ql)?:\/\//.test(value)) {
      try {
        const url = new URL(value);
        if (url.password) url.password = '****';
        return url.toString();
      } catch {
        return '****';
      }
    }
    if (key === 'db') return String(value);
    return '****';
  }
  return String(value);
}

function shown(key: ConfigKey, raw: unknown): string {
  if (entryOf(key).secret) return typeof raw === 'string' ? `a hidden value of ${raw.length} characters` : 'a hidden value';
  return typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw);
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** Converts one raw value to the entry's type, or says what is expected. */
function convert(entry: ConfigEntry, raw: unknown, baseDir: string): { value: unknown } | { expected: string } {
  switch (entry.type) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
      return Number.isFinite(n) ? { value: n } : { expected: 'a number' };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      if (typeof raw === 'string' && TRUE.has(raw.toLowerCase())) return { value: true };
      if (typeof raw === 'string' && FALSE.has(raw.toLowerCase())) return { value: false };
      return { expected: 'true or false' };
    }
    case 'url': {
      if (typeof raw !== 'string') return { expected: 'a URL such as http://127.0.0.1:7878' };
      try {
        const url = new URL(raw);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') return { expected: 'an http:// or https:// URL' };
        return { value: raw.replace(/\/+$/, '') };
      } catch {
        return { expected: 'a URL such as http://127.0.0.1:7878' };
      }
    }
    case 'path':
      if (typeof raw !== 'string' || raw.length === 0) return { expected: 'a file system path' };
      return { value: isAbsolute(raw) ? raw : resolvePath(baseDir, raw) };
    case 'string':
      return typeof raw === 'string' ? { value: raw } : { expected: 'a string' };
  }
}

function invalid(key: ConfigKey, source: ConfigSource, raw: unknown, expected: string, file?: string): Refusal {
  return refusal(
    'CONFIG_INVALID_VALUE',
    { key, source, expected, shown: shown(key, raw), flag: entryOf(key).flag, env: entryOf(key).env, ...(source === 'file' ? { file } : {}) },
  );
}

function readConfigFile(path: string, read: (path: string) => string): Result<Record<string, unknown>> {
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'ENOENT' : (e as Error).message;
    return err(
      refusal('CONFIG_FILE_UNREADABLE', {
        file: path,
        reason,
      }),
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return err(refusal('CONFIG_FILE_INVALID', { file: path, reason: (e as Error).message }));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return err(refusal('CONFIG_FILE_INVALID', { file: path }));
  }
  const object = parsed as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    if (key === '$schema') continue;
    if (!(key in configSchema)) {
      return err(
        refusal('CONFIG_UNKNOWN_KEY', {
          file: path,
          key,
          known: configKeys,
        }),
      );
    }
  }
  return ok(object);
}

/**
 * Resolves the configuration: flag > OPENCAL_* environment > config file (`--config` / OPENCAL_CONFIG, JSON)
 * > default. Every value is validated; a bad one is refused naming where it came from.
 * Relative paths are resolved from the working directory, or from the config file's folder for file values.
 */
export function resolveConfig(inputs: ConfigInputs): Result<ResolvedConfig> {
  const read = inputs.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const fileArg = inputs.configFile ?? nonEmpty(inputs.env[CONFIG_FILE_ENV]);
  let file: string | undefined;
  let fileValues: Record<string, unknown> = {};
  if (fileArg !== undefined) {
    file = resolvePath(inputs.cwd, fileArg);
    const loaded = readConfigFile(file, read);
    if (!loaded.ok) return loaded;
    fileValues = loaded.value;
  }

  const values: Record<string, unknown> = {};
  const sources: Record<string, ConfigSource> = {};
  for (const key of inputs.only ?? configKeys) {
    const e = entryOf(key);
    const flag = inputs.flags?.[key];
    const env = nonEmpty(inputs.env[e.env]);
    let source: ConfigSource;
    let raw: unknown;
    if (flag !== undefined) [source, raw] = ['flag', flag];
    else if (env !== undefined) [source, raw] = ['env', env];
    else if (fileValues[key] !== undefined && fileValues[key] !== null) [source, raw] = ['file', fileValues[key]];
    else if (e.default !== undefined) [source, raw] = ['default', e.default];
    else [source, raw] = ['unset', undefined];

    if (source === 'unset') {
      values[key] = undefined;
      sources[key] = source;
      continue;
    }
    const converted = convert(e, raw, source === 'file' && file ? dirname(file) : inputs.cwd);
    if ('expected' in converted) return err(invalid(key, source, raw, converted.expected, file));
    const problem = (e.validate as ((v: unknown) => string | undefined) | undefined)?.(converted.value);
    if (problem !== undefined) return err(invalid(key, source, raw, problem, file));
    values[key] = converted.value;
    sources[key] = source;
  }
  return ok({ values: values as OpenCalConfig, sources: sources as Record<ConfigKey, ConfigSource>, ...(file ? { file } : {}) });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
