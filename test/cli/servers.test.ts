import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/run';
import { allCommandGroups } from '../../src/main';
import { bufferedIo, opencal, removeDir, tempDir, type Buffered } from './harness';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

/** Starts `opencal ARGS` (a server command) in process; resolves once it printed its URL. */
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

describe('opencal serve (all-in-one)', () => {
  it('runs the three components on one port, each with its own database file, and prints a bootstrap admin token saved with mode 0600', async () => {
    const data = tempDir();
    dirs.push(data);
    const s = await serve(['serve', '--data', data]);
    expect(s.url).toBeDefined();
    const out = s.t.stdout();
    const token = /admin token\s+(ocal_\S+)/.exec(out)?.[1];
    expect(token).toBeDefined();
    expect(out).toContain(`${s.url}/ch/v1`);
    expect(out).toContain(`${s.url}/ls/v1`);
    expect(out).toContain(`${s.url}/sh/v1`);

    expect(readFileSync(join(data, 'admin-token'), 'utf8').trim()).toBe(token);
    expect(statSync(join(data, 'admin-token')).mode & 0o777).toBe(0o600);
    for (const file of ['clearinghouse/ch.db', 'license-server/lserver.db', 'license-server/identity.key', 'session-host/sh.db']) {
      expect(existsSync(join(data, file)), file).toBe(true);
    }
    expect(statSync(join(data, 'license-server/identity.key')).mode & 0o777).toBe(0o600);

    const health = await (await fetch(`${s.url}/healthz`)).json();
    expect(health.components).toEqual(['clearinghouse', 'license-server', 'session-host']);
    // The same token is the admin of all three components.
    const env = { OPENCAL_URL: s.url!, OPENCAL_TOKEN: token! };
    expect((await opencal(['ch', 'org', 'list'], env)).exit).toBe(0);
    expect((await opencal(['licmgr', 'status'], env)).exit).toBe(0);
    expect((await opencal(['host', 'status'], env)).exit).toBe(0);
    // No demo clock without --demo.
    expect((await fetch(`${s.url}/demo/clock/advance`, { method: 'POST' })).status).toBe(404);
    expect(await s.stop()).toBe(0);

    // A second start keeps the token and the license server identity.
    const again = await serve(['serve', '--data', data]);
    expect(again.t.stdout()).toContain(`admin token     in ${join(data, 'admin-token')}`);
    expect((await opencal(['licmgr', 'status'], { OPENCAL_URL: again.url!, OPENCAL_TOKEN: token! })).exit).toBe(0);
    expect(await again.stop()).toBe(0);
  });

  it('--admin-token (or OPENCAL_ADMIN_TOKEN) provisions the given token instead of generating one', async () => {
    const data = tempDir();
    dirs.push(data);
    const given = 'ocal_provisioned-by-the-deployment-0001';
    const s = await serve(['serve', '--data', data], { OPENCAL_ADMIN_TOKEN: given });
    expect(s.t.stdout()).not.toContain(given);
    expect(existsSync(join(data, 'admin-token'))).toBe(false);
    const env = { OPENCAL_URL: s.url!, OPENCAL_TOKEN: given };
    expect((await opencal(['ch', 'agent', 'create', 'Desk'], env)).exit).toBe(0);
    expect((await opencal(['licmgr', 'hosts', 'add', 'RDSH-01'], env)).exit).toBe(0);
    expect((await opencal(['host', 'status'], env)).exit).toBe(0);
    await s.stop();
  });

  it('--demo seeds an organization, an installed 10-CAL 2019 per-device pack and an enrolled per-device session host', async () => {
    const data = tempDir();
    dirs.push(data);
    const s = await serve(['serve', '--data', data, '--demo']);
    expect(s.t.stdout()).toMatch(/demo pack\s+1: 10 device CALs, version 2019, Select agreement 1234567, installed on this license server/);
    const demo = JSON.parse(readFileSync(join(data, 'demo.json'), 'utf8'));
    expect(statSync(join(data, 'demo.json')).mode & 0o777).toBe(0o600);
    const token = readFileSync(join(data, 'admin-token'), 'utf8').trim();
    const env = { OPENCAL_URL: s.url!, OPENCAL_TOKEN: token };
    const status = await opencal(['licmgr', 'status', '--json'], env);
    expect(status.json.keyPacks[0]).toMatchObject({ total: 10, calType: 'device', calVersion: 2019 });
    const host = await opencal(['host', 'status', '--json'], env);
    expect(host.json).toMatchObject({ mode: 'per-device', licenseServers: [{ url: s.url, enrolled: true, serverId: demo.licenseServerId }] });
    const clock = await opencal(['clock', 'advance', '121d', '--json'], env);
    expect(clock.exit).toBe(0);
    const grace = await opencal(['host', 'status', '--json'], env);
    expect(grace.json.grace.expired).toBe(true);
    await s.stop();
  });

  it('a port in use is refused as PORT_IN_USE', async () => {
    const data = tempDir();
    dirs.push(data);
    const first = await serve(['serve', '--data', data]);
    const port = new URL(first.url!).port;
    const t = bufferedIo();
    expect(await run(['serve', '--data', join(data, 'other'), '--port', port, '--log-level', 'silent'], t.io, allCommandGroups)).toBe(1);
    expect(t.stderr()).toMatch(/^PORT_IN_USE: Port \d+/);
    await first.stop();
  });

  it('an invalid configuration value is refused naming where it came from', async () => {
    const t = bufferedIo({ OPENCAL_ADMIN_TOKEN: 'short' });
    expect(await run(['serve', '--port', '0'], t.io, allCommandGroups)).toBe(1);
    expect(t.stderr()).toMatch(/^CONFIG_INVALID_VALUE: .*OPENCAL_ADMIN_TOKEN/);
  });
});

describe('each component alone', () => {
  it('a clearinghouse, a license server and a session host run as separate servers and find each other by URL', async () => {
    const root = tempDir();
    dirs.push(root);
    const token = 'ocal_separate-components-admin-0001';
    const env = { OPENCAL_ADMIN_TOKEN: token };
    const ch = await serve(['clearinghouse', 'serve', '--data', join(root, 'ch')], env);
    const ls = await serve(['license-server', 'serve', '--data', join(root, 'ls'), '--clearinghouse-url', ch.url!], env);
    // The join token below is made for RDSH-01: it enrols only a host of that name.
    const sh = await serve(['session-host', 'serve', '--data', join(root, 'sh'), '--clearinghouse-url', ch.url!, '--host-name', 'RDSH-01'], env);
    expect(existsSync(join(root, 'ch', 'ch.db'))).toBe(true);
    expect(statSync(join(root, 'sh', 'host.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(root, 'ls', 'identity.key'))).toBe(true);
    expect(existsSync(join(root, 'sh', 'sh.db'))).toBe(true);
    expect(ls.t.stdout()).toMatch(/license server\s+[B-Y2-9]{5}(-[B-Y2-9]{5}){6}/);

    // A route of another component is not served here.
    const wrong = await opencal(['licmgr', 'status', '--url', ch.url!, '--token', token]);
    expect(wrong.stderr).toMatch(/^ROUTE_NOT_FOUND: /);

    const join1 = await opencal(['licmgr', 'hosts', 'add', 'RDSH-01', '--url', ls.url!, '--token', token, '--json']);
    const enrolled = await opencal(['host', 'enroll', '--license-server', ls.url!, '--join-token', join1.json.joinToken, '--url', sh.url!, '--token', token, '--json']);
    expect(enrolled.exit).toBe(0);
    expect(enrolled.json.licenseServerUrl).toBe(ls.url);
    await sh.stop();
    await ls.stop();
    await ch.stop();
  });

  it('a session host takes its name, its directory and a policy file from the command line, and reports the policy layer', async () => {
    const root = tempDir();
    dirs.push(root);
    const token = 'ocal_session-host-flags-admin-0001';
    const policy = join(root, 'policy.json');
    writeFileSync(policy, JSON.stringify({ policy: { mode: 'per-user', licenseServers: ['http://lic-01.contoso.test:7878'] } }));
    const sh = await serve(['session-host', 'serve', '--data', join(root, 'sh'), '--host-name', 'RDSH-07', '--directory', 'workgroup', '--host-policy', policy], {
      OPENCAL_ADMIN_TOKEN: token,
    });
    const status = await opencal(['host', 'status', '--url', sh.url!, '--token', token, '--json']);
    expect(status.exit).toBe(0);
    expect(status.json).toMatchObject({ hostName: 'RDSH-07', directory: 'workgroup', mode: 'per-user', modeSource: 'policy' });
    // Per-user CALs are not permitted in a workgroup: the diagnoser says so.
    const diagnosis = await opencal(['diagnose', '--url', sh.url!, '--token', token, '--json']);
    expect(diagnosis.json.findings.map((f: { code: string }) => f.code)).toContain('PER_USER_IN_WORKGROUP');
    await sh.stop();
  });

  it('a directory other than domain or workgroup is refused before the server starts', async () => {
    const root = tempDir();
    dirs.push(root);
    const refused = await serve(['session-host', 'serve', '--data', join(root, 'sh'), '--directory', 'forest']);
    expect(refused.url).toBeUndefined();
    expect(await refused.exit).toBe(1);
    expect(refused.t.stderr()).toMatch(/^CONFIG_INVALID_VALUE: .*--directory.*one of domain, workgroup/);
  });
});
