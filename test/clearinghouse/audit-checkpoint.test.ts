/**
 * Signed audit checkpoints: a checkpoint saved earlier proves that today's audit log extends it. Someone who can
 * write the clearinghouse database cuts the end of the log, or rewrites a record and recomputes every hash after
 * it: the chain alone still verifies, the checkpoint does not.
 */
import { beforeEach, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { auditHash, canonicalJson } from '../../src/core/clearinghouse-rules';
import { queryEvents } from '../../src/events/event-log';
import type { Database } from '../../src/storage/database';
import { describeEachDatabase } from '../helpers/databases';
import { clearinghouseWithPack, payloadOf, type Harness } from './fixtures';

describeEachDatabase('signed audit checkpoints', (tdb) => {
  let h: Harness;
  let database: Database;

  beforeEach(async () => {
    ({ h, database } = await clearinghouseWithPack(tdb));
  });

  const db = () => database.db as Kysely<any>;

  async function moreRecords(n: number) {
    for (let i = 0; i < n; i += 1) await h.call('POST', '/orgs', { name: `Org ${i}` }, h.adminToken);
  }

  async function saveCheckpoint() {
    const r = await h.call('POST', '/audit/checkpoints', undefined, h.adminToken);
    expect(r.status).toBe(200);
    return r.body as { checkpoint: string; seq: number; head: string };
  }

  const verify = (checkpoint: string) => h.call('POST', '/audit/verify', { checkpoint }, h.adminToken);

  /** What someone with write access to the database does to hide records: a consistent chain again. */
  async function recomputeFrom(seq: number) {
    const rows = await db().selectFrom('ch_audit').selectAll().where('seq', '>=', seq).orderBy('seq').execute();
    let prev = (await db().selectFrom('ch_audit').select('hash').where('seq', '=', seq - 1).executeTakeFirst())?.hash ?? '0'.repeat(64);
    for (const r of rows) {
      const record = { seq: Number(r.seq), at: r.at, actor: r.actor, action: r.action, subject: r.subject, data: JSON.parse(r.data), prevHash: prev };
      const hash = auditHash(record);
      await db().updateTable('ch_audit').set({ prev_hash: prev, hash }).where('seq', '=', r.seq).execute();
      prev = hash;
    }
    const last = await db().selectFrom('ch_audit').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    await db().updateTable('ch_audit_head').set({ seq: last.seq, hash: last.hash }).where('id', '=', 1).execute();
  }

  it('a checkpoint is signed with the checkpoint key, not the root key, and the log that grew since extends it', async () => {
    const saved = await saveCheckpoint();
    expect(saved.seq).toBeGreaterThan(0);
    const header = JSON.parse(Buffer.from(saved.checkpoint.split('.')[0]!, 'base64url').toString());
    expect(header.kid).toMatch(/^cp-.{16}$/);
    expect(payloadOf(saved.checkpoint)).toMatchObject({ typ: 'opencal.audit-checkpoint', seq: saved.seq, head: saved.head });
    expect((await h.call('GET', '/audit/checkpoint', undefined, h.adminToken)).body.checkpoint).toBe(saved.checkpoint);
    await moreRecords(3);
    const r = await verify(saved.checkpoint);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, checkpoint: { seq: saved.seq, head: saved.head }, since: 3 });
  });

  it('records cut from the end, the head moved back with them: the chain verifies, the checkpoint does not', async () => {
    await moreRecords(2);
    const saved = await saveCheckpoint();
    const keep = saved.seq - 2;
    await db().deleteFrom('ch_audit').where('seq', '>', keep).execute();
    const last = await db().selectFrom('ch_audit').select(['seq', 'hash']).where('seq', '=', keep).executeTakeFirstOrThrow();
    await db().updateTable('ch_audit_head').set({ seq: last.seq, hash: last.hash }).where('id', '=', 1).execute();
    expect((await h.call('GET', '/audit/verify', undefined, h.adminToken)).body.ok).toBe(true);
    const r = await verify(saved.checkpoint);
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'AUDIT_CHECKPOINT_NOT_EXTENDED', detail: { problem: 'truncated', checkpointSeq: saved.seq, logSeq: keep } });
    expect((await queryEvents(database.db, { component: 'clearinghouse', eventId: 9051 })).map((e) => e.data)).toEqual([
      expect.objectContaining({ seq: saved.seq, problem: 'truncated' }),
    ]);
  });

  it('a record rewritten and every hash after it recomputed: the chain verifies, the checkpoint does not', async () => {
    const saved = await saveCheckpoint();
    await moreRecords(2);
    await db().updateTable('ch_audit').set({ data: canonicalJson({ name: 'Someone else' }) }).where('seq', '=', 1).execute();
    await recomputeFrom(1);
    expect((await h.call('GET', '/audit/verify', undefined, h.adminToken)).body.ok).toBe(true);
    const r = await verify(saved.checkpoint);
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'AUDIT_CHECKPOINT_NOT_EXTENDED', detail: { problem: 'rewritten', checkpointSeq: saved.seq } });
  });

  it('a record deleted in the middle and the rest renumbered and rehashed: the checkpoint does not verify', async () => {
    await moreRecords(2);
    const saved = await saveCheckpoint();
    const rows = await db().selectFrom('ch_audit').selectAll().orderBy('seq').execute();
    await db().deleteFrom('ch_audit').execute();
    const kept = rows.filter((r) => Number(r.seq) !== 2).map((r, i) => ({ ...r, seq: i + 1 }));
    for (const r of kept) await db().insertInto('ch_audit').values(r).execute();
    await recomputeFrom(1);
    expect((await h.call('GET', '/audit/verify', undefined, h.adminToken)).body.ok).toBe(true);
    expect((await verify(saved.checkpoint)).body.error).toMatchObject({ code: 'AUDIT_CHECKPOINT_NOT_EXTENDED', detail: { problem: 'truncated' } });
  });

  it('an altered checkpoint, or text that is no checkpoint, is refused as invalid; only admins and agents may ask', async () => {
    const saved = await saveCheckpoint();
    const [header, , signature] = saved.checkpoint.split('.');
    const altered = Buffer.from(JSON.stringify({ ...payloadOf(saved.checkpoint), seq: 1 })).toString('base64url');
    const forged = await verify(`${header}.${altered}.${signature}`);
    expect(forged.status).toBe(400);
    expect(forged.body.error).toMatchObject({ code: 'AUDIT_CHECKPOINT_INVALID', detail: { problem: 'signature' } });
    expect((await verify('not a checkpoint')).body.error).toMatchObject({ code: 'AUDIT_CHECKPOINT_INVALID', detail: { problem: 'format' } });
    expect((await h.call('POST', '/audit/verify', { checkpoint: saved.checkpoint })).status).toBe(401);
    expect((await h.call('POST', '/audit/checkpoints')).status).toBe(401);
  });
});
