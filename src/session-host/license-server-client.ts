/**
 * What the session host asks of license servers and of the clearinghouse, over HTTP (the cross-component
 * protocol): enrolment, identity, CAL requests and validation; the trust anchor and the revocation list.
 */
import type { Refusal, Result } from '../core/result';
import type { CalVersion, LicensingMode } from '../core/vocabulary';
import type { SignedList, TrustAnchor } from '../core/wire/clearinghouse';
import type { CalAnswer, CalRequest, Enrolment, ServerIdentity, Validated } from '../core/wire/license-server';
import { callJson } from '../http/client';
import { HOST_SIGNATURE_HEADER } from '../trust/index';

/** What the session host reads from a license server and the clearinghouse: the wire contract's types. */
export type { CalAnswer as CalResponse, CalRequest, ServerIdentity as LicenseServerIdentity } from '../core/wire/license-server';
export type { TrustAnchor as TrustAnchorResponse } from '../core/wire/clearinghouse';

/** The HTTP calls, as a port so tests of the use cases can run against real servers on 127.0.0.1. */
export interface SessionHostPeers {
  /** `statement`: the host's signed enrolment statement (its key, registered with the organization). */
  enroll(licenseServerUrl: string, joinToken: string, hostName: string, statement?: string): Promise<Result<Enrolment>>;
  identity(licenseServerUrl: string): Promise<Result<ServerIdentity>>;
  /** The host calls below are signed with the host's key (its credential: no bearer token is kept). */
  requestCal(licenseServerUrl: string, request: CalRequest): Promise<Result<CalAnswer>>;
  validateCal(licenseServerUrl: string, jti: string): Promise<Result<Validated>>;
  /** the license server's CAL decision for this host, issuing nothing (`POST /ls/v1/cals/dry-run`). */
  dryRunCal(licenseServerUrl: string, request: { mode: Exclude<LicensingMode, 'not-configured'>; hostVersion: CalVersion }): Promise<Result<unknown>>;
  trustAnchor(clearinghouseUrl: string): Promise<Result<TrustAnchor>>;
  revocations(clearinghouseUrl: string): Promise<Result<SignedList>>;
}

/**
 * Signs a request to a license server (`OpenCAL-Host-Signature`): the session host's identity, DESIGN §4.
 * Without one, requests carry the bearer token alone.
 */
export type HostRequestSigner = (method: string, path: string, body: unknown, at: Date) => Promise<string>;

export function httpPeers(options: { timeoutMs?: number; sign?: HostRequestSigner; now?: () => Date } = {}): SessionHostPeers {
  const timeoutMs = options.timeoutMs ?? 5000;
  const now = options.now ?? (() => new Date());
  /** Per license server: how far its clock is from this host's, learned from a signature it found stale. */
  const offsets = new Map<string, number>();
  const send = async <T>(url: string, path: string, body: unknown): Promise<Result<T>> => {
    const at = new Date(now().getTime() + (offsets.get(url) ?? 0));
    const headers = options.sign ? { [HOST_SIGNATURE_HEADER]: await options.sign('POST', path, body, at) } : undefined;
    return callJson<T>(url, 'POST', path, { body, timeoutMs, ...(headers ? { headers } : {}) });
  };
  /**
   * A host call, signed with the host's identity. A license server whose clock is far from this host's refuses the
   * signature as stale and tells its time: the host signs again on that clock, once, and keeps the offset.
   */
  const hostCall = async <T>(url: string, path: string, body: unknown): Promise<Result<T>> => {
    const first = await send<T>(url, path, body);
    if (first.ok || first.error.code !== 'HOST_SIGNATURE_INVALID' || first.error.detail?.['problem'] !== 'stale') return first;
    const serverTime = Date.parse(String(first.error.detail['serverTime'] ?? ''));
    if (Number.isNaN(serverTime)) return first;
    offsets.set(url, serverTime - now().getTime());
    return send<T>(url, path, body);
  };
  return {
    enroll: (url, joinToken, name, statement) =>
      callJson(url, 'POST', '/ls/v1/hosts/enroll', { body: { joinToken, name, ...(statement === undefined ? {} : { statement }) }, timeoutMs }),
    identity: (url) => callJson(url, 'GET', '/ls/v1/identity', { timeoutMs }),
    requestCal: (url, body) => hostCall(url, '/ls/v1/cals', body),
    validateCal: (url, jti) => hostCall(url, '/ls/v1/cals/validate', { jti }),
    dryRunCal: (url, body) => hostCall(url, '/ls/v1/cals/dry-run', body),
    trustAnchor: (url) => callJson(url, 'GET', '/ch/v1/trust', { timeoutMs }),
    revocations: (url) => callJson(url, 'GET', '/ch/v1/revocations', { timeoutMs }),
  };
}

/** A license server is "down" (try the next one on the list) when it cannot be reached or fails itself. */
export function isOutage(refusal: Refusal): boolean {
  if (refusal.code === 'UNREACHABLE' || refusal.code === 'BAD_RESPONSE') return true;
  const status = refusal.detail?.['status'];
  return typeof status === 'number' && status >= 500;
}
