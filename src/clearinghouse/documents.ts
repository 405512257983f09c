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
import { listRevocations, type ChDb, type PackRecord } from './clearinghouse.repository';
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

/** The signed revocation list; its `seq` is the number of revocations (append-only), so it only ever grows. */
export async function signedRevocationList(ctx: ChContext, db: ChDb = ctx.db): Promise<{ list: string; seq: number }> {
  const rows = await listRevocations(db);
  const payload: RevocationListPayload = {
    typ: 'opencal.revocations',
    seq: rows.length,
    iat: seconds(ctx.clock.now()),
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
  return { list: await signJws(ctx.identity, payload), seq: payload.seq };
}

/** The trust anchor: the root public key as a JWK by kid, and a fingerprint to pin (hex sha256 of the raw key). */
export function trustAnchor(ctx: ChContext) {
  return {
    keys: [publicKeyToJwk(ctx.identity.publicKeyRaw, ctx.identity.kid)],
    fingerprint: createHash('sha256').update(ctx.identity.publicKeyRaw).digest('hex'),
  };
}
