/**
 * Paging through issued licenses (GET /ls/v1/issued): the columns a list may be sorted by, and the cursor that
 * continues a page where the last one ended. A cursor is opaque to callers: the sort it was made for, the last
 * row's sort value and its ID (keyset paging, so a page never repeats or skips a row when rows are added meanwhile).
 * Pure: no storage, no clock.
 */
import { ok, refuse, type Result } from './result';

export const ISSUED_SORT_KEYS = ['issuedAt', 'expiresAt', 'device', 'user', 'pack', 'status'] as const;
export type IssuedSortKey = (typeof ISSUED_SORT_KEYS)[number];
/** `issuedAt` ascending, `-issuedAt` descending, and so on. */
export const ISSUED_SORTS = ISSUED_SORT_KEYS.flatMap((k) => [k, `-${k}`] as const);
export type IssuedSortName = (typeof ISSUED_SORTS)[number];

export interface IssuedSort {
  key: IssuedSortKey;
  descending: boolean;
}

/** Rows a JSON page holds when the caller names no limit, and the most it may ask for. */
export const ISSUED_PAGE_DEFAULT = 1000;
export const ISSUED_PAGE_MAX = 10_000;

export function issuedSortOf(name: IssuedSortName | undefined): IssuedSort {
  if (name === undefined) return { key: 'issuedAt', descending: false };
  const descending = name.startsWith('-');
  return { key: (descending ? name.slice(1) : name) as IssuedSortKey, descending };
}

export function issuedSortName(sort: IssuedSort): IssuedSortName {
  return `${sort.descending ? '-' : ''}${sort.key}` as IssuedSortName;
}

/** Where the next page starts: after the row with this sort value and ID. */
export interface IssuedCursor {
  sort: IssuedSort;
  value: string | number;
  id: string;
}

export function encodeIssuedCursor(c: IssuedCursor): string {
  return Buffer.from(JSON.stringify([issuedSortName(c.sort), c.value, c.id]), 'utf8').toString('base64url');
}

/** A cursor from a previous page of the same sort, or CURSOR_INVALID (changed sort, edited or truncated). */
export function decodeIssuedCursor(text: string, sort: IssuedSort): Result<IssuedCursor> {
  const invalid = (problem: 'format' | 'sort') => refuse('CURSOR_INVALID', { problem });
  if (!/^[A-Za-z0-9_-]{1,800}$/.test(text)) return invalid('format');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return invalid('format');
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return invalid('format');
  const [name, value, id] = parsed as unknown[];
  if (name !== issuedSortName(sort)) return invalid('sort');
  const numeric = sort.key === 'pack';
  if (numeric ? typeof value !== 'number' || !Number.isSafeInteger(value) : typeof value !== 'string' || value.length > 300) return invalid('format');
  if (typeof id !== 'string' || id.length === 0 || id.length > 100) return invalid('format');
  return ok({ sort, value: value as string | number, id });
}
