/**
 * Activation (DESIGN §5, rds-facts §2): unactivated → activated → deactivated | invalidated, by auto (the
 * clearinghouse API), web or phone (a 35-character confirmation verified offline by its MAC). Reactivation takes
 * a reason; deactivation gives the 35-character receipt. Migration codes are made here too (the target server
 * makes them, DESIGN §3).
 */
import type { ChangeLog } from '../storage/change';
import { dateFromDayNumber, dayNumber, decodeCode, encodeCode, provisionalDeadline, serverIdPrefix, verifyCodeMac } from '../core/codes/index';
import type { ServerCertificatePayload } from '../core/protocol';
import { ok, refuse, refusal, type Refusal, type Result } from '../core/result';
import { MIGRATION_REASONS, REACTIVATION_REASONS, type ActivationMethod, type MigrationReason, type ReactivationReason } from '../core/vocabulary';
import { type LicenseServerContext, type TrustAnchor } from './context';
import { isActive } from './issuance.usecase';
import { activationMark, windowDays } from './provisional.usecase';
import * as repo from './license-server.repository';
import type { LsDb } from './license-server.repository';
import type { CompanyInfo } from './license-server.repository';
import type { ActivationView } from '../core/wire/license-server';

export type { ActivationView };


export function activationView(server: repo.ServerState, now: Date): ActivationView {
  const provisional = activationMark(server, now);
  return {
    status: server.status,
    method: server.method,
    activatedAt: server.activatedAt?.toISOString(),
    expiresAt: server.expiresAt?.toISOString(),
    expired: server.status === 'activated' && !isActive(server, now),
    certificate: server.certificate !== undefined,
    reason: server.statusReason,
    ...(provisional ? { provisional } : {}),
    ...(server.company && server.company.company !== '' ? { contact: { ...server.company } } : {}),
  };
}

/** A clearinghouse answer that did not arrive: the next step is web or phone. */
export function unreachable(ctx: LicenseServerContext, e: Refusal, what: string): Refusal {
  if (e.code !== 'UNREACHABLE' && e.code !== 'BAD_RESPONSE') return e;
  return refusal('CLEARINGHOUSE_UNREACHABLE', { cause: e.code, ...e.detail, action: what, ...(ctx.clearinghouse.url ? { url: ctx.clearinghouse.url } : {}) });
}

export function noClearinghouse(what: string) {
  return refuse(
    'CLEARINGHOUSE_NOT_CONFIGURED',
    { action: what },
  );
}

export async function anchorOrRefuse(ctx: LicenseServerContext): Promise<Result<TrustAnchor>> {
  const anchor = await ctx.clearinghouse.anchor();
  if (anchor.ok) return anchor;
  return refuse(
    'TRUST_ANCHOR_MISSING',
    { cause: anchor.error.code },
  );
}

/** Check a certificate the clearinghouse signed for this server. */
export async function verifyCertificate(ctx: LicenseServerContext, anchor: TrustAnchor, token: string): Promise<Result<ServerCertificatePayload>> {
  const verified = await anchor.verify<ServerCertificatePayload>(token, 'opencal.certificate');
  if (!verified.ok) return verified;
  const cert = verified.value;
  if (cert.sub !== ctx.serverId || cert.pub !== ctx.publicKey) {
    return refuse('CERTIFICATE_INVALID', { sub: cert.sub, serverId: ctx.serverId });
  }
  return ok(cert);
}

function checkCompany(company: CompanyInfo | undefined): Result<CompanyInfo> {
  const fields = ['firstName', 'lastName', 'company', 'country'] as const;
  if (!company || typeof company !== 'object') {
    return refuse('INVALID_REQUEST', { field: 'company' });
  }
  for (const f of fields) {
    const v = company[f];
    if (typeof v !== 'string' || v.trim() === '' || v.length > 200) {
      return refuse('INVALID_REQUEST', { field: `company.${f}` });
    }
  }
  return ok({ firstName: company.firstName, lastName: company.lastName, company: company.company, country: company.country });
}

async function storeActivation(
  ctx: LicenseServerContext,
  trx: LsDb,
  log: ChangeLog,
  a: {
    method: ActivationMethod;
    serial: number;
    expiresAt: Date;
    certificate?: string;
    org?: string;
    company?: CompanyInfo;
    reason?: string;
    /** activated from a typed confirmation: the end of its provisional window. */
    provisionalUntil?: Date;
  },
): Promise<void> {
  const now = ctx.clock.now();
  await repo.updateServer(trx, {
    status: 'activated',
    method: a.method,
    activatedAt: now,
    expiresAt: a.expiresAt,
    serial: a.serial,
    certificate: a.certificate ?? null,
    org: a.org ?? null,
    ...(a.company ? { company: a.company } : {}),
    statusChangedAt: now,
    statusReason: a.reason ?? null,
    provisionalUntil: a.provisionalUntil ?? null,
    lapseReportedAt: null,
  });
  log.event(4, { serverId: ctx.serverId, method: a.method });
  if (a.reason) log.event(9102, { serverId: ctx.serverId, reason: a.reason });
}

export type ActivateInput =
  | { method: 'auto'; orgToken: string; company: CompanyInfo }
  | { method: 'web' | 'phone'; confirmation: string };

export async function activate(ctx: LicenseServerContext, input: ActivateInput): Promise<Result<ActivationView>> {
  const server = await repo.getServer(ctx.db);
  if (isActive(server, ctx.clock.now())) {
    return refuse(
      'LICENSE_SERVER_ALREADY_ACTIVATED',
      { serverId: ctx.serverId, ...(server.method ? { method: server.method } : {}) },
    );
  }
  if (server.status !== 'unactivated') {
    return refuse(
      'LICENSE_SERVER_NOT_UNACTIVATED',
      { serverId: ctx.serverId, status: server.status },
    );
  }
  return input.method === 'auto' ? activateAuto(ctx, input.orgToken, input.company) : activateWithConfirmation(ctx, input.method, input.confirmation);
}

async function activateAuto(ctx: LicenseServerContext, orgToken: string, companyInput: CompanyInfo, reason?: ReactivationReason): Promise<Result<ActivationView>> {
  const client = ctx.clearinghouse.client;
  if (!client) return noClearinghouse('activate');
  if (typeof orgToken !== 'string' || orgToken.trim() === '') {
    return refuse('INVALID_REQUEST', { field: 'orgToken' });
  }
  let company: CompanyInfo | undefined;
  if (!reason) {
    const checked = checkCompany(companyInput);
    if (!checked.ok) return checked;
    company = checked.value;
  }
  const anchor = await anchorOrRefuse(ctx);
  if (!anchor.ok) return anchor;
  const answer = reason ? await client.reactivate(orgToken, reason, ctx.serverVersion) : await client.activate(orgToken, company!, ctx.serverVersion);
  if (!answer.ok) return { ok: false, error: unreachable(ctx, answer.error, 'activate') };
  const cert = await verifyCertificate(ctx, anchor.value, answer.value.certificate);
  if (!cert.ok) return cert;
  await ctx.change(async (trx, log) => {
    await storeActivation(ctx, trx, log, {
      method: 'auto', serial: cert.value.serial, expiresAt: new Date(cert.value.exp * 1000), certificate: answer.value.certificate,
      org: cert.value.org, company, reason,
    });
    return ok(undefined);
  });
  return ok(activationView(await repo.getServer(ctx.db), ctx.clock.now()));
}

async function activateWithConfirmation(
  ctx: LicenseServerContext,
  method: 'web' | 'phone',
  confirmation: string,
  reason?: ReactivationReason,
): Promise<Result<ActivationView>> {
  const decoded = decodeCode(typeof confirmation === 'string' ? confirmation : '', 'activationConfirmation');
  if (!decoded.ok) return decoded;
  const anchor = await anchorOrRefuse(ctx);
  if (!anchor.ok) return anchor;
  const mac = verifyCodeMac(decoded.value, anchor.value.macKey);
  if (!mac.ok) {
    return refuse(
      'ACTIVATION_CONFIRMATION_INVALID',
      { serverId: ctx.serverId },
    );
  }
  const { serial, validUntilDay } = decoded.value.fields;
  const now = ctx.clock.now();
  if (validUntilDay < dayNumber(now)) {
    return refuse('ACTIVATION_CONFIRMATION_INVALID', {
      validUntil: dateFromDayNumber(validUntilDay).toISOString(),
    });
  }
  // Valid through the whole of its last day; the certificate arrives at the next check-in or in an imported file.
  // Until then the activation is provisional: this server can compute the confirmation's MAC itself (docs/codes.md).
  const provisionalUntil = provisionalDeadline(now, windowDays(anchor.value));
  await ctx.change(async (trx, log) =>
    ok(await storeActivation(ctx, trx, log, { method, serial, expiresAt: dateFromDayNumber(validUntilDay + 1), reason, provisionalUntil })),
  );
  return ok(activationView(await repo.getServer(ctx.db), ctx.clock.now()));
}

export interface ReactivateInput {
  reason: ReactivationReason;
  method?: ActivationMethod;
  /** auto: the organization's clearinghouse token. */
  orgToken?: string;
  /** web / phone: the new activation confirmation. */
  confirmation?: string;
}

export async function reactivate(ctx: LicenseServerContext, input: ReactivateInput): Promise<Result<ActivationView>> {
  if (!(REACTIVATION_REASONS as readonly string[]).includes(input.reason)) {
    return refuse('INVALID_REQUEST', { field: 'reason', allowed: REACTIVATION_REASONS });
  }
  const server = await repo.getServer(ctx.db);
  if (server.status === 'unactivated') {
    return refuse('LICENSE_SERVER_NOT_ACTIVATED', { serverId: ctx.serverId, action: 'reactivate' });
  }
  if (input.method === 'web' || input.method === 'phone') return activateWithConfirmation(ctx, input.method, input.confirmation ?? '', input.reason);
  return activateAuto(ctx, input.orgToken ?? '', server.company ?? { firstName: '', lastName: '', company: '', country: '' }, input.reason);
}

export async function deactivate(ctx: LicenseServerContext): Promise<Result<{ receipt: string; clearinghouseNotified: boolean; message: string }>> {
  const server = await repo.getServer(ctx.db);
  if (server.status !== 'activated') {
    return refuse('LICENSE_SERVER_NOT_ACTIVATED', { serverId: ctx.serverId, status: server.status, action: 'deactivate' });
  }
  const anchor = await anchorOrRefuse(ctx);
  if (!anchor.ok) return anchor;
  let notified = false;
  if (ctx.clearinghouse.client) {
    const answer = await ctx.clearinghouse.client.deactivate();
    if (answer.ok) notified = true;
    else if (answer.error.code !== 'UNREACHABLE' && answer.error.code !== 'BAD_RESPONSE') return answer;
  }
  const now = ctx.clock.now();
  // The receipt binds the activation it ends (its serial), so it cannot end a later activation (docs/codes.md).
  const receipt = encodeCode('deactivationReceipt', { server: serverIdPrefix(ctx.serverId), day: dayNumber(now) }, anchor.value.macKey, {
    activationSerial: server.serial ?? 0,
  });
  await ctx.change(async (trx, log, now) => {
    // Its packs are released: they stop issuing here and must be reissued to be used again [fact: SUP-DEACT].
    for (const p of await repo.listKeyPacks(trx)) {
      if (p.status === 'active') await repo.invalidateKeyPack(trx, p.pack, p.seq, now);
    }
    await repo.updateServer(trx, { status: 'deactivated', statusChangedAt: now, statusReason: 'deactivated' });
    log.event(9101, { serverId: ctx.serverId, receipt });
    return ok(undefined);
  });
  return ok({
    receipt,
    clearinghouseNotified: notified,
    message: notified
      ? 'Deactivated. The clearinghouse has released this server\'s packs; keep the receipt as proof.'
      : 'Deactivated. Enter the receipt on the clearinghouse portal (Deactivate) or read it to the agent, so its packs can be moved.',
  });
}

export async function makeMigrationCode(ctx: LicenseServerContext, input: { reason: MigrationReason; sourceId?: string }): Promise<Result<{ migrationCode: string; serverId: string }>> {
  if (!(MIGRATION_REASONS as readonly string[]).includes(input.reason)) {
    return refuse('INVALID_REQUEST', { field: 'reason', allowed: MIGRATION_REASONS });
  }
  const server = await repo.getServer(ctx.db);
  // The destination license server must already be activated [fact: WSD-MIG].
  if (!isActive(server, ctx.clock.now())) {
    return refuse('LICENSE_SERVER_NOT_ACTIVATED', { serverId: ctx.serverId, action: 'migrate' });
  }
  let source = 0n;
  if (input.sourceId !== undefined && input.sourceId !== '') {
    const decoded = decodeCode(input.sourceId, 'licenseServerId');
    if (!decoded.ok) return decoded;
    if (decoded.value.formatted === ctx.serverId) {
      return refuse('INVALID_REQUEST', { field: 'sourceId', problem: 'own-id' });
    }
    source = serverIdPrefix(decoded.value.formatted, 40);
  }
  const anchor = await anchorOrRefuse(ctx);
  if (!anchor.ok) return anchor;
  const migrationCode = encodeCode(
    'migrationCode',
    { target: serverIdPrefix(ctx.serverId), source, reason: input.reason, day: dayNumber(ctx.clock.now()) },
    anchor.value.macKey,
  );
  await ctx.change.event(9106, { migrationCode, reason: input.reason, source: input.sourceId ? `, source ${input.sourceId}` : '' });
  return ok({ migrationCode, serverId: ctx.serverId });
}
