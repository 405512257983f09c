/**
 * The entry point of `opencal` (bin/opencal.mjs runs its build, dist/opencal.js): the process as a CliIo, and
 * every command group. The servers' composition root (src/compose) and each command's heavier modules are
 * imported only by the command that runs them, so that `opencal --version` or `opencal code check` load the
 * command line alone.
 */
import { commandGroups } from './cli/commands';
import type { CliIo, CommandGroup } from './cli/io';
import { run } from './cli/run';
import { serveCommand } from './cli/serve';
import { serverCommands } from './cli/servers';
import { processEnvironment } from './config/environment';

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: processEnvironment(), cwd: process.cwd() };
}

/** Every command group: the servers (wired by src/compose) and the client commands of src/cli/commands. */
export const allCommandGroups: readonly CommandGroup[] = [
  serverCommands(async () => (await import('./compose/servers')).launchers),
  ...commandGroups.filter((g) => g !== serveCommand),
];

export async function main(argv: readonly string[]): Promise<number> {
  return run(argv, processIo(), allCommandGroups);
}
