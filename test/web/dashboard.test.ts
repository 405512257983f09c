/**
 * The dashboard in Chromium, on the real all-in-one server with a real estate made through the API: an organization
 * with three packs (two installed here, one on an old license server that still checks in), a migration of that one
 * left pending, CALs issued to devices of an enrolled session host and requests of a host outside the allow-list
 * refused. Each chart is drawn (a canvas) and its text equivalent holds the estate's numbers, checked against the
 * API's answers and what the test issued; uPlot comes in its own chunk, fetched only by the dashboard, and the page
 * trips no Content-Security-Policy report. Screenshots at 1366×900 and 800×1000 go to test-artifacts/console/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { CalBundle } from '../../src/core/protocol';
import type { CaseList, PackList } from '../../src/core/wire/clearinghouse';
import type { LicenseServerStatus } from '../../src/core/wire/license-server';
import type { IssuanceStats } from '../../src/core/wire/license-server-stats';
import type { SessionHostStatus } from '../../src/core/wire/session-host';
import { callJson } from '../../src/http/client';
import { startAllInOne, startLicenseServerAlone, type AllInOneServer } from '../../src/compose/servers';
import { ARTIFACTS, browserSuite, buildConsole, configFor, launchBrowser, must, requireChromium, silentIo } from './harness';

const ADMIN_TOKEN = 'console-dashboard-admin-token-0123456';
const AGREEMENT = '7654321';
const company = { firstName: 'Alex', lastName: 'Martin', company: 'Contoso', country: 'FR' };

const suite = browserSuite('dashboard browser tests');

suite('the dashboard draws the estate and says its numbers', () => {
  let server: AllInOneServer;
  let old: Awaited<ReturnType<typeof startLicenseServerAlone>> | undefined;
  let origin = '';
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  let orgToken = '';
  const dirs: string[] = [];
  const requests: string[] = [];
  const problems: string[] = [];

  const call = <T>(url: string, method: string, path: string, token: string, body?: unknown) =>
    must(`${method} ${path}`, callJson<T>(url, method, path, { token, ...(body !== undefined ? { body } : {}) }));
  const ls = <T>(method: string, path: string, body?: unknown, token = ADMIN_TOKEN) => call<T>(origin, method, `/ls/v1${path}`, token, body);
  const figure = (id: string) => page.locator(`figure[data-chart="${id}"]`);
  /** The rows of a chart's text equivalent, cell texts as the screen reader gets them. */
  const numbers = (id: string) =>
    page.getByTestId(`${id}-numbers`).locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent ?? '')));
  const summary = (id: string) => page.getByTestId(`${id}-summary`).textContent();
  const drawn = async (id: string) => {
    await expect.poll(() => figure(id).getAttribute('data-state'), { timeout: 15_000 }).toBe('drawn');
    expect(await figure(id).locator('canvas').count()).toBeGreaterThan(0);
  };

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    mkdirSync(ARTIFACTS, { recursive: true });
    const data = mkdtempSync(join(tmpdir(), 'opencal-console-dashboard-'));
    dirs.push(data);
    server = await startAllInOne(configFor(ADMIN_TOKEN, { data }), silentIo());
    origin = server.url;

    const org = await call<{ orgId: string; token: string }>(origin, 'POST', '/ch/v1/orgs', ADMIN_TOKEN, { name: 'Contoso' });
    orgToken = org.token;
    const pack = (count: number) =>
      call<{ packNumber: number; packKey: string }>(origin, 'POST', '/ch/v1/packs', ADMIN_TOKEN, {
        orgId: org.orgId, calType: 'device', calVersion: 2019, program: 'select', count, agreementNumber: AGREEMENT,
      });
    const [packA, packB, packC] = [await pack(10), await pack(5), await pack(4)];

    // Pack C on an old license server that checked in and still runs: its migration here waits for an agent.
    const oldDir = mkdtempSync(join(tmpdir(), 'opencal-dashboard-old-'));
    dirs.push(oldDir);
    old = await startLicenseServerAlone(configFor(ADMIN_TOKEN, { data: oldDir, clearinghouseUrl: origin }), silentIo());
    await call(old.url, 'POST', '/ls/v1/activate', ADMIN_TOKEN, { method: 'auto', orgToken, company });
    await call(old.url, 'POST', '/ls/v1/key-packs', ADMIN_TOKEN, { packKey: packC.packKey, agreementNumber: AGREEMENT });
    await call(old.url, 'POST', '/ls/v1/check-in', ADMIN_TOKEN);
    const oldId = (await call<LicenseServerStatus>(old.url, 'GET', '/ls/v1/status', ADMIN_TOKEN)).serverId;

    // This license server: activated, packs A and B installed.
    await ls('POST', '/activate', { method: 'auto', orgToken, company });
    for (const p of [packA, packB]) await ls('POST', '/key-packs', { packKey: p.packKey, agreementNumber: AGREEMENT });
    const { migrationCode } = await ls<{ migrationCode: string }>('POST', '/migration-code', { reason: 'replaced', sourceId: oldId });
    const migrated = await call<{ case: { status: string } }>(origin, 'POST', '/ch/v1/portal/migrate', orgToken, {
      migrationCode, packKey: packC.packKey, program: 'select', calType: 'device', calVersion: 2019, agreementNumber: AGREEMENT,
    });
    expect(migrated.case.status).toBe('pending');

    // CALs: three devices get a temporary then a permanent CAL, a fourth a temporary one; then the allow-list keeps
    // out a second host, refused twice.
    const enrol = async (name: string) => {
      const { joinToken } = await ls<{ joinToken: string }>('POST', '/hosts', { name });
      return (await ls<{ token: string }>('POST', '/hosts/enroll', { joinToken, name })).token;
    };
    const host = await enrol('RDSH-DASH');
    const outsider = await enrol('RDSH-OUT');
    for (const device of ['PC-1', 'PC-2', 'PC-3', 'PC-4']) {
      const request = { device, hwid: `hw-${device}`, mode: 'per-device', hostVersion: 2019 };
      const temporary = await ls<{ bundle: CalBundle; kind: string }>('POST', '/cals', request, host);
      expect(temporary.kind).toBe('temporary');
      if (device === 'PC-4') continue;
      const { jti } = JSON.parse(Buffer.from(temporary.bundle.token.split('.')[1]!, 'base64url').toString()) as { jti: string };
      await ls('POST', '/cals/validate', { jti }, host);
      expect((await ls<{ kind: string }>('POST', '/cals', { ...request, presented: temporary.bundle }, host)).kind).toBe('permanent');
    }
    await ls('PUT', '/hosts/allow-list', { enabled: true, hosts: ['RDSH-DASH'] });
    for (const device of ['PC-8', 'PC-9']) {
      const refused = await callJson(origin, 'POST', '/ls/v1/cals', { token: outsider, body: { device, hwid: `hw-${device}`, mode: 'per-device', hostVersion: 2019 } });
      expect(!refused.ok && refused.error.code).toBe('HOST_NOT_ALLOWED');
    }

    const b = await launchBrowser();
    page = b.page;
    close = b.close;
    b.context.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => problems.push(String(e)));
    // The sign-in's probes answer 401 where a component does not know a token (a console error line, not a
    // problem); a script error or a blocked style or script is one.
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to (apply|load|execute)/i.test(m.text())) problems.push(m.text());
    });
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(`${origin}/`);
    for (const [token, label] of [[ADMIN_TOKEN, 'admin'], [orgToken, 'Contoso']] as const) {
      await page.getByLabel('API token').fill(token);
      await page.getByLabel('Label (optional)').fill(label);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('td', { hasText: label }).first().waitFor();
    }
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('h2.page-title').waitFor();
    // Before the dashboard, no page has fetched it or the charting library.
    expect(requests.filter((u) => /\/assets\/(chart-engine|dashboard)-/.test(u))).toEqual([]);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Dashboard', exact: true }).click();
    await page.locator('h2.page-title', { hasText: 'Dashboard' }).waitFor();
  }, 240_000);

  afterAll(async () => {
    await close?.();
    await old?.close();
    await server?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('CALs per key pack and version: the bars are drawn and the table holds installed, issued and available of each pack', async () => {
    await drawn('chart-key-packs');
    const status = await ls<LicenseServerStatus>('GET', '/status');
    const expected = status.keyPacks
      .filter((k) => k.status === 'active')
      .sort((a, b) => a.pack - b.pack)
      .map((k) => [`${k.pack} (per device)`, String(k.calVersion), String(k.total), String(k.issued), String(k.available)]);
    expect(expected).toHaveLength(2);
    expect(await numbers('chart-key-packs')).toEqual(expected);
    // 15 installed (10 + 5), the 3 permanent CALs issued
    expect(await summary('chart-key-packs')).toBe('15 CALs installed, 3 issued, 12 available.');
    expect(requests.filter((u) => /\/assets\/(chart-engine|dashboard)-[\w-]+\.js$/.test(u))).toHaveLength(2);
  });

  it('issuance and refusals: 24 hourly buckets as the API counts them, 4 temporary, 3 permanent, 2 refused; 30 days on the switch', async () => {
    await drawn('chart-issuance');
    const api = await ls<IssuanceStats>('GET', '/stats/issuance?range=24h');
    expect(api.totals).toEqual({ temporary: 4, permanent: 3, user: 0, refused: 2 });
    const rows = await numbers('chart-issuance');
    expect(rows).toEqual(api.buckets.map((b) => [`${b.start.slice(0, 10)} ${b.start.slice(11, 13)}:00`, ...[b.temporary, b.permanent, b.user, b.refused].map(String)]));
    expect(await summary('chart-issuance')).toBe('Last 24 hours (per hour, UTC): 4 temporary, 3 permanent and 0 per-user CALs issued; 2 CAL requests refused.');

    await page.locator('#dash-issuance').screenshot({ path: join(ARTIFACTS, 'dashboard-issuance-24h.png') });
    await page.getByLabel('Last 30 days (per day, UTC)', { exact: true }).check();
    await expect.poll(async () => (await numbers('chart-issuance')).length).toBe(30);
    await drawn('chart-issuance');
    const month = await ls<IssuanceStats>('GET', '/stats/issuance?range=30d');
    expect(await numbers('chart-issuance')).toEqual(month.buckets.map((b) => [b.start.slice(0, 10), ...[b.temporary, b.permanent, b.user, b.refused].map(String)]));
    const today = (await numbers('chart-issuance')).at(-1)!;
    expect(today.slice(1)).toEqual(['4', '3', '0', '2']);
  });

  it('expiries: the certificate of the activation is on the time line with its date', async () => {
    await drawn('chart-expiries');
    await page.locator('#dash-expiries').screenshot({ path: join(ARTIFACTS, 'dashboard-expiries.png') });
    const status = await ls<LicenseServerStatus>('GET', '/status');
    const rows = await numbers('chart-expiries');
    expect(rows.find((r) => r[0] === 'License server certificate')?.[1]).toBe(status.activation.expiresAt!.slice(0, 10));
    const grants = status.keyPacks.filter((k) => k.expiresAt || k.provisional).length;
    expect(rows).toHaveLength(1 + grants);
  });

  it('the grace countdown: days left of 120 and the end date, as the session host says', async () => {
    await drawn('chart-grace');
    const sh = await call<SessionHostStatus>(origin, 'GET', '/sh/v1/status', ADMIN_TOKEN);
    const end = sh.grace.endsAt.slice(0, 10);
    expect(await numbers('chart-grace')).toEqual([['Grace period', String(sh.grace.daysLeft), String(120 - sh.grace.daysLeft), end]]);
    expect(await summary('chart-grace')).toBe(`${sh.grace.daysLeft} days left of 120: the grace period ends on ${end}.`);
  });

  it('the clearinghouse: CALs per license server of the organization, and its one pending case', async () => {
    await drawn('chart-ch-packs');
    const packs = await call<PackList>(origin, 'GET', '/ch/v1/packs', orgToken);
    const per = new Map<string, { packs: number; cals: number }>();
    for (const p of packs.packs) {
      const e = per.get(p.serverId!) ?? { packs: 0, cals: 0 };
      per.set(p.serverId!, { packs: e.packs + 1, cals: e.cals + p.count });
    }
    expect([...per.values()].map((e) => e.cals).sort()).toEqual([15, 4].sort());
    const rows = await numbers('chart-ch-packs');
    expect(rows.sort()).toEqual([...per.entries()].map(([id, e]) => [id, String(e.packs), String(e.cals)]).sort());
    expect(await summary('chart-ch-packs')).toBe('Packs: 3, with 19 CALs. Installed on a license server: 19 CALs (license servers holding packs: 2). Not installed: 0 CALs.');

    await drawn('chart-cases');
    const cases = await call<CaseList>(origin, 'GET', '/ch/v1/cases', orgToken);
    expect(cases.cases.map((c) => c.status)).toEqual(['pending']);
    expect(await numbers('chart-cases')).toEqual([['submitted', '0'], ['pending', '1'], ['approved', '0'], ['rejected', '0']]);
    expect(await summary('chart-cases')).toBe('Cases: 1 (0 submitted, 1 pending, 0 approved, 0 rejected).');
  });

  it('the numbers can be shown to everyone, the page speaks French on the switch, and nothing broke the CSP', async () => {
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-1366x900.png'), fullPage: true });
    const table = page.getByTestId('chart-key-packs-numbers');
    expect(await table.evaluate((el) => el.getBoundingClientRect().width)).toBeLessThanOrEqual(1);
    await figure('chart-key-packs').getByRole('button', { name: 'Show the numbers' }).click();
    expect(await table.evaluate((el) => el.getBoundingClientRect().width)).toBeGreaterThan(100);
    await page.getByTestId('console-lang').selectOption('fr');
    await expect.poll(() => summary('chart-key-packs')).toBe('15 CALs installées, 3 délivrées, 12 disponibles.');
    await drawn('chart-grace');
    await page.setViewportSize({ width: 800, height: 1000 });
    await page.waitForTimeout(200); // the charts follow their card's width (ResizeObserver)
    const widths = await page.locator('figure.chart canvas').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right));
    expect(Math.max(...widths)).toBeLessThanOrEqual(800);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-800x1000-fr.png'), fullPage: true });
    await page.getByTestId('console-lang').selectOption('en');
    await page.setViewportSize({ width: 1366, height: 900 });
    // By keyboard: the period is a radio group (arrow keys), the numbers open with Enter.
    await page.getByLabel('Last 30 days (per day, UTC)', { exact: true }).focus();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => (await numbers('chart-issuance')).length).toBe(24);
    expect(await page.getByLabel('Last 24 hours (per hour, UTC)', { exact: true }).isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => [document.activeElement?.textContent, document.activeElement?.getAttribute('aria-controls')])).toEqual(['Show the numbers', 'chart-issuance-numbers']);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('chart-issuance-numbers').evaluate((el) => el.getBoundingClientRect().width)).toBeGreaterThan(100);
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(origin))).toEqual([]);
  });
});
