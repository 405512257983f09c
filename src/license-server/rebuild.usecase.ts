/**
 * Rebuild License Database (DESIGN §5, seed): wipes key packs, issued CALs and the activation, keeps the identity
 * (same license server ID). Refused unless forced when the clearinghouse does not hold this server's packs:
 * they would not come back [seed: "Ne lancez pas un Rebuild si vous n'avez pas assuré la réémission"].
 * When online, the activation and the packs the clearinghouse holds are restored in the same transaction as the
 * wipe: killed at any point, the server comes back as before the rebuild or as after it.
 */
import type { GrantPayload, ServerCertificatePayload } from '../core/protocol';
import { ok, refuse, type Result } from '../core/result';
import { verifyCertificate } from './activation.usecase';
import { hex, type LicenseServerContext } from './context';
import { storeGrant, verifyGrant } from './key-packs.usecase';
import * as repo from './license-server.repository';
import type { RebuildAnswer as RebuildResult } from '../core/wire/license-server';

/** The answer of its route, from the wire contract (core/wire/license-server.ts). */
export type { RebuildAnswer as RebuildResult } from '../core/wire/license-server';

export async function rebuild(ctx: LicenseServerContext, input: { force?: boolean }): Promise<Result<RebuildResult>> {
  const force = input.force === true;
  const packs = (await repo.listKeyPacks(ctx.db)).filter((p) => p.status === 'active');
  const client = ctx.clearinghouse.client;
  // Everything asked of the clearinghouse is asked before anything changes here: the wipe and the restore are then
  // one transaction, so a rebuild killed at any point leaves the server as it was or as it ends, never without
  // activation and packs in between (issue 13: a SIGKILL 150–300 ms into a rebuild did).
  let holdings: { certificate?: string; grants: string[] } | undefined;
  const held = new Set<number>();
  const grants: { grant: GrantPayload; token: string }[] = [];
  let certificate: { token: string; claims: ServerCertificatePayload } | undefined;
  if (client) {
    const answer = await client.holdings();
    const anchor = await ctx.clearinghouse.anchor();
    if (answer.ok && anchor.ok) {
      holdings = answer.value;
      for (const token of answer.value.grants ?? []) {
        const g = await verifyGrant(ctx, anchor.value, token);
        if (g.ok) {
          held.add(g.value.pack);
          grants.push({ grant: g.value, token });
        }
      }
      if (answer.value.certificate) {
        const cert = await verifyCertificate(ctx, anchor.value, answer.value.certificate);
        if (cert.ok && cert.value.exp * 1000 > ctx.clock.now().getTime()) certificate = { token: answer.value.certificate, claims: cert.value };
      }
    }
  }
  const missing = packs.filter((p) => !held.has(p.pack)).map((p) => p.pack);
  if (!force && missing.length > 0) {
    return refuse(
      'REBUILD_WOULD_LOSE_PACKS',
      { missing, clearinghouseAsked: holdings !== undefined, serverId: ctx.serverId },
    );
  }
  const counts = await repo.countIssued(ctx.db);
  const issuedRemoved = counts.reduce((s, c) => s + c.n, 0);
  const keyPacksRemoved = (await repo.listKeyPacks(ctx.db)).length;
  const now = ctx.clock.now();
  const restored = { activated: false, keyPacks: 0 };
  await ctx.change(async (trx, log) => {
    restored.activated = false;
    restored.keyPacks = 0;
    await repo.wipeLicenseDatabase(trx, hex(ctx.random(16)), now, force ? 'rebuilt (forced)' : 'rebuilt');
    log.event(9104, { forced: force ? ' (forced)' : '', keyPacks: keyPacksRemoved, issued: issuedRemoved });
    if (certificate) {
      const cert = certificate.claims;
      await repo.updateServer(trx, {
        status: 'activated', method: cert.method, activatedAt: now, expiresAt: new Date(cert.exp * 1000),
        serial: cert.serial, org: cert.org, certificate: certificate.token, statusChangedAt: now, statusReason: 'restored after rebuild',
      });
      log.event(4, { serverId: ctx.serverId, method: cert.method });
      for (const { grant, token } of grants) if ((await storeGrant(ctx, trx, log, grant, token, 'auto')).installed) restored.keyPacks += 1;
      log.event(9111, { keyPacks: restored.keyPacks });
      restored.activated = true;
    } else {
      log.event(18, { serverId: ctx.serverId });
    }
    return ok(undefined);
  });
  const nextSteps = restored.activated
    ? ['Check the key packs (GET /ls/v1/key-packs); devices get a temporary CAL, then a permanent one.']
    : ['Reactivate the license server (POST /ls/v1/activate).', 'Reinstall the key packs reissued to this server (POST /ls/v1/key-packs).'];
  return ok({ keyPacksRemoved, issuedRemoved, forced: force, restored, serverId: ctx.serverId, nextSteps });
}
