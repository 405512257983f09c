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

// Whitespace and syntax minified (names kept, so stack traces still name each function): V8 keeps each loaded
// file's source text in memory for lazy compilation, and the two large chunks of a server are ~3.3 MB as written
// against ~2.1 MB minified — measured 2.8 MiB less of V8's large-object space in an idle license server, and less to
// parse at start. The source maps beside the files (`npm run build`) map positions back to src/.
export const minify = { minifyWhitespace: true, minifySyntax: true };
