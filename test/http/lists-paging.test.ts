/**
 * The paged lists besides issued licenses and events, over real HTTP on SQLite and PostgreSQL: cases
 * (clearinghouse), session hosts (license server) and admissions (session host). For each: pages that together
 * hold every matching row exactly once with each sort, the total on every page, filters, a CSV equal to the pages,
 * and a bad limit, cursor or sort refused with a typed 400 that changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock';
import { ADMISSION_SORTS, CASE_SORTS, HOST_SORTS } from '../../src/core/list-specs';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { createSessionHost, type SessionHost } from '../../src/session-host/module';
import type { Database } from '../../src/storage/database';
import { describeEachDatabase } from '../helpers/databases';
import { expectInOrder, fetchCsv, refusalOf, walkPages } from '../helpers/paging';
import { serve, type Served } from '../helpers/serve';
import { startClearinghouse, type Harness as ChHarness } from '../clearinghouse/fixtures';
import { START, startLicenseServer, type Harness as LsHarness } from '../license-server/harness';
import { makeAuthority } from '../session-host/signed-documents';

const MINUTE = 60_000;
const at = (i: number, per = 4) => new Date(START.getTime() + Math.floor(i / per) * MINUTE).toISOString();

/** The checks every list passes, given how to read a row's sort value and ID. */
function pagedListChecks<Row>(o: {
  base: () => string;
  token: string;
  path: string;
  key: string;
  sorts: readonly string[];
  value: (row: Row, key: string) => string | number;
  id: (row: Row) => string | number;
  all: () => number;
  count: () => Promise<number>;
}) {
  it.each(o.sorts)('sorted by %s, the pages hold every row once, in order, each saying the total', async (sort) => {
    const { rows, totals } = await walkPages<Row>(o.base(), o.token, `${o.path}?sort=${sort}`, o.key, 23);
    expect(new Set(totals)).toEqual(new Set([o.all()]));
    expect(new Set(rows.map(o.id)).size).toBe(o.all());
    expectInOrder(rows, (r) => o.value(r, sort.replace(/^-/, '')), sort.startsWith('-'), sort);
  });

  it('the CSV holds every row of the list in the order of the pages', async () => {
    const sort = o.sorts[o.sorts.length - 1]!;
    const csv = await fetchCsv(o.base(), o.token, `${o.path}?sort=${sort}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    const { rows } = await walkPages<Row>(o.base(), o.token, `${o.path}?sort=${sort}`, o.key, 100);
    expect(csv.lines.map((l) => l[0])).toEqual(rows.map((r) => String(o.id(r))));
  });

  it('a page without a limit holds 50 rows at most and says when more follow: never cut silently', async () => {
    const r = await fetch(`${o.base()}${o.path}`, { headers: { authorization: `Bearer ${o.token}` } });
    const body = (await r.json()) as Record<string, unknown> & { total: number; limit: number; nextCursor?: string };
    expect((body[o.key] as unknown[]).length).toBe(Math.min(50, o.all()));
    expect(body.total).toBe(o.all());
    expect(body.limit).toBe(50);
    expect(body.nextCursor !== undefined).toBe(o.all() > 50);
  });

  it('a limit above 1000, a cursor of another sort or edited, an unknown sort: a typed 400 that changes nothing', async () => {
    const before = await o.count();
    const first = (await (await fetch(`${o.base()}${o.path}?sort=${o.sorts[0]}&limit=3`, { headers: { authorization: `Bearer ${o.token}` } })).json()) as { nextCursor?: string };
    const cursor = first.nextCursor!;
    expect(await refusalOf(o.base(), o.token, `${o.path}?limit=1001`)).toEqual({ status: 400, code: 'INVALID_REQUEST' });
    expect(await refusalOf(o.base(), o.token, `${o.path}?sort=${o.sorts[2]}&cursor=${cursor}`)).toEqual({ status: 400, code: 'CURSOR_INVALID' });
    expect(await refusalOf(o.base(), o.token, `${o.path}?sort=${o.sorts[0]}&cursor=x${cursor.slice(1, -1)}`)).toEqual({ status: 400, code: 'CURSOR_INVALID' });
    expect(await refusalOf(o.base(), o.token, `${o.path}?sort=nothing`)).toEqual({ status: 400, code: 'INVALID_REQUEST' });
    expect(await o.count()).toBe(before);
  });
}

const countOf = async (db: { selectFrom(t: never): any }, table: string) =>
  Number((await (db.selectFrom(table as never) as any).select((eb: any) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describeEachDatabase('lists that scale', (tdb) => {
  describe('cases of the clearinghouse', () => {
    const CASES = 180;
    let h: ChHarness;
    let http: Served;
    let chDb: Database;
    beforeAll(async () => {
      chDb = await tdb.open(clearinghouseMigrations);
      h = await startClearinghouse(chDb, { adminToken: 'ch-admin-token-for-list-paging' });
      const rows = Array.from({ length: CASES }, (_, i) => ({
        kind: (['migration', 'reissue', 'clone', 'phantom'] as const)[i % 4],
        status: (['pending', 'approved', 'rejected', 'submitted'] as const)[i % 3],
        flagged: 0,
        channel: 'web',
        request_key: `rk-${i}`,
        pack_number: null,
        source_server_id: i % 5 === 0 ? 'LS-SOURCE' : null,
        target_server_id: `LS-${i % 7}`,
        org_id: i % 2 === 0 ? 'org-a' : 'org-b',
        reason: null,
        evidence: '{}',
        decision_reasons: '[]',
        created_at: at(i),
      }));
      await chDb.db.insertInto('ch_cases' as never).values(rows as never).execute();
      http = await serve(h.ch.module);
    }, 120_000);
    afterAll(async () => {
      await http?.close();
      await h?.app.close();
      await h?.ch.close();
    });
    pagedListChecks<{ caseNumber: string; createdAt: string; status: string; kind: string }>({
      base: () => http.url,
      token: 'ch-admin-token-for-list-paging',
      path: '/ch/v1/cases',
      key: 'cases',
      sorts: CASE_SORTS,
      value: (c, k) => (k === 'number' ? Number(c.caseNumber.replace(/\D/g, '')) : (c as unknown as Record<string, string>)[k]!),
      id: (c) => c.caseNumber,
      all: () => CASES,
      count: () => countOf(chDb.db as never, 'ch_cases'),
    });
    it('filters by status, organization, server and time narrow the list and its total', async () => {
      const to = at(120);
      const { rows, totals } = await walkPages<{ status: string; orgId: string; targetServerId: string; sourceServerId: string | null; createdAt: string }>(
        http.url, 'ch-admin-token-for-list-paging', `/ch/v1/cases?status=pending&organization=org-a&server=LS-SOURCE&to=${encodeURIComponent(to)}`, 'cases', 5,
      );
      const expected = Array.from({ length: CASES }, (_, i) => i).filter((i) => i % 3 === 0 && i % 2 === 0 && i % 5 === 0 && at(i) < to);
      expect(expected.length).toBeGreaterThan(2);
      expect(totals[0]).toBe(expected.length);
      expect(rows.every((c) => c.status === 'pending' && c.orgId === 'org-a' && c.sourceServerId === 'LS-SOURCE')).toBe(true);
    });

    it("an organization's token lists its own cases and servers only, whatever organization it names, in pages and in CSV", async () => {
      const made = await fetch(`${http.url}/ch/v1/orgs`, {
        method: 'POST',
        headers: { authorization: 'Bearer ch-admin-token-for-list-paging', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Tenant C' }),
      });
      const { orgId, token } = (await made.json()) as { orgId: string; token: string };
      const own = [0, 1, 2].map((i) => ({
        kind: 'migration', status: 'pending', flagged: 0, channel: 'web', request_key: `rk-own-${i}`, pack_number: null, source_server_id: null,
        target_server_id: 'LS-C', org_id: orgId, reason: null, evidence: '{}', decision_reasons: '[]', created_at: at(i),
      }));
      await chDb.db.insertInto('ch_cases' as never).values(own as never).execute();
      for (const path of ['/ch/v1/cases', '/ch/v1/cases?organization=org-a', `/ch/v1/cases?organization=org-a&server=LS-SOURCE`]) {
        const { rows, totals } = await walkPages<{ orgId: string }>(http.url, token, path, 'cases', 2);
        expect(totals[0], path).toBe(path.includes('server=') ? 0 : 3);
        expect(rows.every((c) => c.orgId === orgId), path).toBe(true);
      }
      const csv = await fetchCsv(http.url, token, '/ch/v1/cases?organization=org-b&format=csv');
      expect(csv.lines.length).toBe(3);
      expect(csv.lines.map((l) => l[csv.header.indexOf('orgId')])).toEqual([orgId, orgId, orgId]);
      const servers = await walkPages<{ orgId: string }>(http.url, token, '/ch/v1/servers?organization=org-a', 'servers', 5);
      expect(servers.totals[0]).toBe(0);
    });
  });

  describe('session hosts of a license server', () => {
    const HOSTS = 130;
    const ADMIN = 'ls-admin-token-for-list-paging';
    let h: LsHarness;
    let http: Served;
    beforeAll(async () => {
      h = await startLicenseServer(await tdb.open(licenseServerMigrations), { adminToken: ADMIN });
      const rows = Array.from({ length: HOSTS }, (_, i) => ({ name: `RDSH-${String(i).padStart(3, '0')}`, enrolled_at: at(HOSTS - i, 3), token_id: null, last_seen_at: null }));
      await h.ls.context.db.insertInto('ls_hosts').values(rows as never).execute();
      http = await serve(h.ls.module);
    }, 120_000);
    afterAll(async () => {
      await http?.close();
      await h?.close();
    });
    pagedListChecks<{ name: string; enrolledAt: string }>({
      base: () => http.url,
      token: ADMIN,
      path: '/ls/v1/hosts',
      key: 'hosts',
      sorts: [...HOST_SORTS, '-name'],
      value: (r, k) => (r as unknown as Record<string, string>)[k]!,
      id: (r) => r.name,
      all: () => HOSTS,
      count: () => countOf(h.ls.context.db as never, 'ls_hosts'),
    });
    it('the name filter finds words of the name whatever their case', async () => {
      const { rows, totals } = await walkPages<{ name: string }>(http.url, ADMIN, '/ls/v1/hosts?name=rdsh-01', 'hosts', 4);
      expect(rows.map((r) => r.name)).toEqual(Array.from({ length: 10 }, (_, i) => `RDSH-01${i}`));
      expect(totals[0]).toBe(10);
    });
  });

  describe('admissions of a session host', () => {
    const ROWS = 210;
    const ADMIN = 'sh-admin-token-for-list-paging';
    let host: SessionHost;
    let http: Served;
    beforeAll(async () => {
      host = await createSessionHost({
        database: await tdb.open(),
        clock: new ManualClock(START),
        hostName: 'RDSH-01',
        hostVersion: 2019,
        directory: 'domain',
        adminToken: ADMIN,
        refreshIntervalMs: 0,
        configFile: { policy: { mode: 'per-device' } },
        trustAnchor: makeAuthority().anchor,
      });
      const rows = Array.from({ length: ROWS }, (_, i) => ({
        at: at(i),
        device: `PC-${String(i % 30).padStart(2, '0')}`,
        hwid: `hw-${i % 30}`,
        user_name: i % 4 === 0 ? null : `user${i % 9}`,
        admitted: i % 5 === 0 ? 0 : 1,
        basis: i % 5 === 0 ? null : i % 3 === 0 ? 'grace' : 'issued',
        code: i % 5 === 0 ? 'NO_LICENSE_SERVER' : null,
      }));
      await (host.context.database.db as any).insertInto('sh_admissions').values(rows).execute();
      http = await serve(host.module);
    }, 120_000);
    afterAll(async () => {
      await http?.close();
      await host?.close();
    });
    pagedListChecks<{ id: number; at: string; device: string; user?: string }>({
      base: () => http.url,
      token: ADMIN,
      path: '/sh/v1/admissions',
      key: 'admissions',
      sorts: ADMISSION_SORTS,
      value: (r, k) => (k === 'user' ? (r.user ?? '') : (r as unknown as Record<string, string>)[k]!),
      id: (r) => r.id,
      all: () => ROWS,
      count: () => countOf(host.context.database.db as never, 'sh_admissions'),
    });
    it('the outcome filter tells CAL admissions, grace admissions and refusals apart; device and user narrow it', async () => {
      const read = (q: string) => walkPages<{ admitted: boolean; basis?: string; device: string; user?: string }>(http.url, ADMIN, `/sh/v1/admissions?${q}`, 'admissions', 40);
      const grace = await read('outcome=grace');
      const cal = await read('outcome=cal');
      const refused = await read('outcome=refused');
      expect(grace.rows.every((a) => a.admitted && a.basis === 'grace')).toBe(true);
      expect(cal.rows.every((a) => a.admitted && a.basis !== 'grace')).toBe(true);
      expect(refused.rows.every((a) => !a.admitted)).toBe(true);
      expect(grace.totals[0]! + cal.totals[0]! + refused.totals[0]!).toBe(ROWS);
      const one = await read('device=PC-07&user=user7');
      expect(one.rows.length).toBeGreaterThan(0);
      expect(one.rows.every((a) => a.device === 'PC-07' && a.user === 'user7')).toBe(true);
    });
  });
});
