/**
 * What every paged list route shares (core/paged-list.ts): its paging query (`sort`, `order`, `cursor`, `limit`,
 * `format`), the CSV reply that streams the whole filtered list, and the event log's route, the same on the
 * clearinghouse, the license server and the session host.
 */
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { Type, type TSchema } from 'typebox';
import { EVENT_LEVELS, type EventLevel } from '../core/events';
import { EVENT_SORTS } from '../core/list-specs';
import { PAGE_MAX, SORT_ORDERS, type Page, type PageRequest } from '../core/paged-list';
import type { Result } from '../core/result';
import { EventList, Int, Text } from '../core/wire/common';
import type { EventListFilter, RecordedEvent } from '../events/event-log';
import { errorResponses, sendRefusal } from './errors';
import type { TypedApp } from './server';
import type { ScopeGuard } from './auth';

const literals = <T extends string | number>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

/** The paging half of a list's query string, for the sorts that list offers. */
export function pageQuery<S extends string>(sorts: readonly S[]) {
  return {
    sort: Type.Optional(literals(sorts)),
    order: Type.Optional(literals(SORT_ORDERS)),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 800, description: 'the nextCursor of the previous page (same sort and filters)' })),
    limit: Type.Optional(Int({ minimum: 1, maximum: PAGE_MAX, description: `rows a page holds: 50 unless given, at most ${PAGE_MAX}` })),
    format: Type.Optional(literals(['json', 'csv'] as const)),
  };
}

/** The answer of a list route: JSON (one page) or CSV (the whole filtered list). */
export function listResponse<T extends TSchema>(json: T) {
  return { 200: { content: { 'application/json': { schema: json }, 'text/csv': { schema: Type.String() } } }, ...errorResponses(400, 401, 403) };
}

export const PAGE_DESCRIPTION =
  'JSON answers one page (`limit`, 50 unless given, at most 1000; more is refused) with `total`, the count of every matching row, and `nextCursor` while another page follows: pass it back as `cursor` with the same `sort`, `order` and filters. `format=csv` answers every matching row, streamed.';

/** The whole filtered list as a CSV download, streamed batch by batch. */
export function sendCsv(reply: FastifyReply, fileName: string, lines: AsyncIterable<string>): FastifyReply {
  reply.header('content-type', 'text/csv; charset=utf-8');
  reply.header('content-disposition', `attachment; filename="${fileName}"`);
  return reply.send(Readable.from(lines));
}

/** A page or its refusal, as the route answers it. */
export function sendPage<Row, Body>(reply: FastifyReply, page: Result<Page<Row>>, body: (rows: Row[]) => Body): (Body & Omit<Page<Row>, 'rows'>) | FastifyReply {
  if (!page.ok) return sendRefusal(reply, page.error);
  const { rows, ...rest } = page.value;
  return { ...body(rows), ...rest };
}

/** The event log's reads, bound to a component's database (its ports). */
export interface EventListUseCases {
  eventPage(filter: EventListFilter, request: PageRequest): Promise<Result<Page<RecordedEvent>>>;
  eventsCsv(filter: EventListFilter, request: Pick<PageRequest, 'sort' | 'order'>): AsyncGenerator<string>;
}

/** `GET <prefix>/events`: filtered by event id(s), level(s), channel, time and text; paged; or all of it as CSV. */
export function eventsRoute(
  app: TypedApp,
  o: { preHandler: ScopeGuard; tags: string[]; summary: string; fileName: string; uc: EventListUseCases },
): void {
  app.get(
    '/events',
    {
      preHandler: o.preHandler,
      schema: {
        tags: o.tags,
        summary: o.summary,
        description: `Newest first unless \`sort\`/\`order\` say otherwise; with \`afterId\` (a live view's poll), oldest first. ${PAGE_DESCRIPTION}`,
        querystring: Type.Object(
          {
            eventId: Type.Optional(Type.Array(Int({ maximum: 65_535 }), { maxItems: 50, description: 'one event id, or several (eventId=1&eventId=2)' })),
            level: Type.Optional(Type.Array(literals(EVENT_LEVELS), { maxItems: 3 })),
            channel: Type.Optional(Text(128)),
            from: Type.Optional(Type.String({ format: 'date-time', description: 'recorded at or after this time' })),
            to: Type.Optional(Type.String({ format: 'date-time', description: 'recorded before this time' })),
            text: Type.Optional(Text(200, { description: 'words the message holds, whatever their case' })),
            afterId: Type.Optional(Int({ description: 'only events recorded after this one' })),
            ...pageQuery(EVENT_SORTS),
          },
          { additionalProperties: false },
        ),
        response: listResponse(EventList),
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filter: EventListFilter = {
        ...(q.eventId ? { eventId: q.eventId } : {}),
        ...(q.level ? { level: q.level as EventLevel[] } : {}),
        ...(q.channel ? { channel: q.channel } : {}),
        ...(q.from ? { since: q.from } : {}),
        ...(q.to ? { until: q.to } : {}),
        ...(q.text ? { text: q.text } : {}),
        ...(q.afterId !== undefined ? { afterId: q.afterId } : {}),
      };
      if (q.format === 'csv') return sendCsv(reply, o.fileName, o.uc.eventsCsv(filter, { sort: q.sort, order: q.order }));
      return sendPage(reply, await o.uc.eventPage(filter, { sort: q.sort, order: q.order, cursor: q.cursor, limit: q.limit }), (events) => ({ events }));
    },
  );
}
