/**
 * Reads what `opencal diagnose --from PATH` is given: one file, or every file of a folder (and its subfolders),
 * as bytes for the pure importer (src/core/windows-import). Names are only for messages: content decides.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Lang } from '../core/diagnoser-texts';
import { refuse, ok, type Result } from '../core/result';
import type { InputFile } from '../core/windows-import/import';

/** Larger files are not exports of one server's licensing state (a bundle of a busy estate is a few MB). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const MAX_FILES = 500;

export async function readWindowsExports(path: string, cwd: string, _lang: Lang): Promise<Result<InputFile[]>> {
  const root = resolve(cwd, path);
  const info = await stat(root).catch(() => undefined);
  if (!info) {
    return refuse(
      'IMPORT_PATH_NOT_FOUND',
      { path },
    );
  }
  const paths = info.isDirectory() ? await listFiles(root) : [root];
  const files: InputFile[] = [];
  for (const p of paths.slice(0, MAX_FILES)) {
    const s = await stat(p);
    if (s.size > MAX_FILE_BYTES) continue;
    files.push({ name: info.isDirectory() ? relative(root, p) : path, bytes: new Uint8Array(await readFile(p)) });
  }
  return ok(files);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
