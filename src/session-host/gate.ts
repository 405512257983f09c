/**
 * Embedding the session host gate (issue 5 "Embedding"):
 * - in a TypeScript service that gates its own connections: `createGate(...)` then `gate.admit({...})`;
 * - behind a reverse proxy: `GET /sh/v1/auth` with the device in headers (nginx `auth_request`), see docs/nginx.md.
 */
import type { CalBundle } from '../core/protocol';
import { err, ok, type Refusal, type Result } from '../core/result';
import { sessionHostRefusal } from '../core/session-host-rules';
import { connect, type Admission, type ConnectInput } from './admission.usecase';
import type { SessionHostContext } from './context';

/** Header names of the reverse-proxy gate (lower case, as Node presents them). */
export const GATE_HEADERS = {
  device: 'x-opencal-device',
  hwid: 'x-opencal-hwid',
  user: 'x-opencal-user',
  /** base64url of the JSON list of CAL bundles the device holds */
  cals: 'x-opencal-cals',
  /** on admit: how (issued, presented, grace) */
  admission: 'x-opencal-admission',
  /** on admit with a new CAL: base64url JSON list with that one bundle, for the device to store */
  newCal: 'x-opencal-new-cal',
  /** on refusal: the stable code */
  refusal: 'x-opencal-refusal',
  refusalMessage: 'x-opencal-refusal-message',
  /** from a front end in report-only mode: a refusal is recorded as "would have been refused" (event 9213) */
  reportOnly: 'x-opencal-report-only',
} as const;

// ------------------------------------------------------------------------------------ gate front ends

/**
 * The token scope of a gate front end: the component that authenticated the connection (nginx with the user
 * it authenticated, the PAM gate after sshd or xrdp checked the password or key, the device client, an embedding
 * application). As in RDS, where the permanent CAL follows a successful logon, only such a connection takes a
 * seat: the gate routes refuse a connection without one (GATE_CREDENTIAL_REQUIRED). The session host admin
 * (`sh:admin`) may also connect devices (the console's test device).
 */
export const GATE_SCOPE = 'sh:gate';
export const GATE_ROUTE_SCOPES = [GATE_SCOPE, 'sh:admin'] as const;

/**
 * New devices per source (a front end's credential and the address it calls from), in a fixed window: a front
 * end that brings devices never seen faster than a site grows is stopped before it takes every seat of a pack.
 * Devices the session host already admitted are never counted.
 */
export class NewDeviceLimiter {
  private readonly windows = new Map<string, { start: number; count: number; reported: boolean }>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Takes one new-device slot for `source`; `allowed: false` once the window is full (`first` on the first refusal). */
  take(source: string): { allowed: true } | { allowed: false; retryAfterSeconds: number; first: boolean } {
    const now = this.now();
    let w = this.windows.get(source);
    if (!w || now - w.start >= this.windowMs || now < w.start) {
      w = { start: now, count: 0, reported: false };
      this.windows.set(source, w);
      if (this.windows.size > 10_000) for (const [k, v] of this.windows) if (now - v.start >= this.windowMs) this.windows.delete(k);
    }
    if (w.count < this.max) {
      w.count += 1;
      return { allowed: true };
    }
    const first = !w.reported;
    w.reported = true;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)), first };
  }
}

export function encodeBundleHeader(bundles: readonly CalBundle[]): string {
  return Buffer.from(JSON.stringify(bundles), 'utf8').toString('base64url');
}

export function decodeBundleHeader(value: string): Result<unknown[]> {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed)) throw new Error('not a list');
    return ok(parsed);
  } catch {
    return err(sessionHostRefusal('CAL_TOKEN_MALFORMED', { why: `${GATE_HEADERS.cals} is base64url of a JSON list of CAL bundles` }));
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The connection request carried by a proxied request's headers. */
export function authHeadersToConnectInput(headers: Record<string, string | string[] | undefined>): Result<ConnectInput> {
  const device = header(headers, GATE_HEADERS.device);
  const hwid = header(headers, GATE_HEADERS.hwid);
  if (!device || !hwid) {
    return err(sessionHostRefusal('INVALID_CONNECTION_REQUEST', { why: `send ${GATE_HEADERS.device} and ${GATE_HEADERS.hwid}` }));
  }
  const input: ConnectInput = { device, hwid };
  const user = header(headers, GATE_HEADERS.user);
  if (user) input.user = user;
  const cals = header(headers, GATE_HEADERS.cals);
  if (cals) {
    const decoded = decodeBundleHeader(cals);
    if (!decoded.ok) return decoded;
    input.cals = decoded.value;
  }
  return ok(input);
}

export interface Gate {
  /**
   * Admit or refuse one connection. On admit, store `admission.bundle` (when present) in the device's
   * license store and drop the tokens listed in `admission.discard`.
   */
  admit(request: { device: string; hwid: string; user?: string; cals?: readonly CalBundle[] }): Promise<Result<Admission, Refusal>>;
}

/** A gate over a session host created in this process (`createSessionHost(...).gate`). */
export function createGate(ctx: SessionHostContext): Gate {
  return {
    admit: (request) => connect(ctx, { ...request, cals: request.cals ? [...request.cals] : [] }),
  };
}

export type { Admission } from './admission.usecase';
