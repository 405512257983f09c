import { defineConfig, type Plugin } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

const catalogue = fileURLToPath(new URL('../core/refusals.ts', import.meta.url));
const browserCatalogue = fileURLToPath(new URL('./refusals.browser.ts', import.meta.url));

/** The console carries only the refusals it words itself (src/web/refusals.browser.ts); the servers word the others. */
function consoleRefusals(): Plugin {
  return {
    name: 'opencal-console-refusals',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved?.id === catalogue ? browserCatalogue : null;
    },
  };
}

// The console is a static bundle served by the all-in-one server at `/`.
// No external requests: everything it needs is in this bundle.
export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  plugins: [consoleRefusals()],
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    reportCompressedSize: true,
    sourcemap: false,
  },
});
