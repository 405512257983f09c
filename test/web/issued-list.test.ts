/**
 * The issued licenses table in Chromium, on a license server holding 20,000 issued licenses: paged by the server
 * with "rows a–b of M" always visible, sorted and filtered, and the CSV of the filtered list equal to the API's.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { allInOneLayout, startAllInOne, type AllInOneServer } from '../../src/compose/servers';
import { licenseDatabaseUrl } from '../../src/license-server/module';
import { openDatabase } from '../../src/storage/database';
import { ARTIFACTS, browserSuite, buildConsole, configFor, openSignedIn, requireChromium, silentIo } from './harness';

const ADMIN_TOKEN = 'console-issued-list-admin-token-01234';
const ROWS = 20_000;
const DAY = 86_400_000;
const START = Date.parse('2027-01-05T08:00:00.000Z');

const suite = browserSuite('issued licenses list browser tests');

/** 20,000 issued licenses: devices PC-00000…, two packs, a few revoked; expiries spread over 90 days. */
async function fill(data: string): Promise<void> {
  const db = await openDatabase(licenseDatabaseUrl(allInOneLayout(data).licenseServerDir));
  try {
    for (let from = 0; from < ROWS; from += 1000) {
      const rows = Array.from({ length: Math.min(1000, ROWS - from) }, (_, k) => {
        const i = from + k;
        return {
          id: `lic-${String(i).padStart(6, '0')}`,
          kind: i % 3 === 0 ? 'temporary' : 'permanent',
          cal_type: 'device',
          cal_version: 2019,
          key_pack_id: null,
          pack: i % 3 === 0 ? null : 1 + (i % 2),
          grant_seq: null,
          device: `PC-${String(i).padStart(5, '0')}`,
          hwid: `hw-${i}`,
          user_name: null,
          host: 'RDSH-01',
          issued_at: new Date(START + i * 60_000).toISOString(),
          expires_at: new Date(START + (1 + (i % 90)) * DAY).toISOString(),
          validated: 0,
          status: i % 13 === 0 ? 'revoked' : 'active',
          revoked_at: null,
          over_allocated: 0,
        };
      });
      await db.db.insertInto('ls_issued_licenses' as never).values(rows as never).execute();
    }
  } finally {
    await db.close();
  }
}

suite('the issued licenses table pages through 20,000 licenses', () => {
  let server: AllInOneServer;
  let data = '';
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  const pageErrors: string[] = [];
  const card = () => page.locator('#issued');
  const count = () => page.getByTestId('issued-count');
  const devices = () => page.getByTestId('issued-table').locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-device')));

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    data = mkdtempSync(join(tmpdir(), 'opencal-console-issued-'));
    // Started once so that its license database exists, then filled while it runs (SQLite in WAL mode).
    server = await startAllInOne(configFor(ADMIN_TOKEN, { data }), silentIo());
    await fill(data);
    ({ page, close } = await openSignedIn(server.url, ADMIN_TOKEN, pageErrors));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'License manager', exact: true }).click();
    await count().waitFor();
  }, 240_000);

  afterAll(async () => {
    await close?.();
    await server?.close();
    if (data) rmSync(data, { recursive: true, force: true });
  });

  it('the first page shows 50 rows and how many there are; next and previous move by a page', async () => {
    const active = ROWS - Math.ceil(ROWS / 13);
    await expect.poll(() => count().getAttribute('data-total')).toBe(String(active));
    expect(await count().textContent()).toBe(`Rows 1–50 of ${active.toLocaleString('en-US')}`);
    await expect.poll(async () => (await devices()).length).toBe(50);
    const first = await devices();
    expect(first[0]).toBe('PC-00001');
    await card().getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => count().textContent()).toBe(`Rows 51–100 of ${active.toLocaleString('en-US')}`);
    const second = await devices();
    expect(second).toHaveLength(50);
    expect(second.filter((d) => first.includes(d))).toEqual([]);
    await card().getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => count().textContent()).toBe(`Rows 1–50 of ${active.toLocaleString('en-US')}`);
    expect(await devices()).toEqual(first);
    // The page never holds the whole list.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(height).toBeLessThan(8000);
    await page.screenshot({ path: join(ARTIFACTS, 'issued-paged.png'), fullPage: false });
  });

  it('a filter and a sort give the list the API gives, and its CSV is the API CSV of the same filter', async () => {
    await card().getByLabel('Pack number').fill('2');
    await card().getByLabel('Expiring before').fill('2027-01-20');
    await card().getByLabel('Sort by').selectOption('-device');
    await card().getByRole('button', { name: 'Filter' }).click();
    const query = `status=active&pack=2&expiresBefore=${encodeURIComponent('2027-01-20T00:00:00.000Z')}&sort=-device`;
    const api = (await (await fetch(`${server.url}/ls/v1/issued?${query}&limit=50`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
      issued: { device: string }[];
      total: number;
    };
    expect(api.total).toBeGreaterThan(100);
    await expect.poll(() => count().textContent()).toBe(`Rows 1–50 of ${api.total.toLocaleString('en-US')}`);
    expect(await devices()).toEqual(api.issued.map((r) => r.device));

    const download = page.waitForEvent('download');
    await card().getByRole('button', { name: `Download CSV (${api.total.toLocaleString('en-US')} rows)` }).click();
    const file = await (await download).path();
    const fromConsole = readFileSync(file, 'utf8');
    const fromApi = await (await fetch(`${server.url}/ls/v1/issued?${query}&format=csv`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    expect(fromConsole).toBe(fromApi);
    expect(fromConsole.trimEnd().split('\n')).toHaveLength(api.total + 1);
    expect(pageErrors).toEqual([]);
  });

  it('is usable with the keyboard: the pager buttons take the focus and Enter moves a page', async () => {
    await card().getByRole('button', { name: 'Next page' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => count().getAttribute('data-first')).toBe('51');
  });
});
