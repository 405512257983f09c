/**
 * Installing a pack on an activated license server (DESIGN §5): auto (signed request -> grant JWS) or through
 * the portal (license server ID -> key pack ID, the grant follows at the next check-in). The pack is claimed by
 * one conditional UPDATE on its row, so of many servers racing for one pack exactly one gets it; the others are
 * refused as already activated, with the holder's ID and the next step. The same pack for the same server is a
 * re-delivery of the grant it already has (the rebuild case).
 */
import { programDataMatches, type ProgramData } from '../core/clearinghouse-rules';
import { versionNotHostable } from '../core/clearinghouse-rules';
import { decodeCode } from '../core/codes/index';
import { isVersionHostable } from '../core/license-server-rules';
import { err, ok, refuse, type Result } from '../core/result';
import type { CalType, CalVersion, Program } from '../core/vocabulary';
import { claimPack, findGrant, findPack, findServer, insertGrant, openClaimsOf, type PackRecord, type ServerRecord } from './clearinghouse.repository';
import { confirmBySignature } from './activation.usecase';
import { type Actor, type ChContext } from './context';
import { findPackByKey } from './directory.usecase';
import { keyPackId, signGrant } from './documents';

export interface InstallAnswer {
  grant: string;
  keyPack: { pack: number; seq: number; program: Program; calType: CalType; calVersion: CalVersion; count: number };
  keyPackId: string;
  /** false when this was a re-delivery of the grant the server already had. */
  installed: boolean;
}

export function alreadyActivated(pack: number, holder: string) {
  return refuse(
    'PACK_ALREADY_ACTIVATED',
    { pack, serverId: holder, nextSteps: ['migrate', 'deactivate-other-server'] },
  );
}

function answer(pack: PackRecord, seq: number, grant: string, id: string, installed: boolean): InstallAnswer {
  return {
    grant,
    keyPack: { pack: pack.number, seq, program: pack.program, calType: pack.calType, calVersion: pack.calVersion, count: pack.count },
    keyPackId: id,
    installed,
  };
}

export async function installPack(
  ctx: ChContext,
  input: { serverId: string; packKey: unknown; programData: ProgramData; method: 'auto' | 'web'; orgId?: string },
  actor: Actor,
): Promise<Result<InstallAnswer>> {
  if (typeof input.packKey !== 'string') return refuse('PACK_KEY_REQUIRED');
  // The key's format and check come first, before any lookup (DESIGN §3).
  const decoded = decodeCode(input.packKey, 'packKey');
  if (!decoded.ok) return decoded;
  const serverCode = decodeCode(input.serverId, 'licenseServerId');
  if (!serverCode.ok) return serverCode;
  const known = await findServer(ctx.db, serverCode.value.formatted);
  if (!known && input.orgId === undefined) {
    return refuse('LICENSE_SERVER_NOT_ACTIVATED', { serverId: input.serverId, status: 'unactivated' });
  }
  if (!known || (input.orgId !== undefined && !(await holdsServer(ctx, known, input.orgId)))) {
    return refuse('LICENSE_SERVER_UNKNOWN', {
      problem: 'install',
      serverId: input.serverId,
    });
  }
  if (known.status !== 'activated') {
    return refuse('LICENSE_SERVER_NOT_ACTIVATED', {
      serverId: known.serverId,
      status: known.status,
    });
  }
  const found = await findPackByKey(ctx, input.packKey);
  if (!found.ok) return found;
  const pack = found.value;
  if (pack.status === 'revoked') return refuse('PACK_REVOKED');
  // A signed install proves possession of the server's key: it confirms an unconfirmed claim of the pack's organization.
  const server = input.method === 'auto' ? await confirmBySignature(ctx, known, { ...(pack.orgId === null ? {} : { orgId: pack.orgId }), how: 'signed install' }) : known;
  // Tenants are bound: a pack is installed only on a server of the organization that bought it. While a server is an
  // unconfirmed claim, the portal's organization (which holds a claim on it) stands for it.
  const serverOrg = server.confirmedAt !== null ? server.orgId : (input.orgId ?? null);
  if (pack.orgId !== null && pack.orgId !== serverOrg) {
    await ctx.change.event(9020, { serverId: server.serverId, serverOrg: serverOrg ?? 'unconfirmed', pack: pack.number, packOrg: pack.orgId });
    return refuse('PACK_OF_ANOTHER_ORGANIZATION', { pack: pack.number, serverId: server.serverId });
  }
  if (!programDataMatches(pack.program, pack.programData, input.programData)) {
    return refuse('PROGRAM_DATA_MISMATCH', { program: pack.program });
  }
  if (!isVersionHostable(server.serverVersion, pack.calVersion)) {
    const r = versionNotHostable(server.serverVersion, pack.calVersion);
    return err(r);
  }
  if (pack.serverId === server.serverId) return redeliver(ctx, pack, server);
  return ctx.change(async (trx, log, at) => {
    const seq = await claimPack(trx, pack.number, server.serverId, at.toISOString());
    if (seq === undefined) {
      const now = await findPack(trx, pack.number);
      if (now?.serverId === server.serverId) return ok(undefined);
      if (now?.status === 'revoked') return refuse('PACK_REVOKED');
      const holder = now?.serverId ?? 'unknown';
      log.eventEvenIfRefused(9006, { pack: pack.number, serverId: server.serverId, holder });
      return alreadyActivated(pack.number, holder);
    }
    const grant = await signGrant(ctx, pack, server.serverId, seq, at);
    const id = keyPackId(ctx, server.publicKey, pack, seq);
    await insertGrant(trx, { pack: pack.number, seq, serverId: server.serverId, jws: grant, keyPackId: id, at: at.toISOString(), caseNumber: null });
    log.event(9005, { pack: pack.number, serverId: server.serverId, method: input.method, seq });
    log.record({ actor, action: 'pack.installed', subject: `pack:${pack.number}`, data: { serverId: server.serverId, seq, method: input.method } });
    return ok(answer(pack, seq, grant, id, true));
  }).then(async (r) => (r.ok && r.value === undefined ? redeliver(ctx, (await findPack(ctx.db, pack.number))!, server) : (r as Result<InstallAnswer>)));
}

/** The organization owns the server, or — while its activation is unconfirmed — holds an open claim on it. */
async function holdsServer(ctx: ChContext, server: ServerRecord, orgId: string): Promise<boolean> {
  if (server.confirmedAt !== null || server.status !== 'activated') return server.orgId === orgId;
  return (await openClaimsOf(ctx.db, server.serverId)).some((c) => c.orgId === orgId);
}

async function redeliver(ctx: ChContext, pack: PackRecord, server: ServerRecord): Promise<Result<InstallAnswer>> {
  const grant = await findGrant(ctx.db, pack.number, pack.grantSeq);
  if (!grant || grant.status !== 'active') throw new Error(`pack ${pack.number} is installed on ${server.serverId} without an active grant`);
  return ok(answer(pack, grant.seq, grant.jws, grant.keyPackId ?? keyPackId(ctx, server.publicKey, pack, grant.seq), false));
}
