/**
 * The clearinghouse's API tokens (DESIGN §4: every token can be listed and revoked): the operator sees and
 * revokes every token (organization, agent, admin); an organization sees and revokes its own organization tokens.
 * The secret is never shown again: a token is listed by id, kind, subject and label.
 */
import { ok, refuse, type Result } from '../core/result';
import { findTokenInfo, listTokens, revokeToken, tokenView } from '../storage/tokens.repository';
import type { Actor, ChContext } from './context';

type View = ReturnType<typeof tokenView>;

export async function listApiTokens(ctx: ChContext, filter: { orgId?: string; includeRevoked?: boolean }): Promise<View[]> {
  const tokens = await listTokens(ctx.db, {
    ...(filter.orgId !== undefined ? { scope: 'ch:org', subject: filter.orgId } : {}),
    ...(filter.includeRevoked ? { includeRevoked: true } : {}),
  });
  return tokens.map(tokenView);
}

export async function revokeApiToken(ctx: ChContext, input: { id: string; orgId?: string }, actor: Actor): Promise<Result<View>> {
  return ctx.change(async (trx, log) => {
    const token = await findTokenInfo(trx, input.id);
    // An organization reaches only its own tokens; another organization's token reads as not found.
    const reachable = token !== undefined && (input.orgId === undefined || (token.scope === 'ch:org' && token.subject === input.orgId));
    if (!reachable || !(await revokeToken(trx, input.id, ctx.clock))) return refuse('TOKEN_NOT_FOUND', { id: input.id });
    const revoked = (await findTokenInfo(trx, input.id))!;
    log.event(9042, { tokenId: revoked.id, kind: revoked.scope, subject: revoked.subject ?? '', by: actor });
    log.record({ actor, action: 'token.revoked', subject: `token:${revoked.id}`, data: { kind: revoked.scope, subject: revoked.subject ?? null } });
    return ok(tokenView(revoked));
  });
}
