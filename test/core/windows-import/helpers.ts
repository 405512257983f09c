import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InputFile } from '../../../src/core/windows-import/import';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'windows');

/** The files of one fixture folder (`<situation>/bundle` or `<situation>/raw`), as the CLI hands them over. */
export function fixtureFiles(situation: string, kind: 'bundle' | 'raw'): InputFile[] {
  const dir = join(FIXTURES, situation, kind);
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, name))) }));
}
