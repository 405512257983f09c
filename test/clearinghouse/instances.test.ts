import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import { generateIdentity } from '../../src/trust/index';
import type { Database } from '../../src/storage/database';
import { openDatabase } from '../../src/storage/database';
import { openTestDatabase, postgresAvailability } from '../helpers/databases';
import { activate, FakeLicenseServer, orgWithPack, START, startClearinghouse } from './fixtures';

/**
 * Several stateless clearinghouse nodes on one PostgreSQL database (DESIGN §9): same answers, one pack owner, one
 * audit chain. PostgreSQL only: scaling out is what PostgreSQL is for; a SQLite file serves one node. Skipped, like
 * the helper's PostgreSQL suites, only when OPENCAL_TEST_PG_URL is not set (and failing on CI then).
 */
const availability = postgresAvailability();
const opened: Database[] = [];
afterEach(async () => {
  for (const d of opened.splice(0).reverse()) await d.close();
});

describe.skipIf(availability === 'skip')('two clearinghouse instances on one PostgreSQL database', () => {
  it('give the same answers, let exactly one of them install a contested pack, and append one audit chain', async () => {
    const database = await openTestDatabase('postgres', clearinghouseMigrations);
    const other = await openDatabase(database.url);
    opened.push(database, other);
    const clock = new ManualClock(START);
    const identity = generateIdentity();
    const a = await startClearinghouse(database, { clock, identity });
    const b = await startClearinghouse(other, { clock, identity });
    const pack = await orgWithPack(a);

    expect((await b.call('GET', '/packs', undefined, pack.orgToken)).body).toEqual((await a.call('GET', '/packs', undefined, pack.orgToken)).body);
    expect((await b.call('GET', '/trust')).body).toEqual((await a.call('GET', '/trust')).body);

    const servers = Array.from({ length: 20 }, () => new FakeLicenseServer(clock, identity.publicKeyRaw));
    for (const [i, ls] of servers.entries()) await activate(i % 2 === 0 ? a : b, ls, pack.orgToken);
    const bodies = await Promise.all(servers.map((ls) => ls.signed('install', { packKey: pack.packKey, agreementNumber: '1234567' })));
    const results = await Promise.all(bodies.map((body, i) => (i % 2 === 0 ? a : b).call('POST', '/servers/install', body)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.body?.error?.code === 'PACK_ALREADY_ACTIVATED')).toHaveLength(19);

    // a request replayed to the other node is refused there too: the nonce is in the shared database
    const once = await servers[0]!.signed('holdings', {});
    expect((await a.call('POST', '/servers/holdings', once)).status).toBe(200);
    expect((await b.call('POST', '/servers/holdings', once)).body.error.code).toBe('SIGNED_REQUEST_REPLAYED');

    const verifyA = await a.call('GET', '/audit/verify', undefined, a.adminToken);
    const verifyB = await b.call('GET', '/audit/verify', undefined, b.adminToken);
    expect(verifyA.body).toEqual(verifyB.body);
    expect(verifyA.body).toMatchObject({ ok: true, records: 1 + 1 + 20 + 1 });
  });
});
