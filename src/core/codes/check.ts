/**
 * The check carried by every code (DESIGN §3: at least 16 bits, refused before any lookup).
 *
 * check = (salt(kind) + Σ (i+1)·d_i) mod 65537 over the data digits d_0..d_{n-1}, written as 4 base-24
 * digits after the data (24^4 = 331,776 > 65,537, so the check holds log2(65537) ≈ 16 bits).
 * 65537 is prime and every weight and digit difference is non-zero and below it, so:
 * - a single substituted data digit changes the sum by (i+1)·(d'−d) ≢ 0;
 * - two swapped adjacent data digits change it by (d_i − d_{i+1}) ≢ 0;
 * - any change to the check digits alone changes the check value (base-24 writing is unique);
 * - swapping the last data digit a with the first check digit c changes the written check by
 *   13824·(a−c) and the sum by n·(c−a); both agree only if (a−c)·(13824+n) ≡ 0, impossible for a ≠ c
 *   since 0 < 13824+n < 65537.
 * The per-kind salt makes a code of one kind fail the check of another kind of the same length, so
 * it can be named (CODE_WRONG_KIND). The salts are chosen so that no single substitution or adjacent
 * transposition turns a code of one kind into a valid code of another (docs/codes.md).
 */
export const CHECK_MODULUS = 65537;
export const CHECK_DIGITS = 4;

export function checkValue(dataDigits: readonly number[], salt: number): number {
  let sum = salt;
  for (let i = 0; i < dataDigits.length; i++) sum = (sum + (i + 1) * dataDigits[i]!) % CHECK_MODULUS;
  return sum;
}
