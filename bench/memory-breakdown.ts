/**
 * Where a license server's idle memory goes: RSS, V8 heap and external memory after each step of starting one,
 * in one process (run with --expose-gc so that each figure is taken after a full collection):
 *   node --expose-gc --import tsx bench/memory-breakdown.ts
 * `opencal` starts node with the flags and environment of the first line of bin/opencal.mjs: add them
 * (`MALLOC_ARENA_MAX=2 node --max-semi-space-size=2 --heap-growing-percent=50 --single-threaded-gc --expose-gc …`) to
 * see a license server as `opencal` runs it. The checkpointing thread starts only while the database is written
 * (src/license-server/checkpointer.ts), so it is not in these idle figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
let last = process.memoryUsage();
function step(label: string) {
  gc();
  const m = process.memoryUsage();
  const d = (a: number, b: number) => `${((a - b) / 1048576).toFixed(1).padStart(6)}`;
  process.stdout.write(
    `${label.padEnd(52)} RSS ${(m.rss / 1048576).toFixed(0).padStart(4)} MiB (+${d(m.rss, last.rss)})  heap ${(m.heapUsed / 1048576).toFixed(0).padStart(3)} MiB (+${d(m.heapUsed, last.heapUsed)})  external ${(m.external / 1048576).toFixed(0).padStart(3)} MiB\n`,
  );
  last = m;
}

step('node + tsx loader');
const { default: Fastify } = await import('fastify');
step('fastify imported');
const { buildServer } = await import('../src/http/server');
step('src/http (swagger, swagger-ui, rate-limit, prom-client, typebox)');
const { createLicenseServer, licenseDatabaseUrl } = await import('../src/license-server/module');
const { openDatabase } = await import('../src/storage/database');
const { randomBytes } = await import('../src/platform/random');
const { systemClock } = await import('../src/platform/system-clock');
const { generateIdentity, base64urlEncode } = await import('../src/trust/index');
step('license server modules (kysely, better-sqlite3, jose)');
const dir = mkdtempSync(join(tmpdir(), 'opencal-memory-'));
const database = await openDatabase(licenseDatabaseUrl(dir));
const ls = await createLicenseServer({ dataDir: dir, database, clock: systemClock, random: randomBytes, serverVersion: 2019, clearinghouseKey: base64urlEncode(generateIdentity().publicKeyRaw) });
await new Promise((r) => setTimeout(r, 500));
step('createLicenseServer (databases; no thread while idle)');
const app = await buildServer({ components: [ls.module], logger: false });
await app.ready();
step('buildServer + ready (routes, schemas, OpenAPI)');
await app.listen({ host: '127.0.0.1', port: 0 });
await new Promise((r) => setTimeout(r, 1000));
step('listening, 1 s idle');
void Fastify;
await app.close();
await ls.close();
await database.close();
rmSync(dir, { recursive: true, force: true });
