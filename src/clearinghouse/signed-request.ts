/**
 * Checking a signed request from a license server (docs/architecture.md, cross-component protocol):
 * the signature verifies with the `pub` the payload carries, `sub` is the license server ID derived from that
 * key, `aud` is the clearinghouse, `iat` is within the window of our clock, and the nonce was never seen.
 * The nonce is recorded on its own (not in the use case's transaction): a replay stays refused even when the
 * first request was refused. The usual check-in on PostgreSQL records it in the one statement that moves its chain
 * (nothing else is written before it), and any other check-in before it writes anything (`checkSignedRequest`
 * leaves it to the use case).
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

/** A signed request's nonce, checked but not recorded yet: recording it is the first thing its use case does. */
export interface PendingNonce {
  nonce: string;
  serverId: string;
  /** when the request was checked (ISO), the nonce's `seen_at` */
  at: string;
}

/**
 * Everything `verifySignedRequest` checks except the nonce, which is answered to be recorded by the caller before
 * anything else is written (`spendNonce`, or merged with the use case's own statement: activation.usecase.ts `checkIn`).
 */
export async function checkSignedRequest<B>(ctx: ChContext, request: unknown, action: SignedAction): Promise<Result<VerifiedRequest<B> & { nonce: PendingNonce }>> {
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
  return ok({ serverId, publicKeyRaw: raw, pub: pub as string, body: p.body, nonce: { nonce: p.nonce, serverId, at: now.toISOString() } });
}

/** Forgets nonces older than twice the freshness window, at most once an hour (a request that old is refused by its `iat`). */
export async function pruneNoncesIfDue(ctx: ChContext, now: Date): Promise<void> {
  if (now.getTime() - lastPrune > DAY_MS / 24) {
    lastPrune = now.getTime();
    await pruneNonces(ctx.db, new Date(now.getTime() - 2 * ctx.config.nonceWindowSeconds * 1000).toISOString());
  }
}

/** Records a checked request's nonce on its own; false when it was seen before (a replay). */
export async function spendNonce(ctx: ChContext, n: PendingNonce): Promise<boolean> {
  await pruneNoncesIfDue(ctx, new Date(n.at));
  return useNonce(ctx.db, n.nonce, n.serverId, n.at);
}

export async function verifySignedRequest<B>(ctx: ChContext, request: unknown, action: SignedAction): Promise<Result<VerifiedRequest<B>>> {
  const checked = await checkSignedRequest<B>(ctx, request, action);
  if (!checked.ok) return checked;
  const { nonce, ...verified } = checked.value;
  if (!(await spendNonce(ctx, nonce))) return refuse('SIGNED_REQUEST_REPLAYED');
  return ok(verified);
}
