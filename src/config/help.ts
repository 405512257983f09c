import { configSchema, CONFIG_FILE_ENV, CONFIG_FILE_FLAG, type ConfigEntry } from './schema';
import { configKeys } from './resolve';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** The configuration table for `--help`: flag, environment variable, default, description. */
export function renderConfigHelp(schema: Record<string, ConfigEntry> = configSchema): string {
  const rows = [['flag', 'environment', 'default', 'description']];
  for (const key of Object.keys(schema)) {
    const e = schema[key]!;
    const placeholder = e.type === 'boolean' ? '' : ` <${e.type === 'string' ? 'value' : e.type}>`;
    rows.push([`${e.flag}${placeholder}`, e.env, e.default === undefined ? '-' : String(e.default), e.description]);
  }
  rows.push([`${CONFIG_FILE_FLAG} <path>`, CONFIG_FILE_ENV, '-', 'JSON file with any of the keys above, e.g. {"port": 7878}']);
  return `Configuration (precedence: flag > environment > config file > default):\n${table(rows)}\n`;
}

export { configKeys };
