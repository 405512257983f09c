/**
 * Installing key packs (DESIGN §3, §5; rds-facts §3): by pack key + program data through the clearinghouse
 * (auto), or by the 35-character key pack ID the portal or the agent gives (web/phone, verified offline by its
 * MAC; the grant arrives at the next check-in). Refused when the server is not activated.
 */
import type { ChangeLog } from '../storage/change';
import { decodeCode, provisionalDeadline, verifyCodeMac } from '../core/codes/index';
import { isVersionHostable } from '../core/license-server-rules';
import type { GrantPayload } from '../core/protocol';
import { ok, refuse, type Result } from '../core/result';
import { isCalVersion, type ActivationMethod, type CalVersion } from '../core/vocabulary';
import { anchorOrRefuse, noClearinghouse, unreachable } from './activation.usecase';
import { newId, type LicenseServerContext, type TrustAnchor } from './context';
import { isActive } from './issuance.usecase';
import * as repo from './license-server.repository';
import { keyPackMark, reportLapses, windowDays } from './provisional.usecase';
import type { LsDb } from './license-server.repository';
import type { KeyPack } from './license-server.repository';
import type { KeyPackView } from '../core/wire/license-server';

export type { KeyPackView };


export function keyPackView(k: KeyPack, now: Date): KeyPackView {
  const provisional = k.status === 'active' ? keyPackMark(k, now) : undefined;
  return {
    id: k.id, pack: k.pack, seq: k.seq, program: k.program, calType: k.calType, calVersion: k.calVersion, total: k.total,
    issued: k.issued, available: k.available, status: k.status, method: k.method, grant: k.grant !== undefined,
    installedAt: k.installedAt.toISOString(), expiresAt: k.expiresAt?.toISOString(),
    ...(provisional ? { provisional } : {}),
  };
}

export async function listKeyPacks(ctx: LicenseServerContext): Promise<KeyPackView[]> {
  await reportLapses(ctx);
  const now = ctx.clock.now();
  return (await repo.listKeyPacks(ctx.db)).map((k) => keyPackView(k, now));
}

async function requireActivated(ctx: LicenseServerContext): Promise<Result<void>> {
  const server = await repo.getServer(ctx.db);
  if (isActive(server, ctx.clock.now())) return ok(undefined);
  return refuse(
    'LICENSE_SERVER_NOT_ACTIVATED',
    { serverId: ctx.serverId, status: server.status, expired: server.status === 'activated', action: 'install' },
  );
}

function notHostable(ctx: LicenseServerContext, calVersion: CalVersion) {
  return refuse(
    'VERSION_NOT_HOSTABLE',
    { serverVersion: ctx.serverVersion, calVersion },
  );
}

/** Verify a grant the clearinghouse signed for this server. */
export async function verifyGrant(ctx: LicenseServerContext, anchor: TrustAnchor, token: string): Promise<Result<GrantPayload>> {
  const verified = await anchor.verify<GrantPayload>(token, 'opencal.grant');
  if (!verified.ok) return verified;
  if (verified.value.sub !== ctx.serverId) {
    return refuse('GRANT_INVALID', { sub: verified.value.sub, serverId: ctx.serverId });
  }
  if (!isCalVersion(verified.value.calVersion)) return refuse('GRANT_INVALID', { problem: 'version' });
  return ok(verified.value);
}

/**
 * Store a verified grant: fill the grant of a key pack installed by key pack ID, or install the key pack
 * (auto install, re-delivery after a rebuild or a reissue). Returns the key pack and whether it is new.
 * A grant that says other than the key pack installed from its code (count, type, version, program) is not applied:
 * that key pack came from a code the clearinghouse did not make, and stays provisional (event 9133).
 */
export async function storeGrant(ctx: LicenseServerContext, trx: LsDb, log: ChangeLog, grant: GrantPayload, token: string, method: ActivationMethod): Promise<{ keyPack: KeyPack; installed: boolean; applied: boolean }> {
  const existing = await repo.findKeyPack(trx, grant.pack, grant.seq);
  if (existing) {
    if (!existing.grant) {
      const same = existing.total === grant.count && existing.calType === grant.calType && existing.calVersion === grant.calVersion && existing.program === grant.program;
      if (!same) {
        log.event(9133, { pack: grant.pack, seq: grant.seq, count: grant.count, calType: grant.calType, calVersion: grant.calVersion });
        return { keyPack: existing, installed: false, applied: false };
      }
      await repo.setKeyPackGrant(trx, grant.pack, grant.seq, token);
    } else if (existing.grant !== token) {
      // A grant signed again (its key was revoked, `ch keys revoke`) replaces the stored copy: CALs carry the new one.
      await repo.replaceKeyPackGrant(trx, grant.pack, grant.seq, token);
    }
    return { keyPack: { ...existing, grant: token }, installed: false, applied: true };
  }
  const now = ctx.clock.now();
  const id = newId(ctx, 'kp_');
  await repo.insertKeyPack(trx, {
    id, pack: grant.pack, seq: grant.seq, program: grant.program, calType: grant.calType, calVersion: grant.calVersion, total: grant.count,
    method, grant: token, installedAt: now, expiresAt: grant.exp ? new Date(grant.exp * 1000) : undefined,
  });
  log.event(9100, { pack: grant.pack, count: grant.count, calType: grant.calType, calVersion: grant.calVersion, program: grant.program, method });
  const keyPack = await repo.findKeyPack(trx, grant.pack, grant.seq);
  return { keyPack: keyPack!, installed: true, applied: true };
}

export interface InstallByPackKey {
  packKey: string;
  licenseNumber?: string;
  authorizationNumber?: string;
  agreementNumber?: string;
}

export async function installByPackKey(ctx: LicenseServerContext, input: InstallByPackKey): Promise<Result<KeyPackView>> {
  // The code's format and check are refused before anything else (DESIGN §3).
  const decoded = decodeCode(typeof input.packKey === 'string' ? input.packKey : '', 'packKey');
  if (!decoded.ok) return decoded;
  const active = await requireActivated(ctx);
  if (!active.ok) return active;
  const client = ctx.clearinghouse.client;
  if (!client) return noClearinghouse('install key packs');
  const anchor = await anchorOrRefuse(ctx);
  if (!anchor.ok) return anchor;
  const body = {
    packKey: decoded.value.formatted,
    ...(input.licenseNumber ? { licenseNumber: input.licenseNumber } : {}),
    ...(input.authorizationNumber ? { authorizationNumber: input.authorizationNumber } : {}),
    ...(input.agreementNumber ? { agreementNumber: input.agreementNumber } : {}),
  };
  // PACK_ALREADY_ACTIVATED and the other clearinghouse refusals are passed on with their message and next step.
  const answer = await client.install(body);
  if (!answer.ok) return { ok: false, error: unreachable(ctx, answer.error, 'install the pack') };
  const grant = await verifyGrant(ctx, anchor.value, answer.value.grant);
  if (!grant.ok) return grant;
  if (!isVersionHostable(ctx.serverVersion, grant.value.calVersion)) return notHostable(ctx, grant.value.calVersion);
  const stored = await ctx.change(async (trx, log) => ok(await storeGrant(ctx, trx, log, grant.value, answer.value.grant, 'auto')));
  return stored.ok ? ok(keyPackView(stored.value.keyPack, ctx.clock.now())) : stored;
}

export async function installByKeyPackId(ctx: LicenseServerContext, input: { keyPackId: string; method?: 'web' | 'phone' }): Promise<Result<KeyPackView>> {
  const decoded = decodeCode(typeof input.keyPackId === 'string' ? input.keyPackId : '', 'keyPackId');
  if (!decoded.ok) return decoded;
  const active = await requireActivated(ctx);
  if (!active.ok) return active;
  const anchor = await anchorOrRefuse(ctx);
  if (!anchor.ok) return anchor;
  if (!verifyCodeMac(decoded.value, anchor.value.macKey).ok) {
    return refuse(
      'KEY_PACK_ID_INVALID',
      { serverId: ctx.serverId },
    );
  }
  const f = decoded.value.fields;
  if (!isVersionHostable(ctx.serverVersion, f.calVersion)) return notHostable(ctx, f.calVersion);
  const method = input.method === 'phone' ? 'phone' : 'web';
  const result = await ctx.change(async (trx, log): Promise<Result<KeyPack>> => {
    if (await repo.findKeyPack(trx, f.packNumber, f.grantSeq)) {
      return refuse('KEY_PACK_ALREADY_INSTALLED', { pack: f.packNumber, seq: f.grantSeq });
    }
    const id = newId(ctx, 'kp_');
    const now = ctx.clock.now();
    // Provisional until its grant arrives: this server can compute a key pack ID's MAC itself (docs/codes.md).
    await repo.insertKeyPack(trx, {
      id, pack: f.packNumber, seq: f.grantSeq, program: f.program, calType: f.calType, calVersion: f.calVersion, total: f.count,
      method, installedAt: now, provisionalUntil: provisionalDeadline(now, windowDays(anchor.value)),
    });
    log.event(9100, { pack: f.packNumber, count: f.count, calType: f.calType, calVersion: f.calVersion, program: f.program, method });
    return ok((await repo.findKeyPack(trx, f.packNumber, f.grantSeq))!);
  });
  return result.ok ? ok(keyPackView(result.value, ctx.clock.now())) : result;
}
