/**
 * The documents the clearinghouse signs with its root key (DESIGN §4): server certificates, grants and the
 * revocation list, plus the codes it makes for web and phone (activation confirmation, key pack ID), whose MAC
 * key only the clearinghouse and that one license server can derive.
 */
import { createHash } from 'node:crypto';
import { certificateExpiry } from '../core/clearinghouse-rules';
import { dayNumber, encodeCode } from '../core/codes/index';
import type { GrantPayload, RevocationListPayload, ServerCertificatePayload } from '../core/protocol';
import type { ActivationMethod, ServerVersion } from '../core/vocabulary';
import { base64urlDecode, codeMacKey, publicKeyToJwk, signJws } from '../trust/index';
import { countRevocations, listRevocations, type ChDb, type PackRecord } from './clearinghouse.repository';
import type { ChContext } from './context';

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

export async function signCertificate(
  ctx: ChContext,
  s: { serverId: string; pub: string; orgId: string | null; method: ActivationMethod; serverVersion: ServerVersion; serial: number },
  now: Date,
): Promise<{ certificate: string; expiresAt: Date }> {
  const expiresAt = certificateExpiry(now, ctx.config.certificateDays);
  const payload: ServerCertificatePayload = {
    typ: 'opencal.certificate',
    sub: s.serverId,
    pub: s.pub,
    org: s.orgId ?? '',
    method: s.method,
    serverVersion: s.serverVersion,
    serial: s.serial,
    iat: seconds(now),
    exp: seconds(expiresAt),
  };
  return { certificate: await signJws(ctx.identity, payload), expiresAt };
}

export async function signGrant(ctx: ChContext, pack: PackRecord, serverId: string, seq: number, now: Date): Promise<string> {
  const payload: GrantPayload = {
    typ: 'opencal.grant',
    sub: serverId,
    pack: pack.number,
    seq,
    calType: pack.calType,
    calVersion: pack.calVersion,
    count: pack.count,
    program: pack.program,
    iat: seconds(now),
  };
  return signJws(ctx.identity, payload);
}

/** The MAC key shared with one license server (its public key, base64url raw). */
export function macKeyFor(ctx: ChContext, serverPub: string): Uint8Array {
  return codeMacKey(ctx.identity, base64urlDecode(serverPub));
}

export function activationConfirmation(ctx: ChContext, serverPub: string, serial: number, validUntil: Date): string {
  return encodeCode('activationConfirmation', { serial, validUntilDay: dayNumber(validUntil) }, macKeyFor(ctx, serverPub));
}

export function keyPackId(ctx: ChContext, serverPub: string, pack: PackRecord, grantSeq: number): string {
  return encodeCode(
    'keyPackId',
    { packNumber: pack.number, calType: pack.calType, calVersion: pack.calVersion, count: pack.count, program: pack.program, grantSeq },
    macKeyFor(ctx, serverPub),
  );
}

/**
 * A signed revocation list is kept and answered again while the list has not changed: it is append-only, so the
 * same number of revocations is the same list (a cheap count instead of reading and signing the list on every
 * check-in). It is signed again when a revocation was added (by this process or another on the same database),
 * when it is older than REVOCATION_LIST_REUSE_MS (its `iat` stays recent), or when the clock went back. Only lists
 * read outside a transaction are kept: one read inside a transaction may see revocations that are rolled back.
 */
const REVOCATION_LIST_REUSE_MS = 60_000;
const signedLists = new WeakMap<ChContext, { count: number; signedAt: number; list: string; seq: number }>();

/** The signed revocation list; its `seq` is the number of revocations (append-only), so it only ever grows. */
export async function signedRevocationList(ctx: ChContext, db: ChDb = ctx.db): Promise<{ list: string; seq: number }> {
  const outside = db === ctx.db;
  const kept = outside ? signedLists.get(ctx) : undefined;
  if (kept) {
    const age = ctx.clock.now().getTime() - kept.signedAt;
    if (age >= 0 && age < REVOCATION_LIST_REUSE_MS && (await countRevocations(db)) === kept.count) return { list: kept.list, seq: kept.seq };
  }
  const now = ctx.clock.now();
  const rows = await listRevocations(db);
  const payload: RevocationListPayload = {
    typ: 'opencal.revocations',
    seq: rows.length,
    iat: seconds(now),
    servers: rows.filter((r) => r.kind === 'server').map((r) => ({ serverId: r.serverId, at: seconds(new Date(r.at)), reason: r.reason })),
    grants: rows
      .filter((r) => r.kind === 'grant')
      .map((r) => ({
        serverId: r.serverId,
        pack: r.pack ?? 0,
        seq: r.seq ?? 0,
        at: seconds(new Date(r.at)),
        ...(r.caseNumber !== null ? { caseNumber: r.caseNumber } : {}),
      })),
  };
  const list = await signJws(ctx.identity, payload);
  if (outside) signedLists.set(ctx, { count: rows.length, signedAt: now.getTime(), list, seq: payload.seq });
  return { list, seq: payload.seq };
}

/**
 * The trust anchor: the root public key as a JWK by kid, a fingerprint to pin (hex sha256 of the raw key), and the
 * provisional window license servers and session hosts apply to what typed codes create (docs/codes.md).
 */
export function trustAnchor(ctx: ChContext) {
  return {
    keys: [publicKeyToJwk(ctx.identity.publicKeyRaw, ctx.identity.kid)],
    fingerprint: createHash('sha256').update(ctx.identity.publicKeyRaw).digest('hex'),
    provisionalWindowDays: ctx.config.provisionalWindowDays,
  };
}
