/**
 * `opencal ch keys …` against a clearinghouse run alone, and a second clearinghouse node on the same database whose
 * data directory holds no key or another key: it does not start (non-zero exit, a typed code, what to do).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/run';
import { allCommandGroups } from '../../src/main';
import { loadOrCreateIdentity } from '../../src/trust/index';
import { bufferedIo, opencal, removeDir, tempDir, type Buffered } from './harness';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

async function serve(args: string[], env: Record<string, string> = {}) {
  let stop!: () => void;
  const shutdown = new Promise<void>((resolve) => (stop = resolve));
  const t: Buffered = bufferedIo(env, { shutdown });
  const exit = run([...args, '--port', '0', '--log-level', 'silent'], t.io, allCommandGroups);
  for (;;) {
    const url = /listening on (http:\/\/\S+)/.exec(t.stdout())?.[1];
    if (url) return { url, t, exit, stop: async () => (stop(), exit) };
    const done = await Promise.race([exit.then((code) => ({ code })), new Promise<undefined>((r) => setTimeout(r, 20))]);
    if (done) return { url: undefined, t, exit, stop: async () => done.code };
  }
}

describe('opencal ch keys, and clearinghouse nodes sharing one database', () => {
  it('lists, rotates and revokes keys; a node with no key or a foreign key refuses to start, one with the copied key files starts', async () => {
    const root = tempDir();
    dirs.push(root);
    const token = 'ocal_clearinghouse-keys-admin-0001';
    const db = `sqlite:${join(root, 'shared-ch.db')}`;
    const env = { OPENCAL_ADMIN_TOKEN: token };
    const first = await serve(['clearinghouse', 'serve', '--data', join(root, 'a'), '--db', db], env);
    expect(first.url).toBeDefined();
    const client = ['--url', first.url!, '--token', token];

    const listed = await opencal(['ch', 'keys', 'list', ...client, '--json']);
    expect(listed.exit).toBe(0);
    expect(listed.json.keys).toHaveLength(1);
    expect(listed.json.keys[0]).toMatchObject({ status: 'current', codes: true, heldHere: true, position: 0 });
    const rootKid = listed.json.keys[0].kid as string;

    const rotated = await opencal(['ch', 'keys', 'rotate', ...client]);
    expect(rotated.exit).toBe(0);
    const newKid = /new key (ch-\S+):/.exec(rotated.stdout)?.[1];
    expect(newKid).toBeDefined();
    expect(rotated.stdout).toContain(`this node signs with ${newKid}`);
    expect(readdirSync(join(root, 'a')).filter((f) => f === 'root.key' || f.startsWith('signing-')).sort()).toEqual(['root.key', `signing-${newKid}.key`]);

    const current = await opencal(['ch', 'keys', 'revoke', newKid!, '--reason', 'test', ...client]);
    expect(current.exit).toBe(1);
    expect(current.stderr).toMatch(/^KEY_IS_CURRENT: .*rotate first.*opencal ch keys rotate/);
    const revoked = await opencal(['ch', 'keys', 'revoke', rootKid, '--reason', 'key file leaked', ...client, '--json']);
    expect(revoked.exit).toBe(0);
    expect(revoked.json.keys.map((k: { status: string }) => k.status)).toEqual(['revoked', 'current']);
    expect((await opencal(['ch', 'keys', 'revoke', 'ch-nope', '--reason', 'x', ...client])).stderr).toMatch(/^KEY_NOT_FOUND: /);
    const list = await opencal(['ch', 'revocations', '--url', first.url!]);
    expect(list.stdout).toMatch(new RegExp(`revoked clearinghouse keys:[\\s\\S]*${rootKid}.*key file leaked`));

    // A second node on the same database with an empty data directory: no key is made, the start is refused.
    const empty = await serve(['clearinghouse', 'serve', '--data', join(root, 'b'), '--db', db], env);
    expect(empty.url).toBeUndefined();
    expect(await empty.exit).toBe(1);
    expect(empty.t.stderr()).toMatch(/^CLEARINGHOUSE_KEY_MISSING: .*Copy the key files of the first node/);
    expect(existsSync(join(root, 'b', 'root.key'))).toBe(false);

    // With a root key of its own: refused, naming the key and the set.
    mkdirSync(join(root, 'b'), { recursive: true, mode: 0o700 });
    const own = loadOrCreateIdentity(join(root, 'b', 'root.key'));
    expect(own).toBeDefined();
    const foreign = await serve(['clearinghouse', 'serve', '--data', join(root, 'b'), '--db', db], env);
    expect(await foreign.exit).toBe(1);
    expect(foreign.t.stderr()).toMatch(new RegExp(`^CLEARINGHOUSE_KEY_NOT_IN_SET: .*${rootKid}.*--data`));

    // With the first node's key files: it starts and signs with the current key.
    for (const f of ['root.key', `signing-${newKid}.key`]) copyFileSync(join(root, 'a', f), join(root, 'b', f));
    const second = await serve(['clearinghouse', 'serve', '--data', join(root, 'b'), '--db', db], env);
    expect(second.url).toBeDefined();
    const fromSecond = await opencal(['ch', 'keys', 'list', '--url', second.url!, '--token', token, '--json']);
    expect(fromSecond.json).toMatchObject({ signingKid: newKid });
    expect(fromSecond.json.keys.map((k: { heldHere: boolean }) => k.heldHere)).toEqual([true, true]);
    await second.stop();
    await first.stop();
  });
});
