/**
 * The clearinghouse key set (DESIGN §4 "keys rotate", §9 "several nodes on one database"): the key ring a node
 * signs with, its check at start, `ch keys rotate` and `ch keys revoke KID`, and the trust anchor it serves.
 *
 * Signing happens inside transactions, so the ring answers from memory: it reads the set at start, after a
 * rotation or revocation made here, and before each change when its copy is older than a few seconds (a rotation
 * made on another node). A node that does not hold the current key (its file not copied here yet) signs with the
 * newest key it holds that is not revoked, and says so once (event 9062).
 */
import { checkHeldKeys, currentKey, revokable, signingKeyFor, type KeySetKey } from '../core/key-set-rules';
import { ok, refuse, refusal, type Refusal, type Result } from '../core/result';
import type { Clock } from '../core/clock';
import type { Change } from '../storage/change';
import { base64urlEncode, decodeJwsUnverified, endorsedAnchor, signJws, type AnchorDocument, type Identity, type KeyFiles } from '../trust/index';
import type { AuditEntry, ChDb, ChTables } from './clearinghouse.repository';
import type { ChContext } from './context';
import { insertKey, listKeys, replaceCertificate, replaceGrant, retireOthers, revokeKeyRow, signedDocuments } from './keys.repository';

/** How old the ring's copy of the set may be before a change reads it again. */
const KEY_SET_MAX_AGE_MS = 5_000;

export interface KeyRing {
  /** the root key (position 0): the codes' MAC key derives from it */
  readonly root: Identity;
  /** the key new documents are signed with */
  signer(): Identity;
  /** the set as last read */
  set(): readonly KeySetKey[];
  /** kids of the private keys this node holds */
  held(): ReadonlySet<string>;
  /** a private key this node holds */
  identity(kid: string): Identity | undefined;
  /** reads the set again (and the key files, when the current key is not held here) */
  refresh(): Promise<void>;
  refreshIfStale(): Promise<void>;
  readonly files: KeyFiles;
}

/**
 * Opens the ring at start: an empty set (first start) records this node's root key; otherwise every key held
 * must be in the set and the root key among them, or the node refuses to start (CLEARINGHOUSE_KEY_NOT_IN_SET,
 * CLEARINGHOUSE_KEY_MISSING), event 9063.
 */
export async function openKeyRing(deps: { db: ChDb; files: KeyFiles; clock: Clock; change: Change<ChTables, AuditEntry> }): Promise<Result<KeyRing>> {
  const { db, files, clock, change } = deps;
  let held = files.load();
  let set = await listKeys(db);
  if (set.length === 0) {
    const root = held[0] ?? files.createRoot();
    if (held.length === 0) held = [root];
    await insertKey(db, { kid: root.kid, x: base64urlEncode(root.publicKeyRaw), position: 0, at: clock.now().toISOString() });
    set = await listKeys(db);
  }
  const check = checkHeldKeys(
    set,
    held.map((k) => k.kid),
  );
  if (!check.ok) {
    const refused: Refusal =
      check.problem === 'foreign-key'
        ? refusal('CLEARINGHOUSE_KEY_NOT_IN_SET', { where: files.where, foreign: check.foreign, set: check.set })
        : refusal('CLEARINGHOUSE_KEY_MISSING', { where: files.where, root: check.root });
    await change.event(9063, { where: files.where, code: refused.code, keys: check.problem === 'foreign-key' ? check.foreign.join(', ') : check.root });
    return { ok: false, error: refused };
  }
  const rootKid = set.find((k) => k.position === 0)!.kid;
  const root = held.find((k) => k.kid === rootKid)!;
  let readAt = performance.now();
  const reported = new Set<string>();
  const byKid = () => new Map(held.map((k) => [k.kid, k]));
  let keys = byKid();

  const ring: KeyRing = {
    root,
    files,
    set: () => set,
    held: () => new Set(keys.keys()),
    identity: (kid) => keys.get(kid),
    signer() {
      const picked = signingKeyFor(set, new Set(keys.keys()));
      // The root key is always held and is never the only key left unrevoked without a current one; a set
      // whose every held key is revoked cannot sign at all.
      if (!picked) throw new Error('this clearinghouse node holds no key of the set that is not revoked');
      return keys.get(picked.key.kid)!;
    },
    async refresh() {
      set = await listKeys(db);
      readAt = performance.now();
      const current = currentKey(set);
      if (current && !keys.has(current.kid)) {
        held = files.load().filter((k) => set.some((s) => s.kid === k.kid));
        keys = byKid();
      }
      const picked = signingKeyFor(set, new Set(keys.keys()));
      if (picked?.stale && current && !reported.has(current.kid)) {
        reported.add(current.kid);
        await change.event(9062, { current: current.kid, signing: picked.key.kid, where: files.where });
      }
    },
    async refreshIfStale() {
      if (performance.now() - readAt >= KEY_SET_MAX_AGE_MS) await ring.refresh();
    },
  };
  await ring.refresh();
  return ok(ring);
}

/** The answer of `GET /ch/v1/keys` and `ch keys list`. */
export interface KeyListing {
  keys: (KeySetKey & { status: 'current' | 'retired' | 'revoked'; codes: boolean; heldHere: boolean })[];
  /** the key this node signs with now */
  signingKid: string;
}

export async function listKeySet(ctx: ChContext): Promise<KeyListing> {
  await ctx.keys.refresh();
  const set = ctx.keys.set();
  const current = currentKey(set);
  const held = ctx.keys.held();
  return {
    keys: set.map((k) => ({
      ...k,
      status: k.revokedAt !== undefined ? 'revoked' : k.kid === current?.kid ? 'current' : 'retired',
      codes: k.position === 0,
      heldHere: held.has(k.kid),
    })),
    signingKid: ctx.keys.signer().kid,
  };
}

/**
 * `ch keys rotate`: a new key joins the set and becomes the signing key; the others are retired (they stop signing
 * and keep verifying what they signed). The new private key is written beside the others on this node: copy it to
 * the other nodes (docs/clearinghouse.md "Rotating the keys").
 */
export async function rotateKeys(ctx: ChContext, actor: string): Promise<Result<KeyListing & { kid: string }>> {
  await ctx.keys.refresh();
  const key = ctx.keys.files.createSigning();
  const position = Math.max(...ctx.keys.set().map((k) => k.position)) + 1;
  const r = await ctx.change(async (trx, log, at) => {
    if (!(await insertKey(trx, { kid: key.kid, x: base64urlEncode(key.publicKeyRaw), position, at: at.toISOString() }))) return refuse('KEY_ROTATION_CONFLICT');
    await retireOthers(trx, key.kid, at.toISOString());
    log.event(9060, { kid: key.kid, position, where: ctx.keys.files.where });
    log.record({ actor, action: 'keys.rotated', subject: `key:${key.kid}`, data: { kid: key.kid, position } });
    return ok(undefined);
  });
  if (!r.ok) {
    ctx.keys.files.discard(key.kid);
    return r;
  }
  return ok({ ...(await listKeySet(ctx)), kid: key.kid });
}

/**
 * `ch keys revoke KID`: a compromised key verifies nothing any more (on the trust anchor and the revocation list).
 * The certificates and active grants it signed are signed again with the current key in the same transaction, so
 * license servers receive valid ones at their next check-in. The current key cannot be revoked: rotate first.
 */
export async function revokeKey(ctx: ChContext, input: { kid: string; reason: string }, actor: string): Promise<Result<KeyListing & { resigned: { certificates: number; grants: number } }>> {
  await ctx.keys.refresh();
  const verdict = revokable(ctx.keys.set(), input.kid);
  if (verdict === 'unknown') return refuse('KEY_NOT_FOUND', { kid: input.kid, known: ctx.keys.set().map((k) => k.kid) });
  if (verdict === 'already-revoked') return refuse('KEY_ALREADY_REVOKED', { kid: input.kid });
  if (verdict === 'current') return refuse('KEY_IS_CURRENT', { kid: input.kid });
  const signer = ctx.keys.signer();
  if (signer.kid === input.kid) return refuse('KEY_IS_CURRENT', { kid: input.kid, problem: 'held' });
  const resigned = { certificates: 0, grants: 0 };
  const r = await ctx.change(async (trx, log, at) => {
    if (!(await revokeKeyRow(trx, input.kid, input.reason, at.toISOString()))) return refuse('KEY_ALREADY_REVOKED', { kid: input.kid });
    const docs = await signedDocuments(trx);
    for (const c of docs.certificates) {
      const again = await resign(c.jws, input.kid, signer);
      if (again !== undefined) {
        await replaceCertificate(trx, c.serverId, again);
        resigned.certificates += 1;
      }
    }
    for (const g of docs.grants) {
      const again = await resign(g.jws, input.kid, signer);
      if (again !== undefined) {
        await replaceGrant(trx, g.id, again);
        resigned.grants += 1;
      }
    }
    log.event(9061, { kid: input.kid, reason: input.reason, certificates: resigned.certificates, grants: resigned.grants, signer: signer.kid });
    log.record({ actor, action: 'keys.revoked', subject: `key:${input.kid}`, data: { kid: input.kid, reason: input.reason, resigned, signer: signer.kid } });
    return ok(undefined);
  });
  if (!r.ok) return r;
  return ok({ ...(await listKeySet(ctx)), resigned });
}

/** The same payload signed by `signer` when `jws` was signed by `kid`; undefined otherwise. */
async function resign(jws: string, kid: string, signer: Identity): Promise<string | undefined> {
  const decoded = decodeJwsUnverified(jws);
  if (!decoded.ok || decoded.value.header.kid !== kid) return undefined;
  return signJws(signer, decoded.value.payload);
}

/** `GET /ch/v1/trust`: the key set with its validity, endorsed by each key of it this node holds that is not revoked. */
export async function trustAnchor(ctx: ChContext): Promise<AnchorDocument & { provisionalWindowDays: number }> {
  await ctx.keys.refreshIfStale();
  const set = ctx.keys.set();
  const held = ctx.keys.held();
  const signers = set
    .filter((k) => k.revokedAt === undefined && held.has(k.kid))
    .map((k) => ctx.keys.identity(k.kid))
    .filter((k): k is Identity => k !== undefined);
  // The provisional window is published beside the endorsed set (docs/codes.md); it is configuration, not a key.
  return { ...(await endorsedAnchor(set, signers, ctx.clock.now())), provisionalWindowDays: ctx.config.provisionalWindowDays };
}
