/**
 * What typed codes create on a license server is provisional (docs/codes.md): an activation from a typed
 * confirmation until its signed certificate arrives, a key pack from a typed key pack ID until its signed grant
 * arrives — by check-in or from an imported file. After the clearinghouse's window (its trust anchor's
 * `provisionalWindowDays`, 14 days by default) without them, the key pack issues no more CALs and the activation
 * counts as lapsed (temporary CALs only): the state is derived from the stored deadline and `now`, so issuance never
 * depends on the report below having run. `reportLapses` records each lapse once (events 9130, 9131).
 */
import { DEFAULT_PROVISIONAL_WINDOW_DAYS, provisionalDeadline, provisionalState, type ProvisionalState } from '../core/codes/index';
import { ok } from '../core/result';
import type { ProvisionalMark } from '../core/wire/license-server';
import type { LicenseServerContext, TrustAnchor } from './context';
import * as repo from './license-server.repository';
import type { KeyPack, ServerState } from './license-server.repository';

/** The window this license server applies: the one its clearinghouse publishes, else the default. */
export function windowDays(anchor: TrustAnchor | undefined): number {
  return anchor?.provisionalWindowDays ?? DEFAULT_PROVISIONAL_WINDOW_DAYS;
}

/** The state of the activation: signed (certificate held, or not made from a code), provisional or lapsed. */
export function activationState(server: ServerState, now: Date): ProvisionalState {
  if (server.status !== 'activated' || server.method === 'auto' || server.activatedAt === undefined) return 'signed';
  return provisionalState({ signed: server.certificate !== undefined, deadline: activationDeadline(server) }, now);
}

function activationDeadline(server: ServerState): Date {
  return server.provisionalUntil ?? provisionalDeadline(server.activatedAt!, DEFAULT_PROVISIONAL_WINDOW_DAYS);
}

/** The state of a key pack: signed (grant held), provisional or lapsed. */
export function keyPackState(k: Pick<KeyPack, 'grant' | 'provisionalUntil' | 'installedAt'>, now: Date): ProvisionalState {
  return provisionalState({ signed: k.grant !== undefined, deadline: keyPackDeadline(k) }, now);
}

function keyPackDeadline(k: Pick<KeyPack, 'provisionalUntil' | 'installedAt'>): Date {
  return k.provisionalUntil ?? provisionalDeadline(k.installedAt, DEFAULT_PROVISIONAL_WINDOW_DAYS);
}

/** The provisional mark the status, the license manager and the console show (absent once signed). */
export function activationMark(server: ServerState, now: Date): ProvisionalMark | undefined {
  const state = activationState(server, now);
  return state === 'signed' ? undefined : { state, until: activationDeadline(server).toISOString() };
}

export function keyPackMark(k: KeyPack, now: Date): ProvisionalMark | undefined {
  const state = keyPackState(k, now);
  return state === 'signed' ? undefined : { state, until: keyPackDeadline(k).toISOString() };
}

/** Records, once each, the key packs and the activation whose window ended without their signed document. */
export async function reportLapses(ctx: LicenseServerContext): Promise<void> {
  const now = ctx.clock.now();
  const server = await repo.getServer(ctx.db);
  const packs = (await repo.listKeyPacks(ctx.db)).filter((k) => k.status === 'active' && k.lapseReportedAt === undefined && keyPackState(k, now) === 'lapsed');
  const activationLapsed = server.lapseReportedAt === undefined && activationState(server, now) === 'lapsed';
  if (packs.length === 0 && !activationLapsed) return;
  const days = windowDays(ctx.clearinghouse.cached());
  await ctx.change(async (trx, log, at) => {
    for (const k of packs) {
      if (await repo.markKeyPackLapseReported(trx, k.id, at)) {
        log.event(9130, { pack: k.pack, seq: k.seq, installedAt: k.installedAt.toISOString(), windowDays: days });
      }
    }
    if (activationLapsed && (await repo.markServerLapseReported(trx, at))) {
      log.event(9131, { activatedAt: server.activatedAt!.toISOString(), windowDays: days });
    }
    return ok(undefined);
  });
}
