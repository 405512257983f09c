/**
 * Checking a signed request from a license server (docs/architecture.md, cross-component protocol):
 * the signature verifies with the `pub` the payload carries, `sub` is the license server ID derived from that
 * key, `aud` is the clearinghouse, `iat` is within the window of our clock, and the nonce was never seen.
 * The nonce is recorded on its own (not in the use case's transaction): a replay stays refused even when the
 * first request was refused.
 */
import { DAY_MS } from '../core/clock';
import { isRequestFresh } from '../core/clearinghouse-rules';
import { licenseServerIdFromPublicKey } from '../core/codes/index';
import type { SignedRequestPayload } from '../core/protocol';
import { ok, refuse, type Result } from '../core/result';
import type { KeyObject } from 'node:crypto';
import { base64urlDecode, decodeJwsUnverified, publicKeyFromRaw, verifyJwsWithKey } from '../trust/index';
import { pruneNonces, useNonce } from './clearinghouse.repository';
import type { ChContext } from './context';
import { findUnstorableInput, hasControlCharacters } from '../core/wire/common';

export interface VerifiedRequest<B> {
  /** the license server ID, formatted. */
  serverId: string;
  publicKeyRaw: Uint8Array;
  /** base64url of the raw public key, as carried. */
  pub: string;
  body: B;
}

export type SignedAction = 'activate' | 'reactivate' | 'deactivate' | 'install' | 'check-in' | 'holdings' | 'register-host' | 'host-registry';

let lastPrune = 0;

/**
 * The public keys of the license servers that signed recently, as KeyObjects: importing a key costs more than
 * verifying with it, and jose keeps its own conversion of each KeyObject, so a server that checks in again is
 * verified without importing its key again. Bounded; the oldest entry leaves first.
 */
const KEYS_KEPT = 10_000;
const keys = new Map<string, KeyObject>();
function keyOf(pub: string, raw: Uint8Array): KeyObject {
  let key = keys.get(pub);
  if (key === undefined) {
    key = publicKeyFromRaw(raw);
    if (keys.size >= KEYS_KEPT) keys.delete(keys.keys().next().value!);
    keys.set(pub, key);
  }
  return key;
}

export async function verifySignedRequest<B>(ctx: ChContext, request: unknown, action: SignedAction): Promise<Result<VerifiedRequest<B>>> {
  if (typeof request !== 'string' || request.length > 16_384) {
    return refuse('SIGNED_REQUEST_INVALID', { problem: 'body' });
  }
  const unverified = decodeJwsUnverified(request);
  if (!unverified.ok) return refuse('SIGNED_REQUEST_INVALID', { problem: 'jws', cause: unverified.error.code });
  const pub = unverified.value.payload.pub;
  const raw = typeof pub === 'string' ? base64urlDecode(pub) : undefined;
  if (raw === undefined || raw.length !== 32) {
    return refuse('SIGNED_REQUEST_INVALID', { problem: 'no-key' });
  }
  let key: KeyObject;
  try {
    key = keyOf(pub as string, raw);
  } catch {
    return refuse('SIGNED_REQUEST_INVALID', { problem: 'jws', cause: 'JWS_UNKNOWN_KEY' });
  }
  const verified = await verifyJwsWithKey<SignedRequestPayload<string, B>>(request, key, 'opencal.request');
  if (!verified.ok) {
    if (verified.error.code === 'JWS_SIGNATURE_INVALID') {
      return refuse('SIGNATURE_INVALID');
    }
    return refuse('SIGNED_REQUEST_INVALID', { problem: 'jws', cause: verified.error.code });
  }
  const p = verified.value.payload;
  if (p.action !== action) {
    return refuse('SIGNED_REQUEST_INVALID', { problem: 'action', action: p.action, expected: action });
  }
  const serverId = licenseServerIdFromPublicKey(raw);
  if (p.sub !== serverId) {
    return refuse('SUBJECT_MISMATCH', { sub: p.sub, serverId });
  }
  if (p.aud !== 'clearinghouse') {
    return refuse('AUDIENCE_MISMATCH');
  }
  const now = ctx.clock.now();
  if (typeof p.iat !== 'number' || !isRequestFresh(p.iat, now, ctx.config.nonceWindowSeconds)) {
    return refuse(
      'SIGNED_REQUEST_EXPIRED',
      { now: now.toISOString(), windowSeconds: ctx.config.nonceWindowSeconds },
    );
  }
  if (findUnstorableInput(p, 'request') !== undefined) return refuse('SIGNED_REQUEST_INVALID', { problem: 'body' });
  if (typeof p.nonce !== 'string' || p.nonce.length < 8 || p.nonce.length > 128 || hasControlCharacters(p.nonce)) {
    return refuse('SIGNED_REQUEST_INVALID', { problem: 'nonce' });
  }
  if (now.getTime() - lastPrune > DAY_MS / 24) {
    lastPrune = now.getTime();
    await pruneNonces(ctx.db, new Date(now.getTime() - 2 * ctx.config.nonceWindowSeconds * 1000).toISOString());
  }
  if (!(await useNonce(ctx.db, p.nonce, serverId, now.toISOString()))) {
    return refuse('SIGNED_REQUEST_REPLAYED');
  }
  return ok({ serverId, publicKeyRaw: raw, pub: pub as string, body: p.body });
}
