/**
 * Walking a paged list over real HTTP (core/paged-list.ts): every page of a query following nextCursor, what each
 * page said about the total, and the CSV of the same filtered list — for the paging tests of every list.
 */
import { expect } from 'vitest';
import { callJson } from '../../src/http/client';

export interface PagedAnswer {
  total: number;
  limit: number;
  sort: string;
  nextCursor?: string;
}

export interface Walk<Row> {
  rows: Row[];
  totals: number[];
  pages: number;
}

/** Every page of `path?query`, `limit` rows at a time; fails when a page holds more than its limit. */
export async function walkPages<Row>(base: string, token: string, path: string, key: string, limit: number): Promise<Walk<Row>> {
  const rows: Row[] = [];
  const totals: number[] = [];
  let pages = 0;
  let cursor: string | undefined;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const r = await callJson<PagedAnswer & Record<string, unknown>>(base, 'GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { token });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    const page = r.value[key] as Row[];
    expect(page.length).toBeLessThanOrEqual(limit);
    rows.push(...page);
    totals.push(r.value.total);
    cursor = r.value.nextCursor;
    pages++;
    if (pages > 10_000) throw new Error('the pages never end');
  } while (cursor);
  return { rows, totals, pages };
}

/** Rows in the order of a sort: each value at most (or at least, descending) the next. */
export function expectInOrder<Row>(rows: readonly Row[], value: (r: Row) => string | number, descending: boolean, label: string): void {
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = descending ? [value(rows[i]!), value(rows[i - 1]!)] : [value(rows[i - 1]!), value(rows[i]!)];
    expect(a <= b, `row ${i} out of order for ${label}: ${String(a)} then ${String(b)}`).toBe(true);
  }
}

/** The CSV of a list: its header's columns and each line's cells (no cell of these tests holds a comma or quote). */
export async function fetchCsv(base: string, token: string, path: string): Promise<{ status: number; type: string; header: string[]; lines: string[][] }> {
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  const [head = '', ...rest] = text.trimEnd().split('\n');
  return { status: response.status, type: response.headers.get('content-type') ?? '', header: head.split(','), lines: rest.map((l) => l.split(',')) };
}

/** A GET that must be refused: its status and code. */
export async function refusalOf(base: string, token: string, path: string): Promise<{ status: number; code: string }> {
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { error?: { code?: string } };
  return { status: response.status, code: body.error?.code ?? '' };
}
