/**
 * The PAM gate's start-up cost: one login is one `opencal gate pam` process (docs/pam.md). Prints the median and
 * the 90th percentile of start-to-exit times, against `node -e 0` measured in the same run:
 *   1. `node -e 0` — the floor;
 *   2. the PAM gate module alone (`src/cli/gate-pam.ts`, what the action imports), through the TypeScript loader;
 *   3. `opencal gate pam` for PAM_TYPE=open_session — the whole command line started, nothing asked;
 *   4. `opencal gate pam` for an account-phase login admitted by a session host on loopback (the real login);
 *   5. the same login with the gate's action compiled into one file by esbuild, as the compiled CLI loads it (the
 *      figure a login costs once the CLI is a bundle whose commands load only what they use).
 * Runnable alone: `node --import tsx bench/pam.ts` (OPENCAL_BENCH_PAM_RUNS, default 15). Never part of the tests.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ManualClock } from '../src/core/clock';
import { buildServer } from '../src/http/server';
import { createSessionHost } from '../src/session-host/module';
import { openDatabase } from '../src/storage/database';

const RUNS = Number(process.env.OPENCAL_BENCH_PAM_RUNS ?? 15);
const root = new URL('..', import.meta.url).pathname;
const BIN = join(root, 'bin', 'opencal.mjs');

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; exit: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { env, cwd: root, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ ms: performance.now() - start, exit: code ?? -1 }));
  });
}

async function timed(label: string, args: string[], env: NodeJS.ProcessEnv, expectExit = 0): Promise<number> {
  await run(args, env); // warm the file cache
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await run(args, env);
    if (r.exit !== expectExit) throw new Error(`${label}: exit ${r.exit}, expected ${expectExit}`);
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const p90 = times[Math.min(times.length - 1, Math.ceil(times.length * 0.9) - 1)]!;
  process.stdout.write(`${label.padEnd(58)} median ${median.toFixed(0).padStart(5)} ms   p90 ${p90.toFixed(0).padStart(5)} ms\n`);
  return median;
}

export async function pamBench(): Promise<void> {
  process.stdout.write(`\nPAM gate start-to-exit (${RUNS} runs each, one process per login)\n`);
  const dir = mkdtempSync(join(tmpdir(), 'opencal-bench-pam-'));
  const host = await createSessionHost({
    database: await openDatabase('sqlite::memory:'),
    clock: new ManualClock(new Date()),
    hostName: 'BENCH-PAM',
    hostVersion: 2019,
    directory: 'domain',
    refreshIntervalMs: 0,
    configFile: { policy: { mode: 'per-device' } },
  });
  const app = await buildServer({ components: [host.module], logger: false });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const credential = join(dir, 'gate-credential');
    writeFileSync(credential, `${(await host.useCases.createGateCredential('bench')).token}\n`, { mode: 0o600 });
    const config = join(dir, 'pam.json');
    writeFileSync(
      config,
      JSON.stringify({ sessionHosts: [`http://127.0.0.1:${port}`], credentialFile: credential, stateFile: join(dir, 'state.json'), logFile: join(dir, 'pam.log') }),
    );
    const pam = { PAM_USER: 'alice', PAM_RHOST: '10.9.8.7', PAM_SERVICE: 'sshd' };
    const floor = await timed('node -e 0', ['-e', '0'], {});
    const moduleAlone = await timed('gate-pam module alone (tsx loader)', ['--import', 'tsx', '-e', `await import(${JSON.stringify(join(root, 'src/cli/gate-pam.ts'))})`], {});
    const session = await timed('opencal gate pam, open_session (nothing asked)', [BIN, 'gate', 'pam', '--pam-config', config], { ...pam, PAM_TYPE: 'open_session' });
    const login = await timed('opencal gate pam, account, admitted over loopback', [BIN, 'gate', 'pam', '--pam-config', config], { ...pam, PAM_TYPE: 'account' });
    const entry = join(dir, 'pam-entry.ts');
    writeFileSync(
      entry,
      [
        `import { runPamGate } from ${JSON.stringify(join(root, 'src/cli/gate-pam.ts'))};`,
        `const d = await runPamGate({ configFile: process.argv[2]!, reportOnly: false, env: process.env, now: () => new Date() });`,
        'if (d.stdout) process.stdout.write(d.stdout + "\\n");',
        'process.exitCode = d.exitCode;',
      ].join('\n'),
    );
    const bundle = join(dir, 'opencal-pam.mjs');
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundle, logLevel: 'silent' });
    const compiled = await timed('gate pam action compiled (esbuild), account, admitted', [bundle, config], { ...pam, PAM_TYPE: 'account' });
    process.stdout.write(
      `${'over node -e 0'.padEnd(58)} module ${(moduleAlone - floor).toFixed(0)} ms, command ${(session - floor).toFixed(0)} ms, login ${(login - floor).toFixed(0)} ms, compiled login ${(compiled - floor).toFixed(0)} ms\n`,
    );
  } finally {
    await app.close();
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await pamBench();
