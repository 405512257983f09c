/**
 * Session host routes under /sh/v1: the device API (connect), the reverse-proxy gate (auth, nginx
 * `auth_request`), and the admin API (status, config, enroll, refresh, emit, admissions, events).
 */
import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { refusal, type Refusal } from '../core/result';
import { CONFIG_LAYERS, type LicensingMode } from '../core/vocabulary';
import { HOST_EMIT_FORMATS } from '../core/windows-config';
import { bearerOf, recordAuthFailure, refuseIfTooManyAuthFailures, requireScope } from '../http/auth';
import { errorBody, errorResponses, langOf, sendRefusal } from '../http/errors';
import { counter } from '../http/metrics';
import type { TypedApp } from '../http/server';
import { ADMISSION_OUTCOMES, ADMISSION_SORTS } from '../core/list-specs';
import { eventsRoute, listResponse, PAGE_DESCRIPTION, pageQuery, sendCsv, sendPage } from '../http/list-routes';
import * as Wire from '../core/wire/session-host';
import { validateConnectInput, type ConnectInput } from './admission.usecase';
import { authHeadersToConnectInput, encodeBundleHeader, GATE_HEADERS, GATE_ROUTE_SCOPES, NewDeviceLimiter } from './gate';
import type { SessionHostUseCases } from './ports';
import { Text } from '../core/wire/common';

const Mode = Type.Union([Type.Literal('per-device'), Type.Literal('per-user'), Type.Literal('not-configured')]);
const Layer = Type.Union(CONFIG_LAYERS.map((l) => Type.Literal(l)));
const Any = Type.Unknown();

const admin = requireScope('sh:admin');
const reader = requireScope('sh:admin', 'readonly');

/** Limits of the gate routes (docs/session-host.md "Gate front ends"). */
export interface GateRouteOptions {
  /** new devices (never admitted here) one source may bring per window; default 60 */
  newDevicesPerWindow?: number;
  /** default 60 s */
  newDeviceWindowMs?: number;
}

export function sessionHostRoutes(uc: SessionHostUseCases, gateOptions: GateRouteOptions = {}) {
  return async function routes(app: TypedApp): Promise<void> {
    const gate = gateFrontEnd(uc, app, gateOptions);

    app.post(
      '/connect',
      {
        // The front end's credential first: without one, a malformed body is answered 401, not 400.
        onRequest: gate.requireCredential,
        config: { rateLimit: { max: 600, timeWindow: '1 minute' } },
        schema: {
          tags: ['session-host'],
          summary: 'a device connects: admitted (with a new CAL to store) or refused with the message the user sees',
          body: Type.Object(
            {
              device: Text(128),
              hwid: Text(128),
              user: Type.Optional(Text(128)),
              cals: Type.Optional(Type.Array(Any, { maxItems: 16 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Wire.Admission, ...errorResponses(400, 401, 403, 409, 422, 429) },
        },
      },
      async (request, reply) => {
        const limited = await gate.limitNewDevice(request, validateConnectInput(request.body));
        if (limited) return sendRefusal(reply, limited);
        const result = await uc.connect(request.body);
        if (!result.ok) {
          await gate.reportIfReportOnly(request, request.body, result.error);
          return sendRefusal(reply, result.error);
        }
        return result.value;
      },
    );

    app.get(
      '/auth',
      {
        onRequest: gate.requireCredential,
        schema: {
          tags: ['session-host'],
          summary: 'nginx auth_request gate: 204 admit, 401/403 refuse with X-OpenCAL-Refusal',
          description: `Headers: ${GATE_HEADERS.device}, ${GATE_HEADERS.hwid}, ${GATE_HEADERS.user} (optional), ${GATE_HEADERS.cals} (base64url JSON list of CAL bundles).`,
          response: { 204: Type.Null({ description: `admitted: ${GATE_HEADERS.admission} names the basis, ${GATE_HEADERS.newCal} carries a new CAL to store` }), ...errorResponses(401, 403, 429) },
        },
      },
      async (request, reply) => {
        const input = authHeadersToConnectInput(request.headers);
        const limited = await gate.limitNewDevice(request, input);
        if (limited) return gate.refuseGate(reply, limited, 403);
        const result = input.ok ? await uc.connect(input.value) : input;
        if (!result.ok && input.ok) await gate.reportIfReportOnly(request, input.value, result.error);
        return answerGate(reply, result);
      },
    );

    // ---- gate front-end credentials (sh:admin): made, listed, revoked -------------------------------------
    app.post(
      '/gate-credentials',
      {
        preHandler: admin,
        schema: {
          tags: ['session-host'],
          summary: 'make a gate front-end credential (the token is shown once)',
          body: Type.Object({ label: Text(128) }, { additionalProperties: false }),
          response: { 201: Wire.GateCredentialCreated, ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => reply.code(201).send(await uc.createGateCredential(request.body.label)),
    );

    app.get(
      '/gate-credentials',
      {
        preHandler: reader,
        schema: {
          tags: ['session-host'],
          summary: 'the gate front-end credentials (never their tokens)',
          querystring: Type.Object({ all: Type.Optional(Type.Boolean()) }),
          response: { 200: Wire.GateCredentialList, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => ({ credentials: await uc.gateCredentials(request.query.all === true) }),
    );

    app.delete(
      '/gate-credentials/:id',
      {
        preHandler: admin,
        schema: {
          tags: ['session-host'],
          summary: 'revoke a gate front-end credential: its front end gets no seat any more',
          params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) }),
          response: { 200: Wire.GateCredentialRevoked, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const result = await uc.revokeGateCredential(request.params.id);
        if (!result.ok) return sendRefusal(reply, result.error);
        return result.value;
      },
    );

    app.get('/status', { preHandler: reader, schema: { tags: ['session-host'], summary: 'mode, license servers and their sources, grace days left', response: { 200: Wire.SessionHostStatus, ...errorResponses(401, 403) } } }, async () =>
      uc.status(),
    );

    app.put(
      '/config',
      {
        preHandler: admin,
        schema: {
          tags: ['session-host'],
          summary: 'set one configuration layer (policy > deployment > local); null clears a field',
          body: Type.Object(
            {
              layer: Layer,
              mode: Type.Optional(Type.Union([Mode, Type.Null()])),
              licenseServers: Type.Optional(Type.Union([Type.Array(Text(512, { minLength: 0 }), { maxItems: 32 }), Type.Null()])),
            },
            { additionalProperties: false },
          ),
          response: { 200: Wire.SessionHostStatus, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const body = request.body as { layer: (typeof CONFIG_LAYERS)[number]; mode?: LicensingMode | null; licenseServers?: string[] | null };
        const result = await uc.setLayer(body);
        if (!result.ok) return sendRefusal(reply, result.error);
        return result.value;
      },
    );

    app.post(
      '/enroll',
      {
        preHandler: admin,
        schema: {
          tags: ['session-host'],
          summary: 'enrol on a license server with its one-time join token',
          body: Type.Object({ licenseServerUrl: Text(512, { minLength: 0 }), joinToken: Text(512) }, { additionalProperties: false }),
          response: { 200: Wire.HostEnrolment, ...errorResponses(400, 401, 403, 409, 422, 502) },
        },
      },
      async (request, reply) => {
        const result = await uc.enroll(request.body.licenseServerUrl, request.body.joinToken);
        if (!result.ok) return sendRefusal(reply, result.error);
        return result.value;
      },
    );

    app.post('/refresh', { preHandler: admin, schema: { tags: ['session-host'], summary: 'fetch the trust anchor, revocation list and license server identities now', response: { 200: Wire.RefreshReport, ...errorResponses(401, 403) } } }, async () => {
      return uc.refresh();
    });

    app.get(
      '/emit',
      {
        preHandler: reader,
        schema: {
          tags: ['session-host'],
          summary: 'Windows configuration from these settings: PowerShell, .reg, GPO, RDMS; pam: the PAM lines of a Linux host',
          querystring: Type.Object({ format: Type.Union(HOST_EMIT_FORMATS.map((f) => Type.Literal(f))) }),
          response: { 200: { description: 'the configuration file', content: { 'text/plain': { schema: Type.String() } } }, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const result = await uc.emit(request.query.format, `${request.protocol}://${request.host}`);
        if (!result.ok) return sendRefusal(reply, result.error);
        reply.header('content-type', 'text/plain; charset=utf-8');
        reply.header('content-disposition', `inline; filename="${result.value.fileName}"`);
        return result.value.text;
      },
    );

    app.get(
      '/admissions',
      {
        preHandler: reader,
        schema: {
          tags: ['session-host'],
          summary: 'admissions and refusals, paged: newest first unless asked otherwise',
          description: `\`outcome\`: admitted (on a CAL or in the grace period), cal, grace or refused. ${PAGE_DESCRIPTION}`,
          querystring: Type.Object(
            {
              outcome: Type.Optional(Type.Union(ADMISSION_OUTCOMES.map((o) => Type.Literal(o)))),
              device: Type.Optional(Text(128, { description: 'a device name or hardware ID' })),
              user: Type.Optional(Text(256)),
              from: Type.Optional(Type.String({ format: 'date-time', description: 'at or after this time' })),
              to: Type.Optional(Type.String({ format: 'date-time', description: 'before this time' })),
              ...pageQuery(ADMISSION_SORTS),
            },
            { additionalProperties: false },
          ),
          response: listResponse(Wire.AdmissionList),
        },
      },
      async (request, reply) => {
        const q = request.query;
        const filter = {
          ...(q.outcome ? { outcome: q.outcome } : {}),
          ...(q.device ? { device: q.device } : {}),
          ...(q.user ? { user: q.user } : {}),
          ...(q.from ? { since: new Date(q.from).toISOString() } : {}),
          ...(q.to ? { until: new Date(q.to).toISOString() } : {}),
        };
        if (q.format === 'csv') return sendCsv(reply, 'admissions.csv', uc.admissionsCsv(filter, { sort: q.sort, order: q.order }));
        return sendPage(reply, await uc.admissionPage(filter, { sort: q.sort, order: q.order, cursor: q.cursor, limit: q.limit }), (admissions) => ({ admissions }));
      },
    );

    eventsRoute(app, { preHandler: reader, tags: ['session-host'], summary: "the session host's events", fileName: 'session-host-events.csv', uc });

    // ---- the probe: each listed license server's CAL decision for this host, issuing nothing ---------------------
    app.post(
      '/probe',
      {
        preHandler: reader,
        schema: {
          tags: ['session-host'],
          summary: "ask each listed license server, with this host's own enrolment, what a CAL request would get now (a dry run: nothing is issued)",
          response: { 200: Wire.ProbeReport, ...errorResponses(401, 403) },
        },
      },
      async () => uc.probe(),
    );
  };
}

// ------------------------------------------------------------------------------------------ gate front ends

/**
 * The gate routes' own checks, before the licensing rules: the front-end credential (only a connection a front
 * end authenticated takes a seat), the new-device limit per source, and the report-only record.
 */
function gateFrontEnd(uc: SessionHostUseCases, app: TypedApp, options: GateRouteOptions) {
  const max = options.newDevicesPerWindow ?? 60;
  const windowMs = options.newDeviceWindowMs ?? 60_000;
  const limiter = new NewDeviceLimiter(max, windowMs, Date.now);
  const registry = app.opencalMetrics;
  const limitedTotal = counter(registry, 'opencal_gate_new_devices_limited_total', 'connections of new devices refused by the per-source limit');
  const reportedTotal = counter(registry, 'opencal_gate_report_only_refusals_total', 'refusals a report-only front end admitted anyway, by code', ['code'] as const);

  /** `status`: the proxy gate answers 401 or 403 only (nginx's auth_request treats any other status as an error). */
  const refuseGate = (reply: FastifyReply, r: Refusal, status?: number) => {
    // The proxy (nginx) passes the code on; the device client reads the body.
    reply.header(GATE_HEADERS.refusal, r.code);
    reply.header(GATE_HEADERS.refusalMessage, r.message.replace(/[^\x20-\x7e]/g, ' '));
    sendRefusal(reply, r, status);
    return reply;
  };

  async function requireCredential(request: FastifyRequest, reply: FastifyReply) {
    if (refuseIfTooManyAuthFailures(request, reply)) return reply;
    const token = bearerOf(request);
    if (token === undefined) return refuseGate(reply, refusal('GATE_CREDENTIAL_REQUIRED'));
    const found = await tokenStoreOf(request).find(token);
    if (!found || !(GATE_ROUTE_SCOPES as readonly string[]).includes(found.scope)) {
      if (!found) recordAuthFailure(request);
      return refuseGate(reply, refusal('GATE_CREDENTIAL_INVALID', found ? { scope: found.scope } : {}));
    }
    request.principal = { scope: found.scope as 'sh:gate', subject: found.subject, tokenId: found.id };
  }

  const sourceOf = (request: FastifyRequest) => `${request.principal?.tokenId ?? '-'}@${request.ip}`;

  /** A refusal when this connection is a new device beyond the source's limit; undefined otherwise. */
  async function limitNewDevice(request: FastifyRequest, input: { ok: true; value: ConnectInput } | { ok: false }): Promise<Refusal | undefined> {
    if (!input.ok) return undefined;
    const { device, hwid, cals } = input.value;
    if ((cals ?? []).length > 0 || (await uc.isKnownDevice(device, hwid))) return undefined;
    const taken = limiter.take(sourceOf(request));
    if (taken.allowed) return undefined;
    limitedTotal.inc();
    if (taken.first) {
      await uc.recordNewDevicesLimited({ frontEnd: request.principal?.subject, source: request.ip, max, windowSeconds: Math.round(windowMs / 1000), device });
    }
    return refusal('TOO_MANY_NEW_DEVICES', { max, windowSeconds: Math.round(windowMs / 1000), retryAfterSeconds: taken.retryAfterSeconds });
  }

  /** A report-only front end admits what the session host refused: record what would have happened. */
  async function reportIfReportOnly(request: FastifyRequest, input: unknown, r: Refusal): Promise<void> {
    if (request.headers[GATE_HEADERS.reportOnly] !== '1') return;
    const i = (typeof input === 'object' && input !== null ? input : {}) as { device?: unknown; user?: unknown };
    reportedTotal.inc({ code: r.code });
    await uc.recordReportedRefusal({
      frontEnd: request.principal?.subject,
      user: typeof i.user === 'string' ? i.user : '-',
      device: typeof i.device === 'string' ? i.device : '-',
      code: r.code,
      reason: r.message,
    });
  }

  return { requireCredential, limitNewDevice, reportIfReportOnly, refuseGate };
}

function tokenStoreOf(request: FastifyRequest) {
  const store = request.server.opencalTokenStore;
  if (!store) throw new Error('the gate routes run inside the session host plugin');
  return store;
}

/** 204 admit (with the new CAL in a header for the proxy to pass on), 401/403 refuse with the code in a header. */
function answerGate(reply: FastifyReply, result: Awaited<ReturnType<SessionHostUseCases['connect']>>) {
  if (result.ok) {
    reply.header(GATE_HEADERS.admission, result.value.basis);
    if (result.value.bundle) reply.header(GATE_HEADERS.newCal, encodeBundleHeader([result.value.bundle]));
    return reply.code(204).send();
  }
  const code = result.error.code;
  const unauthenticated = code === 'INVALID_CONNECTION_REQUEST' || code === 'CAL_TOKEN_MALFORMED' || code === 'CAL_SIGNATURE_INVALID' || code === 'USER_REQUIRED';
  reply.header(GATE_HEADERS.refusal, code);
  // A header carries one line of Latin-1: the message is for logs and for a page the proxy may render.
  reply.header(GATE_HEADERS.refusalMessage, result.error.message.replace(/[^\x20-\x7e]/g, ' '));
  // The gate speaks the proxy's auth_request protocol: 401 or 403 whatever the code's API status, no detail.
  const { message } = errorBody(result.error, langOf(reply.request)).error;
  return reply.code(unauthenticated ? 401 : 403).send({ error: { code, message } });
}
