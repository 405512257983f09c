/**
 * The list cards in Chromium, on a real all-in-one holding more license servers, session hosts, cases and admissions
 * than a page: the portal's license servers, the license manager's session hosts, the agent desk's cases and review
 * queue and the session host's admissions page on the server, with "Rows a–b of M" equal to the API's total, the next page showing the API's next rows, and a
 * filter narrowing the rows to the API's answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { allInOneLayout, startAllInOne, type AllInOneServer } from '../../src/compose/servers';
import { callJson } from '../../src/http/client';
import { licenseDatabaseUrl } from '../../src/license-server/module';
import { openDatabase } from '../../src/storage/database';
import { ARTIFACTS, browserSuite, buildConsole, configFor, launchBrowser, requireChromium, silentIo } from './harness';

const ADMIN_TOKEN = 'console-list-cards-admin-token-012345';
const CASES = 65;
const ADMISSIONS = 70;
const SERVERS = 55;
const HOSTS = 56;
const START = Date.parse('2027-02-01T08:00:00.000Z');

const suite = browserSuite('list cards browser tests');

/** 55 license servers of an organization (every fourth deactivated), 56 session hosts, 65 cases (every third pending) and 70 admissions (on a CAL, in the grace period, or refused). */
async function fill(data: string, orgId: string): Promise<void> {
  const layout = allInOneLayout(data);
  const ch = await openDatabase(`sqlite:${layout.clearinghouseDb}`);
  try {
    const servers = Array.from({ length: SERVERS }, (_, i) => {
      const at = new Date(START + i * 60_000).toISOString();
      return {
        server_id: `LS-${String(i).padStart(3, '0')}`,
        id_prefix: String(1_000_000 + i),
        public_key: `key-${i}`,
        org_id: orgId,
        status: i % 4 === 0 ? 'deactivated' : 'activated',
        method: 'web',
        server_version: 2019,
        activation_serial: i + 1,
        activated_at: at,
        certificate: 'a.b.c',
        certificate_expires_at: new Date(START + 400 * 86_400_000).toISOString(),
        status_changed_at: at,
        created_at: at,
        confirmed_at: at,
      };
    });
    await ch.db.insertInto('ch_servers' as never).values(servers as never).execute();
    const rows = Array.from({ length: CASES }, (_, i) => ({
      kind: i % 2 === 0 ? 'migration' : 'reissue',
      status: i % 3 === 0 ? 'pending' : i % 3 === 1 ? 'approved' : 'rejected',
      channel: 'web',
      request_key: `list-cards-${i}`,
      target_server_id: `TARGET-${String(i).padStart(3, '0')}`,
      evidence: '{}',
      decision_reasons: '[]',
      decision_note: i % 3 === 0 ? null : `decided ${i}`,
      created_at: new Date(START + i * 60_000).toISOString(),
    }));
    await ch.db.insertInto('ch_cases' as never).values(rows as never).execute();
  } finally {
    await ch.close();
  }
  const ls = await openDatabase(licenseDatabaseUrl(layout.licenseServerDir));
  try {
    const hosts = Array.from({ length: HOSTS }, (_, i) => ({ name: `RDSH-${String(i).padStart(3, '0')}`, enrolled_at: new Date(START + i * 60_000).toISOString() }));
    await ls.db.insertInto('ls_hosts' as never).values(hosts as never).execute();
  } finally {
    await ls.close();
  }
  const sh = await openDatabase(`sqlite:${layout.sessionHostDb}`);
  try {
    const rows = Array.from({ length: ADMISSIONS }, (_, i) => {
      const outcome = i % 4;
      return {
        at: new Date(START + i * 60_000).toISOString(),
        device: `PC-${String(i).padStart(3, '0')}`,
        hwid: `hw-${i}`,
        user_name: i % 5 === 0 ? `user${i % 2}` : null,
        admitted: outcome === 3 ? 0 : 1,
        basis: outcome === 0 ? 'issued' : outcome === 1 ? 'presented' : outcome === 2 ? 'grace' : null,
        code: outcome === 3 ? 'NO_LICENSE_SERVER' : null,
        message: outcome === 3 ? 'no license server answered' : null,
        cal_kind: outcome < 2 ? 'permanent' : null,
        cal_version: outcome < 2 ? 2019 : null,
      };
    });
    await sh.db.insertInto('sh_admissions' as never).values(rows as never).execute();
  } finally {
    await sh.close();
  }
}

suite('the cases and admissions cards page on the server', () => {
  let server: AllInOneServer;
  let data = '';
  let orgToken = '';
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  const pageErrors: string[] = [];
  const get = async <T>(path: string, token = ADMIN_TOKEN): Promise<T> => {
    const r = await callJson<T>(server.url, 'GET', path, { token });
    expect(r.ok).toBe(true);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  const pager = (card: Locator) => card.getByTestId('pager').textContent();
  const rowIds = (card: Locator) => card.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row-id') ?? ''));
  const open = async (name: string) => page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name, exact: true }).click();

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    data = mkdtempSync(join(tmpdir(), 'opencal-console-list-cards-'));
    // Started once so that its databases exist, then filled while it runs (SQLite in WAL mode).
    server = await startAllInOne(configFor(ADMIN_TOKEN, { data }), silentIo());
    const org = await callJson<{ orgId: string; token: string }>(server.url, 'POST', '/ch/v1/orgs', { token: ADMIN_TOKEN, body: { name: 'Contoso Lists' } });
    if (!org.ok) throw new Error(org.error.message);
    orgToken = org.value.token;
    await fill(data, org.value.orgId);
    const b = await launchBrowser();
    page = b.page;
    close = b.close;
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    const agent = await callJson<{ token: string }>(server.url, 'POST', '/ch/v1/agents', { token: ADMIN_TOKEN, body: { name: 'Agent Lists' } });
    if (!agent.ok) throw new Error(agent.error.message);
    await page.goto(`${server.url}/`);
    for (const [token, label] of [
      [ADMIN_TOKEN, 'Admin'],
      [agent.value.token, 'Agent'],
      [orgToken, 'Contoso'],
    ] as const) {
      await page.getByLabel('API token').fill(token);
      await page.getByLabel('Label (optional)').fill(label);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('td', { hasText: label }).first().waitFor();
    }
    await page.getByRole('button', { name: 'Continue' }).click();
  }, 240_000);

  afterAll(async () => {
    await close?.();
    await server?.close();
    if (data) rmSync(data, { recursive: true, force: true });
  });

  it('the agent desk pages all cases by the API total, and a status filter shows what the API answers', async () => {
    await open('Agent desk');
    const card = page.locator('#all-cases');
    const first = await get<{ total: number; cases: { caseNumber: string }[]; nextCursor?: string }>('/ch/v1/cases?limit=50');
    expect(first.total).toBeGreaterThan(50);
    await expect.poll(() => pager(card)).toBe(`Rows 1–50 of ${first.total}`);
    expect(await rowIds(card)).toEqual(first.cases.map((c) => c.caseNumber));

    const second = await get<{ total: number; cases: { caseNumber: string }[] }>(`/ch/v1/cases?limit=50&cursor=${encodeURIComponent(first.nextCursor!)}`);
    await card.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => pager(card)).toBe(`Rows 51–${first.total} of ${first.total}`);
    expect(await rowIds(card)).toEqual(second.cases.map((c) => c.caseNumber));

    const rejected = await get<{ total: number; cases: { caseNumber: string; status: string }[] }>('/ch/v1/cases?limit=50&status=rejected');
    expect(rejected.total).toBeGreaterThan(0);
    expect(rejected.total).toBeLessThan(first.total);
    await card.getByLabel('Filter by status').selectOption('rejected');
    await expect.poll(() => pager(card)).toBe(`Rows 1–${rejected.total} of ${rejected.total}`);
    expect(await rowIds(card)).toEqual(rejected.cases.map((c) => c.caseNumber));
    await card.screenshot({ path: join(ARTIFACTS, 'list-cards-cases.png') });
  });

  it('the review queue pages the pending cases, each with its decision form below', async () => {
    const queue = page.locator('#review-queue');
    const pending = await get<{ total: number; cases: { caseNumber: string }[]; nextCursor?: string }>('/ch/v1/cases?status=pending&limit=10');
    expect(pending.total).toBeGreaterThan(10);
    await expect.poll(() => pager(queue)).toBe(`Rows 1–10 of ${pending.total}`);
    const forms = () => queue.locator('article.case').evaluateAll((as) => as.map((a) => a.getAttribute('data-case') ?? ''));
    expect(await forms()).toEqual(pending.cases.map((c) => c.caseNumber));
    const next = await get<{ cases: { caseNumber: string }[] }>(`/ch/v1/cases?status=pending&limit=10&cursor=${encodeURIComponent(pending.nextCursor!)}`);
    await queue.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(forms).toEqual(next.cases.map((c) => c.caseNumber));
    expect(await queue.locator(`article.case[data-case="${next.cases[0]!.caseNumber}"]`).getByLabel('Reason for the decision').count()).toBe(1);
  });

  it('the session host pages its admissions by the API total; filters by outcome, device and user narrow them as the API does', async () => {
    await open('Session host');
    const card = page.locator('#admissions');
    const first = await get<{ total: number; admissions: { id: number }[]; nextCursor?: string }>('/sh/v1/admissions?limit=50');
    expect(first.total).toBe(ADMISSIONS);
    await expect.poll(() => pager(card)).toBe(`Rows 1–50 of ${ADMISSIONS}`);
    expect(await rowIds(card)).toEqual(first.admissions.map((a) => String(a.id)));

    const second = await get<{ admissions: { id: number }[] }>(`/sh/v1/admissions?limit=50&cursor=${encodeURIComponent(first.nextCursor!)}`);
    await card.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => pager(card)).toBe(`Rows 51–${ADMISSIONS} of ${ADMISSIONS}`);
    expect(await rowIds(card)).toEqual(second.admissions.map((a) => String(a.id)));

    // grace admissions: every row says it was admitted without a CAL
    const grace = await get<{ total: number; admissions: { id: number }[] }>('/sh/v1/admissions?limit=50&outcome=grace');
    expect(grace.total).toBeGreaterThan(0);
    await card.getByLabel('Filter by outcome').selectOption('grace');
    await expect.poll(() => pager(card)).toBe(`Rows 1–${grace.total} of ${grace.total}`);
    expect(await rowIds(card)).toEqual(grace.admissions.map((a) => String(a.id)));
    expect(await card.locator('tbody tr [data-basis="grace"]').allTextContents()).toEqual(grace.admissions.map(() => 'admitted without CAL'));

    await card.getByLabel('Filter by outcome').selectOption('');
    const device = await get<{ total: number; admissions: { id: number; device: string }[] }>('/sh/v1/admissions?limit=50&device=PC-007');
    expect(device.total).toBeGreaterThan(0);
    expect(device.total).toBeLessThan(ADMISSIONS);
    await card.getByLabel('Filter by device').fill('PC-007');
    await expect.poll(() => pager(card)).toBe(`Rows 1–${device.total} of ${device.total}`);
    expect(await rowIds(card)).toEqual(device.admissions.map((a) => String(a.id)));

    await card.getByLabel('Filter by device').fill('');
    const user = await get<{ total: number; admissions: { id: number }[] }>('/sh/v1/admissions?limit=50&user=user1');
    expect(user.total).toBeGreaterThan(0);
    expect(user.total).toBeLessThan(ADMISSIONS);
    await card.getByLabel('Filter by user').fill('user1');
    await expect.poll(() => pager(card)).toBe(`Rows 1–${user.total} of ${user.total}`);
    expect(await rowIds(card)).toEqual(user.admissions.map((a) => String(a.id)));
    await card.screenshot({ path: join(ARTIFACTS, 'list-cards-admissions.png') });
    expect(pageErrors).toEqual([]);
  });

  it('the portal pages its license servers by the API total, and a status filter shows what the API answers', async () => {
    await open('Portal');
    const card = page.locator('#servers');
    const first = await get<{ total: number; servers: { serverId: string }[]; nextCursor?: string }>('/ch/v1/servers?limit=50', orgToken);
    expect(first.total).toBe(SERVERS);
    await expect.poll(() => pager(card)).toBe(`Rows 1–50 of ${SERVERS}`);
    expect(await rowIds(card)).toEqual(first.servers.map((x) => x.serverId));
    const second = await get<{ servers: { serverId: string }[] }>(`/ch/v1/servers?limit=50&cursor=${encodeURIComponent(first.nextCursor!)}`, orgToken);
    await card.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => pager(card)).toBe(`Rows 51–${SERVERS} of ${SERVERS}`);
    expect(await rowIds(card)).toEqual(second.servers.map((x) => x.serverId));

    const deactivated = await get<{ total: number; servers: { serverId: string }[] }>('/ch/v1/servers?limit=50&status=deactivated', orgToken);
    expect(deactivated.total).toBeGreaterThan(0);
    expect(deactivated.total).toBeLessThan(SERVERS);
    await card.getByLabel('Filter by status').selectOption('deactivated');
    await expect.poll(() => pager(card)).toBe(`Rows 1–${deactivated.total} of ${deactivated.total}`);
    expect(await rowIds(card)).toEqual(deactivated.servers.map((x) => x.serverId));
    expect(pageErrors).toEqual([]);
  });

  it('the license manager pages its session hosts by the API total, and a name filter shows what the API answers', async () => {
    await open('License manager');
    const card = page.locator('#hosts');
    const first = await get<{ total: number; hosts: { name: string }[]; nextCursor?: string }>('/ls/v1/hosts?limit=50');
    expect(first.total).toBe(HOSTS);
    await expect.poll(() => pager(card)).toBe(`Rows 1–50 of ${HOSTS}`);
    expect(await rowIds(card)).toEqual(first.hosts.map((h) => h.name));
    const second = await get<{ hosts: { name: string }[] }>(`/ls/v1/hosts?limit=50&cursor=${encodeURIComponent(first.nextCursor!)}`);
    await card.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => pager(card)).toBe(`Rows 51–${HOSTS} of ${HOSTS}`);
    expect(await rowIds(card)).toEqual(second.hosts.map((h) => h.name));

    const named = await get<{ total: number; hosts: { name: string }[] }>('/ls/v1/hosts?limit=50&name=rdsh-01');
    expect(named.total).toBe(10);
    await card.getByLabel('Filter by name').fill('rdsh-01');
    await expect.poll(() => pager(card)).toBe(`Rows 1–10 of 10`);
    expect(await rowIds(card)).toEqual(named.hosts.map((h) => h.name));
    expect(pageErrors).toEqual([]);
  });
});
