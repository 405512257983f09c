import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorker, workerEntry } from '../../src/platform/worker';
import type { SignAnswer, SignRequest, SignerWorkerData } from '../../src/license-server/signer.worker';
import { createKeySet, generateIdentity, verifyJws, withKid } from '../../src/trust/index';

const licenseServerDir = new URL('../../src/license-server/', import.meta.url);
const callerInLicenseServer = new URL('./signer.ts', licenseServerDir).href;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('workers are TypeScript modules, started from the build when it is there and from the sources otherwise', () => {
  it('a caller whose folder holds <name>.worker.js (the build) starts that file, without a loader', () => {
    const dir = mkdtempSync(join(tmpdir(), 'opencal-worker-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'signer.worker.js'), '');
    const entry = workerEntry(pathToFileURL(join(dir, 'main.js')).href, 'signer');
    expect(entry).toEqual({ kind: 'built', url: pathToFileURL(join(dir, 'signer.worker.js')) });
  });

  it('from the sources, it is the .worker.ts next to the caller (run with the tsx loader)', () => {
    const entry = workerEntry(callerInLicenseServer, 'checkpointer');
    expect(entry).toEqual({ kind: 'source', url: new URL('./checkpointer.worker.ts', licenseServerDir) });
  });

  it('the signer worker started from its TypeScript source signs a batch with the key it was given', async () => {
    const identity = withKid(generateIdentity(), 'KBFYQ-2RT8W-7PXMC-9HJ4D-3GVKB-6YQWT-DF8RC');
    const workerData: SignerWorkerData = { pkcs8: new Uint8Array(identity.privateKey.export({ format: 'der', type: 'pkcs8' })), kid: identity.kid };
    const worker = startWorker(callerInLicenseServer, 'signer', { workerData });
    try {
      const answer = new Promise<SignAnswer>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      const request: SignRequest = { id: 7, payloads: [JSON.stringify({ typ: 'opencal.cal', jti: 'cal_a' }), JSON.stringify({ typ: 'opencal.cal', jti: 'cal_b' })] };
      worker.postMessage(request);
      const { id, tokens } = await answer;
      expect(id).toBe(7);
      const keys = createKeySet([{ kid: identity.kid, publicKey: identity.publicKey }]);
      const jtis = await Promise.all(tokens.map(async (t) => {
        const v = await verifyJws<{ jti: string }>(t, keys, 'opencal.cal');
        return v.ok ? v.value.payload.jti : v.error.code;
      }));
      expect(jtis).toEqual(['cal_a', 'cal_b']);
    } finally {
      const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
      worker.postMessage('close');
      expect(await exited).toBe(0);
    }
  });

  it('the checkpointer worker copies the write-ahead log into the database file, then stops when asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opencal-worker-'));
    dirs.push(dir);
    const file = join(dir, 'lserver.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('create table t (x integer)');
    const insert = db.prepare('insert into t values (?)');
    for (let i = 0; i < 200; i++) insert.run(i);
    const worker = startWorker(callerInLicenseServer, 'checkpointer', { workerData: { file, intervalMs: 10 } });
    const errors: unknown[] = [];
    worker.on('error', (e) => errors.push(e));
    await expect.poll(() => dbFileHasRows(file), { timeout: 10_000 }).toBe(200);
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    worker.postMessage('close');
    expect(await exited).toBe(0);
    expect(errors).toEqual([]);
    db.close();
  });
});

/** Rows visible to a reader of the main database file alone (the WAL ignored): what checkpoints copied there. */
function dbFileHasRows(file: string): number {
  const copy = `${file}.copy`;
  copyFileSync(file, copy);
  const reader = new Database(copy);
  try {
    return (reader.prepare('select count(*) as n from t').get() as { n: number } | undefined)?.n ?? 0;
  } catch {
    return 0;
  } finally {
    reader.close();
    for (const f of [copy, `${copy}-wal`, `${copy}-shm`]) rmSync(f, { force: true });
  }
}
