/**
 * The clearinghouse's paged lists (core/paged-list.ts): cases and license servers, one page with its total and
 * next cursor, or the whole filtered list as CSV. An organization's token sees its own rows only (the route sets
 * `orgId`).
 */
import { CASE_LIST, SERVER_LIST, type CaseSortKey, type ServerSortKey } from '../core/list-specs';
import { csvStream, readAll, readPage, sortOf, type Page, type PageRequest, type PageSource } from '../core/paged-list';
import type { Result } from '../core/result';
import type { CaseView, ServerView } from '../core/wire/clearinghouse';
import { countCases, countServers, readCases, readServers, type CaseListFilter, type CaseRecord, type ServerListFilter, type ServerRecord } from './clearinghouse.repository';
import type { ChContext } from './context';
import { caseView } from './migration.usecase';

function caseSource(ctx: ChContext, filter: CaseListFilter): PageSource<CaseSortKey, CaseRecord> {
  return {
    read: (sort, limit, after) => readCases(ctx.db, filter, { sort, limit, ...(after ? { after } : {}) }),
    count: () => countCases(ctx.db, filter),
    valueOf: (c, key) => (key === 'number' ? c.number : key === 'createdAt' ? c.createdAt : c[key]),
    idOf: (c) => c.number,
  };
}

export async function casePage(ctx: ChContext, filter: CaseListFilter, request: PageRequest): Promise<Result<Page<CaseView>>> {
  const page = await readPage(CASE_LIST, request, caseSource(ctx, filter));
  return page.ok ? { ok: true, value: { ...page.value, rows: page.value.rows.map(caseView) } } : page;
}

const CASE_CSV_COLUMNS = [
  'caseNumber', 'kind', 'status', 'flagged', 'channel', 'pack', 'sourceServerId', 'targetServerId', 'orgId', 'reason', 'createdAt', 'decidedAt', 'decidedBy',
] as const satisfies readonly (keyof CaseView)[];

export async function* casesCsv(ctx: ChContext, filter: CaseListFilter, request: Pick<PageRequest, 'sort' | 'order'>): AsyncGenerator<string> {
  const source = caseSource(ctx, filter);
  async function* views() {
    for await (const rows of readAll(sortOf(CASE_LIST, request.sort, request.order), source)) yield rows.map(caseView);
  }
  yield* csvStream(CASE_CSV_COLUMNS, views());
}

function serverSource(ctx: ChContext, filter: ServerListFilter): PageSource<ServerSortKey, ServerRecord> {
  return {
    read: (sort, limit, after) => readServers(ctx.db, filter, { sort, limit, ...(after ? { after } : {}) }),
    count: () => countServers(ctx.db, filter),
    valueOf: (s, key) => (key === 'lastCheckInAt' ? (s.lastCheckInAt ?? '') : s[key]),
    idOf: (s) => s.serverId,
  };
}

export function serverPage(ctx: ChContext, filter: ServerListFilter, request: PageRequest): Promise<Result<Page<ServerView>>> {
  return readPage(SERVER_LIST, request, serverSource(ctx, filter));
}

const SERVER_CSV_COLUMNS = [
  'serverId', 'orgId', 'status', 'method', 'serverVersion', 'activationSerial', 'activatedAt', 'certificateExpiresAt', 'lastCheckInAt', 'statusChangedAt', 'statusReason',
] as const satisfies readonly (keyof ServerView)[];

export function serversCsv(ctx: ChContext, filter: ServerListFilter, request: Pick<PageRequest, 'sort' | 'order'>): AsyncGenerator<string> {
  return csvStream(SERVER_CSV_COLUMNS, readAll(sortOf(SERVER_LIST, request.sort, request.order), serverSource(ctx, filter)));
}
