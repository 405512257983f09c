/**
 * Nodes of one clearinghouse share its key set (DESIGN §9, docs/clearinghouse.md "Scaling out"): the database
 * records the set's public keys; a node whose data directory holds another key refuses to start, and nodes holding
 * the same key files accept the same codes. On SQLite (two connections to one file) and PostgreSQL.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock';
import { createClearinghouse, type Clearinghouse } from '../../src/clearinghouse/module';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import { queryEvents } from '../../src/events/event-log';
import { StartRefused } from '../../src/http/front-door';
import { buildServer } from '../../src/http/server';
import type { Database } from '../../src/storage/database';
import { base64urlDecode, loadOrCreateIdentity } from '../../src/trust/index';
import { describeEachDatabase } from '../helpers/databases';
import { activate, FakeLicenseServer, random, START, type Harness } from './fixtures';

const ADMIN = 'node-admin-token-0123456789';

describeEachDatabase('clearinghouse nodes on one database share one key set', (tdb) => {
  let dir: string;
  let clock: ManualClock;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'opencal-ch-nodes-'));
    clock = new ManualClock(START);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function node(database: Database, keyDir: string): Promise<Harness> {
    const ch: Clearinghouse = await createClearinghouse({ database, clock, random, keyDir, adminToken: ADMIN });
    const app = await buildServer({ logger: false, components: [ch.module] });
    const call = async (method: 'GET' | 'POST', url: string, body?: unknown, token?: string) => {
      const res = await app.inject({ method, url: `/ch/v1${url}`, ...(body !== undefined ? { payload: body as object } : {}), headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
    };
    const trust = (await call('GET', '/trust')).body;
    return { ch, app, clock, adminToken: ADMIN, rootPublicRaw: base64urlDecode(trust.keys[0].x), call };
  }

  async function refusedStart(database: Database, keyDir: string): Promise<StartRefused> {
    try {
      await createClearinghouse({ database, clock, random: () => new Uint8Array(32), keyDir });
    } catch (e) {
      if (e instanceof StartRefused) return e;
      throw e;
    }
    throw new Error('the node started');
  }

  it('a second node with an empty or foreign key directory refuses to start; with the first node\'s key files both accept the same migration code', async () => {
    const database = await tdb.open(clearinghouseMigrations);
    const first = await node(database, join(dir, 'a'));
    expect(readdirSync(join(dir, 'a'))).toEqual(['root.key']);

    // An empty data directory: no key is made, the start is refused with what to do.
    const other = await tdb.connect(database);
    const empty = await refusedStart(other, join(dir, 'b'));
    expect(empty.refusal.code).toBe('CLEARINGHOUSE_KEY_MISSING');
    expect(empty.refusal.message).toContain('Copy the key files of the first node');
    expect(existsSync(join(dir, 'b', 'root.key'))).toBe(false);

    // Its own root key (the "Scaling out" mistake of two data directories): refused, named, recorded.
    mkdirSync(join(dir, 'b'), { recursive: true, mode: 0o700 });
    const foreign = loadOrCreateIdentity(join(dir, 'b', 'root.key'));
    const refused = await refusedStart(other, join(dir, 'b'));
    expect(refused.refusal.code).toBe('CLEARINGHOUSE_KEY_NOT_IN_SET');
    expect(refused.refusal.message).toContain('replace the key files of this node with those of the first node');
    expect(refused.refusal.detail).toMatchObject({ set: [(await first.call('GET', '/keys', undefined, ADMIN)).body.keys[0].kid] });
    expect(foreign.publicKeyRaw).not.toEqual(first.rootPublicRaw);
    const events = await queryEvents(database.db, { eventId: 9063 });
    expect(events.map((e) => e.data.code).sort()).toEqual(['CLEARINGHOUSE_KEY_MISSING', 'CLEARINGHOUSE_KEY_NOT_IN_SET']);

    // The key files copied from the first node: the second node starts, serves the same anchor, and a migration
    // code made for the first node's root key is accepted by both (not CODE_MAC_INVALID).
    copyFileSync(join(dir, 'a', 'root.key'), join(dir, 'b', 'root.key'));
    const second = await node(other, join(dir, 'b'));
    expect((await second.call('GET', '/trust')).body.keys).toEqual((await first.call('GET', '/trust')).body.keys);

    const org = await first.call('POST', '/orgs', { name: 'Atelier Dupont' }, ADMIN);
    const packs = await Promise.all(
      [0, 1].map(() => first.call('POST', '/packs', { orgId: org.body.orgId, program: 'select', agreementNumber: '1234567', calType: 'device', calVersion: 2019, count: 10 }, ADMIN)),
    );
    const target = new FakeLicenseServer(clock, first.rootPublicRaw);
    await activate(second, target, org.body.token);
    for (const [i, n] of [first, second].entries()) {
      const migrated = await n.call(
        'POST',
        '/portal/migrate',
        { migrationCode: target.migrationCode(), packKey: packs[i]!.body.packKey, program: 'select', agreementNumber: '1234567', calType: 'device', calVersion: 2019 },
        org.body.token,
      );
      expect(migrated.status, JSON.stringify(migrated.body)).toBe(200);
      expect(migrated.body.case.status).toBe('approved');
    }
  });

  it('after a rotation on one node, the other signs with the previous key until the new key file is copied to it, then with the new key', async () => {
    const database = await tdb.open(clearinghouseMigrations);
    const first = await node(database, join(dir, 'a'));
    mkdirSync(join(dir, 'b'), { recursive: true, mode: 0o700 });
    copyFileSync(join(dir, 'a', 'root.key'), join(dir, 'b', 'root.key'));
    const second = await node(await tdb.connect(database), join(dir, 'b'));

    const rotated = await first.call('POST', '/keys/rotate', undefined, ADMIN);
    expect(rotated.status).toBe(200);
    const kid = rotated.body.kid as string;
    expect(readdirSync(join(dir, 'a')).sort()).toEqual(['root.key', `signing-${kid}.key`]);

    const seen = await second.call('GET', '/keys', undefined, ADMIN);
    expect(seen.body.keys.map((k: { status: string; heldHere: boolean }) => [k.status, k.heldHere])).toEqual([['retired', true], ['current', false]]);
    expect(seen.body.signingKid).toBe(seen.body.keys[0].kid);
    expect((await queryEvents(database.db, { eventId: 9062 }))[0]?.data).toMatchObject({ current: kid, signing: seen.body.keys[0].kid });

    copyFileSync(join(dir, 'a', `signing-${kid}.key`), join(dir, 'b', `signing-${kid}.key`));
    const after = await second.call('GET', '/keys', undefined, ADMIN);
    expect(after.body.signingKid).toBe(kid);
    // a node restarted with both files starts: both keys are in the set
    await node(await tdb.connect(database), join(dir, 'b'));
  });
});
