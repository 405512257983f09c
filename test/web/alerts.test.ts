/**
 * The alerts banner in Chromium, on the all-in-one in demo mode: advancing the demo clock past 106 days of the
 * session host's 120-day grace period raises the grace alert — the banner shows it (English, then French) with a
 * link to the page that fixes it, the event is in the session host's event log, and the gauge is 1.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startAllInOne, type AllInOneServer } from '../../src/compose/servers';
import { ARTIFACTS, browserSuite, buildConsole, configFor, openSignedIn, requireChromium, silentIo } from './harness';

const ADMIN_TOKEN = 'console-alerts-admin-token-0123456789';
const HOST = 'RDSH-ALERTS';
const suite = browserSuite('alerts banner browser tests');

suite('the alerts banner', () => {
  let server: AllInOneServer;
  let data = '';
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  const pageErrors: string[] = [];
  const banner = () => page.getByTestId('alerts-banner');
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const shAlertsRead = () => page.waitForResponse((r) => r.url().endsWith('/sh/v1/alerts') && r.status() === 200);

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    mkdirSync(ARTIFACTS, { recursive: true });
    data = mkdtempSync(join(tmpdir(), 'opencal-console-alerts-'));
    server = await startAllInOne(configFor(ADMIN_TOKEN, { data, demo: true, hostName: HOST }), silentIo());
    ({ page, close } = await openSignedIn(server.url, ADMIN_TOKEN, pageErrors));
  }, 240_000);

  afterAll(async () => {
    await close?.();
    await server?.close();
    if (data) rmSync(data, { recursive: true, force: true });
  });

  it('no banner while nothing needs attention', async () => {
    const read = shAlertsRead();
    await page.getByRole('button', { name: 'Continue' }).click();
    const answer = (await (await read).json()) as { alerts: unknown[] };
    expect(answer.alerts).toEqual([]);
    expect(await banner().count()).toBe(0);
  });

  it('past 106 days of grace, the banner shows the grace alert with its link, the event is logged once, the gauge is 1', async () => {
    const advanced = await fetch(`${server.url}/demo/clock/advance`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ duration: '106d' }) });
    expect(advanced.status).toBe(200);

    // Moving to another page reads the alerts again.
    expect(await page.locator('main').getAttribute('data-page')).toBe('license-manager');
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Diagnoser', exact: true }).click();
    await banner().waitFor();
    const item = banner().locator('li[data-kind="grace-ending"]');
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.getAttribute('data-subject')).toBe(HOST);
    expect(await banner().locator('.alerts-count').textContent()).toBe('1 alert needs attention');
    expect(await item.textContent()).toContain(`The grace period of session host ${HOST} ends in 14 days`);
    const link = item.getByRole('link', { name: 'Configure the session host' });
    expect(await link.getAttribute('href')).toBe('#/session-host');
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.screenshot({ path: join(ARTIFACTS, 'alerts-banner-1366x900.png') });
    await page.setViewportSize({ width: 800, height: 1000 });
    await page.screenshot({ path: join(ARTIFACTS, 'alerts-banner-800x1000.png') });

    // The link leads to the page that fixes it; the banner stays.
    await link.click();
    await page.locator('main[data-page="session-host"]').waitFor();
    await expect.poll(() => banner().locator('li[data-kind="grace-ending"]').count()).toBe(1);

    const events = (await (await fetch(`${server.url}/sh/v1/events?eventId=9270`, { headers: admin })).json()) as { events: { data: Record<string, unknown>; message: string }[] };
    expect(events.events).toHaveLength(1);
    expect(events.events[0]!.data).toMatchObject({ kind: 'grace-ending', subject: HOST, daysLeft: 14 });
    expect(events.events[0]!.message).toContain(`Alert raised (grace-ending, ${HOST})`);

    const metrics = await (await fetch(`${server.url}/metrics`, { headers: admin })).text();
    expect(metrics).toContain(`opencal_alert_active{component="session-host",kind="grace-ending",subject="${HOST}"} 1\n`);
    expect(metrics).toContain(`opencal_grace_days_left{host="${HOST}"} 14\n`);
  });

  it('in French, the banner speaks French; its link keeps leading to the session host page', async () => {
    await page.getByTestId('console-lang').selectOption('fr');
    const item = banner().locator('li[data-kind="grace-ending"]');
    await expect.poll(() => item.textContent()).toContain(`La période de grâce de l’hôte de session ${HOST} se termine dans 14 jours`);
    expect(await banner().locator('.alerts-count').textContent()).toBe('1 alerte demande votre attention');
    expect(await item.getByRole('link', { name: 'Configurer l’hôte de session' }).getAttribute('href')).toBe('#/session-host');
    await page.screenshot({ path: join(ARTIFACTS, 'alerts-banner-fr-800x1000.png') });
    await page.getByTestId('console-lang').selectOption('en');
    expect(pageErrors).toEqual([]);
  });
});
