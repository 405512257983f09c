/**
 * The signing thread of signer.ts: signs a batch of CAL payloads (compact JWS, EdDSA, kid = license server ID,
 * node:crypto over the fixed header, as signer.ts does on the main thread) with the key it was started with, and
 * answers with the tokens in the same order.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

/** What signer.ts starts the thread with. */
export interface SignerWorkerData {
  pkcs8: Uint8Array;
  kid: string;
}

/** A batch to sign: JSON payloads; the answer carries the same id. */
export interface SignRequest {
  id: number;
  payloads: string[];
}

export interface SignAnswer {
  id: number;
  tokens: string[];
}

const port = parentPort;
if (!port) throw new Error('signer.worker.ts runs as a worker thread (see signer.ts)');
const data = workerData as SignerWorkerData;
const key = createPrivateKey({ key: Buffer.from(data.pkcs8), format: 'der', type: 'pkcs8' });
// The same bytes as signer.ts's encodedHeader (not imported: the thread loads nothing but node:crypto).
const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: data.kid })).toString('base64url');

port.on('message', (message: SignRequest | 'close') => {
  if (message === 'close') {
    port.close();
    return;
  }
  const tokens = message.payloads.map((payload) => {
    const input = `${header}.${Buffer.from(payload).toString('base64url')}`;
    return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
  });
  const answer: SignAnswer = { id: message.id, tokens };
  port.postMessage(answer);
});
