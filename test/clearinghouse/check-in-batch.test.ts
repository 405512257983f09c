import { randomBytes } from 'node:crypto';
import { beforeEach, expect, it } from 'vitest';
import { checkInBatch } from '../../src/clearinghouse/check-in-batch';
import { checkInReads, type ChDb, type ExtendingCheckIn } from '../../src/clearinghouse/clearinghouse.repository';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import { receiptHash } from '../../src/core/fork-rules';
import type { Database } from '../../src/storage/database';
import { describeEachDatabase } from '../helpers/databases';
import { activate, checkIn, FakeLicenseServer, install, orgWithPack, payloadOf, startClearinghouse, type Harness, type OrgWithPack } from './fixtures';

/**
 * Usual check-ins that arrive together are gathered (on PostgreSQL: one read statement and one write statement for
 * the batch); each still gets its own answer, as if it had come alone.
 */
describeEachDatabase('usual check-ins arriving together', (tdb) => {
  let h: Harness;
  let pack: OrgWithPack;
  let database: Database;

  beforeEach(async () => {
    database = await tdb.open(clearinghouseMigrations);
    h = await startClearinghouse(database);
    pack = await orgWithPack(h);
  });

  /** activated license servers past their first check-in, so that their next one is a usual check-in */
  async function servers(n: number): Promise<FakeLicenseServer[]> {
    const out: FakeLicenseServer[] = [];
    for (let i = 0; i < n; i++) {
      const ls = new FakeLicenseServer(h.clock, h.rootPublicRaw);
      await activate(h, ls, pack.orgToken);
      expect((await checkIn(h, ls)).body.chain).toEqual({ outcome: 'start', counter: 1 });
      out.push(ls);
    }
    return out;
  }

  const nextLink = (ls: FakeLicenseServer, attempt: string) => ({ instanceId: ls.instanceId, packs: [], chain: { counter: ls.chain.counter + 1, prev: ls.chain.receiptHash, attempt } });
  const send = (body: { request: string }) => h.call('POST', '/servers/check-in', body);

  const linksOf = (serverId: string) =>
    database.db.selectFrom('ch_check_ins').select(['counter', 'outcome', 'receipt_hash']).where('server_id', '=', serverId).orderBy('counter').orderBy('id').execute();
  const headOf = (serverId: string) => database.db.selectFrom('ch_check_in_heads').select(['counter', 'hash']).where('server_id', '=', serverId).executeTakeFirst();

  it('many usual check-ins of different servers sent at once are all recorded, each with its own receipt', async () => {
    const all = await servers(12);
    await install(h, all[0]!, pack.packKey);
    const bodies = await Promise.all(all.map((ls) => ls.signed('check-in', nextLink(ls, 'a'))));
    const answers = await Promise.all(bodies.map(send));
    for (const [i, ls] of all.entries()) {
      const answer = answers[i]!;
      expect(answer.status).toBe(200);
      expect(answer.body.chain).toEqual({ outcome: 'extend', counter: 2 });
      expect(answer.body.status).toBe('activated');
      expect(answer.body.grants).toHaveLength(i === 0 ? 1 : 0);
      expect(payloadOf(answer.body.receipt)).toMatchObject({ sub: ls.serverId, counter: 2, prev: ls.chain.receiptHash, attempt: 'a' });
      expect(await headOf(ls.serverId)).toEqual({ counter: 2, hash: receiptHash(answer.body.receipt) });
      expect(await linksOf(ls.serverId)).toEqual([
        { counter: 1, outcome: 'start', receipt_hash: ls.chain.receiptHash },
        { counter: 2, outcome: 'extend', receipt_hash: receiptHash(answer.body.receipt) },
      ]);
      const seen = await database.db.selectFrom('ch_servers').select(['last_check_in_at', 'instance_id']).where('server_id', '=', ls.serverId).executeTakeFirstOrThrow();
      expect(seen).toEqual({ last_check_in_at: h.clock.now().toISOString(), instance_id: ls.instanceId });
    }
  });

  it('a check-in sent twice at once among others is recorded once; the copy is refused as replayed', async () => {
    const all = await servers(4);
    const bodies = await Promise.all(all.map((ls) => ls.signed('check-in', nextLink(ls, 'b'))));
    const answers = await Promise.all([...bodies, bodies[1]!].map(send));
    const twice = [answers[1]!, answers[4]!];
    expect(twice.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(twice.find((a) => a.status === 409)!.body.error.code).toBe('SIGNED_REQUEST_REPLAYED');
    expect(twice.find((a) => a.status === 200)!.body.chain).toEqual({ outcome: 'extend', counter: 2 });
    for (const i of [0, 2, 3]) expect(answers[i]!.body.chain).toEqual({ outcome: 'extend', counter: 2 });
    expect((await linksOf(all[1]!.serverId)).map((l) => l.outcome)).toEqual(['start', 'extend']);
    expect(await headOf(all[1]!.serverId)).toMatchObject({ counter: 2 });
  });

  it('two copies of one server checking in at once on the same link: one extends the chain, the other opens a clone case', async () => {
    const [a, ...others] = await servers(3);
    const copies = await Promise.all(['copy-1', 'copy-2'].map((attempt) => a!.signed('check-in', nextLink(a!, attempt))));
    const bodies = await Promise.all(others.map((ls) => ls.signed('check-in', nextLink(ls, 'c'))));
    const answers = await Promise.all([...copies, ...bodies].map(send));
    const outcomes = answers.slice(0, 2).map((r) => r.body.chain.outcome);
    expect(outcomes.sort()).toEqual(['extend', 'fork']);
    const fork = answers.slice(0, 2).find((r) => r.body.chain.outcome === 'fork')!;
    expect(fork.body.chain.caseNumber).toEqual(expect.any(String));
    const cases = await database.db.selectFrom('ch_cases').select(['kind', 'flagged']).where('source_server_id', '=', a!.serverId).execute();
    expect(cases).toEqual([{ kind: 'clone', flagged: expect.anything() }]);
    expect((await linksOf(a!.serverId)).map((l) => `${l.counter} ${l.outcome}`)).toEqual(['1 start', '2 extend', '2 fork']);
    for (const r of answers.slice(2)) expect(r.body.chain).toEqual({ outcome: 'extend', counter: 2 });
  });

  it('a server the clearinghouse does not know, checking in among others, is answered unknown and changes nothing for them', async () => {
    const all = await servers(3);
    const stranger = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    const strangeBody = await stranger.signed('check-in', { instanceId: stranger.instanceId, packs: [], chain: { counter: 5, prev: receiptHash('x.y.z'), attempt: 's' } });
    const bodies = await Promise.all(all.map((ls) => ls.signed('check-in', nextLink(ls, 'd'))));
    const answers = await Promise.all([bodies[0]!, strangeBody, bodies[1]!, bodies[2]!].map(send));
    expect(answers[1]!.status).toBe(200);
    expect(answers[1]!.body).toMatchObject({ status: 'unknown', grants: [] });
    expect(answers[1]!.body.receipt).toBeUndefined();
    expect(await headOf(stranger.serverId)).toBeUndefined();
    for (const r of [answers[0]!, answers[2]!, answers[3]!]) expect(r.body.chain).toEqual({ outcome: 'extend', counter: 2 });
    for (const ls of all) expect(await headOf(ls.serverId)).toMatchObject({ counter: 2 });
  });

  // The gathering itself: calls made in the same turn of the event loop share one statement. It exists on
  // PostgreSQL only (SQLite takes the general path, covered above), so these cases are defined for PostgreSQL alone
  // rather than reported as skipped on SQLite.
  const onPostgres = (title: string, body: () => Promise<void>) => {
    if (tdb.name === 'postgres') it(title, body);
  };

  onPostgres('reads gathered in one turn answer for each server what it reads alone, an unknown one and a repeated one included', async () => {
    const all = await servers(3);
    await install(h, all[1]!, pack.packKey);
    const ids = [all[0]!.serverId, 'nobody', all[1]!.serverId, all[2]!.serverId, all[1]!.serverId];
    const batch = checkInBatch(database.db as ChDb);
    const together = await Promise.all(ids.map((id) => batch.reads(id)));
    const alone = await Promise.all(ids.map((id) => checkInReads(database.db as ChDb, id)));
    expect(together).toEqual(alone);
    expect(together[1]!.server).toBeUndefined();
    expect(together[2]!.own.size).toBe(1);
    expect(together[2]).not.toBe(together[4]);
  });

  onPostgres('a batch whose statement fails is recorded check-in by check-in: only the faulty one fails', async () => {
    const all = await servers(3);
    const at = h.clock.now().toISOString();
    const items: ExtendingCheckIn[] = all.map((ls, i) => ({
      serverId: ls.serverId,
      instanceId: ls.instanceId,
      at,
      from: { counter: 1, hash: ls.chain.receiptHash },
      // the second one's counter does not fit the column: the batch statement fails as a whole
      to: { counter: i === 1 ? 2 ** 40 : 2, hash: `h${i}`, prev: ls.chain.receiptHash, attempt: 'e', receipt: `r${i}` },
      nonce: { nonce: randomBytes(16).toString('base64url'), at },
    }));
    const batch = checkInBatch(database.db as ChDb);
    const settled = await Promise.allSettled(items.map((c) => batch.extend(c)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    for (const i of [0, 2]) {
      const answer = (settled[i] as PromiseFulfilledResult<Awaited<ReturnType<typeof batch.extend>>>).value;
      expect(answer.fresh).toBe(true);
      expect(answer.server?.serverId).toBe(all[i]!.serverId);
      expect(await headOf(all[i]!.serverId)).toEqual({ counter: 2, hash: `h${i}` });
    }
    expect(await headOf(all[1]!.serverId)).toEqual({ counter: 1, hash: all[1]!.chain.receiptHash });
    expect(await database.db.selectFrom('ch_nonces').select('nonce').where('nonce', '=', items[1]!.nonce.nonce).execute()).toEqual([]);
  });

  onPostgres('writes gathered in one turn: a nonce seen twice moves nothing the second time, a head elsewhere moves nothing', async () => {
    const all = await servers(3);
    const at = h.clock.now().toISOString();
    const item = (ls: FakeLicenseServer, nonce: string, fromHash = ls.chain.receiptHash): ExtendingCheckIn => ({
      serverId: ls.serverId,
      instanceId: ls.instanceId,
      at,
      from: { counter: 1, hash: fromHash },
      to: { counter: 2, hash: `h-${nonce}`, prev: fromHash, attempt: nonce, receipt: `r-${nonce}` },
      nonce: { nonce, at },
    });
    const batch = checkInBatch(database.db as ChDb);
    const answers = await Promise.all(
      [item(all[0]!, 'n1'), item(all[1]!, 'n2', receiptHash('a.b.c')), item(all[2]!, 'n3'), item(all[2]!, 'n3')].map((c) => batch.extend(c)),
    );
    expect(answers.map((a) => [a.fresh, a.server?.serverId])).toEqual([
      [true, all[0]!.serverId],
      [true, undefined],
      [true, all[2]!.serverId],
      [false, undefined],
    ]);
    expect(await headOf(all[1]!.serverId)).toMatchObject({ counter: 1 });
    expect(await headOf(all[2]!.serverId)).toEqual({ counter: 2, hash: 'h-n3' });
    const nonces = await database.db.selectFrom('ch_nonces').select('nonce').where('nonce', 'in', ['n1', 'n2', 'n3']).orderBy('nonce').execute();
    expect(nonces).toEqual([{ nonce: 'n1' }, { nonce: 'n2' }, { nonce: 'n3' }]);
  });
});
