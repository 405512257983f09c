/**
 * The console's forms that the recovery story does not use, in a real browser (Debian's Chromium through
 * playwright-core) against the real all-in-one server with a manual clock: phone activation (agent desk →
 * license manager), revoke with the 20 % budget, phone reissue, a read-only token, the keyboard and the labels,
 * rebuild with its guard, deactivation and its receipt on the portal. Each case checks what the page shows and
 * what the API answers afterwards; screenshots go to test-artifacts/console/.
 *
 * Without Chromium the suite is skipped with a notice, or fails when CI=true.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ManualClock } from '../../src/core/clock';
import type { CalBundle } from '../../src/core/protocol';
import { callJson } from '../../src/http/client';
import { startAllInOne, startLicenseServerAlone, type AllInOneServer } from '../../src/compose/servers';
import { openDatabase } from '../../src/storage/database';
import { createToken } from '../../src/storage/tokens.repository';
import { ARTIFACTS, browserSuite, buildConsole, configFor, launchBrowser, must, requireChromium, silentIo } from './harness';

const ADMIN_TOKEN = 'console-forms-admin-token-0123456789';
const AGREEMENT = '7654321';
const DAY = 24 * 60 * 60 * 1000;
const CODE35 = /^([B-Z2-9]{5}-){6}[B-Z2-9]{5}$/;

interface StatusView {
  serverId: string;
  productId: string;
  activation: { status: string; method?: string; expired?: boolean };
  keyPacks: { pack: number; status: string; total: number }[];
}

const suite = browserSuite('console form browser tests');

suite('the console forms in Chromium, against the all-in-one server', () => {
  const clock = new ManualClock(new Date());
  let server: AllInOneServer;
  let origin: string;
  let context: BrowserContext;
  let page: Page;
  let closeBrowser: (() => Promise<void>) | undefined;
  const dirs: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  const requests: string[] = [];
  const pageErrors: string[] = [];
  let data = '';
  let orgToken = '';
  let agentToken = '';
  let packA = { packNumber: 0, packKey: '' }; // 5 CALs, installed on the console's license server (revoke, rebuild)
  let packB = { packNumber: 0, packKey: '' }; // 10 CALs, on an old license server, reissued by phone
  let serverId = '';

  const ls = <T>(method: string, path: string, body?: unknown, token = ADMIN_TOKEN) => must(`${method} ${path}`, callJson<T>(origin, method, `/ls/v1${path}`, { token, ...(body !== undefined ? { body } : {}) }));
  const lsStatus = () => ls<StatusView>('GET', '/status');
  const company = { firstName: 'Alex', lastName: 'Martin', company: 'Contoso', country: 'FR' };

  /** A license server of its own (another process in real life) that reaches the all-in-one clearinghouse. */
  async function otherLicenseServer(name: string) {
    const dir = mkdtempSync(join(tmpdir(), `opencal-${name}-`));
    dirs.push(dir);
    const other = await startLicenseServerAlone(configFor(ADMIN_TOKEN, { data: dir, clearinghouseUrl: origin }), silentIo(), { clock });
    closers.push(() => other.close());
    await must(`activate ${name}`, callJson(other.url, 'POST', '/ls/v1/activate', { token: ADMIN_TOKEN, body: { method: 'auto', orgToken, company } }));
    return other;
  }

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    mkdirSync(ARTIFACTS, { recursive: true });
    data = mkdtempSync(join(tmpdir(), 'opencal-console-forms-'));
    dirs.push(data);
    server = await startAllInOne(configFor(ADMIN_TOKEN, { data }), silentIo(), { clock });
    origin = server.url;

    const org = await must('create the organization', callJson<{ orgId: string; token: string }>(origin, 'POST', '/ch/v1/orgs', { token: ADMIN_TOKEN, body: { name: 'Contoso' } }));
    const agent = await must('create the agent', callJson<{ token: string }>(origin, 'POST', '/ch/v1/agents', { token: ADMIN_TOKEN, body: { name: 'Agent Jones' } }));
    orgToken = org.token;
    agentToken = agent.token;
    const pack = (count: number) =>
      must(
        'create a pack',
        callJson<{ packNumber: number; packKey: string }>(origin, 'POST', '/ch/v1/packs', {
          token: ADMIN_TOKEN,
          body: { orgId: org.orgId, calType: 'device', calVersion: 2019, program: 'select', count, agreementNumber: AGREEMENT },
        }),
      );
    packA = await pack(5);
    packB = await pack(10);
    // Pack B lives on an old license server that checked in and is then gone (reinstalled).
    const old = await otherLicenseServer('old-ls');
    await must('install pack B on the old server', callJson(old.url, 'POST', '/ls/v1/key-packs', { token: ADMIN_TOKEN, body: { packKey: packB.packKey, agreementNumber: AGREEMENT } }));
    await must('check the old server in', callJson(old.url, 'POST', '/ls/v1/check-in', { token: ADMIN_TOKEN }));
    await old.close();
    serverId = (await lsStatus()).serverId;

    const browser = await launchBrowser();
    context = browser.context;
    page = browser.page;
    closeBrowser = browser.close;
    context.on('request', (r) => requests.push(r.url()));
    context.on('page', (p) => p.on('pageerror', (e) => pageErrors.push(String(e))));
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  afterAll(async () => {
    await closeBrowser?.();
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await server?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const shot = (name: string, p: Page = page) => p.screenshot({ path: join(ARTIFACTS, `forms-${name}.png`), fullPage: true });
  const nav = async (title: string, p: Page = page) => {
    await p.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: title, exact: true }).click();
    await expect.poll(() => p.locator('h2.page-title').textContent()).toBe(title);
  };
  const signIn = async (p: Page, entries: readonly (readonly [string, string])[]) => {
    await p.goto(`${origin}/`);
    for (const [token, label] of entries) {
      await p.getByLabel('API token').fill(token);
      await p.getByLabel('Label (optional)').fill(label);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => p.locator('td', { hasText: label }).count()).toBeGreaterThan(0);
    }
    await p.getByRole('button', { name: 'Continue' }).click();
  };
  /** Reloads the page on its route (the license manager reads everything again). */
  const reopen = async (title: string) => {
    await nav(title);
    await page.reload();
    await expect.poll(() => page.locator('h2.page-title').textContent()).toBe(title);
  };

  it('signs in with the admin, organization and agent tokens', async () => {
    await signIn(page, [
      [ADMIN_TOKEN, 'Admin'],
      [orgToken, 'Contoso'],
      [agentToken, 'Agent'],
    ]);
    const links = await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allTextContents();
    expect(links).toEqual(['Portal', 'License manager', 'Agent desk', 'Clearinghouse', 'Session host', 'Events', 'Diagnoser', 'Dashboard']);
  });

  it('activates the license server by telephone: the agent desk gives the confirmation, the wizard takes it', async () => {
    await nav('License manager');
    const wizard = page.locator('#activation');
    await wizard.getByLabel('Telephone').check();
    const productId = (await wizard.locator('code').first().textContent()) ?? '';
    expect(productId).toMatch(/^([B-Z2-9]{5}-){11}[B-Z2-9]{5}$/);

    await nav('Agent desk');
    const phone = page.locator('#phone-activation');
    await phone.getByLabel('Product ID the caller reads').fill(productId.replace(/-/g, ' '));
    expect(await phone.getByLabel('Organization').locator('option').allTextContents()).toEqual([expect.stringContaining('Contoso')]);
    for (const [label, value] of Object.entries({ 'First name': company.firstName, 'Last name': company.lastName, Company: company.company, Country: company.country })) {
      await phone.getByLabel(label, { exact: true }).fill(value);
    }
    await phone.getByRole('button', { name: 'Activate' }).click();
    const confirmation = (await page.getByTestId('phone-confirmation').textContent()) ?? '';
    expect(confirmation).toMatch(CODE35);
    expect(await phone.getByRole('list', { name: /Activation confirmation, 7 groups/ }).locator('li').allTextContents()).toEqual(confirmation.split('-'));
    await shot('01-agent-desk-phone-activation');

    await nav('License manager');
    await wizard.getByLabel('Telephone').check();
    await wizard.getByLabel('Activation confirmation the agent reads back').fill(confirmation);
    await wizard.getByRole('button', { name: 'Activate' }).click();
    await expect.poll(() => page.getByTestId('activation-status').textContent()).toMatch(/activated\s+by phone/);
    // Activated from a typed confirmation: provisional until the certificate arrives (docs/codes.md).
    await expect.poll(() => page.getByTestId('activation-provisional').textContent()).toBe(' provisional');
    await shot('02-license-manager-activated-by-phone');
    const status = await lsStatus();
    expect(status.activation).toMatchObject({ status: 'activated', method: 'phone' });
    const servers = await must('servers', callJson<{ servers: { serverId: string; status: string; method: string }[] }>(origin, 'GET', '/ch/v1/servers', { token: orgToken }));
    expect(servers.servers.find((s) => s.serverId === serverId)).toMatchObject({ status: 'activated', method: 'phone' });
  });

  let revokedExpiry = '';
  it('revokes a device’s permanent CAL with the 20 % budget shown; a revoke beyond it shows REVOKE_LIMIT_REACHED and the next day allowed', async () => {
    // Before: pack A (5 CALs, so 1 revoke at a time) installed and two devices holding a permanent CAL.
    await ls('POST', '/check-in');
    await ls('POST', '/key-packs', { packKey: packA.packKey, agreementNumber: AGREEMENT });
    const { joinToken } = await ls<{ joinToken: string }>('POST', '/hosts', { name: 'RDSH-FORMS' });
    const { token: hostToken } = await ls<{ token: string }>('POST', '/hosts/enroll', { joinToken, name: 'RDSH-FORMS' });
    for (const device of ['PC-A', 'PC-B']) {
      const request = { device, hwid: `hw-${device}`, mode: 'per-device', hostVersion: 2019 };
      const temporary = await ls<{ bundle: CalBundle; kind: string }>('POST', '/cals', request, hostToken);
      expect(temporary.kind).toBe('temporary');
      const { jti } = JSON.parse(Buffer.from(temporary.bundle.token.split('.')[1]!, 'base64url').toString()) as { jti: string };
      await ls('POST', '/cals/validate', { jti }, hostToken);
      const permanent = await ls<{ kind: string }>('POST', '/cals', { ...request, presented: temporary.bundle }, hostToken);
      expect(permanent.kind).toBe('permanent');
    }

    await reopen('License manager');
    const issued = page.locator('#issued');
    const budget = page.getByTestId('revoke-budget');
    await expect.poll(() => budget.textContent()).toContain('Windows Server 2019: 1 of 1 left (0 revoked of 5 installed)');
    await expect.poll(() => issued.locator('tr[data-kind="permanent"]').count()).toBe(2);
    await issued.getByRole('button', { name: 'Revoke the CAL of PC-A' }).click();
    await issued.getByRole('button', { name: 'Confirm revoke' }).click();
    await expect.poll(() => issued.getByRole('status').textContent()).toContain('Revoked the CAL of PC-A; 0 more may be revoked now.');
    await expect.poll(() => budget.textContent()).toContain('Windows Server 2019: 0 of 1 left (1 revoked of 5 installed)');

    await issued.getByRole('button', { name: 'Revoke the CAL of PC-B' }).click();
    await issued.getByRole('button', { name: 'Confirm revoke' }).click();
    const refusal = issued.getByRole('alert');
    await expect.poll(() => refusal.getAttribute('data-code')).toBe('REVOKE_LIMIT_REACHED');
    const revoked = await ls<{ issued: { device: string; expiresAt: string }[] }>('GET', '/issued?status=revoked');
    expect(revoked.issued.map((i) => i.device)).toEqual(['PC-A']);
    revokedExpiry = revoked.issued[0]!.expiresAt.slice(0, 10);
    const text = (await refusal.textContent()) ?? '';
    expect(text).toContain(`The next revoke is allowed on ${revokedExpiry}`);
    expect(text).toContain(`next revoke allowed on ${revokedExpiry}`);
    await shot('03-license-manager-revoke-limit');
    const active = await ls<{ issued: { device: string; kind: string }[] }>('GET', '/issued?status=active');
    expect(active.issued.filter((i) => i.kind === 'permanent').map((i) => i.device)).toEqual(['PC-B']);
  });

  it('reissues by phone for a caller: migration code + pack key read over the phone give the key pack ID to read back', async () => {
    await nav('License manager');
    await page.locator('#migration-code').getByRole('button', { name: 'Make the migration code' }).click();
    const migrationCode = (await page.getByTestId('migration-code').textContent()) ?? '';
    expect(migrationCode).toMatch(/^([B-Z2-9]{5}-){8}[B-Z2-9]{5}$/);

    await nav('Agent desk');
    const form = page.locator('#phone-reissue');
    await form.getByLabel('Migration code or new license server ID').fill(migrationCode);
    await form.getByLabel('Pack key').fill(packB.packKey);
    await form.getByLabel('Agreement number').fill(AGREEMENT);
    await form.getByLabel('Reason (kept with the case and in the audit log)').fill('Caller reinstalled the license server; old one destroyed');
    await form.getByRole('button', { name: 'Reissue' }).click();
    await expect.poll(() => form.getByTestId('case-outcome').getAttribute('data-status')).toBe('approved');
    const keyPackId = (await form.getByTestId('reissue-key-pack-id').textContent()) ?? '';
    expect(keyPackId).toMatch(CODE35);
    expect(await form.getByRole('list', { name: /Key pack ID, 7 groups/ }).locator('li').allTextContents()).toEqual(keyPackId.split('-'));
    await shot('04-agent-desk-phone-reissue');
    const packs = await must('packs', callJson<{ packs: { number: number; serverId: string | null }[] }>(origin, 'GET', '/ch/v1/packs', { token: orgToken }));
    expect(packs.packs.find((p) => p.number === packB.packNumber)?.serverId).toBe(serverId);

    // The caller types it in the license manager: 10 more CALs.
    await nav('License manager');
    const install = page.locator('#install');
    await install.getByLabel('Key pack ID', { exact: true }).fill(keyPackId);
    await install.getByLabel('Obtained by').selectOption('phone');
    await install.getByRole('button', { name: 'Install' }).click();
    await expect.poll(() => page.getByTestId('installed-key-pack').textContent()).toContain(`Installed key pack ${packB.packNumber}: 10 Per Device CALs`);
    expect((await lsStatus()).keyPacks.map((k) => k.pack).sort()).toEqual([packA.packNumber, packB.packNumber].sort());
  });

  it('a read-only token sees the license manager’s data but no write form', async () => {
    const db = await openDatabase(`sqlite:${join(data, 'license-server', 'lserver.db')}`);
    const { token: readonly } = await createToken(db.db, { scope: 'readonly', label: 'auditor' }, clock).finally(() => db.close());
    const tab = await context.newPage();
    try {
      await signIn(tab, [[readonly, 'Auditor']]);
      expect(await tab.locator('td.grants').allTextContents()).toEqual([]); // signed in: the keyring table is gone
      expect(await tab.getByRole('navigation', { name: 'Pages' }).getByRole('link').allTextContents()).toEqual(['License manager', 'Events', 'Dashboard']);
      await expect.poll(() => tab.locator('h2.page-title').textContent()).toBe('License manager');
      await expect.poll(() => tab.getByTestId('license-server-id').textContent()).toBe(serverId);
      await expect.poll(() => tab.locator('#key-packs tr[data-key-pack]').count()).toBe(2);
      await expect.poll(() => tab.locator('#issued tr[data-device="PC-B"]').count()).toBe(1);
      await expect.poll(() => tab.locator('#events tbody tr').count()).toBeGreaterThan(0);
      for (const form of ['#activation', '#install', '#migration-code', '#hosts', '#rebuild', '#deactivate']) {
        expect(await tab.locator(form).count(), `${form} is not shown to a read-only token`).toBe(0);
      }
      expect(await tab.getByRole('button', { name: /Revoke|Check in now/ }).count()).toBe(0);
      await shot('05-license-manager-readonly', tab);
      const write = await callJson(origin, 'POST', '/ls/v1/deactivate', { token: readonly });
      expect(write.ok ? 'accepted' : write.error.code).toBe('FORBIDDEN_SCOPE');
      const read = await callJson<{ issued: unknown[] }>(origin, 'GET', '/ls/v1/issued', { token: readonly });
      expect(read.ok).toBe(true);
    } finally {
      await tab.close();
    }
  });

  it('works with the keyboard alone: sign in and make a join token with Tab and Enter', async () => {
    const tab = await context.newPage();
    /** Presses Tab until the focused control is the one labelled `label` (at most 200 times). */
    const tabTo = async (label: string) => {
      const target = tab.getByLabel(label, { exact: true });
      for (let i = 0; i < 200; i++) {
        await tab.keyboard.press('Tab');
        if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
      }
      throw new Error(`Tab never reached "${label}"`);
    };
    const tabToButton = async (name: string) => {
      for (let i = 0; i < 200; i++) {
        await tab.keyboard.press('Tab');
        const focused = await tab.evaluate(() => (document.activeElement?.tagName === 'BUTTON' ? document.activeElement.textContent?.trim() : undefined));
        if (focused === name) return;
      }
      throw new Error(`Tab never reached the button "${name}"`);
    };
    try {
      await tab.goto(`${origin}/`);
      await expect.poll(() => tab.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
      await tabTo('API token');
      await tab.keyboard.type(ADMIN_TOKEN);
      await tab.keyboard.press('Enter');
      await expect.poll(() => tab.locator('td.grants').count()).toBe(1);
      await tabToButton('Continue');
      await tab.keyboard.press('Enter');
      await expect.poll(() => tab.locator('h2.page-title').textContent()).toBe('License manager');
      await expect.poll(() => tab.locator('#hosts').count()).toBe(1);
      await tabTo('Session host name');
      await tab.keyboard.type('RDSH-KEYS');
      await tab.keyboard.press('Enter');
      const joinToken = (await tab.getByTestId('join-token').textContent()) ?? '';
      expect(joinToken).not.toBe('');
      await shot('06-keyboard-join-token', tab);
      const enrolled = await must('enrol with the join token', callJson<{ token: string }>(origin, 'POST', '/ls/v1/hosts/enroll', { body: { joinToken, name: 'RDSH-KEYS' } }));
      expect(enrolled.token).not.toBe('');
      const hosts = await ls<{ hosts: { name: string }[] }>('GET', '/hosts');
      expect(hosts.hosts.map((h) => h.name)).toContain('RDSH-KEYS');
    } finally {
      await tab.close();
    }
  });

  it('every input, select and text area of every page has a label that getByLabel finds', async () => {
    const unlabelled: string[] = [];
    const loaded: Record<string, string> = {
      Portal: '#deactivation',
      'License manager': '#issued',
      'Agent desk': '#phone-reissue',
      'Session host': '#configure',
      Diagnoser: '[data-testid="diagnosis-summary"][data-blocking]',
    };
    for (const [title, marker] of Object.entries(loaded)) {
      await nav(title);
      await expect.poll(() => page.locator(marker).count()).toBeGreaterThan(0);
      await page.waitForLoadState('networkidle');
      // open the collapsed parts so that their fields count too
      // (one at a time: an opened one leaves the list, so the list is read again after each click)
      const closed = page.locator('details:not([open]) > summary');
      while ((await closed.count()) > 0) await closed.first().click();
      const controls = await page.locator('main input:not([type=hidden]), main select, main textarea').evaluateAll((els) =>
        els.map((el, i) => {
          el.setAttribute('data-label-check', String(i));
          const labels = (el as HTMLInputElement).labels;
          const text = labels && labels.length > 0 ? (labels[0]!.textContent ?? '') : (el.getAttribute('aria-label') ?? '');
          return { i, text: text.replace(/\s+/g, ' ').trim(), what: `${el.tagName.toLowerCase()}[name=${el.getAttribute('name') ?? ''}]` };
        }),
      );
      expect(controls.length, `${title} has form controls`).toBeGreaterThan(0);
      for (const c of controls) {
        if (c.text === '') {
          unlabelled.push(`${title}: ${c.what}`);
          continue;
        }
        const found = await page.getByLabel(c.text, { exact: true }).and(page.locator(`[data-label-check="${c.i}"]`)).count();
        if (found !== 1) unlabelled.push(`${title}: ${c.what} labelled "${c.text}" is not found by getByLabel`);
      }
    }
    expect(unlabelled).toEqual([]);
  });

  it('rebuild: refused by its guard when the clearinghouse does not hold a pack; forced, the key packs are gone, the server is unactivated and keeps its ID', async () => {
    // Before: pack A was reissued to another license server (the clearinghouse no longer holds it for this
    // one), and two years passed (the activation expired, so the clearinghouse's certificate is not restored).
    const other = await otherLicenseServer('other-ls');
    const code = await must('migration code', callJson<{ migrationCode: string }>(other.url, 'POST', '/ls/v1/migration-code', { token: ADMIN_TOKEN, body: { reason: 'replaced', sourceId: serverId } }));
    const moved = await must(
      'reissue pack A to the other server',
      callJson<{ case: { status: string } }>(origin, 'POST', '/ch/v1/phone/reissue', {
        token: agentToken,
        body: { migrationCode: code.migrationCode, packKey: packA.packKey, program: 'select', calType: 'device', calVersion: 2019, agreementNumber: AGREEMENT, reason: 'moved to the replacement server' },
      }),
    );
    expect(moved.case.status).toBe('approved');
    clock.advance(731 * DAY);

    await reopen('License manager');
    const rebuild = page.locator('#rebuild');
    const button = rebuild.getByRole('button', { name: 'Rebuild', exact: true });
    expect(await button.isDisabled()).toBe(true);
    await rebuild.getByLabel('I understand that key packs, issued licenses and the activation are deleted').check();
    await button.click();
    const refusal = rebuild.getByRole('alert');
    await expect.poll(() => refusal.getAttribute('data-code')).toBe('REBUILD_WOULD_LOSE_PACKS');
    expect(await refusal.textContent()).toContain(`The clearinghouse does not hold key packs ${packA.packNumber} for license server ${serverId}`);
    expect((await lsStatus()).keyPacks.filter((k) => k.status === 'active')).toHaveLength(2);
    await shot('07-license-manager-rebuild-refused');

    await rebuild.getByLabel(/Rebuild anyway \(force\)/).check();
    await rebuild.getByRole('button', { name: 'Force the rebuild' }).click();
    await expect.poll(() => rebuild.getByRole('status').textContent()).toContain('Rebuilt: 2 key packs and');
    expect(await rebuild.getByRole('status').textContent()).toContain('(forced); restored from the clearinghouse: activation no, 0 key packs.');
    await expect.poll(() => page.getByTestId('activation-status').textContent()).toContain('unactivated');
    await expect.poll(() => page.locator('#key-packs').textContent()).toContain('No key packs installed');
    expect(await page.getByTestId('license-server-id').textContent()).toBe(serverId);
    // the issued licenses are read again: the rebuild removed them
    await expect.poll(() => page.locator('#issued').textContent()).toContain('No issued licenses match.');
    expect(await page.locator('#issued').getByRole('button', { name: /Revoke/ }).count()).toBe(0);
    // a second rebuild needs a second confirmation
    expect(await button.isDisabled()).toBe(true);
    expect(await rebuild.getByLabel('I understand that key packs, issued licenses and the activation are deleted').isChecked()).toBe(false);
    await shot('08-license-manager-rebuilt');
    const after = await lsStatus();
    expect(after.serverId).toBe(serverId);
    expect(after.activation.status).toBe('unactivated');
    expect(after.keyPacks).toEqual([]);
  });

  it('deactivate shows the 35-character receipt, and the portal records it', async () => {
    // The rebuilt server is activated again through the wizard (automatic, with the organization's token).
    const wizard = page.locator('#activation');
    await expect.poll(() => wizard.getByRole('heading').textContent()).toBe('Activate the server');
    for (const [label, value] of Object.entries({ 'First name': company.firstName, 'Last name': company.lastName, Company: company.company, Country: company.country })) {
      await wizard.getByLabel(label, { exact: true }).fill(value);
    }
    await wizard.getByRole('button', { name: 'Activate' }).click();
    const status = page.getByTestId('activation-status');
    await expect.poll(() => status.textContent()).toMatch(/^\s*(activated|expired)\s+by auto/);
    if ((await status.textContent())!.trim().startsWith('expired')) {
      // The clearinghouse still lists this server as activated (its certificate expired during the two years)
      // and answers that old certificate again; the wizard then offers reactivation with a reason.
      await expect.poll(() => wizard.getByRole('heading').textContent()).toBe('Reactivate the server');
      await wizard.getByLabel('Reason').selectOption('certificate-expired');
      await wizard.getByRole('button', { name: 'Reactivate' }).click();
    }
    await expect.poll(() => status.textContent()).toMatch(/^\s*activated\s+by auto/);
    expect((await lsStatus()).activation).toMatchObject({ status: 'activated', expired: false });

    const card = page.locator('#deactivate');
    await card.getByRole('button', { name: 'Deactivate…' }).click();
    await card.getByRole('button', { name: 'Confirm deactivation' }).click();
    const receipt = (await page.getByTestId('deactivation-receipt').textContent()) ?? '';
    expect(receipt).toMatch(CODE35);
    expect(await card.getByRole('status').textContent()).toContain('Deactivated.');
    await expect.poll(() => page.getByTestId('activation-status').textContent()).toContain('deactivated');
    await shot('09-license-manager-deactivated');
    expect((await lsStatus()).activation.status).toBe('deactivated');

    await nav('Portal');
    const form = page.locator('#deactivation');
    await form.getByLabel('Deactivation receipt').fill(receipt.toLowerCase());
    expect(await form.getByRole('status').first().textContent()).toContain('A valid deactivation receipt');
    await form.getByRole('button', { name: 'Record' }).click();
    await expect.poll(() => form.locator('.alert').textContent()).toContain(`License server ${serverId} is deactivated`);
    await shot('10-portal-deactivation-receipt');
    const servers = await must('servers', callJson<{ servers: { serverId: string; status: string }[] }>(origin, 'GET', '/ch/v1/servers', { token: orgToken }));
    expect(servers.servers.find((s) => s.serverId === serverId)?.status).toBe('deactivated');
  });

  it('made no request to another origin and raised no script error', () => {
    expect(pageErrors).toEqual([]);
    expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
  });
});
