/**
 * The clearinghouse key set (DESIGN §4 "The trust anchor is a key set with validity periods"): which key signs,
 * which keys still verify, and which keys a clearinghouse node may hold. Pure: the key material and the signatures
 * are handled in src/trust; these rules decide on kids and dates only.
 *
 * A key is current from `notBefore` until a rotation retires it (`notAfter`, when its successor became current).
 * A retired key stops signing but keeps verifying what it signed while it was current, until that expires; a
 * signature that claims to be newer than the key's retirement is refused. A revoked key verifies nothing.
 * The first key of the set (position 0, the clearinghouse's root key) also derives the MAC key of the codes typed
 * on the phone (src/trust/code-mac-key.ts): a rotation never changes it, so that the codes of license servers
 * activated before a rotation keep working.
 */

/** One key of the set, as the clearinghouse records it and as the trust anchor publishes it. */
export interface KeySetKey {
  readonly kid: string;
  /** base64url of the raw Ed25519 public key */
  readonly x: string;
  /** position in the set: 0 is the root key (the code MAC key), each rotation adds the next one */
  readonly position: number;
  /** when it became the signing key (ISO 8601) */
  readonly notBefore: string;
  /** when a rotation retired it (ISO 8601); absent while it is the signing key */
  readonly notAfter?: string;
  /** when it was revoked (ISO 8601); a revoked key verifies nothing */
  readonly revokedAt?: string;
  readonly revokeReason?: string;
}

/** A signature dated this much after its key's retirement is still accepted (clocks of two nodes differ). */
export const KEY_CLOCK_LEEWAY_SECONDS = 300;

export type KeyVerdict = 'JWS_KEY_REVOKED' | 'JWS_KEY_RETIRED';

/**
 * Whether a document signed by `key` and dated `iat` (seconds; undefined when the document carries none) may be
 * trusted: undefined when it may, else the refusal code.
 */
export function keyVerdict(key: Pick<KeySetKey, 'notAfter' | 'revokedAt'>, iat: number | undefined): KeyVerdict | undefined {
  if (key.revokedAt !== undefined) return 'JWS_KEY_REVOKED';
  if (key.notAfter !== undefined && typeof iat === 'number') {
    const retired = Math.floor(Date.parse(key.notAfter) / 1000);
    if (Number.isFinite(retired) && iat > retired + KEY_CLOCK_LEEWAY_SECONDS) return 'JWS_KEY_RETIRED';
  }
  return undefined;
}

/** The key new documents are signed with: the newest key that is neither retired nor revoked. */
export function currentKey(keys: readonly KeySetKey[]): KeySetKey | undefined {
  return [...keys].filter((k) => k.notAfter === undefined && k.revokedAt === undefined).sort((a, b) => b.position - a.position)[0];
}

/**
 * The key a node signs with, given the kids of the private keys it holds: the current key when it holds it;
 * otherwise (a rotation made on another node whose key file has not been copied here yet) the newest key it holds
 * that is not revoked, with `stale: true` so the caller can say so. Undefined when it holds no usable key.
 */
export function signingKeyFor(keys: readonly KeySetKey[], held: ReadonlySet<string>): { key: KeySetKey; stale: boolean } | undefined {
  const current = currentKey(keys);
  if (current && held.has(current.kid)) return { key: current, stale: false };
  const fallback = [...keys].filter((k) => k.revokedAt === undefined && held.has(k.kid)).sort((a, b) => b.position - a.position)[0];
  return fallback ? { key: fallback, stale: true } : undefined;
}

/**
 * What a node holding the private keys `held` may do with a recorded key set (DESIGN §9, several nodes on one
 * database): keys of the set only, and the root key among them (it makes the codes). An empty set is the first
 * start: the node's root key becomes the set.
 */
export function checkHeldKeys(
  keys: readonly KeySetKey[],
  held: readonly string[],
): { ok: true; first: boolean } | { ok: false; problem: 'foreign-key'; foreign: string[]; set: string[] } | { ok: false; problem: 'root-missing'; root: string } {
  if (keys.length === 0) return { ok: true, first: true };
  const known = new Set(keys.map((k) => k.kid));
  const foreign = held.filter((kid) => !known.has(kid));
  if (foreign.length > 0) return { ok: false, problem: 'foreign-key', foreign, set: keys.map((k) => k.kid) };
  const root = keys.find((k) => k.position === 0);
  if (root && !held.includes(root.kid)) return { ok: false, problem: 'root-missing', root: root.kid };
  return { ok: true, first: false };
}

/** Whether a key may be revoked now: not unknown, not already revoked, and not the signing key (rotate first). */
export function revokable(keys: readonly KeySetKey[], kid: string): 'ok' | 'unknown' | 'already-revoked' | 'current' {
  const key = keys.find((k) => k.kid === kid);
  if (!key) return 'unknown';
  if (key.revokedAt !== undefined) return 'already-revoked';
  if (currentKey(keys)?.kid === kid) return 'current';
  return 'ok';
}
