/**
 * Every role has its pages, in Chromium against the real all-in-one server in demo mode: the sign-in page says
 * where the demo's tokens are; a clearinghouse administrator creates an organization, an agent and a pack, sees
 * them listed, and revokes a token that is then refused; the agent desk tells a case's evidence in sentences; the
 * license manager's tree shows the organization's two license servers; and the new pages work with Tab, Enter and
 * Space alone. Screenshots at 1366×900 and 800×1000 go to test-artifacts/console/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startAllInOne, startLicenseServerAlone, type AllInOneServer } from '../../src/compose/servers';
import { shortServerId } from '../../src/core/case-evidence-texts';
import { DEMO_AGREEMENT } from '../../src/demo/seed';
import { callJson } from '../../src/http/client';
import { ARTIFACTS, browserSuite, buildConsole, configFor, launchBrowser, must, requireChromium, silentIo } from './harness';

const ADMIN_TOKEN = 'roles-test-admin-token-0123456789';
const suite = browserSuite('clearinghouse administrator and role pages browser tests');

suite('every role has its pages: clearinghouse administrator, agent desk sentences, tree of license servers', () => {
  let server: AllInOneServer;
  let origin = '';
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  const dirs: string[] = [];
  const pageErrors: string[] = [];
  let orgToken = '';
  let agentToken = '';
  let branchId = '';
  let caseNumber = '';

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    mkdirSync(ARTIFACTS, { recursive: true });
    const data = mkdtempSync(join(tmpdir(), 'opencal-roles-'));
    dirs.push(data);
    server = await startAllInOne(configFor(ADMIN_TOKEN, { data, demo: true }), silentIo());
    origin = server.url;
    orgToken = server.demo!.orgToken;
    agentToken = server.demo!.agentToken;

    // A second license server of the demo organization (a branch office) holding a second pack, checked in just now.
    const branchData = mkdtempSync(join(tmpdir(), 'opencal-roles-branch-'));
    dirs.push(branchData);
    const branch = await startLicenseServerAlone(configFor(ADMIN_TOKEN, { data: branchData, clearinghouseUrl: origin }), silentIo());
    try {
      const company = { firstName: 'Alex', lastName: 'Martin', company: 'Contoso (demo)', country: 'FR' };
      await must('activate the branch license server', callJson(branch.url, 'POST', '/ls/v1/activate', { token: ADMIN_TOKEN, body: { method: 'auto', orgToken, company } }));
      const pack = await must(
        'sell the branch its pack',
        callJson<{ packNumber: number; packKey: string }>(origin, 'POST', '/ch/v1/packs', {
          token: ADMIN_TOKEN,
          body: { orgId: server.demo!.orgId, calType: 'device', calVersion: 2019, program: 'select', count: 5, agreementNumber: DEMO_AGREEMENT },
        }),
      );
      await must('install the pack on the branch', callJson(branch.url, 'POST', '/ls/v1/key-packs', { token: ADMIN_TOKEN, body: { packKey: pack.packKey, agreementNumber: DEMO_AGREEMENT } }));
      await must('check the branch in', callJson(branch.url, 'POST', '/ls/v1/check-in', { token: ADMIN_TOKEN }));
      branchId = (await must('read the branch ID', callJson<{ serverId: string }>(branch.url, 'GET', '/ls/v1/identity'))).serverId;
      // The organization asks to move the branch's pack to the all-in-one's license server: the branch checked in
      // just now and has not deactivated, so the case waits for an agent.
      const code = await must('make a migration code', callJson<{ migrationCode: string }>(origin, 'POST', '/ls/v1/migration-code', { token: ADMIN_TOKEN, body: { reason: 'replaced' } }));
      const asked = await must(
        'ask for the migration',
        callJson<{ case: { caseNumber: string; status: string } }>(origin, 'POST', '/ch/v1/portal/migrate', {
          token: orgToken,
          body: { migrationCode: code.migrationCode, packKey: pack.packKey, program: 'select', calType: 'device', calVersion: 2019, agreementNumber: DEMO_AGREEMENT },
        }),
      );
      expect(asked.case.status).toBe('pending');
      caseNumber = asked.case.caseNumber;
    } finally {
      await branch.close();
    }

    const b = await launchBrowser();
    page = b.page;
    close = b.close;
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  }, 240_000);

  afterAll(async () => {
    await close?.();
    await server?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Screenshots of the page at the two sizes people use, back at the usual size after. */
  const shots = async (name: string) => {
    for (const [w, h] of [
      [1366, 900],
      [800, 1000],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.screenshot({ path: join(ARTIFACTS, `roles-${name}-${w}x${h}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  };
  const nav = async (title: string) => {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: title, exact: true }).click();
    await expect.poll(() => page.locator('h2.page-title').textContent()).toBe(title);
  };
  const signIn = async (token: string, label: string) => {
    await page.getByLabel('API token').fill(token);
    await page.getByLabel('Label (optional)').fill(label);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('td', { hasText: label }).count()).toBeGreaterThan(0);
  };
  /** Presses Tab until `matches` holds for the focused element (at most 300 times). */
  const tabUntil = async (what: string, matches: () => Promise<boolean>) => {
    for (let i = 0; i < 300; i++) {
      await page.keyboard.press('Tab');
      if (await matches()) return;
    }
    throw new Error(`Tab never reached ${what}`);
  };
  const focusedLabel = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent?.trim() ?? '');
  const focusedIs = (label: string) => async () => (await page.getByLabel(label, { exact: true }).evaluate((el) => el === document.activeElement).catch(() => false));

  it("the sign-in page says where the demo's organization and agent tokens are, without showing them", async () => {
    await page.goto(`${origin}/`);
    const help = page.getByTestId('demo-tokens-help');
    await help.waitFor();
    expect(await help.textContent()).toContain('saved on the server in the file demo.json of its data directory');
    const html = await page.content();
    expect(html).not.toContain(orgToken);
    expect(html).not.toContain(agentToken);
    await shots('sign-in');
  });

  it("with the all-in-one's administrator token every page it may use shows, the clearinghouse page among them", async () => {
    await signIn(ADMIN_TOKEN, 'Admin');
    await page.getByRole('button', { name: 'Continue' }).click();
    const links = await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allTextContents();
    expect(links).toEqual(['License manager', 'Clearinghouse', 'Session host', 'Events', 'Diagnoser', 'Dashboard']);
  });

  it('a clearinghouse administrator creates an organization, an agent and a pack, and sees them listed', async () => {
    await nav('Clearinghouse');
    const orgs = page.locator('#ch-orgs');
    await orgs.getByLabel('Organization name').fill('Fabrikam');
    await orgs.getByRole('button', { name: 'Create the organization' }).click();
    const orgTokenShown = (await page.getByTestId('new-org-token').textContent()) ?? '';
    expect(orgTokenShown.length).toBeGreaterThan(20);
    await expect.poll(() => page.getByTestId('org-list').locator('td', { hasText: 'Fabrikam' }).count()).toBe(1);
    expect(page.url()).not.toContain(orgTokenShown);

    const agents = page.locator('#ch-agents');
    await agents.getByLabel('Agent name').fill('Desk Two');
    await agents.getByRole('button', { name: 'Create the agent' }).click();
    const deskToken = (await page.getByTestId('new-agent-token').textContent()) ?? '';
    expect(deskToken.length).toBeGreaterThan(20);
    await expect.poll(() => page.getByTestId('agent-list').locator('td', { hasText: 'Desk Two' }).count()).toBe(1);

    const packs = page.locator('#ch-packs');
    const fabrikam = (await must('list organizations', callJson<{ organizations: { id: string; name: string }[] }>(origin, 'GET', '/ch/v1/orgs', { token: ADMIN_TOKEN }))).organizations.find((o) => o.name === 'Fabrikam')!;
    await packs.getByLabel('Organization').selectOption(fabrikam.id);
    await packs.getByLabel('Program').selectOption('select');
    await packs.getByLabel('Agreement number').fill('7654321');
    await packs.getByLabel('CAL type').selectOption('user');
    await packs.getByLabel('CAL version').selectOption('2022');
    await packs.getByLabel('Quantity (CALs)').fill('25');
    await packs.getByRole('button', { name: 'Record the sale' }).click();
    const packKey = (await page.getByTestId('new-pack-key').textContent()) ?? '';
    expect(packKey).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
    const row = page.getByTestId('pack-list').locator('tr', { hasText: 'Fabrikam' });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('td').allTextContents()).toEqual([expect.any(String), 'Fabrikam', 'select', 'Per User', '2022', '25', 'unassigned', '—']);

    const held = await must('list packs', callJson<{ packs: { orgId: string | null; count: number; calType: string; calVersion: number }[] }>(origin, 'GET', '/ch/v1/packs', { token: ADMIN_TOKEN }));
    expect(held.packs.filter((p) => p.orgId === fabrikam.id)).toEqual([expect.objectContaining({ count: 25, calType: 'user', calVersion: 2022 })]);
    await shots('clearinghouse');

    // The agent's token is revoked after a confirmation that says what the agent loses; it is refused from then on.
    expect((await callJson(origin, 'GET', '/ch/v1/cases', { token: deskToken })).ok).toBe(true);
    await page.getByRole('button', { name: /^Revoke token \d+ \(agent Desk Two\)$/ }).click();
    const confirm = page.getByTestId('confirm-revoke');
    expect(await confirm.textContent()).toContain('Agent Desk Two can no longer use the agent desk with this token: no case reviews, no phone activations or reissues, no packs recorded.');
    await shots('clearinghouse-confirm-revoke');
    await confirm.getByRole('button', { name: 'Revoke the token' }).click();
    await expect.poll(() => page.getByTestId('token-revoked').textContent()).toContain('(agent Desk Two) is revoked');
    const refused = await callJson(origin, 'GET', '/ch/v1/cases', { token: deskToken });
    expect(refused.ok ? 'accepted' : refused.error.code).toBe('UNAUTHENTICATED');
    await expect.poll(() => page.getByTestId('token-list').locator('td', { hasText: 'agent Desk Two' }).count()).toBe(0);
  });

  it("the agent desk tells the case's evidence in sentences, in English and in French, with the stored evidence behind a disclosure", async () => {
    await page.locator('a.header-link', { hasText: 'Tokens' }).click();
    await signIn(agentToken, 'Demo agent');
    await signIn(orgToken, 'Contoso');
    await page.getByRole('button', { name: 'Continue' }).click();
    await nav('Agent desk');
    const item = page.locator(`article[data-case="${caseNumber}"]`);
    const sentences = item.getByTestId('evidence-sentences');
    const servers = await must('list servers', callJson<{ servers: { serverId: string; lastCheckInAt: string | null }[] }>(origin, 'GET', '/ch/v1/servers', { token: ADMIN_TOKEN }));
    const day = servers.servers.find((s) => s.serverId === branchId)!.lastCheckInAt!.slice(0, 10);
    const short = shortServerId(branchId);
    await expect.poll(() => sentences.locator('li').allTextContents()).toContain(`The old license server ${short} last checked in today (${day}) and has not deactivated. (speaks against the move)`);
    expect(await sentences.textContent()).toContain(`The old license server ${short} sent no deactivation receipt.`);
    expect(await item.locator('details summary').textContent()).toBe('Recorded evidence (as stored)');
    expect(await item.locator('dl.evidence').isVisible()).toBe(false);
    await shots('agent-desk');

    await page.getByTestId('console-lang').selectOption('fr');
    await expect.poll(() => sentences.textContent()).toContain(`L’ancien serveur de licences ${short} s’est manifesté pour la dernière fois aujourd’hui (${day}) et n’a pas été désactivé.`);
    await page.getByTestId('console-lang').selectOption('en');
  });

  it("the license manager's tree shows the organization's two license servers; this one opens to its key packs and a selected one shows its details", async () => {
    await nav('License manager');
    const tree = page.getByTestId('server-tree');
    await expect.poll(() => tree.locator('[data-tree-server]').count()).toBe(2);
    const ids = await tree.locator('[data-tree-server]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-tree-server'), e.getAttribute('data-local')]));
    expect(ids).toEqual([
      [server.licenseServerId, 'true'],
      [branchId, 'false'],
    ]);
    expect(await tree.getByTestId('tree-key-packs').locator('li').allTextContents()).toEqual([`Pack ${server.demo!.packNumber}·1 — Per Device 2019 — 10 of 10 available active`]);
    await tree.getByRole('button', { name: `Details of license server ${shortServerId(branchId)}` }).click();
    const details = page.getByTestId('tree-details');
    await expect.poll(() => details.getAttribute('data-server')).toBe(branchId);
    expect(await details.textContent()).toContain('Pack ');
    expect(await details.textContent()).toContain('5 Per Device CALs, version 2019 (select)');
    await shots('license-manager-tree');
  });

  it('the new pages work with the keyboard alone: Tab, Enter and Space', async () => {
    await page.goto(`${origin}/#/clearinghouse`);
    await expect.poll(() => page.locator('h2.page-title').textContent()).toBe('Clearinghouse');
    await page.locator('#ch-orgs').getByLabel('Organization name').waitFor();
    await tabUntil('the organization name', focusedIs('Organization name'));
    await page.keyboard.type('Northwind');
    await page.keyboard.press('Enter');
    await page.getByTestId('new-org-token').waitFor();
    await expect.poll(() => page.getByTestId('token-list').locator('td', { hasText: 'organization Northwind' }).count()).toBe(1);
    await tabUntil('the revoke button of Northwind', async () => /^Revoke token \d+ \(organization Northwind\)$/.test(await focusedLabel()));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('confirm-revoke');
    await tabUntil('the confirmation', async () => (await focusedLabel()) === 'Revoke the token');
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByTestId('token-revoked').textContent()).toContain('(organization Northwind) is revoked');

    await tabUntil('the license manager link', async () => (await focusedLabel()) === 'License manager');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('h2.page-title').textContent()).toBe('License manager');
    await page.getByTestId('server-tree').locator('[data-tree-server]').nth(1).waitFor();
    const local = `${shortServerId(server.licenseServerId)} (this license server)`;
    await tabUntil('the tree toggle', async () => (await focusedLabel()) === `Hide the key packs of ${local}`);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('tree-key-packs').count()).toBe(0);
    await tabUntil('the branch in the tree', async () => (await focusedLabel()) === `Details of license server ${shortServerId(branchId)}`);
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByTestId('tree-details').getAttribute('data-server')).toBe(branchId);
    expect(pageErrors).toEqual([]);
  });
});
