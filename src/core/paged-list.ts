/**
 * Every list the API answers in pages (issued licenses, events, cases, servers, hosts, admissions) pages the same
 * way: a sort (one column, either way, ties broken by the row's ID), a `limit`, and a cursor that continues a page
 * where the last one ended. The cursor is opaque to callers: the sort it was made for, the last row's sort value
 * and its ID (keyset paging, so a page never repeats or skips a row when rows are added meanwhile). Every answer
 * carries `total` (rows matching the filters) and `nextCursor` while another page follows: a list is never cut
 * without saying so. The CSV export of a list is the whole filtered list, read in batches of the same pages.
 * Pure: no storage, no clock.
 */
import { ok, refuse, type Result } from './result';

/** Rows a page holds when the caller names no limit, and the most it may ask for (more is a typed 400). */
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 1000;

/** The `order` a caller may name with `sort`. */
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** The sort of a page: a column of the list, ascending or descending. */
export interface ListSort<K extends string = string> {
  key: K;
  descending: boolean;
}

/** What a list may be sorted by: its columns, which of them hold numbers, and the sort when none is asked for. */
export interface ListSpec<K extends string> {
  keys: readonly K[];
  numeric?: readonly K[];
  /** the ID column's type: events and admissions are numbered, cases and servers named. */
  idKind: 'number' | 'string';
  fallback: ListSort<K>;
}

/** `issuedAt` ascending, `-issuedAt` descending: the name a cursor and an answer's `sort` carry. */
export function sortName(sort: ListSort): string {
  return `${sort.descending ? '-' : ''}${sort.key}`;
}

/**
 * The sort a caller asked for: `sort` names a column, or `-column` for descending; `order` (asc|desc), when
 * given, decides the direction. Neither: the list's own default.
 */
export function sortOf<K extends string>(spec: ListSpec<K>, sort?: string, order?: SortOrder): ListSort<K> {
  if (sort === undefined) return order === undefined ? spec.fallback : { key: spec.fallback.key, descending: order === 'desc' };
  const minus = sort.startsWith('-');
  const key = (minus ? sort.slice(1) : sort) as K;
  return { key, descending: order === undefined ? minus : order === 'desc' };
}

/** Every name `sort` may take for these columns (`key` and `-key`), for the route's schema. */
export function sortNames<K extends string>(keys: readonly K[]): (K | `-${K}`)[] {
  return keys.flatMap((k) => [k, `-${k}` as const]);
}

/** Where the next page starts: after the row with this sort value and ID. */
export interface ListCursor<K extends string = string> {
  sort: ListSort<K>;
  value: string | number;
  id: string | number;
}

export function encodeCursor(c: ListCursor): string {
  return Buffer.from(JSON.stringify([sortName(c.sort), c.value, c.id]), 'utf8').toString('base64url');
}

/** A cursor from a previous page of the same sort, or CURSOR_INVALID (changed sort, edited or truncated). */
export function decodeCursor<K extends string>(spec: ListSpec<K>, text: string, sort: ListSort<K>): Result<ListCursor<K>> {
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
  if (name !== sortName(sort)) return invalid('sort');
  const numeric = spec.numeric?.includes(sort.key) ?? false;
  if (numeric ? !isSafeInteger(value) : typeof value !== 'string' || value.length > 300) return invalid('format');
  if (spec.idKind === 'number' ? !isSafeInteger(id) : typeof id !== 'string' || id.length === 0 || id.length > 300) return invalid('format');
  return ok({ sort, value: value as string | number, id: id as string | number });
}

function isSafeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

/** What a caller asks of a paged list: filters aside. */
export interface PageRequest {
  sort?: string;
  order?: SortOrder;
  cursor?: string;
  limit?: number;
}

/** How a list's rows are read: a page after a cursor (limit rows at most), the count of all, a row's cursor keys. */
export interface PageSource<K extends string, Row> {
  read(sort: ListSort<K>, limit: number, after: ListCursor<K> | undefined): Promise<Row[]>;
  count(): Promise<number>;
  valueOf(row: Row, key: K): string | number;
  idOf(row: Row): string | number;
}

/** One page of a list, with the count of every matching row and the cursor of the next page when there is one. */
export interface Page<Row> {
  rows: Row[];
  total: number;
  limit: number;
  sort: string;
  nextCursor?: string;
}

/** The limit a caller asked for, or a typed 400 that says the most a page holds. */
export function limitOf(limit: number | undefined, max = PAGE_MAX, fallback = PAGE_DEFAULT): Result<number> {
  if (limit === undefined) return ok(fallback);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) return refuse('INVALID_REQUEST', { field: 'limit', problem: `between 1 and ${max} rows a page` });
  return ok(limit);
}

/**
 * One page: the sort and cursor checked, one row more than the page read (it tells whether another page follows),
 * and the total.
 */
export async function readPage<K extends string, Row>(
  spec: ListSpec<K>,
  request: PageRequest,
  source: PageSource<K, Row>,
  limits: { max?: number; fallback?: number } = {},
): Promise<Result<Page<Row>>> {
  const sort = sortOf(spec, request.sort, request.order);
  if (!spec.keys.includes(sort.key)) return refuse('INVALID_REQUEST', { field: 'sort', problem: `one of ${spec.keys.join(', ')}` });
  const limit = limitOf(request.limit, limits.max, limits.fallback);
  if (!limit.ok) return limit;
  let after: ListCursor<K> | undefined;
  if (request.cursor !== undefined) {
    const c = decodeCursor(spec, request.cursor, sort);
    if (!c.ok) return c;
    after = c.value;
  }
  const rows = await source.read(sort, limit.value + 1, after);
  const total = await source.count();
  const page = rows.slice(0, limit.value);
  const last = page[page.length - 1];
  const more = rows.length > limit.value && last !== undefined;
  return ok({
    rows: page,
    total,
    limit: limit.value,
    sort: sortName(sort),
    ...(more ? { nextCursor: encodeCursor({ sort, value: source.valueOf(last, sort.key), id: source.idOf(last) }) } : {}),
  });
}

/** Every matching row, in batches read one after the other (a CSV export streams them; none sits whole in memory). */
export async function* readAll<K extends string, Row>(
  sort: ListSort<K>,
  source: Pick<PageSource<K, Row>, 'read' | 'valueOf' | 'idOf'>,
  batch = 5000,
): AsyncGenerator<Row[]> {
  let after: ListCursor<K> | undefined;
  for (;;) {
    const rows = await source.read(sort, batch, after);
    if (rows.length > 0) yield rows;
    const last = rows[rows.length - 1];
    if (rows.length < batch || last === undefined) return;
    after = { sort, value: source.valueOf(last, sort.key), id: source.idOf(last) };
  }
}

/** One CSV cell: quoted when it must be, and never read as a formula by a spreadsheet. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let s = typeof value === 'object' ? JSON.stringify(value) : String(value);
  // A cell starting with = + - @ would be a formula in a spreadsheet.
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine<Row>(columns: readonly (keyof Row & string)[], row: Row): string {
  return columns.map((c) => csvCell(row[c])).join(',') + '\n';
}

/** The CSV of a list: the header, then every row of every batch, streamed. */
export async function* csvStream<Row>(columns: readonly (keyof Row & string)[], batches: AsyncIterable<Row[]>): AsyncGenerator<string> {
  yield columns.join(',') + '\n';
  for await (const rows of batches) yield rows.map((r) => csvLine(columns, r)).join('');
}
