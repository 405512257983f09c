import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder of OpenCAL's package.json: two levels above this file in the sources (src/platform/), one above the
 * built code (dist/). Files that ship beside the code (package.json, the console in dist/web) are found from it.
 */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'opencal') return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json of opencal above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
