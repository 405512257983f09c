import { describe, expect, it } from 'vitest';
import { CHECK_MODULUS } from '../../../src/core/codes/check';
import { CODE_KINDS, CODE_LENGTHS } from '../../../src/core/codes/index';
import { KIND_SPECS } from '../../../src/core/codes/kinds';

/**
 * Every change one substitution or one adjacent transposition can make to (written check − sum),
 * over all positions and digit values, for codes of `length` (see check.ts / docs/codes.md).
 */
function singleErrorShifts(length: number): Set<number> {
  const n = length - 4;
  const p = CHECK_MODULUS;
  const shifts = new Set<number>();
  const add = (x: number) => shifts.add(((x % p) + p) % p);
  for (let k = -23; k <= 23; k++) {
    if (k === 0) continue;
    for (let i = 0; i < n; i++) add(-(i + 1) * k); // data substitution
    add(k); // adjacent data transposition: sum changes by ±(a−b)
    for (let j = 0; j < 4; j++) add(k * 24 ** j); // check digit substitution
    for (let j = 0; j < 3; j++) add(k * (24 ** (j + 1) - 24 ** j)); // adjacent check digits swapped
    add(k * (13824 + n)); // last data digit swapped with first check digit
  }
  return shifts;
}

describe('the per-kind salts of the check', () => {
  it('are distinct, so a code of one kind never passes the check of another', () => {
    const salts = CODE_KINDS.map((k) => KIND_SPECS[k].salt);
    expect(new Set(salts).size).toBe(salts.length);
  });

  it('differ, between kinds of the same length, by no amount a single typo can produce', () => {
    for (const a of CODE_KINDS) {
      for (const b of CODE_KINDS) {
        if (a === b || CODE_LENGTHS[a] !== CODE_LENGTHS[b]) continue;
        const shifts = singleErrorShifts(CODE_LENGTHS[a]);
        const diff = (((KIND_SPECS[b].salt - KIND_SPECS[a].salt) % CHECK_MODULUS) + CHECK_MODULUS) % CHECK_MODULUS;
        expect(shifts.has(diff), `${a} -> ${b}`).toBe(false);
      }
    }
  });

  it('no single typo is invisible to the check: none of those changes is 0 mod 65537', () => {
    for (const length of new Set(Object.values(CODE_LENGTHS))) expect(singleErrorShifts(length).has(0)).toBe(false);
  });
});
