/**
 * The floor: the least work an issued CAL needs on this machine, in its own process like the bare route.
 * One Fastify POST route: the bearer token looked up in a Map, one compact JWS signed with node:crypto Ed25519
 * over a precomputed header, one row inserted with a prepared better-sqlite3 statement (WAL,
 * synchronous = NORMAL) in one transaction per turn of the event loop, and the token answered once committed.
 * Nothing else. Usage: floor-server.ts <dataDir>. Prints `{"port":N}`; `GET /bench/cpu`, `GET /bench/rss`.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify, { type FastifyReply } from 'fastify';

const [dataDir] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: floor-server.ts <dataDir>');

const db = new Database(join(dataDir, 'floor.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE IF NOT EXISTS cals (id TEXT PRIMARY KEY, device TEXT NOT NULL, host TEXT NOT NULL, issued_at TEXT NOT NULL, token TEXT NOT NULL)');
const insert = db.prepare('INSERT INTO cals (id, device, host, issued_at, token) VALUES (?, ?, ?, ?, ?)');

const { privateKey } = generateKeyPairSync('ed25519');
const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'floor' })).toString('base64url');
const hosts = new Map([['floor-token', 'BENCH-RDSH']]);

type Pending = { row: [string, string, string, string, string]; reply: FastifyReply; token: string };
let queue: Pending[] = [];
const commit = db.transaction((rows: Pending[]) => {
  for (const p of rows) insert.run(...p.row);
});
function flush() {
  const batch = queue;
  queue = [];
  commit(batch);
  for (const p of batch) void p.reply.send({ token: p.token });
}

let n = 0;
const app = Fastify({ logger: false });
app.get('/bench/cpu', async () => process.cpuUsage());
app.get('/bench/rss', async () => ({ rss: process.memoryUsage().rss }));
app.post('/cals', (request, reply) => {
  const host = hosts.get(request.headers.authorization?.slice(7) ?? '');
  if (host === undefined) return reply.code(401).send({ error: { code: 'UNAUTHENTICATED' } });
  const device = (request.body as { device: string }).device;
  const id = `cal_${++n}`;
  const now = new Date();
  const payload = Buffer.from(JSON.stringify({ typ: 'opencal.cal', jti: id, device, host, iat: Math.floor(now.getTime() / 1000) })).toString('base64url');
  const input = `${header}.${payload}`;
  const token = `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
  if (queue.length === 0) setImmediate(flush);
  queue.push({ row: [id, device, host, now.toISOString(), token], reply, token });
  return reply;
});
// A clean exit on SIGTERM, so that `--cpu-prof` (OPENCAL_BENCH_CPU_PROF) writes its profile.
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, pid: process.pid }) + '\n');
