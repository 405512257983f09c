import { describe, expect, it } from 'vitest';
import {
  CODE_KIND_LABELS,
  CODE_KINDS,
  CODE_LENGTHS,
  codeHasMac,
  dateFromDayNumber,
  dayNumber,
  decodeCode,
  encodeCode,
  formatCode,
  identifyCode,
  licenseServerIdFromPublicKey,
  normalizeCode,
  productIdFromPublicKey,
  publicKeyFromProductId,
  serverIdPrefix,
  verifyCodeMac,
} from '../../../src/core/codes/index';
import { KIND_SPECS } from '../../../src/core/codes/kinds';

const macKey = new Uint8Array(32).fill(0x42);
const publicKey = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
const keyPackFields = { packNumber: 1001, calType: 'device', calVersion: 2022, count: 25, program: 'retail', grantSeq: 1 } as const;
const keyPackId = encodeCode('keyPackId', keyPackFields, macKey);
const serverId = licenseServerIdFromPublicKey(publicKey);

function refusalOf(result: { ok: boolean; error?: { code: string; message: string; detail?: Record<string, unknown> } }) {
  expect(result.ok).toBe(false);
  return result.error!;
}

describe('code shapes', () => {
  it('each kind has the length of DESIGN §3 and is shown in groups of 5', () => {
    expect(CODE_LENGTHS).toEqual({
      packKey: 25,
      licenseServerId: 35,
      productId: 60,
      activationConfirmation: 35,
      keyPackId: 35,
      migrationCode: 45,
      deactivationReceipt: 35,
    });
    expect(keyPackId).toMatch(/^([BCDFGHJKMPQRTVWXY2346789]{5}-){6}[BCDFGHJKMPQRTVWXY2346789]{5}$/);
    expect(serverId.split('-')).toHaveLength(7);
    expect(productIdFromPublicKey(publicKey).split('-')).toHaveLength(12);
  });

  it('the capacity of each length is the largest number of bits 24^(length-4) holds, and fields plus MAC fit in it', () => {
    for (const kind of CODE_KINDS) {
      const spec = KIND_SPECS[kind];
      const room = 24n ** BigInt(spec.length - 4);
      expect(2n ** BigInt(spec.capacityBits) <= room && room < 2n ** BigInt(spec.capacityBits + 1)).toBe(true);
      const fieldBits = spec.fields.reduce((s, f) => s + f.bits, 0);
      expect(fieldBits + spec.macBits).toBeLessThanOrEqual(spec.capacityBits);
      if (codeHasMac(kind)) expect(spec.macBits).toBeGreaterThanOrEqual(48);
    }
  });

  it('codes that carry a clearinghouse or server decision carry a MAC, identity codes do not', () => {
    expect(CODE_KINDS.filter(codeHasMac)).toEqual(['activationConfirmation', 'keyPackId', 'migrationCode', 'deactivationReceipt']);
  });

  it('has a human name for every kind', () => {
    expect(CODE_KIND_LABELS.keyPackId).toBe('key pack ID');
    expect(CODE_KIND_LABELS.licenseServerId).toBe('license server ID');
    expect(Object.keys(CODE_KIND_LABELS)).toEqual([...CODE_KINDS]);
  });
});

describe('normalization', () => {
  it('accepts lowercase, spaces, hyphens and pasted dashes', () => {
    const raw = keyPackId.replaceAll('-', '');
    for (const typed of [raw.toLowerCase(), keyPackId.replaceAll('-', ' '), `  ${keyPackId.toLowerCase()}\n`, keyPackId.replaceAll('-', '\u2013'), raw.replace(/(.{3})/g, '$1 ')]) {
      const decoded = decodeCode(typed, 'keyPackId');
      expect(decoded.ok).toBe(true);
      if (decoded.ok) expect(decoded.value.formatted).toBe(keyPackId);
    }
  });

  it('formats any normalized input into groups of 5', () => {
    expect(normalizeCode(' bcd-fg hj ')).toBe('BCDFGHJ');
    expect(formatCode('bcdfghjkmpq')).toBe('BCDFG-HJKMP-Q');
  });
});

describe('refusals, in order: length, alphabet, check, kind', () => {
  it('when a character is missing, the code is refused for its length, naming the expected length and kind', () => {
    const e = refusalOf(decodeCode(keyPackId.slice(0, -1), 'keyPackId'));
    expect(e.code).toBe('CODE_WRONG_LENGTH');
    expect(e.message).toContain('key pack ID has 35 characters');
    expect(e.message).toContain('34');
    expect(e.detail).toMatchObject({ expected: [35], actual: 34 });
  });

  it('when a license server ID is typed where a pack key is expected, the length refusal names what 35 characters is', () => {
    const e = refusalOf(decodeCode(serverId, 'packKey'));
    expect(e.code).toBe('CODE_WRONG_LENGTH');
    expect(e.message).toContain('pack key has 25 characters');
    expect(e.message).toContain('license server ID');
  });

  it('when several kinds are expected, the length refusal lists their lengths', () => {
    const e = refusalOf(decodeCode('BCDFG', ['packKey', 'migrationCode']));
    expect(e.message).toContain('25 characters (5 groups of 5) or 45 characters (9 groups of 5)');
  });

  it('a length error comes before a bad character', () => {
    expect(refusalOf(decodeCode('OOOOO', 'keyPackId')).code).toBe('CODE_WRONG_LENGTH');
  });

  it('when a character is outside the alphabet, the refusal names the character and its 1-based group', () => {
    const chars = [...keyPackId.replaceAll('-', '')];
    chars[12] = '0';
    chars[30] = 'A';
    const e = refusalOf(decodeCode(chars.join(''), 'keyPackId'));
    expect(e.code).toBe('CODE_INVALID_CHARACTER');
    expect(e.detail).toEqual({ group: 3, character: '0', position: 13 });
    expect(e.message).toContain('Group 3');
  });

  it('a bad character comes before the check', () => {
    const e = refusalOf(decodeCode('O' + keyPackId.replaceAll('-', '').slice(1), 'keyPackId'));
    expect(e.code).toBe('CODE_INVALID_CHARACTER');
    expect(e.detail?.group).toBe(1);
  });

  it('when a character is mistyped, the code is refused by its check, naming the kind and asking to re-read it', () => {
    const chars = [...keyPackId.replaceAll('-', '')];
    chars[7] = chars[7] === 'B' ? 'C' : 'B';
    const e = refusalOf(decodeCode(chars.join(''), 'keyPackId'));
    expect(e.code).toBe('CODE_CHECK_FAILED');
    expect(e.message).toContain('key pack ID');
    expect(e.message).toContain('Re-read');
  });

  it('when a valid code of another kind of the same length is typed, the refusal names both kinds', () => {
    const e = refusalOf(decodeCode(serverId, 'keyPackId'));
    expect(e.code).toBe('CODE_WRONG_KIND');
    expect(e.message).toContain('license server ID');
    expect(e.message).toContain('key pack ID');
    expect(e.detail).toEqual({ expected: ['keyPackId'], actual: 'licenseServerId' });
  });

  it('accepts any of several expected kinds', () => {
    const decoded = decodeCode(serverId, ['keyPackId', 'licenseServerId']);
    expect(decoded.ok && decoded.value.kind).toBe('licenseServerId');
  });

  it('a number outside the layout (e.g. CAL version 7) with a correct check is refused as not checking out', () => {
    // data number with every bit set: fields out of range; recompute a correct check by hand
    const spec = KIND_SPECS.keyPackId;
    let v = (1n << BigInt(spec.capacityBits)) - 1n;
    const data: number[] = [];
    for (let i = 0; i < 31; i++) {
      data.unshift(Number(v % 24n));
      v /= 24n;
    }
    let s = spec.salt;
    data.forEach((d, i) => (s = (s + (i + 1) * d) % 65537));
    const check = [0, 0, 0, 0];
    for (let i = 3, x = s; i >= 0; i--, x = Math.floor(x / 24)) check[i] = x % 24;
    const code = [...data, ...check].map((d) => 'BCDFGHJKMPQRTVWXY2346789'[d]).join('');
    expect(refusalOf(decodeCode(code, 'keyPackId')).code).toBe('CODE_CHECK_FAILED');
  });
});

describe('MAC', () => {
  it('a key pack ID verifies with the key it was made with', () => {
    const decoded = decodeCode(keyPackId, 'keyPackId');
    expect(decoded.ok && verifyCodeMac(decoded.value, macKey)).toEqual({ ok: true, value: undefined });
  });

  it('a key pack ID made for another license server is refused as not made for this license server', () => {
    const other = encodeCode('keyPackId', keyPackFields, new Uint8Array(32).fill(7));
    const decoded = decodeCode(other, 'keyPackId');
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const e = refusalOf(verifyCodeMac(decoded.value, macKey));
    expect(e.code).toBe('CODE_MAC_INVALID');
    expect(e.message).toContain('not made for this license server');
  });

  it('encoding a code that needs a MAC without a key is a programmer error', () => {
    expect(() => encodeCode('keyPackId', keyPackFields)).toThrow(/MAC key/);
  });
});

describe('encodeCode refuses out-of-range fields by throwing (programmer error)', () => {
  it.each([
    ['count 0', { ...keyPackFields, count: 0 }],
    ['count above 1,000,000', { ...keyPackFields, count: 1_000_001 }],
    ['pack number above u32', { ...keyPackFields, packNumber: 2 ** 32 }],
    ['unknown CAL version', { ...keyPackFields, calVersion: 2008 }],
    ['fractional grant serial', { ...keyPackFields, grantSeq: 1.5 }],
  ])('%s', (_, fields) => {
    expect(() => encodeCode('keyPackId', fields as never, macKey)).toThrow(RangeError);
  });

  it('a pack key serial above 96 bits', () => {
    expect(() => encodeCode('packKey', { serial: 1n << 96n })).toThrow(RangeError);
  });
});

describe('identifyCode', () => {
  it('names the kind of any valid code', () => {
    expect(identifyCode(serverId)).toMatchObject({ ok: true, value: { kind: 'licenseServerId' } });
    expect(identifyCode(keyPackId.toLowerCase())).toMatchObject({ ok: true, value: { kind: 'keyPackId', fields: keyPackFields } });
    expect(identifyCode(productIdFromPublicKey(publicKey))).toMatchObject({ ok: true, value: { kind: 'productId' } });
  });

  it('refuses a length no code has, listing the lengths codes have', () => {
    const e = refusalOf(identifyCode('BCDFG-HJKMP'));
    expect(e.code).toBe('CODE_WRONG_LENGTH');
    expect(e.message).toContain('25, 35, 45 or 60');
  });
});

describe('codes derived from a public key', () => {
  it('the product ID gives back the public key', () => {
    expect(publicKeyFromProductId(productIdFromPublicKey(publicKey))).toEqual({ ok: true, value: publicKey });
  });

  it('a license server ID typed as a product ID is refused for its length', () => {
    expect(refusalOf(publicKeyFromProductId(serverId)).code).toBe('CODE_WRONG_LENGTH');
  });

  it('the license server ID changes with the key (reinstall = new ID)', () => {
    const other = Uint8Array.from(publicKey);
    other[0] = other[0]! ^ 1;
    expect(licenseServerIdFromPublicKey(other)).not.toBe(serverId);
  });

  it('serverIdPrefix reads the leading bits of the key hash, formatted or not', () => {
    const decoded = decodeCode(serverId, 'licenseServerId');
    if (!decoded.ok) throw new Error('bad fixture');
    const hash = decoded.value.fields.keyHash;
    const expected64 = BigInt('0x' + Buffer.from(hash.slice(0, 8)).toString('hex'));
    expect(serverIdPrefix(serverId)).toBe(expected64);
    expect(serverIdPrefix(serverId.replaceAll('-', '').toLowerCase())).toBe(expected64);
    expect(serverIdPrefix(serverId, 40)).toBe(expected64 >> 24n);
    expect(() => serverIdPrefix(keyPackId)).toThrow(/not a license server ID/);
  });
});

describe('day numbers', () => {
  it('count whole UTC days since 2020-01-01', () => {
    expect(dayNumber(new Date('2020-01-01T00:00:00Z'))).toBe(0);
    expect(dayNumber(new Date('2020-01-01T23:59:59Z'))).toBe(0);
    expect(dayNumber(new Date('2021-01-01T00:00:00Z'))).toBe(366);
    expect(dateFromDayNumber(366).toISOString()).toBe('2021-01-01T00:00:00.000Z');
    expect(dayNumber(dateFromDayNumber(65535))).toBe(65535);
  });
});
