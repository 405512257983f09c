/** Serves component modules over real HTTP on 127.0.0.1 (a free port) for journeys between components. */
import { buildServer, type ComponentModule } from '../../src/http/server';

export interface Served {
  url: string;
  close(): Promise<void>;
}

export async function serve(...components: ComponentModule[]): Promise<Served> {
  const app = await buildServer({ components, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
