import type { FastifyReply, FastifyRequest } from 'fastify';
import { refusal } from '../core/result';
import type { TokenStore } from '../storage/tokens.repository';
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

/** Counts authentication failures per client address; after `max` in `windowMs` the address is refused 429. */
export class AuthFailureLimiter {
  private readonly failures = new Map<string, { count: number; windowStart: number }>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  isBlocked(ip: string): { blocked: boolean; retryAfterSeconds: number } {
    const entry = this.current(ip);
    if (!entry || entry.count < this.max) return { blocked: false, retryAfterSeconds: 0 };
    return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil((entry.windowStart + this.windowMs - this.now()) / 1000)) };
  }

  record(ip: string): void {
    const entry = this.current(ip);
    if (entry) entry.count += 1;
    else this.failures.set(ip, { count: 1, windowStart: this.now() });
    // Bound memory: forget expired windows once the map grows.
    if (this.failures.size > 10_000) {
      for (const [key, value] of this.failures) if (this.now() - value.windowStart >= this.windowMs) this.failures.delete(key);
    }
  }

  private current(ip: string) {
    const entry = this.failures.get(ip);
    if (entry && this.now() - entry.windowStart >= this.windowMs) {
      this.failures.delete(ip);
      return undefined;
    }
    return entry;
  }
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
 * Refuse further authentication from an address that failed too often; used by requireScope and by routes
 * that check their own secrets (join tokens). Returns true when the request was answered with 429.
 */
export function refuseIfTooManyAuthFailures(request: FastifyRequest, reply: FastifyReply): boolean {
  const limiter = request.server.opencalAuthFailures;
  const state = limiter.isBlocked(request.ip);
  if (!state.blocked) return false;
  reply.header('retry-after', String(state.retryAfterSeconds));
  sendRefusal(
    reply,
    refusal(
      'TOO_MANY_AUTH_FAILURES',
      { ip: request.ip, retryAfterSeconds: state.retryAfterSeconds },
    ),
  );
  return true;
}

/** The bearer token of a request, if any (for routes that check their own credential). */
export function bearerOf(request: FastifyRequest): string | undefined {
  return bearerToken(request);
}

/** Count one failed authentication (unknown bearer token, wrong join token) for the caller's address. */
export function recordAuthFailure(request: FastifyRequest): void {
  request.server.opencalAuthFailures.record(request.ip);
}

/**
 * preHandler for a route: the caller must present `Authorization: Bearer <token>` known to this component's
 * token store, with one of `scopes`. The `readonly` scope is accepted only on GET/HEAD routes that list it.
 */
export function requireScope(...scopes: Scope[]) {
  const checkScope = async function checkScope(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (refuseIfTooManyAuthFailures(request, reply)) return reply;
    const token = bearerToken(request);
    if (token === undefined) {
      sendRefusal(
        reply,
        refusal(
          'UNAUTHENTICATED',
          { scopes, problem: 'missing' },
        ),
      );
      return reply;
    }
    const store = request.server.opencalTokenStore;
    if (!store) throw new Error(`route ${request.routeOptions.url ?? request.url} uses requireScope outside a component plugin`);
    const found = await store.find(token);
    if (!found) {
      recordAuthFailure(request);
      sendRefusal(
        reply,
        refusal(
          'UNAUTHENTICATED',
          { scopes, problem: 'unknown' },
        ),
      );
      return reply;
    }
    const scope = found.scope as Scope;
    const allowed = scopes.includes(scope) && (scope !== 'readonly' || READ_METHODS.has(request.method));
    if (!allowed) {
      sendRefusal(
        reply,
        refusal('FORBIDDEN_SCOPE', {
          scope,
          allowed: scopes,
        }),
      );
      return reply;
    }
    request.principal = { scope, subject: found.subject, tokenId: found.id };
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
