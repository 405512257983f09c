/**
 * Ed25519 identities (DESIGN §4): a license server's or the clearinghouse's key pair, kept in its own
 * PKCS#8 PEM file (mode 0600) outside the database, loaded once as KeyObjects.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { licenseServerIdFromPublicKey } from '../core/codes/index';

export interface Identity {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** the 32 raw bytes of the Ed25519 public key. */
  readonly publicKeyRaw: Uint8Array;
  /** JWS `kid`: the license server ID by default; the clearinghouse uses clearinghouseKid(pub). */
  readonly kid: string;
}

export function base64urlEncode(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function base64urlDecode(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

function assertEd25519(key: KeyObject, type: 'public' | 'private'): void {
  if (key.type !== type || key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`expected an Ed25519 ${type} key, got a ${key.type} ${key.asymmetricKeyType ?? 'secret'} key`);
  }
}

export function rawFromPublicKey(publicKey: KeyObject): Uint8Array {
  assertEd25519(publicKey, 'public');
  const jwk = publicKey.export({ format: 'jwk' });
  return base64urlDecode(jwk.x as string);
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (!(raw instanceof Uint8Array) || raw.length !== 32) throw new Error('an Ed25519 public key is 32 raw bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(raw) }, format: 'jwk' });
}

/** The public JWK as served by the trust anchor (`GET /ch/v1/trust`). */
export function publicKeyToJwk(publicKey: KeyObject | Uint8Array, kid?: string) {
  const raw = publicKey instanceof Uint8Array ? publicKey : rawFromPublicKey(publicKey);
  return {
    kty: 'OKP' as const,
    crv: 'Ed25519' as const,
    x: base64urlEncode(raw),
    alg: 'EdDSA' as const,
    use: 'sig' as const,
    ...(kid === undefined ? {} : { kid }),
  };
}

/** `ch-` + the first 16 characters of base64url(sha256(raw public key)). */
export function clearinghouseKid(publicKey: KeyObject | Uint8Array): string {
  const raw = publicKey instanceof Uint8Array ? publicKey : rawFromPublicKey(publicKey);
  return 'ch-' + createHash('sha256').update(raw).digest('base64url').slice(0, 16);
}

function fromKeys(privateKey: KeyObject, publicKey: KeyObject): Identity {
  assertEd25519(privateKey, 'private');
  const publicKeyRaw = rawFromPublicKey(publicKey);
  return { privateKey, publicKey, publicKeyRaw, kid: licenseServerIdFromPublicKey(publicKeyRaw) };
}

export function generateIdentity(): Identity {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return fromKeys(privateKey, publicKey);
}

export function identityFromPrivatePem(pem: string): Identity {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new Error(`the key is not a PKCS#8 PEM private key: ${(e as Error).message}`, { cause: e });
  }
  return fromKeys(privateKey, createPublicKey(privateKey));
}

export function withKid(identity: Identity, kid: string): Identity {
  return { ...identity, kid };
}

export function identityToPem(identity: Identity): string {
  return identity.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
}

/**
 * Loads the identity in `path`, or creates it (directory too) with mode 0600: `toCreate`, or a new key. Refuses, by throwing,
 * a key file that group or others may read: a leaked server key lets anyone impersonate the server.
 */
export function loadOrCreateIdentity(path: string, toCreate?: Identity): Identity {
  let pem: string;
  try {
    checkPrivate(path);
    pem = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const created = toCreate ?? generateIdentity();
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(path, identityToPem(created), { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
      return created;
    } catch (e2) {
      // Another process created it between our read and our write: use theirs.
      if ((e2 as NodeJS.ErrnoException).code !== 'EEXIST') throw e2;
      checkPrivate(path);
      pem = readFileSync(path, 'utf8');
    }
  }
  try {
    return identityFromPrivatePem(pem);
  } catch (e) {
    throw new Error(`identity key file ${path}: ${(e as Error).message}`, { cause: e });
  }
}

function checkPrivate(path: string): void {
  const mode = statSync(path).mode;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new Error(
      `identity key file ${path} has mode ${octal}: group or others can read it. Run "chmod 600 ${path}" (and make sure the key did not leak) before starting again.`,
    );
  }
}
