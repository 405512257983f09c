/**
 * The diagnoser page's drop zone in Chromium: a collector bundle and a folder of raw exports dropped on the page
 * are parsed in the browser by the src/core importer and show their findings, plan and phone script, in the
 * browser's language with a switch; a cut export shows its refusal with the file and the line.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startAllInOne, type AllInOneServer } from '../../src/compose/servers';
import { ARTIFACTS, browserSuite, buildConsole, configFor, launchBrowser, requireChromium, silentIo } from './harness';

const ADMIN_TOKEN = 'console-windows-admin-token-0123456789';
const FIXTURES = join(__dirname, '..', 'fixtures', 'windows');

const suite = browserSuite('diagnoser drop zone browser tests');

/** The files of a fixture folder as base64, to build File objects in the page. */
function fixture(situation: string, kind: 'bundle' | 'raw'): { name: string; b64: string }[] {
  const dir = join(FIXTURES, situation, kind);
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, b64: readFileSync(join(dir, name)).toString('base64') }));
}

/** Drops files on the drop zone as a browser does: a DataTransfer with File objects in a `drop` event. */
async function drop(page: Page, files: { name: string; b64: string }[]): Promise<void> {
  await page.getByTestId('windows-dropzone').evaluate((zone, list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name));
    }
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
}

suite('the diagnoser page reads a Windows estate dropped on it', () => {
  let server: AllInOneServer;
  let data = '';
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  const pageErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    data = mkdtempSync(join(tmpdir(), 'opencal-console-windows-'));
    server = await startAllInOne(configFor(ADMIN_TOKEN, { data }), silentIo());
    const b = await launchBrowser();
    page = b.page;
    close = b.close;
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${server.url}/`);
    await page.getByLabel('API token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Diagnoser', exact: true }).click();
    await page.locator('h2.page-title', { hasText: 'Diagnoser' }).waitFor();
    // The page's own diagnosis of the OpenCAL estate has read the servers: the requests counted below are the drop's.
    await page.getByTestId('diagnosis-summary').waitFor();
  }, 240_000);

  afterAll(async () => {
    await close?.();
    await server?.close();
    if (data) rmSync(data, { recursive: true, force: true });
  });

  it("a dropped bundle of the source document's estate shows the reinstall finding, the plan and the phone script", async () => {
    await page.locator('select[name="windowsLang"]').selectOption('en');
    const before = requests.length;
    await drop(page, fixture('reinstalled-2019', 'bundle'));
    const result = page.getByTestId('windows-diagnosis');
    await expect.poll(() => result.getAttribute('data-blocking')).toBe('true');
    const codes = await page.getByTestId('windows-findings').locator('li').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-code')}:${e.getAttribute('data-severity')}`));
    expect(codes).toEqual(['NO_CALS_AFTER_REINSTALL:blocking', 'RECENT_LICENSING_ERRORS:warning']);
    const steps = await page.getByTestId('windows-plan').locator('li').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-step')}:${e.getAttribute('data-done')}`));
    expect(steps).toEqual(['activate:true', 'migrate:false', 'reissue:false', 'install:false', 'configure:true', 'verify:false']);
    const script = (await page.getByTestId('windows-phone-script').textContent()) ?? '';
    expect(script).toContain('License server ID (new): G7KQ2-BCDFG-HJKMP-QRTVW-XY234-6789B-CDFGH');
    expect(script).toContain('organization: Contoso SARL; contact: Ana Diaz (ana.diaz@contoso.fr)');
    expect(await page.getByTestId('windows-findings').textContent()).not.toContain('`');
    // Parsed in the browser: nothing was sent to the server.
    expect(requests.slice(before).filter((u) => new URL(u).pathname.includes('/v1/'))).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'diagnoser-windows-bundle.png'), fullPage: true });
  });

  it('the language switch gives the same findings in French, with the Group Policy path of the source document', async () => {
    await page.locator('select[name="windowsLang"]').selectOption('fr');
    await expect.poll(() => page.getByTestId('windows-findings').textContent()).toContain('La clé est déjà activée');
    await drop(page, fixture('mode-not-configured-grace-over', 'raw'));
    await expect.poll(() => page.getByTestId('windows-findings').locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')))).toEqual([
      'MODE_NOT_CONFIGURED',
      'RECENT_LICENSING_ERRORS',
      'GRACE_PERIOD_EXPIRED',
    ]);
    expect(await page.getByTestId('windows-findings').textContent()).toContain("Configuration ordinateur → Modèles d'administration → Composants Windows → Services Bureau à distance → Hôte de session Bureau à distance → Licences");
    await page.screenshot({ path: join(ARTIFACTS, 'diagnoser-windows-raw-fr.png'), fullPage: true });
  });

  it('a healthy estate chosen with the file picker shows no finding', async () => {
    await page.locator('select[name="windowsLang"]').selectOption('en');
    const dir = join(FIXTURES, 'healthy', 'raw');
    await page.locator('input[name="windowsFiles"]').setInputFiles(readdirSync(dir).map((n) => join(dir, n)));
    await expect.poll(() => page.getByTestId('windows-findings-clean').textContent()).toContain('No problem found');
    expect(await page.getByTestId('windows-diagnosis').getAttribute('data-blocking')).toBe('false');
  });

  it('a cut export shows a refusal naming the file and the line', async () => {
    const lic = fixture('reinstalled-2019', 'bundle').find((f) => f.name.includes('LIC01'))!;
    const cut = Buffer.from(lic.b64, 'base64').subarray(0, 500).toString('base64');
    await drop(page, [{ name: 'opencal-bundle-LIC01.json', b64: cut }]);
    const refusal = page.getByTestId('windows-refusal');
    await expect.poll(() => refusal.getAttribute('data-code')).toBe('IMPORT_JSON_INVALID');
    expect(await refusal.textContent()).toMatch(/opencal-bundle-LIC01\.json, line \d+: the JSON is cut or broken/);
    expect(pageErrors).toEqual([]);
  });

  it("the OpenCAL estate's diagnosis, plan and labels follow the language switch, which is the console's and kept for the next visit", async () => {
    await page.locator('select[name="diagnosisLang"]').selectOption('fr');
    await expect.poll(() => page.locator('#diagnosis-title').textContent()).toBe('Diagnostic');
    expect(await page.getByTestId('diagnosis-summary').textContent()).toMatch(/^Hôte de session \S+ : /);
    expect(await page.locator('#recovery-plan-title').textContent()).toBe('Plan de reprise');
    const plan = (await page.getByTestId('recovery-plan').textContent()) ?? '';
    expect(plan).toContain('Activer le serveur de licences');
    expect(plan).not.toContain('Activate the license server');
    expect(await page.locator('#diagnosis').getByRole('button').first().textContent()).toBe('Relancer le diagnostic');
    // One switch serves the page: the Windows card speaks French too.
    expect(await page.locator('select[name="windowsLang"]').inputValue()).toBe('fr');
    await page.screenshot({ path: join(ARTIFACTS, 'diagnoser-opencal-fr.png'), fullPage: true });

    // The choice is the console's: after a reload the navigation speaks French too.
    await page.reload();
    expect(await page.getByTestId('console-lang').inputValue()).toBe('fr');
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Diagnostic', exact: true }).click();
    await page.getByTestId('diagnosis-summary').waitFor();
    expect(await page.locator('#diagnosis-title').textContent()).toBe('Diagnostic');
    await page.locator('select[name="diagnosisLang"]').selectOption('en');
    await expect.poll(() => page.locator('#diagnosis-title').textContent()).toBe('Diagnosis');
    expect((await page.getByTestId('recovery-plan').textContent()) ?? '').toContain('Activate the license server');
    expect(pageErrors).toEqual([]);
  });
});
