/**
 * A real OpenCAL server process (`node bin/opencal.mjs …`, the build in dist/) for tests that kill it, fill its
 * disk or start a second one: its URL from the banner's first line, its output, and how it ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'opencal.mjs');

export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist', 'opencal.js'))) throw new Error('dist/opencal.js is missing: run `npm run build` (npm test does) before these tests.');
}

export interface ServerProcess {
  child: ChildProcess;
  /** resolves with the URL the server listens on, or rejects when it exits first (with its output). */
  ready: Promise<string>;
  /** resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `opencal ARGS` (e.g. `serve --data DIR --port 0`); the environment is this one plus `env`. */
export function startServerProcess(args: string[], env: Record<string, string> = {}): ServerProcess {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (chunk: string) => {
      err += chunk;
    });
    void exited.then((code) => reject(new Error(`the server exited (${code ?? child.signalCode}) before listening:\n${out}\n${err}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    exited,
    stdout: () => out,
    stderr: () => err,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
