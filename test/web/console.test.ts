/**
 * The console in a real browser (Debian's Chromium through playwright-core), against the real all-in-one server:
 * the source document's recovery story played by clicking — a new license server, a migration that ends Pending,
 * an agent who approves, the key pack ID installed, the session host configured, a device that gets a temporary
 * then a permanent CAL, and a clean diagnosis. Screenshots of every page go to test-artifacts/console/.
 *
 * Without Chromium the suite is skipped with a notice, or fails when CI=true.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { OpenCalConfig } from '../../src/config/schema';
import { callJson } from '../../src/http/client';
import { startAllInOne, startLicenseServerAlone, type AllInOneServer } from '../../src/compose/servers';
import { ARTIFACTS, CHROMIUM, browserSuite, buildConsole, chromiumThere, configFor as harnessConfigFor, must, silentIo } from './harness';

const ADMIN_TOKEN = 'console-test-admin-token-0123456789';
const AGREEMENT = '1234567';

const configFor = (flags: Partial<Record<keyof OpenCalConfig, unknown>>): OpenCalConfig => harnessConfigFor(ADMIN_TOKEN, flags);

const suite = browserSuite('console browser tests');

suite('the console in Chromium plays the recovery story by clicking', () => {
  let server: AllInOneServer;
  let origin: string;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const dirs: string[] = [];
  const requests: string[] = [];
  const pageErrors: string[] = [];
  const tokens: string[] = [ADMIN_TOKEN];
  const closers: (() => Promise<void>)[] = [];
  let orgToken = '';
  let agentToken = '';
  let packKey = '';

  beforeAll(async () => {
    if (!chromiumThere) throw new Error(`No Chromium at ${CHROMIUM}: CI must install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
    await buildConsole();
    mkdirSync(ARTIFACTS, { recursive: true });

    const data = mkdtempSync(join(tmpdir(), 'opencal-console-'));
    dirs.push(data);
    server = await startAllInOne(configFor({ data }), silentIo());
    origin = server.url;

    // The world before the story: an organization with a 10-CAL RDS 2019 per-device pack, installed on a license
    // server that checked in recently — and was then reinstalled (its data directory is gone).
    const org = await must('create the organization', callJson<{ orgId: string; token: string }>(origin, 'POST', '/ch/v1/orgs', { token: ADMIN_TOKEN, body: { name: 'Contoso' } }));
    const agent = await must('create the agent', callJson<{ agentId: string; token: string }>(origin, 'POST', '/ch/v1/agents', { token: ADMIN_TOKEN, body: { name: 'Agent Smith' } }));
    const pack = await must(
      'create the pack',
      callJson<{ packNumber: number; packKey: string }>(origin, 'POST', '/ch/v1/packs', {
        token: ADMIN_TOKEN,
        body: { orgId: org.orgId, calType: 'device', calVersion: 2019, program: 'select', count: 10, agreementNumber: AGREEMENT },
      }),
    );
    orgToken = org.token;
    agentToken = agent.token;
    packKey = pack.packKey;
    tokens.push(orgToken, agentToken);
    const oldData = mkdtempSync(join(tmpdir(), 'opencal-old-ls-'));
    dirs.push(oldData);
    const old = await startLicenseServerAlone(configFor({ data: oldData, clearinghouseUrl: origin }), silentIo());
    const company = { firstName: 'Alex', lastName: 'Martin', company: 'Contoso', country: 'FR' };
    await must('activate the old license server', callJson(old.url, 'POST', '/ls/v1/activate', { token: ADMIN_TOKEN, body: { method: 'auto', orgToken, company } }));
    await must('install the pack on the old license server', callJson(old.url, 'POST', '/ls/v1/key-packs', { token: ADMIN_TOKEN, body: { packKey, agreementNumber: AGREEMENT } }));
    await must('check the old license server in', callJson(old.url, 'POST', '/ls/v1/check-in', { token: ADMIN_TOKEN }));
    await old.close();
    rmSync(oldData, { recursive: true, force: true });

    const { chromium } = await import('playwright-core');
    profile = mkdtempSync(join(tmpdir(), 'pw-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    context.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    for (const close of closers) await close();
    await server?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const nav = async (title: string) => {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: title, exact: true }).click();
    await expect.poll(() => page.locator('h2.page-title').textContent()).toBe(title);
  };

  it('serves the console at / with its favicon and long-cached hashed assets', async () => {
    const index = await fetch(`${origin}/`);
    expect(index.status, 'GET / must answer the console: the composition root passes web: serveConsole() to buildServer').toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${origin}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${origin}/favicon.svg`)).status).toBe(200);
  });

  it('signs in with the admin, organization and agent tokens and shows what each component accepts', async () => {
    await page.goto(`${origin}/`);
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    await shot('00-sign-in');
    for (const [token, label] of [
      [ADMIN_TOKEN, 'Admin'],
      [orgToken, 'Contoso'],
      [agentToken, 'Agent'],
    ] as const) {
      await page.getByLabel('API token').fill(token);
      await page.getByLabel('Label (optional)').fill(label);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.locator('td', { hasText: label }).count()).toBeGreaterThan(0);
    }
    const grants = await page.locator('td.grants').allTextContents();
    expect(grants[0]).toContain('clearinghouse: ch:admin');
    expect(grants[0]).toContain('license server: ls:admin');
    expect(grants[0]).toContain('session host: sh:admin');
    expect(grants[1]).toMatch(/^clearinghouse: ch:org/);
    expect(grants[2]).toMatch(/^clearinghouse: ch:agent/);
    await page.getByRole('button', { name: 'Continue' }).click();
    const links = await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allTextContents();
    expect(links).toEqual(['Portal', 'License manager', 'Agent desk', 'Clearinghouse', 'Session host', 'Events', 'Diagnoser', 'Dashboard']);
  });

  let migrationCode = '';
  it('activates the new license server, is refused "already activated" for the pack key, and makes a migration code', async () => {
    await nav('License manager');
    const activation = page.locator('#activation');
    await expect.poll(() => activation.getByRole('heading').textContent()).toBe('Activate the server');
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

    const install = page.locator('#install');
    await install.getByLabel('Pack key (automatic connection)').check();
    await install.getByLabel('Pack key', { exact: true }).fill(packKey);
    await install.getByLabel('Agreement number').fill(AGREEMENT);
    await install.getByRole('button', { name: 'Install' }).click();
    const refusal = install.getByRole('alert');
    await expect.poll(() => refusal.textContent()).toContain('already activated on license server');

    await page.locator('#migration-code').getByRole('button', { name: 'Make the migration code' }).click();
    migrationCode = (await page.getByTestId('migration-code').textContent()) ?? '';
    expect(migrationCode).toMatch(/^([B-Z2-9]{5}-){8}[B-Z2-9]{5}$/);
    await shot('01-license-manager-new-server');
  });

  let caseNumber = '';
  it('migrates on the portal: a mistyped group is named as it is typed, and the case ends Pending', async () => {
    await nav('Portal');
    const form = page.locator('#manage-cals');
    const code = form.getByLabel('Migration code');
    await code.fill(`${migrationCode.slice(0, 6)}O`);
    const status = form.locator(`#${await code.getAttribute('aria-describedby')}`);
    expect(await status.textContent()).toContain('Group 2 contains "O"');
    expect(await code.getAttribute('aria-invalid')).toBe('true');
    await code.fill(migrationCode.toLowerCase().replace(/-/g, ' '));
    expect(await status.textContent()).toContain('A valid migration code');
    await form.getByLabel('Pack key').fill(packKey);
    await form.getByLabel('Agreement number').fill(AGREEMENT);
    await form.getByRole('button', { name: 'Migrate' }).click();
    const outcome = page.getByTestId('case-outcome');
    await expect.poll(() => outcome.getAttribute('data-status')).toBe('pending');
    caseNumber = (await page.getByTestId('case-number').textContent()) ?? '';
    expect(caseNumber).toMatch(/^CH-\d+$/);
    expect(await outcome.textContent()).toContain('checked in recently');
    await shot('02-portal-pending');
  });

  let keyPackId = '';
  it('the agent sees the case with its evidence and approves it: the key pack ID is read back', async () => {
    await nav('Agent desk');
    const item = page.locator(`article[data-case="${caseNumber}"]`);
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.textContent()).toContain('source');
    await item.getByLabel('Reason for the decision').fill('Reinstalled license server; old instance destroyed (phone call)');
    await item.getByRole('button', { name: 'Approve and reissue' }).click();
    await expect.poll(() => item.getByTestId('case-outcome').getAttribute('data-status')).toBe('approved');
    keyPackId = (await item.getByTestId('key-pack-id').textContent()) ?? '';
    expect(keyPackId).toMatch(/^([B-Z2-9]{5}-){6}[B-Z2-9]{5}$/);
    await shot('03-agent-desk-approved');
  });

  it('installs the key pack ID on the new license server: 10 CALs available', async () => {
    await nav('License manager');
    const install = page.locator('#install');
    await install.getByLabel('Key pack ID', { exact: true }).fill(keyPackId);
    await install.getByLabel('Obtained by').selectOption('phone');
    await install.getByRole('button', { name: 'Install' }).click();
    await expect.poll(() => page.getByTestId('installed-key-pack').textContent()).toContain('10 Per Device CALs, Windows Server 2019');
    const available = page.locator('#key-packs td[data-testid^="available-"]');
    await expect.poll(() => available.first().textContent()).toBe('10');
    // The tokens card lists what each token is for, never its secret.
    const tokensCard = page.locator('#tokens');
    await expect.poll(() => tokensCard.locator('tbody tr').count()).toBeGreaterThanOrEqual(1);
    expect(await tokensCard.textContent()).toContain('ls:admin');
    expect(await tokensCard.textContent()).not.toContain(ADMIN_TOKEN);
    await shot('04-license-manager-installed');
  });

  it('an enrolment the license server no longer recognises (reinstalled at the same address) is not shown as enrolled, and a device admitted without a CAL reads differently', async () => {
    await nav('Session host');
    const host = ((await page.locator('#licensing dd').first().textContent()) ?? '').split(' — ')[0]!.trim();
    // Not configured yet: a device is admitted only because the grace period runs, and it reads so.
    const device = page.locator('#test-device');
    await device.getByLabel('Device name').fill('PC-00');
    await device.getByRole('button', { name: 'Connect' }).click();
    const outcome = page.getByTestId('connect-outcome');
    await expect.poll(() => outcome.getAttribute('data-basis')).toBe('grace');
    expect(await outcome.textContent()).toContain('Admitted without a CAL — only because the grace period runs');
    expect(await outcome.getAttribute('class')).toContain('pending');
    await expect.poll(() => page.getByTestId('admissions').locator('[data-basis="grace"]').count()).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('admissions').locator('[data-basis="grace"]').first().textContent()).toBe('admitted without CAL');
    // A license server the session host enrols on, then reinstalled at the same address (a new data directory).
    const firstData = mkdtempSync(join(tmpdir(), 'opencal-same-address-'));
    dirs.push(firstData);
    const first = await startLicenseServerAlone(configFor({ data: firstData, clearinghouseUrl: origin }), silentIo());
    const join1 = await must('make a join token', callJson<{ joinToken: string }>(first.url, 'POST', '/ls/v1/hosts', { token: ADMIN_TOKEN, body: { name: host } }));
    await must('enrol the session host', callJson(origin, 'POST', '/sh/v1/enroll', { token: ADMIN_TOKEN, body: { licenseServerUrl: first.url, joinToken: join1.joinToken } }));
    await must('list it in the deployment layer', callJson(origin, 'PUT', '/sh/v1/config', { token: ADMIN_TOKEN, body: { layer: 'deployment', mode: 'per-device', licenseServers: [first.url] } }));
    await first.close();
    const againData = mkdtempSync(join(tmpdir(), 'opencal-same-address-'));
    dirs.push(againData);
    const again = await startLicenseServerAlone(configFor({ data: againData, clearinghouseUrl: origin, port: new URL(first.url).port }), silentIo());
    closers.push(() => again.close());
    expect(again.url).toBe(first.url);

    await nav('License manager');
    await nav('Session host');
    const badge = page.getByTestId('license-servers').locator('[data-probe]');
    await expect.poll(() => badge.getAttribute('data-probe')).toBe('refused');
    expect(await badge.textContent()).toBe('enrolment refused');
    expect(await badge.getAttribute('class')).not.toContain('enrolled');
    expect(await page.getByTestId('probe-message').textContent()).toContain("does not recognise this session host's enrolment");

    await shot('04b-session-host-dead-enrolment');
    await must('clear the deployment layer', callJson(origin, 'PUT', '/sh/v1/config', { token: ADMIN_TOKEN, body: { layer: 'deployment' } }));
  });

  it('configures the session host per device on the new license server and a device gets a temporary, then a permanent CAL', async () => {
    await nav('Session host');
    const host = ((await page.locator('#licensing dd').first().textContent()) ?? '').split(' — ')[0]!.trim();
    expect(host).not.toBe('');

    await nav('License manager');
    const hosts = page.locator('#hosts');
    await hosts.getByLabel('Session host name').fill(host);
    await hosts.getByRole('button', { name: 'Make a join token' }).click();
    const joinToken = (await page.getByTestId('join-token').textContent()) ?? '';
    expect(joinToken).not.toBe('');
    tokens.push(joinToken);

    await nav('Session host');
    const enroll = page.locator('#enroll');
    expect(await enroll.getByLabel('License server URL').inputValue()).toBe(origin);
    await enroll.getByLabel('Join token').fill(joinToken);
    await enroll.getByRole('button', { name: 'Enrol' }).click();
    await expect.poll(() => enroll.getByRole('status').textContent()).toContain('Enrolled on');

    const configure = page.locator('#configure');
    await configure.getByLabel('Licensing mode').selectOption('per-device');
    await configure.getByLabel(/License servers/).fill(origin);
    await configure.getByRole('button', { name: 'Save the policy layer' }).click();
    await expect.poll(() => page.getByTestId('licensing-mode').textContent()).toContain('Per Device (2) from policy');
    await expect.poll(() => page.getByTestId('emitted').textContent()).toContain('LicensingMode');
    // Green only once the license server answered the host's own dry-run CAL request.
    await expect.poll(() => page.getByTestId('license-servers').locator('[data-probe]').getAttribute('data-probe')).toBe('would-issue');
    expect(await page.getByTestId('license-servers').locator('[data-probe]').textContent()).toBe('enrolled');

    const device = page.locator('#test-device');
    const outcome = page.getByTestId('connect-outcome');
    let attempt = 0;
    const connect = async () => {
      await device.getByRole('button', { name: 'Connect' }).click();
      attempt += 1;
      await expect.poll(() => outcome.getAttribute('data-attempt')).toBe(String(attempt));
      return { admitted: await outcome.getAttribute('data-admitted'), kind: await outcome.getAttribute('data-kind'), text: await outcome.textContent() };
    };
    await device.getByLabel('Device name').fill('PC-01');
    expect(await connect()).toMatchObject({ admitted: 'true', kind: 'temporary' });
    expect(await connect()).toMatchObject({ admitted: 'true', kind: 'permanent' });
    expect(await page.getByTestId('device-store').locator('tbody tr').count()).toBe(1);
    await expect.poll(() => page.getByTestId('admissions').locator('tbody tr').count()).toBeGreaterThanOrEqual(2);
    await shot('05-session-host');
  });

  it('the diagnoser finds nothing blocking and offers the phone script', async () => {
    await nav('Diagnoser');
    const summary = page.getByTestId('diagnosis-summary');
    await expect.poll(() => summary.getAttribute('data-blocking')).not.toBeNull();
    await shot('06-diagnoser');
    expect(await page.locator('[data-severity="blocking"]').allTextContents()).toEqual([]);
    expect(await summary.getAttribute('data-blocking')).toBe('false');
    const before = (await page.getByTestId('phone-script').textContent()) ?? '';
    expect(before).toContain('RDS 2019');
    expect(before).not.toMatch(/<ORGANIZATION>|<CONTACT>/);
    expect(before).toMatch(/organisation : \S/); // a name, or « à préciser » — never a placeholder
    await page.getByLabel('Pack key (only its last group is shown)').fill(packKey);
    const last = packKey.replace(/-/g, '').slice(-5);
    await expect.poll(() => page.getByTestId('phone-script').textContent()).toContain(`XXXXX-XXXXX-XXXXX-XXXXX-${last}`); // masked but for its last group
    expect((await page.getByTestId('phone-script').textContent()) ?? '').not.toContain(packKey.slice(0, 11));
    await nav('Portal');
    await expect.poll(() => page.locator(`#cases tr[data-row-id="${caseNumber}"]`).textContent()).toContain('approved');
    await shot('07-portal-approved');
  });

  it('made no request to another origin, never put a token in a URL, and raised no script error', () => {
    expect(pageErrors).toEqual([]);
    expect(requests.length).toBeGreaterThan(10);
    const foreign = requests.filter((u) => new URL(u).origin !== origin);
    expect(foreign).toEqual([]);
    const leaking = requests.filter((u) => tokens.some((t) => t && decodeURIComponent(u).includes(t)));
    expect(leaking).toEqual([]);
    expect(resolve(ARTIFACTS)).toContain('test-artifacts');
  });
});
