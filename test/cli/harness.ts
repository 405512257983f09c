/**
 * In-process harness for the CLI tests: buffered io, a resolved configuration, and an all-in-one server on
 * 127.0.0.1 port 0 with its data in a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/io';
import { run } from '../../src/cli/run';
import { resolveConfig } from '../../src/config/resolve';
import type { ConfigKey, OpenCalConfig } from '../../src/config/schema';
import type { Clock } from '../../src/core/clock';
import { startAllInOne, type AllInOneServer } from '../../src/compose/servers';
import { allCommandGroups } from '../../src/main';

export interface Buffered {
  io: CliIo;
  stdout(): string;
  stderr(): string;
}

export function bufferedIo(env: Record<string, string> = {}, extra: Partial<CliIo> = {}, cwd = tmpdir()): Buffered {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, env, cwd, ...extra },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

/** Runs `opencal ARGS` in process (every command group, the servers included); answers the exit code and output. */
export async function opencal(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{ exit: number; stdout: string; stderr: string; json: any }> {
  const t = bufferedIo(env, {}, cwd);
  const exit = await run(args, t.io, allCommandGroups);
  let json: unknown;
  try {
    json = JSON.parse(t.stdout());
  } catch {
    json = undefined;
  }
  return { exit, stdout: t.stdout(), stderr: t.stderr(), json };
}

export function tempDir(prefix = 'opencal-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function configFor(flags: Partial<Record<ConfigKey, unknown>>): OpenCalConfig {
  const r = resolveConfig({ flags: { host: '127.0.0.1', port: 0, logLevel: 'silent', ...flags }, env: {}, cwd: tmpdir() });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.values;
}

/** An all-in-one server (optionally in demo mode) on a free loopback port, data in a fresh directory. */
export async function startServer(options: { demo?: boolean; clock?: Clock; adminToken?: string } = {}): Promise<{ server: AllInOneServer; dataDir: string; stop(): Promise<void> }> {
  const dataDir = tempDir();
  const config = configFor({ data: dataDir, demo: options.demo === true, ...(options.adminToken ? { adminToken: options.adminToken } : {}) });
  const server = await startAllInOne(config, bufferedIo().io, options.clock ? { clock: options.clock } : {});
  return {
    server,
    dataDir,
    async stop() {
      await server.close();
      removeDir(dataDir);
    },
  };
}
