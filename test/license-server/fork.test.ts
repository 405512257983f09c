/**
 * Fork-evident license servers, against the real clearinghouse over real HTTP (127.0.0.1, port 0): the check-in
 * chain kept beside the identity key continues across a rebuild (no case), a byte-for-byte copy of a data
 * directory running as a second server opens a clone case with both histories, a check-in whose answer was lost
 * to a crash is sent again as a retry, and an audit checkpoint going back is reported by the license server.
 * Each license server runs on the SQLite license database of its data directory (so a copy of the directory is a
 * copy of everything); the clearinghouse runs on SQLite and on PostgreSQL.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock';
import { createClearinghouse } from '../../src/clearinghouse/module';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import { queryEvents } from '../../src/events/event-log';
import { callJson } from '../../src/http/client';
import { buildServer, type TypedApp } from '../../src/http/server';
import { randomBytes } from '../../src/platform/random';
import type { Database } from '../../src/storage/database';
import { CHAIN_STATE_FILE, generateIdentity } from '../../src/trust/index';
import { describeEachDatabase } from '../helpers/databases';
import { connectTwice, device, START, startLicenseServer, type Harness } from './harness';

describeEachDatabase('fork-evident license servers', (tdb) => {
  let clock: ManualClock;
  let app: TypedApp;
  let url: string;
  let chDatabase: Database;
  const admin = 'ch-admin-token-for-tests';
  const cleanups: (() => Promise<void>)[] = [];
  const company = { firstName: 'Claire', lastName: 'Martin', company: 'Contoso', country: 'FR' };

  beforeEach(async () => {
    clock = new ManualClock(START);
    chDatabase = await tdb.open(clearinghouseMigrations);
    const ch = await createClearinghouse({ database: chDatabase, clock, random: randomBytes, identity: generateIdentity(), adminToken: admin });
    app = await buildServer({ components: [ch.module], logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
    await app.close();
  });

  function newDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'opencal-ls-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  /** A license server process on `dir` (its own SQLite license database inside it); stop() is its end. */
  async function licenseServer(dir: string): Promise<Harness & { stop(): Promise<void> }> {
    const h = await startLicenseServer(undefined, { clock, clearinghouseUrl: url, dataDir: dir });
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await h.close();
    };
    cleanups.push(stop);
    return { ...h, stop };
  }

  async function call<T = any>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const r = await callJson<T>(url, method, `/ch/v1${path}`, { token: admin, ...(body !== undefined ? { body } : {}) });
    if (!r.ok) throw new Error(`${path}: ${r.error.code} ${r.error.message}`);
    return r.value;
  }

  async function activatedServer(dir: string) {
    const org = await call<{ orgId: string; token: string }>('POST', '/orgs', { name: 'Fabrikam' });
    const pack = await call<{ packKey: string; packNumber: number }>('POST', '/packs', { orgId: org.orgId, program: 'retail', calType: 'device', calVersion: 2019, count: 5 });
    const h = await licenseServer(dir);
    expect((await h.ls.useCases.activate({ method: 'auto', orgToken: org.token, company })).ok).toBe(true);
    expect((await h.ls.useCases.installByPackKey({ packKey: pack.packKey })).ok).toBe(true);
    return { h, org, pack };
  }

  const cloneCases = async () => (await call<{ cases: any[] }>('GET', '/cases?kind=clone')).cases;
  const chEvents = (id: number) => queryEvents(chDatabase.db, { component: 'clearinghouse', eventId: id });

  async function checkIn(h: Harness) {
    const r = await h.ls.useCases.checkIn();
    if (!r.ok) throw new Error(`check-in: ${r.error.code} ${r.error.message}`);
    return r.value;
  }

  it('the chain lives beside the identity key (mode 0600); a rebuild continues it and opens no case', async () => {
    const dir = newDir();
    const { h } = await activatedServer(dir);
    expect((await checkIn(h)).chain).toEqual({ outcome: 'start', counter: 1 });
    expect((await checkIn(h)).chain).toEqual({ outcome: 'extend', counter: 2 });
    expect(statSync(join(dir, CHAIN_STATE_FILE)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, CHAIN_STATE_FILE), 'utf8'))).toMatchObject({ counter: 2 });
    await connectTwice(h.ls, 'rdsh', device(1));

    const rebuilt = await h.ls.useCases.rebuild({});
    expect(rebuilt.ok && rebuilt.value.restored.activated).toBe(true);
    const after = await checkIn(h);
    expect(after).toMatchObject({ status: 'activated', chain: { outcome: 'extend', counter: 3 } });
    expect(await cloneCases()).toEqual([]);
    expect(await chEvents(9011)).toEqual([]);
    expect((await h.ls.useCases.status()).clearinghouse.chain).toEqual({ counter: 3, pending: false });
  });

  it('two servers started from a byte-for-byte copy of one data directory open a clone case with both histories', async () => {
    const dir = newDir();
    const { h: a, org } = await activatedServer(dir);
    await checkIn(a);
    await a.stop();
    const copy = newDir();
    cpSync(dir, copy, { recursive: true });

    const original = await licenseServer(dir);
    const clone = await licenseServer(copy);
    expect(clone.ls.serverId).toBe(original.ls.serverId);
    expect((await checkIn(original)).chain).toEqual({ outcome: 'extend', counter: 2 });
    const forked = await checkIn(clone);
    expect(forked.chain).toMatchObject({ outcome: 'fork', counter: 2, problem: 'same-predecessor', caseNumber: expect.stringMatching(/^CH-\d{6}$/) });

    const cases = await cloneCases();
    expect(cases).toEqual([expect.objectContaining({ kind: 'clone', status: 'pending', flagged: true, sourceServerId: original.ls.serverId, orgId: org.orgId })]);
    const c = (await call<{ case: any }>('GET', `/cases/${cases[0].caseNumber}`)).case;
    expect(c.evidence).toMatchObject({ problem: 'same-predecessor', forkAt: { counter: 2 }, head: { counter: 2 } });
    expect(c.evidence.histories.kept.map((l: any) => l.counter)).toEqual([1, 2]);
    expect(c.evidence.histories.second).toEqual([expect.objectContaining({ counter: 2, receiptHash: null })]);
    expect((await chEvents(9011)).map((e) => e.data)).toEqual([expect.objectContaining({ serverId: original.ls.serverId, caseNumber: cases[0].caseNumber })]);

    // The copy is told, and says so in its status and its events.
    expect((await clone.ls.useCases.status()).clearinghouse.chain).toMatchObject({ counter: 1, pending: true, fork: { counter: 2, problem: 'same-predecessor', caseNumber: cases[0].caseNumber } });
    expect((await queryEvents(clone.ls.database.db, { eventId: 9150 })).length).toBe(1);
    // The original goes on; the copy's next check-in is the same second history: no second case.
    expect((await checkIn(original)).chain).toEqual({ outcome: 'extend', counter: 3 });
    expect((await checkIn(clone)).chain).toMatchObject({ outcome: 'fork', problem: 'counter-went-back' });
    expect(await cloneCases()).toHaveLength(1);
  });

  it('a check-in whose answer the server never kept (it stopped in between) is sent again as a retry: same receipt, no case', async () => {
    const dir = newDir();
    const { h } = await activatedServer(dir);
    await checkIn(h);
    const client = h.ls.context.clearinghouse.client!;
    const send = client.checkIn;
    let answered: string | undefined;
    // The process dies after the clearinghouse answered and before the chain file is written again.
    client.checkIn = async (body) => {
      const r = await send(body);
      answered = r.ok ? r.value.receipt : undefined;
      throw new Error('the process stopped here');
    };
    await expect(h.ls.useCases.checkIn()).rejects.toThrow('the process stopped here');
    expect(answered).toBeTruthy();
    await h.stop();
    expect(JSON.parse(readFileSync(join(dir, CHAIN_STATE_FILE), 'utf8'))).toMatchObject({ counter: 1, pending: { counter: 2 } });

    const restarted = await licenseServer(dir);
    const retry = await checkIn(restarted);
    expect(retry.chain).toEqual({ outcome: 'retry', counter: 2 });
    expect(JSON.parse(readFileSync(join(dir, CHAIN_STATE_FILE), 'utf8'))).toMatchObject({ counter: 2 });
    expect(JSON.parse(readFileSync(join(dir, CHAIN_STATE_FILE), 'utf8')).pending).toBeUndefined();
    expect((await checkIn(restarted)).chain).toEqual({ outcome: 'extend', counter: 3 });
    expect(await cloneCases()).toEqual([]);
  });

  it('the license server keeps the latest audit checkpoint and reports one that goes back', async () => {
    const dir = newDir();
    const { h } = await activatedServer(dir);
    const signed = await call<{ seq: number; head: string }>('POST', '/audit/checkpoints');
    const first = await checkIn(h);
    expect(first.auditCheckpoint).toMatchObject({ seq: signed.seq, head: signed.head });
    expect(first.checkpointRegression).toBeUndefined();

    // Someone cuts the end of the clearinghouse's audit log and moves its head back; the next checkpoint is shorter.
    const db = chDatabase.db as Kysely<any>;
    const keep = signed.seq - 2;
    await db.deleteFrom('ch_audit').where('seq', '>', keep).execute();
    const last = await db.selectFrom('ch_audit').select(['seq', 'hash']).where('seq', '=', keep).executeTakeFirstOrThrow();
    await db.updateTable('ch_audit_head').set({ seq: last.seq, hash: last.hash }).where('id', '=', 1).execute();
    await call('POST', '/audit/checkpoints');

    const second = await checkIn(h);
    expect(second.checkpointRegression).toMatchObject({ problem: 'sequence-went-back', seen: { seq: keep }, kept: { seq: signed.seq } });
    expect(second.auditCheckpoint).toMatchObject({ seq: signed.seq, head: signed.head });
    const status = await h.ls.useCases.status();
    expect(status.clearinghouse.checkpointRegression).toMatchObject({ problem: 'sequence-went-back', seen: { seq: keep }, kept: { seq: signed.seq } });
    expect((await queryEvents(h.ls.database.db, { eventId: 9151 })).map((e) => e.data)).toEqual([expect.objectContaining({ problem: 'sequence-went-back', seenSeq: keep, keptSeq: signed.seq })]);
  });
});
