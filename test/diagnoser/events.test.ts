/**
 * The event viewer over the real components' `GET <prefix>/events` routes: query by component, event id,
 * level, channel and time range, and follow mode polling with `afterId`.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock';
import { followEvents, parseEventLevel, parseEventTime, queryEventsFrom, type EventSource } from '../../src/diagnoser/index';
import { describeEachDatabase } from '../helpers/databases';
import { CH_ADMIN, closedPort, Estate, LS_ADMIN, SH_ADMIN, type RunningLicenseServer, type RunningSessionHost } from './estate';

describeEachDatabase('event viewer over HTTP', (tdb) => {
  let estate: Estate;
  let ls: RunningLicenseServer;
  let sh: RunningSessionHost;
  let sources: EventSource[];

  beforeEach(async () => {
    estate = await new Estate(() => tdb.open()).start();
    ls = await estate.licenseServer({ activate: false });
    sh = await estate.sessionHost();
    sources = [
      { component: 'clearinghouse', url: estate.chHttp.url, token: CH_ADMIN },
      { component: 'license-server', url: ls.url, token: LS_ADMIN },
      { component: 'session-host', url: sh.url, token: SH_ADMIN },
    ];
  });
  afterEach(async () => {
    await estate.close();
  });

  it('merges the events of every component newest first, and filters by component, id, level and channel', async () => {
    estate.clock.advance(60_000);
    expect((await ls.ls.useCases.activate({ method: 'auto', orgToken: estate.orgToken, company: { firstName: 'J', lastName: 'M', company: 'C', country: 'FR' } })).ok).toBe(true);

    const all = await queryEventsFrom(sources);
    expect(all.problems).toEqual([]);
    expect(new Set(all.events.map((e) => e.component))).toEqual(new Set(['clearinghouse', 'license-server', 'session-host']));
    const times = all.events.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const activated = await queryEventsFrom(sources, { component: 'license-server', eventId: 4 });
    expect(activated.events).toHaveLength(1);
    expect(activated.events[0]).toMatchObject({ component: 'license-server', id: 4, level: 'information', channel: 'TerminalServices-Licensing', source: ls.url });
    expect(activated.events[0]!.message).toContain(ls.serverId);

    const notActivated = await queryEventsFrom(sources, { eventId: [18], level: 'warning' });
    expect(notActivated.events.map((e) => e.id)).toEqual([18]);
    expect((await queryEventsFrom(sources, { eventId: 18, level: 'error' })).events).toEqual([]);

    const rcm = await queryEventsFrom(sources, { channel: 'TerminalServices-RemoteConnectionManager' });
    expect(rcm.events.length).toBeGreaterThan(0);
    expect(rcm.events.every((e) => e.component === 'session-host')).toBe(true);
  });

  it('filters by time range and reports a source it cannot read', async () => {
    const before = estate.clock.now();
    estate.clock.advance(3_600_000);
    await ls.ls.useCases.activate({ method: 'auto', orgToken: estate.orgToken, company: { firstName: 'J', lastName: 'M', company: 'C', country: 'FR' } });
    const since = new Date(before.getTime() + 1_800_000);
    const recent = await queryEventsFrom(sources, { since });
    expect(recent.events.length).toBeGreaterThan(0);
    expect(recent.events.every((e) => Date.parse(e.at) >= since.getTime())).toBe(true);
    const older = await queryEventsFrom(sources, { until: since });
    expect(older.events.every((e) => Date.parse(e.at) < since.getTime())).toBe(true);
    expect(older.events.some((e) => e.id === 18)).toBe(true);

    const down = `http://127.0.0.1:${await closedPort()}`;
    const partial = await queryEventsFrom([...sources, { component: 'license-server', url: down, token: LS_ADMIN }]);
    expect(partial.problems).toMatchObject([{ component: 'license-server', url: down, code: 'UNREACHABLE' }]);
    expect(partial.events.length).toBeGreaterThan(0);
  });

  it('follow mode yields only the events recorded after it started, oldest first, and stops when aborted', async () => {
    const controller = new AbortController();
    const polls: number[][] = [];
    let round = 0;
    const sleep = async () => {
      round += 1;
      if (round === 1) {
        await ls.ls.useCases.activate({ method: 'auto', orgToken: estate.orgToken, company: { firstName: 'J', lastName: 'M', company: 'C', country: 'FR' } });
        await ls.ls.useCases.createJoinToken({ name: 'RDSH-01' });
      } else controller.abort();
    };
    for await (const batch of followEvents(sources, { component: 'license-server' }, { signal: controller.signal, sleep })) {
      polls.push(batch.map((e) => e.id));
    }
    // Event 18 (not activated) was there before following: it is not shown; 4 (activated) is.
    expect(polls).toHaveLength(1);
    expect(polls[0]).toContain(4);
    expect(polls[0]).not.toContain(18);
  });
});

it('parses --since and --level as typed', () => {
  const clock = new ManualClock(new Date('2025-03-01T10:00:00.000Z'));
  expect(parseEventTime('2h', clock)).toEqual({ ok: true, value: new Date('2025-03-01T08:00:00.000Z') });
  expect(parseEventTime('2025-02-01T00:00:00Z', clock)).toEqual({ ok: true, value: new Date('2025-02-01T00:00:00.000Z') });
  expect(parseEventTime('yesterday', clock)).toMatchObject({ ok: false, error: { code: 'EVENT_TIME_INVALID' } });
  expect(parseEventLevel('info')).toEqual({ ok: true, value: 'information' });
  expect(parseEventLevel('ERROR')).toEqual({ ok: true, value: 'error' });
  expect(parseEventLevel('fatal')).toMatchObject({ ok: false, error: { code: 'EVENT_LEVEL_INVALID' } });
});
