/**
 * The issued licenses' indexes (migration ls_0009_perm_live_indexes) on SQLite and PostgreSQL: a license database
 * at the schema before it, holding issued licenses, migrates and keeps serving — every license still listed and
 * counted, a device's temporary CAL upgraded at its next connection, a revoke that counts the revoked CALs it found,
 * and the live counts of the alerts.
 */
import { afterEach, expect, it } from 'vitest';
import { sql } from 'kysely';
import { liveIssuedCounts } from '../../src/license-server/alerts.repository';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { findIssued } from '../../src/license-server/license-server.repository';
import { migrateToLatest } from '../../src/storage/migrations';
import type { Database } from '../../src/storage/database';
import { describeEachDatabase } from '../helpers/databases';
import { activatedWithPack, device, jtiOf, START, startLicenseServer, type Harness } from './harness';

const DAY = 86_400_000;
const NEW = 'ls_0009_perm_live_indexes';

async function issuedIndexes(database: Database): Promise<string[]> {
  const rows =
    database.dialect === 'postgres'
      ? (await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'ls_issued_licenses'`.execute(database.db)).rows
      : (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'ls_issued_licenses' and sql is not null`.execute(database.db)).rows;
  return rows.map((r) => r.name).filter((n) => n.startsWith('ls_issued_') && n !== 'ls_issued_licenses_pkey').sort();
}

/** Issued licenses as the license server wrote them before the migration (no key pack: temporary and ended CALs). */
function previousRows() {
  const at = (days: number) => new Date(START.getTime() + days * DAY).toISOString();
  const row = (id: string, d: { device: string; hwid: string }, kind: string, status: string, validated: number, expires: number, pack: number | null = null) => ({
    id, kind, cal_type: 'device', cal_version: 2019, key_pack_id: null, pack, grant_seq: null, device: d.device, hwid: d.hwid, user_name: null,
    host: 'h', issued_at: at(-10), expires_at: at(expires), validated, status, revoked_at: status === 'revoked' ? at(-5) : null, over_allocated: 0,
  });
  return [
    row('cal_old_temporary_validated', device(1), 'temporary', 'active', 1, 80),
    row('cal_old_temporary', device(2), 'temporary', 'active', 0, 80),
    row('cal_old_upgraded', device(3), 'temporary', 'upgraded', 1, 80),
    row('cal_old_revoked', device(3), 'permanent', 'revoked', 1, 60, 5),
    row('cal_old_expired', device(4), 'permanent', 'expired', 1, -1, 5),
  ];
}

describeEachDatabase('issued licenses, indexes over live and ended CALs', (tdb) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a license database at the previous schema, with issued licenses, migrates and keeps listing, counting, upgrading and revoking them', async () => {
    const database = await tdb.openEmpty();
    const previous = Object.fromEntries(Object.entries(licenseServerMigrations).filter(([name]) => name !== NEW));
    await migrateToLatest(database, previous);
    expect(await issuedIndexes(database)).toEqual(['ls_issued_by_device', 'ls_issued_by_pack', 'ls_issued_by_status', 'ls_issued_one_live_device', 'ls_issued_one_live_user']);
    const rows = previousRows();
    await database.db.insertInto('ls_issued_licenses').values(rows).execute();

    // The license server migrates its database when it starts.
    h = await startLicenseServer(database);
    expect(await issuedIndexes(database)).toEqual(['ls_issued_ended', 'ls_issued_live_seats', 'ls_issued_one_live_device', 'ls_issued_one_live_user']);
    await activatedWithPack(h, [{ packNumber: 7, count: 10 }]);
    const { useCases } = h.ls;

    const ids = async (filter: Parameters<typeof useCases.listIssued>[0]) => (await useCases.listIssued(filter)).map((l) => l.id).sort();
    expect(await ids({ status: 'all' })).toEqual(rows.map((r) => r.id).sort());
    expect(await ids({ status: 'upgraded' })).toEqual(['cal_old_upgraded']);
    expect(await ids({ status: 'expired' })).toEqual(['cal_old_expired']);
    expect(await ids({})).toEqual(['cal_old_revoked', 'cal_old_temporary', 'cal_old_temporary_validated']);
    expect((await useCases.status()).issued).toEqual({ temporary: 2, permanent: 0, user: 0 });

    // The validated device gets its permanent CAL, and its temporary CAL from before the migration is upgraded.
    const second = await useCases.requestCal('h', { ...device(1), mode: 'per-device', hostVersion: 2019 });
    expect(second.ok && second.value.kind).toBe('permanent');
    expect((await findIssued(h.ls.context.db, 'cal_old_temporary_validated'))?.status).toBe('upgraded');
    // The device not yet validated gets the same temporary CAL again.
    const again = await useCases.requestCal('h', { ...device(2), mode: 'per-device', hostVersion: 2019 });
    expect(again.ok && jtiOf(again.value.bundle.token)).toBe('cal_old_temporary');
    const perUser = await useCases.requestCal('h', { ...device(5), user: 'alice', mode: 'per-user', hostVersion: 2019 });
    expect(perUser.ok && perUser.value.kind).toBe('user');

    expect((await useCases.status()).issued).toEqual({ temporary: 1, permanent: 1, user: 1 });
    const live = await liveIssuedCounts(h.ls.context.db, h.clock.now());
    expect(live.map((c) => `${c.kind} ${c.calType} ${c.calVersion} ${c.count}`).sort()).toEqual(['permanent device 2019 1', 'temporary device 2019 1', 'user user 2019 1']);
    expect(await ids({ status: 'upgraded' })).toEqual(['cal_old_temporary_validated', 'cal_old_upgraded']);

    // 10 installed: 2 may be revoked; the revoked CAL from before the migration takes one of them.
    const revoked = await useCases.revoke({ device: device(1).device });
    expect(revoked.ok && revoked.value.revokable).toBe(0);
    const refused = await useCases.revoke({ device: device(1).hwid });
    expect(!refused.ok && refused.error.code).toBe('CAL_NOT_FOUND');
    expect(await ids({ status: 'revoked' })).toEqual(['cal_old_revoked', second.ok ? jtiOf(second.value.bundle.token) : 'no permanent CAL'].sort());
  });
});
