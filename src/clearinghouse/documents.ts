/**
 * The documents the clearinghouse signs with the current key of its key set (DESIGN §4): server certificates,
 * grants and the revocation list, plus the codes it makes for web and phone (activation confirmation, key pack
 * ID), whose MAC key only the clearinghouse's root key and that one license server can derive (a rotation keeps it).
 */
import { certificateExpiry } from '../core/clearinghouse-rules';
import { dayNumber, encodeCode } from '../core/codes/index';
import type { GrantPayload, RevocationListPayload, ServerCertificatePayload } from '../core/protocol';
import type { ActivationMethod, ServerVersion } from '../core/vocabulary';
import { base64urlDecode, codeMacKey, signJws } from '../trust/index';
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
  return { certificate: await signJws(ctx.keys.signer(), payload), expiresAt };
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
  return signJws(ctx.keys.signer(), payload);
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
const signedLists = new WeakMap<ChContext, { count: number; signedAt: number; list: string; seq: number; kid: string }>();

/**
 * The signed revocation list; its `seq` is the number of revocations (append-only), so it only ever grows.
 * `revocations`: that number, when the caller has just read it outside a transaction (the check-in reads it with
 * its nonce), instead of counting again.
 */
export async function signedRevocationList(ctx: ChContext, db: ChDb = ctx.db, revocations?: number): Promise<{ list: string; seq: number }> {
  const outside = db === ctx.db;
  if (outside) await ctx.keys.refreshIfStale();
  // Revoked keys only ever grow too: counted in seq so that a list naming a new one replaces the older list; a
  // rotation signs the list again with the new key.
  const revokedKeys = ctx.keys.set().filter((k) => k.revokedAt !== undefined);
  const signer = ctx.keys.signer();
  const kept = outside ? signedLists.get(ctx) : undefined;
  if (kept && kept.kid === signer.kid) {
    const age = ctx.clock.now().getTime() - kept.signedAt;
    if (age >= 0 && age < REVOCATION_LIST_REUSE_MS && (revocations ?? (await countRevocations(db))) + revokedKeys.length === kept.count) return { list: kept.list, seq: kept.seq };
  }
  const now = ctx.clock.now();
  const rows = await listRevocations(db);
  const payload: RevocationListPayload = {
    typ: 'opencal.revocations',
    seq: rows.length + revokedKeys.length,
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
    ...(revokedKeys.length > 0 ? { keys: revokedKeys.map((k) => ({ kid: k.kid, at: seconds(new Date(k.revokedAt!)), reason: k.revokeReason ?? '' })) } : {}),
  };
  const list = await signJws(signer, payload);
  if (outside) signedLists.set(ctx, { count: payload.seq, signedAt: now.getTime(), list, seq: payload.seq, kid: signer.kid });
  return { list, seq: payload.seq };
}
