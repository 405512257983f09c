/**
 * Worker threads as TypeScript modules (`<name>.worker.ts`), started the same way from the sources and from the
 * build. The build emits every worker flat beside the main chunks (dist/<name>.worker.js), so the caller's own
 * `import.meta.url` finds it there; running from the sources (tests, development) there is no such file and the
 * worker is the `.ts` module next to the caller, compiled by tsx's loader in the worker thread.
 *
 * On Node 20 a worker's `execArgv: ['--import', 'tsx']` does not reach the worker's entry module (it fails with
 * ERR_UNKNOWN_FILE_EXTENSION), so a two-line bootstrap registers tsx's loader in the thread and then imports it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The module a worker runs: the built JavaScript, or the TypeScript source that needs tsx's loader. */
export type WorkerEntry = { kind: 'built' | 'source'; url: URL };

/** Where the worker `name` is for a caller at `callerUrl`. */
export function workerEntry(callerUrl: string, name: string): WorkerEntry {
  const built = new URL(`./${name}.worker.js`, callerUrl);
  if (existsSync(fileURLToPath(built))) return { kind: 'built', url: built };
  return { kind: 'source', url: new URL(`./${name}.worker.ts`, callerUrl) };
}

/** Starts the worker `<name>.worker` that lives next to the caller: `startWorker(import.meta.url, 'signer', …)`. */
export function startWorker(callerUrl: string, name: string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const entry = workerEntry(callerUrl, name);
  if (entry.kind === 'built') return new Worker(entry.url, options);
  // tsx's ESM API as this module resolves it; the bare name (resolved from the working directory) where a
  // module runner gives no import.meta.resolve.
  const tsxApi = typeof import.meta.resolve === 'function' ? import.meta.resolve('tsx/esm/api') : 'tsx/esm/api';
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.url.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
