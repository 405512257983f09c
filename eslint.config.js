// Lint: typescript-eslint's recommended rules (not type-checked, to stay fast) and the dependency direction of
// docs/architecture.md "Layers": dependencies point inward, core is pure, components talk over HTTP only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const LAYERS = ['core', 'trust', 'storage', 'events', 'http', 'config', 'platform', 'cli', 'web', 'main'];
const COMPONENTS = ['clearinghouse', 'license-server', 'session-host', 'device', 'diagnoser'];

const MAX_DEPTH = 5;

/** A relative import that leaves src/<layer>/ (from a file `depth` folders below it) for one of `folders`. */
function leavingTo(depth, folders) {
  return `^(\\.\\./){${depth}}(${folders.join('|')})(/|$)`;
}

/** The files of src/<folder> exactly `depth` levels down: src/core/a.ts is depth 1, src/core/codes/b.ts depth 2. */
function filesAt(folder, depth, extensions = ['ts']) {
  const middle = '*/'.repeat(depth - 1);
  return extensions.map((ext) => `src/${folder}/${middle}*.${ext}`);
}

const others = (...allowed) => [...LAYERS, ...COMPONENTS].filter((f) => !allowed.includes(f));

/**
 * One config block per folder and depth: a relative path's meaning depends on how deep the importing file is,
 * so `../events` is fine in src/core/codes/ (it is src/core/events) and refused in src/storage/.
 */
function dependencyRule({ name, folders, forbidden, because, rule = 'no-restricted-imports', extra = [], extensions, ignores }) {
  const blocks = [];
  for (const folder of folders) {
    for (let depth = 1; depth <= MAX_DEPTH; depth++) {
      blocks.push({
        name: `opencal/${name}/${folder}/${depth}`,
        files: filesAt(folder, depth, extensions),
        ...(ignores ? { ignores } : {}),
        rules: {
          [rule]: ['error', { patterns: [{ regex: leavingTo(depth, forbidden(folder)), message: because }, ...extra] }],
        },
      });
    }
  }
  return blocks;
}

const layerRules = [
  ...dependencyRule({
    name: 'core-is-pure',
    folders: ['core'],
    forbidden: () => others('core'),
    because: 'src/core is pure: it imports only src/core (docs/architecture.md "Layers").',
    rule: '@typescript-eslint/no-restricted-imports',
    extra: [
      {
        regex: '^node:',
        allowTypeImports: true,
        message: 'src/core does no I/O: take time, randomness and data as inputs (type imports are fine).',
      },
      {
        regex: '^(?!\\.|node:|@noble/hashes(/|$))',
        message: 'src/core may import only src/core and @noble/hashes (pure functions).',
      },
    ],
  }),
  {
    name: 'opencal/core-is-pure/globals',
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'src/core takes the time from a Clock argument.' },
        { object: 'Math', property: 'random', message: 'src/core takes random bytes from a random(n) argument.' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'src/core does not read the process: pass values in.' },
        { name: 'crypto', message: 'src/core takes random bytes from a random(n) argument.' },
        { name: 'fetch', message: 'src/core does no I/O.' },
        { name: 'require', message: 'src/core imports only src/core.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'src/core takes the time from a Clock: new Date() needs an argument.' },
        { selector: "CallExpression[callee.name='Date']", message: 'src/core takes the time from a Clock.' },
      ],
    },
  },
  // The wire contract (src/core/wire): TypeBox schemas of the HTTP answers. TypeBox is pure (schemas are data),
  // so these files may import it besides src/core; the rest of core may not (docs/architecture.md "The wire contract").
  {
    name: 'opencal/core-is-pure/wire',
    files: ['src/core/wire/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: leavingTo(2, others('core')), message: 'src/core is pure: it imports only src/core (docs/architecture.md "Layers").' },
            { regex: '^node:', allowTypeImports: true, message: 'src/core does no I/O.' },
            { regex: '^(?!\\.|typebox(/|$))', message: 'src/core/wire may import only src/core and typebox.' },
          ],
        },
      ],
    },
  },
  ...dependencyRule({
    name: 'inner-layers',
    folders: ['trust', 'storage', 'events', 'platform', 'config'],
    forbidden: () => others('core', 'trust', 'storage', 'events'),
    because: 'trust, storage, events, platform and config import src/core (and trust, storage, events) only.',
  }),
  ...dependencyRule({
    name: 'http',
    folders: ['http'],
    forbidden: () => others('core', 'trust', 'storage', 'events', 'config', 'platform', 'http'),
    because: 'src/http is below the components, the CLI and the console.',
  }),
  ...dependencyRule({
    name: 'components',
    folders: COMPONENTS,
    forbidden: (component) => [...COMPONENTS.filter((c) => c !== component), 'cli', 'web', 'main'],
    because: 'Components never import one another (they talk over HTTP, sharing only src/core/protocol.ts types) nor the CLI or the console.',
  }),
  ...dependencyRule({
    name: 'cli',
    folders: ['cli'],
    forbidden: () => ['storage', 'web', 'main'],
    because: 'The CLI never imports storage: it goes through use cases or the HTTP API.',
  }),
  ...dependencyRule({
    name: 'web',
    folders: ['web'],
    extensions: ['ts', 'tsx'],
    ignores: ['src/web/vite.config.ts'],
    forbidden: () => others('core', 'web'),
    because: 'The console talks to the HTTP API only (it may share pure src/core types and functions), never storage.',
  }),
  // The console ships as one small bundle: it reads the wire contract's types, never its schemas or TypeBox.
  {
    name: 'opencal/web/wire-types-only',
    files: ['src/web/**/*.ts', 'src/web/**/*.tsx'],
    ignores: ['src/web/vite.config.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)core/wire(/|$)', allowTypeImports: true, message: 'The console imports only types from src/core/wire (`import type`): schemas would ship TypeBox in the bundle.' },
            { regex: '^typebox(/|$)', message: 'The console does not ship TypeBox: import types from src/core/wire with `import type`.' },
          ],
        },
      ],
    },
  },
];

/**
 * Direction inside a component (docs/architecture.md "Layers"): routes → use cases (ports.ts) → repositories.
 * A route never reaches a repository or the database, a use case writes no SQL (its repository does, with Kysely),
 * a repository knows nothing above it, and routes and module.ts never import each other (routes take the use cases
 * of ports.ts; module.ts builds them). Uses typescript-eslint's rule so as not to replace the component rules above.
 */
const SERVER_COMPONENTS = ['clearinghouse', 'license-server', 'session-host'];
const inside = (kind, files, patterns) => ({
  name: `opencal/inside-component/${kind}`,
  files: SERVER_COMPONENTS.flatMap((c) => files.map((f) => `src/${c}/${f}`)),
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
});
const NO_MODULE = { regex: '^\\./module$', message: 'Routes, use cases and repositories never import module.ts: the composition goes one way (module.ts → routes, ports).' };
const insideComponentRules = [
  inside('routes', ['*.routes.ts'], [
    { regex: '\\.repository$', message: 'A route calls use cases (ports.ts), never a repository.' },
    { regex: '^kysely$', message: 'A route runs no SQL: call a use case.' },
    { regex: '(^|/)storage/(database|dialect|change)$', message: 'A route does not reach the database: call a use case.' },
    NO_MODULE,
  ]),
  inside('use-cases', ['*.usecase.ts', 'ports.ts'], [
    { regex: '^kysely$', message: 'A use case writes no SQL: put the statement in the component\'s *.repository.ts.' },
    { regex: '(^|/)storage/dialect$', message: 'A use case writes no SQL (sql, forUpdate): put the statement in the component\'s *.repository.ts.' },
    { regex: '\\.routes$', message: 'A use case knows nothing of HTTP routes.' },
    NO_MODULE,
  ]),
  inside('repositories', ['*.repository.ts'], [
    { regex: '\\.(usecase|routes)$', message: 'A repository is below the use cases and routes: it imports neither.' },
    { regex: '^\\./ports$', message: 'A repository is below the use cases: it does not import ports.ts.' },
    NO_MODULE,
  ]),
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', 'data/**', 'test-artifacts/**', 'dist/**', 'src/web/dist/**', '**/*.d.ts'] },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly' },
    },
    rules: {
      // Kysely<any> is the shared Database type (docs/architecture.md "storage"); typing every row here is
      // the repositories' job, not the linter's.
      '@typescript-eslint/no-explicit-any': 'off',
      // Reported, not failing: hygiene findings do not block a build, the dependency rules above do.
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-useless-assignment': 'warn',
      'preserve-caught-error': 'warn',
      'no-control-regex': 'warn',
    },
  },
  ...layerRules,
  ...insideComponentRules,
);
