/**
 * The composition root: the only file that knows every layer. It turns the process into a CliIo and runs
 * the command line; components are wired here.
 */
import { run } from './cli/run';
import type { CliIo } from './cli/io';
import { processEnvironment } from './config/environment';

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: processEnvironment(), cwd: process.cwd() };
}

export async function main(argv: readonly string[]): Promise<number> {
  return run(argv, processIo());
}
