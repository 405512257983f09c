import { describe, expect, it } from 'vitest';
import {
  CODE_KINDS,
  decodeCode,
  encodeCode,
  licenseServerIdFromPublicKey,
  productIdFromPublicKey,
  publicKeyFromProductId,
  serverIdPrefix,
  verifyCodeMac,
} from '../../../src/core/codes/index';
import { fieldsFromVector, hexToBytes, readVectors } from './vectors';

const { codes, publicKeys } = readVectors();
const ALPHABET = 'BCDFGHJKMPQRTVWXY2346789';
const SALTS = { packKey: 3001, licenseServerId: 11111, productId: 5003, activationConfirmation: 22222, keyPackId: 33333, migrationCode: 7001, deactivationReceipt: 44444 };

describe('golden vectors of docs/codes.md', () => {
  it('cover every kind of code', () => {
    expect(new Set(codes.map((v) => v.kind))).toEqual(new Set(CODE_KINDS));
    expect(publicKeys.length).toBeGreaterThan(0);
  });

  for (const v of codes) {
    const label = `${v.kind} ${v.code}`;
    const macKey = v.macKey === undefined ? undefined : hexToBytes(v.macKey);
    const binding = v.activationSerial === undefined ? undefined : { activationSerial: v.activationSerial };

    it(`encodes the fields of ${label} to that code`, () => {
      expect(encodeCode(v.kind, fieldsFromVector(v.kind, v.fields), macKey, binding)).toBe(v.code);
    });

    it(`decodes ${label} back to its fields, and its MAC verifies with the vector's key`, () => {
      const decoded = decodeCode(v.code, v.kind);
      expect(decoded.ok).toBe(true);
      if (!decoded.ok) return;
      expect(decoded.value.fields).toEqual(fieldsFromVector(v.kind, v.fields));
      expect(decoded.value.formatted).toBe(v.code);
      if (macKey !== undefined) expect(verifyCodeMac(decoded.value, macKey, binding)).toEqual({ ok: true, value: undefined });
    });

    it(`${label} carries the check described in docs/codes.md (independent computation)`, () => {
      const digits = [...v.code.replaceAll('-', '')].map((c) => ALPHABET.indexOf(c));
      const data = digits.slice(0, -4);
      let s = SALTS[v.kind];
      data.forEach((d, i) => (s += (i + 1) * d));
      const written = digits.slice(-4).reduce((acc, d) => acc * 24 + d, 0);
      expect(written).toBe(s % 65537);
    });
  }

  for (const v of publicKeys) {
    it(`derives the license server ID, product ID and prefixes of public key ${v.publicKey.slice(0, 8)}…`, () => {
      const raw = hexToBytes(v.publicKey);
      expect(licenseServerIdFromPublicKey(raw)).toBe(v.licenseServerId);
      expect(productIdFromPublicKey(raw)).toBe(v.productId);
      expect(publicKeyFromProductId(v.productId)).toEqual({ ok: true, value: raw });
      expect(serverIdPrefix(v.licenseServerId).toString()).toBe(v.prefix64);
      expect(serverIdPrefix(v.licenseServerId, 40).toString()).toBe(v.prefix40);
    });
  }
});
