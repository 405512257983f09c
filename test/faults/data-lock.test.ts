/**
 * One server per data directory: two real processes on the same directory, the second refused with a clear
 * message and a non-zero exit; a lock left by a killed server is taken over.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, startServerProcess, type ServerProcess } from '../helpers/process';

const started: ServerProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'opencal-lock-'));
  dirs.push(dir);
  return dir;
}

function serve(dir: string, ...more: string[]): ServerProcess {
  const s = startServerProcess(['serve', '--data', dir, '--port', '0', '--log-level', 'silent', ...more]);
  started.push(s);
  return s;
}

describe('one server per data directory', () => {
  beforeAll(requireBuild);

  it('when a server runs on a data directory, a second server on it is refused with DATA_DIRECTORY_IN_USE and exit 1, and the first keeps answering', async () => {
    const dir = dataDir();
    const first = serve(dir);
    const url = await first.ready;

    const second = serve(dir);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain('DATA_DIRECTORY_IN_USE');
    expect(second.stderr()).toContain(`process ${first.child.pid}`);
    expect(second.stderr()).toContain(dir);

    const health = await fetch(`${url}/ls/v1/identity`);
    expect(health.status).toBe(200);
  }, 60_000);

  it('a license server alone on the all-in-one\'s license server folder is refused too', async () => {
    const dir = dataDir();
    const first = serve(dir);
    await first.ready;
    const second = startServerProcess(['license-server', 'serve', '--data', join(dir, 'license-server'), '--port', '0', '--log-level', 'silent']);
    started.push(second);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain('DATA_DIRECTORY_IN_USE');
  }, 60_000);

  it('the lock of a server killed with SIGKILL is taken over by the next server on the directory', async () => {
    const dir = dataDir();
    const first = serve(dir);
    await first.ready;
    await first.kill('SIGKILL');

    const next = serve(dir);
    const url = await next.ready;
    expect((await fetch(`${url}/ls/v1/identity`)).status).toBe(200);

    // And the directory is held again: a third one is refused, naming the new holder.
    const third = serve(dir);
    expect(await third.exited).toBe(1);
    expect(third.stderr()).toContain(`process ${next.child.pid}`);
  }, 60_000);
});
