/**
 * A clearinghouse in its own process for the benchmark, as `opencal clearinghouse serve --db URL` runs it (the full
 * HTTP stack of buildServer without request logs). Several may share one PostgreSQL database.
 * Usage: clearinghouse-server.ts <databaseUrl> <rootKeyFile>. Prints `{"port":N,"pid":P}`; `GET /bench/cpu`, `GET /bench/rss`.
 */
import { createClearinghouse } from '../src/clearinghouse/module';
import { buildServer } from '../src/http/server';
import { randomBytes } from '../src/platform/random';
import { systemClock } from '../src/platform/system-clock';
import { openDatabase } from '../src/storage/database';
import { loadOrCreateIdentity } from '../src/trust/index';

const [url, keyFile] = process.argv.slice(2);
if (!url || !keyFile) throw new Error('usage: clearinghouse-server.ts <databaseUrl> <rootKeyFile>');
const database = await openDatabase(url);
const ch = await createClearinghouse({ database, clock: systemClock, random: randomBytes, identity: loadOrCreateIdentity(keyFile), adminToken: process.env.OPENCAL_BENCH_ADMIN_TOKEN ?? 'bench-admin-token-0123456789' });
const app = await buildServer({ components: [ch.module], logger: false });
app.get('/bench/rss', async () => ({ rss: process.memoryUsage().rss }));
app.get('/bench/cpu', async () => process.cpuUsage());
process.once('SIGTERM', () => {
  void app.close().then(() => database.close()).then(() => process.exit(0));
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, pid: process.pid }) + '\n');
