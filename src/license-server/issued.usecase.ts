/**
 * Issued licenses: the list (filters, CSV/JSON), revoke with the 20 % rule, and the per-user report.
 */
import { perUserOverAllocation, revokeBudgetOf } from '../core/license-server-rules';
import { ok, refuse, type Result } from '../core/result';
import { type LicenseServerContext } from './context';
import * as repo from './license-server.repository';
import type { HeldLicense } from './license-server.repository';
import type { IssuedPage, IssuedView } from '../core/wire/license-server';
import {
  decodeIssuedCursor,
  encodeIssuedCursor,
  ISSUED_PAGE_DEFAULT,
  issuedSortName,
  issuedSortOf,
  type IssuedCursor,
  type IssuedSortName,
} from '../core/issued-list';
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

/**
 * One page of issued licenses with the count of all that match and the cursor of the next page: a list is never
 * cut without saying so (`total` and `nextCursor`).
 */
export async function pageIssued(ctx: LicenseServerContext, request: IssuedPageRequest): Promise<Result<IssuedPage>> {
  const sort = issuedSortOf(request.sort);
  let after: IssuedCursor | undefined;
  if (request.cursor !== undefined) {
    const c = decodeIssuedCursor(request.cursor, sort);
    if (!c.ok) return c;
    after = c.value;
  }
  const limit = request.limit ?? ISSUED_PAGE_DEFAULT;
  const { sort: _s, cursor: _c, limit: _l, offset, ...filter } = request;
  // One more row than the page tells whether another page follows.
  const rows = await repo.listIssued(ctx.db, { ...filter, sort, limit: limit + 1, ...(after ? { after } : {}), ...(offset ? { offset } : {}) });
  const total = await repo.countIssuedMatching(ctx.db, filter);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const more = rows.length > limit && last !== undefined;
  return ok({
    issued: page.map(issuedView),
    total,
    limit,
    sort: issuedSortName(sort),
    ...(more ? { nextCursor: encodeIssuedCursor({ sort, value: repo.sortValueOf(last, sort.key), id: last.id }) } : {}),
  });
}

/** Every issued license the filter matches, in pages read one after the other (the CSV export streams them). */
export async function* allIssued(ctx: LicenseServerContext, filter: repo.IssuedFilter, sortName?: IssuedSortName): AsyncGenerator<IssuedView[]> {
  const sort = issuedSortOf(sortName);
  let after: IssuedCursor | undefined;
  for (;;) {
    const rows = await repo.listIssued(ctx.db, { ...filter, sort, limit: CSV_BATCH, ...(after ? { after } : {}) });
    if (rows.length > 0) yield rows.map(issuedView);
    const last = rows[rows.length - 1];
    if (rows.length < CSV_BATCH || !last) return;
    after = { sort, value: repo.sortValueOf(last, sort.key), id: last.id };
  }
}

const CSV_BATCH = 5000;

const CSV_COLUMNS: (keyof IssuedView)[] = [
  'id', 'kind', 'calType', 'calVersion', 'pack', 'device', 'hwid', 'user', 'host', 'issuedAt', 'expiresAt', 'validated', 'status', 'revokedAt', 'overAllocated',
];

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let s = String(value);
  // A cell starting with = + - @ would be a formula in a spreadsheet.
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function issuedCsv(rows: IssuedView[]): string {
  return [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

/** The CSV export of every matching row, header first, streamed page by page (large lists never sit in memory). */
export async function* issuedCsvStream(ctx: LicenseServerContext, filter: repo.IssuedFilter, sort?: IssuedSortName): AsyncGenerator<string> {
  yield CSV_COLUMNS.join(',') + '\n';
  for await (const rows of allIssued(ctx, filter, sort)) yield rows.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(',') + '\n').join('');
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
