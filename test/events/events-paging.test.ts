/**
 * GET <prefix>/events over real HTTP, on SQLite and PostgreSQL (the license server's log; the clearinghouse's and
 * the session host's answer through the same route, tested in their lists' suites): pages that together hold
 * every matching event exactly once whatever the sort, the total on every page, filters by id(s), level, channel,
 * time and text, following a live log after an id, a CSV equal to the pages, and typed refusals that change nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EVENT_SORTS } from '../../src/core/list-specs';
import type { EventList, RecordedEvent } from '../../src/core/wire/common';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { describeEachDatabase } from '../helpers/databases';
import { expectInOrder, fetchCsv, refusalOf, walkPages } from '../helpers/paging';
import { serve, type Served } from '../helpers/serve';
import { START, startLicenseServer, type Harness } from '../license-server/harness';

const ADMIN = 'ls-admin-token-for-event-paging';
const ROWS = 640;
const IDS = [9100, 9101, 9105, 9110, 1130] as const;
const LEVELS = ['information', 'warning', 'error'] as const;

/** Events of five ids and three levels; five share each time, so the sort's ties are broken by id. */
function eventsOf(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    at: new Date(START.getTime() + Math.floor(i / 5) * 60_000).toISOString(),
    component: 'license-server',
    channel: i % 9 === 0 ? 'Test-Other' : 'TerminalServices-Licensing',
    event_id: IDS[i % IDS.length]!,
    level: LEVELS[i % 3]!,
    message: i % 13 === 0 ? `Device PC-${i} 100%_Sure was refused` : `Device pc-${i} was issued a CAL`,
    data: JSON.stringify({ i }),
  }));
}

describeEachDatabase('the event log, paged', (tdb) => {
  let h: Harness;
  let http: Served;
  let stored: RecordedEvent[];
  const path = (q: string) => `/ls/v1/events?${q}`;

  beforeAll(async () => {
    h = await startLicenseServer(await tdb.open(licenseServerMigrations), { adminToken: ADMIN });
    const rows = eventsOf(ROWS);
    for (let i = 0; i < rows.length; i += 200) await h.ls.context.db.insertInto('events').values(rows.slice(i, i + 200) as never).execute();
    http = await serve(h.ls.module);
    // what the database holds, every event of the log (some written by the server's own start)
    const all = await walkPages<RecordedEvent>(http.url, ADMIN, path('sort=at'), 'events', 1000);
    stored = all.rows;
  }, 120_000);

  afterAll(async () => {
    await http?.close();
    await h?.close();
  });

  const count = async () => Number((await h.ls.context.db.selectFrom('events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('the log holds every event the database holds', async () => {
    expect(stored.length).toBe(await count());
    expect(stored.length).toBeGreaterThanOrEqual(ROWS);
  });

  it.each(EVENT_SORTS)('sorted by %s, the pages hold every event once, in order, each saying the total', async (sort) => {
    const { rows, totals, pages } = await walkPages<RecordedEvent>(http.url, ADMIN, path(`sort=${sort}`), 'events', 97);
    expect(new Set(totals)).toEqual(new Set([stored.length]));
    expect(pages).toBe(Math.ceil(stored.length / 97));
    expect(new Set(rows.map((r) => r.id)).size).toBe(stored.length);
    const key = sort.replace(/^-/, '') as 'at' | 'eventId' | 'level';
    expectInOrder(rows, (r) => r[key], sort.startsWith('-'), sort);
  });

  it('order=desc turns a sort around, and the log is newest first when no sort is named', async () => {
    const named = await walkPages<RecordedEvent>(http.url, ADMIN, path('sort=at&order=desc'), 'events', 200);
    const plain = await walkPages<RecordedEvent>(http.url, ADMIN, path(''), 'events', 200);
    expect(plain.rows.map((r) => r.id)).toEqual(named.rows.map((r) => r.id));
    expectInOrder(plain.rows, (r) => r.at, true, 'newest first');
  });

  it('filters by several ids, a level, a channel, a time range and words of the message narrow the list and its total', async () => {
    const from = new Date(START.getTime() + 10 * 60_000).toISOString();
    const to = new Date(START.getTime() + 90 * 60_000).toISOString();
    const q = `eventId=9101&eventId=1130&level=warning&level=error&channel=TerminalServices-Licensing&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const { rows, totals } = await walkPages<RecordedEvent>(http.url, ADMIN, path(q), 'events', 7);
    const expected = stored.filter((e) => [9101, 1130].includes(e.eventId) && e.level !== 'information' && e.channel === 'TerminalServices-Licensing' && e.at >= from && e.at < to);
    expect(expected.length).toBeGreaterThan(10);
    expect(totals[0]).toBe(expected.length);
    expect(rows.map((r) => r.id).sort((a, b) => a - b)).toEqual(expected.map((e) => e.id).sort((a, b) => a - b));
  });

  it('the text filter finds words whatever their case, and a % or _ typed is a character, not a wildcard', async () => {
    const pc = await walkPages<RecordedEvent>(http.url, ADMIN, path('text=PC-26'), 'events', 50);
    expect(pc.rows.map((e) => e.message).sort()).toEqual(stored.filter((e) => e.message.toLowerCase().includes('pc-26')).map((e) => e.message).sort());
    expect(pc.rows.length).toBeGreaterThan(1);
    const percent = await walkPages<RecordedEvent>(http.url, ADMIN, path(`text=${encodeURIComponent('100%_sure')}`), 'events', 1000);
    expect(percent.totals[0]).toBe(stored.filter((e) => e.message.includes('100%_Sure')).length);
    const wild = await walkPages<RecordedEvent>(http.url, ADMIN, path(`text=${encodeURIComponent('pc-%1')}`), 'events', 1000);
    expect(wild.rows).toEqual([]);
  });

  it('after an id, a live view reads only the newer events, oldest first', async () => {
    const after = stored[stored.length - 30]!.id;
    const r = await walkPages<RecordedEvent>(http.url, ADMIN, path(`afterId=${after}`), 'events', 1000);
    expect(r.rows.map((e) => e.id)).toEqual(stored.filter((e) => e.id > after).map((e) => e.id).sort((a, b) => a - b));
  });

  it('the CSV holds every event of the filtered list, in the order of the pages', async () => {
    const csv = await fetchCsv(http.url, ADMIN, path('level=error&sort=-eventId&format=csv'));
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    expect(csv.header.slice(0, 6)).toEqual(['id', 'at', 'component', 'channel', 'eventId', 'level']);
    const pages = await walkPages<RecordedEvent>(http.url, ADMIN, path('level=error&sort=-eventId'), 'events', 33);
    expect(csv.lines.map((l) => Number(l[0]))).toEqual(pages.rows.map((e) => e.id));
    expect(pages.rows.length).toBe(stored.filter((e) => e.level === 'error').length);
  });

  it('a page without a limit holds 50 events and says that more follow: never cut silently', async () => {
    const r = await fetch(`${http.url}${path('')}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const body = (await r.json()) as EventList;
    expect(body.events.length).toBe(50);
    expect(body).toMatchObject({ total: stored.length, limit: 50, sort: '-at', nextCursor: expect.any(String) });
  });

  it('a limit above 1000, a cursor of another sort or edited, an unknown sort: a typed 400 that changes nothing', async () => {
    const before = await count();
    const first = (await (await fetch(`${http.url}${path('sort=level&limit=5')}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as EventList;
    const cursor = first.nextCursor!;
    expect(await refusalOf(http.url, ADMIN, path('limit=1001'))).toEqual({ status: 400, code: 'INVALID_REQUEST' });
    expect(await refusalOf(http.url, ADMIN, path('limit=0'))).toEqual({ status: 400, code: 'INVALID_REQUEST' });
    expect(await refusalOf(http.url, ADMIN, path(`sort=at&cursor=${cursor}`))).toEqual({ status: 400, code: 'CURSOR_INVALID' });
    expect(await refusalOf(http.url, ADMIN, path(`sort=level&cursor=${cursor.slice(0, -2)}zz`))).toEqual({ status: 400, code: 'CURSOR_INVALID' });
    expect(await refusalOf(http.url, ADMIN, path('sort=message'))).toEqual({ status: 400, code: 'INVALID_REQUEST' });
    expect(await count()).toBe(before);
  });
});
