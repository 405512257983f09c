/**
 * The session host's probe (`POST /sh/v1/probe`): asks each license server on its list for a CAL decision on
 * its own behalf — with its own enrolment token, as its real CAL requests do — through the license server's dry
 * run, which issues nothing. What the diagnoser and the console show about a license server's enrolment comes
 * from this answer, not from the stored fact that a token is held: a token the license server no longer knows
 * (it was reinstalled at the same address) is a refused probe.
 */
import type { CalVersion } from '../core/vocabulary';
import { effectiveConfig } from './config.usecase';
import type { SessionHostContext } from './context';
import { isOutage } from './license-server-client';
import { listEnrolments } from './session-host.repository';

/** The probe's answer: the wire contract's types (src/core/wire/session-host.ts), declared once. */
export type { LicenseServerProbe, ProbeReport } from '../core/wire/session-host';
import type { LicenseServerProbe, ProbeReport } from '../core/wire/session-host';
export type ProbeOutcome = LicenseServerProbe['outcome'];

/**
 * Why a license server refused this host's credential, in the administrator's terms (the license server's own
 * message speaks to API callers about tokens).
 */
export function enrolmentRefusedMessage(url: string): string {
  return `License server ${url} does not recognise this session host's enrolment: it was reinstalled (a new license database) and is not activated with this host's organization yet, or the host's key was retired. Activate it with the organization (it then recognises the organization's registered hosts), or enrol the session host on it again with a join token made on that license server.`;
}

/**
 * A license server's refusal, as the session host's administrator reads it (events 1004, the probe): the license
 * server's own messages speak to its API callers (routes, flags); these name the action in the license manager.
 */
export function licenseServerReason(url: string, refusal: { code: string; message: string }): string {
  switch (refusal.code) {
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN_SCOPE':
    case 'HOST_SIGNATURE_INVALID':
      return enrolmentRefusedMessage(url);
    case 'HOST_NOT_ALLOWED':
      return `License server ${url} refuses this session host: it is not on the license server's "RDS Endpoint Servers" allow-list (event 4141 there). Add the session host to the allow-list in the license manager, or turn the allow-list off.`;
    case 'LICENSE_SERVER_DEACTIVATED':
      return `License server ${url} is deactivated and issues no CALs. Reactivate it in the license manager, or list the license server that now holds the packs.`;
    case 'LICENSE_SERVER_INVALIDATED':
      return `The clearinghouse invalidated license server ${url}; it issues no CALs. Reactivate it with a reason, or list the license server that now holds the packs.`;
    default:
      // Other refusals (no CAL available, not activated) already speak of CALs and servers, not of the API.
      return /\/(ls|sh|ch)\/v1|--[a-z]|OPENCAL_/.test(refusal.message)
        ? `License server ${url} refused the CAL request (${refusal.code}).`
        : `License server ${url}: ${refusal.message}`;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export async function probeLicenseServers(ctx: SessionHostContext): Promise<ProbeReport> {
  const config = await effectiveConfig(ctx);
  const mode = config.mode.value;
  const enrolled = new Set((await listEnrolments(ctx.database.db)).map((e) => e.licenseServerUrl));
  const probes: LicenseServerProbe[] = [];
  for (const url of config.licenseServers.value) {
    const base = { url, enrolled: enrolled.has(url) };
    if (mode === 'not-configured') {
      probes.push({ ...base, outcome: 'not-asked', code: 'LICENSING_MODE_NOT_CONFIGURED', message: 'The licensing mode is not configured: no CAL type to ask for.' });
      continue;
    }
    if (!base.enrolled) {
      probes.push({ ...base, outcome: 'not-enrolled', code: 'NOT_ENROLLED', message: `This session host holds no enrolment on ${url}: it cannot request CALs from it.` });
      continue;
    }
    const answer = await ctx.peers.dryRunCal(url, { mode, hostVersion: ctx.settings.hostVersion });
    if (!answer.ok) {
      const message = isOutage(answer.error) ? answer.error.message : licenseServerReason(url, answer.error);
      probes.push({ ...base, outcome: isOutage(answer.error) ? 'unreachable' : 'refused', code: answer.error.code, message });
      continue;
    }
    const a = answer.value as Record<string, unknown>;
    const issue = str(a['issue']) as LicenseServerProbe['issue'];
    const probe: LicenseServerProbe = { ...base, outcome: issue && issue !== 'none' ? 'would-issue' : 'refused' };
    if (str(a['serverId'])) probe.serverId = str(a['serverId'])!;
    if (issue) probe.issue = issue;
    if (typeof a['permanentAvailable'] === 'boolean') probe.permanentAvailable = a['permanentAvailable'];
    if (typeof a['calVersion'] === 'number') probe.calVersion = a['calVersion'] as CalVersion;
    if (typeof a['activated'] === 'boolean') probe.activated = a['activated'];
    if (str(a['code'])) probe.code = str(a['code'])!;
    if (str(a['message'])) probe.message = str(a['message'])!;
    probes.push(probe);
  }
  return { at: ctx.clock.now().toISOString(), mode, probes };
}
