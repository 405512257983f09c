/**
 * `licmgr import FILE` (docs/codes.md, "The import file"): an air-gapped site installs the signed documents its
 * clearinghouse exported for it (`opencal ch export SERVER_ID`): the certificate that ends a provisional activation,
 * the grants that end provisional key packs, and the revocation list. The file is a JWS signed by the clearinghouse
 * (typ `opencal.documents`); it and every document in it must verify against this server's trust anchor, and it
 * must be for this license server — otherwise nothing is written.
 */
import type { DocumentsPayload } from '../core/protocol';
import { ok, refuse, type Result } from '../core/result';
import type { ImportResult } from '../core/wire/license-server';
import { anchorOrRefuse } from './activation.usecase';
import type { LicenseServerContext } from './context';
import { applyDocuments, verifyDocuments } from './documents.usecase';
import { reportLapses } from './provisional.usecase';

/** The file as `opencal ch export` writes it: `{ type: 'opencal.documents', serverId, exportedAt, signed: JWS }`. */
function signedPart(file: unknown): string | undefined {
  if (typeof file !== 'object' || file === null) return undefined;
  const f = file as Record<string, unknown>;
  if (f.type !== 'opencal.documents' || typeof f.signed !== 'string' || f.signed.length === 0) return undefined;
  return f.signed;
}

export async function importDocuments(ctx: LicenseServerContext, file: unknown): Promise<Result<ImportResult>> {
  const signed = signedPart(file);
  if (signed === undefined) return refuse('IMPORT_FILE_INVALID', { problem: 'format' });
  const anchor = await anchorOrRefuse(ctx);
  if (!anchor.ok) return anchor;
  const verified = await anchor.value.verify<DocumentsPayload>(signed, 'opencal.documents');
  if (!verified.ok) return refuse('IMPORT_FILE_INVALID', { problem: 'signature', reason: verified.error.code });
  const payload = verified.value;
  if (payload.sub !== ctx.serverId) {
    await ctx.change.event(9134, { fileServerId: String(payload.sub) });
    return refuse('IMPORT_FILE_OTHER_SERVER', { fileServerId: String(payload.sub), serverId: ctx.serverId });
  }
  if (typeof payload.status !== 'string' || !Array.isArray(payload.grants) || typeof payload.revocations !== 'string') {
    return refuse('IMPORT_FILE_INVALID', { problem: 'format' });
  }
  const docs = await verifyDocuments(ctx, anchor.value, payload);
  if (docs.rejected.length > 0) return refuse('IMPORT_FILE_INVALID', { problem: 'document', reason: docs.rejected.join(', ') });
  const exportedAt = new Date(payload.iat * 1000).toISOString();
  const applied = await ctx.change(async (trx, log, now) => {
    const a = await applyDocuments(ctx, trx, log, docs, now);
    log.event(9132, {
      exportedAt,
      certificate: a.certificateReceived ? 'received' : docs.certificate ? 'unchanged' : 'none',
      grants: a.grantsReceived,
      revocationsSeq: a.revocationsSeq ?? 'unchanged',
    });
    return ok(a);
  });
  if (!applied.ok) return applied;
  await reportLapses(ctx);
  return ok({ status: payload.status, exportedAt, ...applied.value });
}
