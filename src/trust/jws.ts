/**
 * Signed documents as standard compact JWS, alg EdDSA, with a `kid` header (DESIGN §4), made and
 * checked with jose (node:crypto verifies the plain form first, with jose's verdicts: compact-jws.ts). The document type is the payload's `typ`, so a certificate is never accepted
 * where a CAL token is expected. Expiry is the caller's business, against its Clock: jose's own clock
 * checks are not used.
 */
import type { KeyObject } from 'node:crypto';
import { CompactSign, decodeProtectedHeader, errors } from 'jose';
import { keyVerdict } from '../core/key-set-rules';
import { type Result, ok, refuse } from '../core/result';
import { verifyCompactJws } from './compact-jws';
import { base64urlDecode, type Identity, publicKeyFromRaw } from './identity';

export type JwsRefusalCode = 'JWS_MALFORMED' | 'JWS_UNKNOWN_KEY' | 'JWS_SIGNATURE_INVALID' | 'JWS_WRONG_TYPE' | 'JWS_KEY_REVOKED' | 'JWS_KEY_RETIRED';

/** The validity of a key of a set (core/key-set-rules.ts): when a rotation retired it, when it was revoked. */
export interface KeyValidity {
  /** ISO 8601: documents dated after this (plus a leeway) are refused as JWS_KEY_RETIRED */
  notAfter?: string;
  /** ISO 8601: every document it signed is refused as JWS_KEY_REVOKED */
  revokedAt?: string;
}

/** Public keys by `kid`, with their validity; several keys make rotation possible. */
export interface KeySet {
  get(kid: string): KeyObject | undefined;
  validity(kid: string): KeyValidity | undefined;
  readonly kids: readonly string[];
}

export function createKeySet(entries: readonly ({ kid: string; publicKey: KeyObject | Uint8Array } & KeyValidity)[]): KeySet {
  const map = new Map<string, KeyObject>();
  const validity = new Map<string, KeyValidity>();
  for (const { kid, publicKey, notAfter, revokedAt } of entries) {
    const key = publicKey instanceof Uint8Array ? publicKeyFromRaw(publicKey) : publicKey;
    if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') throw new Error(`key ${kid} is not an Ed25519 public key`);
    map.set(kid, key);
    validity.set(kid, { ...(notAfter !== undefined ? { notAfter } : {}), ...(revokedAt !== undefined ? { revokedAt } : {}) });
  }
  return { get: (kid) => map.get(kid), validity: (kid) => validity.get(kid), kids: [...map.keys()] };
}

/** A key set from the trust anchor's JWKs (`{ keys: [{ kid, x, notAfter?, revokedAt?, ... }] }`). */
export function keySetFromJwks(jwks: { keys: readonly { kid?: string; x?: string; notAfter?: string; revokedAt?: string }[] }): KeySet {
  return createKeySet(
    jwks.keys.map((k) => {
      if (typeof k.kid !== 'string' || typeof k.x !== 'string') throw new Error('a trust anchor key needs kid and x');
      if ((k.notAfter !== undefined && typeof k.notAfter !== 'string') || (k.revokedAt !== undefined && typeof k.revokedAt !== 'string')) {
        throw new Error(`key ${k.kid}: notAfter and revokedAt are dates`);
      }
      return {
        kid: k.kid,
        publicKey: base64urlDecode(k.x),
        ...(k.notAfter !== undefined ? { notAfter: k.notAfter } : {}),
        ...(k.revokedAt !== undefined ? { revokedAt: k.revokedAt } : {}),
      };
    }),
  );
}

export async function signJws(identity: Identity, payload: object): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(payload));
  return new CompactSign(bytes).setProtectedHeader({ alg: 'EdDSA', kid: identity.kid }).sign(identity.privateKey);
}

/** Header and payload, NOT verified: for display and for picking the key set. */
export function decodeJwsUnverified(token: string): Result<{ header: Record<string, unknown>; payload: Record<string, unknown> }> {
  try {
    if (typeof token !== 'string') throw new Error('not a string');
    const header = decodeProtectedHeader(token) as Record<string, unknown>;
    const parts = token.split('.');
    if (parts.length !== 3) throw new Error('not a compact JWS');
    const payload = parsePayload(base64urlDecode(parts[1]!));
    if (payload === undefined) throw new Error('payload is not a JSON object');
    return ok({ header, payload });
  } catch {
    return malformed();
  }
}

/**
 * Verifies against a key set: the header's `kid` picks the key; a revoked key verifies nothing, a retired key
 * nothing dated after its retirement (core/key-set-rules.ts). `anyDate` skips the retirement check: a retired key
 * still endorses the key set that replaced it (the chain of custody of a rotation).
 */
export async function verifyJws<T>(token: string, keys: KeySet, expectedTyp: string, options: { anyDate?: boolean } = {}): Promise<Result<{ payload: T; kid: string }>> {
  let header: Record<string, unknown>;
  try {
    if (typeof token !== 'string') return malformed();
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return malformed();
  }
  if (typeof header.kid !== 'string') return malformed('kid');
  const key = keys.get(header.kid);
  if (key === undefined) {
    return refuse(
      'JWS_UNKNOWN_KEY',
      { kid: header.kid, known: [...keys.kids] },
    );
  }
  const validity = keys.validity(header.kid) ?? {};
  if (validity.revokedAt !== undefined) return refuse('JWS_KEY_REVOKED', { kid: header.kid, revokedAt: validity.revokedAt });
  const verified = await verifyWithKeyObject<T>(token, key, expectedTyp, header.kid);
  if (!verified.ok || options.anyDate) return verified;
  const iat = (verified.value.payload as { iat?: unknown }).iat;
  if (keyVerdict(validity, typeof iat === 'number' ? iat : undefined) === 'JWS_KEY_RETIRED') {
    return refuse('JWS_KEY_RETIRED', { kid: header.kid, retiredAt: validity.notAfter ?? '' });
  }
  return verified;
}

/** Verifies with one given key (e.g. a signed request checked with the `pub` it carries). */
export async function verifyJwsWithKey<T>(
  token: string,
  publicKey: KeyObject | Uint8Array,
  expectedTyp: string,
): Promise<Result<{ payload: T; kid: string }>> {
  let header: Record<string, unknown>;
  try {
    if (typeof token !== 'string') return malformed();
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return malformed();
  }
  let key: KeyObject;
  try {
    key = publicKey instanceof Uint8Array ? publicKeyFromRaw(publicKey) : publicKey;
  } catch {
    return refuse('JWS_UNKNOWN_KEY', { problem: 'not-ed25519' });
  }
  return verifyWithKeyObject<T>(token, key, expectedTyp, typeof header.kid === 'string' ? header.kid : '');
}

async function verifyWithKeyObject<T>(token: string, key: KeyObject, expectedTyp: string, kid: string): Promise<Result<{ payload: T; kid: string }>> {
  let bytes: Uint8Array;
  try {
    bytes = await verifyCompactJws(token, key);
  } catch (e) {
    if (e instanceof errors.JWSSignatureVerificationFailed) {
      return refuse('JWS_SIGNATURE_INVALID', { kid });
    }
    if (e instanceof errors.JOSEAlgNotAllowed) return malformed('alg');
    if (e instanceof errors.JOSEError) return malformed();
    throw e;
  }
  const payload = parsePayload(bytes);
  if (payload === undefined) return malformed('payload');
  if (payload.typ !== expectedTyp) {
    return refuse(
      'JWS_WRONG_TYPE',
      { expected: expectedTyp, actual: payload.typ ?? null },
    );
  }
  return ok({ payload: payload as T, kid });
}

function parsePayload(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function malformed(why?: 'kid' | 'alg' | 'payload') {
  return refuse('JWS_MALFORMED', why === undefined ? undefined : { why });
}
