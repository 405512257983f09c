/**
 * The event log store (DESIGN §6): one `events` table per component database, written with the change it
 * records. Pass the transaction (`trx`) the change runs in: the event commits or rolls back with it.
 */
import type { Generated, Kysely } from 'kysely';
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

export async function queryEvents(db: Kysely<any>, filter: EventFilter = {}): Promise<RecordedEvent[]> {
  const limit = Math.min(Math.max(Math.floor(filter.limit ?? 100), 1), 1000);
  const order = filter.order ?? (filter.afterId !== undefined ? 'oldest' : 'newest');
  let query = (db as Kysely<Tables>).selectFrom('events').selectAll();
  if (filter.component !== undefined) query = query.where('component', '=', filter.component);
  if (filter.channel !== undefined) query = query.where('channel', '=', filter.channel);
  if (filter.eventId !== undefined) {
    const ids = typeof filter.eventId === 'number' ? [filter.eventId] : [...filter.eventId];
    if (ids.length === 0) return [];
    query = query.where('event_id', 'in', ids);
  }
  if (filter.level !== undefined) {
    const levels = typeof filter.level === 'string' ? [filter.level] : [...filter.level];
    if (levels.length === 0) return [];
    query = query.where('level', 'in', levels);
  }
  if (filter.since !== undefined) query = query.where('at', '>=', isoOf(filter.since));
  if (filter.until !== undefined) query = query.where('at', '<', isoOf(filter.until));
  if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
  const rows = await query
    .orderBy('id', order === 'oldest' ? 'asc' : 'desc')
    .limit(limit)
    .execute();
  return rows.map(toRecorded);
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
