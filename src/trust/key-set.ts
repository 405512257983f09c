/**
 * The trust anchor as a key set (DESIGN §4): the clearinghouse publishes its keys with their validity, each
 * endorsement a JWS of the whole set (`opencal.keyset`) signed by one of its keys that is not revoked. A verifier
 * that already trusts a set accepts a new one only when a key of the set it trusts endorses it (the chain of
 * custody of a rotation); a set nobody it trusts endorsed is refused, whatever fingerprint it claims. The
 * fingerprint is that of the root key (the set's first key), so a pin survives rotations.
 */
import { createHash } from 'node:crypto';
import type { KeySetKey } from '../core/key-set-rules';
import { ok, refuse, type Result } from '../core/result';
import { base64urlDecode, type Identity, publicKeyToJwk } from './identity';
import { decodeJwsUnverified, type KeySet, keySetFromJwks, signJws, verifyJws } from './jws';

/** A public key of the anchor: a JWK with the key's validity, `codes: true` on the root key. */
export interface AnchorKey {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  alg: 'EdDSA';
  use: 'sig';
  kid?: string;
  notBefore?: string;
  notAfter?: string;
  revokedAt?: string;
  codes?: boolean;
}

/** `GET /ch/v1/trust`. */
export interface AnchorDocument {
  keys: AnchorKey[];
  fingerprint: string;
  /** JWS of `{ typ: 'opencal.keyset', keys, fingerprint, iat }`, one per key of the set that signs it */
  endorsements?: string[];
}

interface KeySetPayload {
  typ: 'opencal.keyset';
  keys: AnchorKey[];
  fingerprint: string;
  iat: number;
}

/** hex sha256 of the root key's raw bytes: what an administrator pins. */
export function rootFingerprint(raw: Uint8Array): string {
  return createHash('sha256').update(raw).digest('hex');
}

/** The anchor's keys, root first, as JWKs with their validity. */
export function anchorKeys(keys: readonly KeySetKey[]): AnchorKey[] {
  return [...keys]
    .sort((a, b) => a.position - b.position)
    .map((k) => ({
      ...publicKeyToJwk(base64urlDecode(k.x), k.kid),
      notBefore: k.notBefore,
      ...(k.notAfter !== undefined ? { notAfter: k.notAfter } : {}),
      ...(k.revokedAt !== undefined ? { revokedAt: k.revokedAt } : {}),
      ...(k.position === 0 ? { codes: true } : {}),
    }));
}

/** The anchor document, endorsed by each of `signers` (the keys of the set this node holds that are not revoked). */
export async function endorsedAnchor(keys: readonly KeySetKey[], signers: readonly Identity[], now: Date): Promise<AnchorDocument> {
  const published = anchorKeys(keys);
  const root = published.find((k) => k.codes) ?? published[0];
  const fingerprint = root ? rootFingerprint(base64urlDecode(root.x)) : '';
  const payload: KeySetPayload = { typ: 'opencal.keyset', keys: published, fingerprint, iat: Math.floor(now.getTime() / 1000) };
  const endorsements = await Promise.all(signers.map((s) => signJws(s, payload)));
  return { keys: published, fingerprint, endorsements };
}

/** The key the codes' MAC derives from: the root key (`codes: true`), or the first one of an older anchor. */
export function codeKeyOf(anchor: { keys: readonly { x: string; codes?: boolean }[] }): Uint8Array {
  const key = anchor.keys.find((k) => k.codes === true) ?? anchor.keys[0];
  if (!key) throw new Error('the trust anchor lists no key');
  return base64urlDecode(key.x);
}

export interface AcceptedAnchor {
  keys: KeySet;
  /** what to store: the keys as the endorsement (or, the first time, the answer) gives them */
  anchor: { keys: AnchorKey[]; fingerprint: string };
  fingerprint: string;
  /** false when the set is the one already trusted */
  changed: boolean;
  /** kid of the trusted key whose endorsement was accepted (absent the first time) */
  endorsedBy?: string;
}

function canonicalKeys(keys: readonly Partial<AnchorKey>[]): string {
  return JSON.stringify(
    keys.map((k) => [k.kid ?? '', k.x ?? '', k.notBefore ?? '', k.notAfter ?? '', k.revokedAt ?? '', k.codes === true]),
  );
}

/**
 * Decides on a trust anchor received from the clearinghouse (or a file), given the set trusted now (undefined the
 * first time) and its keys as stored. The first time the answer is taken as it is (the caller checks the pin);
 * afterwards a different set must carry an endorsement by a trusted key that is not revoked, and its keys are the
 * endorsed ones — never the unsigned copy beside them. Refusals: TRUST_ANCHOR_INVALID, TRUST_ANCHOR_NOT_ENDORSED.
 */
export async function acceptAnchor(
  trusted: { keys: KeySet; stored: readonly Partial<AnchorKey>[] } | undefined,
  answer: { keys?: unknown; endorsements?: unknown; fingerprint?: unknown },
  source: string,
): Promise<Result<AcceptedAnchor>> {
  if (!Array.isArray(answer.keys) || answer.keys.length === 0) return refuse('TRUST_ANCHOR_INVALID', { source, problem: 'empty' });
  let candidate: AnchorKey[] = answer.keys as AnchorKey[];
  let endorsedBy: string | undefined;
  if (trusted !== undefined && canonicalKeys(candidate) !== canonicalKeys(trusted.stored)) {
    const endorsements = Array.isArray(answer.endorsements) ? answer.endorsements.filter((e): e is string => typeof e === 'string') : [];
    let accepted: KeySetPayload | undefined;
    for (const e of endorsements) {
      const header = decodeJwsUnverified(e);
      if (!header.ok || typeof header.value.header.kid !== 'string' || trusted.keys.get(header.value.header.kid) === undefined) continue;
      const verified = await verifyJws<KeySetPayload>(e, trusted.keys, 'opencal.keyset', { anyDate: true });
      if (verified.ok && Array.isArray(verified.value.payload.keys) && verified.value.payload.keys.length > 0) {
        accepted = verified.value.payload;
        endorsedBy = verified.value.kid;
        break;
      }
    }
    if (!accepted) return refuse('TRUST_ANCHOR_NOT_ENDORSED', { source, trusted: [...trusted.keys.kids], offered: candidate.map((k) => k.kid ?? '') });
    candidate = accepted.keys;
  }
  let keys: KeySet;
  let fingerprint: string;
  try {
    keys = keySetFromJwks({ keys: candidate });
    fingerprint = rootFingerprint(codeKeyOf({ keys: candidate }));
  } catch (e) {
    return refuse('TRUST_ANCHOR_INVALID', { source, reason: (e as Error).message });
  }
  const changed = trusted === undefined || canonicalKeys(candidate) !== canonicalKeys(trusted.stored);
  return ok({ keys, anchor: { keys: candidate, fingerprint }, fingerprint, changed, ...(endorsedBy !== undefined ? { endorsedBy } : {}) });
}
