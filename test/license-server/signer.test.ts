import { verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSigner } from '../../src/license-server/signer';
import { createKeySet, generateIdentity, signJws, verifyJws, withKid } from '../../src/trust/index';

const identity = withKid(generateIdentity(), 'KBFYQ-2RT8W-7PXMC-9HJ4D-3GVKB-6YQWT-DF8RC');
const payload = (n: number) => ({ typ: 'opencal.cal', iss: identity.kid, jti: `cal_${n}`, kind: 'temporary', device: `PC-${n}`, exp: 1_900_000_000 + n });

describe('the CAL token signer', () => {
  it('tokens signed together in the worker thread are the JWS that signJws makes, and verify', async () => {
    const signer = createSigner(identity, { threaded: true });
    try {
      const tokens = await Promise.all(Array.from({ length: 12 }, (_, n) => signer.sign(payload(n))));
      const keys = createKeySet([{ kid: identity.kid, publicKey: identity.publicKey }]);
      for (const [n, token] of tokens.entries()) {
        // Ed25519 is deterministic: the same header and payload give the same token.
        expect(token).toBe(await signJws(identity, payload(n)));
        const verified = await verifyJws<{ jti: string }>(token, keys, 'opencal.cal');
        expect(verified.ok && verified.value.payload.jti).toBe(`cal_${n}`);
        const [h, p, s] = token.split('.') as [string, string, string];
        expect(verify(null, Buffer.from(`${h}.${p}`), identity.publicKey, Buffer.from(s, 'base64url'))).toBe(true);
      }
    } finally {
      await signer.close();
    }
  });

  it('tokens signed on the calling thread (no worker) are the JWS that signJws makes, non-ASCII payloads included, and jose verifies them', async () => {
    const signer = createSigner(identity, { threaded: false });
    try {
      const keys = createKeySet([{ kid: identity.kid, publicKey: identity.publicKey }]);
      const payloads = [...Array.from({ length: 6 }, (_, n) => payload(n)), { ...payload(7), user: 'CORP\\Élodie.Müller 東京', note: 'a "quoted" / slash' }];
      const tokens = await Promise.all(payloads.map((p) => signer.sign(p)));
      for (const [n, token] of tokens.entries()) {
        expect(token).toBe(await signJws(identity, payloads[n]!));
        const verified = await verifyJws<{ jti: string }>(token, keys, 'opencal.cal');
        expect(verified.ok && verified.value.payload.jti).toBe(payloads[n]!.jti);
      }
    } finally {
      await signer.close();
    }
  });

  it('a single token is signed on the calling thread, the same way', async () => {
    const signer = createSigner(identity, { threaded: true });
    try {
      expect(await signer.sign(payload(99))).toBe(await signJws(identity, payload(99)));
    } finally {
      await signer.close();
    }
  });
});
