import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/run';
import { fail, printResult, type CliIo, type CommandGroup } from '../../src/cli/io';
import { relay } from '../../src/core/result';
import { callJson } from '../../src/http/client';

function bufferedIo(env: Record<string, string> = {}, extra: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    env,
    cwd: '/srv/opencal',
    ...extra,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('opencal --help', () => {
  it('lists the commands and the configuration table with environment names and defaults', async () => {
    const t = bufferedIo();
    expect(await run(['--help'], t.io)).toBe(0);
    expect(t.stdout()).toContain('serve');
    expect(t.stdout()).toMatch(/--port <number>\s+OPENCAL_PORT\s+7878/);
    expect(t.stdout()).toContain('OPENCAL_DATA');
    expect(t.stdout()).toContain('OPENCAL_ADMIN_TOKEN');
    expect(t.stdout()).toContain('Exit codes');
  });

  it('a command help names the environment variable of each flag', async () => {
    const t = bufferedIo();
    expect(await run(['serve', '--help'], t.io)).toBe(0);
    expect(t.stdout().replace(/\s+/g, ' ')).toContain('(env OPENCAL_HOST, default 127.0.0.1)');
  });
});

describe('usage errors', () => {
  it('an unknown command exits 2 with a clear message', async () => {
    const t = bufferedIo();
    expect(await run(['frobnicate'], t.io)).toBe(2);
    expect(t.stderr()).toContain("unknown command 'frobnicate'");
    expect(t.stderr()).toContain('opencal --help');
  });

  it('an unknown flag exits 2 naming the flag', async () => {
    const t = bufferedIo();
    expect(await run(['config', 'show', '--prot', '1'], t.io)).toBe(2);
    expect(t.stderr()).toContain("unknown option '--prot'");
  });

  it('no command at all exits 2 after showing the help', async () => {
    const t = bufferedIo();
    expect(await run([], t.io)).toBe(2);
    expect(t.stderr()).toContain('Usage: opencal');
  });
});

describe('opencal config show', () => {
  it('prints each value with its source, secrets masked', async () => {
    const t = bufferedIo({ OPENCAL_HOST: '0.0.0.0', OPENCAL_ADMIN_TOKEN: 'admin-token-of-thirty-chars-xx' });
    expect(await run(['config', 'show', '--port', '9000'], t.io)).toBe(0);
    const text = t.stdout();
    expect(text).toMatch(/port\s+9000\s+flag --port/);
    expect(text).toMatch(/host\s+0\.0\.0\.0\s+env OPENCAL_HOST/);
    expect(text).toMatch(/data\s+\/srv\/opencal\/data\s+default/);
    expect(text).toMatch(/adminToken\s+\*\*\*\*\s+env OPENCAL_ADMIN_TOKEN/);
    expect(text).not.toContain('admin-token-of-thirty-chars-xx');
  });

  it('--json prints one JSON document with values and sources, including the config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opencal-cli-'));
    dirs.push(dir);
    const file = join(dir, 'opencal.json');
    writeFileSync(file, JSON.stringify({ logLevel: 'warn', demo: true }));
    const t = bufferedIo({ OPENCAL_CONFIG: file });
    expect(await run(['config', 'show', '--json', '--no-demo'], t.io)).toBe(0);
    const doc = JSON.parse(t.stdout());
    expect(doc.file).toBe(file);
    const byKey = Object.fromEntries(doc.entries.map((e: { key: string }) => [e.key, e]));
    expect(byKey.logLevel).toMatchObject({ value: 'warn', source: 'file', env: 'OPENCAL_LOG_LEVEL', flag: '--log-level' });
    expect(byKey.demo).toMatchObject({ value: false, source: 'flag' });
    expect(byKey.port).toMatchObject({ value: 7878, source: 'default' });
    expect(byKey.adminToken).toMatchObject({ value: null, source: 'unset' });
  });

  it('a bad value is a refusal: exit 1 and CODE: message on stderr naming its source', async () => {
    const t = bufferedIo({ OPENCAL_PORT: 'seventy' });
    expect(await run(['config', 'show'], t.io)).toBe(1);
    expect(t.stderr()).toBe("CONFIG_INVALID_VALUE: Invalid configuration: port from environment variable OPENCAL_PORT is 'seventy'; expected a number.\n");
    expect(t.stdout()).toBe('');
  });
});

describe('command groups and the shared helpers', () => {
  const sample: CommandGroup = (program, ctx) => {
    program
      .command('echo <word>')
      .option('--json', 'JSON output')
      .action(
        ctx.action(async (word: string, options: { json?: boolean }) => {
          if (word === 'no') return fail(ctx.io, relay('WORD_REFUSED', 'Say something else.', { word }), options.json);
          if (word === 'bug') throw new Error('unexpected state');
          return printResult(ctx.io, options.json, { word }, (v) => `word: ${v.word}`);
        }),
      );
  };

  it('a command prints human text, or one JSON document with --json', async () => {
    const human = bufferedIo();
    expect(await run(['echo', 'hello'], human.io, [sample])).toBe(0);
    expect(human.stdout()).toBe('word: hello\n');
    const json = bufferedIo();
    expect(await run(['echo', 'hello', '--json'], json.io, [sample])).toBe(0);
    expect(JSON.parse(json.stdout())).toEqual({ word: 'hello' });
  });

  it('a refusal exits 1 with CODE: message on stderr, and the error body on stdout with --json', async () => {
    const t = bufferedIo();
    expect(await run(['echo', 'no', '--json'], t.io, [sample])).toBe(1);
    expect(t.stderr()).toBe('WORD_REFUSED: Say something else.\n');
    expect(JSON.parse(t.stdout())).toEqual({ error: { code: 'WORD_REFUSED', message: 'Say something else.', detail: { word: 'no' } } });
  });

  it('an unexpected exception exits 3 with INTERNAL_ERROR', async () => {
    const t = bufferedIo();
    expect(await run(['echo', 'bug'], t.io, [sample])).toBe(3);
    expect(t.stderr()).toBe('INTERNAL_ERROR: unexpected state\n');
  });

  it('a missing argument exits 2', async () => {
    const t = bufferedIo();
    expect(await run(['echo'], t.io, [sample])).toBe(2);
    expect(t.stderr()).toContain("missing required argument 'word'");
  });
});

describe('opencal serve', () => {
  it('listens on --host/--port, prints the URL, answers /healthz and stops on shutdown', async () => {
    let stop!: () => void;
    const shutdown = new Promise<void>((resolve) => (stop = resolve));
    const out: string[] = [];
    let announced!: (url: string) => void;
    const url = new Promise<string>((resolve) => (announced = resolve));
    const io: CliIo = {
      stdout: {
        write: (text: string) => {
          out.push(text);
          const match = /listening on (http:\/\/\S+)/.exec(text);
          if (match) announced(match[1]!);
        },
      },
      stderr: { write: () => undefined },
      env: {},
      cwd: '/srv/opencal',
      shutdown,
    };
    const exit = run(['serve', '--host', '127.0.0.1', '--port', '0', '--log-level', 'silent'], io);
    const base = await url;
    const health = await callJson<{ status: string }>(base, 'GET', '/healthz');
    expect(health).toEqual({ ok: true, value: { status: 'ok', components: [] } });
    stop();
    expect(await exit).toBe(0);
    expect(out.join('')).toContain(`${base}/docs`);
  });

  it('a port already in use is a refusal naming the port', async () => {
    const first = bufferedIo();
    let stop!: () => void;
    const shutdown = new Promise<void>((resolve) => (stop = resolve));
    let announced!: (port: string) => void;
    const port = new Promise<string>((resolve) => (announced = resolve));
    const running = run(['serve', '--port', '0', '--log-level', 'silent'], {
      ...first.io,
      shutdown,
      stdout: { write: (text: string) => /:(\d+) /.test(text) && announced(/:(\d+) /.exec(text)![1]!) },
    });
    const taken = await port;
    const second = bufferedIo();
    expect(await run(['serve', '--port', taken, '--log-level', 'silent'], second.io)).toBe(1);
    expect(second.stderr()).toContain(`PORT_IN_USE: Port ${taken} on 127.0.0.1 is already in use`);
    stop();
    expect(await running).toBe(0);
  });
});
