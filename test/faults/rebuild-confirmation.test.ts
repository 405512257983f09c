/**
 * `licmgr rebuild` says what it will remove and waits for a yes on a terminal, and needs --yes without one
 * (issue 13: it deleted every issued license without asking). Refused, it changes nothing.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io';
import { run } from '../../src/cli/run';
import { allCommandGroups } from '../../src/main';
import { bufferedIo, opencal, startServer } from '../cli/harness';

interface Status {
  instanceId: string;
  keyPacks: unknown[];
  issued: { temporary: number; permanent: number; user: number };
}

/** A terminal whose person types `answer` when asked. */
function terminal(answer: string): CliIo['stdin'] {
  const input = new PassThrough() as PassThrough & { isTTY?: boolean };
  input.isTTY = true;
  setTimeout(() => input.write(`${answer}\n`), 20);
  return input;
}

describe('licmgr rebuild asks before it removes', () => {
  let stop: () => Promise<void>;
  let env: Record<string, string>;
  beforeAll(async () => {
    const s = await startServer({ demo: true });
    stop = s.stop;
    env = { OPENCAL_URL: s.server.url, OPENCAL_TOKEN: s.server.adminToken };
    // A device gets a CAL, so that there is an issued license to lose.
    const joined = await opencal(['licmgr', 'hosts', 'add', 'rdsh-confirm', '--json'], env);
    const enrolled = await fetch(`${s.server.url}/ls/v1/hosts/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ joinToken: joined.json.joinToken, name: 'rdsh-confirm' }),
    });
    const host = ((await enrolled.json()) as { token: string }).token;
    const cal = await fetch(`${s.server.url}/ls/v1/cals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${host}` },
      body: JSON.stringify({ device: 'pc-1', hwid: 'hw-1', mode: 'per-device', hostVersion: 2019 }),
    });
    expect(cal.status).toBe(200);
  }, 60_000);
  afterAll(async () => stop());

  const status = async () => (await opencal(['licmgr', 'status', '--json'], env)).json as Status;

  it('without a terminal and without --yes, it is refused with REBUILD_NOT_CONFIRMED, exit 1, naming what would be lost, and nothing changes', async () => {
    const before = await status();
    const r = await opencal(['licmgr', 'rebuild'], env);
    expect(r.exit).toBe(1);
    expect(r.stderr).toContain('REBUILD_NOT_CONFIRMED');
    expect(r.stderr).toContain('1 issued licenses and 1 key packs');
    expect(r.stderr).toContain('--yes');
    expect(await status()).toEqual(before);
  });

  it('on a terminal, it says what will be lost and an answer other than yes changes nothing', async () => {
    const before = await status();
    const t = bufferedIo(env, { stdin: terminal('no') });
    const exit = await run(['licmgr', 'rebuild'], t.io, allCommandGroups);
    expect(exit).toBe(1);
    expect(t.stderr()).toContain('The rebuild removes 1 issued licenses (1 temporary, 0 permanent, 0 per user), 1 key packs');
    expect(t.stderr()).toContain('REBUILD_NOT_CONFIRMED');
    expect(await status()).toEqual(before);
  });

  it('on a terminal in French, the question is in French, and yes rebuilds', async () => {
    const before = await status();
    const t = bufferedIo({ ...env, OPENCAL_LANG: 'fr' }, { stdin: terminal('yes') });
    const exit = await run(['licmgr', 'rebuild'], t.io, allCommandGroups);
    expect(t.stderr()).toContain('La reconstruction supprime 1 licences délivrées');
    expect(exit).toBe(0);
    const after = await status();
    expect(after.instanceId).not.toBe(before.instanceId);
    expect(after.issued).toEqual({ temporary: 0, permanent: 0, user: 0 });
  });

  it('with --yes, it rebuilds without asking', async () => {
    const before = await status();
    const r = await opencal(['licmgr', 'rebuild', '--yes', '--json'], env);
    expect(r.exit).toBe(0);
    expect(r.json.serverId).toBeDefined();
    expect((await status()).instanceId).not.toBe(before.instanceId);
  });
});
