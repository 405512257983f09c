#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2 --heap-growing-percent=50 --single-threaded-gc
// Runs the built OpenCAL (dist/opencal.js, made by `npm run build`, which `npm ci` and `npm test` run).
// The first line starts node for a small, steady footprint (docs/performance.md, "Where the memory and the start-up
// go"): V8's young generation kept at 2 MiB semi-spaces (its default grows them to 16 MiB under load and keeps
// them), the old generation collected once it grows by half (by default V8 lets it grow up to four times what is
// live before it collects), the collector's work done on the thread that allocates (its helper threads, on a
// machine whose cores serve requests, cost more in waiting than they save: the pauses of the more frequent young
// collections were 2–3 times longer with them, measured), and glibc's malloc kept to two arenas (by default one per
// thread up to 8 per core, each keeping its freed memory). `node bin/opencal.mjs …` ignores that line: it runs with
// node's defaults.
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
