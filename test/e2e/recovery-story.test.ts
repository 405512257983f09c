/**
 * The source document's recovery story, end to end, against real processes on loopback ports: a clearinghouse,
 * an "old" license server, a session host, then a reinstalled (new) license server; devices connect through the
 * `opencal` binary. Administration goes through the CLI (`run`, the same code the binary runs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opencal } from '../cli/harness';

const BIN = resolve(__dirname, '../../bin/opencal.mjs');
const ADMIN = 'ocal_recovery-story-admin-token-000001';
const COMPANY = ['--first-name', 'Ana', '--last-name', 'Diaz', '--company', 'Contoso', '--country', 'FR'];

interface Proc {
  child: ChildProcess;
  url: string;
  output: () => string;
}

const running = new Set<ChildProcess>();
let root: string;

/** Spawns `node bin/opencal.mjs ARGS` and waits for the line "listening on URL" (port 0: a random one). */
function server(args: string[], port = 0): Promise<Proc> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--host', '127.0.0.1', '--port', String(port), '--log-level', 'silent'], {
      env: { ...process.env, OPENCAL_ADMIN_TOKEN: ADMIN, OPENCAL_URL: '', OPENCAL_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no "listening on" from opencal ${args.join(' ')}:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolvePromise({ child, url, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => {
      running.delete(child);
      clearTimeout(timer);
      reject(new Error(`opencal ${args.join(' ')} exited with ${code}:\n${out}`));
    });
  });
}

function stop(p: Proc): Promise<void> {
  return new Promise((r) => {
    if (p.child.exitCode !== null) return r();
    p.child.once('exit', () => r());
    p.child.kill('SIGTERM');
  });
}

/** A device connecting with the real binary (its own process, its own license store file). */
function device(host: string, name: string): Promise<{ exit: number; json: any; stderr: string }> {
  return new Promise((r) => {
    const args = ['device', 'connect', '--host', host, '--name', name, '--store', join(root, 'devices', `${name}.json`), '--gate-credential', gateCredential, '--json'];
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, OPENCAL_URL: '', OPENCAL_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => {
      let json: unknown;
      try {
        json = JSON.parse(out);
      } catch {
        json = undefined;
      }
      r({ exit: code ?? -1, json, stderr: err });
    });
  });
}

/** `opencal ARGS --url URL --token TOKEN --json`, expecting success. */
async function ok(args: string[], url: string, token = ADMIN): Promise<any> {
  const r = await opencal([...args, '--url', url, '--token', token, '--json']);
  if (r.exit !== 0) throw new Error(`opencal ${args.join(' ')} exited ${r.exit}: ${r.stderr}`);
  return r.json;
}

let ch: Proc;
let sh: Proc;
let orgId: string;
let orgToken: string;
let agentToken: string;
/** the devices' front end: the session host gives a seat only to connections that carry it */
let gateCredential: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'opencal-e2e-'));
  ch = await server(['clearinghouse', 'serve', '--data', join(root, 'clearinghouse')]);
  sh = await server(['session-host', 'serve', '--data', join(root, 'session-host'), '--clearinghouse-url', ch.url, '--host-name', 'RDSH-01']);
  gateCredential = (await ok(['gate', 'credential', 'create', '--label', 'device client'], sh.url)).token;
  // The session host's key pair lives beside sh.db, readable by its owner only.
  expect(statSync(join(root, 'session-host', 'host.key')).mode & 0o777).toBe(0o600);
  const org = await ok(['ch', 'org', 'create', 'Contoso'], ch.url);
  orgId = org.orgId;
  orgToken = org.token;
  agentToken = (await ok(['ch', 'agent', 'create', 'Clearinghouse desk'], ch.url)).token;
}, 90_000);

afterAll(async () => {
  await Promise.all([...running].map((child) => new Promise<void>((r) => (child.exitCode !== null ? r() : (child.once('exit', () => r()), child.kill('SIGTERM'))))));
  rmSync(root, { recursive: true, force: true });
});

/** An activated license server with the pack installed, the session host per device on it, devices holding its CALs. */
async function oldEstate(name: string, pack: { packKey: string; flags: string[] }, devices: string[]) {
  const old = await server(['license-server', 'serve', '--data', join(root, name), '--clearinghouse-url', ch.url]);
  await ok(['licmgr', 'activate', '--method', 'auto', '--org-token', orgToken, ...COMPANY], old.url);
  await ok(['licmgr', 'install', '--pack-key', pack.packKey, ...pack.flags], old.url);
  const join1 = await ok(['licmgr', 'hosts', 'add', 'RDSH-01'], old.url);
  await ok(['host', 'enroll', '--license-server', old.url, '--join-token', join1.joinToken], sh.url);
  await ok(['host', 'config', '--mode', 'per-device', '--license-servers', old.url, '--layer', 'policy'], sh.url);
  const oldId = (await ok(['licmgr', 'status'], old.url)).serverId as string;
  for (const d of devices) {
    expect((await device(sh.url, d)).json.cal).toMatchObject({ kind: 'temporary', licenseServerId: oldId });
    expect((await device(sh.url, d)).json.cal).toMatchObject({ kind: 'permanent', licenseServerId: oldId });
  }
  return { old, oldId };
}

/**
 * After the reissue: install the key pack ID and check in. When the new server answers at the old server's
 * address, nothing is done on the session host: no join token, no `hosts add`, no `host enroll` — the new server
 * recognises the host from its organization's host registry, and the host follows the new identity behind the
 * URL because the clearinghouse certifies it as a server of its organization. At another address, the session
 * host is pointed at it and enrolled there.
 */
async function finishOnNewServer(fresh: Proc, keyPackId: string, packNumber: number, oldId: string, newId: string, deviceName: string, sameUrl: boolean) {
  const installed = await ok(['licmgr', 'install', '--key-pack-id', keyPackId], fresh.url);
  expect(installed).toMatchObject({ pack: packNumber, calType: 'device', calVersion: 2019, total: 10 });
  await ok(['licmgr', 'check-in'], fresh.url);

  if (sameUrl) {
    const refreshed = await ok(['host', 'refresh'], sh.url);
    expect(refreshed.identities).toContainEqual({ licenseServerUrl: fresh.url, serverId: newId, changed: 'followed' });
    const hostStatus = await ok(['host', 'status'], sh.url);
    expect(hostStatus.licenseServers).toEqual([
      expect.objectContaining({ url: fresh.url, enrolled: true, serverId: newId, identityChange: expect.objectContaining({ followed: true, previousServerId: oldId }) }),
    ]);
    const followed = await ok(['events', '--component', 'session-host', '--id', '9240', '--host', sh.url], sh.url);
    expect(followed.events.map((e: { data: { serverId: string } }) => e.data.serverId)).toContain(newId);
  } else {
    const join2 = await ok(['licmgr', 'hosts', 'add', 'RDSH-01'], fresh.url);
    await ok(['host', 'enroll', '--license-server', fresh.url, '--join-token', join2.joinToken], sh.url);
    const hostStatus = await ok(['host', 'config', '--mode', 'per-device', '--license-servers', fresh.url, '--layer', 'policy'], sh.url);
    expect(hostStatus).toMatchObject({ mode: 'per-device', modeSource: 'policy', licenseServers: [{ url: fresh.url, enrolled: true, serverId: newId }] });
    await ok(['host', 'refresh'], sh.url);
  }

  // The old server's grant is on the signed revocation list.
  const revocations = await ok(['ch', 'revocations'], ch.url);
  expect(revocations.verified).toBe(true);
  expect(revocations.list.grants).toContainEqual(expect.objectContaining({ serverId: oldId, pack: packNumber }));

  // The diagnoser, from the session host, with the new license server and the clearinghouse: nothing blocking.
  const diagnosis = await opencal([
    'diagnose', '--host', sh.url, '--token', ADMIN, '--license-server', fresh.url, '--license-server-token', ADMIN,
    '--clearinghouse', ch.url, '--clearinghouse-token', orgToken, '--json',
  ]);
  expect(diagnosis.json?.findings?.filter((f: { severity: string }) => f.severity === 'blocking') ?? diagnosis.stderr).toEqual([]);
  expect(diagnosis.exit).toBe(0);

  // A device holding the old server's CAL gets a temporary CAL from the new server, then a permanent one.
  const first = await device(sh.url, deviceName);
  expect(first.exit).toBe(0);
  expect(first.json.basis).toBe('issued');
  expect(first.json.cal).toMatchObject({ kind: 'temporary', licenseServerId: newId });
  const second = await device(sh.url, deviceName);
  expect(second.json.cal).toMatchObject({ kind: 'permanent', licenseServerId: newId });
  const issued = await ok(['licmgr', 'issued', '--type', 'device'], fresh.url);
  expect(issued.issued).toContainEqual(expect.objectContaining({ device: deviceName, kind: 'permanent', pack: packNumber, host: 'RDSH-01' }));

  if (sameUrl) {
    // The new server knew the host from the registry, not from an enrolment of its own.
    const recognised = await ok(['events', '--component', 'license-server', '--id', '9140', '--license-server', fresh.url], fresh.url);
    expect(recognised.events).toContainEqual(expect.objectContaining({ data: expect.objectContaining({ host: 'RDSH-01' }) }));
    expect((await ok(['licmgr', 'hosts', 'list'], fresh.url)).hosts).toEqual([]);
    expect((await ok(['licmgr', 'tokens', 'list'], fresh.url)).tokens.map((t: { kind: string }) => t.kind)).not.toContain('ls:host');
    const registry = await ok(['ch', 'hosts', 'list'], ch.url, orgToken);
    expect(registry.hosts).toEqual([expect.objectContaining({ name: 'RDSH-01', orgId })]);
  }

  const audit = await ok(['ch', 'audit', 'verify'], ch.url);
  expect(audit.ok).toBe(true);
}

describe('the recovery story of the source document', () => {
  it('reinstalled license server at the same address: already activated, migration Pending, agent approves, new server installs, devices recover with no new join token', async () => {
    const pack = await ok(['ch', 'pack', 'create', '--org', orgId, '--type', 'device', '--version', '2019', '--program', 'open', '--count', '10', '--license-number', '12345678', '--authorization', 'ABCDE1234567890'], ch.url);
    const packFlags = ['--license-number', '12345678', '--authorization', 'ABCDE1234567890'];
    const { old, oldId } = await oldEstate('license-server-old', { packKey: pack.packKey, flags: packFlags }, ['PC-01', 'PC-02']);

    // Reinstall at the same address: the old data directory is destroyed and a new license server, with a new
    // identity, starts on the old server's port.
    const port = Number(new URL(old.url).port);
    await stop(old);
    rmSync(join(root, 'license-server-old'), { recursive: true, force: true });
    expect(existsSync(join(root, 'license-server-old'))).toBe(false);
    const fresh = await server(['license-server', 'serve', '--data', join(root, 'license-server-new'), '--clearinghouse-url', ch.url], port);
    expect(fresh.url).toBe(old.url);
    await ok(['licmgr', 'activate', '--method', 'auto', '--org-token', orgToken, ...COMPANY], fresh.url);
    const newId = (await ok(['licmgr', 'status'], fresh.url)).serverId as string;
    expect(newId).not.toBe(oldId);

    // Installing the pack key is refused as already activated, naming the old server and the next step.
    const refused = await opencal(['licmgr', 'install', '--pack-key', pack.packKey, ...packFlags, '--url', fresh.url, '--token', ADMIN]);
    expect(refused.exit).toBe(1);
    expect(refused.stderr).toMatch(/^PACK_ALREADY_ACTIVATED: /);
    expect(refused.stderr).toContain(oldId);

    // The portal migration with the new server's 45-character code ends Pending: the old server may still be alive.
    const migration = await ok(['licmgr', 'migration-code', '--reason', 'reinstalled', '--source-id', oldId], fresh.url);
    expect(migration.migrationCode.replace(/-/g, '')).toHaveLength(45);
    const submitted = await ok(
      ['portal', 'migrate', '--migration-code', migration.migrationCode, '--pack-key', pack.packKey, '--type', 'device', '--version', '2019', '--program', 'open', ...packFlags],
      ch.url,
      orgToken,
    );
    expect(submitted.status).toBe('pending');
    expect(submitted.keyPackId).toBeUndefined();
    expect(submitted.reason).toBeTruthy();

    // The phone path: the agent finds the case in the review queue and approves it (reissue + invalidation).
    const queue = await ok(['ch', 'cases', '--status', 'pending'], ch.url, agentToken);
    expect(queue.cases.map((c: { caseNumber: string }) => c.caseNumber)).toContain(submitted.case);
    const script = await opencal(['phone-script', '--case', submitted.case, '--lang', 'en', '--host', sh.url, '--token', ADMIN, '--license-server', fresh.url, '--clearinghouse', ch.url, '--clearinghouse-token', orgToken, '--url', sh.url]);
    expect(script.stdout).toContain(newId);
    expect(script.stdout).toContain(submitted.case);
    const approved = await ok(['ch', 'case', 'approve', submitted.case, '--reason', 'reinstall confirmed by phone; old server destroyed'], ch.url, agentToken);
    expect(approved.case).toMatchObject({ status: 'approved', sourceServerId: oldId, targetServerId: newId });
    expect(approved.case.keyPackId.replace(/-/g, '')).toHaveLength(35);

    await finishOnNewServer(fresh, approved.case.keyPackId, pack.packNumber, oldId, newId, 'PC-01', true);
    await stop(fresh);
  }, 240_000);

  it('self-service: the old server deactivated (receipt), so the migration is approved at once', async () => {
    const pack = await ok(['ch', 'pack', 'create', '--org', orgId, '--type', 'device', '--version', '2019', '--program', 'select', '--count', '10', '--agreement', '1234567'], ch.url);
    const { old, oldId } = await oldEstate('license-server-old-2', { packKey: pack.packKey, flags: ['--agreement', '1234567'] }, ['PC-11']);

    const deactivated = await ok(['licmgr', 'deactivate'], old.url);
    expect(deactivated.receipt.replace(/-/g, '')).toHaveLength(35);
    await stop(old);
    rmSync(join(root, 'license-server-old-2'), { recursive: true, force: true });

    const fresh = await server(['license-server', 'serve', '--data', join(root, 'license-server-new-2'), '--clearinghouse-url', ch.url]);
    await ok(['licmgr', 'activate', '--method', 'auto', '--org-token', orgToken, ...COMPANY], fresh.url);
    const newId = (await ok(['licmgr', 'status'], fresh.url)).serverId as string;
    const migration = await ok(['licmgr', 'migration-code', '--reason', 'reinstalled'], fresh.url);
    const submitted = await ok(
      ['portal', 'migrate', '--migration-code', migration.migrationCode, '--pack-key', pack.packKey, '--type', 'device', '--version', '2019', '--program', 'select', '--agreement', '1234567', '--receipt', deactivated.receipt],
      ch.url,
      orgToken,
    );
    expect(submitted.status).toBe('approved');
    expect(submitted.detail).toMatchObject({ sourceServerId: oldId, targetServerId: newId });

    await finishOnNewServer(fresh, submitted.keyPackId, pack.packNumber, oldId, newId, 'PC-11', false);
    await stop(fresh);
  }, 240_000);
});
