/**
 * The key of the MAC carried by phone-sized codes (DESIGN §4): codes cannot carry a signature, so the
 * license server and the clearinghouse each derive the same secret from their own private key and the
 * other's public key (Ed25519 keys converted to X25519, then HKDF-SHA256). Nobody else can make or
 * check a code for that server.
 */
import type { KeyObject } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64urlDecode, type Identity } from './identity';

const SALT = new TextEncoder().encode('opencal/code-mac/v1');
const montgomerySecrets = new WeakMap<KeyObject, Uint8Array>();

function montgomerySecret(privateKey: KeyObject): Uint8Array {
  let secret = montgomerySecrets.get(privateKey);
  if (secret === undefined) {
    const seed = base64urlDecode(privateKey.export({ format: 'jwk' }).d as string);
    secret = ed25519.utils.toMontgomerySecret(seed);
    montgomerySecrets.set(privateKey, secret);
  }
  return secret;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Whether `raw` is a valid Ed25519 public key (a product ID read over the phone may not be). */
export function isEd25519PublicKey(raw: Uint8Array): boolean {
  if (!(raw instanceof Uint8Array) || raw.length !== 32) return false;
  try {
    const point = ed25519.Point.fromBytes(raw);
    point.assertValidity();
    // A small-order point would make the X25519 secret predictable (all zero).
    return !point.isSmallOrder();
  } catch {
    return false;
  }
}

/**
 * 32 bytes: HKDF-SHA256(X25519(own, peer), salt "opencal/code-mac/v1", info = the two raw Ed25519
 * public keys in byte order). Throws if `peerPublicRaw` is not a usable Ed25519 public key.
 */
export function codeMacKey(own: Identity, peerPublicRaw: Uint8Array): Uint8Array {
  if (!isEd25519PublicKey(peerPublicRaw)) throw new Error('the peer public key is not a valid Ed25519 public key');
  const shared = x25519.getSharedSecret(montgomerySecret(own.privateKey), ed25519.utils.toMontgomery(peerPublicRaw));
  const [a, b] = [own.publicKeyRaw, peerPublicRaw].sort(compareBytes) as [Uint8Array, Uint8Array];
  const info = new Uint8Array(a.length + b.length);
  info.set(a, 0);
  info.set(b, a.length);
  return hkdf(sha256, shared, SALT, info, 32);
}
