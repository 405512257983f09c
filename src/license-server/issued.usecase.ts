/**
 * Issued licenses: the list (filters, CSV/JSON), revoke with the 20 % rule, and the per-user report.
 */
import { perUserOverAllocation, revokeBudgetOf } from '../core/license-server-rules';
import { ok, refuse, type Result } from '../core/result';
import { type LicenseServerContext } from './context';
import * as repo from './license-server.repository';
import type { HeldLicense } from './license-server.repository';
import type { IssuedPage, IssuedView } from '../core/wire/license-server';
import { ISSUED_LIST, ISSUED_PAGE_DEFAULT, ISSUED_PAGE_MAX, issuedSortOf, type IssuedSortKey, type IssuedSortName } from '../core/issued-list';
import { csvLine, csvStream, readAll, readPage, type PageSource } from '../core/paged-list';
import type { PerUserReport, RevokeAnswer as RevokeResult } from '../core/wire/license-server';

export type { IssuedView };

export function issuedView(l: HeldLicense): IssuedView {
  return {
    id: l.id, kind: l.kind, calType: l.calType, calVersion: l.calVersion, pack: l.pack, device: l.device, hwid: l.hwid, user: l.user,
    host: l.host, issuedAt: l.issuedAt.toISOString(), expiresAt: l.expiresAt.toISOString(), validated: l.validated, status: l.status,
    revokedAt: l.revokedAt?.toISOString(), overAllocated: l.overAllocated,
  };
}

export async function listIssued(ctx: LicenseServerContext, filter: repo.IssuedPageQuery): Promise<IssuedView[]> {
  return (await repo.listIssued(ctx.db, filter)).map(issuedView);
}

/** What a caller asks of GET /ls/v1/issued: filters, sort, and where the page starts. */
export interface IssuedPageRequest extends repo.IssuedFilter {
  sort?: IssuedSortName;
  cursor?: string;
  limit?: number;
  offset?: number;
}

function issuedSource(ctx: LicenseServerContext, filter: repo.IssuedFilter, offset?: number): PageSource<IssuedSortKey, HeldLicense> {
  return {
    read: (sort, limit, after) => repo.listIssued(ctx.db, { ...filter, sort, limit, ...(after ? { after } : offset ? { offset } : {}) }),
    count: () => repo.countIssuedMatching(ctx.db, filter),
    valueOf: repo.sortValueOf,
    idOf: (l) => l.id,
  };
}

/**
 * One page of issued licenses with the count of all that match and the cursor of the next page: a list is never
 * cut without saying so (`total` and `nextCursor`).
 */
export async function pageIssued(ctx: LicenseServerContext, request: IssuedPageRequest): Promise<Result<IssuedPage>> {
  const { sort, cursor, limit, offset, ...filter } = request;
  const page = await readPage(ISSUED_LIST, { sort, cursor, limit }, issuedSource(ctx, filter, offset), { max: ISSUED_PAGE_MAX, fallback: ISSUED_PAGE_DEFAULT });
  if (!page.ok) return page;
  const { rows, ...rest } = page.value;
  return ok({ issued: rows.map(issuedView), ...rest });
}

/** Every issued license the filter matches, in pages read one after the other (the CSV export streams them). */
export async function* allIssued(ctx: LicenseServerContext, filter: repo.IssuedFilter, sortName?: IssuedSortName): AsyncGenerator<IssuedView[]> {
  for await (const rows of readAll(issuedSortOf(sortName), issuedSource(ctx, filter))) yield rows.map(issuedView);
}

const CSV_COLUMNS: (keyof IssuedView & string)[] = [
  'id', 'kind', 'calType', 'calVersion', 'pack', 'device', 'hwid', 'user', 'host', 'issuedAt', 'expiresAt', 'validated', 'status', 'revokedAt', 'overAllocated',
];

export function issuedCsv(rows: IssuedView[]): string {
  return [CSV_COLUMNS.join(',') + '\n', ...rows.map((r) => csvLine(CSV_COLUMNS, r))].join('');
}

/** The CSV export of every matching row, header first, streamed page by page (large lists never sit in memory). */
export function issuedCsvStream(ctx: LicenseServerContext, filter: repo.IssuedFilter, sort?: IssuedSortName): AsyncGenerator<string> {
  return csvStream(CSV_COLUMNS, allIssued(ctx, filter, sort));
}

/** The answer of its route, from the wire contract (core/wire/license-server.ts). */
export type { RevokeAnswer as RevokeResult } from '../core/wire/license-server';

export async function revoke(ctx: LicenseServerContext, input: { device: string }): Promise<Result<RevokeResult>> {
  if (typeof input.device !== 'string' || input.device.trim() === '') {
    return refuse('INVALID_REQUEST', { field: 'device' });
  }
  const now = ctx.clock.now();
  return ctx.change(async (trx, log): Promise<Result<RevokeResult>> => {
    const license = await repo.findLivePermanentForDevice(trx, input.device);
    if (!license) {
      return refuse(
        'CAL_NOT_FOUND',
        { device: input.device },
      );
    }
    // Lock the version's key packs so two revokes cannot both take the last slot of the budget.
    await repo.lockDeviceKeyPacks(trx, license.calVersion);
    const facts = { keyPacks: await repo.listKeyPacks(trx), revoked: await repo.revokedCals(trx, license.calVersion) };
    const budget = revokeBudgetOf(facts, license.calVersion, now);
    const { installed } = budget;
    if (budget.remaining === 0) {
      const next = budget.nextRevokeAllowedOn;
      return refuse(
        'REVOKE_LIMIT_REACHED',
        { limit: budget.limit, installed, revoked: budget.revokedLive, nextRevokeAllowedOn: next?.toISOString(), calVersion: license.calVersion },
      );
    }
    if (!(await repo.revokeIssued(trx, license.id, now))) {
      return refuse('CAL_NOT_FOUND', { device: input.device, problem: 'changed' });
    }
    log.event(9105, { calType: 'device', device: license.device, calVersion: license.calVersion, pack: license.pack });
    const revoked = (await repo.findIssued(trx, license.id))!;
    return ok({ revoked: issuedView(revoked), revokable: budget.remaining - 1 });
  });
}

/** The answer of its route, from the wire contract (core/wire/license-server.ts). */
export type { PerUserReport } from '../core/wire/license-server';

export async function perUserReport(ctx: LicenseServerContext): Promise<PerUserReport> {
  const rows = await repo.perUserRows(ctx.db);
  const now = ctx.clock.now();
  const live = rows.filter((r) => r.expiresAt.getTime() > now.getTime());
  const versions = [...new Set([...live.map((r) => r.calVersion), ...(await repo.listKeyPacks(ctx.db)).filter((p) => p.calType === 'user' && p.status === 'active').map((p) => p.calVersion)])].sort();
  const out: PerUserReport['versions'] = [];
  for (const v of versions) {
    const installed = await repo.installedCals(ctx.db, 'user', v);
    const issued = live.filter((r) => r.calVersion === v).length;
    out.push({ calVersion: v, installed, issued, overAllocated: perUserOverAllocation(installed, issued) });
  }
  return {
    generatedAt: now.toISOString(),
    versions: out,
    users: live.map((r) => ({
      user: r.user ?? '', calVersion: r.calVersion, issuedAt: r.issuedAt.toISOString(), expiresAt: r.expiresAt.toISOString(), overAllocated: r.overAllocated, device: r.device,
    })),
  };
}
