/**
 * Killing the license server during issuance loses no acknowledged CAL and leaves counts consistent:
 * a real child process on a SQLite file, hammered with CAL requests over HTTP, killed with SIGKILL mid-way.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, it } from 'vitest';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import type { Database } from '../../src/storage/database';
import { describeEachDatabase } from '../helpers/databases';
import { systemClock } from '../../src/platform/system-clock';
import { callJson } from '../../src/http/client';
import { jtiOf, startLicenseServer, testClearinghouse, activatedWithPack } from './harness';
import { ManualClock } from '../../src/core/clock';

interface CalAnswer {
  bundle: { token: string };
  kind: string;
}

describeEachDatabase('killing the license server', (tdb) => {
it('SIGKILL during issuance: every CAL acknowledged over HTTP before the kill is in the database, and counts are consistent', async () => {
  // SQLite: the data directory's own lserver.db file; PostgreSQL: a schema the child process opens by URL.
  const database: Database | undefined = tdb.name === 'sqlite' ? undefined : await tdb.open(licenseServerMigrations);
  const dataDir = mkdtempSync(join(tmpdir(), 'opencal-kill-'));
  try {
    // Prepare the data directory: activated by phone, a 300-CAL pack, one enrolled session host.
    const clock = new ManualClock(systemClock.now());
    const ch = testClearinghouse(clock);
    const setup = await startLicenseServer(database, { dataDir, clock, ch });
    await activatedWithPack(setup, [{ packNumber: 1, count: 300 }]);
    const join1 = await setup.ls.useCases.createJoinToken({ name: 'rdsh-01' });
    if (!join1.ok) throw new Error(join1.error.message);
    const enrolled = await setup.ls.useCases.enroll({ joinToken: join1.value.joinToken, name: 'rdsh-01' });
    if (!enrolled.ok) throw new Error(enrolled.error.message);
    await setup.close();

    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/issuing-server.ts'), dataDir, ch.key, ...(database ? [database.url] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`license server exited early (${code})`)));
    });
    const url = `http://127.0.0.1:${JSON.parse(line).port}`;
    const token = enrolled.value.token;

    const acknowledged: { jti: string; kind: string; hwid: string }[] = [];
    let killed = false;
    const worker = async (w: number) => {
      for (let i = 0; !killed; i++) {
        const d = { device: `pc-${w}-${i}`, hwid: `hw-${w}-${i}` };
        const first = await callJson<CalAnswer>(url, 'POST', '/ls/v1/cals', { token, body: { ...d, mode: 'per-device', hostVersion: 2019 }, timeoutMs: 5000 });
        if (!first.ok) return;
        acknowledged.push({ jti: jtiOf(first.value.bundle.token), kind: first.value.kind, hwid: d.hwid });
        const v = await callJson(url, 'POST', '/ls/v1/cals/validate', { token, body: { jti: jtiOf(first.value.bundle.token) }, timeoutMs: 5000 });
        if (!v.ok) return;
        const second = await callJson<CalAnswer>(url, 'POST', '/ls/v1/cals', { token, body: { ...d, mode: 'per-device', hostVersion: 2019 }, timeoutMs: 5000 });
        if (!second.ok) return;
        acknowledged.push({ jti: jtiOf(second.value.bundle.token), kind: second.value.kind, hwid: d.hwid });
        if (acknowledged.length >= 400 && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    await exited;
    expect(child.signalCode).toBe('SIGKILL');

    // Reopen the same data directory: same identity, same license database.
    const after = await startLicenseServer(database ? await tdb.connect(database) : undefined, { dataDir, clock, ch });
    try {
      const all = await after.ls.useCases.listIssued({ status: 'all', limit: 100_000 });
      const byId = new Map(all.map((l) => [l.id, l]));
      for (const a of acknowledged) expect(byId.get(a.jti)?.hwid).toBe(a.hwid);
      const permanentAcked = acknowledged.filter((a) => a.kind === 'permanent').length;
      const [pack] = await after.ls.useCases.listKeyPacks();
      const livePermanent = all.filter((l) => l.kind === 'permanent' && l.status === 'active').length;
      expect(pack!.issued).toBe(livePermanent);
      expect(pack!.issued + pack!.available).toBe(pack!.total);
      expect(livePermanent).toBeGreaterThanOrEqual(permanentAcked);
      expect(permanentAcked).toBeGreaterThan(0);
    } finally {
      await after.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
});
