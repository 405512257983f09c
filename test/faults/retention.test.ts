/**
 * Retention (issue 13: "admissions, events and expired rows are never pruned, so unauthenticated traffic grows the
 * database without bound"): by age and by count, in small batches, on SQLite and PostgreSQL; live issued licenses
 * and nonces still inside the replay window are kept.
 */
import { beforeEach, expect, it } from 'vitest';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import { retentionRules, startPruning } from '../../src/compose/pruning';
import { resolveConfig } from '../../src/config/resolve';
import { ManualClock } from '../../src/core/clock';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { sessionHostMigrations } from '../../src/session-host/migrations';
import type { Database } from '../../src/storage/database';
import { eventsRule, pruneBatch } from '../../src/storage/retention';
import { describeEachDatabase } from '../helpers/databases';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

describeEachDatabase('retention', (tdb) => {
  let database: Database;
  const clock = new ManualClock(NOW);
  const resolved = resolveConfig({ flags: {}, env: {}, cwd: '/' });
  if (!resolved.ok) throw new Error(resolved.error.message);
  const config = resolved.value.values;
  beforeEach(async () => {
    database = await tdb.open({ ...clearinghouseMigrations, ...licenseServerMigrations, ...sessionHostMigrations });
  });

  let seq = 0;
  const events = (n: number, at: string) =>
    database.db.insertInto('events').values(Array.from({ length: n }, (_, i) => ({ at, component: 'license-server', channel: 'x', event_id: 9100, level: 'information', message: `e${i}` }))).execute();
  const admissions = (n: number, at: string) =>
    database.db.insertInto('sh_admissions').values(Array.from({ length: n }, () => ({ at, device: `pc-${++seq}`, hwid: `hw-${seq}`, admitted: 0 }))).execute();
  const issued = (status: string, expiresAt: string) =>
    database.db
      .insertInto('ls_issued_licenses')
      .values({ id: `cal-${++seq}`, kind: 'temporary', cal_type: 'device', cal_version: 2019, device: `pc-${seq}`, hwid: `hw-${seq}`, issued_at: ago(200), expires_at: expiresAt, status })
      .execute();
  const nonce = (seenAt: string) => database.db.insertInto('ch_nonces').values({ nonce: `n-${++seq}`, server_id: 's', seen_at: seenAt }).execute();
  const count = async (table: string) => Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const roundOf = (component: 'clearinghouse' | 'license-server' | 'session-host') =>
    startPruning([{ db: database.db, rules: retentionRules(component, config) }], clock, { intervalMs: 0, batch: config.retentionBatch }).round();

  it('with the defaults, events older than 90 days and admissions older than 30 days are pruned; newer ones are kept', async () => {
    await events(12, ago(91));
    await events(5, ago(89));
    await admissions(7, ago(31));
    await admissions(4, ago(29));
    expect(await roundOf('license-server')).toMatchObject({ events: 12 });
    expect(await count('events')).toBe(5);
    expect(await roundOf('session-host')).toMatchObject({ admissions: 7 });
    expect(await count('sh_admissions')).toBe(4);
  });

  it('issued licenses that ended are pruned 90 days after their expiry; a live one is never pruned, however old', async () => {
    await issued('expired', ago(91));
    await issued('revoked', ago(120));
    await issued('upgraded', ago(100));
    await issued('expired', ago(10));
    await issued('active', ago(400));
    expect(await roundOf('license-server')).toMatchObject({ 'issued licenses': 3 });
    const left = await database.db.selectFrom('ls_issued_licenses').select(['status', 'expires_at']).orderBy('expires_at').execute();
    expect(left).toEqual([
      { status: 'active', expires_at: ago(400) },
      { status: 'expired', expires_at: ago(10) },
    ]);
  });

  it('used nonces are pruned once out of the replay window (twice the signed-request window), not before', async () => {
    await nonce(ago(3));
    await nonce(ago(2));
    await nonce(new Date(NOW.getTime() - 60_000).toISOString());
    expect(await roundOf('clearinghouse')).toMatchObject({ nonces: 2 });
    expect(await count('ch_nonces')).toBe(1);
  });

  it('beyond the count limit the oldest rows are pruned and the newest kept', async () => {
    await events(6, ago(3));
    await events(4, ago(1));
    const rule = eventsRule({ days: 90, maxRows: 4 });
    while ((await pruneBatch(database.db, rule, NOW, 100)) > 0);
    const left = await database.db.selectFrom('events').select('at').execute();
    expect(left.map((r: { at: string }) => r.at)).toEqual(Array(4).fill(ago(1)));
  });

  it('one statement deletes at most a batch of rows; a round runs batches until nothing is left to prune', async () => {
    await events(23, ago(100));
    expect(await pruneBatch(database.db, eventsRule({ days: 90 }), NOW, 10)).toBe(10);
    expect(await count('events')).toBe(13);
    const pruning = startPruning([{ db: database.db, rules: [eventsRule({ days: 90 })] }], clock, { intervalMs: 0, batch: 5 });
    expect(await pruning.round()).toEqual({ events: 13 });
    expect(await count('events')).toBe(0);
  });

  it('a round stops after its batch budget; the next round goes on', async () => {
    await events(30, ago(100));
    const pruning = startPruning([{ db: database.db, rules: [eventsRule({ days: 90 })] }], clock, { intervalMs: 0, batch: 5, maxBatchesPerRound: 2 });
    expect(await pruning.round()).toEqual({ events: 10 });
    expect(await count('events')).toBe(20);
    await pruning.round();
    expect(await count('events')).toBe(10);
  });

  it('the timer prunes by itself', async () => {
    await events(8, ago(100));
    const pruning = startPruning([{ db: database.db, rules: [eventsRule({ days: 90 })] }], clock, { intervalMs: 20, batch: 3 });
    try {
      for (let i = 0; i < 500 && (await count('events')) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await count('events')).toBe(0);
    } finally {
      await pruning.close();
    }
  });
});
