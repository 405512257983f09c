/**
 * What the session host asks of license servers and of the clearinghouse, over HTTP (the cross-component
 * protocol): enrolment, identity, CAL requests and validation; the trust anchor and the revocation list.
 */
import type { Refusal, Result } from '../core/result';
import type { CalVersion, LicensingMode } from '../core/vocabulary';
import type { SignedList, TrustAnchor } from '../core/wire/clearinghouse';
import type { CalAnswer, CalRequest, Enrolment, ServerIdentity, Validated } from '../core/wire/license-server';
import { callJson } from '../http/client';

/** What the session host reads from a license server and the clearinghouse: the wire contract's types. */
export type { CalAnswer as CalResponse, CalRequest, ServerIdentity as LicenseServerIdentity } from '../core/wire/license-server';
export type { TrustAnchor as TrustAnchorResponse } from '../core/wire/clearinghouse';

/** The HTTP calls, as a port so tests of the use cases can run against real servers on 127.0.0.1. */
export interface SessionHostPeers {
  enroll(licenseServerUrl: string, joinToken: string, hostName: string): Promise<Result<Enrolment>>;
  identity(licenseServerUrl: string): Promise<Result<ServerIdentity>>;
  requestCal(licenseServerUrl: string, token: string | undefined, request: CalRequest): Promise<Result<CalAnswer>>;
  validateCal(licenseServerUrl: string, token: string | undefined, jti: string): Promise<Result<Validated>>;
  /** the license server's CAL decision for this host, issuing nothing (`POST /ls/v1/cals/dry-run`). */
  dryRunCal(licenseServerUrl: string, token: string | undefined, request: { mode: Exclude<LicensingMode, 'not-configured'>; hostVersion: CalVersion }): Promise<Result<unknown>>;
  trustAnchor(clearinghouseUrl: string): Promise<Result<TrustAnchor>>;
  revocations(clearinghouseUrl: string): Promise<Result<SignedList>>;
}

export function httpPeers(options: { timeoutMs?: number } = {}): SessionHostPeers {
  const timeoutMs = options.timeoutMs ?? 5000;
  const auth = (token: string | undefined) => (token === undefined ? {} : { token });
  return {
    enroll: (url, joinToken, name) => callJson(url, 'POST', '/ls/v1/hosts/enroll', { body: { joinToken, name }, timeoutMs }),
    identity: (url) => callJson(url, 'GET', '/ls/v1/identity', { timeoutMs }),
    requestCal: (url, token, body) => callJson(url, 'POST', '/ls/v1/cals', { body, timeoutMs, ...auth(token) }),
    validateCal: (url, token, jti) => callJson(url, 'POST', '/ls/v1/cals/validate', { body: { jti }, timeoutMs, ...auth(token) }),
    dryRunCal: (url, token, body) => callJson(url, 'POST', '/ls/v1/cals/dry-run', { body, timeoutMs, ...auth(token) }),
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
