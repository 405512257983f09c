/**
 * The process-level random source. Use cases and core rules receive `randomBytes` (or a function of the same
 * shape) as an input so tests can pass a deterministic one.
 */
import { randomBytes as nodeRandomBytes, randomInt as nodeRandomInt } from 'node:crypto';

/** `n` cryptographically secure random bytes (a plain Uint8Array, not a pooled Buffer). */
export function randomBytes(n: number): Uint8Array {
  return Uint8Array.from(nodeRandomBytes(n));
}

/** A uniformly distributed integer in [min, maxInclusive]. */
export function randomInt(min: number, maxInclusive: number): number {
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(maxInclusive) || maxInclusive < min) {
    throw new RangeError(`randomInt: invalid range [${min}, ${maxInclusive}]`);
  }
  return nodeRandomInt(min, maxInclusive + 1);
}

export type RandomBytes = (n: number) => Uint8Array;
