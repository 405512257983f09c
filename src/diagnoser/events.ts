/**
 * The event viewer (DESIGN §6, the Event Viewer of the source document): events of the clearinghouse, the
 * license servers and the session hosts read over their `GET <prefix>/events` routes, filtered by component,
 * channel, event id, level and time range, merged newest first; follow mode polls each source with `afterId`.
 */
import { parseDuration, type Clock } from '../core/clock';
import { EVENT_LEVELS, type EventComponent, type EventLevel } from '../core/events';
import type { ObservedEvent } from '../core/diagnoser-rules';
import { ok, refuse, type Result } from '../core/result';
import { callJson } from '../http/client';
import { eventFromRecord } from '../core/diagnosis-snapshot';

/** Where a component's events are read. */
export interface EventSource {
  component: EventComponent;
  /** origin of the component, e.g. http://127.0.0.1:7879 */
  url: string;
  token?: string;
}

export interface EventQuery {
  component?: EventComponent | readonly EventComponent[];
  channel?: string;
  eventId?: number | readonly number[];
  level?: EventLevel | readonly EventLevel[];
  /** inclusive */
  since?: Date;
  /** exclusive */
  until?: Date;
  /** per source, default 100 (at most 1000). */
  limit?: number;
}

/** An event as the viewer shows it: the observation plus where it was read. */
export type ViewedEvent = ObservedEvent & { source: string };

export interface EventPage {
  /** newest first */
  events: ViewedEvent[];
  /** per source (`component@url`), the highest log id seen: the `afterId` to follow from. */
  cursor: Record<string, number>;
  /** sources that could not be read, with the refusal. */
  problems: { component: EventComponent; url: string; code: string; message: string }[];
}

export const EVENT_PREFIXES: Readonly<Record<Exclude<EventComponent, 'diagnoser'>, string>> = {
  clearinghouse: '/ch/v1',
  'license-server': '/ls/v1',
  'session-host': '/sh/v1',
};

export function sourceKey(s: Pick<EventSource, 'component' | 'url'>): string {
  return `${s.component}@${s.url.replace(/\/+$/, '')}`;
}

/**
 * `--since` / `--until` as typed: an ISO-8601 time, or a duration before now (`90m`, `1h`, `7d`, `2w`).
 * Refused with EVENT_TIME_INVALID otherwise.
 */
export function parseEventTime(text: string, clock: Clock): Result<Date> {
  const ms = parseDuration(text);
  if (ms !== undefined) return ok(new Date(clock.now().getTime() - ms));
  const t = Date.parse(text);
  if (!Number.isNaN(t) && /\d{4}-\d{2}-\d{2}/.test(text)) return ok(new Date(t));
  return refuse('EVENT_TIME_INVALID', { value: text });
}

/** `--level` as typed: information (or info), warning, error. */
export function parseEventLevel(text: string): Result<EventLevel> {
  const t = text.trim().toLowerCase();
  const level = t === 'info' ? 'information' : t;
  if ((EVENT_LEVELS as readonly string[]).includes(level)) return ok(level as EventLevel);
  return refuse('EVENT_LEVEL_INVALID', { value: text });
}

function asList<T>(v: T | readonly T[] | undefined): readonly T[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

/** Whether an event passes the filters the routes do not apply themselves. */
export function matchesQuery(e: ObservedEvent, q: EventQuery): boolean {
  const components = asList(q.component);
  if (components && !components.includes(e.component)) return false;
  const ids = asList(q.eventId);
  if (ids && !ids.includes(e.id)) return false;
  const levels = asList(q.level);
  if (levels && !levels.includes(e.level)) return false;
  if (q.channel !== undefined && (e.channel ?? '').toLowerCase() !== q.channel.toLowerCase()) return false;
  const at = Date.parse(e.at);
  if (q.since && at < q.since.getTime()) return false;
  if (q.until && at >= q.until.getTime()) return false;
  return true;
}

async function readSource(
  source: EventSource,
  q: EventQuery,
  afterId: number | undefined,
  timeoutMs: number | undefined,
): Promise<Result<ViewedEvent[]>> {
  if (source.component === 'diagnoser') return ok([]);
  const params = new URLSearchParams();
  const ids = asList(q.eventId);
  // The routes filter one event id themselves; several are filtered here.
  if (ids && ids.length === 1) params.set('eventId', String(ids[0]));
  if (afterId !== undefined) params.set('afterId', String(afterId));
  params.set('limit', String(Math.min(Math.max(q.limit ?? 100, 1), 1000)));
  const r = await callJson<unknown>(source.url, 'GET', `${EVENT_PREFIXES[source.component]}/events?${params.toString()}`, { token: source.token, timeoutMs });
  if (!r.ok) return r;
  const body = r.value as { events?: unknown } | unknown[];
  const list = Array.isArray(body) ? body : Array.isArray((body as { events?: unknown }).events) ? ((body as { events: unknown[] }).events) : [];
  return ok(list.flatMap((e) => {
    const ev = eventFromRecord(e, source.component, source.url);
    return ev ? [{ ...ev, source: source.url }] : [];
  }));
}

/** Reads and merges events from every source of the wanted components, newest first. */
export async function queryEventsFrom(
  sources: readonly EventSource[],
  q: EventQuery = {},
  options: { afterIds?: Record<string, number>; timeoutMs?: number } = {},
): Promise<EventPage> {
  const components = asList(q.component);
  const wanted = sources.filter((s) => !components || components.includes(s.component));
  const cursor: Record<string, number> = { ...options.afterIds };
  const problems: EventPage['problems'] = [];
  const results = await Promise.all(wanted.map((s) => readSource(s, q, options.afterIds?.[sourceKey(s)], options.timeoutMs)));
  const events: ViewedEvent[] = [];
  results.forEach((r, i) => {
    const s = wanted[i]!;
    if (!r.ok) {
      problems.push({ component: s.component, url: s.url, code: r.error.code, message: r.error.message });
      return;
    }
    for (const e of r.value) {
      if (e.seq !== undefined) cursor[sourceKey(s)] = Math.max(cursor[sourceKey(s)] ?? 0, e.seq);
      if (matchesQuery(e, q)) events.push(e);
    }
  });
  events.sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || (b.seq ?? 0) - (a.seq ?? 0));
  return { events, cursor, problems };
}

export interface FollowOptions {
  /** between polls, default 2000 ms */
  intervalMs?: number;
  signal?: AbortSignal;
  /** waits between polls; a test passes its own. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  timeoutMs?: number;
  /** start after these ids instead of the current end of each log. */
  afterIds?: Record<string, number>;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

/**
 * Follow mode (`opencal events --follow`): yields the new events of each poll, oldest first, until the signal
 * aborts. Without `afterIds` it starts at the current end of each log (what is already there is for a query).
 */
export async function* followEvents(sources: readonly EventSource[], q: EventQuery = {}, options: FollowOptions = {}): AsyncGenerator<ViewedEvent[], void, void> {
  const sleep = options.sleep ?? defaultSleep;
  let cursor = options.afterIds;
  if (cursor === undefined) {
    const start = await queryEventsFrom(sources, { ...q, limit: 1, eventId: undefined, level: undefined, channel: undefined, since: undefined, until: undefined }, { timeoutMs: options.timeoutMs });
    cursor = start.cursor;
    // A log with no event yet starts at 0.
    for (const s of sources) if (cursor[sourceKey(s)] === undefined && !start.problems.some((p) => p.url === s.url && p.component === s.component)) cursor[sourceKey(s)] = 0;
  }
  while (!options.signal?.aborted) {
    // A source that could not be read when following began has no position yet: its first answer only sets it.
    const unplaced = new Set(sources.filter((s) => cursor![sourceKey(s)] === undefined).map(sourceKey));
    const page = await queryEventsFrom(sources, { ...q, eventId: asList(q.eventId)?.length === 1 ? q.eventId : undefined }, { afterIds: cursor, timeoutMs: options.timeoutMs });
    cursor = page.cursor;
    for (const s of sources) {
      const key = sourceKey(s);
      if (unplaced.has(key) && cursor[key] === undefined && !page.problems.some((p) => p.url === s.url && p.component === s.component)) cursor[key] = 0;
    }
    const fresh = page.events.filter((e) => matchesQuery(e, q) && !unplaced.has(sourceKey({ component: e.component, url: e.source }))).reverse();
    if (fresh.length > 0) yield fresh;
    if (options.signal?.aborted) break;
    await sleep(options.intervalMs ?? 2000, options.signal);
  }
}
