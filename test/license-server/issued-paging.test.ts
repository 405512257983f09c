/**
 * GET /ls/v1/issued over real HTTP, on SQLite and PostgreSQL: pages that together hold every matching license
 * exactly once whatever the sort, the count of all that match, filters, a cursor refused when it was not made for
 * the sort, and a CSV export of the whole filtered list equal to the pages.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callJson } from '../../src/http/client';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { ISSUED_SORTS } from '../../src/core/issued-list';
import type { IssuedList, IssuedView } from '../../src/core/wire/license-server';
import { describeEachDatabase } from '../helpers/databases';
import { serve, type Served } from '../helpers/serve';
import { START, startLicenseServer, type Harness } from './harness';

const ADMIN = 'ls-admin-token-for-paging-tests';
const ROWS = 1234;
const DAY = 86_400_000;

/** ROWS issued licenses of three kinds, two packs, several statuses, with some ties on the sort columns. */
function rowsOf(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const kind = i % 5 === 0 ? 'user' : i % 2 === 0 ? 'permanent' : 'temporary';
    return {
      id: `lic-${String(i).padStart(6, '0')}`,
      kind,
      cal_type: kind === 'user' ? 'user' : 'device',
      cal_version: 2019,
      key_pack_id: null,
      pack: kind === 'temporary' ? null : 1 + (i % 2),
      grant_seq: null,
      device: `PC-${String(i % 400).padStart(4, '0')}`,
      hwid: `hw-${i}`,
      user_name: kind === 'user' ? `user${String(i).padStart(5, '0')}` : null,
      host: 'RDSH-01',
      // ties: ten licenses share each issue time
      issued_at: new Date(START.getTime() + Math.floor(i / 10) * 60_000).toISOString(),
      expires_at: new Date(START.getTime() + (10 + (i % 80)) * DAY).toISOString(),
      validated: 0,
      status: i % 7 === 0 ? 'revoked' : i % 11 === 0 ? 'expired' : 'active',
      revoked_at: null,
      over_allocated: 0,
    };
  });
}

describeEachDatabase('issued licenses, paged', (tdb) => {
  let h: Harness;
  let http: Served;
  const get = <T>(path: string) => callJson<T>(http.url, 'GET', `/ls/v1${path}`, { token: ADMIN });

  beforeAll(async () => {
    h = await startLicenseServer(await tdb.open(licenseServerMigrations), { adminToken: ADMIN });
    const rows = rowsOf(ROWS);
    for (let i = 0; i < rows.length; i += 200) await h.ls.context.db.insertInto('ls_issued_licenses').values(rows.slice(i, i + 200) as never).execute();
    http = await serve(h.ls.module);
  }, 120_000);

  afterAll(async () => {
    await http?.close();
    await h?.close();
  });

  /** Every page of a query, following nextCursor. */
  async function allPages(query: string, limit: number): Promise<{ rows: IssuedView[]; totals: number[]; pages: number }> {
    const rows: IssuedView[] = [];
    const totals: number[] = [];
    let pages = 0;
    let cursor: string | undefined;
    do {
      const r = await get<IssuedList>(`/issued?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.issued.length).toBeLessThanOrEqual(limit);
      rows.push(...r.value.issued);
      totals.push(r.value.total);
      cursor = r.value.nextCursor;
      pages++;
    } while (cursor);
    return { rows, totals, pages };
  }

  it.each(ISSUED_SORTS)('sorted by %s, the pages hold every license once, in order, and say how many there are', async (sort) => {
    const { rows, totals, pages } = await allPages(`status=all&sort=${sort}`, 100);
    expect(new Set(totals)).toEqual(new Set([ROWS]));
    expect(pages).toBe(Math.ceil(ROWS / 100));
    expect(new Set(rows.map((r) => r.id)).size).toBe(ROWS);
    const key = sort.replace(/^-/, '') as keyof IssuedView;
    const value = (r: IssuedView) => (key === 'pack' ? (r.pack ?? -1) : key === 'user' ? (r.user ?? '') : String(r[key]));
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = sort.startsWith('-') ? [value(rows[i]!), value(rows[i - 1]!)] : [value(rows[i - 1]!), value(rows[i]!)];
      expect(a <= b, `row ${i} out of order for ${sort}`).toBe(true);
    }
  });

  it('filters narrow the list and the total counts what they match', async () => {
    const before = new Date(START.getTime() + 20 * DAY).toISOString();
    const { rows, totals } = await allPages(`status=active&pack=2&expiresBefore=${encodeURIComponent(before)}&sort=-expiresAt`, 7);
    const expected = rowsOf(ROWS).filter((r) => r.status === 'active' && r.pack === 2 && r.expires_at < before);
    expect(expected.length).toBeGreaterThan(5);
    expect(totals[0]).toBe(expected.length);
    expect(rows.map((r) => r.id).sort()).toEqual(expected.map((r) => r.id).sort());
  });

  it('without a limit a JSON page holds 1000 rows and says that more follow: never cut silently', async () => {
    const r = await get<IssuedList>('/issued?status=all');
    expect(r.ok && r.value.issued.length).toBe(1000);
    expect(r.ok && r.value).toMatchObject({ total: ROWS, limit: 1000, sort: 'issuedAt', nextCursor: expect.any(String) });
  });

  it('a cursor made for another sort, or edited, is refused with CURSOR_INVALID', async () => {
    const first = await get<IssuedList>('/issued?status=all&limit=10&sort=device');
    const cursor = first.ok ? first.value.nextCursor! : '';
    const other = await get<IssuedList>(`/issued?status=all&limit=10&sort=user&cursor=${cursor}`);
    expect(!other.ok && other.error.code).toBe('CURSOR_INVALID');
    const raw = await fetch(`${http.url}/ls/v1/issued?status=all&limit=10&sort=user&cursor=${cursor}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(raw.status).toBe(400);
    const edited = await get<IssuedList>(`/issued?status=all&limit=10&sort=device&cursor=${cursor.slice(0, -3)}x`);
    expect(!edited.ok && edited.error.code).toBe('CURSOR_INVALID');
    const tooMany = await get<IssuedList>('/issued?limit=10001');
    expect(!tooMany.ok && tooMany.error.code).toBe('INVALID_REQUEST');
  });

  it('the CSV export holds every license of the filtered list, in the order of the sort', async () => {
    const response = await fetch(`${http.url}/ls/v1/issued?status=active&type=permanent&sort=device&format=csv`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    const lines = (await response.text()).trimEnd().split('\n');
    const { rows } = await allPages('status=active&type=permanent&sort=device', 50);
    expect(lines[0]!.split(',')[0]).toBe('id');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(rows.map((r) => r.id));
  });
});
