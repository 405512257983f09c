/**
 * Paging through issued licenses (GET /ls/v1/issued): the columns the list may be sorted by, on the paging every
 * list shares (core/paged-list.ts). Pure: no storage, no clock.
 */
import { type ListCursor, type ListSort, type ListSpec, sortName, sortNames, sortOf } from './paged-list';

export const ISSUED_SORT_KEYS = ['issuedAt', 'expiresAt', 'device', 'user', 'pack', 'status'] as const;
export type IssuedSortKey = (typeof ISSUED_SORT_KEYS)[number];
/** `issuedAt` ascending, `-issuedAt` descending, and so on. */
export const ISSUED_SORTS = sortNames(ISSUED_SORT_KEYS);
export type IssuedSortName = (typeof ISSUED_SORTS)[number];

export type IssuedSort = ListSort<IssuedSortKey>;
export type IssuedCursor = ListCursor<IssuedSortKey>;

export const ISSUED_LIST: ListSpec<IssuedSortKey> = {
  keys: ISSUED_SORT_KEYS,
  numeric: ['pack'],
  idKind: 'string',
  fallback: { key: 'issuedAt', descending: false },
};

/**
 * Rows a JSON page holds when the caller names no limit, and the most it may ask for: larger than other lists',
 * for the callers that read issued licenses before the list was paged.
 */
export const ISSUED_PAGE_DEFAULT = 1000;
export const ISSUED_PAGE_MAX = 10_000;

export function issuedSortOf(name: IssuedSortName | undefined): IssuedSort {
  return sortOf(ISSUED_LIST, name);
}

export function issuedSortName(sort: IssuedSort): IssuedSortName {
  return sortName(sort) as IssuedSortName;
}
