/** Writes docs/errors.md from the catalogue of refusals (src/core/refusals.ts). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderErrorsDoc } from '../src/core/refusals-doc';

const target = fileURLToPath(new URL('../docs/errors.md', import.meta.url));
writeFileSync(target, renderErrorsDoc());
process.stdout.write(`wrote ${target}\n`);
