/**
 * GET /ls/v1/stats/issuance over real HTTP, on SQLite and PostgreSQL: CALs issued by real CAL requests and CAL
 * requests refused (no CAL for the device, a host outside the allow-list) counted per hour (24 h) and per day (30 d);
 * what falls before the window is left out, the buckets add up to the issued licenses the list shows in the window,
 * and a range the route does not know is a typed 400.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callJson } from '../../src/http/client';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import type { IssuedList } from '../../src/core/wire/license-server';
import type { IssuanceStats } from '../../src/core/wire/license-server-stats';
import type { RecordedEvent } from '../../src/events/event-log';
import { describeEachDatabase } from '../helpers/databases';
import { serve, type Served } from '../helpers/serve';
import { activatedWithPack, connectTwice, device, START, startLicenseServer, withSignedDocuments, type Harness } from './harness';

const ADMIN = 'ls-admin-token-for-stats-tests';
const at = (days: number, hour: number) => new Date(Date.UTC(START.getUTCFullYear(), START.getUTCMonth(), START.getUTCDate() + days, hour));

describeEachDatabase('issuance and refusals over time', (tdb) => {
  let h: Harness;
  let http: Served;
  const get = <T>(path: string) => callJson<T>(http.url, 'GET', `/ls/v1${path}`, { token: ADMIN });
  const request = (d: { device: string; hwid: string }, host = 'h') => h.ls.useCases.requestCal(host, { ...d, mode: 'per-device', hostVersion: 2019 });

  beforeAll(async () => {
    h = await startLicenseServer(await tdb.open(licenseServerMigrations), { adminToken: ADMIN });
    // Day 0: activated without a pack; device 3 gets a temporary CAL and logs on (validated).
    await activatedWithPack(h, []);
    await withSignedDocuments(h, []);
    expect((await connectTwice(h.ls, 'h', device(3))).ok).toBe(true);
    // Day 45: a 1-CAL pack; device 1 takes its seat (temporary, then permanent).
    h.clock.set(at(45, 10));
    const pack = { packNumber: 7001, count: 1 };
    const installed = await h.ls.useCases.installByKeyPackId({ keyPackId: h.ch.keyPackId(h.ls, pack), method: 'phone' });
    expect(installed.ok).toBe(true);
    await withSignedDocuments(h, [pack]);
    const first = await connectTwice(h.ls, 'h', device(1));
    expect(first.ok && first.value.kind).toBe('permanent');
    // Day 91, 07:00: device 6 gets a temporary CAL (in the 30 days, before the 24 hours).
    h.clock.set(at(91, 7));
    expect((await request(device(6))).ok).toBe(true);
    // Day 91, 10:00: device 3's temporary CAL has expired after its logon and no seat is free: refused (event 21);
    // then a host outside the allow-list is refused (event 4141).
    h.clock.set(at(91, 10));
    const refused = await request(device(3));
    expect(!refused.ok && refused.error.code).toBe('NO_CAL_AVAILABLE');
    await h.ls.useCases.setAllowList({ enabled: true, hosts: ['h'] });
    const intruder = await request(device(9), 'intruder');
    expect(!intruder.ok && intruder.error.code).toBe('HOST_NOT_ALLOWED');
    // Day 91, 12:00 and day 92, 08:00: devices 4 and 5 get a temporary CAL each (device 4 logs on and keeps it).
    h.clock.set(at(91, 12));
    const fourth = await connectTwice(h.ls, 'h', device(4));
    expect(fourth.ok && fourth.value.kind).toBe('temporary');
    h.clock.set(at(92, 8));
    expect((await request(device(5))).ok).toBe(true);
    h.clock.set(new Date(at(92, 8).getTime() + 30 * 60_000));
    http = await serve(h.ls.module);
  }, 120_000);

  afterAll(async () => {
    await http?.close();
    await h?.close();
  });

  async function stats(range: string): Promise<IssuanceStats> {
    const r = await get<IssuanceStats>(`/stats/issuance?range=${range}`);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  }

  it('per hour over 24 hours: the two temporary CALs and the two refusals of the last day, each in its hour', async () => {
    const s = await stats('24h');
    expect(s).toMatchObject({ range: '24h', unit: 'hour', from: at(91, 9).toISOString(), to: at(92, 9).toISOString() });
    expect(s.buckets).toHaveLength(24);
    expect(s.totals).toEqual({ temporary: 2, permanent: 0, user: 0, refused: 2 });
    const bucket = (d: Date) => s.buckets.find((b) => b.start === d.toISOString());
    expect(bucket(at(91, 10))).toMatchObject({ refused: 2, temporary: 0 });
    expect(bucket(at(91, 12))).toMatchObject({ refused: 0, temporary: 1 });
    expect(bucket(at(92, 8))).toMatchObject({ refused: 0, temporary: 1 });
    expect(s.buckets.filter((b) => b.temporary + b.permanent + b.user + b.refused > 0)).toHaveLength(3);
  });

  it('per day over 30 days: device 6 of the early morning is in, the permanent CAL of day 45 is not', async () => {
    const s = await stats('30d');
    expect(s).toMatchObject({ range: '30d', unit: 'day', from: at(63, 0).toISOString(), to: at(93, 0).toISOString() });
    expect(s.buckets).toHaveLength(30);
    expect(s.totals).toEqual({ temporary: 3, permanent: 0, user: 0, refused: 2 });
    expect(s.buckets.find((b) => b.start === at(91, 0).toISOString())).toMatchObject({ temporary: 2, refused: 2 });
    expect(s.buckets.find((b) => b.start === at(92, 0).toISOString())).toMatchObject({ temporary: 1, refused: 0 });
  });

  it.each(['24h', '30d'])('over %s the buckets add up to the issued licenses the list shows in the window, per kind', async (range) => {
    const s = await stats(range);
    const list = await get<IssuedList>('/issued?status=all&limit=1000');
    if (!list.ok) throw new Error(list.error.message);
    expect(list.value.total).toBe(list.value.issued.length);
    const inWindow = list.value.issued.filter((l) => l.issuedAt >= s.from && l.issuedAt < s.to);
    for (const kind of ['temporary', 'permanent', 'user'] as const) {
      expect(s.buckets.reduce((n, b) => n + b[kind], 0)).toBe(inWindow.filter((l) => l.kind === kind).length);
    }
    // and everything issued lies in some bucket, or before the window
    expect(list.value.issued.filter((l) => l.issuedAt < s.from).length + inWindow.length).toBe(list.value.total);
  });

  it('the refusals counted are the refusal events of the log: event 21 with no CAL, and 4141', async () => {
    const events = await get<{ events: RecordedEvent[] }>('/events?limit=1000');
    if (!events.ok) throw new Error(events.error.message);
    const from = (await stats('24h')).from;
    const refusals = events.value.events.filter((e) => e.at >= from && (e.eventId === 4141 || (e.eventId === 21 && e.data['outcome'] === 'no CAL')));
    expect(refusals.map((e) => e.eventId).sort()).toEqual([21, 4141]);
    // event 21 is also written when the device got a temporary CAL instead: that one is an issuance, not a refusal
    expect(events.value.events.some((e) => e.eventId === 21 && e.data['outcome'] === 'a temporary CAL')).toBe(true);
  });

  it('a range the route does not know is refused with INVALID_REQUEST (400); no token is 401', async () => {
    const bad = await fetch(`${http.url}/ls/v1/stats/issuance?range=7d`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_REQUEST');
    const anonymous = await fetch(`${http.url}/ls/v1/stats/issuance?range=24h`);
    expect(anonymous.status).toBe(401);
    const byDefault = await get<IssuanceStats>('/stats/issuance');
    expect(byDefault.ok && byDefault.value.range).toBe('24h');
  });
});
