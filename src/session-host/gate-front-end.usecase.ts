/**
 * Gate front ends (docs/session-host.md "Gate front ends"): their credentials (`sh:gate` tokens: made, listed,
 * revoked), whether a device is new to this host (the new-device limit spares known ones), and the events the
 * gate routes record: a source stopped by the new-device limit (9212), a refusal a report-only front end
 * admitted anyway (9213).
 */
import { ok, refuse, type Result } from '../core/result';
import type { GateCredential, GateCredentialCreated, GateCredentialRevoked } from '../core/wire/session-host';
import { createToken, listTokens, revokeToken, type TokenInfo } from '../storage/tokens.repository';
import type { SessionHostContext } from './context';
import { GATE_SCOPE } from './gate';
import { wasAdmitted } from './session-host.repository';

export type { GateCredential, GateCredentialCreated, GateCredentialRevoked } from '../core/wire/session-host';

function credentialOf(t: TokenInfo): GateCredential {
  return { id: t.id, ...(t.label !== undefined ? { label: t.label } : {}), createdAt: t.createdAt, ...(t.revokedAt !== undefined ? { revokedAt: t.revokedAt } : {}) };
}

/** Makes a gate front-end credential; the token is shown once (only its hash is stored). Event 9214. */
export async function createGateCredential(ctx: SessionHostContext, label: string): Promise<GateCredentialCreated> {
  const made = await ctx.change(async (trx, log, at) => {
    const { id, token } = await createToken(trx, { scope: GATE_SCOPE, label }, ctx.clock);
    log.event(9214, { credentialId: id, label });
    return ok({ id, label, createdAt: at.toISOString(), token });
  });
  if (!made.ok) throw new Error(made.error.message);
  const [info] = (await listTokens(ctx.database.db, { scope: GATE_SCOPE })).filter((t) => t.id === made.value.id);
  return { ...made.value, ...(info ? { createdAt: info.createdAt } : {}) };
}

export async function listGateCredentials(ctx: SessionHostContext, includeRevoked = false): Promise<GateCredential[]> {
  return (await listTokens(ctx.database.db, { scope: GATE_SCOPE, includeRevoked })).map(credentialOf);
}

/** Revokes a live gate front-end credential: its front end gets no seat any more. Event 9215. */
export async function revokeGateCredential(ctx: SessionHostContext, id: string): Promise<Result<GateCredentialRevoked>> {
  return ctx.change(async (trx, log) => {
    const live = (await listTokens(trx, { scope: GATE_SCOPE })).some((t) => t.id === id);
    if (!live || !(await revokeToken(trx, id, ctx.clock))) return refuse('GATE_CREDENTIAL_NOT_FOUND', { id });
    log.event(9215, { credentialId: id });
    return ok({ id, revoked: true as const });
  });
}

/** Whether this device (name and hardware ID) was ever admitted here. */
export function isKnownDevice(ctx: SessionHostContext, device: string, hwid: string): Promise<boolean> {
  return wasAdmitted(ctx.database.db, device, hwid);
}

/** A source brought more new devices than the limit in one window (logged once per window). Event 9212. */
export function recordNewDevicesLimited(
  ctx: SessionHostContext,
  data: { frontEnd: string | undefined; source: string; max: number; windowSeconds: number; device: string },
): Promise<void> {
  return ctx.change.event(9212, { ...data, frontEnd: data.frontEnd ?? '-' });
}

/** A report-only front end admitted a connection the session host refused. Event 9213. */
export function recordReportedRefusal(
  ctx: SessionHostContext,
  data: { frontEnd: string | undefined; user: string; device: string; code: string; reason: string },
): Promise<void> {
  return ctx.change.event(9213, { ...data, frontEnd: data.frontEnd ?? '-' });
}
