/**
 * Screenshots of every page of the console, on a real all-in-one with its demo data (`--demo`) and a few devices
 * connected, at a laptop's 1366×900 and a narrow 800×1000, saved as test-artifacts/console/screen-<size>-<page>.png
 * for a person to look at. Each page must fit its width: nothing wider than the window (a table too wide scrolls
 * inside its card, not the whole page).
 *
 * Pages are one list: a page added to the console is added to PAGES_TO_SHOOT.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { callJson } from '../../src/http/client';
import { startAllInOne, type AllInOneServer } from '../../src/compose/servers';
import { ARTIFACTS, browserSuite, buildConsole, configFor, launchBrowser, must, requireChromium, silentIo } from './harness';

const ADMIN_TOKEN = 'screenshots-admin-token-0123456789';

/** Every page of the console, by its hash route ('sign-in' is the sign-in page). */
export const PAGES_TO_SHOOT = ['sign-in', 'dashboard', 'portal', 'license-manager', 'agent-desk', 'clearinghouse', 'session-host', 'events', 'diagnoser'] as const;

const SIZES = [
  { width: 1366, height: 900 },
  { width: 800, height: 1000 },
] as const;

const suite = browserSuite('console screenshots');

suite('screenshots of every console page at 1366×900 and 800×1000, on the demo data', () => {
  let server: AllInOneServer;
  let origin: string;
  let page: Page;
  let close: () => Promise<void>;
  const dirs: string[] = [];
  const pageErrors: string[] = [];
  let signedIn = false;

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    mkdirSync(ARTIFACTS, { recursive: true });
    const data = mkdtempSync(join(tmpdir(), 'opencal-screens-'));
    dirs.push(data);
    server = await startAllInOne(configFor(ADMIN_TOKEN, { data, demo: true }), silentIo());
    origin = server.url;
    // A few devices connect twice (a temporary, then a permanent CAL), so that the lists are not empty.
    for (const device of ['PC-01', 'PC-02', 'LAPTOP-07']) {
      for (let i = 0; i < 2; i++) {
        await must(`connect ${device}`, callJson(origin, 'POST', '/sh/v1/connect', { token: ADMIN_TOKEN, body: { device, hwid: `HWID-${device}`, cals: [] } }));
      }
    }
    const browser = await launchBrowser();
    page = browser.page;
    close = browser.close;
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  afterAll(async () => {
    await close?.();
    await server?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const signIn = async () => {
    await page.goto(`${origin}/#/sign-in`);
    for (const token of [ADMIN_TOKEN, server.demo!.orgToken, server.demo!.agentToken]) {
      await page.getByLabel('API token').fill(token);
      const before = await page.locator('td.grants').count();
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.locator('td.grants').count()).toBe(before + 1);
    }
  };

  /** the page has its data: no card still loading, and the diagnoser has its plan */
  const settled = async (path: string) => {
    if (path !== 'sign-in') await expect.poll(() => page.locator('h2.page-title').count()).toBe(1);
    if (path === 'diagnoser') await expect.poll(() => page.getByTestId('diagnosis-summary').count()).toBe(1);
    // the dashboard's page and charts load when it opens: wait for its charts, then for each to be drawn
    if (path === 'dashboard') await expect.poll(() => page.locator('figure.chart').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-state="loading"]').count()).toBe(0);
    await page.waitForLoadState('networkidle');
  };

  for (const size of SIZES) {
    it(`every page at ${size.width}×${size.height} fits the window's width, and is saved`, async () => {
      await page.setViewportSize(size);
      // the tokens are kept in the tab: signed in once, for both sizes
      if (!signedIn) await signIn();
      signedIn = true;
      const tooWide: string[] = [];
      for (const path of PAGES_TO_SHOOT) {
        await page.goto(`${origin}/#/${path}`);
        await settled(path);
        const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        if (scroll > inner) tooWide.push(`${path}: ${scroll} px wide in a ${inner} px window`);
        await page.screenshot({ path: join(ARTIFACTS, `screen-${size.width}x${size.height}-${path}.png`), fullPage: true });
      }
      expect(tooWide).toEqual([]);
      expect(pageErrors).toEqual([]);
    });
  }
});
