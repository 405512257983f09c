/**
 * The signed documents a license server receives from its clearinghouse — its certificate, its grants and the
 * revocation list — whether they come by check-in or in a file carried to an air-gapped site (`licmgr import
 * FILE`, import.usecase.ts). They are verified against the trust anchor before anything is written, then applied in
 * the caller's transaction: the certificate ends a provisional activation, a grant ends a provisional key pack (or
 * installs it), and the revocation list stops what it revokes.
 */
import type { GrantPayload, RevocationListPayload, ServerCertificatePayload } from '../core/protocol';
import type { CheckInResult } from '../core/wire/license-server';
import type { ChangeLog } from '../storage/change';
import { verifyCertificate } from './activation.usecase';
import type { LicenseServerContext, TrustAnchor } from './context';
import { storeGrant, verifyGrant } from './key-packs.usecase';
import * as repo from './license-server.repository';
import type { LsDb } from './license-server.repository';

/** What the clearinghouse delivers (a check-in's answer, or the payload of an exported file). */
export interface Delivered {
  status: string;
  certificate?: string;
  grants?: string[];
  revocations?: string;
}

export interface VerifiedDocuments {
  status: string;
  certificate?: { token: string; payload: ServerCertificatePayload };
  grants: { grant: GrantPayload; token: string }[];
  revocations?: { token: string; payload: RevocationListPayload };
  /** what did not verify (a check-in ignores it; an import refuses the file). */
  rejected: string[];
}

/** What applying the documents changed. */
export type Applied = Omit<CheckInResult, 'status'>;

export async function verifyDocuments(ctx: LicenseServerContext, anchor: TrustAnchor, d: Delivered): Promise<VerifiedDocuments> {
  const out: VerifiedDocuments = { status: d.status, grants: [], rejected: [] };
  if (d.certificate) {
    const cert = await verifyCertificate(ctx, anchor, d.certificate);
    if (cert.ok) out.certificate = { token: d.certificate, payload: cert.value };
    else out.rejected.push(`certificate: ${cert.error.code}`);
  }
  for (const token of d.grants ?? []) {
    const g = await verifyGrant(ctx, anchor, token);
    if (g.ok) out.grants.push({ grant: g.value, token });
    else out.rejected.push(`grant: ${g.error.code}`);
  }
  if (d.revocations) {
    const list = await anchor.verify<RevocationListPayload>(d.revocations, 'opencal.revocations');
    if (list.ok) out.revocations = { token: d.revocations, payload: list.value };
    else out.rejected.push(`revocation list: ${list.error.code}`);
  }
  return out;
}

/** Applies verified documents in the caller's transaction. */
export async function applyDocuments(ctx: LicenseServerContext, trx: LsDb, log: ChangeLog, d: VerifiedDocuments, now: Date): Promise<Applied> {
  const out: Applied = { certificateReceived: false, grantsReceived: 0, keyPacksInstalled: 0, keyPacksInvalidated: [], serverInvalidated: false };
  const current = await repo.getServer(trx);
  if (d.certificate && current.status === 'activated' && d.status === 'activated') {
    if (current.certificate !== d.certificate.token) out.certificateReceived = true;
    await repo.updateServer(trx, { certificate: d.certificate.token, expiresAt: new Date(d.certificate.payload.exp * 1000), org: d.certificate.payload.org });
  }
  if (current.status === 'activated') {
    for (const { grant, token } of d.grants) {
      const stored = await storeGrant(ctx, trx, log, grant, token, 'auto');
      out.grantsReceived += 1;
      if (stored.installed) out.keyPacksInstalled += 1;
    }
  }
  let serverInvalidated = d.status === 'invalidated';
  const list = d.revocations?.payload;
  if (list && (current.revocationsSeq === undefined || list.seq >= current.revocationsSeq)) {
    await repo.updateServer(trx, { revocations: d.revocations!.token, revocationsSeq: list.seq });
    out.revocationsSeq = list.seq;
    for (const g of list.grants) {
      if (g.serverId !== ctx.serverId) continue;
      const invalidated = await repo.invalidateKeyPack(trx, g.pack, g.seq, now);
      if (invalidated) {
        out.keyPacksInvalidated.push({ pack: g.pack, seq: g.seq, caseNumber: g.caseNumber });
        log.event(89, { count: invalidated.total, pack: g.pack, caseNumber: g.caseNumber ?? 'reissue' });
      }
    }
    if (list.servers.some((s) => s.serverId === ctx.serverId)) serverInvalidated = true;
  }
  if (serverInvalidated && current.status !== 'invalidated' && current.status !== 'unactivated') {
    const reason = list?.servers.find((s) => s.serverId === ctx.serverId)?.reason ?? 'invalidated';
    await repo.updateServer(trx, { status: 'invalidated', statusChangedAt: now, statusReason: reason });
    log.event(9103, { serverId: ctx.serverId, reason });
    out.serverInvalidated = true;
  }
  return out;
}
