/**
 * The signing thread of signer.ts: signs a batch of CAL payloads (compact JWS, EdDSA, kid = license server ID)
 * with the key it was started with, and answers with the tokens in the same order.
 */
import { createPrivateKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { CompactSign } from 'jose';

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
const header = { alg: 'EdDSA', kid: data.kid };

port.on('message', async (message: SignRequest | 'close') => {
  if (message === 'close') {
    port.close();
    return;
  }
  const tokens = await Promise.all(message.payloads.map((payload) => new CompactSign(Buffer.from(payload)).setProtectedHeader(header).sign(key)));
  const answer: SignAnswer = { id: message.id, tokens };
  port.postMessage(answer);
});
