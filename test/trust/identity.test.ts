import { createPublicKey } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { licenseServerIdFromPublicKey } from '../../src/core/codes/index';
import {
  clearinghouseKid,
  generateIdentity,
  identityFromPrivatePem,
  identityToPem,
  loadOrCreateIdentity,
  publicKeyFromRaw,
  publicKeyToJwk,
  rawFromPublicKey,
  withKid,
} from '../../src/trust/index';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'opencal-identity-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('identity key file', () => {
  it('is created with mode 0600 (directory too) and reloads to the same key', () => {
    const path = join(dir, 'data', 'nested', 'identity.key');
    const created = loadOrCreateIdentity(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const reloaded = loadOrCreateIdentity(path);
    expect(reloaded.publicKeyRaw).toEqual(created.publicKeyRaw);
    expect(reloaded.kid).toBe(created.kid);
  });

  it('when the key file is readable by group or others, loading it is refused with the fix to apply', () => {
    const path = join(dir, 'identity.key');
    loadOrCreateIdentity(path);
    chmodSync(path, 0o644);
    expect(() => loadOrCreateIdentity(path)).toThrow(/mode 0644.*chmod 600/);
  });

  it('when the key file is not a private key, loading it fails naming the file', () => {
    const path = join(dir, 'identity.key');
    writeFileSync(path, 'not a key', { mode: 0o600 });
    expect(() => loadOrCreateIdentity(path)).toThrow(/identity\.key.*PKCS#8/);
  });
});

describe('identity', () => {
  it('is Ed25519 with a 32-byte raw public key and the license server ID as default kid', () => {
    const id = generateIdentity();
    expect(id.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(id.publicKeyRaw).toHaveLength(32);
    expect(id.kid).toBe(licenseServerIdFromPublicKey(id.publicKeyRaw));
  });

  it('round-trips through its PEM', () => {
    const id = generateIdentity();
    expect(identityFromPrivatePem(identityToPem(id)).publicKeyRaw).toEqual(id.publicKeyRaw);
  });

  it('withKid sets the kid; the clearinghouse kid is ch- and 16 characters of base64url(sha256(pub))', () => {
    const id = generateIdentity();
    const kid = clearinghouseKid(id.publicKey);
    expect(kid).toMatch(/^ch-[A-Za-z0-9_-]{16}$/);
    expect(clearinghouseKid(id.publicKeyRaw)).toBe(kid);
    expect(withKid(id, kid).kid).toBe(kid);
    expect(withKid(id, kid).publicKeyRaw).toEqual(id.publicKeyRaw);
  });

  it('raw public keys, KeyObjects and JWKs convert into each other', () => {
    const id = generateIdentity();
    expect(rawFromPublicKey(publicKeyFromRaw(id.publicKeyRaw))).toEqual(id.publicKeyRaw);
    const jwk = publicKeyToJwk(id.publicKey, 'k1');
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: 'k1' });
    expect(rawFromPublicKey(createPublicKey({ key: jwk, format: 'jwk' }))).toEqual(id.publicKeyRaw);
  });
});
