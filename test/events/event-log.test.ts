import type { Kysely } from 'kysely';
import { beforeEach, expect, it } from 'vitest';
import { EVENTS } from '../../src/core/events';
import { queryEvents, recordEvent } from '../../src/events/event-log';
import type { Database } from '../../src/storage/database';
import { describeEachDatabase } from '../helpers/databases';

const at = (minute: number) => new Date(Date.UTC(2025, 2, 1, 10, minute));

describeEachDatabase('event log', (tdb) => {
  let database: Database;
  let db: Kysely<any>;

  beforeEach(async () => {
    database = await tdb.open();
    db = database.db;
  });

  it('records an event with the catalog channel, level and rendered message, and reads it back', async () => {
    const recorded = await recordEvent(db, {
      component: 'license-server',
      eventId: 4141,
      data: { host: 'RDSH-07' },
      at: at(0),
    });
    const [event] = await queryEvents(db);
    expect(event).toEqual(recorded);
    expect(event).toMatchObject({
      component: 'license-server',
      channel: 'TerminalServices-Licensing',
      eventId: 4141,
      level: 'error',
      at: '2025-03-01T10:00:00.000Z',
      data: { host: 'RDSH-07' },
    });
    expect(event!.message).toContain('RDSH-07');
    expect(typeof event!.id).toBe('number');
  });

  it('keeps a given message and level', async () => {
    await recordEvent(db, { component: 'session-host', eventId: 1068, at: at(0), message: 'custom', level: 'error' });
    const [event] = await queryEvents(db);
    expect(event).toMatchObject({ message: 'custom', level: 'error', channel: 'TerminalServices-RemoteConnectionManager' });
  });

  it('refuses an event id that is not in the catalog', async () => {
    await expect(recordEvent(db, { component: 'diagnoser', eventId: 123456, at: at(0) })).rejects.toThrow(/not in the event catalog/);
  });

  it('an event recorded in a transaction that fails is not kept', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await recordEvent(trx, { component: 'license-server', eventId: EVENTS.LICENSE_SERVER_ACTIVATED!, data: { serverId: 'X', method: 'auto' }, at: at(0) });
        throw new Error('activation failed after the event');
      }),
    ).rejects.toThrow();
    expect(await queryEvents(db)).toEqual([]);
    await db.transaction().execute(async (trx) => {
      await recordEvent(trx, { component: 'license-server', eventId: 4, data: { serverId: 'X', method: 'auto' }, at: at(1) });
    });
    expect(await queryEvents(db)).toHaveLength(1);
  });

  it('filters by component, channel, id, level and time, newest first', async () => {
    await recordEvent(db, { component: 'license-server', eventId: 4, at: at(0), data: { serverId: 'A', method: 'auto' } });
    await recordEvent(db, { component: 'license-server', eventId: 18, at: at(1), data: { serverId: 'A' } });
    await recordEvent(db, { component: 'session-host', eventId: 1068, at: at(2), data: { graceDaysLeft: 119 } });
    await recordEvent(db, { component: 'session-host', eventId: 1069, at: at(3) });
    await recordEvent(db, { component: 'license-server', eventId: 4141, at: at(4), data: { host: 'H' } });

    expect((await queryEvents(db)).map((e) => e.eventId)).toEqual([4141, 1069, 1068, 18, 4]);
    expect((await queryEvents(db, { component: 'session-host' })).map((e) => e.eventId)).toEqual([1069, 1068]);
    expect((await queryEvents(db, { channel: 'TerminalServices-Licensing' })).map((e) => e.eventId)).toEqual([4141, 18, 4]);
    expect((await queryEvents(db, { eventId: 18 })).map((e) => e.eventId)).toEqual([18]);
    expect((await queryEvents(db, { eventId: [4, 4141] })).map((e) => e.eventId)).toEqual([4141, 4]);
    expect((await queryEvents(db, { level: 'error' })).map((e) => e.eventId)).toEqual([4141, 1069]);
    expect((await queryEvents(db, { level: ['warning'] })).map((e) => e.eventId)).toEqual([1068, 18]);
    expect((await queryEvents(db, { since: at(1), until: at(3) })).map((e) => e.eventId)).toEqual([1068, 18]);
    expect((await queryEvents(db, { since: '2025-03-01T10:03:00Z' })).map((e) => e.eventId)).toEqual([4141, 1069]);
    expect((await queryEvents(db, { limit: 2 })).map((e) => e.eventId)).toEqual([4141, 1069]);
    expect((await queryEvents(db, { order: 'oldest', limit: 2 })).map((e) => e.eventId)).toEqual([4, 18]);
    expect(await queryEvents(db, { eventId: [] })).toEqual([]);
  });

  it('follows the log: events after a known id come oldest first', async () => {
    const first = await recordEvent(db, { component: 'session-host', eventId: 1068, at: at(0) });
    expect(await queryEvents(db, { afterId: first.id })).toEqual([]);
    await recordEvent(db, { component: 'session-host', eventId: 50282, at: at(1) });
    await recordEvent(db, { component: 'session-host', eventId: 1069, at: at(2) });
    const next = await queryEvents(db, { afterId: first.id });
    expect(next.map((e) => e.eventId)).toEqual([50282, 1069]);
    expect(await queryEvents(db, { afterId: next[1]!.id })).toEqual([]);
  });
});
