import { sign } from 'node:crypto';
import fc from 'fast-check';
import { compactVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createKeySet, generateIdentity, signCompactJws, signJws, verifyCompactJws, verifyJws, withKid } from '../../src/trust/index';

const signer = withKid(generateIdentity(), 'ls-signer');
const other = withKid(generateIdentity(), 'ls-other');
const payload = { typ: 'opencal.request', action: 'check-in', sub: 'SERVER', iat: 1_700_000_000, nonce: 'n-0123456789', body: { note: 'Éléonore ✓ 日本' } };

const b64 = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
/** A compact JWS over any header text and payload text, signed with node:crypto as it stands. */
function forge(header: string, body: string, key = signer.privateKey): string {
  const input = `${b64(header)}.${b64(body)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

/** What jose says of a token, and what verifyCompactJws says: the payload's text, or the error's class and code. */
async function verdict(run: () => Promise<Uint8Array>): Promise<string> {
  try {
    return `payload ${Buffer.from(await run()).toString('utf8')}`;
  } catch (e) {
    return `refused ${(e as { code?: string }).code ?? (e as Error).constructor.name}`;
  }
}
async function both(token: string, key = signer.publicKey) {
  const jose = await verdict(async () => (await compactVerify(token, key, { algorithms: ['EdDSA'] })).payload);
  const ours = await verdict(() => verifyCompactJws(token, key));
  return { jose, ours };
}

describe('compact JWS with node:crypto', () => {
  it('signs byte for byte what jose signs, and jose verifies it', async () => {
    for (const p of [payload, { typ: 'opencal.check-in-receipt', counter: 12, checkpoint: { seq: 3, head: 'ab', at: 1 } }, {}]) {
      const token = signCompactJws(signer, p);
      expect(token).toBe(await signJws(signer, p));
      expect(JSON.parse(Buffer.from((await compactVerify(token, signer.publicKey)).payload).toString('utf8'))).toEqual(p);
    }
  });

  it('accepts a signed request and gives back its payload, as jose does', async () => {
    const token = await signJws(signer, payload);
    const { jose, ours } = await both(token);
    expect(ours).toBe(`payload ${JSON.stringify(payload)}`);
    expect(ours).toBe(jose);
  });

  it('refuses what jose refuses, with jose\'s error: a tampered signature or payload, another key, another alg, another form', async () => {
    const token = await signJws(signer, payload);
    const [h, p, s] = token.split('.') as [string, string, string];
    const sig = Buffer.from(s, 'base64url');
    sig[10]! ^= 0x20;
    const cases: Record<string, { token: string; key?: typeof signer.publicKey; refused: string }> = {
      'tampered signature': { token: `${h}.${p}.${sig.toString('base64url')}`, refused: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
      'tampered payload': { token: `${h}.${b64({ ...payload, sub: 'OTHER' })}.${s}`, refused: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
      'signed by another key (wrong kid)': { token: forge(JSON.stringify({ alg: 'EdDSA', kid: signer.kid }), JSON.stringify(payload), other.privateKey), refused: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
      'verified with another key': { token, key: other.publicKey, refused: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
      'alg none': { token: forge(JSON.stringify({ alg: 'none', kid: signer.kid }), JSON.stringify(payload)), refused: 'ERR_JOSE_ALG_NOT_ALLOWED' },
      'alg HS256': { token: forge(JSON.stringify({ alg: 'HS256', kid: signer.kid }), JSON.stringify(payload)), refused: 'ERR_JOSE_ALG_NOT_ALLOWED' },
      'no alg': { token: forge(JSON.stringify({ kid: signer.kid }), JSON.stringify(payload)), refused: 'ERR_JWS_INVALID' },
      'an unknown critical header': { token: forge(JSON.stringify({ alg: 'EdDSA', crit: ['x-opencal'], 'x-opencal': 1 }), JSON.stringify(payload)), refused: 'ERR_JOSE_NOT_SUPPORTED' },
      'a header that is no object': { token: forge('["EdDSA"]', JSON.stringify(payload)), refused: 'ERR_JWS_INVALID' },
      'a header that is no JSON': { token: forge('{alg:EdDSA}', JSON.stringify(payload)), refused: 'ERR_JWS_INVALID' },
      'two parts': { token: `${h}.${p}`, refused: 'ERR_JWS_INVALID' },
      'four parts': { token: `${token}.${s}`, refused: 'ERR_JWS_INVALID' },
      'a signature that is no base64url': { token: `${h}.${p}.${s.slice(0, -2)}+/`, refused: 'ERR_JWS_INVALID' },
      'a truncated signature': { token: `${h}.${p}.${s.slice(0, -4)}`, refused: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
    };
    for (const [name, c] of Object.entries(cases)) {
      const { jose, ours } = await both(c.token, c.key);
      expect({ name, ours }).toEqual({ name, ours: jose });
      expect({ name, ours }).toEqual({ name, ours: `refused ${c.refused}` });
    }
  });

  it('accepts the forms jose accepts beyond the plain one (more header members, padding), as jose does', async () => {
    const extra = forge(JSON.stringify({ alg: 'EdDSA', kid: signer.kid, cty: 'json', 'x-note': 'é' }), JSON.stringify(payload));
    const unencoded = (() => {
      const header = b64(JSON.stringify({ alg: 'EdDSA', b64: false, crit: ['b64'] }));
      const input = `${header}.plain`;
      return `${input}.${sign(null, Buffer.from(input), signer.privateKey).toString('base64url')}`;
    })();
    for (const token of [extra, unencoded]) {
      const { jose, ours } = await both(token);
      expect(ours).toBe(jose);
    }
    expect((await both(extra)).ours).toBe(`payload ${JSON.stringify(payload)}`);
  });

  // Both accept a change of the signature's last character in its unused low bits (base64 padding bits).
  it('any one character changed in a signed request gets the same verdict from both', async () => {
    const token = await signJws(signer, payload);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ é';
    await fc.assert(
      fc.asyncProperty(fc.nat(token.length - 1), fc.nat(alphabet.length - 1), async (at, c) => {
        const changed = token.slice(0, at) + alphabet[c] + token.slice(at + 1);
        const { jose, ours } = await both(changed);
        expect(ours).toBe(jose);
      }),
      { numRuns: 300 },
    );
  });

  it('through a key set, the kid picks the key: an unknown kid, a kid naming another key and a tampered signature are refused', async () => {
    const keys = createKeySet([{ kid: signer.kid, publicKey: signer.publicKey }, { kid: other.kid, publicKey: other.publicKey }]);
    const good = await signJws(signer, payload);
    expect(await verifyJws(good, keys, 'opencal.request')).toEqual({ ok: true, value: { payload, kid: signer.kid } });
    const stranger = await signJws(withKid(generateIdentity(), 'ls-stranger'), payload);
    const u = await verifyJws(stranger, keys, 'opencal.request');
    expect(u.ok ? 'ok' : u.error.code).toBe('JWS_UNKNOWN_KEY');
    const misnamed = forge(JSON.stringify({ alg: 'EdDSA', kid: other.kid }), JSON.stringify(payload));
    const r = await verifyJws(misnamed, keys, 'opencal.request');
    expect(r.ok ? 'ok' : r.error.code).toBe('JWS_SIGNATURE_INVALID');
    const [h, p, s] = good.split('.') as [string, string, string];
    const tampered = `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
    const t = await verifyJws(tampered, keys, 'opencal.request');
    expect(t.ok ? 'ok' : t.error.code).toBe('JWS_SIGNATURE_INVALID');
  });
});
