#!/usr/bin/env node
// Runs the built OpenCAL (dist/opencal.js, made by `npm run build`, which `npm ci` and `npm test` run).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/opencal.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'NOT_BUILT: OpenCAL is not built (no dist/opencal.js). Run `npm run build` in the OpenCAL folder (`npm ci` builds it too), then run opencal again.\n',
  );
  process.exit(3);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
