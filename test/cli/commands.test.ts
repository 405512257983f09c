import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/io';
import { run } from '../../src/cli/run';
import { ManualClock } from '../../src/core/clock';
import { allCommandGroups } from '../../src/main';
import { productIdFromPublicKey } from '../../src/core/codes/index';
import { callJson } from '../../src/http/client';
import { generateIdentity } from '../../src/trust/index';
import { bufferedIo, opencal, removeDir, startServer, tempDir } from './harness';

const DAY = 86_400_000;
let stop: () => Promise<void>;
let url: string;
let admin: string;
let demo: { orgId: string; orgToken: string; agentToken: string; packKey: string; licenseServerId: string };
let work: string;

/** `opencal ARGS --url URL` with the admin token in OPENCAL_TOKEN (as a user would export it). */
const cli = (args: string[], token = admin) => opencal([...args, '--url', url], { OPENCAL_TOKEN: token }, work);

beforeAll(async () => {
  const started = await startServer({ demo: true, clock: new ManualClock(new Date('2026-03-02T09:00:00Z')) });
  stop = started.stop;
  url = started.server.url;
  admin = started.server.adminToken;
  demo = started.server.demo!;
  work = tempDir('opencal-cli-work-');
});

afterAll(async () => {
  await stop();
  removeDir(work);
});

describe('client commands against an all-in-one server', () => {
  it('creates an organization and prints its ID and token as one JSON document', async () => {
    const r = await cli(['ch', 'org', 'create', 'Fabrikam', '--json']);
    expect(r.exit).toBe(0);
    expect(r.json.orgId).toMatch(/^org_/);
    expect(r.json.token).toMatch(/^ocal_/);
    const list = await cli(['ch', 'org', 'list', '--json']);
    expect(list.json.organizations.map((o: { name: string }) => o.name)).toContain('Fabrikam');
  });

  it('creates an agent and lists the agents by name, never with their token', async () => {
    const r = await cli(['ch', 'agent', 'create', 'Desk 2', '--json']);
    expect(r.exit).toBe(0);
    const list = await cli(['ch', 'agent', 'list', '--json']);
    expect(list.exit).toBe(0);
    expect(list.json.agents.map((a: { name: string }) => a.name).sort()).toEqual(['Demo agent', 'Desk 2']);
    expect(list.stdout).not.toContain(r.json.token);
    const text = await cli(['ch', 'agent', 'list']);
    expect(text.stdout).toContain('Desk 2');
  });

  it('records a pack and prints a 25-character pack key that code check recognizes', async () => {
    const r = await cli(['ch', 'pack', 'create', '--org', demo.orgId, '--type', 'user', '--version', '2022', '--program', 'select', '--count', '5', '--agreement', '7654321', '--json']);
    expect(r.exit).toBe(0);
    const check = await opencal(['code', 'check', r.json.packKey, '--json']);
    expect(check.exit).toBe(0);
    expect(check.json).toMatchObject({ valid: true, kind: 'packKey', length: 25 });
  });

  it('licmgr status shows the demo pack: 10 per-device 2019 CALs, activated server', async () => {
    const r = await cli(['licmgr', 'status', '--json']);
    expect(r.exit).toBe(0);
    expect(r.json.serverId).toBe(demo.licenseServerId);
    expect(r.json.activation.status).toBe('activated');
    expect(r.json.keyPacks).toEqual([expect.objectContaining({ calType: 'device', calVersion: 2019, total: 10, available: 10 })]);
    const human = await cli(['licmgr', 'status']);
    expect(human.stdout).toContain(demo.licenseServerId);
    expect(human.stdout).toMatch(/select\s+device\s+2019\s+10/);
  });

  it('ch export writes the signed file of a license server and licmgr import installs it; the file of another server is refused with its code', async () => {
    const exported = await cli(['ch', 'export', demo.licenseServerId, '--out', 'ls-documents.json']);
    expect(exported.exit).toBe(0);
    expect(exported.stdout).toContain('opencal licmgr import FILE');
    const imported = await cli(['licmgr', 'import', 'ls-documents.json', '--json']);
    expect(imported.exit).toBe(0);
    expect(imported.json).toMatchObject({ status: 'activated', grantsReceived: 1 });

    // Another license server of the organization, activated on the portal: its file is not for this one.
    const other = generateIdentity();
    const web = await callJson<{ licenseServerId: string }>(url, 'POST', '/ch/v1/portal/activate', {
      token: demo.orgToken,
      body: { productId: productIdFromPublicKey(other.publicKeyRaw), company: { firstName: 'A', lastName: 'B', company: 'C', country: 'FR' }, serverVersion: 2019 },
    });
    if (!web.ok) throw new Error(web.error.message);
    expect((await cli(['ch', 'export', web.value.licenseServerId, '--out', 'other.json'], demo.orgToken)).exit).toBe(0);
    const refused = await cli(['licmgr', 'import', 'other.json']);
    expect(refused.exit).toBe(1);
    expect(refused.stderr).toContain('IMPORT_FILE_OTHER_SERVER');
    expect(refused.stderr).toContain(web.value.licenseServerId);
    const missing = await cli(['licmgr', 'import', 'no-such-file.json']);
    expect([missing.exit, missing.stderr.split(':')[0]]).toEqual([1, 'IMPORT_FILE_INVALID']);
  });

  it('host status says per-device from the local layer with the license server listed', async () => {
    const r = await cli(['host', 'status', '--json']);
    expect(r.exit).toBe(0);
    expect(r.json).toMatchObject({ mode: 'per-device', modeValue: 2, modeSource: 'local', licenseServersSource: 'local' });
    expect(r.json.licenseServers[0]).toMatchObject({ url, enrolled: true, serverId: demo.licenseServerId });
  });

  it('licmgr hosts allow puts session hosts on the allow-list and turns it on; disallow takes one off and keeps the others', async () => {
    const host = (await cli(['host', 'status', '--json'])).json.hostName as string;
    expect((await cli(['licmgr', 'hosts', 'allow', host])).exit).toBe(0);
    const both = await cli(['licmgr', 'hosts', 'allow', 'RDSH-99', '--json']);
    expect(both.exit).toBe(0);
    expect(both.json.allowListEnabled).toBe(true);
    expect([...both.json.allowList].sort()).toEqual([host, 'RDSH-99'].sort());
    const after = await cli(['licmgr', 'hosts', 'disallow', 'rdsh-99']);
    expect(after.exit).toBe(0);
    expect(after.stdout).toMatch(/allow-list:\s+on\nhosts:\s+[^\n]*\n/);
    expect(after.stdout).not.toContain('RDSH-99');
    const list = await cli(['licmgr', 'hosts', 'list', '--json']);
    expect(list.json).toMatchObject({ allowListEnabled: true, allowList: [host] });
  });

  it('host config sets the policy layer, which then wins, and keeps the license servers of that layer', async () => {
    const set = await cli(['host', 'config', '--license-servers', url, '--layer', 'policy', '--json']);
    expect(set.exit).toBe(0);
    const mode = await cli(['host', 'config', '--mode', 'per-device', '--layer', 'policy', '--json']);
    expect(mode.json).toMatchObject({ modeSource: 'policy', licenseServersSource: 'policy' });
    expect(mode.json.layers.policy.licenseServers).toEqual([url]);
  });

  it('host emit prints the PowerShell registry script of the source document', async () => {
    const r = await cli(['host', 'emit', '--format', 'powershell']);
    expect(r.exit).toBe(0);
    expect(r.stdout).toContain("-Name 'LicensingMode' -Type DWord -Value 2");
  });

  it('a device gets a temporary CAL, then a permanent one, and the issued licenses export lists it', async () => {
    const store = join(work, 'pc-001.json');
    const first = await cli(['device', 'connect', '--name', 'PC-001', '--store', store, '--json']);
    expect(first.exit, first.stderr).toBe(0);
    expect(first.json.cal, first.stdout).toMatchObject({ kind: 'temporary', licenseServerId: demo.licenseServerId });
    const second = await cli(['device', 'connect', '--name', 'PC-001', '--store', store, '--json']);
    expect(second.json.cal).toMatchObject({ kind: 'permanent', licenseServerId: demo.licenseServerId });
    const held = await cli(['device', 'list', '--name', 'PC-001', '--store', store, '--json']);
    expect(held.json.tokens.map((t: { kind: string }) => t.kind)).toContain('permanent');
    const csv = await cli(['licmgr', 'issued', '--format', 'csv']);
    expect(csv.exit).toBe(0);
    expect(csv.stdout.split('\n')[0]).toMatch(/^id,kind,calType/);
    expect(csv.stdout).toMatch(/permanent,device,2019,1,PC-001/);
  });

  it('the diagnoser finds nothing blocking on the demo estate and the plan ends with verification', async () => {
    const d = await cli(['diagnose', '--json']);
    expect(d.exit).toBe(0);
    expect(d.json.blocking).toBe(false);
    const plan = await cli(['recover', 'plan', '--json']);
    expect(plan.exit).toBe(0);
    expect(plan.json.steps.at(-1).step).toBe('verify');
  });

  it('a finding that blocks connections makes diagnose exit 4, with the code and its fix', async () => {
    const before = await cli(['host', 'status', '--json']);
    expect(await cli(['host', 'config', '--mode', 'per-user', '--layer', 'policy']).then((r) => r.exit)).toBe(0);
    try {
      const d = await cli(['diagnose']);
      expect(d.exit).toBe(4);
      expect(d.stdout).toContain('CLIENTS_REFUSED_MODE_MISMATCH');
      expect(d.stdout).toContain('opencal host config --mode per-device');
      const fr = await cli(['diagnose', '--lang', 'fr']);
      expect(fr.exit).toBe(4);
      expect(fr.stdout).toContain('[BLOQUANT] CLIENTS_REFUSED_MODE_MISMATCH: Les clients sont refusés alors que');
      expect(fr.stdout).toContain('Correctif : Corrigez le mode dans la stratégie : opencal host config --mode per-device');
      expect(fr.stdout).toMatch(/Serveur de licences \S+ : activé/);
      const json = await cli(['diagnose', '--lang', 'fr', '--json']);
      const mismatch = json.json.findings.find((f: { code: string }) => f.code === 'CLIENTS_REFUSED_MODE_MISMATCH');
      expect(mismatch.message).toContain('mode Par utilisateur');
      expect(mismatch.cause).toContain('ne sont pas interchangeables');
    } finally {
      await cli(['host', 'config', '--mode', 'not-configured', '--layer', 'policy']);
    }
    const after = await cli(['host', 'status', '--json']);
    expect(after.json.mode).toBe(before.json.mode);
  });

  it('host refresh says what it fetched: the trust anchor, the revocation list and each license server ID', async () => {
    const r = await cli(['host', 'refresh']);
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(/^trust anchor:\s+[0-9a-f]{64}$/m);
    expect(r.stdout).toMatch(/^revocation list:\s+#\d+ \((updated|unchanged)\)$/m);
    expect(r.stdout).toContain(demo.licenseServerId);
    const json = await cli(['host', 'refresh', '--json']);
    expect(json.json.identities[0].serverId).toBe(demo.licenseServerId);
  });

  it('the phone script is filled in with the license server ID, in French by default', async () => {
    const r = await cli(['phone-script']);
    expect(r.exit).toBe(0);
    expect(r.stdout).toContain(demo.licenseServerId);
    expect(r.stdout).toMatch(/réémission|Réémission/);
  });

  it('events of one component and one id: the license server activation (event 4)', async () => {
    const r = await cli(['events', '--component', 'license-server', '--id', '4', '--json']);
    expect(r.exit).toBe(0);
    expect(r.json.events.length).toBeGreaterThan(0);
    expect(r.json.events.every((e: { id: number; component: string }) => e.id === 4 && e.component === 'license-server')).toBe(true);
  });

  it('the audit chain verifies and the revocation list is signed and empty', async () => {
    const audit = await cli(['ch', 'audit', 'verify', '--json']);
    expect(audit.exit).toBe(0);
    expect(audit.json.ok).toBe(true);
    const list = await cli(['ch', 'revocations', '--json']);
    expect(list.json).toMatchObject({ verified: true, list: { grants: [], servers: [] } });
  });

  it('a migration code from the license server is a 45-character code that code check names', async () => {
    const r = await cli(['licmgr', 'migration-code', '--reason', 'reinstalled', '--json']);
    expect(r.exit).toBe(0);
    const check = await opencal(['code', 'check', r.json.migrationCode]);
    expect(check.stdout).toContain('well-formed migration code (45 characters)');
    expect(check.stdout).toContain('reason:');
  });

  it('events --follow prints the events recorded after it started, until it is stopped', async () => {
    let stop!: () => void;
    const shutdown = new Promise<void>((resolve) => (stop = resolve));
    const t = bufferedIo({ OPENCAL_TOKEN: admin }, { shutdown });
    const following = run(['events', '--follow', '--component', 'clearinghouse', '--url', url], t.io, allCommandGroups);
    // Let the follower read where each log ends, then record a new event (9014: organization created).
    while (!(await cli(['ch', 'org', 'list', '--json'])).json) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    await cli(['ch', 'org', 'create', 'Followed Ltd']);
    for (let i = 0; i < 200 && !t.stdout().includes('Followed Ltd'); i++) await new Promise((r) => setTimeout(r, 50));
    stop();
    expect(await following).toBe(0);
    expect(t.stdout()).toMatch(/9014\s+clearinghouse\s+Organization \S+ \(Followed Ltd\) was created/);
    expect(t.stdout()).not.toContain('Contoso (demo)');
  });

  it('clock advance moves the demo clock by the duration', async () => {
    const r = await cli(['clock', 'advance', '91d', '--json']);
    expect(r.exit).toBe(0);
    expect(Date.parse(r.json.now) - Date.parse(r.json.before)).toBe(91 * DAY);
  });

  it('after the 120-day grace period with the mode not configured, a device is refused with the code and the message it would see', async () => {
    // "Not configured" in a layer lets the next layer decide, as with Group Policy: clear both layers that set it.
    await cli(['host', 'config', '--mode', 'not-configured', '--layer', 'policy']);
    const status = await cli(['host', 'config', '--mode', 'not-configured', '--layer', 'local', '--json']);
    expect(status.json).toMatchObject({ mode: 'not-configured', modeValue: 5 });
    await cli(['clock', 'advance', '30d']);
    const store = join(work, 'late.json');
    const r = await cli(['device', 'connect', '--name', 'PC-LATE', '--store', store]);
    expect(r.exit, r.stdout).toBe(1);
    expect(r.stderr).toMatch(/^GRACE_PERIOD_EXPIRED_MODE_NOT_CONFIGURED: \S/);
    const held = await cli(['device', 'list', '--name', 'PC-LATE', '--store', store, '--json']);
    expect(held.json.tokens).toEqual([]);
  });
});

describe('bad input: a clear message, the right exit code, nothing changed', () => {
  it('an unknown command exits 2', async () => {
    const r = await cli(['licmgr', 'frobnicate']);
    expect(r.exit).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it('an unknown flag exits 2 naming it', async () => {
    const r = await cli(['ch', 'org', 'create', 'X', '--colour', 'red']);
    expect(r.exit).toBe(2);
    expect(r.stderr).toContain("unknown option '--colour'");
  });

  it('a missing argument exits 2', async () => {
    const r = await cli(['ch', 'org', 'create']);
    expect(r.exit).toBe(2);
    expect(r.stderr).toContain("missing required argument 'name'");
  });

  it('a value outside the vocabulary exits 2 listing the allowed ones', async () => {
    const r = await cli(['ch', 'pack', 'create', '--org', 'o', '--type', 'device', '--version', '2018', '--program', 'select', '--count', '1']);
    expect(r.exit).toBe(2);
    expect(r.stderr).toContain('Allowed choices are 2012, 2016, 2019, 2022, 2025');
  });

  it('a malformed key pack ID is refused with its code before any request, and no key pack is added', async () => {
    // The URL answers nothing: a request would be UNREACHABLE, so the code refusal proves none was made.
    const r = await opencal(['licmgr', 'install', '--key-pack-id', 'BCDFG-HJKMP', '--url', 'http://127.0.0.1:9', '--token', admin]);
    expect(r.exit).toBe(1);
    expect(r.stderr).toMatch(/^CODE_WRONG_LENGTH: /);
    const status = await cli(['licmgr', 'status', '--json']);
    expect(status.json.keyPacks).toHaveLength(1);
  });

  it('a migration code with a character codes never use names its group, before any request', async () => {
    const code = 'BCDFG-HJKMP-QRTVW-XY234-6789B-BCDFG-HJKMP-QRTAW-XY234';
    const r = await opencal(['portal', 'migrate', '--migration-code', code, '--pack-key', demo.packKey, '--type', 'device', '--version', '2019', '--program', 'select', '--agreement', '1234567', '--url', 'http://127.0.0.1:9', '--token', demo.orgToken]);
    expect(r.exit).toBe(1);
    expect(r.stderr).toMatch(/^CODE_INVALID_CHARACTER: Group 8 contains "A"/);
  });

  it('code check says exactly why a code is not valid', async () => {
    const r = await opencal(['code', 'check', 'BCDFG-HJKMP-QRTVW-XY234-6789X', '--json']);
    expect(r.exit).toBe(1);
    expect(r.stderr).toMatch(/^CODE_CHECK_FAILED: /);
    expect(r.json.error.code).toBe('CODE_CHECK_FAILED');
  });

  it('a wrong URL is UNREACHABLE', async () => {
    const r = await opencal(['ch', 'org', 'create', 'Nope', '--url', 'http://127.0.0.1:9', '--token', admin]);
    expect(r.exit).toBe(1);
    expect(r.stderr).toMatch(/^UNREACHABLE: Could not reach http:\/\/127\.0\.0\.1:9\/ch\/v1\/orgs/);
  });

  it('a wrong token is UNAUTHENTICATED and creates nothing', async () => {
    const before = await cli(['ch', 'org', 'list', '--json']);
    const r = await cli(['ch', 'org', 'create', 'Intruder'], 'ocal_not-a-real-token-at-all');
    expect(r.exit).toBe(1);
    expect(r.stderr).toMatch(/^UNAUTHENTICATED: /);
    const after = await cli(['ch', 'org', 'list', '--json']);
    expect(after.json.organizations).toHaveLength(before.json.organizations.length);
  });

  it('an organization token cannot approve a case: only an agent can', async () => {
    const r = await cli(['ch', 'case', 'approve', 'CH-000001', '--reason', 'mine'], demo.orgToken);
    expect(r.exit).toBe(1);
    expect(r.stderr).toMatch(/^FORBIDDEN_SCOPE: /);
  });

  it('a malformed case number is refused before any request', async () => {
    const r = await opencal(['ch', 'case', 'show', 'CASE-ONE', '--url', 'http://127.0.0.1:9']);
    expect(r.exit).toBe(1);
    expect(r.stderr).toMatch(/^CASE_NUMBER_INVALID: /);
  });

  it('clock advance refuses a bad duration locally, and a server without --demo has no clock', async () => {
    const bad = await cli(['clock', 'advance', 'soon']);
    expect(bad.exit).toBe(1);
    expect(bad.stderr).toMatch(/^DURATION_INVALID: /);
    const plain = await startServer();
    try {
      const r = await opencal(['clock', 'advance', '91d', '--url', plain.server.url, '--token', plain.server.adminToken]);
      expect(r.exit).toBe(1);
      expect(r.stderr).toMatch(/^DEMO_MODE_OFF: /);
    } finally {
      await plain.stop();
    }
  });
});

describe('--help', () => {
  it('every command explains itself with an example', async () => {
    const program = new Command('opencal');
    const ctx: CliContext = { io: bufferedIo().io, action: () => async () => undefined };
    for (const group of allCommandGroups) group(program, ctx);
    const leaves: string[][] = [];
    const walk = (c: Command, path: string[]) => {
      if (c.commands.length === 0) leaves.push(path);
      for (const sub of c.commands) walk(sub, [...path, sub.name()]);
    };
    walk(program, []);
    const missing: string[] = [];
    for (const path of leaves) {
      if (path[0] === 'config') continue; // the configuration group documents itself with the configuration table
      const r = await opencal([...path, '--help']);
      if (r.exit !== 0 || !/Examples?:\n {2}opencal /.test(r.stdout)) missing.push(path.join(' '));
    }
    expect(leaves.length).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });
});
