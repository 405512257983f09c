import { beforeEach, expect, it } from 'vitest';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import type { Database } from '../../src/storage/database';
import { generateIdentity } from '../../src/trust/index';
import { describeEachDatabase } from '../helpers/databases';
import { activate, checkIn, FakeLicenseServer, install, orgWithPack, payloadOf, startClearinghouse, type Harness, type OrgWithPack } from './fixtures';

/**
 * The usual check-in (the next link of a server's chain) reads what it needs in one statement and records its nonce
 * with the statement that moves its chain (on PostgreSQL): a replay is refused as before, whichever path the
 * check-in takes, and what another clearinghouse process on the same database changed is in the next answer.
 */
describeEachDatabase('the usual check-in: its nonce and what it reads', (tdb) => {
  let h: Harness;
  let pack: OrgWithPack;
  let database: Database;
  const identity = generateIdentity();

  beforeEach(async () => {
    database = await tdb.open(clearinghouseMigrations);
    h = await startClearinghouse(database, { identity });
    pack = await orgWithPack(h);
  });

  it('a check-in that extends the chain, sent again as it is, is refused as replayed and moves nothing', async () => {
    const a = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, a, pack.orgToken);
    await checkIn(h, a);
    const body = await a.signed('check-in', { instanceId: a.instanceId, packs: [], chain: { counter: 2, prev: a.chain.receiptHash, attempt: 'second' } });
    const first = await h.call('POST', '/servers/check-in', body);
    expect(first.body.chain).toEqual({ outcome: 'extend', counter: 2 });
    const again = await h.call('POST', '/servers/check-in', body);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('SIGNED_REQUEST_REPLAYED');
    const links = await database.db.selectFrom('ch_check_ins').select(['counter', 'outcome']).where('server_id', '=', a.serverId).orderBy('id').execute();
    expect(links).toEqual([{ counter: 1, outcome: 'start' }, { counter: 2, outcome: 'extend' }]);
    const head = await database.db.selectFrom('ch_check_in_heads').select('counter').where('server_id', '=', a.serverId).executeTakeFirst();
    expect(head).toEqual({ counter: 2 });
  });

  it('a check-in whose body is refused still spends its nonce: the same request again is refused as replayed', async () => {
    const a = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, a, pack.orgToken);
    await checkIn(h, a);
    const body = await a.signed('check-in', { instanceId: a.instanceId, packs: 'none', chain: { counter: 2, prev: a.chain.receiptHash, attempt: 'x' } });
    expect((await h.call('POST', '/servers/check-in', body)).body.error.code).toBe('SIGNED_REQUEST_INVALID');
    expect((await h.call('POST', '/servers/check-in', body)).body.error.code).toBe('SIGNED_REQUEST_REPLAYED');
    const nonces = await database.db.selectFrom('ch_nonces').select('nonce').where('server_id', '=', a.serverId).execute();
    expect(nonces).toHaveLength(3);
  });

  it('a next link reporting a pack never granted opens one case; the same request again is refused as replayed and opens nothing', async () => {
    const a = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, a, pack.orgToken);
    await checkIn(h, a);
    const body = await a.signed('check-in', { instanceId: a.instanceId, packs: [{ pack: 999, seq: 1, issued: 2 }], chain: { counter: 2, prev: a.chain.receiptHash, attempt: 'y' } });
    const first = await h.call('POST', '/servers/check-in', body);
    expect(first.body.chain).toEqual({ outcome: 'extend', counter: 2 });
    expect((await h.call('POST', '/servers/check-in', body)).body.error.code).toBe('SIGNED_REQUEST_REPLAYED');
    const cases = await database.db.selectFrom('ch_cases').select(['kind', 'decision_reasons']).where('source_server_id', '=', a.serverId).execute();
    expect(cases).toEqual([{ kind: 'phantom', decision_reasons: JSON.stringify(['PACK_NOT_GRANTED']) }]);
  });

  it('a revocation and an audit checkpoint made by another clearinghouse process on the same database are in the next check-in', async () => {
    const other = await startClearinghouse(await tdb.connect(database), { identity, clock: h.clock });
    const a = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    const b = new FakeLicenseServer(h.clock, h.rootPublicRaw);
    await activate(h, a, pack.orgToken);
    await activate(h, b, pack.orgToken);
    await install(h, a, pack.packKey);
    await checkIn(h, a);
    const before = await checkIn(h, a);
    expect(before.body.chain).toEqual({ outcome: 'extend', counter: 2 });
    expect(payloadOf(before.body.revocations)).toMatchObject({ seq: 0, servers: [] });

    expect((await other.call('POST', '/servers/deactivate', await b.signed('deactivate', {}))).body.status).toBe('deactivated');
    const checkpoint = await other.ch.useCases.signCheckpoint();
    h.clock.advance(1000);
    const after = await checkIn(h, a);
    expect(after.body.chain).toEqual({ outcome: 'extend', counter: 3 });
    expect(payloadOf(after.body.revocations)).toMatchObject({ seq: 1, servers: [expect.objectContaining({ serverId: b.serverId, reason: 'deactivated' })] });
    expect(after.body.checkpoint).toBe(checkpoint.checkpoint);
    expect(payloadOf(after.body.receipt).checkpoint).toEqual({ seq: checkpoint.seq, head: checkpoint.head, at: Math.floor(Date.parse(checkpoint.at) / 1000) });
    expect(after.body.grants).toHaveLength(1);
  });
});
