/**
 * The CLI's reading of a paged list (core/paged-list.ts): one page (`--limit`, `--cursor`), every page (`--all`),
 * or the whole filtered list as CSV (`--csv`); a page that is not the whole list says so, with the flag that
 * reads on.
 */
import type { Command } from 'commander';
import type { Lang } from '../core/refusals';
import { ok, refuse, type Result } from '../core/result';
import { call, callText, type Opts, type Target } from './request';

export function addPageOptions(command: Command): Command {
  return command
    .option('--limit <rows>', 'rows a page holds, 1 to 1000 (default 50)')
    .option('--cursor <cursor>', 'the next page: the cursor the previous page printed')
    .option('--all', 'every page, one after the other')
    .option('--csv', 'the whole filtered list as CSV');
}

/** A list as the command read it: its rows, the count of all that match, and where the next page starts. */
export interface ListRead<Row> {
  rows: Row[];
  total: number;
  nextCursor?: string;
  csv?: string;
}

type PageAnswer = { total: number; nextCursor?: string } & Record<string, unknown>;

/** Reads `path` (its query already holding the filters) as the paging flags ask. */
export async function readList<Row>(target: Target, path: string, key: string, o: Opts): Promise<Result<ListRead<Row>>> {
  const sep = path.includes('?') ? '&' : '?';
  if (o['csv'] === true && o.json !== true) {
    const text = await callText(target, `${path}${sep}format=csv`);
    return text.ok ? ok({ rows: [], total: 0, csv: text.value }) : text;
  }
  let limit: number | undefined;
  if (typeof o['limit'] === 'string') {
    if (!/^[0-9]{1,4}$/.test(o['limit']) || Number(o['limit']) < 1 || Number(o['limit']) > 1000) return refuse('INVALID_REQUEST', { field: 'limit', problem: 'a number of rows from 1 to 1000' });
    limit = Number(o['limit']);
  }
  const all = o['all'] === true;
  const pageOf = (cursor: string | undefined) =>
    call<PageAnswer>(target, 'GET', `${path}${sep}limit=${limit ?? (all ? 1000 : 50)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  const first = await pageOf(typeof o['cursor'] === 'string' ? o['cursor'] : undefined);
  if (!first.ok) return first;
  const rows = [...((first.value[key] as Row[] | undefined) ?? [])];
  let next = first.value.nextCursor;
  while (all && next !== undefined) {
    const page = await pageOf(next);
    if (!page.ok) return page;
    rows.push(...((page.value[key] as Row[] | undefined) ?? []));
    next = page.value.nextCursor;
  }
  return ok({ rows, total: first.value.total, ...(next !== undefined ? { nextCursor: next } : {}) });
}

/** The line under a page that is not the whole list: how many were shown, of how many, and how to read on. */
export function pageFooter(read: ListRead<unknown>, lang: Lang | undefined): string {
  if (read.nextCursor === undefined) return '';
  return lang === 'fr'
    ? `\n${read.rows.length} lignes affichées sur ${read.total}. La suite : ajoutez --cursor ${read.nextCursor} (ou --all pour tout lire).`
    : `\n${read.rows.length} rows shown of ${read.total}. For the next page add --cursor ${read.nextCursor} (or --all to read every page).`;
}
