/**
 * A license server in its own process for the benchmark: the data directory prepared by bench/run.ts
 * (activated, one large key pack, one enrolled session host), the full HTTP stack of `opencal license-server serve`
 * without request logs. Prints `{"port":N,"pid":P}` once listening; answers `GET /bench/rss` with its memory and `GET /bench/cpu` with its CPU time.
 */
import { buildServer } from '../src/http/server';
import { createLicenseServer, licenseDatabaseUrl } from '../src/license-server/module';
import { openDatabase } from '../src/storage/database';
import { randomBytes } from '../src/platform/random';
import { systemClock } from '../src/platform/system-clock';
import { memoryReport, observeGc } from './memory-report';

// OPENCAL_BENCH_GC=1: /bench/memory also counts the garbage collections and their pauses since the start.
const gcStats = process.env.OPENCAL_BENCH_GC === '1' ? observeGc() : undefined;
const [dataDir, clearinghouseKey] = process.argv.slice(2);
if (!dataDir || !clearinghouseKey) throw new Error('usage: license-server.ts <dataDir> <clearinghouseKey>');
const database = await openDatabase(licenseDatabaseUrl(dataDir));
const ls = await createLicenseServer({ dataDir, database, clock: systemClock, random: randomBytes, serverVersion: 2019, clearinghouseKey });
const app = await buildServer({ components: [ls.module], logger: false });
app.get('/bench/rss', async () => ({ rss: process.memoryUsage().rss }));
app.get('/bench/cpu', async () => process.cpuUsage());
app.get<{ Querystring: { gc?: string } }>('/bench/memory', async (request) => {
  // With --expose-gc, `?gc=1` collects first: what is live, not what awaits the collector.
  const gc = (globalThis as { gc?: () => void }).gc;
  if (request.query.gc && gc) gc();
  return { ...memoryReport(), ...(gcStats ? { gc: gcStats } : {}) };
});
// A clean exit on SIGTERM, so that `--cpu-prof` (OPENCAL_BENCH_CPU_PROF) writes its profile.
process.once('SIGTERM', () => {
  void app.close().then(() => ls.close()).then(() => database.close()).then(() => process.exit(0));
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, pid: process.pid }) + '\n');
