/**
 * The session host's admissions list, paged (core/paged-list.ts): one page with its total and next cursor, or the
 * whole filtered list as CSV. A grace admission says so (`basis: grace`): it is not a CAL admission.
 */
import { ADMISSION_LIST, type AdmissionSortKey } from '../core/list-specs';
import { csvStream, readAll, readPage, sortOf, type Page, type PageRequest, type PageSource } from '../core/paged-list';
import type { Result } from '../core/result';
import type { AdmissionRecord } from '../core/wire/session-host';
import type { SessionHostContext } from './context';
import { countAdmissions, readAdmissions, type AdmissionListFilter } from './session-host.repository';

function admissionSource(ctx: SessionHostContext, filter: AdmissionListFilter): PageSource<AdmissionSortKey, AdmissionRecord> {
  const db = ctx.database.db;
  return {
    read: (sort, limit, after) => readAdmissions(db, filter, { sort, limit, ...(after ? { after } : {}) }),
    count: () => countAdmissions(db, filter),
    valueOf: (a, key) => (key === 'user' ? (a.user ?? '') : a[key]),
    idOf: (a) => a.id ?? 0,
  };
}

export function admissionPage(ctx: SessionHostContext, filter: AdmissionListFilter, request: PageRequest): Promise<Result<Page<AdmissionRecord>>> {
  return readPage(ADMISSION_LIST, request, admissionSource(ctx, filter));
}

const CSV_COLUMNS = [
  'id', 'at', 'device', 'hwid', 'user', 'admitted', 'basis', 'code', 'calKind', 'calVersion', 'licenseServerId', 'expiresAt', 'message',
] as const satisfies readonly (keyof AdmissionRecord)[];

export function admissionsCsv(ctx: SessionHostContext, filter: AdmissionListFilter, request: Pick<PageRequest, 'sort' | 'order'>): AsyncGenerator<string> {
  return csvStream(CSV_COLUMNS, readAll(sortOf(ADMISSION_LIST, request.sort, request.order), admissionSource(ctx, filter)));
}
