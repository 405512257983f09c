/**
 * What every client command does around its one request: resolve `--url`/`--token` (flag > OPENCAL_* > file >
 * default), check typed codes before any request, call the API, print the answer (human or `--json`) or the
 * refusal as `CODE: message`, and show progress on a terminal for long operations.
 */
import { Option, type Command } from 'commander';
import { decodeCode, type CodeKind, type DecodedCode } from '../core/codes/index';
import { err, ok, peerRefusal, refusal, type Refusal, type Result } from '../core/result';
import type { Lang } from '../core/refusals';
import { callJson } from '../http/client';
import { send, type Answer } from '../http/transport';
import { clientTarget } from './config-options';
import { addClientOptions, fail, printResult, shownText, type CliContext, type CliIo, type ClientOptions } from './io';

export interface Target {
  url: string;
  token?: string;
  /** the language servers answer refusals in (`Accept-Language`) */
  lang?: Lang;
}

/** A client command's options after commander: `--url`, `--token`, `--json` and its own. */
export type Opts = ClientOptions & Record<string, unknown>;

export function targetOf(io: CliIo, options: Opts): Result<Target> {
  const target = clientTarget(io, options);
  return target.ok && io.lang !== undefined ? ok({ ...target.value, lang: io.lang }) : target;
}

export async function call<T>(target: Target, method: string, path: string, body?: unknown): Promise<Result<T>> {
  return callJson<T>(target.url, method, path, {
    ...(body !== undefined ? { body } : {}),
    ...(target.token !== undefined ? { token: target.token } : {}),
    ...(target.lang !== undefined ? { headers: { 'accept-language': target.lang } } : {}),
  });
}

/** A route that answers text (the Windows configuration emitters): same refusals as callJson. */
export async function callText(target: Target, path: string): Promise<Result<string>> {
  const url = `${target.url.replace(/\/+$/, '')}${path}`;
  let response: Answer;
  try {
    response = await send(url, {
      method: 'GET',
      headers: {
        accept: 'text/plain, application/json',
        ...(target.token !== undefined ? { authorization: `Bearer ${target.token}` } : {}),
        ...(target.lang !== undefined ? { 'accept-language': target.lang } : {}),
      },
      timeoutMs: 10_000,
    });
  } catch {
    // callJson words the network failure (connection refused, name not found…) the same way everywhere.
    const again = await callJson<never>(target.url, 'GET', path, target.token !== undefined ? { token: target.token } : {});
    return again.ok ? err(refusal('UNREACHABLE', { url })) : again;
  }
  const { text } = response;
  if (response.status >= 200 && response.status < 300) return ok(text);
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; detail?: Record<string, unknown> } };
    if (body.error?.code && body.error.message) return err(peerRefusal(body.error.code, body.error.message, { ...body.error.detail, status: response.status }));
  } catch {
    // not our JSON: fall through
  }
  return err(refusal('BAD_RESPONSE', { url, status: response.status, problem: 'no-error-body' }));
}

/** Checks a typed code locally (length, alphabet, check, kind) before anything is sent. */
export function code<K extends CodeKind>(input: string, kind: K | readonly K[]): Result<DecodedCode<K>> {
  return decodeCode(input, kind);
}

/** Adds the client options and an example to a command's help. */
export function clientCommand(command: Command, example: string | string[]): Command {
  const examples = Array.isArray(example) ? example : [example];
  return addClientOptions(command).addHelpText('after', `\nExample${examples.length > 1 ? 's' : ''}:\n${examples.map((e) => `  ${e}`).join('\n')}\n`);
}

/** An option that takes one of `values` (a wrong value is a usage error, exit 2). */
export function choice(flags: string, description: string, values: readonly (string | number)[]): Option {
  return new Option(flags, description).choices(values.map(String));
}

/**
 * Wraps a client command's action: resolves the target, runs `work`, prints its value with `human` (or one JSON
 * document with --json) or its refusal as `CODE: message` on stderr.
 */
export function clientAction<A extends unknown[], T>(
  ctx: CliContext,
  work: (target: Target, options: Opts, ...args: A) => Promise<Result<T>>,
  human: (value: T, options: Opts) => string,
  exitCodeOf?: (value: T) => number,
) {
  return ctx.action(async (...args: unknown[]) => {
    // commander passes the positional arguments, then the options, then the command
    const options = args[args.length - 2] as Opts;
    const positional = args.slice(0, -2) as A;
    const json = options.json === true;
    const target = targetOf(ctx.io, options);
    if (!target.ok) return fail(ctx.io, target.error, json);
    const result = await work(target.value, options, ...positional);
    if (!result.ok) return fail(ctx.io, result.error, json);
    const exit = printResult(ctx.io, json, result.value, (v) => human(v, options));
    return exitCodeOf ? exitCodeOf(result.value) : exit;
  });
}

/** A local check's refusal (before any request), typed as the command's result. */
export function refused<T>(r: { ok: false; error: Refusal }): Result<T> {
  return r;
}

/** Program data flags of packs (DESIGN §2): agreement number, or license + authorization numbers (Open). */
export function addProgramDataOptions(command: Command): Command {
  return command
    .option('--agreement <number>', 'agreement (enrollment) number: Select, Enterprise, Campus, School, SPLA, other (7 digits)')
    .option('--license-number <number>', 'Open License: license number (8 digits)')
    .option('--authorization <number>', 'Open License: authorization number (15 characters)');
}

export function programDataOf(options: Opts): { agreementNumber?: string; licenseNumber?: string; authorizationNumber?: string } {
  return {
    ...(typeof options['agreement'] === 'string' ? { agreementNumber: options['agreement'] } : {}),
    ...(typeof options['licenseNumber'] === 'string' ? { licenseNumber: options['licenseNumber'] } : {}),
    ...(typeof options['authorization'] === 'string' ? { authorizationNumber: options['authorization'] } : {}),
  };
}

/** Company details the activation wizard asks for [fact]: first name, last name, company, country. */
export function addCompanyOptions(command: Command): Command {
  return command
    .option('--first-name <name>', 'contact first name (activation wizard)')
    .option('--last-name <name>', 'contact last name (activation wizard)')
    .option('--company <name>', 'company name (activation wizard)')
    .option('--country <country>', 'country or region (activation wizard)')
    .option('--email <email>', 'contact e-mail (optional)');
}

export function companyOf(options: Opts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [flag, key] of [
    ['firstName', 'firstName'],
    ['lastName', 'lastName'],
    ['company', 'company'],
    ['country', 'country'],
    ['email', 'email'],
  ] as const) {
    const v = options[flag];
    if (typeof v === 'string') out[key] = v;
  }
  return out;
}

/** Key: value lines, aligned, for human output. */
export function lines(rows: [string, unknown][]): string {
  const shown = rows.filter(([, v]) => v !== undefined && v !== null && v !== '');
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${shownText(typeof v === 'object' ? JSON.stringify(v) : v)}`).join('\n');
}

/** A text table with a header row. */
export function table(header: string[], rows: unknown[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === undefined || c === null ? '-' : shownText(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/**
 * Runs a long operation with a progress bar on stderr when stderr is a terminal and --json is off; quiet
 * otherwise. `steps` names what the bar shows; `work` reports each finished step with `tick()`.
 */
export async function withProgress<T>(io: CliIo, json: boolean, title: string, total: number, work: (tick: (label?: string) => void) => Promise<T>): Promise<T> {
  const stream = io.stderr as NodeJS.WriteStream;
  if (json || stream.isTTY !== true) return work(() => undefined);
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { format: `${title} [{bar}] {value}/{total} {step}`, stream, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { step: '' });
  try {
    return await work((label) => bar.increment(1, { step: label ?? '' }));
  } finally {
    bar.stop();
  }
}
