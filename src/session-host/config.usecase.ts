/**
 * The session host's configuration: licensing mode and license server list in three layers
 * (policy > deployment > local, DESIGN §5), the grace period, enrolment on license servers, status, and the
 * Windows configuration emitted from the same settings (DESIGN §8).
 */
import type { SessionHostStatus } from '../core/wire/session-host';
import { ok, refuse, type Result } from '../core/result';
import {
  graceDaysLeft,
  isSkewBeyondLeeway,
  normalizeLicenseServerUrl,
  resolveConfig,
  type GraceStatus,
  type LayerSettings,
  type ResolvedConfig,
} from '../core/session-host-rules';
import { HOST_EMIT_FORMATS, emitFileName, emitPam, emitWindowsConfig, type EmitFormat, type HostEmitFormat } from '../core/windows-config';
import { CONFIG_LAYERS, LICENSING_MODES, type ConfigLayer, type LicensingMode } from '../core/vocabulary';
import type { SessionHostContext } from './context';
import { refreshFromClearinghouse, refreshIdentity } from './trust.usecase';
import { signHostEnrolment } from '../trust/index';
import { clockReport, hostOrganization } from './chain.usecase';
import {
  advanceHighWaterMark,
  ensureFirstStart,
  listEnrolments,
  readLayers,
  saveEnrolment,
  hashHostToken,
  writeLayer,
} from './session-host.repository';

export async function layers(ctx: SessionHostContext): Promise<Partial<Record<ConfigLayer, LayerSettings>>> {
  const stored = await readLayers(ctx.database.db);
  const out: Partial<Record<ConfigLayer, LayerSettings>> = {};
  for (const layer of CONFIG_LAYERS) {
    const fromFile = ctx.fileLayers[layer];
    const fromDb = stored[layer];
    if (fromFile) out[layer] = fromFile;
    else if (fromDb) {
      const s: LayerSettings = {};
      if (fromDb.mode !== undefined) s.mode = fromDb.mode;
      if (fromDb.licenseServers !== undefined) s.licenseServers = fromDb.licenseServers;
      out[layer] = s;
    }
  }
  return out;
}

export async function effectiveConfig(ctx: SessionHostContext): Promise<ResolvedConfig> {
  return resolveConfig(await layers(ctx));
}

/**
 * The grace period as of now. The high-water mark moves forward in the same call; when the clock reads
 * earlier than a time already seen, the anomaly is logged (9201) and no days are given back.
 */
export async function currentGrace(ctx: SessionHostContext): Promise<GraceStatus> {
  const now = ctx.clock.now();
  const row = await ensureFirstStart(ctx.database.db, now);
  const grace = graceDaysLeft(row.firstStart, row.highWaterMark, now);
  if (grace.clockWentBack) {
    await ctx.change.event(9201, {
      now: now.toISOString(),
      highWaterMark: row.highWaterMark.toISOString(),
      graceDaysLeft: grace.daysLeft,
    });
  } else {
    await advanceHighWaterMark(ctx.database.db, now);
  }
  return grace;
}

export type { SessionHostStatus } from '../core/wire/session-host';

export async function status(ctx: SessionHostContext): Promise<SessionHostStatus> {
  const config = await effectiveConfig(ctx);
  const grace = await currentGrace(ctx);
  const enrolled = new Set((await listEnrolments(ctx.database.db)).map((e) => e.licenseServerUrl));
  const all = await layers(ctx);
  const layerView: SessionHostStatus['layers'] = {};
  for (const layer of CONFIG_LAYERS) {
    const l = all[layer];
    if (l) layerView[layer] = ctx.fileLayers[layer] ? { ...l, fromFile: true } : l;
  }
  const problems: { code: string; message: string }[] = [];
  if (config.mode.value === 'not-configured') {
    problems.push({ code: 'LICENSING_MODE_NOT_CONFIGURED', message: 'The licensing mode is not configured (event 1068). Set it to per device or per user.' });
  }
  if (config.mode.value === 'per-user' && ctx.settings.directory === 'workgroup') {
    problems.push({ code: 'PER_USER_NOT_PERMITTED_IN_WORKGROUP', message: 'Per User CALs are not permitted in a workgroup: set the licensing mode to per device.' });
  }
  if (config.licenseServers.value.length === 0) {
    problems.push({ code: 'NO_LICENSE_SERVER_SPECIFIED', message: 'No license server is specified (event 50282). Add one in the policy, deployment or local layer.' });
  }
  for (const url of config.licenseServers.value) {
    if (!enrolled.has(url)) problems.push({ code: 'NOT_ENROLLED', message: `This session host is not enrolled on ${url}: enroll it with a join token from that license server.` });
  }
  const clock = clockReport(ctx);
  for (const skew of clock.skews) {
    if (!isSkewBeyondLeeway(skew.skewSeconds, clock.leewaySeconds)) continue;
    problems.push({
      code: 'LICENSE_SERVER_CLOCK_SKEW',
      message: `The clock of ${skew.licenseServerUrl} differs from this host's by ${skew.skewSeconds} s (more than ${clock.leewaySeconds} s): synchronise both clocks (NTP).`,
    });
  }
  const organization = await hostOrganization(ctx, config.licenseServers.value);
  const out: SessionHostStatus = {
    hostName: ctx.settings.hostName,
    hostVersion: ctx.settings.hostVersion,
    directory: ctx.settings.directory,
    mode: config.mode.value,
    modeValue: LICENSING_MODES[config.mode.value],
    modeSource: config.mode.source,
    licenseServers: config.licenseServers.value.map((url) => {
      const id = ctx.trust.identities.get(url);
      if (!id) return { url, enrolled: enrolled.has(url) };
      const change = id.held
        ? { followed: false, at: id.held.at, heldServerId: id.held.serverId, reason: id.held.reason }
        : id.previousServerId !== undefined && id.changedAt !== undefined
          ? { followed: true, at: id.changedAt, previousServerId: id.previousServerId }
          : undefined;
      return { url, enrolled: enrolled.has(url), serverId: id.serverId, ...(change ? { identityChange: change } : {}) };
    }),
    identity: { hostId: ctx.identity.kid, ...(organization !== undefined ? { organization } : {}) },
    licenseServersSource: config.licenseServers.source,
    layers: layerView,
    grace: { daysLeft: grace.daysLeft, expired: grace.expired, endsAt: grace.endsAt.toISOString() },
    problems,
    clock,
    ...(organization === undefined ? {} : { organization }),
  };
  if (ctx.trust.fingerprint !== undefined) out.trustAnchor = { fingerprint: ctx.trust.fingerprint };
  if (ctx.trust.revocations) out.revocationListSeq = ctx.trust.revocations.seq;
  // The list's age is what the diagnoser judges (a stale list keeps honouring revoked CALs).
  out.revocationList = {
    clearinghouse: ctx.settings.clearinghouseUrl !== undefined,
    ...(ctx.trust.revocations ? { seq: ctx.trust.revocations.seq, issuedAt: new Date(ctx.trust.revocations.iat * 1000).toISOString() } : {}),
    ...(ctx.trust.revocationsFetchedAt ? { fetchedAt: ctx.trust.revocationsFetchedAt.toISOString() } : {}),
  };
  return out;
}

export interface SetLayerInput {
  layer: ConfigLayer;
  mode?: LicensingMode | null;
  licenseServers?: string[] | null;
}

/**
 * Replaces what one layer says. `null` (or an omitted field) clears the field in that layer, so that the next
 * layer down applies again. License server entries are URLs; a bare host name means `http://host`.
 */
export async function setLayer(ctx: SessionHostContext, input: SetLayerInput): Promise<Result<SessionHostStatus>> {
  if (!(CONFIG_LAYERS as readonly string[]).includes(input.layer)) {
    return refuse('CONFIG_LAYER_INVALID', { layer: input.layer });
  }
  if (ctx.fileLayers[input.layer]) {
    return refuse('CONFIG_LAYER_FROM_FILE', { layer: input.layer });
  }
  const settings: LayerSettings = {};
  if (input.mode !== undefined && input.mode !== null) settings.mode = input.mode;
  if (input.licenseServers !== undefined && input.licenseServers !== null) {
    const urls: string[] = [];
    for (const entry of input.licenseServers) {
      const url = normalizeLicenseServerUrl(entry);
      if (!url) {
        return refuse('LICENSE_SERVER_URL_INVALID', { entry });
      }
      if (!urls.includes(url)) urls.push(url);
    }
    settings.licenseServers = urls;
  }
  await ctx.change(async (trx, log, at) => {
    await writeLayer(trx, input.layer, settings, at);
    const stored = await readLayers(trx);
    const merged: Partial<Record<ConfigLayer, LayerSettings>> = {};
    for (const l of CONFIG_LAYERS) {
      const v = ctx.fileLayers[l] ?? stored[l];
      if (v) merged[l] = v;
    }
    const resolved = resolveConfig(merged);
    log.event(9202, {
      layer: input.layer,
      mode: settings.mode ?? 'not set',
      licenseServers: settings.licenseServers?.join(', ') ?? 'not set',
      effectiveMode: resolved.mode.value,
      modeSource: resolved.mode.source,
    });
    return ok(undefined);
  });
  for (const url of settings.licenseServers ?? []) await refreshIdentity(ctx, url);
  await refreshFromClearinghouse(ctx);
  return ok(await status(ctx));
}

/**
 * Enrols this session host on a license server with the one-time join token made for its name. The host's signed
 * enrolment statement goes with it: the license server registers the host's key with its organization at the
 * clearinghouse, so that any license server of the organization (a reinstall at the same address) recognises it.
 * Only a hash of the returned ls:host token is kept: the host signs its requests with its key.
 */
export async function enroll(
  ctx: SessionHostContext,
  licenseServerUrl: string,
  joinToken: string,
): Promise<Result<{ licenseServerUrl: string; serverId?: string; hostId: string; orgId?: string; registered: boolean }>> {
  const url = normalizeLicenseServerUrl(licenseServerUrl);
  if (!url) return refuse('LICENSE_SERVER_URL_INVALID', { licenseServerUrl, entry: licenseServerUrl });
  const statement = await signHostEnrolment(ctx.identity, ctx.settings.hostName, ctx.clock.now());
  const answer = await ctx.peers.enroll(url, joinToken, ctx.settings.hostName, statement);
  if (!answer.ok) return answer;
  const orgId = answer.value.orgId;
  if (orgId !== undefined) ctx.trust.organization = orgId;
  const identity = await refreshIdentity(ctx, url);
  await ctx.change(async (trx, log, at) => {
    await saveEnrolment(trx, {
      licenseServerUrl: url,
      tokenHash: hashHostToken(answer.value.token),
      hostName: ctx.settings.hostName,
      enrolledAt: at.toISOString(),
      hostId: ctx.identity.kid,
      ...(orgId !== undefined ? { orgId } : {}),
    });
    log.event(9203, { licenseServerUrl: url, serverId: identity.serverId ?? 'unknown' });
    return ok(undefined);
  });
  await refreshFromClearinghouse(ctx);
  return ok({
    licenseServerUrl: url,
    ...(identity.serverId ? { serverId: identity.serverId } : {}),
    hostId: ctx.identity.kid,
    ...(orgId !== undefined ? { orgId } : {}),
    registered: answer.value.registered === true,
  });
}

/**
 * The Windows configuration for this host's effective settings, in one of the four formats; or `pam`, the PAM
 * lines of a Linux host that asks this session host at `origin` (the URL the caller reached it at).
 */
export async function emit(ctx: SessionHostContext, format: string, origin = 'http://127.0.0.1:7878'): Promise<Result<{ format: HostEmitFormat; fileName: string; text: string }>> {
  if (!(HOST_EMIT_FORMATS as readonly string[]).includes(format)) {
    return refuse('EMIT_FORMAT_INVALID', { format, allowed: HOST_EMIT_FORMATS });
  }
  const config = await effectiveConfig(ctx);
  if (format === 'pam') {
    return ok({ format, fileName: 'opencal-pam.txt', text: emitPam({ hostName: ctx.settings.hostName, mode: config.mode.value, sessionHostUrls: [origin] }) });
  }
  const text = emitWindowsConfig(format as EmitFormat, { mode: config.mode.value, licenseServers: config.licenseServers.value });
  if (!text.ok) return text;
  return ok({ format: format as EmitFormat, fileName: emitFileName(format as EmitFormat), text: text.value });
}
