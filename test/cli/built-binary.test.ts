/**
 * bin/opencal.mjs runs the build in dist/ (`npm run build`, run by `npm ci` and `npm test`), and a command loads
 * only the modules it uses: a resolve hook records every module the process imports.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCode } from '../../src/core/codes/index';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'opencal.mjs');
const SERVER_PACKAGES = ['fastify', '@fastify', 'kysely', 'pg', 'better-sqlite3', 'jose', 'pino', 'prom-client', 'typebox'];

let dir: string;
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'opencal.js'))) throw new Error('dist/opencal.js is missing: run `npm run build` (npm test does) before these tests.');
  dir = mkdtempSync(join(tmpdir(), 'opencal-bin-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `node bin/opencal.mjs ARGS` with a resolve hook writing each imported module's URL to a file. */
function traced(args: string[]) {
  const log = join(dir, `imports-${args.join('-').replace(/[^a-z0-9-]/gi, '')}.txt`);
  writeFileSync(log, '');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const answer = await next(specifier, context);
  appendFileSync(process.env.OPENCAL_IMPORT_LOG, answer.url + '\\n');
  return answer;
}
`,
  );
  const register = `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`;
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, BIN, ...args], {
    env: { ...process.env, OPENCAL_IMPORT_LOG: log, OPENCAL_URL: '', OPENCAL_TOKEN: '' },
    encoding: 'utf8',
  });
  const imported = readFileSync(log, 'utf8').split('\n').filter((l) => l !== '');
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, imported };
}

const DIST = pathToFileURL(join(ROOT, 'dist')).href + '/';

/**
 * The npm packages a process loaded: imported from node_modules, or bundled into a file of dist/ that it imported
 * (esbuild starts the code of each bundled module with a `// node_modules/<package>/…` comment).
 */
function packagesOf(urls: string[]): string[] {
  const names = urls.flatMap((u) => {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
    if (m) return [m[1]!];
    if (!u.startsWith(DIST) || !u.endsWith('.js')) return [];
    return [...readFileSync(fileURLToPath(u), 'utf8').matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)].map((x) => x[1]!);
  });
  return [...new Set(names)].sort();
}

function serverPackagesIn(packages: string[]): string[] {
  return packages.filter((p) => SERVER_PACKAGES.some((s) => p === s || p.startsWith(`${s}/`)));
}

describe('the opencal binary', () => {
  it('runs the built code in dist/, not the TypeScript sources', () => {
    const r = traced(['--version']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
    expect(r.imported).toContain(pathToFileURL(join(ROOT, 'dist', 'opencal.js')).href);
    expect(r.imported.filter((u) => u.includes('/src/') || u.endsWith('.ts'))).toEqual([]);
    expect(packagesOf(r.imported)).not.toContain('tsx');
  });

  it('opencal --version loads no server module (Fastify, Kysely, SQLite, PostgreSQL, jose, pino)', () => {
    const r = traced(['--version']);
    expect(r.status).toBe(0);
    expect(packagesOf(r.imported)).toContain('commander');
    expect(serverPackagesIn(packagesOf(r.imported))).toEqual([]);
  });

  it('an offline code check loads no server module and says what the code is', () => {
    const code = encodeCode('keyPackId', { packNumber: 7, calType: 'device', calVersion: 2019, count: 25, program: 'select', grantSeq: 1 }, new Uint8Array(32).fill(9));
    const r = traced(['code', 'check', code, '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, kind: 'keyPackId', fields: { packNumber: 7, count: 25 } });
    expect(serverPackagesIn(packagesOf(r.imported))).toEqual([]);
  });

  it('a server start refused before it begins (a bad --port) loads no server module', () => {
    const r = traced(['serve', '--port', 'not-a-port']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^[A-Z_]+: /);
    expect(serverPackagesIn(packagesOf(r.imported))).toEqual([]);
  });

  it('without a build, says how to make one and exits 3', () => {
    const copy = join(dir, 'unbuilt');
    mkdirSync(join(copy, 'bin'), { recursive: true });
    copyFileSync(BIN, join(copy, 'bin', 'opencal.mjs'));
    const r = spawnSync(process.execPath, [join(copy, 'bin', 'opencal.mjs'), '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('NOT_BUILT');
    expect(r.stderr).toContain('npm run build');
  });
});
