// `npm run build` (run by `npm ci` through `prepare`, and by `npm test`): the server and the CLI bundled by esbuild
// into dist/ — ESM for Node 20, npm packages left as imports of node_modules, split into chunks so that a command
// loads only the modules its action imports. Entries, all at the top of dist/ beside the chunks:
//   dist/opencal.js          src/main.ts, run by bin/opencal.mjs (CLI and servers);
//   dist/<name>.worker.js    each src/**/<name>.worker.ts (worker threads, found by a path relative to their caller).
// The console is built by vite into dist/web (`npm run build:web`); this script leaves dist/web alone.
// `--metafile` also writes dist/meta.json (what each output holds and imports: `npx esbuild --analyze` reads it).
import { readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { asciiOnly, externalPackages, requireBanner } from './bundle-options.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const out = join(root, 'dist');

/** Every src/**\/*.worker.ts, outside the console. */
function workerEntries(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== join(src, 'web')) found.push(...workerEntries(path));
    } else if (entry.name.endsWith('.worker.ts')) found.push(path);
  }
  return found;
}

const entryPoints = { opencal: join(src, 'main.ts') };
for (const file of workerEntries(src)) {
  const name = basename(file, '.ts');
  if (name in entryPoints) throw new Error(`two worker modules named ${name}.ts: ${relative(root, entryPoints[name])} and ${relative(root, file)}`);
  entryPoints[name] = file;
}

// The previous build's files (not the console's).
mkdirSync(out, { recursive: true });
for (const entry of readdirSync(out, { withFileTypes: true })) {
  if (entry.isFile() && /\.(js|js\.map|json)$/.test(entry.name)) rmSync(join(out, entry.name));
}

const result = await build({
  absWorkingDir: root,
  entryPoints,
  outdir: out,
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: externalPackages,
  banner: { js: requireBanner },
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
asciiOnly(out);
if (process.argv.includes('--metafile')) writeFileSync(join(out, 'meta.json'), JSON.stringify(result.metafile));
