/**
 * The front door of a server process: one HTTP listener on --host/--port whose request handler is set later.
 * The all-in-one's components need the server's own origin (to call each other over HTTP) before their routes
 * exist, and the port is known only once listening (port 0); until a handler is set, requests get 503 STARTING.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { langFromAcceptLanguage } from '../core/refusals';
import { messageFor, refusal, type Refusal } from '../core/result';

/** A refusal to start (port in use, unusable data directory, demo setup failed): printed as `CODE: message`. */
export class StartRefused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

export interface FrontDoor {
  /** the origin it listens on, e.g. http://127.0.0.1:7878 (loopback for a wildcard listener) */
  readonly origin: string;
  setHandler(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

export async function openFrontDoor(host: string, port: number): Promise<FrontDoor> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    // The one error body, without loading the route layer (typebox) on the CLI's fast path.
    const starting = refusal('STARTING');
    res.end(JSON.stringify({ error: { code: starting.code, message: messageFor(starting, langFromAcceptLanguage(req.headers['accept-language']), 'api') } }));
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(listenRefusal(e, host, port));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  // A wildcard listener is called back on loopback; a URL needs brackets around an IPv6 address.
  const callHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const origin = `http://${callHost.includes(':') ? `[${callHost}]` : callHost}:${address.port}`;
  return {
    origin,
    setHandler(h) {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listenRefusal(e: NodeJS.ErrnoException, host: string, port: number): Error {
  if (e.code === 'EADDRINUSE') {
    return new StartRefused(refusal('PORT_IN_USE', { host, port }));
  }
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EACCES') {
    return new StartRefused(refusal('CANNOT_LISTEN', { host, port, reason: e.code ?? 'error' }));
  }
  return e;
}
