import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP, type Socket } from 'node:net';
import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import Fastify, { type FastifyReply, type FastifyRequest, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { DestinationStream, LoggerOptions } from 'pino';
import type { Registry } from 'prom-client';
import { Type } from 'typebox';
import { findUnstorableInput, Health, MAX_INPUT_DEPTH, WhoAmI } from '../core/wire/common';
import { inputProblemWords } from '../core/refusals';
import { AuthFailureLimiter, bearerOf, principalOf, recordAuthFailure, refuseIfTooManyAuthFailures, requireScope, requiredScopesOf, SCOPES, type Scope, type TokenStore } from './auth';
import { refusal } from '../core/result';
import { countRefusal, errorBody, errorResponses, langOf, refusalFromError, sendRefusal, surfaceOf } from './errors';
import { loggerOptions } from './logging';
import { createMetricsRegistry, httpMetrics } from './metrics';

/** The Fastify instance type components receive in `routes`: TypeBox schemas type the handlers. */
export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export type ComponentName = 'clearinghouse' | 'license-server' | 'session-host';
export const COMPONENT_PREFIXES = {
  clearinghouse: '/ch/v1',
  'license-server': '/ls/v1',
  'session-host': '/sh/v1',
} as const satisfies Record<ComponentName, string>;
export type ComponentPrefix = (typeof COMPONENT_PREFIXES)[ComponentName];

/** What a component contributes to buildServer: its routes under its fixed prefix, with its own token store. */
export interface ComponentModule {
  readonly name: ComponentName;
  readonly prefix: ComponentPrefix;
  readonly tokenStore: TokenStore;
  routes(app: TypedApp): Promise<void> | void;
}

export interface BuildServerDeps {
  /** pino options (a `stream` may be given, e.g. in tests), or false for no logs; default: info to stdout */
  logger?: (LoggerOptions & { stream?: DestinationStream }) | false;
  components: readonly ComponentModule[];
  /** largest accepted body in bytes; default 64 KiB */
  bodyLimit?: number;
  /**
   * Behind a reverse proxy: the proxies (addresses or CIDR ranges) whose X-Forwarded-For gives the client address;
   * false (default) takes the address of the connection. Configuration: --trust-proxy, --trusted-proxies.
   */
  trustProxy?: false | readonly string[];
  /**
   * Who may read /metrics besides the admin tokens of the components: a bearer token (--metrics-token) and client
   * addresses or CIDR ranges (--metrics-allow, e.g. the Prometheus server).
   */
  metricsAccess?: { token?: string; allow?: readonly string[] };
  /** Prometheus registry; a fresh one with default metrics when absent */
  metrics?: Registry;
  /** the console: registered last, at the root */
  web?: (app: TypedApp) => Promise<void>;
  rateLimit?: {
    /** failed authentications per address before 429 TOO_MANY_AUTH_FAILURES; default 20 */
    authFailures?: number;
    /** window for counting them, ms; default 60 000 */
    authWindowMs?: number;
  };
  /** milliseconds clock for the rate windows (tests); default Date.now */
  now?: () => number;
  /** version shown in the OpenAPI document */
  version?: string;
  /** the OpenAPI document and its UI at /docs; default true (false: a short-lived app, e.g. the all-in-one's first) */
  docs?: boolean;
}

/** Scopes whose tokens may read /metrics (it shows business counts: issued CALs, refusals). */
const METRICS_SCOPES: readonly Scope[] = ['ch:admin', 'ls:admin', 'sh:admin', 'readonly'];

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The guard of /metrics: a client address in the allow-list, the configured metrics token, or a token of an admin
 * (or read-only) scope in one of the components' token stores; anything else is 401 like any guarded route.
 */
function metricsGuard(components: readonly ComponentModule[], access: { token?: string; allow?: readonly string[] }) {
  const allowed = new BlockList();
  for (const entry of access.allow ?? []) {
    const [ip = '', bits] = entry.split('/');
    const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) allowed.addAddress(ip, type);
    else allowed.addSubnet(ip, Number(bits), type);
  }
  const hasAllowList = (access.allow ?? []).length > 0;
  const metricsToken = access.token === undefined ? undefined : digest(access.token);
  return async function mayReadMetrics(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    if (hasAllowList && isAllowed(allowed, request.ip)) return undefined;
    if (refuseIfTooManyAuthFailures(request, reply)) return reply;
    const token = bearerOf(request);
    if (token === undefined) return sendRefusal(reply, refusal('UNAUTHENTICATED', { scopes: METRICS_SCOPES, problem: 'missing' }));
    if (metricsToken !== undefined && timingSafeEqual(digest(token), metricsToken)) return undefined;
    for (const component of components) {
      const found = await component.tokenStore.find(token);
      if (found && (METRICS_SCOPES as readonly string[]).includes(found.scope)) return undefined;
    }
    recordAuthFailure(request, token);
    return sendRefusal(reply, refusal('UNAUTHENTICATED', { scopes: METRICS_SCOPES, problem: 'unknown' }));
  };
}

function isAllowed(list: BlockList, address: string): boolean {
  const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(plain);
  return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}

const validators = AjvCompiler();
const serializers = SerializerSelector();

type CompiledValidator = ((data: unknown, context?: unknown) => unknown) & { schemaEnv?: unknown; errors?: unknown };

/**
 * A route's validator compiled by ajv when the route is first called rather than when the app is built: a server
 * starts without compiling the schemas of the ~200 routes it may never be asked (a third of the all-in-one's
 * start-up CPU, docs/performance.md), and holds the compiled code of the routes it serves only. Fastify reads
 * `schemaEnv` (to let ajv coerce a root value) and `errors` from the function it is given: both come from the
 * compiled validator.
 */
function compiledOnFirstUse(compile: () => CompiledValidator): CompiledValidator {
  let compiled: CompiledValidator | undefined;
  const get = () => (compiled ??= compile());
  const validate = ((data: unknown, context?: unknown) => get()(data, context)) as CompiledValidator;
  Object.defineProperties(validate, { schemaEnv: { get: () => get().schemaEnv }, errors: { get: () => get().errors } });
  return validate;
}

/**
 * JSON bodies are validated as sent: `"count": true`, `"1e1"`, `[7]` or `"name": 12345` are refused, never coerced
 * into 1, 10, 7 or "12345". Query strings, path parameters and headers are text by nature: they keep coercion
 * (`?limit=50` is a number), with the bounds of their schemas.
 */
const strictBodies: ValidatorFactory = (externalSchemas, options) => {
  // Fastify passes its `ajv` option here: JSON Schema (not JTD) options.
  const given = (options ?? {}) as { customOptions?: Record<string, unknown> };
  const custom = given.customOptions ?? {};
  const body = validators(externalSchemas, { ...given, customOptions: { ...custom, coerceTypes: false } });
  const text = validators(externalSchemas, { ...given, customOptions: { ...custom, coerceTypes: 'array' } });
  // Typed by ajv as its own function (with `schema`); Fastify calls it and reads `schemaEnv` and `errors` only.
  return (route) => compiledOnFirstUse(() => (route.httpPart === 'body' ? body(route) : text(route)) as CompiledValidator) as unknown as ReturnType<typeof body>;
};

/** A route's response serializer (fast-json-stringify), likewise compiled when the route first answers with it. */
const serializersOnFirstUse: typeof serializers = (externalSchemas, options) => {
  const compile = serializers(externalSchemas, options);
  return (route) => {
    let serialize: ((doc: unknown) => string) | undefined;
    return (doc: unknown) => (serialize ??= compile(route))(doc);
  };
};

/** A request Node could not parse (bad request line, header too large) still answers the one error body. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy(error);
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify(errorBody(tooLarge ? refusal('HEADERS_TOO_LARGE') : refusal('INVALID_REQUEST', { problem: 'bad-http' })));
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** On every answer (besides x-request-id, the content security policy and, under /v1/, cache-control). */
const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
];

// A console served from this origin makes no external requests; the OpenAPI UI needs inline styles only.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The HTTP server of OpenCAL, not listening: `inject()` in tests, `listen()` in the entry point.
 * Common routes: GET /healthz, GET /metrics, GET /docs (+ /docs/json). Each component is an encapsulated plugin
 * under its prefix, with its own token store for requireScope().
 */
export async function buildServer(deps: BuildServerDeps): Promise<TypedApp> {
  const app = Fastify({
    logger: deps.logger === false ? false : loggerOptions(deps.logger ?? {}),
    bodyLimit: deps.bodyLimit ?? 64 * 1024,
    trustProxy: deps.trustProxy ? [...deps.trustProxy] : false,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { allErrors: false, removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    schemaController: { compilersFactory: { buildValidator: strictBodies, buildSerializer: serializersOnFirstUse } },
    // Fastify's own refusals before routing (a malformed URL) and Node's (a malformed request) in the one error body.
    frameworkErrors: (error, request, reply) => {
      const { status, refusal: r } = refusalFromError(error, request as FastifyRequest);
      void (reply as unknown as FastifyReply).code(status).send(errorBody(r, langOf(request), surfaceOf(request)));
    },
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const registry = deps.metrics ?? createMetricsRegistry();
  const metrics = httpMetrics(registry);
  const now = deps.now ?? Date.now;
  app.decorate('opencalTokenStore', null);
  app.decorate('opencalMetrics', registry);
  app.decorate(
    'opencalAuthFailures',
    new AuthFailureLimiter(deps.rateLimit?.authFailures ?? 20, deps.rateLimit?.authWindowMs ?? 60_000, now),
  );

  // Hot path (every request): callback hooks (no promise per request), the security headers set from one list, and
  // the request metrics counted in plain numbers (made into Prometheus text when /metrics is read).
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    for (const [name, value] of SECURITY_HEADERS) reply.header(name, value);
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    if (!reply.hasHeader('cache-control') && request.url.includes('/v1/')) reply.header('cache-control', 'no-store');
    // Written after the answers completing in the same turn of the event loop (a group of CALs committed at once,
    // each then signed): their socket writes go out back to back rather than one between two signatures, which
    // costs the kernel less per write (the client is still awake to read them).
    process.nextTick(done, null, payload);
  });

  // Each route counts its answers under its own URL, known when it is added (Fastify's `request.routeOptions`
  // builds an object of the route's options on every read); what no route matched counts as `unmatched`.
  app.addHook('onRoute', (route) => {
    const { url, prefix, routePath } = route as typeof route & { prefix?: string; routePath?: string };
    // `<prefix>/` is also added as `<prefix>` (Fastify's prefixTrailingSlash), with the same options: each under its own URL.
    const bare = prefix && routePath === '/' ? prefix : undefined;
    const count = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const label = bare !== undefined && (request.url === bare || request.url.startsWith(`${bare}?`)) ? bare : url;
      metrics.record(request.method, label, reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    const existing = route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse];
    route.onResponse = [count as (typeof existing)[number], ...existing];
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) metrics.record(request.method, 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, refusal } = refusalFromError(error, request);
    if (status >= 500) request.log.error({ err: error }, 'unexpected error');
    else request.log.info({ code: refusal.code, statusCode: status }, 'request refused');
    const headers = (error as { headers?: Record<string, string> }).headers;
    if (headers) reply.headers(headers);
    countRefusal(request, refusal.code);
    return reply.code(status).send(errorBody(refusal, langOf(request), surfaceOf(request)));
  });

  // What no route stores, whatever its schema: a NUL anywhere, or JSON nested deeper than any request of the API.
  // Checked after authentication (onRequest) and before the schemas, the same on SQLite and PostgreSQL.
  app.addHook('preValidation', (request, reply, done) => {
    const found =
      findUnstorableInput(request.body, 'body') ?? findUnstorableInput(request.query, 'querystring') ?? findUnstorableInput(request.params, 'params');
    if (found === undefined) return done();
    const p = { field: found.field, rule: found.rule, ...(found.rule === 'depth' ? { limit: MAX_INPUT_DEPTH } : {}) };
    sendRefusal(reply, refusal('INVALID_REQUEST', { problems: [{ ...p, problem: inputProblemWords(p, 'en') }] }));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    return sendRefusal(reply, refusal('ROUTE_NOT_FOUND', { method: request.method, path }));
  });

  // Routes guarded by requireScope() show the bearer scheme and their scopes in the OpenAPI document, and check
  // the token first of all (onRequest): an unauthenticated caller gets 401 before its body is read or validated.
  app.addHook('onRoute', (route) => {
    const handlers = Array.isArray(route.preHandler) ? route.preHandler : route.preHandler ? [route.preHandler] : [];
    const guard = handlers.find((h) => requiredScopesOf(h) !== undefined);
    const scopes = guard ? requiredScopesOf(guard) : undefined;
    if (!guard || !scopes) return;
    route.preHandler = handlers.filter((h) => h !== guard);
    const onRequest = Array.isArray(route.onRequest) ? route.onRequest : route.onRequest ? [route.onRequest] : [];
    route.onRequest = [guard as (typeof onRequest)[number], ...onRequest];
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    const note = `Bearer token scope: ${scopes.join(', ')}.`;
    route.schema = {
      ...schema,
      security: (schema['security'] as { [label: string]: readonly string[] }[] | undefined) ?? [{ bearer: [] }],
      description: typeof schema['description'] === 'string' ? `${schema['description']}\n\n${note}` : note,
    };
  });

  // Routes opt in with `config: { rateLimit: { max, timeWindow } }` (e.g. the public session host connect route).
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      code: 'FST_RATE_LIMIT',
      message: `Too many requests from this address; retry in ${context.after}.`,
      after: context.after,
    }),
  });

  if (deps.docs !== false) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'OpenCAL',
          description: 'Clearinghouse (/ch/v1), license server (/ls/v1) and session host (/sh/v1) APIs.',
          version: deps.version ?? '0.1.0',
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: false });
  }

  const componentNames = deps.components.map((c) => c.name);
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['common'],
        summary: 'liveness and the components this server runs',
        response: { 200: Health },
      },
    },
    async () => ({ status: 'ok' as const, components: componentNames }),
  );
  const mayReadMetrics = metricsGuard(deps.components, deps.metricsAccess ?? {});
  app.get(
    '/metrics',
    {
      onRequest: mayReadMetrics,
      schema: {
        tags: ['common'],
        summary: 'Prometheus metrics',
        response: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: Type.String() } } }, ...errorResponses(401, 429, 500) },
        description: `Bearer token: an admin token of a component (${METRICS_SCOPES.join(', ')}) or the --metrics-token; or a client address in --metrics-allow.`,
        security: [{ bearer: [] }],
      },
    },
    async (_request, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    },
  );

  for (const component of deps.components) {
    if (component.prefix !== COMPONENT_PREFIXES[component.name]) {
      throw new Error(`component ${component.name} must be mounted at ${COMPONENT_PREFIXES[component.name]}, not ${component.prefix}`);
    }
    await app.register(
      async (child) => {
        child.opencalTokenStore = component.tokenStore;
        // Every component says who a token is, so that the console and the CLI can show only what it allows.
        child.get(
          '/whoami',
          {
            preHandler: requireScope(...SCOPES),
            schema: {
              tags: [component.name],
              summary: 'the scope and subject of the bearer token on this component',
              response: {
                200: WhoAmI,
                ...errorResponses(401, 403),
              },
            },
          },
          async (request) => {
            const principal = principalOf(request);
            return { component: component.name, scope: principal.scope, subject: principal.subject ?? null };
          },
        );
        await component.routes(child);
      },
      { prefix: component.prefix },
    );
  }

  if (deps.web) await deps.web(app);
  return app;
}
