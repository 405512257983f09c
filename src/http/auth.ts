import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { refusal } from '../core/result';
import type { TokenPrincipal, TokenStore } from '../storage/tokens.repository';
import { sendRefusal } from './errors';

export type { TokenStore };

/** Bearer token scopes (docs/architecture.md "http"). */
export type Scope = 'ch:admin' | 'ch:org' | 'ch:agent' | 'ls:admin' | 'ls:host' | 'sh:admin' | 'sh:gate' | 'readonly';
export const SCOPES: readonly Scope[] = ['ch:admin', 'ch:org', 'ch:agent', 'ls:admin', 'ls:host', 'sh:admin', 'sh:gate', 'readonly'];

/** Who is calling, once a bearer token is accepted. */
export interface Principal {
  readonly scope: Scope;
  /** organization id for ch:org, session host name for ls:host, a label otherwise */
  readonly subject: string;
  readonly tokenId: string;
}

/**
 * Counts failed authentications by source (the client address) and by the credential presented there (a hash of
 * it, never the credential itself). A credential that failed `max` times from a source is refused 429 without a
 * look-up; a source that failed `max × SOURCE_FACTOR` times with any credentials gets 429 instead of 401 for the
 * next unknown one. A valid credential is never counted and never refused: the look-up comes first, so a burst of
 * junk tokens from an address shared with an administrator (or with the session host's own calls to the license
 * server in the all-in-one) locks nobody out.
 */
export class AuthFailureLimiter {
  /** how many more failures a whole source may have than one credential from it */
  static readonly SOURCE_FACTOR = 5;
  private readonly failures = new Map<string, { count: number; windowStart: number }>();
  /**
   * When each source last failed. A credential's window starts at or before the last failure of its source, so a
   * source that has not failed within a window has no credential blocked: most requests (a valid token, from an
   * address that never failed) are answered without hashing the credential they present.
   */
  private readonly lastFailure = new Map<string, number>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Whether this credential (undefined: none presented) already failed too often from `source`. */
  isBlocked(source: string, presented?: string): { blocked: boolean; retryAfterSeconds: number } {
    if (!this.failedRecently(source)) return NOT_BLOCKED;
    return this.state(pairKey(source, presented), this.max);
  }

  /** Whether `source` failed too often with any credentials (asked only after an unknown credential). */
  isSourceBlocked(source: string): { blocked: boolean; retryAfterSeconds: number } {
    return this.state(`source ${source}`, this.max * AuthFailureLimiter.SOURCE_FACTOR);
  }

  record(source: string, presented?: string): void {
    this.bump(pairKey(source, presented));
    this.bump(`source ${source}`);
    this.lastFailure.delete(source);
    this.lastFailure.set(source, this.now());
    if (this.lastFailure.size > 10_000) {
      // Oldest first (each source is moved to the end when it fails): forget the expired, then past the hard cap.
      for (const [k, at] of this.lastFailure) {
        if (this.lastFailure.size <= 10_000 && this.now() - at < this.windowMs) break;
        this.lastFailure.delete(k);
      }
    }
  }

  private failedRecently(source: string): boolean {
    const at = this.lastFailure.get(source);
    if (at === undefined) return false;
    if (this.now() - at < this.windowMs) return true;
    this.lastFailure.delete(source);
    return false;
  }

  private state(key: string, max: number) {
    const entry = this.current(key);
    if (!entry || entry.count < max) return NOT_BLOCKED;
    return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil((entry.windowStart + this.windowMs - this.now()) / 1000)) };
  }

  private bump(key: string): void {
    const entry = this.current(key);
    if (entry) entry.count += 1;
    else this.failures.set(key, { count: 1, windowStart: this.now() });
    // Bound memory: forget expired windows once the map grows, and the oldest entries past a hard cap.
    if (this.failures.size > 10_000) {
      for (const [k, value] of this.failures) if (this.now() - value.windowStart >= this.windowMs) this.failures.delete(k);
      for (const k of this.failures.keys()) {
        if (this.failures.size <= 10_000) break;
        this.failures.delete(k);
      }
    }
  }

  private current(key: string) {
    const entry = this.failures.get(key);
    if (entry && this.now() - entry.windowStart >= this.windowMs) {
      this.failures.delete(key);
      return undefined;
    }
    return entry;
  }
}

const NOT_BLOCKED = Object.freeze({ blocked: false, retryAfterSeconds: 0 });

function pairKey(source: string, presented: string | undefined): string {
  const hash = presented === undefined ? '-' : createHash('sha256').update(presented).digest('base64url').slice(0, 22);
  return `pair ${source} ${hash}`;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** the token store of the component whose encapsulated plugin this instance is */
    opencalTokenStore: TokenStore | null;
    opencalAuthFailures: AuthFailureLimiter;
    /** the server's Prometheus registry, for components that count their own events */
    opencalMetrics: import('prom-client').Registry;
  }
  interface FastifyRequest {
    /** set by requireScope() once the bearer token is accepted */
    principal?: Principal;
  }
}

/** Marks a requireScope() preHandler so the OpenAPI document can show the bearer scheme and the scopes. */
export const REQUIRED_SCOPES = Symbol.for('opencal.requiredScopes');

const READ_METHODS = new Set(['GET', 'HEAD']);

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Refuse a credential that already failed too often from this source (429 TOO_MANY_AUTH_FAILURES), before looking
 * it up; used by requireScope and by routes that check their own secrets (join tokens, gate credentials), which
 * pass the secret they were given. Returns true when the request was answered with 429.
 */
export function refuseIfTooManyAuthFailures(request: FastifyRequest, reply: FastifyReply, presented: string | undefined = bearerToken(request)): boolean {
  return answerIfBlocked(request, reply, request.server.opencalAuthFailures.isBlocked(request.ip, presented));
}

function answerIfBlocked(request: FastifyRequest, reply: FastifyReply, state: { blocked: boolean; retryAfterSeconds: number }): boolean {
  if (!state.blocked) return false;
  reply.header('retry-after', String(state.retryAfterSeconds));
  sendRefusal(reply, refusal('TOO_MANY_AUTH_FAILURES', { ip: request.ip, retryAfterSeconds: state.retryAfterSeconds }));
  return true;
}

/** The bearer token of a request, if any (for routes that check their own credential). */
export function bearerOf(request: FastifyRequest): string | undefined {
  return bearerToken(request);
}

/** Count one failed authentication (unknown bearer token, wrong join token) for the caller's address and that secret. */
export function recordAuthFailure(request: FastifyRequest, presented: string | undefined = bearerToken(request)): void {
  request.server.opencalAuthFailures.record(request.ip, presented);
}

/** A guard in Fastify's callback form: it calls `done` to let the request go on, or answers the request itself. */
export type ScopeGuard = ((request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void) & { readonly [REQUIRED_SCOPES]: readonly Scope[] };

/**
 * preHandler for a route: the caller must present `Authorization: Bearer <token>` known to this component's
 * token store, with one of `scopes`. The `readonly` scope is accepted only on GET/HEAD routes that list it.
 * A token the store holds already is checked without waiting (no promise on the path of every request).
 */
export function requireScope(...scopes: Scope[]): ScopeGuard {
  const admit = (request: FastifyRequest, reply: FastifyReply, found: TokenPrincipal, done: (error?: Error) => void): void => {
    const scope = found.scope as Scope;
    const allowed = scopes.includes(scope) && (scope !== 'readonly' || READ_METHODS.has(request.method));
    if (!allowed) {
      sendRefusal(reply, refusal('FORBIDDEN_SCOPE', { scope, allowed: scopes }));
      return;
    }
    request.principal = { scope, subject: found.subject, tokenId: found.id };
    done();
  };
  const refuseUnknown = (request: FastifyRequest, reply: FastifyReply, token: string): void => {
    const sourceBlocked = request.server.opencalAuthFailures.isSourceBlocked(request.ip);
    recordAuthFailure(request, token);
    if (answerIfBlocked(request, reply, sourceBlocked)) return;
    sendRefusal(reply, refusal('UNAUTHENTICATED', { scopes, problem: 'unknown' }));
  };
  const checkScope = function checkScope(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void {
    if (refuseIfTooManyAuthFailures(request, reply)) return;
    const token = bearerToken(request);
    if (token === undefined) {
      sendRefusal(reply, refusal('UNAUTHENTICATED', { scopes, problem: 'missing' }));
      return;
    }
    const store = request.server.opencalTokenStore;
    if (!store) {
      done(new Error(`route ${request.routeOptions.url ?? request.url} uses requireScope outside a component plugin`));
      return;
    }
    const known = store.known?.(token);
    if (known) {
      admit(request, reply, known, done);
      return;
    }
    store.find(token).then(
      (found) => (found ? admit(request, reply, found, done) : refuseUnknown(request, reply, token)),
      (error: Error) => done(error),
    );
  };
  return Object.assign(checkScope, { [REQUIRED_SCOPES]: scopes });
}


export function requiredScopesOf(handler: unknown): readonly Scope[] | undefined {
  if (typeof handler !== 'function') return undefined;
  return (handler as unknown as Record<symbol, readonly Scope[] | undefined>)[REQUIRED_SCOPES];
}

/** The principal of a route guarded by requireScope (a bug if called on a public route). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`no principal on ${request.method} ${request.url}: add requireScope() to the route`);
  return request.principal;
}
