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
} as const;

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
