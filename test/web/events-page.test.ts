/**
 * The events page in Chromium, on a real all-in-one: the license server's log filtered by id and level, an event
 * selected and read whole in the detail pane, Follow live showing an event caused after the page opened (on top,
 * once), and the whole page used with the keyboard only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startAllInOne, type AllInOneServer } from '../../src/compose/servers';
import { callJson } from '../../src/http/client';
import { browserSuite, buildConsole, configFor, openSignedIn, requireChromium, silentIo } from './harness';

const ADMIN_TOKEN = 'console-events-page-admin-token-0123456';
const suite = browserSuite('events page browser tests');

suite('the events page, like Event Viewer', () => {
  let server: AllInOneServer;
  let data = '';
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  const pageErrors: string[] = [];
  const rows = () => page.locator('#events-log tbody tr');
  const rowIds = () => rows().evaluateAll((trs) => trs.map((tr) => tr.querySelector('td.mono')?.textContent ?? ''));
  const ls = <T>(method: string, path: string, body?: unknown) => callJson<T>(server.url, method, `/ls/v1${path}`, { token: ADMIN_TOKEN, ...(body !== undefined ? { body } : {}) });

  /** A license server event caused now: a join token made, then withdrawn (event 9143 names its host). */
  async function causeEvent(host: string): Promise<void> {
    expect((await ls('POST', '/hosts', { name: host })).ok).toBe(true);
    const tokens = await ls<{ tokens: { id: string; kind: string; subject?: string }[] }>('GET', '/tokens');
    const join = tokens.ok ? tokens.value.tokens.find((x) => x.kind === 'join' && x.subject === host) : undefined;
    expect(join).toBeDefined();
    expect((await ls('DELETE', `/tokens/${encodeURIComponent(join!.id)}`)).ok).toBe(true);
  }

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    data = mkdtempSync(join(tmpdir(), 'opencal-console-events-'));
    server = await startAllInOne(configFor(ADMIN_TOKEN, { data }), silentIo());
    for (const h of ['RDSH-A', 'RDSH-B', 'RDSH-C']) await causeEvent(h);
    ({ page, close } = await openSignedIn(server.url, ADMIN_TOKEN, pageErrors));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Events', exact: true }).click();
    await rows().first().waitFor();
  }, 240_000);

  afterAll(async () => {
    await close?.();
    await server?.close();
    if (data) rmSync(data, { recursive: true, force: true });
  });

  it('shows the license server log newest first with rows a–b of the total the API counts', async () => {
    const api = await ls<{ total: number; events: { eventId: number }[] }>('GET', '/events?limit=50');
    expect(api.ok).toBe(true);
    if (!api.ok) return;
    const shown = Math.min(50, api.value.total);
    await expect.poll(() => page.getByTestId('pager').textContent()).toBe(`Rows 1–${shown} of ${api.value.total}`);
    expect((await rowIds()).map(Number)).toEqual(api.value.events.map((e) => e.eventId));
  });

  it('filters by event id and level, and the detail pane shows the selected event whole', async () => {
    await page.getByLabel('Event IDs (comma-separated)').fill('9143');
    await page.getByLabel('Level', { exact: true }).selectOption('information');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByTestId('pager').textContent()).toBe('Rows 1–3 of 3');
    expect(await rowIds()).toEqual(['9143', '9143', '9143']);
    await rows().first().click();
    const detail = page.getByTestId('event-detail');
    await expect.poll(() => detail.textContent()).toContain('RDSH-C');
    expect(await detail.locator('pre').textContent()).toContain('"subject": "RDSH-C"');
  });

  it('Follow live shows an event caused after the page opened, on top and once', async () => {
    await page.getByLabel('Follow live').check();
    await causeEvent('RDSH-LIVE');
    await expect.poll(() => page.getByTestId('pager').textContent(), { timeout: 15_000 }).toBe('Rows 1–4 of 4');
    await rows().first().click();
    await expect.poll(() => page.getByTestId('event-detail').textContent()).toContain('RDSH-LIVE');
    // a second poll shows it still once
    await page.waitForTimeout(2500);
    expect(await rowIds()).toEqual(['9143', '9143', '9143', '9143']);
    await page.getByLabel('Follow live').uncheck();
  });

  it('is used with the keyboard only: filters, apply, a row selected with Enter', async () => {
    await page.getByRole('button', { name: 'Clear filters' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('pager').textContent()).toMatch(/^Rows 1–\d+ of \d+$/);
    await page.getByLabel('Event IDs (comma-separated)').focus();
    await page.keyboard.type('9143');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('pager').textContent()).toBe('Rows 1–4 of 4');
    // Tab to the first row of the log and open it with Enter.
    let focusedRow = false;
    for (let i = 0; i < 40 && !focusedRow; i++) {
      await page.keyboard.press('Tab');
      focusedRow = await page.evaluate(() => document.activeElement?.tagName === 'TR');
    }
    expect(focusedRow).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('event-detail').textContent()).toContain('RDSH-LIVE');
    expect(pageErrors).toEqual([]);
  });
});
