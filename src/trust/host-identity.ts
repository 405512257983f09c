/**
 * Session host identities (DESIGN §4, "Session hosts have identities too"): an Ed25519 key pair per host, kept in
 * `host.key` (mode 0600) beside sh.db, registered with its organization at the clearinghouse when it enrols.
 * A session host signs what it sends to a license server: one compact JWS in the `OpenCAL-Host-Signature` header
 * that binds the method, the path, the body and the time, so a license server that never enrolled the host (a
 * reinstall at the same address) can still recognise it from the organization's host registry.
 */
import { createHash } from 'node:crypto';
import { base64urlEncode, withKid, type Identity } from './identity';
import { decodeJwsUnverified, signJws, verifyJwsWithKey } from './jws';
import { base64urlDecode } from './identity';
import { ENROLMENT_STATEMENT_MAX_AGE_SECONDS, isHostName, isHostRequestFresh } from '../core/host-identity-rules';
import { ok, refuse, type Result } from '../core/result';

/** The request header carrying a session host's signature. */
export const HOST_SIGNATURE_HEADER = 'opencal-host-signature';

/** `sh-` + the first 22 characters of base64url(sha256(raw public key)): a host ID, stable across enrolments. */
export function hostIdFromPublicKey(raw: Uint8Array): string {
  return 'sh-' + createHash('sha256').update(raw).digest('base64url').slice(0, 22);
}

/** The identity with its host ID as `kid`. */
export function asHostIdentity(identity: Identity): Identity {
  return withKid(identity, hostIdFromPublicKey(identity.publicKeyRaw));
}

/** base64url(sha256(JSON of the body)): what a signature binds of a request body (`null` when there is none). */
export function bodyDigest(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body ?? null), 'utf8').digest('base64url');
}

/** What a session host signs for one request to a license server. */
export interface HostRequestPayload {
  typ: 'opencal.host-request';
  /** host ID (hostIdFromPublicKey). */
  sub: string;
  /** base64url of the raw public key. */
  pub: string;
  /** the host name the host enrolled under. */
  name: string;
  method: string;
  path: string;
  body: string;
  iat: number;
  nonce: string;
}

/** What a session host signs when it enrols: the license server forwards it to the clearinghouse as proof. */
export interface HostEnrolmentPayload {
  typ: 'opencal.host-enrolment';
  sub: string;
  pub: string;
  name: string;
  iat: number;
}

export async function signHostRequest(
  identity: Identity,
  request: { name: string; method: string; path: string; body: unknown; now: Date; nonce: Uint8Array },
): Promise<string> {
  const host = asHostIdentity(identity);
  const payload: HostRequestPayload = {
    typ: 'opencal.host-request',
    sub: host.kid,
    pub: base64urlEncode(host.publicKeyRaw),
    name: request.name,
    method: request.method.toUpperCase(),
    path: request.path,
    body: bodyDigest(request.body),
    iat: Math.floor(request.now.getTime() / 1000),
    nonce: base64urlEncode(request.nonce),
  };
  return signJws(host, payload);
}

export async function signHostEnrolment(identity: Identity, name: string, now: Date): Promise<string> {
  const host = asHostIdentity(identity);
  const payload: HostEnrolmentPayload = {
    typ: 'opencal.host-enrolment',
    sub: host.kid,
    pub: base64urlEncode(host.publicKeyRaw),
    name,
    iat: Math.floor(now.getTime() / 1000),
  };
  return signJws(host, payload);
}

/**
 * A host's signed enrolment statement, as the license server that enrols it and the clearinghouse that registers it
 * both check it: signed by the key it names, that key's host ID, a host name, dated within 30 days of `now` (it goes
 * with a one-time join token, and a server offline at enrolment registers it at a later check-in).
 */
export async function verifyHostEnrolment(statement: unknown, now: Date): Promise<Result<{ hostId: string; name: string; publicKey: string }>> {
  const bad = (problem: string) => refuse('HOST_ENROLMENT_PROOF_INVALID', { problem });
  if (typeof statement !== 'string' || statement.length > 4096) return bad('missing');
  const unverified = decodeJwsUnverified(statement);
  if (!unverified.ok) return bad('jws');
  const pub = unverified.value.payload.pub;
  const raw = typeof pub === 'string' ? base64urlDecode(pub) : undefined;
  if (raw === undefined || raw.length !== 32) return bad('key');
  const verified = await verifyJwsWithKey<HostEnrolmentPayload>(statement, raw, 'opencal.host-enrolment');
  if (!verified.ok) return bad('signature');
  const p = verified.value.payload;
  const hostId = hostIdFromPublicKey(raw);
  if (p.sub !== hostId) return bad('subject');
  if (!isHostName(p.name)) return bad('name');
  if (!isHostRequestFresh(p.iat, now, ENROLMENT_STATEMENT_MAX_AGE_SECONDS)) return bad('stale');
  return ok({ hostId, name: p.name, publicKey: pub as string });
}
