/**
 * The source document's recovery done by following the diagnoser's links, in Chromium against the real all-in-one
 * server: a license server reinstalled, its pack refused "already activated", the migration code, the portal's
 * migration Pending, the agent's approval, the key pack ID installed, the session host enrolled and configured, a
 * device that gets a temporary then a permanent CAL. Every code and token after the pack key (which the customer
 * holds from the purchase) reaches its form carried from the page that produced it — never typed — and each form
 * says where the value came from. The command lines stay behind a closed "Commands" toggle; a destructive action
 * says what it loses; the diagnoser's links work from the keyboard alone.
 *
 * Without Chromium the suite is skipped with a notice, or fails when CI=true.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { OpenCalConfig } from '../../src/config/schema';
import { callJson } from '../../src/http/client';
import { startAllInOne, startLicenseServerAlone, type AllInOneServer } from '../../src/compose/servers';
import { ARTIFACTS, browserSuite, buildConsole, configFor as harnessConfigFor, launchBrowser, must, requireChromium, silentIo } from './harness';

const ADMIN_TOKEN = 'guided-test-admin-token-0123456789';
const AGREEMENT = '1234567';
const configFor = (flags: Partial<Record<keyof OpenCalConfig, unknown>>): OpenCalConfig => harnessConfigFor(ADMIN_TOKEN, flags);
const compact = (code: string) => code.replace(/[\s-]/g, '').toUpperCase();

const suite = browserSuite('guided recovery browser tests');

suite('the recovery is done by following the diagnoser’s links, with codes carried from page to page', () => {
  let server: AllInOneServer;
  let origin: string;
  let page: Page;
  let close: () => Promise<void>;
  const dirs: string[] = [];
  const requests: string[] = [];
  const hashes: string[] = [];
  const pageErrors: string[] = [];
  let orgToken = '';
  let agentToken = '';
  let packKey = '';
  let oldServerId = '';

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    mkdirSync(ARTIFACTS, { recursive: true });
    const data = mkdtempSync(join(tmpdir(), 'opencal-guided-'));
    dirs.push(data);
    server = await startAllInOne(configFor({ data }), silentIo());
    origin = server.url;
    // Before the story: a 10-CAL RDS 2019 per-device pack installed on a license server that checked in, then was
    // reinstalled (its data directory is gone).
    const org = await must('create the organization', callJson<{ orgId: string; token: string }>(origin, 'POST', '/ch/v1/orgs', { token: ADMIN_TOKEN, body: { name: 'Contoso' } }));
    const agent = await must('create the agent', callJson<{ token: string }>(origin, 'POST', '/ch/v1/agents', { token: ADMIN_TOKEN, body: { name: 'Agent Smith' } }));
    const pack = await must(
      'create the pack',
      callJson<{ packKey: string }>(origin, 'POST', '/ch/v1/packs', {
        token: ADMIN_TOKEN,
        body: { orgId: org.orgId, calType: 'device', calVersion: 2019, program: 'select', count: 10, agreementNumber: AGREEMENT },
      }),
    );
    orgToken = org.token;
    agentToken = agent.token;
    packKey = pack.packKey;
    const oldData = mkdtempSync(join(tmpdir(), 'opencal-guided-old-'));
    dirs.push(oldData);
    const old = await startLicenseServerAlone(configFor({ data: oldData, clearinghouseUrl: origin }), silentIo());
    const company = { firstName: 'Alex', lastName: 'Martin', company: 'Contoso', country: 'FR' };
    await must('activate the old license server', callJson(old.url, 'POST', '/ls/v1/activate', { token: ADMIN_TOKEN, body: { method: 'auto', orgToken, company } }));
    await must('install the pack there', callJson(old.url, 'POST', '/ls/v1/key-packs', { token: ADMIN_TOKEN, body: { packKey, agreementNumber: AGREEMENT } }));
    await must('check it in', callJson(old.url, 'POST', '/ls/v1/check-in', { token: ADMIN_TOKEN }));
    oldServerId = (await must('read its identity', callJson<{ serverId: string }>(old.url, 'GET', '/ls/v1/identity', {}))).serverId;
    await old.close();
    rmSync(oldData, { recursive: true, force: true });

    const browser = await launchBrowser();
    page = browser.page;
    close = browser.close;
    browser.context.on('request', (r) => requests.push(r.url()));
    page.on('framenavigated', (f) => hashes.push(f.url()));
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  afterAll(async () => {
    await close?.();
    await server?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `guided-${name}.png`), fullPage: true });
  const diagnoser = async () => {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Diagnoser', exact: true }).click();
    await expect.poll(() => page.getByTestId('recovery-plan').count()).toBe(1);
  };
  const stepLink = (step: string, form: string) => page.getByTestId('recovery-plan').locator(`li[data-step="${step}"] a[data-form="${form}"]`);
  /** the id of the card (section) that holds the focused element */
  const focusedCard = () => page.evaluate(() => document.activeElement?.closest('section.card, article')?.id || document.activeElement?.closest('article')?.getAttribute('data-case') || '');
  const carriedNote = (card: string, what: string) => page.locator(`#${card} [data-testid="carried"][data-what="${what}"]`);

  it('signs in with the admin, organization and agent tokens', async () => {
    await page.goto(`${origin}/`);
    for (const token of [ADMIN_TOKEN, orgToken, agentToken]) {
      await page.getByLabel('API token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.locator('td.grants').count()).toBe([ADMIN_TOKEN, orgToken, agentToken].indexOf(token) + 1);
    }
    await page.getByRole('button', { name: 'Continue' }).click();
    await diagnoser();
  });

  it('keyboard only: Tab reaches the plan’s first link, Enter opens the activation form with the focus in it', async () => {
    const link = stepLink('activate', 'ls-activation');
    await expect.poll(() => link.count()).toBe(1);
    let reached = false;
    for (let i = 0; i < 250 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.getAttribute('data-form') === 'ls-activation' && document.activeElement.closest('[data-testid="recovery-plan"]') !== null);
    }
    expect(reached, 'Tab never reached the plan’s link to the activation form').toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe('#/license-manager/activation');
    await expect.poll(focusedCard).toBe('activation');
    // the form is filled from the keyboard too: the focus is on its first field
    expect(await page.evaluate(() => document.activeElement?.tagName)).toMatch(/INPUT|SELECT/);
    const activation = page.locator('#activation');
    for (const [label, value] of [
      ['First name', 'Alex'],
      ['Last name', 'Martin'],
      ['Company', 'Contoso'],
      ['Country', 'FR'],
    ] as const) {
      await activation.getByLabel(label, { exact: true }).fill(value);
    }
    await activation.getByRole('button', { name: 'Activate' }).click();
    await expect.poll(() => page.getByTestId('activation-status').textContent()).toContain('activated');
  });

  it('the pack key is refused "already activated" and the refusal leads to the migration code', async () => {
    // The pack key is what the customer holds from the purchase: typed once here, carried from then on.
    const install = page.locator('#install');
    await install.getByLabel('Pack key (automatic connection)').check();
    await install.getByLabel('Pack key', { exact: true }).fill(packKey);
    await install.getByLabel('Agreement number').fill(AGREEMENT);
    await install.getByRole('button', { name: 'Install' }).click();
    await expect.poll(() => install.getByRole('alert').textContent()).toContain('already activated on license server');
    expect(await install.locator('a[data-form="ls-migration-code"]').count()).toBe(1);
  });

  let migrationCode = '';
  it('the diagnoser’s migrate step opens the migration code form with the old server’s ID filled in from the diagnosis', async () => {
    await diagnoser();
    await stepLink('migrate', 'ls-migration-code').click();
    await expect.poll(focusedCard).toBe('migration-code');
    const source = page.locator('#migration-code').getByLabel('Old license server ID (optional)');
    expect(compact(await source.inputValue())).toBe(compact(oldServerId));
    expect(await carriedNote('migration-code', 'sourceServerId').getAttribute('data-from')).toBe('diagnoser');
    await page.locator('#migration-code').getByRole('button', { name: 'Make the migration code' }).click();
    migrationCode = (await page.getByTestId('migration-code').textContent()) ?? '';
    expect(migrationCode).toMatch(/^([B-Z2-9]{5}-){8}[B-Z2-9]{5}$/);
  });

  let caseNumber = '';
  it('the migrate step’s portal link opens Migrate with the migration code, the pack key and the agreement carried: the case ends Pending', async () => {
    await diagnoser();
    await stepLink('migrate', 'portal-migrate').click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe('#/portal/migrate');
    await expect.poll(focusedCard).toBe('manage-cals');
    const form = page.locator('#manage-cals');
    await expect.poll(async () => compact(await form.getByLabel('Migration code').inputValue())).toBe(compact(migrationCode));
    expect(compact(await form.getByLabel('Pack key').inputValue())).toBe(compact(packKey));
    expect(await form.getByLabel('Agreement number').inputValue()).toBe(AGREEMENT);
    expect(await form.getByLabel('CAL type').inputValue()).toBe('device');
    expect(await form.getByLabel('CAL version').inputValue()).toBe('2019');
    expect(await carriedNote('manage-cals', 'migrationCode').getAttribute('data-from')).toBe('license-manager');
    expect(await carriedNote('manage-cals', 'migrationCode').textContent()).toMatch(/^Filled in from the license manager \(\d\d:\d\d\)\. You may change it\.$/);
    expect(await carriedNote('manage-cals', 'packKey').getAttribute('data-from')).toBe('license-manager');
    await shot('01-portal-prefilled');
    await form.getByRole('button', { name: 'Migrate' }).click();
    const outcome = page.getByTestId('case-outcome');
    await expect.poll(() => outcome.getAttribute('data-status')).toBe('pending');
    caseNumber = (await page.getByTestId('case-number').textContent()) ?? '';
    expect(caseNumber).toMatch(/^CH-\d+$/);
  });

  let keyPackId = '';
  it('the reissue step opens the agent desk on that case; the agent approves and reads back the key pack ID', async () => {
    await diagnoser();
    expect(await page.getByTestId('recovery-plan').locator('li[data-step="migrate"]').getAttribute('data-done')).toBe('true');
    await stepLink('reissue', 'agent-case').click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe('#/agent-desk/review-queue');
    await expect.poll(focusedCard).toBe(caseNumber);
    await page.keyboard.type('Reinstalled license server; old instance destroyed (phone call)');
    const item = page.locator(`article[data-case="${caseNumber}"]`);
    await item.getByRole('button', { name: 'Approve and reissue' }).click();
    await expect.poll(() => item.getByTestId('case-outcome').getAttribute('data-status')).toBe('approved');
    keyPackId = (await item.getByTestId('key-pack-id').textContent()) ?? '';
    expect(keyPackId).toMatch(/^([B-Z2-9]{5}-){6}[B-Z2-9]{5}$/);
  });

  it('the install step opens Install licenses with the key pack ID the agent read back, obtained by telephone: 10 CALs', async () => {
    await diagnoser();
    await stepLink('install', 'ls-install').click();
    await expect.poll(focusedCard).toBe('install');
    const install = page.locator('#install');
    await expect.poll(async () => compact(await install.getByLabel('Key pack ID', { exact: true }).inputValue())).toBe(compact(keyPackId));
    expect(await install.getByLabel('Obtained by').inputValue()).toBe('phone');
    expect(await carriedNote('install', 'keyPackId').getAttribute('data-from')).toBe('agent-desk');
    await install.getByRole('button', { name: 'Install' }).click();
    await expect.poll(() => page.getByTestId('installed-key-pack').textContent()).toContain('10 Per Device CALs, Windows Server 2019');
  });

  it('the configure step: a join token for the host named by the diagnosis, the enrolment with it, then the mode and list it planned', async () => {
    await diagnoser();
    await stepLink('configure', 'ls-hosts').click();
    await expect.poll(focusedCard).toBe('hosts');
    const hosts = page.locator('#hosts');
    const host = await hosts.getByLabel('Session host name').inputValue();
    expect(host).not.toBe('');
    expect(await carriedNote('hosts', 'hostName').getAttribute('data-from')).toBe('diagnoser');
    await hosts.getByRole('button', { name: 'Make a join token' }).click();
    const joinToken = (await page.getByTestId('join-token').textContent()) ?? '';
    expect(joinToken).not.toBe('');

    await diagnoser();
    await stepLink('configure', 'sh-enroll').click();
    await expect.poll(focusedCard).toBe('enroll');
    const enroll = page.locator('#enroll');
    expect(await enroll.getByLabel('Join token').inputValue()).toBe(joinToken);
    expect(await enroll.getByLabel('License server URL').inputValue()).toBe(origin);
    expect(await carriedNote('enroll', 'joinToken').getAttribute('data-from')).toBe('license-manager');
    await shot('02-session-host-enrol-prefilled');
    await enroll.getByRole('button', { name: 'Enrol' }).click();
    await expect.poll(() => enroll.getByRole('status').textContent()).toContain('Enrolled on');

    await diagnoser();
    await stepLink('configure', 'sh-configure').click();
    await expect.poll(focusedCard).toBe('configure');
    const configure = page.locator('#configure');
    expect(await configure.getByLabel('Licensing mode').inputValue()).toBe('per-device');
    expect(await configure.getByLabel(/License servers/).inputValue()).toBe(origin);
    expect(await carriedNote('configure', 'mode').getAttribute('data-from')).toBe('diagnoser');
    await configure.getByRole('button', { name: 'Save the policy layer' }).click();
    await expect.poll(() => page.getByTestId('licensing-mode').textContent()).toContain('Per Device (2) from policy');
    await expect.poll(() => page.getByTestId('license-servers').locator('[data-probe]').getAttribute('data-probe')).toBe('would-issue');
  });

  it('the verify step’s test device gets a temporary, then a permanent CAL; the diagnosis has nothing blocking', async () => {
    await diagnoser();
    await stepLink('verify', 'sh-test-device').click();
    await expect.poll(focusedCard).toBe('test-device');
    const device = page.locator('#test-device');
    const outcome = page.getByTestId('connect-outcome');
    for (const [attempt, kind] of [
      [1, 'temporary'],
      [2, 'permanent'],
    ] as const) {
      await device.getByRole('button', { name: 'Connect' }).click();
      await expect.poll(() => outcome.getAttribute('data-attempt')).toBe(String(attempt));
      expect(await outcome.getAttribute('data-kind')).toBe(kind);
    }
    await diagnoser();
    await expect.poll(() => page.getByTestId('diagnosis-summary').getAttribute('data-blocking')).toBe('false');
    expect(await page.locator('[data-severity="blocking"]').count()).toBe(0);
    await shot('03-diagnoser-done');
  });

  it('the command lines are behind a "Commands" toggle, closed; outside it the diagnoser names no flag and no route', async () => {
    const toggles = page.locator('#recovery-plan details.commands');
    expect(await toggles.count()).toBeGreaterThan(0);
    const first = toggles.first();
    expect(await first.getAttribute('open')).toBeNull();
    expect(await first.locator('pre').isVisible()).toBe(false);
    await first.locator('summary').click();
    expect(await first.locator('pre').isVisible()).toBe(true);
    expect(await first.locator('pre').textContent()).toMatch(/^opencal /);
    const outside = await page.evaluate(() =>
      ['#diagnosis', '#recovery-plan'].map((sel) => {
        const copy = document.querySelector(sel)!.cloneNode(true) as HTMLElement;
        copy.querySelectorAll('details.commands').forEach((d) => d.remove());
        return copy.textContent ?? '';
      }),
    );
    for (const text of outside) {
      expect(text).not.toMatch(/ --[a-z]/);
      expect(text).not.toMatch(/\/(ls|ch|sh)\/v1\//);
      expect(text).not.toMatch(/\bopencal (licmgr|portal|host|ch|device)\b/);
    }
  });

  it('revoking a CAL first says what is lost, in English and in French, and Cancel keeps the CAL', async () => {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'License manager', exact: true }).click();
    const issued = page.locator('#issued');
    await issued.getByRole('button', { name: 'Revoke the CAL of PC-01' }).click();
    const confirm = issued.getByTestId('confirm-loss');
    expect(await confirm.locator('p.loss').textContent()).toBe(
      'Device PC-01 loses its permanent CAL; it will get a temporary one on its next connection. The revoked CAL counts against this version’s revoke budget until it would have expired.',
    );
    await page.getByTestId('console-lang').selectOption('fr');
    await expect.poll(() => confirm.locator('p.loss').textContent()).toContain('Le périphérique PC-01 perd sa CAL permanente ; il en recevra une temporaire à sa prochaine connexion.');
    await shot('04-revoke-confirmation-fr');
    await page.getByTestId('console-lang').selectOption('en');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await issued.getByTestId('confirm-loss').count()).toBe(0);
    const list = await must('list the issued licenses', callJson<{ issued: { device: string; kind: string; status: string }[] }>(origin, 'GET', '/ls/v1/issued?device=PC-01', { token: ADMIN_TOKEN }));
    expect(list.issued.filter((i) => i.device === 'PC-01' && i.kind === 'permanent').map((i) => i.status)).toEqual(['active']);
  });

  it('no code or token was ever put in a URL, no request went to another origin, and no script error was raised', () => {
    expect(pageErrors).toEqual([]);
    const secrets = [migrationCode, keyPackId, packKey].map(compact);
    for (const u of [...requests, ...hashes]) {
      expect(new URL(u).origin).toBe(origin);
      const flat = compact(decodeURIComponent(u));
      for (const s of secrets) expect(flat).not.toContain(s);
      for (const t of [ADMIN_TOKEN, orgToken, agentToken]) expect(decodeURIComponent(u)).not.toContain(t);
    }
  });
});
