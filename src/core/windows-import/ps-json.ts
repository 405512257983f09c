/**
 * JSON from Windows PowerShell 5.1 `ConvertTo-Json` and from the OpenCAL collector (windows-exports.md §0.11,
 * §3.4): dates as `\/Date(ms)\/` (or `{ value, DisplayHint, DateTime }` from Get-Date), WMI DATETIME strings
 * (`yyyymmddHHMMSS.mmmmmmsUUU`), uint32 "unlimited" as 4294967295 or -1, single objects not wrapped in arrays.
 */
import { err, ok, type Result } from '../result';
import { importRefusal, type ImportRefusal } from './refusals';
import { lineAt } from './source-text';

export function looksLikeJson(text: string): boolean {
  return /^\s*[[{]/.test(text);
}

/** Parses JSON; a cut or broken document is refused with the line of the error. */
export function parseJsonText(file: string, text: string): Result<unknown, ImportRefusal> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(reason);
    const lc = /line (\d+) column/.exec(reason);
    const line = lc ? Number(lc[1]) : pos ? lineAt(text, Number(pos[1])) : lineAt(text, text.length);
    return err(importRefusal('IMPORT_JSON_INVALID', file, line, { reason: reason.replace(/^JSON\.parse: /, '').slice(0, 120) }));
  }
}

/** A date in any of the forms an export carries, to ISO-8601; undefined when it is none. */
export function windowsDate(v: unknown): string | undefined {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    return windowsDate(o['value'] ?? o['DateTime']);
  }
  if (typeof v !== 'string') return undefined;
  const ms = /^\/?Date\((-?\d+)(?:[+-]\d{4})?\)\/?$/.exec(v.replace(/\\\//g, '/').replace(/^\//, '').replace(/\/$/, ''));
  if (ms) return new Date(Number(ms[1])).toISOString();
  const dmtf = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\.(\d{6})([+-])(\d{3})$/.exec(v);
  if (dmtf) {
    const [, y, mo, d, h, mi, s, us, sign, off] = dmtf;
    const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.floor(Number(us) / 1000));
    const offsetMin = Number(off) * (sign === '-' ? -1 : 1);
    return new Date(utc - offsetMin * 60_000).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v))) return new Date(v).toISOString();
  return undefined;
}

/** uint32 counts: 4294967295 (or -1 when read as signed) means "unlimited". */
export const UNLIMITED = 4294967295;

export function count(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : undefined;
  if (n === undefined || !Number.isFinite(n)) return undefined;
  return n === -1 ? UNLIMITED : n;
}

export function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** A string list from a string[], a comma or space separated string (depth-limited JSON), or one string. */
export function names(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => (typeof x === 'string' && x.trim() !== '' ? [x.trim()] : []));
  if (typeof v === 'string') return v.split(/[,;\s]+/).map((s) => s.trim()).filter((s) => s !== '');
  return [];
}
