/**
 * Compact EdDSA JWS with node:crypto, for the paths that sign or verify once per request (the clearinghouse's
 * check-in). Same bytes and same verdicts as jose (jws.ts):
 *
 * - `signCompactJws` makes exactly what `signJws` makes (header `{"alg":"EdDSA","kid":…}`, the payload's JSON,
 *   base64url without padding; Ed25519 signatures are deterministic), synchronously and without WebCrypto.
 * - `verifyCompactJws` answers the payload of a JWS in the plain form this project makes (base64url parts,
 *   an ASCII header holding only `alg: "EdDSA"`, `kid` and `typ`, a 64-byte signature) when its signature verifies
 *   with node:crypto; anything else — another form, another algorithm, a signature that fails — is handed to jose,
 *   so every refusal is jose's own and nothing jose refuses is accepted.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { compactVerify } from 'jose';
import type { Identity } from './identity';

const headers = new Map<string, string>();

/** The base64url protected header jose writes for `{ alg: 'EdDSA', kid }`. */
function headerOf(kid: string): string {
  let h = headers.get(kid);
  if (h === undefined) {
    h = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid })).toString('base64url');
    if (headers.size >= 64) headers.clear();
    headers.set(kid, h);
  }
  return h;
}

/** `signJws(identity, payload)`'s compact JWS, byte for byte, made synchronously with node:crypto. */
export function signCompactJws(identity: Identity, payload: object): string {
  const input = `${headerOf(identity.kid)}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), identity.privateKey).toString('base64url')}`;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const HEADER_MEMBERS = new Set(['alg', 'kid', 'typ']);

/** The payload bytes of `token` verified with `key` (an Ed25519 public key); throws jose's errors as jose does. */
export async function verifyCompactJws(token: string, key: KeyObject): Promise<Uint8Array> {
  const payload = plainAndValid(token, key);
  if (payload !== undefined) return payload;
  return (await compactVerify(token, key, { algorithms: ['EdDSA'] })).payload;
}

function plainAndValid(token: string, key: KeyObject): Uint8Array | undefined {
  if (typeof token !== 'string' || key.asymmetricKeyType !== 'ed25519' || key.type !== 'public') return undefined;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) return undefined;
  const header = token.slice(0, first);
  const payload = token.slice(first + 1, second);
  const signature = token.slice(second + 1);
  // 86 characters are the 64 bytes of an Ed25519 signature; a length of 4n+1 is no base64 at all.
  if (signature.length !== 86 || header.length % 4 === 1 || payload.length % 4 === 1) return undefined;
  if (!BASE64URL.test(header) || !BASE64URL.test(payload) || !BASE64URL.test(signature)) return undefined;
  const headerBytes = Buffer.from(header, 'base64url');
  if (headerBytes.some((b) => b > 0x7f)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(headerBytes.toString('latin1'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  if (!Object.keys(parsed).every((k) => HEADER_MEMBERS.has(k)) || (parsed as { alg?: unknown }).alg !== 'EdDSA') return undefined;
  if (!verify(null, Buffer.from(token.slice(0, second), 'latin1'), key, Buffer.from(signature, 'base64url'))) return undefined;
  return new Uint8Array(Buffer.from(payload, 'base64url'));
}
