import { describe, expect, it } from 'vitest';
import { checkHeldKeys, currentKey, keyVerdict, revokable, signingKeyFor, type KeySetKey } from '../../src/core/key-set-rules';
import { acceptAnchor, base64urlEncode, clearinghouseKid, endorsedAnchor, generateIdentity, keySetFromJwks, signJws, verifyJws, withKid, type Identity } from '../../src/trust/index';

const NOW = new Date('2025-06-01T00:00:00Z');
const chKey = (): Identity => {
  const i = generateIdentity();
  return withKid(i, clearinghouseKid(i.publicKeyRaw));
};
const entry = (i: Identity, position: number, more: Partial<KeySetKey> = {}): KeySetKey => ({
  kid: i.kid,
  x: base64urlEncode(i.publicKeyRaw),
  position,
  notBefore: '2025-01-01T00:00:00.000Z',
  ...more,
});

describe('key set rules', () => {
  const a: KeySetKey = { kid: 'a', x: '', position: 0, notBefore: '2025-01-01T00:00:00Z', notAfter: '2025-03-01T00:00:00Z' };
  const b: KeySetKey = { kid: 'b', x: '', position: 1, notBefore: '2025-03-01T00:00:00Z' };
  const revoked: KeySetKey = { ...a, revokedAt: '2025-04-01T00:00:00Z' };
  const at = (iso: string) => Date.parse(iso) / 1000;

  it.each([
    ['a current key, any date', b, at('2030-01-01T00:00:00Z'), undefined],
    ['a retired key, a document of its time', a, at('2025-02-01T00:00:00Z'), undefined],
    ['a retired key, a document dated within the leeway after its retirement', a, at('2025-03-01T00:04:00Z'), undefined],
    ['a retired key, a document dated after its retirement', a, at('2025-03-02T00:00:00Z'), 'JWS_KEY_RETIRED'],
    ['a revoked key, a document of its time', revoked, at('2025-02-01T00:00:00Z'), 'JWS_KEY_REVOKED'],
  ] as [string, KeySetKey, number, string | undefined][])('%s', (_name, key, iat, verdict) => {
    expect(keyVerdict(key, iat)).toBe(verdict);
  });

  it('signs with the current key when held, else with the newest held key that is not revoked', () => {
    expect(currentKey([a, b])?.kid).toBe('b');
    expect(signingKeyFor([a, b], new Set(['a', 'b']))).toEqual({ key: b, stale: false });
    expect(signingKeyFor([a, b], new Set(['a']))).toEqual({ key: a, stale: true });
    expect(signingKeyFor([revoked, b], new Set(['a']))).toBeUndefined();
  });

  it('a node may hold keys of the set only, the root key among them; an empty set is a first start', () => {
    expect(checkHeldKeys([], ['x'])).toEqual({ ok: true, first: true });
    expect(checkHeldKeys([a, b], ['a', 'b'])).toEqual({ ok: true, first: false });
    expect(checkHeldKeys([a, b], ['a', 'x'])).toEqual({ ok: false, problem: 'foreign-key', foreign: ['x'], set: ['a', 'b'] });
    expect(checkHeldKeys([a, b], ['b'])).toEqual({ ok: false, problem: 'root-missing', root: 'a' });
  });

  it('the current key cannot be revoked, nor a key twice', () => {
    expect(revokable([a, b], 'a')).toBe('ok');
    expect(revokable([a, b], 'b')).toBe('current');
    expect(revokable([revoked, b], 'a')).toBe('already-revoked');
    expect(revokable([a, b], 'z')).toBe('unknown');
  });
});

describe('accepting a trust anchor (chain of custody of a rotation)', () => {
  it('takes the first set as given, and a rotated set endorsed by a trusted key; the fingerprint of the root key stays', async () => {
    const root = chKey();
    const next = chKey();
    const first = await endorsedAnchor([entry(root, 0)], [root], NOW);
    const trusted = await acceptAnchor(undefined, first, 'test');
    if (!trusted.ok) throw new Error(trusted.error.code);
    expect(trusted.value.changed).toBe(true);

    const rotated = await endorsedAnchor([entry(root, 0, { notAfter: NOW.toISOString() }), entry(next, 1)], [root, next], NOW);
    const accepted = await acceptAnchor({ keys: trusted.value.keys, stored: trusted.value.anchor.keys }, rotated, 'test');
    expect(accepted).toMatchObject({ ok: true, value: { changed: true, endorsedBy: root.kid, fingerprint: trusted.value.fingerprint } });
    if (!accepted.ok) return;
    expect(accepted.value.keys.kids).toEqual([root.kid, next.kid]);

    const same = await acceptAnchor({ keys: accepted.value.keys, stored: accepted.value.anchor.keys }, rotated, 'test');
    expect(same).toMatchObject({ ok: true, value: { changed: false } });
  });

  it('refuses a set endorsed only by keys it does not trust, or by a trusted key since revoked, and ignores unsigned edits', async () => {
    const root = chKey();
    const trusted = await acceptAnchor(undefined, await endorsedAnchor([entry(root, 0)], [root], NOW), 'test');
    if (!trusted.ok) throw new Error(trusted.error.code);
    const current = { keys: trusted.value.keys, stored: trusted.value.anchor.keys };

    const impostor = chKey();
    const foreign = await endorsedAnchor([entry(impostor, 0)], [impostor], NOW);
    expect(await acceptAnchor(current, foreign, 'test')).toMatchObject({ ok: false, error: { code: 'TRUST_ANCHOR_NOT_ENDORSED' } });
    // The same impostor set claiming the trusted fingerprint and carrying no endorsement at all.
    expect(await acceptAnchor(current, { keys: foreign.keys, fingerprint: trusted.value.fingerprint }, 'test')).toMatchObject({ ok: false, error: { code: 'TRUST_ANCHOR_NOT_ENDORSED' } });

    // An endorsed set whose unsigned copy was edited: the endorsed keys are the ones taken.
    const next = chKey();
    const rotated = await endorsedAnchor([entry(root, 0, { notAfter: NOW.toISOString() }), entry(next, 1)], [root], NOW);
    const edited = { ...rotated, keys: [...rotated.keys, foreign.keys[0]!] };
    const taken = await acceptAnchor(current, edited, 'test');
    expect(taken.ok && taken.value.keys.kids).toEqual([root.kid, next.kid]);

    // A host that missed the rotation, after the root key was revoked: only the new key endorses, it is refused.
    const withRevoked = await endorsedAnchor([entry(root, 0, { revokedAt: NOW.toISOString() }), entry(next, 1)], [next], NOW);
    expect(await acceptAnchor(current, withRevoked, 'test')).toMatchObject({ ok: false, error: { code: 'TRUST_ANCHOR_NOT_ENDORSED' } });
    // A host that knows the root key revoked: a set endorsed by that key alone is refused.
    const knows = await acceptAnchor(undefined, withRevoked, 'test');
    if (!knows.ok) throw new Error(knows.error.code);
    const byRevoked = await endorsedAnchor([entry(root, 0), entry(impostor, 1)], [root], NOW);
    expect(await acceptAnchor({ keys: knows.value.keys, stored: knows.value.anchor.keys }, byRevoked, 'test')).toMatchObject({ ok: false, error: { code: 'TRUST_ANCHOR_NOT_ENDORSED' } });
  });

  it('a key set verifies what each key signed, refuses what a revoked key signed and what a retired key signed after its retirement', async () => {
    const root = chKey();
    const next = chKey();
    const keys = keySetFromJwks({
      keys: [
        { kid: root.kid, x: base64urlEncode(root.publicKeyRaw), notAfter: '2025-05-01T00:00:00.000Z' },
        { kid: next.kid, x: base64urlEncode(next.publicKeyRaw) },
      ],
    });
    const doc = (iat: string) => ({ typ: 'opencal.grant', iat: Date.parse(iat) / 1000 });
    expect(await verifyJws(await signJws(root, doc('2025-04-01T00:00:00Z')), keys, 'opencal.grant')).toMatchObject({ ok: true });
    expect(await verifyJws(await signJws(next, doc('2025-05-02T00:00:00Z')), keys, 'opencal.grant')).toMatchObject({ ok: true });
    expect(await verifyJws(await signJws(root, doc('2025-05-02T00:00:00Z')), keys, 'opencal.grant')).toMatchObject({ ok: false, error: { code: 'JWS_KEY_RETIRED' } });
    const revoked = keySetFromJwks({ keys: [{ kid: root.kid, x: base64urlEncode(root.publicKeyRaw), revokedAt: '2025-05-01T00:00:00.000Z' }] });
    expect(await verifyJws(await signJws(root, doc('2025-04-01T00:00:00Z')), revoked, 'opencal.grant')).toMatchObject({ ok: false, error: { code: 'JWS_KEY_REVOKED' } });
  });
});
