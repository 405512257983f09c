import { verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeySet, decodeJwsUnverified, generateIdentity, keySetFromJwks, publicKeyToJwk, signJws, verifyJws, verifyJwsWithKey, withKid } from '../../src/trust/index';

const signer = withKid(generateIdentity(), 'ch-current');
const keys = createKeySet([{ kid: signer.kid, publicKey: signer.publicKey }]);
const payload = { typ: 'opencal.grant', sub: 'SERVER', pack: 7, seq: 1, iat: 1_700_000_000 };

const b64 = (x: unknown) => Buffer.from(JSON.stringify(x)).toString('base64url');

function codeOf(result: { ok: boolean; error?: { code: string } }) {
  return result.ok ? 'ok' : result.error!.code;
}

describe('JWS signing and verification', () => {
  it('a signed document verifies and gives back its payload and kid', async () => {
    const token = await signJws(signer, payload);
    expect(await verifyJws(token, keys, 'opencal.grant')).toEqual({ ok: true, value: { payload, kid: 'ch-current' } });
  });

  it('is standard compact JWS that an independent verifier (node:crypto alone) accepts', async () => {
    const token = await signJws(signer, payload);
    const [h, p, s] = token.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'EdDSA', kid: 'ch-current' });
    expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toEqual(payload);
    expect(verify(null, Buffer.from(`${h}.${p}`), signer.publicKey, Buffer.from(s, 'base64url'))).toBe(true);
    expect(verify(null, Buffer.from(`${h}.${p}x`), signer.publicKey, Buffer.from(s, 'base64url'))).toBe(false);
  });

  it('when the payload is altered, the signature is refused', async () => {
    const [h, , s] = (await signJws(signer, payload)).split('.');
    const forged = `${h}.${b64({ ...payload, pack: 8 })}.${s}`;
    expect(codeOf(await verifyJws(forged, keys, 'opencal.grant'))).toBe('JWS_SIGNATURE_INVALID');
  });

  it('when the signature is altered, it is refused', async () => {
    const [h, p, s] = (await signJws(signer, payload)).split('.') as [string, string, string];
    const sig = Buffer.from(s, 'base64url');
    sig[5]! ^= 1;
    expect(codeOf(await verifyJws(`${h}.${p}.${sig.toString('base64url')}`, keys, 'opencal.grant'))).toBe('JWS_SIGNATURE_INVALID');
  });

  it('a document signed by another key under a trusted kid is refused', async () => {
    const impostor = withKid(generateIdentity(), 'ch-current');
    expect(codeOf(await verifyJws(await signJws(impostor, payload), keys, 'opencal.grant'))).toBe('JWS_SIGNATURE_INVALID');
  });

  it('a document signed with a key the set does not know is refused as unknown key', async () => {
    const stranger = withKid(generateIdentity(), 'ch-stranger');
    const result = await verifyJws(await signJws(stranger, payload), keys, 'opencal.grant');
    expect(codeOf(result)).toBe('JWS_UNKNOWN_KEY');
    expect(!result.ok && result.error.message).toContain('ch-stranger');
  });

  it('a key set with two keys (rotation) accepts documents signed by either', async () => {
    const next = withKid(generateIdentity(), 'ch-next');
    const rotated = createKeySet([
      { kid: signer.kid, publicKey: signer.publicKey },
      { kid: next.kid, publicKey: next.publicKeyRaw },
    ]);
    expect(await verifyJws(await signJws(signer, payload), rotated, 'opencal.grant')).toMatchObject({ ok: true, value: { kid: 'ch-current' } });
    expect(await verifyJws(await signJws(next, payload), rotated, 'opencal.grant')).toMatchObject({ ok: true, value: { kid: 'ch-next' } });
  });

  it('a key set built from the trust anchor JWKs verifies', async () => {
    const set = keySetFromJwks({ keys: [publicKeyToJwk(signer.publicKey, signer.kid)] });
    expect(codeOf(await verifyJws(await signJws(signer, payload), set, 'opencal.grant'))).toBe('ok');
  });

  it('a document of another type is refused as the wrong type', async () => {
    const result = await verifyJws(await signJws(signer, { ...payload, typ: 'opencal.certificate' }), keys, 'opencal.grant');
    expect(codeOf(result)).toBe('JWS_WRONG_TYPE');
    expect(!result.ok && result.error.detail).toEqual({ expected: 'opencal.grant', actual: 'opencal.certificate' });
  });

  it.each([
    ['garbage', 'not a jws'],
    ['two parts', 'a.b'],
    ['empty', ''],
    ['header not JSON', `${Buffer.from('xx').toString('base64url')}.${b64(payload)}.AAAA`],
  ])('a malformed document (%s) is refused as malformed', async (_, token) => {
    expect(codeOf(await verifyJws(token, keys, 'opencal.grant'))).toBe('JWS_MALFORMED');
  });

  it('an unsigned (alg none) or HMAC document is refused as malformed', async () => {
    const none = `${b64({ alg: 'none', kid: 'ch-current' })}.${b64(payload)}.`;
    const hs = `${b64({ alg: 'HS256', kid: 'ch-current' })}.${b64(payload)}.AAAA`;
    expect(codeOf(await verifyJws(none, keys, 'opencal.grant'))).toBe('JWS_MALFORMED');
    expect(codeOf(await verifyJws(hs, keys, 'opencal.grant'))).toBe('JWS_MALFORMED');
  });

  it('a signed payload that is not a JSON object is refused as malformed', async () => {
    const token = await signJws(signer, ['not', 'an', 'object']);
    expect(codeOf(await verifyJws(token, keys, 'opencal.grant'))).toBe('JWS_MALFORMED');
  });

  it('verifyJwsWithKey checks with the given key (raw or KeyObject), whatever the kid', async () => {
    const token = await signJws(signer, payload);
    expect(await verifyJwsWithKey(token, signer.publicKeyRaw, 'opencal.grant')).toEqual({ ok: true, value: { payload, kid: 'ch-current' } });
    expect(codeOf(await verifyJwsWithKey(token, generateIdentity().publicKey, 'opencal.grant'))).toBe('JWS_SIGNATURE_INVALID');
  });

  it('decodeJwsUnverified shows header and payload without checking the signature', async () => {
    const [h, , s] = (await signJws(signer, payload)).split('.');
    const forged = `${h}.${b64({ ...payload, pack: 9 })}.${s}`;
    expect(decodeJwsUnverified(forged)).toEqual({ ok: true, value: { header: { alg: 'EdDSA', kid: 'ch-current' }, payload: { ...payload, pack: 9 } } });
    expect(codeOf(decodeJwsUnverified('nope'))).toBe('JWS_MALFORMED');
  });

  it('expiry is left to the caller: an expired document still verifies here', async () => {
    const token = await signJws(signer, { ...payload, exp: 1 });
    expect(codeOf(await verifyJws(token, keys, 'opencal.grant'))).toBe('ok');
  });
});
