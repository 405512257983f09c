import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The esbuild options shared by `npm run build` (scripts/build.mjs) and the bench's compiled servers (bench/lib.ts).
// npm packages written in plain JavaScript are bundled into dist/ with the code: a process then loads a few large
// files instead of thousands of small modules (typebox alone is ~700 files, Kysely ~280, Fastify's dependencies
// several hundred), which costs ~20 MiB less memory and about half the module-loading time of a server's start.
// Left as imports of node_modules: native addons (better-sqlite3), what reads files beside its own code at run time
// (the OpenAPI UI's assets, @fastify/static), the PostgreSQL driver (loaded only for a postgres:// database), and
// the development tools some commands load on demand.
export const externalPackages = [
  'better-sqlite3',
  'pg',
  'pg-native',
  '@fastify/swagger-ui',
  '@fastify/static',
  'cli-progress',
  'esbuild',
  'tsx',
  'vite',
  'playwright-core',
  'web-tree-sitter',
  'tree-sitter-powershell',
];

// Bundled CommonJS packages call `require` (for node: built-ins and the external packages): an ES module has none,
// so every output file gets one made for its own location.
export const requireBanner = "import { createRequire as __opencalCreateRequire } from 'node:module'; const require = __opencalCreateRequire(import.meta.url);";

// Every output file in ASCII. V8 keeps each loaded file's source text in memory (for lazy compilation), as one byte
// per character when it is all Latin-1 and two bytes otherwise: a single "–" in a comment doubles the whole file.
// esbuild already writes strings, templates and regular expressions in ASCII (its `charset` default); what is left
// is comments (the code's own and the packages' kept ones), written here with `\u{…}` escapes, which in a comment
// change nothing. Measured: the V8 large-object space of an idle license server 5.2 → 2.4 MiB, its two chunks
// being 3.3 MB of text.
export function asciiOnly(dir) {
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.js')) continue;
    const file = join(dir, name);
    const text = readFileSync(file, 'utf8');
    if (/[^\t-\x7f]/.test(text)) writeFileSync(file, text.replace(/[^\t-\x7f]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`));
  }
}
