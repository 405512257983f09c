import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CODE_ALPHABET,
  CODE_KINDS,
  type CodeFields,
  type CodeKind,
  codeHasMac,
  decodeCode,
  encodeCode,
  identifyCode,
  verifyCodeMac,
} from '../../../src/core/codes/index';

const u = (bits: number) => fc.integer({ min: 0, max: 2 ** bits - 1 });
const ubig = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

const FIELDS: { [K in CodeKind]: fc.Arbitrary<CodeFields[K]> } = {
  packKey: fc.record({ serial: ubig(96) }),
  licenseServerId: fc.record({ keyHash: bytes(16) }),
  productId: fc.record({ publicKey: bytes(32) }),
  activationConfirmation: fc.record({ serial: u(32), validUntilDay: u(16) }),
  keyPackId: fc.record({
    packNumber: u(32),
    calType: fc.constantFrom('device', 'user'),
    calVersion: fc.constantFrom(2012, 2016, 2019, 2022, 2025),
    count: fc.integer({ min: 1, max: 1_000_000 }),
    program: fc.constantFrom('retail', 'open', 'select', 'enterprise', 'campus', 'school', 'spla', 'other'),
    grantSeq: u(16),
  }),
  migrationCode: fc.record({
    target: ubig(64),
    source: ubig(40),
    reason: fc.constantFrom('replaced', 'not-functioning', 'reinstalled'),
    day: u(16),
  }),
  deactivationReceipt: fc.record({ server: ubig(64), day: u(16) }),
};

const macKeyArb = bytes(32);

/** What a receipt's MAC binds besides its fields (the activation serial it ends); nothing for other kinds. */
const BINDING = { activationSerial: 7 };

function codeOf(kind: CodeKind): fc.Arbitrary<{ code: string; fields: unknown; macKey: Uint8Array }> {
  return fc
    .tuple(FIELDS[kind] as fc.Arbitrary<CodeFields[CodeKind]>, macKeyArb)
    .map(([fields, macKey]) => ({ code: encodeCode(kind, fields, macKey, BINDING), fields, macKey }));
}

describe.each(CODE_KINDS)('%s codes', (kind) => {
  it('round trip: any valid fields decode back to themselves', () => {
    fc.assert(
      fc.property(codeOf(kind), ({ code, fields, macKey }) => {
        const decoded = decodeCode(code, kind);
        expect(decoded.ok).toBe(true);
        if (!decoded.ok) return;
        expect(decoded.value.fields).toEqual(fields);
        expect(decoded.value.formatted).toBe(code);
        expect(identifyCode(code)).toEqual(decoded);
        if (codeHasMac(kind)) expect(verifyCodeMac(decoded.value, macKey, BINDING).ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('every single-character substitution and every adjacent transposition is refused by the check', () => {
    fc.assert(
      fc.property(codeOf(kind), ({ code }) => {
        const chars = [...code.replaceAll('-', '')];
        for (let i = 0; i < chars.length; i++) {
          for (const c of CODE_ALPHABET) {
            if (c === chars[i]) continue;
            const typo = [...chars];
            typo[i] = c;
            const result = decodeCode(typo.join(''), kind);
            if (result.ok || result.error.code !== 'CODE_CHECK_FAILED') {
              throw new Error(`substitution at ${i + 1} (${chars[i]} -> ${c}) of ${code}: ${JSON.stringify(result.ok ? 'accepted' : result.error.code)}`);
            }
            // the typo is not a valid code of any other kind either
            expect(identifyCode(typo.join('')).ok).toBe(false);
          }
        }
        for (let i = 0; i + 1 < chars.length; i++) {
          if (chars[i] === chars[i + 1]) continue;
          const swapped = [...chars];
          [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
          const result = decodeCode(swapped.join(''), kind);
          if (result.ok || result.error.code !== 'CODE_CHECK_FAILED') {
            throw new Error(`transposition at ${i + 1}/${i + 2} of ${code}: ${result.ok ? 'accepted' : result.error.code}`);
          }
        }
      }),
      { numRuns: 8 },
    );
  });

  if (codeHasMac(kind)) {
    it('a code made with another MAC key is refused by verifyCodeMac', () => {
      fc.assert(
        fc.property(codeOf(kind), macKeyArb, ({ code, macKey }, otherKey) => {
          fc.pre(Buffer.compare(Buffer.from(macKey), Buffer.from(otherKey)) !== 0);
          const decoded = decodeCode(code, kind);
          if (!decoded.ok) throw new Error('fixture did not decode');
          const result = verifyCodeMac(decoded.value, otherKey, BINDING);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.error.code).toBe('CODE_MAC_INVALID');
        }),
        { numRuns: 200 },
      );
    });
  }

  if (kind === 'deactivationReceipt') {
    it('a receipt made for one activation does not verify for another (its MAC binds the activation serial)', () => {
      fc.assert(
        fc.property(FIELDS.deactivationReceipt, macKeyArb, fc.integer({ min: 0, max: 0xfffffffe }), (fields, macKey, serial) => {
          const decoded = decodeCode(encodeCode('deactivationReceipt', fields, macKey, { activationSerial: serial }), 'deactivationReceipt');
          if (!decoded.ok) throw new Error('fixture did not decode');
          expect(verifyCodeMac(decoded.value, macKey, { activationSerial: serial }).ok).toBe(true);
          expect(verifyCodeMac(decoded.value, macKey, { activationSerial: serial + 1 }).ok).toBe(false);
        }),
        { numRuns: 200 },
      );
    });
  }
});

describe('the alphabet and lengths accepted as input', () => {
  it('any mix of case, spaces and hyphens is accepted', () => {
    fc.assert(
      fc.property(codeOf('keyPackId'), fc.array(fc.constantFrom('', ' ', '-', '  ', '\t'), { minLength: 35, maxLength: 35 }), fc.array(fc.boolean(), { minLength: 35, maxLength: 35 }), ({ code }, seps, lower) => {
        const typed = [...code.replaceAll('-', '')].map((c, i) => (lower[i] ? c.toLowerCase() : c) + seps[i]).join('');
        const decoded = decodeCode(typed, 'keyPackId');
        expect(decoded.ok && decoded.value.formatted).toBe(code);
      }),
    );
  });
});

describe('fuzzing the readers: only typed refusals or valid codes, never a throw', () => {
  const REFUSALS = ['CODE_WRONG_LENGTH', 'CODE_INVALID_CHARACTER', 'CODE_CHECK_FAILED', 'CODE_WRONG_KIND'];
  const expectWellBehaved = (input: string) => {
    for (const result of [identifyCode(input), decodeCode(input, 'keyPackId'), decodeCode(input, ['packKey', 'migrationCode', 'productId'])]) {
      if (result.ok) {
        expect(result.value.formatted).toMatch(/^[BCDFGHJKMPQRTVWXY2346789-]+$/);
      } else {
        expect(REFUSALS).toContain(result.error.code);
        expect(result.error.message.length).toBeGreaterThan(10);
      }
    }
  };

  it('random strings of any characters', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), expectWellBehaved), { numRuns: 2000 });
  });

  it('random bytes read as UTF-8 and Latin-1', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        expectWellBehaved(Buffer.from(b).toString('utf8'));
        expectWellBehaved(Buffer.from(b).toString('latin1'));
      }),
      { numRuns: 2000 },
    );
  });

  it('random strings over the alphabet at code lengths (mostly refused by the check, some valid)', () => {
    const len = fc.constantFrom(25, 35, 45, 60);
    const alphabetString = len.chain((n) => fc.array(fc.constantFrom(...CODE_ALPHABET), { minLength: n, maxLength: n }).map((a) => a.join('')));
    fc.assert(fc.property(alphabetString, expectWellBehaved), { numRuns: 2000 });
  });

  it('inputs that are not strings at all are refused, not thrown on', () => {
    for (const input of [undefined, null, 42, {}, []]) {
      const result = identifyCode(input as unknown as string);
      expect(result.ok === false && result.error.code).toBe('CODE_WRONG_LENGTH');
    }
  });
});
