import type { Command } from 'commander';
import { langFromLocale, type Lang } from '../core/refusals';
import { messageFor, ok, type Refusal, type Result } from '../core/result';
import { resolveConfig, type Environment } from '../config/resolve';

/** Where a command reads and writes: the process in production, buffers in tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** where a command reads a person's answer (a confirmation); a command that needs one refuses without a terminal */
  readonly stdin?: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly env: Environment;
  readonly cwd: string;
  /** language of the messages printed (`--lang`, OPENCAL_LANG, config file, system locale); default en */
  readonly lang?: Lang;
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

// C0 controls (ESC starts a terminal escape sequence), DEL, C1 controls (CSI…) and the bidirectional overrides that
// reorder what a terminal shows.
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_CELL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;

const escaped = (c: string) => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * Stored text as a terminal may show it: every control character (ESC of an escape sequence, a line break, a NUL)
 * and bidirectional override written as a visible `\x1b`, `\x0a`, `\u202e`. Every table cell and line of
 * output that shows stored text (device names, event messages, labels) goes through it: a device named
 * `\x1b]0;pwned\x07` must not retitle or clear an administrator's terminal.
 */
export function shownText(value: unknown): string {
  return String(value).replace(UNSAFE_IN_CELL, escaped);
}

/** A whole rendering (several lines, a script): the same escaping, with line breaks (LF, CRLF) and tabs kept. */
export function shownLines(text: string): string {
  return text.replace(UNSAFE_IN_TEXT, escaped);
}

/**
 * Print a command's result: one JSON document with --json, the human rendering otherwise (control characters
 * escaped, line breaks kept: see shownText). Returns 0.
 */
export function printResult<T>(io: CliIo, json: boolean | undefined, value: T, human: (value: T) => string): number {
  if (json) io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else {
    const text = shownLines(human(value));
    io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }
  return ExitCode.OK;
}

/**
 * Print a refusal as `CODE: message` on stderr (and the error body on stdout with --json). Returns 1.
 * The message is in the CLI's language and words: it may name flags and commands, never an API route.
 */
export function fail(io: CliIo, refusal: Refusal, json?: boolean): number {
  const message = messageFor(refusal, io.lang ?? 'en', 'cli');
  io.stderr.write(`${refusal.code}: ${shownLines(message)}\n`);
  if (json) {
    const error = refusal.detail === undefined ? { code: refusal.code, message } : { code: refusal.code, message, detail: refusal.detail };
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

/**
 * The CLI's language (every command accepts `--lang`; commands with texts of their own read it too): `--lang` > OPENCAL_LANG > config file `lang` > the system
 * locale (LC_ALL, then LC_MESSAGES, then LANG) > en. A `--lang` or OPENCAL_LANG that is not en or fr is a refusal.
 */
export function cliLanguage(argv: readonly string[], io: CliIo): Result<{ lang: Lang; argv: string[] }> {
  const rest: string[] = [];
  let flag: string | undefined;
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--lang' && i + 1 < argv.length) flag = argv[i + 1];
    if (a.startsWith('--lang=')) flag = a.slice('--lang='.length);
    if (a === '--config' && i + 1 < argv.length) configFile = argv[i + 1];
    if (a.startsWith('--config=')) configFile = a.slice('--config='.length);
    rest.push(a);
  }
  const resolved = resolveConfig({ flags: flag === undefined ? {} : { lang: flag }, env: io.env, cwd: io.cwd, only: ['lang'], ...(configFile ? { configFile } : {}) });
  if (!resolved.ok) {
    // A broken config file is the command's to report; a wrong language is refused here.
    if (resolved.error.code === 'CONFIG_INVALID_VALUE') return resolved;
  } else if (resolved.value.values.lang !== undefined) {
    return ok({ lang: resolved.value.values.lang as Lang, argv: rest });
  }
  const env = io.env;
  const locale = [env['LC_ALL'], env['LC_MESSAGES'], env['LANG']].find((v) => v !== undefined && v !== '');
  return ok({ lang: langFromLocale(locale) ?? 'en', argv: rest });
}
