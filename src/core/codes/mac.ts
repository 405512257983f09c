/**
 * The MAC of codes that carry a decision (DESIGN §3, §4): HMAC-SHA256 keyed with the code MAC key
 * that only one license server and the clearinghouse can derive (trust/codeMacKey), over
 * `"opencal/code-mac/v1/" + kind ‖ 0x00 ‖ packed fields ‖ bound data`, truncated to the code's MAC bits
 * (the leading bits of the digest). Bound data is what the MAC covers without the code carrying it: a
 * deactivation receipt binds the activation serial it ends (codec.ts `boundData`), so a receipt made before a
 * reactivation does not verify against the new activation.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bigintToBytes, bytesToBigint, type CodeKind, KIND_SPECS } from './kinds';

const TAG_PREFIX = 'opencal/code-mac/v1/';

export function macInput(kind: CodeKind, packedFields: bigint, fieldBits: number, bound: Uint8Array = new Uint8Array(0)): Uint8Array {
  const tag = new TextEncoder().encode(TAG_PREFIX + kind);
  const fields = bigintToBytes(packedFields, Math.ceil(fieldBits / 8));
  const out = new Uint8Array(tag.length + 1 + fields.length + bound.length);
  out.set(tag, 0);
  out[tag.length] = 0;
  out.set(fields, tag.length + 1);
  out.set(bound, tag.length + 1 + fields.length);
  return out;
}

export function computeMac(kind: CodeKind, packedFields: bigint, fieldBits: number, macKey: Uint8Array, bound?: Uint8Array): bigint {
  const macBits = KIND_SPECS[kind].macBits;
  if (macBits === 0) throw new Error(`a ${kind} code carries no MAC`);
  if (!(macKey instanceof Uint8Array) || macKey.length < 16) throw new Error('a code MAC key must be at least 16 bytes');
  const digest = hmac(sha256, macKey, macInput(kind, packedFields, fieldBits, bound));
  return bytesToBigint(digest) >> BigInt(256 - macBits);
}

/** Constant-time comparison of two MAC values of the same width. */
export function macEquals(a: bigint, b: bigint, bits: number): boolean {
  const len = Math.ceil(bits / 8);
  const x = bigintToBytes(a, len);
  const y = bigintToBytes(b, len);
  let diff = a >> BigInt(bits) === 0n && b >> BigInt(bits) === 0n ? 0 : 1;
  for (let i = 0; i < len; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}
