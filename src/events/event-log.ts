/**
 * The event log store (DESIGN §6): one `events` table per component database, written with the change it
 * records. Pass the transaction (`trx`) the change runs in: the event commits or rolls back with it.
 */
import { sql, type Generated, type Kysely, type SelectQueryBuilder } from 'kysely';
import { EVENT_LIST, type EventSortKey } from '../core/list-specs';
import { csvStream, readAll, readPage, sortOf, type Page, type PageRequest, type PageSource } from '../core/paged-list';
import type { Result } from '../core/result';
import { keyset } from '../storage/keyset';
import {
  eventDefinition,
  renderEventMessage,
  type EventChannel,
  type EventComponent,
  type EventLevel,
} from '../core/events';

export interface EventsTable {
  id: number;
  at: string;
  component: string;
  channel: string;
  event_id: number;
  level: string;
  message: string;
  data: string;
}

interface Tables {
  events: Omit<EventsTable, 'id'> & { id: Generated<number> };
}

export interface NewEvent {
  component: EventComponent;
  /** An id of the catalog (src/core/events.ts); its channel and level come from there. */
  eventId: number;
  data?: Record<string, unknown>;
  at: Date;
  /** Overrides the catalog's rendered message. */
  message?: string;
  /** Overrides the catalog's level (e.g. a warning that became an error). */
  level?: EventLevel;
}

export interface RecordedEvent {
  id: number;
  at: string;
  component: EventComponent;
  channel: EventChannel | string;
  eventId: number;
  level: EventLevel;
  message: string;
  data: Record<string, unknown>;
}

export interface EventFilter {
  component?: EventComponent;
  channel?: string;
  eventId?: number | readonly number[];
  level?: EventLevel | readonly EventLevel[];
  /** ISO-8601 or Date, inclusive. */
  since?: string | Date;
  /** ISO-8601 or Date, exclusive. */
  until?: string | Date;
  /** Only events recorded after this id, oldest first: what `opencal events --follow` polls with. */
  afterId?: number;
  /** Default 100, at most 1000. */
  limit?: number;
  /** Default: newest first, or oldest first when `afterId` is given. */
  order?: 'newest' | 'oldest';
}

/** The row an event is stored as: channel, level and message from the catalog. */
export type EventRow = Omit<EventsTable, 'id'>;

/**
 * The row of one event. Throws on an id missing from the catalog (a bug: add the event to src/core/events.ts).
 */
export function eventRow(event: NewEvent): EventRow {
  const definition = eventDefinition(event.eventId);
  if (!definition) throw new Error(`Event ${event.eventId} is not in the event catalog (src/core/events.ts)`);
  const data = event.data ?? {};
  return {
    at: event.at.toISOString(),
    component: event.component,
    channel: definition.channel,
    event_id: event.eventId,
    level: event.level ?? definition.level,
    message: event.message ?? renderEventMessage(event.eventId, data),
    data: JSON.stringify(data),
  };
}

/** The insert of one event row: run by recordEvent, compiled once by the license server's group commit. */
export function insertEvent(db: Kysely<any>, row: EventRow) {
  return (db as Kysely<Tables>).insertInto('events').values(row);
}

/**
 * Records one event. Throws on an id missing from the catalog (a bug: add the event to src/core/events.ts).
 * Returns the stored event.
 */
export async function recordEvent(db: Kysely<any>, event: NewEvent): Promise<RecordedEvent> {
  const row = eventRow(event);
  const inserted = await insertEvent(db, row).returning('id').executeTakeFirstOrThrow();
  return toRecorded({ id: inserted.id, ...row });
}

/** What a paged read of the event log filters by (GET <prefix>/events, the events page). */
export interface EventListFilter {
  component?: EventComponent | readonly EventComponent[];
  channel?: string;
  eventId?: number | readonly number[];
  level?: EventLevel | readonly EventLevel[];
  /** ISO-8601 or Date, inclusive. */
  since?: string | Date;
  /** ISO-8601 or Date, exclusive. */
  until?: string | Date;
  /** words the message holds, whatever their case. */
  text?: string;
  /** only events recorded after this id (what a live view polls with). */
  afterId?: number;
}

type EventQuery = SelectQueryBuilder<Tables, 'events', EventsTable>;

function filtered(query: EventQuery, filter: EventListFilter): EventQuery | undefined {
  const list = <T>(v: T | readonly T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? [...(v as T[])] : [v as T]);
  const components = list(filter.component);
  const ids = list(filter.eventId);
  const levels = list(filter.level);
  if (components?.length === 0 || ids?.length === 0 || levels?.length === 0) return undefined;
  if (components) query = query.where('component', 'in', components);
  if (filter.channel !== undefined) query = query.where('channel', '=', filter.channel);
  if (ids) query = query.where('event_id', 'in', ids);
  if (levels) query = query.where('level', 'in', levels);
  if (filter.since !== undefined) query = query.where('at', '>=', isoOf(filter.since));
  if (filter.until !== undefined) query = query.where('at', '<', isoOf(filter.until));
  if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
  if (filter.text !== undefined && filter.text !== '') {
    // lower() on both sides: SQLite's LIKE ignores case, PostgreSQL's does not; the wildcards a person types are text.
    const pattern = `%${filter.text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where(sql<boolean>`lower(message) like ${pattern} escape '\\'`);
  }
  return query;
}

export async function queryEvents(db: Kysely<any>, filter: EventFilter = {}): Promise<RecordedEvent[]> {
  const limit = Math.min(Math.max(Math.floor(filter.limit ?? 100), 1), 1000);
  const order = filter.order ?? (filter.afterId !== undefined ? 'oldest' : 'newest');
  const query = filtered((db as Kysely<Tables>).selectFrom('events').selectAll(), filter);
  if (!query) return [];
  const rows = await query
    .orderBy('id', order === 'oldest' ? 'asc' : 'desc')
    .limit(limit)
    .execute();
  return rows.map(toRecorded);
}

const EVENT_COLUMNS: Record<EventSortKey, string> = { at: 'at', eventId: 'event_id', level: 'level' };

function eventSource(db: Kysely<any>, filter: EventListFilter): PageSource<EventSortKey, RecordedEvent> {
  const base = () => filtered((db as Kysely<Tables>).selectFrom('events').selectAll(), filter);
  return {
    async read(sort, limit, after) {
      const query = base();
      if (!query) return [];
      const rows = await keyset(query, { column: EVENT_COLUMNS[sort.key], id: 'id', descending: sort.descending, limit, ...(after ? { after } : {}) }).execute();
      return rows.map(toRecorded);
    },
    async count() {
      const query = base();
      if (!query) return 0;
      const row = await query.clearSelect().select(sql<number>`count(*)`.as('n')).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    valueOf: (e, key) => (key === 'at' ? e.at : key === 'eventId' ? e.eventId : e.level),
    idOf: (e) => e.id,
  };
}

/**
 * One page of the event log, newest first unless asked otherwise, with the count of every event the filter
 * matches and the cursor of the next page. Following a live log (`afterId`) reads oldest first unless asked.
 */
export async function pageEvents(db: Kysely<any>, filter: EventListFilter, request: PageRequest): Promise<Result<Page<RecordedEvent>>> {
  const asked = filter.afterId !== undefined && request.sort === undefined && request.order === undefined ? { ...request, order: 'asc' as const } : request;
  return readPage(EVENT_LIST, asked, eventSource(db, filter));
}

export const EVENT_CSV_COLUMNS = ['id', 'at', 'component', 'channel', 'eventId', 'level', 'message', 'data'] as const satisfies readonly (keyof RecordedEvent)[];

/** The CSV of every event the filter matches, in the page's sort, streamed. */
export function eventsCsv(db: Kysely<any>, filter: EventListFilter, request: Pick<PageRequest, 'sort' | 'order'>): AsyncGenerator<string> {
  return csvStream(EVENT_CSV_COLUMNS, readAll(sortOf(EVENT_LIST, request.sort, request.order), eventSource(db, filter)));
}

function isoOf(value: string | Date): string {
  return typeof value === 'string' ? new Date(value).toISOString() : value.toISOString();
}

function toRecorded(row: EventsTable): RecordedEvent {
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.data);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) data = parsed as Record<string, unknown>;
  } catch {
    data = { raw: row.data };
  }
  return {
    id: Number(row.id),
    at: row.at,
    component: row.component as EventComponent,
    channel: row.channel,
    eventId: Number(row.event_id),
    level: row.level as EventLevel,
    message: row.message,
    data,
  };
}
