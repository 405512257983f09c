/**
 * The license server's side of the clearinghouse API (docs/architecture.md, cross-component protocol):
 * every call is a request signed with the server identity, `{ request: <JWS of SignedRequestPayload> }`.
 * Auto activation and reactivation also carry the organization's bearer token.
 */
import type { Clock } from '../core/clock';
import type { SignedRequestPayload } from '../core/protocol';
import type { Result } from '../core/result';
import type { ReactivationReason, ServerVersion } from '../core/vocabulary';
import type { CertificateAnswer, CheckInAnswer, DeactivationAnswer, HoldingsAnswer, HostRegistered, HostRegistry, InstallAnswer, SignedList, TrustAnchor as TrustAnswer } from '../core/wire/clearinghouse';
import { callJson } from '../http/client';
import { base64urlEncode, signJws, type Identity } from '../trust/index';
import type { CompanyInfo } from './license-server.repository';

/** The clearinghouse's answers, from the wire contract. */
export type { CheckInAnswer, HoldingsAnswer, InstallAnswer, TrustAnchor as TrustAnswer } from '../core/wire/clearinghouse';

export interface InstallRequest {
  packKey: string;
  licenseNumber?: string;
  authorizationNumber?: string;
  agreementNumber?: string;
}

export interface ClearinghouseClient {
  readonly url: string;
  trust(): Promise<Result<TrustAnswer>>;
  revocations(): Promise<Result<SignedList>>;
  activate(orgToken: string, company: CompanyInfo, serverVersion: ServerVersion): Promise<Result<CertificateAnswer>>;
  reactivate(orgToken: string, reason: ReactivationReason, serverVersion: ServerVersion): Promise<Result<CertificateAnswer>>;
  deactivate(): Promise<Result<DeactivationAnswer>>;
  install(body: InstallRequest): Promise<Result<InstallAnswer>>;
  /**
   * `chain`: this check-in's place in the server's check-in chain (core/fork-rules.ts), sent again as it is on a retry.
   * `activationSerial`: the activation this server holds, which confirms a web/phone activation (tenant binding).
   */
  checkIn(body: {
    instanceId: string;
    /** each key pack as installed: what its key pack ID or grant said, and how many CALs it issued. */
    packs: { pack: number; seq: number; issued: number; count?: number; calType?: string; calVersion?: number; program?: string }[];
    chain: { counter: number; prev: string; attempt: string };
    /** an activation made from a typed confirmation, until its certificate arrives. */
    activation?: { serial: number; method: string };
  }): Promise<Result<CheckInAnswer>>;
  holdings(): Promise<Result<HoldingsAnswer>>;
  /** registers a session host this server enrolled with the organization (its signed enrolment statement). */
  registerHost(statement: string): Promise<Result<HostRegistered>>;
  /** the organization's host registry. */
  hostRegistry(): Promise<Result<HostRegistry>>;
}

const PREFIX = '/ch/v1';

export function createClearinghouseClient(options: {
  url: string;
  identity: Identity;
  serverId: string;
  clock: Clock;
  random: (n: number) => Uint8Array;
  timeoutMs?: number;
}): ClearinghouseClient {
  const { url, identity, serverId, clock, random } = options;
  const pub = base64urlEncode(identity.publicKeyRaw);

  async function signed<T>(action: string, path: string, body: unknown, token?: string): Promise<Result<T>> {
    const payload: SignedRequestPayload = {
      typ: 'opencal.request',
      action,
      sub: serverId,
      pub,
      aud: 'clearinghouse',
      iat: Math.floor(clock.now().getTime() / 1000),
      nonce: base64urlEncode(random(16)),
      body,
    };
    const request = await signJws(identity, payload);
    return callJson<T>(url, 'POST', `${PREFIX}${path}`, { body: { request }, token, timeoutMs: options.timeoutMs });
  }

  return {
    url,
    trust: () => callJson<TrustAnswer>(url, 'GET', `${PREFIX}/trust`, { timeoutMs: options.timeoutMs }),
    revocations: () => callJson<{ list: string }>(url, 'GET', `${PREFIX}/revocations`, { timeoutMs: options.timeoutMs }),
    activate: (orgToken, company, serverVersion) => signed('activate', '/servers/activate', { company, serverVersion }, orgToken),
    reactivate: (orgToken, reason, serverVersion) => signed('reactivate', '/servers/reactivate', { reason, serverVersion }, orgToken),
    deactivate: () => signed('deactivate', '/servers/deactivate', {}),
    install: (body) => signed('install', '/servers/install', body),
    checkIn: (body) => signed('check-in', '/servers/check-in', body),
    holdings: () => signed('holdings', '/servers/holdings', {}),
    registerHost: (statement) => signed('register-host', '/servers/hosts/register', { statement }),
    hostRegistry: () => signed('host-registry', '/servers/hosts', {}),
  };
}
