/**
 * Codes derived from a license server's Ed25519 public key (DESIGN §3, §4): the license server ID
 * (a hash, so a reinstall with new keys is a new ID) and the product ID (the whole key, read over the
 * phone so the clearinghouse can compute the code MAC key for that server).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { type Result, ok } from '../result';
import { decodeCode, encodeCode } from './codec';
import { bytesToBigint } from './kinds';

function checkRaw(raw: Uint8Array): void {
  if (!(raw instanceof Uint8Array) || raw.length !== 32) throw new Error('an Ed25519 public key is 32 raw bytes');
}

export function licenseServerIdFromPublicKey(raw: Uint8Array): string {
  checkRaw(raw);
  return encodeCode('licenseServerId', { keyHash: sha256(raw).slice(0, 16) });
}

export function productIdFromPublicKey(raw: Uint8Array): string {
  checkRaw(raw);
  return encodeCode('productId', { publicKey: Uint8Array.from(raw) });
}

/** The 32-byte public key a typed product ID carries (refusals of decodeCode). */
export function publicKeyFromProductId(input: string): Result<Uint8Array> {
  const decoded = decodeCode(input, 'productId');
  return decoded.ok ? ok(decoded.value.fields.publicKey) : decoded;
}

/**
 * The leading `bits` bits (1..128) of a license server ID's key hash, as carried by migration codes
 * (target: 64 bits, source: 40 bits) and deactivation receipts (64 bits). Accepts the ID formatted
 * or not; throws if it is not a license server ID (callers hold IDs they have already validated).
 */
export function serverIdPrefix(serverId: string, bits = 64): bigint {
  if (!Number.isInteger(bits) || bits < 1 || bits > 128) throw new RangeError('bits must be 1..128');
  const decoded = decodeCode(serverId, 'licenseServerId');
  if (!decoded.ok) throw new Error(`not a license server ID: ${decoded.error.message}`);
  return bytesToBigint(decoded.value.fields.keyHash) >> BigInt(128 - bits);
}
