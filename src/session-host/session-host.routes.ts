/**
 * Session host routes under /sh/v1: the device API (connect), the reverse-proxy gate (auth, nginx
 * `auth_request`), and the admin API (status, config, enroll, refresh, emit, admissions, events).
 */
import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { CONFIG_LAYERS, type LicensingMode } from '../core/vocabulary';
import { EMIT_FORMATS } from '../core/windows-config';
import { requireScope } from '../http/auth';
import { errorBody, errorResponses, langOf, sendRefusal } from '../http/errors';
import type { TypedApp } from '../http/server';
import * as Wire from '../core/wire/session-host';
import { authHeadersToConnectInput, GATE_HEADERS, encodeBundleHeader } from './gate';
import type { SessionHostUseCases } from './ports';

const Mode = Type.Union([Type.Literal('per-device'), Type.Literal('per-user'), Type.Literal('not-configured')]);
const Layer = Type.Union(CONFIG_LAYERS.map((l) => Type.Literal(l)));
const Any = Type.Unknown();

const admin = requireScope('sh:admin');
const reader = requireScope('sh:admin', 'readonly');

export function sessionHostRoutes(uc: SessionHostUseCases) {
  return async function routes(app: TypedApp): Promise<void> {
    app.post(
      '/connect',
      {
        config: { rateLimit: { max: 600, timeWindow: '1 minute' } },
        schema: {
          tags: ['session-host'],
          summary: 'a device connects: admitted (with a new CAL to store) or refused with the message the user sees',
          body: Type.Object(
            {
              device: Type.String({ minLength: 1, maxLength: 128 }),
              hwid: Type.String({ minLength: 1, maxLength: 128 }),
              user: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
              cals: Type.Optional(Type.Array(Any, { maxItems: 16 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Wire.Admission, ...errorResponses(400, 403, 409, 422, 429) },
        },
      },
      async (request, reply) => {
        const result = await uc.connect(request.body);
        if (!result.ok) return sendRefusal(reply, result.error);
        return result.value;
      },
    );

    app.get(
      '/auth',
      {
        schema: {
          tags: ['session-host'],
          summary: 'nginx auth_request gate: 204 admit, 401/403 refuse with X-OpenCAL-Refusal',
          description: `Headers: ${GATE_HEADERS.device}, ${GATE_HEADERS.hwid}, ${GATE_HEADERS.user} (optional), ${GATE_HEADERS.cals} (base64url JSON list of CAL bundles).`,
          response: { 204: Type.Null({ description: `admitted: ${GATE_HEADERS.admission} names the basis, ${GATE_HEADERS.newCal} carries a new CAL to store` }), ...errorResponses(401, 403) },
        },
      },
      async (request, reply) => {
        const input = authHeadersToConnectInput(request.headers);
        const result = input.ok ? await uc.connect(input.value) : input;
        return answerGate(reply, result);
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
              licenseServers: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 512 }), { maxItems: 32 }), Type.Null()])),
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
          body: Type.Object({ licenseServerUrl: Type.String({ maxLength: 512 }), joinToken: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false }),
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
          summary: 'Windows configuration from these settings: PowerShell, .reg, GPO, RDMS',
          querystring: Type.Object({ format: Type.Union(EMIT_FORMATS.map((f) => Type.Literal(f))) }),
          response: { 200: { description: 'the configuration file', content: { 'text/plain': { schema: Type.String() } } }, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const result = await uc.emit(request.query.format);
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
          summary: 'recent admissions and refusals',
          querystring: Type.Object({
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
            outcome: Type.Optional(Type.Union([Type.Literal('admitted'), Type.Literal('refused')])),
            device: Type.Optional(Type.String({ maxLength: 128 })),
          }),
          response: { 200: Wire.AdmissionList, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => ({ admissions: await uc.admissions(request.query) }),
    );

    app.get(
      '/events',
      {
        preHandler: reader,
        schema: {
          tags: ['session-host'],
          summary: "the session host's events",
          querystring: Type.Object({
            eventId: Type.Optional(Type.Integer()),
            afterId: Type.Optional(Type.Integer()),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          }),
          response: { 200: Wire.EventList, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const q = request.query;
        return {
          events: await uc.events({
            ...(q.eventId === undefined ? {} : { eventId: q.eventId }),
            ...(q.afterId === undefined ? {} : { afterId: q.afterId }),
            ...(q.limit === undefined ? {} : { limit: q.limit }),
          }),
        };
      },
    );

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
