/**
 * CAL tokens are compact JWS (EdDSA, kid = license server ID), made by the JOSE library (jose's CompactSign) like
 * every signed document of OpenCAL (DESIGN §4: no home-made encoding). An Ed25519 signature is the largest single
 * cost of a CAL request, so the tokens of the requests answered together (4 or more) are signed in one message to
 * a worker thread, while the event loop goes on parsing and answering requests; fewer are signed on the event loop
 * with signJws. A token is only signed after its CAL was committed. If the worker is unavailable, tokens are
 * signed on the main thread. The worker is signer.worker.ts (started by platform/worker.ts).
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../platform/worker';
import { signJws, type Identity } from '../trust/index';
import type { SignAnswer, SignRequest, SignerWorkerData } from './signer.worker';


/** batches smaller than this are signed on the calling thread. */
const INLINE_BELOW = 4;

export interface Signer {
  sign(payload: object): Promise<string>;
  close(): Promise<void>;
}

/** `threaded: false` signs on the calling thread (no worker), e.g. for short-lived tools. */
export function createSigner(identity: Identity, options: { threaded?: boolean } = {}): Signer {
  let worker: Worker | undefined;
  if (options.threaded !== false) {
    const pkcs8 = identity.privateKey.export({ format: 'der', type: 'pkcs8' });
    const workerData: SignerWorkerData = { pkcs8: new Uint8Array(pkcs8), kid: identity.kid };
    worker = startWorker(import.meta.url, 'signer', { workerData });
    worker.unref();
  }
  const signInline = (w: Waiting) => void signJws(identity, w.payload).then(w.resolve, w.reject);

  interface Waiting {
    payload: object;
    json: string;
    resolve(token: string): void;
    reject(error: unknown): void;
  }
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
      if (!worker) return signJws(identity, payload);
      return new Promise<string>((resolve, reject) => {
        queue.push({ payload, json: JSON.stringify(payload), resolve, reject });
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
