/**
 * The signed file of an air-gapped license server (docs/codes.md, "The import file"): what a check-in would
 * deliver — its certificate, its active grants and the revocation list — in one document signed by the
 * clearinghouse, carried to the site and installed with `licmgr import FILE`. It replaces the provisional
 * activation and key packs the site made from typed codes.
 */
import { decodeCode } from '../core/codes/index';
import type { DocumentsPayload } from '../core/protocol';
import { ok, refuse, type Result } from '../core/result';
import type { DocumentsFile } from '../core/wire/clearinghouse';
import { signJws } from '../trust/index';
import { holdingsAnswer } from './activation.usecase';
import { findServer } from './clearinghouse.repository';
import type { Actor, ChContext } from './context';

export async function exportDocuments(ctx: ChContext, input: { serverId: string; orgId?: string }, actor: Actor): Promise<Result<DocumentsFile>> {
  const decoded = decodeCode(input.serverId, 'licenseServerId');
  if (!decoded.ok) return decoded;
  const serverId = decoded.value.formatted;
  const server = await findServer(ctx.db, serverId);
  // An organization exports the files of its own servers only; another's is as good as unknown to it.
  if (!server || (input.orgId !== undefined && server.orgId !== input.orgId)) {
    return refuse('LICENSE_SERVER_UNKNOWN', { serverId, problem: 'export' });
  }
  // The claiming organization's export carries the documents of its own unconfirmed claim (holdingsAnswer).
  const held = await holdingsAnswer(ctx, serverId, { claimant: input.orgId !== undefined && server.orgId === input.orgId });
  const now = ctx.clock.now();
  const payload: DocumentsPayload = {
    typ: 'opencal.documents',
    sub: serverId,
    status: held.status,
    ...(held.certificate !== undefined ? { certificate: held.certificate } : {}),
    grants: held.grants,
    revocations: held.revocations,
    iat: Math.floor(now.getTime() / 1000),
  };
  const signed = await signJws(ctx.identity, payload);
  const recorded = await ctx.change(async (_trx, log) => {
    log.record({ actor, action: 'server.documents-exported', subject: `server:${serverId}`, data: { grants: held.grants.length, certificate: held.certificate !== undefined } });
    return ok(undefined);
  });
  if (!recorded.ok) return recorded;
  return ok({ type: 'opencal.documents', serverId, exportedAt: now.toISOString(), signed });
}
