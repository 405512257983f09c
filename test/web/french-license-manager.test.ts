/**
 * The license manager page in French, in Chromium on a real all-in-one: with the header's language switched to
 * French, its cards, labels and buttons read in French and none of its English card titles remain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startAllInOne, type AllInOneServer } from '../../src/compose/servers';
import { browserSuite, buildConsole, configFor, openSignedIn, requireChromium, silentIo } from './harness';

const ADMIN_TOKEN = 'console-french-license-manager-token-0123';
const suite = browserSuite('license manager in French browser tests');

/** The English card titles of the license manager page (both titles of the activation card). */
const ENGLISH_TITLES = [
  'License server',
  'Activation',
  'Activate the server',
  'Reactivate the server',
  'Install licenses',
  'Key packs',
  'Issued licenses',
  'Migration code',
  'Session hosts',
  'Rebuild the license database',
  'Deactivate the server',
];

suite('the license manager page in French', () => {
  let server: AllInOneServer;
  let data = '';
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  const pageErrors: string[] = [];
  const cardTitles = () => page.locator('section.card > h2').allTextContents();

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    data = mkdtempSync(join(tmpdir(), 'opencal-console-french-lm-'));
    server = await startAllInOne(configFor(ADMIN_TOKEN, { data }), silentIo());
    ({ page, close } = await openSignedIn(server.url, ADMIN_TOKEN, pageErrors));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'License manager', exact: true }).click();
    await page.locator('#issued').waitFor();
  }, 240_000);

  afterAll(async () => {
    await close?.();
    await server?.close();
    if (data) rmSync(data, { recursive: true, force: true });
  });

  it('reads its cards, labels and buttons in French once the header says Français', async () => {
    expect(await cardTitles()).toContain('Install licenses');
    await page.getByTestId('console-lang').selectOption('fr');
    await expect.poll(cardTitles).toContain('Installer des licences');
    const titles = await cardTitles();
    for (const title of ['Serveur de licences', 'Packs de licences', 'Licences délivrées', 'Code de migration', 'Hôtes de session', 'Reconstruire la base de données de licences', 'Désactiver le serveur']) {
      expect(titles).toContain(title);
    }
    expect(titles.filter((title) => ENGLISH_TITLES.includes(title))).toEqual([]);
    await expect.poll(() => page.getByRole('button', { name: 'Contacter le centre d’échange maintenant' }).count()).toBe(1);
    await expect.poll(() => page.getByRole('button', { name: 'Produire le code de migration' }).count()).toBe(1);
    expect(await page.locator('#issued').getByLabel('Trier par').count()).toBe(1);
    expect(await page.locator('#server dt').first().textContent()).toBe('ID du serveur de licences');
    expect(pageErrors).toEqual([]);
  });
});
