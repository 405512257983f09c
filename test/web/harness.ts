/**
 * What the console's browser tests share: the bundle built once per source state (several test files may
 * start at the same time; they must not rebuild dist/web under each other's server), the all-in-one server's
 * configuration, Debian's Chromium through playwright-core, and the visible skip when Chromium is missing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { resolveConfig } from '../../src/config/index';
import type { OpenCalConfig } from '../../src/config/schema';
import type { CliIo } from '../../src/cli/io';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const ARTIFACTS = join(REPO, 'test-artifacts', 'console');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function isCi(): boolean {
  const ci = process.env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

export function silentIo(): CliIo {
  return { stdout: new PassThrough(), stderr: new PassThrough(), env: {}, cwd: REPO };
}

export function configFor(adminToken: string, flags: Partial<Record<keyof OpenCalConfig, unknown>>): OpenCalConfig {
  const r = resolveConfig({ flags: { host: '127.0.0.1', port: '0', logLevel: 'silent', adminToken, ...flags }, env: {}, cwd: REPO });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value.values as OpenCalConfig;
}

export async function must<T>(what: string, answer: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const r = await answer;
  if (!r.ok) throw new Error(`${what}: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

const OUT = join(REPO, 'dist', 'web');
const STAMP = join(OUT, '.source-hash');
const LOCK = join(REPO, 'dist', '.web-build.lock');

/** A hash of everything the bundle is made from (src/, the lockfile): the build is redone when it changes. */
function sourceHash(): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(p.slice(REPO.length)).update(readFileSync(p));
    }
  };
  walk(join(REPO, 'src'));
  for (const f of ['package-lock.json', 'package.json']) if (existsSync(join(REPO, f))) h.update(readFileSync(join(REPO, f)));
  return h.digest('hex');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Builds the console bundle into dist/web (where src/web/serve.ts serves it from) unless it was already built
 * from the same sources. A lock directory keeps two test files from building at once.
 */
export async function buildConsole(): Promise<void> {
  mkdirSync(join(REPO, 'dist'), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // another test file is building; a lock older than two minutes was left by a killed run
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // removed meanwhile
      }
      if (waited > 180_000) throw new Error(`The console build lock ${LOCK} stayed taken; remove it if no test runs.`);
      await sleep(200);
    }
  }
  try {
    const hash = sourceHash();
    if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash && existsSync(join(OUT, 'index.html'))) return;
    const { build } = await import('vite');
    const env = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ configFile: join(REPO, 'src/web/vite.config.ts'), mode: 'production', logLevel: 'warn' });
    } finally {
      if (env === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = env;
    }
    writeFileSync(STAMP, hash);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export const chromiumThere = existsSync(CHROMIUM);

/** `describe` when Chromium is there (or in CI, where its absence fails), else `describe.skip` with a notice. */
export function browserSuite(what: string): typeof describe | typeof describe.skip {
  if (!chromiumThere && !isCi()) {
    console.warn(`[opencal] ${what} are skipped: no Chromium at ${CHROMIUM}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  return chromiumThere ? describe : isCi() ? describe : describe.skip;
}

export function requireChromium(): void {
  if (!chromiumThere) throw new Error(`No Chromium at ${CHROMIUM}: CI must install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
}

/** Debian's Chromium, headless, with a throw-away profile; `close()` removes the profile. */
export async function launchBrowser(): Promise<{ context: BrowserContext; page: Page; close: () => Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'pw-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A browser on the console at `url`, signed in with `token` (the sign-in page's Continue not pressed); page errors collected. */
export async function openSignedIn(url: string, token: string, pageErrors: string[]): Promise<{ page: Page; close: () => Promise<void> }> {
  const b = await launchBrowser();
  b.page.on('pageerror', (e) => pageErrors.push(String(e)));
  await b.page.goto(`${url}/`);
  await b.page.getByLabel('API token').fill(token);
  await b.page.getByRole('button', { name: 'Sign in' }).click();
  return { page: b.page, close: b.close };
}
