/**
 * Check-in with the clearinghouse (periodic and on demand): records that this server is alive (with its
 * license database instance, so a clone shows), receives what the clearinghouse holds for it (certificate after
 * a web/phone activation, grants after a web/phone install or a reissue), and applies the revocation list:
 * a key pack whose grant to this server was invalidated by a reissue stops issuing (event 89), and a server
 * invalidated as a whole stops issuing altogether.
 */
import type { RevocationListPayload } from '../core/protocol';
import type { GrantPayload } from '../core/protocol';
import { ok, type Result } from '../core/result';
import { anchorOrRefuse, noClearinghouse, unreachable, verifyCertificate } from './activation.usecase';
import { type LicenseServerContext, type TrustAnchor } from './context';
import { storeGrant, verifyGrant } from './key-packs.usecase';
import * as repo from './license-server.repository';
import type { CheckInResult } from '../core/wire/license-server';

/** The answer of `POST /ls/v1/check-in` (core/wire/license-server.ts). */
export type { CheckInResult } from '../core/wire/license-server';

export async function checkIn(ctx: LicenseServerContext): Promise<Result<CheckInResult>> {
  const client = ctx.clearinghouse.client;
  if (!client) return noClearinghouse('check in');
  const anchor = await anchorOrRefuse(ctx);
  if (!anchor.ok) return anchor;
  const server = await repo.getServer(ctx.db);
  const packs = (await repo.listKeyPacks(ctx.db)).map((p) => ({ pack: p.pack, seq: p.seq, issued: p.issued }));
  const answer = await client.checkIn({ instanceId: server.instanceId, packs });
  const now = ctx.clock.now();
  if (!answer.ok) {
    const error = unreachable(ctx, answer.error, 'check in');
    await ctx.change(async (trx, log) => {
      await repo.updateServer(trx, { lastCheckInResult: error.code });
      log.event(9110, { reason: error.message });
      return ok(undefined);
    });
    return answer.error.code === error.code ? answer : { ok: false, error };
  }
  const a = answer.value;
  const out: CheckInResult = {
    status: a.status, certificateReceived: false, grantsReceived: 0, keyPacksInstalled: 0, keyPacksInvalidated: [], serverInvalidated: false,
  };

  // Verify everything before writing anything: a document that does not verify is ignored.
  const cert = a.certificate ? await verifyCertificate(ctx, anchor.value, a.certificate) : undefined;
  const grants: { grant: GrantPayload; token: string }[] = [];
  for (const token of a.grants ?? []) {
    const g = await verifyGrant(ctx, anchor.value, token);
    if (g.ok) grants.push({ grant: g.value, token });
  }
  const list = a.revocations ? await verifyRevocations(anchor.value, a.revocations) : undefined;

  await ctx.change(async (trx, log) => {
    const current = await repo.getServer(trx);
    if (cert?.ok && current.status === 'activated' && a.status === 'activated') {
      if (current.certificate !== a.certificate) out.certificateReceived = true;
      await repo.updateServer(trx, { certificate: a.certificate!, expiresAt: new Date(cert.value.exp * 1000), org: cert.value.org });
    }
    if (current.status === 'activated') {
      for (const { grant, token } of grants) {
        const stored = await storeGrant(ctx, trx, log, grant, token, 'auto');
        out.grantsReceived += 1;
        if (stored.installed) out.keyPacksInstalled += 1;
      }
    }
    let serverInvalidated = a.status === 'invalidated';
    if (list?.ok && (current.revocationsSeq === undefined || list.value.seq >= current.revocationsSeq)) {
      await repo.updateServer(trx, { revocations: a.revocations, revocationsSeq: list.value.seq });
      out.revocationsSeq = list.value.seq;
      for (const g of list.value.grants) {
        if (g.serverId !== ctx.serverId) continue;
        const invalidated = await repo.invalidateKeyPack(trx, g.pack, g.seq, now);
        if (invalidated) {
          out.keyPacksInvalidated.push({ pack: g.pack, seq: g.seq, caseNumber: g.caseNumber });
          log.event(89, { count: invalidated.total, pack: g.pack, caseNumber: g.caseNumber ?? 'reissue' });
        }
      }
      if (list.value.servers.some((s) => s.serverId === ctx.serverId)) serverInvalidated = true;
    }
    if (serverInvalidated && current.status !== 'invalidated' && current.status !== 'unactivated') {
      const reason = list?.ok ? list.value.servers.find((s) => s.serverId === ctx.serverId)?.reason ?? 'invalidated' : 'invalidated';
      await repo.updateServer(trx, { status: 'invalidated', statusChangedAt: now, statusReason: reason });
      log.event(9103, { serverId: ctx.serverId, reason });
      out.serverInvalidated = true;
    }
    await repo.updateServer(trx, { lastCheckInAt: now, lastCheckInResult: a.status });
    log.event(9109, { status: a.status, grants: out.grantsReceived, revocationsSeq: out.revocationsSeq ?? 'unchanged' });
    return ok(undefined);
  });
  return ok(out);
}

async function verifyRevocations(anchor: TrustAnchor, token: string): Promise<Result<RevocationListPayload>> {
  return anchor.verify<RevocationListPayload>(token, 'opencal.revocations');
}
