/**
 * CAL tokens are compact JWS (EdDSA, kid = license server ID). On this hot path they are made with `node:crypto`
 * over a fixed header (DESIGN §4): the header `{"alg":"EdDSA","kid":…}` is encoded once, each token is
 * `header.base64url(JSON payload).base64url(Ed25519 signature)` — byte for byte what jose's CompactSign makes
 * (test/license-server/signer.test.ts checks the bytes against signJws and verifies the tokens with jose).
 *
 * Where to sign depends on the cores. A synchronous Ed25519 signature costs ~20–50 µs; handing a batch to a worker
 * thread costs the main thread its messages (structured clone, wake-up) and the thread its own CPU, which on a
 * machine of two cores shared with the database and the clients costs more than it saves. So by default tokens are
 * signed on the event loop when the machine has 2 cores or fewer, and in batches (4 or more) in one message to a
 * worker thread (signer.worker.ts, same encoding) when it has more. A token is only signed after its CAL was
 * committed. If the worker is unavailable, tokens are signed on the calling thread.
 */
import { availableParallelism } from 'node:os';
import { sign as ed25519Sign, type KeyObject } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../platform/worker';
import type { Identity } from '../trust/index';
import type { SignAnswer, SignRequest, SignerWorkerData } from './signer.worker';

/** batches smaller than this are signed on the calling thread. */
const INLINE_BELOW = 4;

export interface Signer {
  sign(payload: object): Promise<string>;
  close(): Promise<void>;
}

/** The protected header of every token of `kid`, encoded: what jose writes for `{ alg: 'EdDSA', kid }`. */
export function encodedHeader(kid: string): string {
  return Buffer.from(JSON.stringify({ alg: 'EdDSA', kid })).toString('base64url');
}

/** One compact JWS over a header encoded by `encodedHeader`. */
export function compactJws(header: string, payloadJson: string, privateKey: KeyObject): string {
  const input = `${header}.${Buffer.from(payloadJson).toString('base64url')}`;
  return `${input}.${ed25519Sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
}

/**
 * `threaded`: true starts the signing thread, false signs on the calling thread (short-lived tools, 2 cores);
 * by default a thread only when the machine has more than 2 cores.
 */
export function createSigner(identity: Identity, options: { threaded?: boolean } = {}): Signer {
  const header = encodedHeader(identity.kid);
  const signHere = (payload: object) => compactJws(header, JSON.stringify(payload), identity.privateKey);
  let worker: Worker | undefined;
  if (options.threaded ?? availableParallelism() > 2) {
    const pkcs8 = identity.privateKey.export({ format: 'der', type: 'pkcs8' });
    const workerData: SignerWorkerData = { pkcs8: new Uint8Array(pkcs8), kid: identity.kid };
    worker = startWorker(import.meta.url, 'signer', { workerData });
    worker.unref();
  }

  interface Waiting {
    json: string;
    resolve(token: string): void;
    reject(error: unknown): void;
  }
  const signInline = (w: Waiting) => {
    try {
      w.resolve(compactJws(header, w.json, identity.privateKey));
    } catch (error) {
      w.reject(error);
    }
  };
  let queue: Waiting[] = [];
  let scheduled = false;
  let nextId = 1;
  const inFlight = new Map<number, Waiting[]>();

  const fallBack = () => {
    worker = undefined;
    for (const batch of inFlight.values()) for (const w of batch) signInline(w);
    inFlight.clear();
  };
  worker?.on('message', (message: SignAnswer) => {
    const batch = inFlight.get(message.id);
    if (!batch) return;
    inFlight.delete(message.id);
    batch.forEach((w, i) => w.resolve(message.tokens[i]!));
    if (inFlight.size === 0) worker?.unref();
  });
  worker?.on('error', fallBack);
  worker?.on('exit', fallBack);

  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    // A few tokens are signed here: a round trip to the worker would cost more than it saves, and a thread that has
    // to be woken up adds the scheduler's delay to each of them (p99 at low load).
    if (!worker || batch.length < INLINE_BELOW) {
      for (const w of batch) signInline(w);
      return;
    }
    const id = nextId++;
    inFlight.set(id, batch);
    worker.ref();
    const request: SignRequest = { id, payloads: batch.map((w) => w.json) };
    worker.postMessage(request);
  };

  return {
    sign(payload) {
      if (!worker) {
        try {
          return Promise.resolve(signHere(payload));
        } catch (error) {
          return Promise.reject(error);
        }
      }
      return new Promise<string>((resolve, reject) => {
        queue.push({ json: JSON.stringify(payload), resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async close() {
      const w = worker;
      if (!w) return;
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      // Signatures already asked for are answered (by the worker, or inline once it has gone).
      w.postMessage('close');
      const timeout = setTimeout(() => void w.terminate(), 2000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
