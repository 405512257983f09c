/**
 * CAL tokens are compact JWS (EdDSA, kid = license server ID), byte for byte what signJws makes. An Ed25519
 * signature is the largest single cost of a CAL request (about 30 µs), so the signatures of the requests answered
 * together (4 or more) are made in one message to a worker thread, while the event loop goes on parsing and
 * answering requests; fewer are signed at once on the event loop. The token is only signed after its CAL was committed, as before. If the worker is unavailable, tokens
 * are signed on the main thread. The worker is plain JavaScript (no TypeScript loader in worker threads).
 */
import { sign as signBytes, type KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Identity } from '../trust/index';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPrivateKey, sign } = require('node:crypto');
const key = createPrivateKey({ key: Buffer.from(workerData.pkcs8), format: 'der', type: 'pkcs8' });
parentPort.on('message', (message) => {
  if (message === 'close') { parentPort.close(); return; }
  const signatures = message.inputs.map((input) => sign(null, Buffer.from(input), key).toString('base64url'));
  parentPort.postMessage({ id: message.id, signatures });
});
`;

/** batches smaller than this are signed on the calling thread. */
const INLINE_BELOW = 4;

export interface Signer {
  sign(payload: object): Promise<string>;
  close(): Promise<void>;
}

function signInline(key: KeyObject, input: string): string {
  return `${input}.${signBytes(null, Buffer.from(input), key).toString('base64url')}`;
}

/** `threaded: false` signs on the calling thread (no worker), e.g. for short-lived tools. */
export function createSigner(identity: Identity, options: { threaded?: boolean } = {}): Signer {
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: identity.kid })).toString('base64url');
  const encode = (payload: object) => `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  let worker: Worker | undefined;
  if (options.threaded !== false) {
    const pkcs8 = identity.privateKey.export({ format: 'der', type: 'pkcs8' });
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pkcs8: new Uint8Array(pkcs8) } });
    worker.unref();
  }
  const key = identity.privateKey;

  interface Waiting {
    input: string;
    resolve(token: string): void;
  }
  let queue: Waiting[] = [];
  let scheduled = false;
  let nextId = 1;
  const inFlight = new Map<number, Waiting[]>();

  const fallBack = () => {
    worker = undefined;
    for (const batch of inFlight.values()) for (const w of batch) w.resolve(signInline(key, w.input));
    inFlight.clear();
  };
  worker?.on('message', (message: { id: number; signatures: string[] }) => {
    const batch = inFlight.get(message.id);
    if (!batch) return;
    inFlight.delete(message.id);
    batch.forEach((w, i) => w.resolve(`${w.input}.${message.signatures[i]}`));
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
      for (const w of batch) w.resolve(signInline(key, w.input));
      return;
    }
    const id = nextId++;
    inFlight.set(id, batch);
    worker.ref();
    worker.postMessage({ id, inputs: batch.map((w) => w.input) });
  };

  return {
    sign(payload) {
      const input = encode(payload);
      if (!worker) return Promise.resolve(signInline(key, input));
      return new Promise<string>((resolve) => {
        queue.push({ input, resolve });
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
