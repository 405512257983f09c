/**
 * Reading a paged list of the API from the console (core/paged-list.ts): a page with its total and next cursor, or
 * every page of a list when a view needs the whole of it (the diagnoser's reading of cases and servers).
 */
import { api, type ApiResult, type Component, type KeyringEntry } from './api';

/** What every paged list answers besides its rows. */
export interface PageInfo {
  total: number;
  limit: number;
  sort: string;
  nextCursor?: string;
}

/** Every row of `path`'s list (its array under `key`), page after page; bounded so that it always ends. */
export async function apiAllRows<Row>(keyring: readonly KeyringEntry[], component: Component, path: string, key: string, maxPages = 100): Promise<ApiResult<Row[]>> {
  const rows: Row[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await api<PageInfo & Record<string, unknown>>(keyring, component, 'GET', `${path}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (!r.ok) return page === 0 ? r : { ok: true, value: rows };
    const list = r.value[key];
    if (Array.isArray(list)) rows.push(...(list as Row[]));
    if (typeof r.value.nextCursor !== 'string') break;
    cursor = r.value.nextCursor;
  }
  return { ok: true, value: rows };
}
