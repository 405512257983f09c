/**
 * `opencal ch audit checkpoint --out FILE` and `opencal ch audit verify --checkpoint FILE` against an all-in-one
 * server over real HTTP: the checkpoint key is a file of its own beside the root key, a saved checkpoint verifies
 * while the log only grows, and cutting the log in the database fails the verification with a typed refusal.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/database';
import { opencal, removeDir, startServer, tempDir } from './harness';

let stop: () => Promise<void>;
let url: string;
let admin: string;
let dataDir: string;
let work: string;

const cli = (args: string[]) => opencal([...args, '--url', url], { OPENCAL_TOKEN: admin }, work);

beforeAll(async () => {
  const started = await startServer();
  stop = started.stop;
  url = started.server.url;
  admin = started.server.adminToken;
  dataDir = started.dataDir;
  work = tempDir('opencal-cli-work-');
});

afterAll(async () => {
  await stop();
  removeDir(work);
});

it('a saved checkpoint verifies while the log grows, and no longer once records are cut from the database', async () => {
  expect(statSync(join(dataDir, 'clearinghouse', 'checkpoint.key')).mode & 0o777).toBe(0o600);
  for (const name of ['Contoso', 'Fabrikam', 'Northwind']) expect((await cli(['ch', 'org', 'create', name, '--json'])).exit).toBe(0);
  const saved = await cli(['ch', 'audit', 'checkpoint', '--out', 'audit.json']);
  expect(saved.exit).toBe(0);
  expect(saved.stdout).toContain('opencal ch audit verify --checkpoint audit.json');
  const file = JSON.parse(readFileSync(join(work, 'audit.json'), 'utf8'));
  expect(file).toMatchObject({ seq: 3, kid: expect.stringMatching(/^cp-/) });

  await cli(['ch', 'org', 'create', 'Tailspin']);
  const ok = await cli(['ch', 'audit', 'verify', '--checkpoint', 'audit.json', '--json']);
  expect(ok.exit).toBe(0);
  expect(ok.json).toMatchObject({ ok: true, records: 4, checkpoint: { seq: 3 }, since: 1 });

  // Two records cut from the end and the head moved back: the chain alone still verifies.
  const db = await openDatabase(`sqlite:${join(dataDir, 'clearinghouse', 'ch.db')}`);
  try {
    const k = db.db as Kysely<any>;
    await k.deleteFrom('ch_audit').where('seq', '>', 2).execute();
    const last = await k.selectFrom('ch_audit').select(['seq', 'hash']).where('seq', '=', 2).executeTakeFirstOrThrow();
    await k.updateTable('ch_audit_head').set({ seq: last.seq, hash: last.hash }).where('id', '=', 1).execute();
  } finally {
    await db.close();
  }
  expect((await cli(['ch', 'audit', 'verify'])).exit).toBe(0);
  const cut = await cli(['ch', 'audit', 'verify', '--checkpoint', 'audit.json']);
  expect(cut.exit).not.toBe(0);
  expect(cut.stderr).toContain('AUDIT_CHECKPOINT_NOT_EXTENDED');
  expect(cut.stderr).toContain('fewer than the 3');
});

it('a checkpoint file altered, missing or holding no checkpoint is refused with its code and a non-zero exit', async () => {
  const saved = await cli(['ch', 'audit', 'checkpoint', '--json']);
  const [header, payload, signature] = (saved.json.checkpoint as string).split('.');
  const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), seq: 1 })).toString('base64url');
  writeFileSync(join(work, 'altered.json'), JSON.stringify({ ...saved.json, checkpoint: `${header}.${altered}.${signature}` }));
  const forged = await cli(['ch', 'audit', 'verify', '--checkpoint', 'altered.json']);
  expect(forged.exit).not.toBe(0);
  expect(forged.stderr).toContain('AUDIT_CHECKPOINT_INVALID');
  const missing = await cli(['ch', 'audit', 'verify', '--checkpoint', 'nowhere.json']);
  expect(missing.exit).not.toBe(0);
  expect(missing.stderr).toContain('AUDIT_CHECKPOINT_FILE_UNREADABLE');
  writeFileSync(join(work, 'empty.json'), '{}');
  expect((await cli(['ch', 'audit', 'verify', '--checkpoint', 'empty.json'])).stderr).toContain('no "checkpoint" in it');
});
