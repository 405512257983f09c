/**
 * The baseline: a bare Fastify JSON POST route in its own process (what a request costs with no licensing work).
 * Prints `{"port":N}` once listening; `GET /bench/cpu` answers its CPU time.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/bench/cpu', async () => process.cpuUsage());
app.post('/echo', async (request) => ({ ok: true, device: (request.body as { device?: string }).device ?? null }));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }) + '\n');
