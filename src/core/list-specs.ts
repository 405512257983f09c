/**
 * The paged lists of the API and the columns each may be sorted by (core/paged-list.ts pages them all alike).
 * The routes' `sort` accepts a column or `-column`; `order` (asc|desc) may say the direction instead.
 */
import { type ListSpec, sortNames } from './paged-list';

/** `GET <prefix>/events`: newest first unless asked otherwise, like Event Viewer. */
export const EVENT_SORT_KEYS = ['at', 'eventId', 'level'] as const;
export type EventSortKey = (typeof EVENT_SORT_KEYS)[number];
export const EVENT_LIST: ListSpec<EventSortKey> = { keys: EVENT_SORT_KEYS, numeric: ['eventId'], idKind: 'number', fallback: { key: 'at', descending: true } };

/** `GET /ch/v1/cases`: by case number unless asked otherwise. */
export const CASE_SORT_KEYS = ['number', 'createdAt', 'status', 'kind'] as const;
export type CaseSortKey = (typeof CASE_SORT_KEYS)[number];
export const CASE_LIST: ListSpec<CaseSortKey> = { keys: CASE_SORT_KEYS, numeric: ['number'], idKind: 'number', fallback: { key: 'number', descending: false } };

/** `GET /ch/v1/servers`: in the order they were activated unless asked otherwise. */
export const SERVER_SORT_KEYS = ['activatedAt', 'serverId', 'status', 'certificateExpiresAt', 'lastCheckInAt'] as const;
export type ServerSortKey = (typeof SERVER_SORT_KEYS)[number];
export const SERVER_LIST: ListSpec<ServerSortKey> = { keys: SERVER_SORT_KEYS, idKind: 'string', fallback: { key: 'activatedAt', descending: false } };

/** `GET /ls/v1/hosts`: by name unless asked otherwise. */
export const HOST_SORT_KEYS = ['name', 'enrolledAt'] as const;
export type HostSortKey = (typeof HOST_SORT_KEYS)[number];
export const HOST_LIST: ListSpec<HostSortKey> = { keys: HOST_SORT_KEYS, idKind: 'string', fallback: { key: 'name', descending: false } };

/** `GET /sh/v1/admissions`: newest first unless asked otherwise. */
export const ADMISSION_SORT_KEYS = ['at', 'device', 'user'] as const;
export type AdmissionSortKey = (typeof ADMISSION_SORT_KEYS)[number];
export const ADMISSION_LIST: ListSpec<AdmissionSortKey> = { keys: ADMISSION_SORT_KEYS, idKind: 'number', fallback: { key: 'at', descending: true } };

/** What an admission's outcome filter names: admitted on a CAL, admitted in the grace period, or refused. */
export const ADMISSION_OUTCOMES = ['admitted', 'cal', 'grace', 'refused'] as const;
export type AdmissionOutcome = (typeof ADMISSION_OUTCOMES)[number];

export const EVENT_SORTS = sortNames(EVENT_SORT_KEYS);
export const CASE_SORTS = sortNames(CASE_SORT_KEYS);
export const SERVER_SORTS = sortNames(SERVER_SORT_KEYS);
export const HOST_SORTS = sortNames(HOST_SORT_KEYS);
export const ADMISSION_SORTS = sortNames(ADMISSION_SORT_KEYS);
