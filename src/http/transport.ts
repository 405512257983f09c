/**
 * One HTTP exchange with node:http (or node:https): the transport of callJson. Not `fetch`: Node 20 loads and
 * compiles its implementation (undici) on the first call, ~150 ms of CPU that every CLI command would pay before
 * its one request. Redirects are refused, as our APIs never redirect (a proxy or another service does).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface Exchange {
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface Answer {
  status: number;
  contentType: string | undefined;
  text: string;
}

/**
 * Sends one request and reads the whole answer. Rejects with the socket's error (its `code`: ECONNREFUSED,
 * ENOTFOUND…), a `TimeoutError` after `timeoutMs`, or an error whose cause is "unexpected redirect".
 */
export function send(url: string, exchange: Exchange): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const target = new URL(url);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers = { ...exchange.headers };
    if (exchange.body !== undefined) headers['content-length'] = String(Buffer.byteLength(exchange.body));
    let settled = false;
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const req = request(target, { method: exchange.method, headers }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location !== undefined) {
        res.resume();
        done(() => reject(new Error('unexpected redirect', { cause: { message: 'unexpected redirect' } })));
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(() => resolve({ status, contentType: res.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') })));
      res.on('error', (e) => done(() => reject(e)));
    });
    const timer = setTimeout(() => {
      const e = new Error(`no answer in ${exchange.timeoutMs} ms`);
      e.name = 'TimeoutError';
      done(() => reject(e));
      req.destroy(e);
    }, exchange.timeoutMs);
    req.on('error', (e) => done(() => reject(e)));
    req.end(exchange.body);
  });
}
