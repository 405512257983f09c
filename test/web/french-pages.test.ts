/**
 * The portal and the session host page in French, in Chromium on a real all-in-one: the header's language switch
 * turns their card titles, buttons, copy buttons and typed-code checks into French, and no English card title of
 * theirs remains.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startAllInOne, type AllInOneServer } from '../../src/compose/servers';
import { callJson } from '../../src/http/client';
import { browserSuite, buildConsole, configFor, must, openSignedIn, requireChromium, silentIo } from './harness';

const ADMIN_TOKEN = 'console-french-pages-admin-token-01234567';
const suite = browserSuite('French portal and session host browser tests');

/** Signs in, switches the console to French and opens the page whose navigation link is `link`. */
async function openInFrench(url: string, token: string, link: string, pageErrors: string[]): Promise<{ page: Page; close: () => Promise<void> }> {
  const opened = await openSignedIn(url, token, pageErrors);
  await opened.page.getByRole('button', { name: 'Continue' }).click();
  await opened.page.getByTestId('console-lang').selectOption('fr');
  await opened.page.getByRole('navigation').getByRole('link', { name: link, exact: true }).click();
  return opened;
}

const cardTitles = (page: Page) => page.locator('section.card > h2').allTextContents();

suite('the portal and the session host page in French', () => {
  let server: AllInOneServer;
  let data = '';
  const closers: (() => Promise<void>)[] = [];
  const pageErrors: string[] = [];
  let orgToken = '';

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    data = mkdtempSync(join(tmpdir(), 'opencal-console-french-'));
    server = await startAllInOne(configFor(ADMIN_TOKEN, { data }), silentIo());
    const org = await must('create the organization', callJson<{ orgId: string; token: string }>(server.url, 'POST', '/ch/v1/orgs', { token: ADMIN_TOKEN, body: { name: 'Contoso' } }));
    orgToken = org.token;
  }, 240_000);

  afterAll(async () => {
    for (const c of closers) await c();
    await server?.close();
    if (data) rmSync(data, { recursive: true, force: true });
  });

  it('shows the portal in French: card titles, the Migrate button and the check of a code being typed', async () => {
    const { page, close } = await openInFrench(server.url, orgToken, 'Portail', pageErrors);
    closers.push(close);
    await page.getByRole('heading', { name: 'Gérer les CAL' }).waitFor();
    const titles = await cardTitles(page);
    expect(titles).toEqual(
      expect.arrayContaining(['Gérer les CAL', 'Packs', 'Serveurs de licences', 'Dossiers', 'Activer un serveur de licences (web)', 'Enregistrer un reçu de désactivation']),
    );
    for (const english of ['Manage CALs', 'License servers', 'Cases', 'Activate a license server (web)', 'Record a deactivation receipt']) expect(titles).not.toContain(english);
    expect(await page.locator('#manage-cals button[type="submit"]').textContent()).toBe('Migrer');
    const packKey = page.getByLabel('Clé du pack');
    await packKey.fill('BCDFG');
    const status = page.locator(`[id="${await packKey.getAttribute('aria-describedby')}"]`);
    await expect.poll(() => status.textContent()).toBe('5 caractères sur 25 — 1 groupes sur 5 tapés, tous valides jusqu’ici.');
    await expect.poll(() => page.locator('#packs .empty').textContent()).toBe('Aucun pack pour l’instant.');
    expect(pageErrors).toEqual([]);
  });

  it('shows the session host page in French: card titles, the Connect button and the copy button of the configuration', async () => {
    const { page, close } = await openInFrench(server.url, ADMIN_TOKEN, 'Hôte de session', pageErrors);
    closers.push(close);
    await page.getByRole('heading', { name: 'Appareil de test' }).waitFor();
    await page.getByRole('heading', { name: 'Gestion des licences' }).waitFor();
    const titles = await cardTitles(page);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Gestion des licences',
        'Configurer les licences',
        'Inscrire sur un serveur de licences',
        'Appareil de test',
        'Admissions et refus récents',
        'Configuration des hôtes de session Windows',
      ]),
    );
    for (const english of ['Licensing', 'Configure licensing', 'Enrol on a license server', 'Test device', 'Recent admissions and refusals', 'Configuration for Windows session hosts']) {
      expect(titles).not.toContain(english);
    }
    expect(await page.locator('#test-device button[type="submit"]').textContent()).toBe('Connecter');
    await page.getByRole('button', { name: 'Copier : Configuration PowerShell' }).waitFor();
    expect(await page.getByRole('button', { name: 'Copier : Configuration PowerShell' }).textContent()).toBe('Copier');
    expect(pageErrors).toEqual([]);
  });
});
