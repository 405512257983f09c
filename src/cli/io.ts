import type { Command } from 'commander';
import type { Refusal } from '../core/result';
import type { Environment } from '../config/resolve';

/** Where a command reads and writes: the process in production, buffers in tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Environment;
  readonly cwd: string;
  /** long-running commands (serve) stop when this settles; default: SIGINT or SIGTERM */
  readonly shutdown?: Promise<unknown>;
}

/** Until a long-running command should stop: `io.shutdown` when given, else SIGINT or SIGTERM. */
export function untilShutdown(io: CliIo): Promise<unknown> {
  return io.shutdown ?? untilSignal();
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Exit codes: what a script calling opencal can rely on. */
export const ExitCode = {
  OK: 0,
  /** the request was refused: `CODE: message` on stderr */
  REFUSED: 1,
  /** unknown command or flag, missing argument */
  USAGE: 2,
  /** a bug or an outage, not a refusal */
  UNEXPECTED: 3,
} as const;

/** What each command group receives. */
export interface CliContext {
  readonly io: CliIo;
  /**
   * Wrap a commander action: its returned number is the exit code of `run`.
   * `cmd.action(ctx.action(async (opts) => printResult(ctx.io, opts.json, value, format)))`
   */
  action<A extends unknown[]>(fn: (...args: A) => Promise<number> | number): (...args: A) => Promise<void>;
}

/** A command group adds its commands to the program (one file per group, listed in ./commands). */
export type CommandGroup = (program: Command, ctx: CliContext) => void;

/** Print a command's result: one JSON document with --json, the human rendering otherwise. Returns 0. */
export function printResult<T>(io: CliIo, json: boolean | undefined, value: T, human: (value: T) => string): number {
  if (json) io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else {
    const text = human(value);
    io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }
  return ExitCode.OK;
}

/** Print a refusal as `CODE: message` on stderr (and the error body on stdout with --json). Returns 1. */
export function fail(io: CliIo, refusal: Refusal, json?: boolean): number {
  io.stderr.write(`${refusal.code}: ${refusal.message}\n`);
  if (json) {
    const error = refusal.detail === undefined ? { code: refusal.code, message: refusal.message } : { ...refusal };
    io.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
  }
  return ExitCode.REFUSED;
}

/** Options of every command that talks to a running server. */
export interface ClientOptions {
  url?: string;
  token?: string;
  json?: boolean;
  config?: string;
}

/** Adds `--url`, `--token` and `--json` (client commands: flag > OPENCAL_URL / OPENCAL_TOKEN > file > default). */
export function addClientOptions(command: Command): Command {
  return command
    .option('--url <url>', 'server to talk to (env OPENCAL_URL, default http://127.0.0.1:7878)')
    .option('--token <token>', 'bearer token (env OPENCAL_TOKEN)')
    .option('--json', 'print one JSON document on stdout');
}
