import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeCode, encodeCode, verifyCodeMac } from '../../src/core/codes/index';
import { codeMacKey, generateIdentity, identityFromPrivatePem, isEd25519PublicKey, withKid, clearinghouseKid } from '../../src/trust/index';
import { bytesToHex, readVectors } from '../core/codes/vectors';

function identityFromSeed(seedHex: string) {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedHex, 'hex')]);
  return identityFromPrivatePem(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string);
}

const server = generateIdentity();
const clearinghouse = generateIdentity();
const chWithKid = withKid(clearinghouse, clearinghouseKid(clearinghouse.publicKey));

describe('code MAC key', () => {
  it('is the same 32 bytes on the license server and on the clearinghouse', () => {
    const onServer = codeMacKey(server, clearinghouse.publicKeyRaw);
    const onClearinghouse = codeMacKey(chWithKid, server.publicKeyRaw);
    expect(onServer).toHaveLength(32);
    expect(bytesToHex(onServer)).toBe(bytesToHex(onClearinghouse));
  });

  it('differs for any third key', () => {
    const third = generateIdentity();
    const ours = bytesToHex(codeMacKey(server, clearinghouse.publicKeyRaw));
    expect(bytesToHex(codeMacKey(third, clearinghouse.publicKeyRaw))).not.toBe(ours);
    expect(bytesToHex(codeMacKey(server, third.publicKeyRaw))).not.toBe(ours);
    expect(bytesToHex(codeMacKey(third, server.publicKeyRaw))).not.toBe(ours);
  });

  it('matches the golden vector of docs/codes.md on both sides', () => {
    const { macKeys } = readVectors();
    expect(macKeys.length).toBeGreaterThan(0);
    for (const v of macKeys) {
      const s = identityFromSeed(v.serverSeed);
      const c = identityFromSeed(v.clearinghouseSeed);
      expect(bytesToHex(codeMacKey(s, c.publicKeyRaw))).toBe(v.macKey);
      expect(bytesToHex(codeMacKey(c, s.publicKeyRaw))).toBe(v.macKey);
    }
  });

  it('a key pack ID made on the clearinghouse side verifies on the license server, and not on another server', () => {
    const keyPackId = encodeCode(
      'keyPackId',
      { packNumber: 31, calType: 'user', calVersion: 2025, count: 50, program: 'open', grantSeq: 2 },
      codeMacKey(chWithKid, server.publicKeyRaw),
    );
    const decoded = decodeCode(keyPackId, 'keyPackId');
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(verifyCodeMac(decoded.value, codeMacKey(server, clearinghouse.publicKeyRaw))).toEqual({ ok: true, value: undefined });
    const otherServer = generateIdentity();
    const refused = verifyCodeMac(decoded.value, codeMacKey(otherServer, clearinghouse.publicKeyRaw));
    expect(refused.ok === false && refused.error.code).toBe('CODE_MAC_INVALID');
  });

  it('refuses a peer key that is not a usable Ed25519 public key', () => {
    const identityPoint = new Uint8Array(32);
    identityPoint[0] = 1;
    const notOnCurve = new Uint8Array(32).fill(0xff);
    for (const bad of [identityPoint, notOnCurve, new Uint8Array(31)]) {
      expect(isEd25519PublicKey(bad)).toBe(false);
      expect(() => codeMacKey(server, bad)).toThrow(/not a valid Ed25519 public key/);
    }
    expect(isEd25519PublicKey(server.publicKeyRaw)).toBe(true);
  });
});
