/**
 * Serves the built console (dist/web, made by `npm run build:web`) at `/` on the all-in-one server, for
 * `buildServer({ web: serveConsole() })`. Hashed assets under /assets/ are cached for a year; index.html and
 * the favicon are revalidated on every load so a new build is picked up at once. Routes use hash routing
 * (`/#/portal`), so `/` is the only page. When the bundle is missing, `/` says how to build it.
 */
import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Any Fastify instance, whatever its type provider (buildServer's is TypeBox's). */
type App = FastifyInstance<any, any, any, any, any>;

/** dist/web at the repository root (src/web/../../dist/web). */
export const DEFAULT_CONSOLE_ROOT = fileURLToPath(new URL('../../dist/web', import.meta.url));

export interface ServeConsoleOptions {
  /** folder holding index.html and assets/ (default: dist/web) */
  root?: string;
}

const YEAR_SECONDS = 365 * 24 * 60 * 60;

export function serveConsole(options: ServeConsoleOptions = {}): (app: App) => Promise<void> {
  const root = resolve(options.root ?? DEFAULT_CONSOLE_ROOT);
  return async function web(app: App): Promise<void> {
    if (!existsSync(join(root, 'index.html'))) {
      app.get('/', { schema: { hide: true } }, async (_request, reply) =>
        reply
          .code(503)
          .header('content-type', 'text/plain; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(`The OpenCAL console is not built (no ${join(root, 'index.html')}). Run \`npm run build:web\`, then reload. The API is at /docs.\n`),
      );
      return;
    }
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      // files are looked up on each request, so a rebuild is served without a restart; unknown paths fall
      // through to the JSON 404 of the API
      wildcard: true,
      index: ['index.html'],
      dotfiles: 'deny',
      decorateReply: false,
      schemaHide: true,
      cacheControl: false,
      etag: true,
      lastModified: true,
      setHeaders(reply, path) {
        const hashed = path.startsWith(`${join(root, 'assets')}${sep}`);
        reply.header('cache-control', hashed ? `public, max-age=${YEAR_SECONDS}, immutable` : 'no-cache');
      },
    });
  };
}
