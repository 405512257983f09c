/**
 * License server routes under /ls/v1 (docs/architecture.md, license server table): the license manager's admin
 * API (`ls:admin`, some also `readonly`), the session host API (`ls:host`) and the public identity and enrolment.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Readable } from 'node:stream';
import { ISSUED_PAGE_MAX, ISSUED_SORTS, issuedSortOf } from '../core/issued-list';
import { refusal } from '../core/result';
import { principalOf, recordAuthFailure, refuseIfTooManyAuthFailures, REQUIRED_SCOPES, requireScope } from '../http/auth';
import { HOST_SIGNATURE_HEADER } from '../trust/index';
import { HOST_SORTS } from '../core/list-specs';
import { eventsRoute, listResponse, PAGE_DESCRIPTION, pageQuery, sendCsv } from '../http/list-routes';
import { errorResponses, sendRefusal } from '../http/errors';
import type { TypedApp } from '../http/server';
import * as Wire from '../core/wire/license-server';
import { IssuanceStats, IssuanceStatsQuery } from '../core/wire/license-server-stats';
import { CAL_KINDS, CAL_TYPES, CAL_VERSIONS, MIGRATION_REASONS, REACTIVATION_REASONS } from '../core/vocabulary';
import type { LicenseServerUseCases } from './ports';
import { Int, Text } from '../core/wire/common';

const literals = <T extends string | number>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Str = (max = 256) => Text(max);
const Company = Type.Object(
  { firstName: Str(200), lastName: Str(200), company: Str(200), country: Str(200) },
  { additionalProperties: false },
);
const admin = requireScope('ls:admin');
const reader = requireScope('ls:admin', 'readonly');
const bearerHost = requireScope('ls:host');
const tags = ['license-server'];

export async function licenseServerRoutes(app: TypedApp, uc: LicenseServerUseCases): Promise<void> {
  /**
   * The session host API: a host signs its request (`OpenCAL-Host-Signature`, DESIGN §4) — recognised when this
   * server enrolled it or its organization registered it, so a reinstall at the same address needs no new join
   * token — or presents its `ls:host` bearer token. The bearer token is checked first of all (this guard runs on
   * request, see http/server.ts); a signature binds the body, so it is checked once the body is read (`signedHost`).
   */
  // Both in Fastify's callback form: a request with a bearer token goes on without a promise of its own.
  const hostGuard = Object.assign(
    function hostGuard(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void {
      if (typeof request.headers[HOST_SIGNATURE_HEADER] !== 'string') return bearerHost(request, reply, done);
      if (!refuseIfTooManyAuthFailures(request, reply)) done();
    },
    { [REQUIRED_SCOPES]: ['ls:host'] as const },
  );
  function signedHost(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void {
    const signature = request.headers[HOST_SIGNATURE_HEADER];
    if (typeof signature !== 'string') return done();
    const path = request.url.split('?')[0] ?? request.url;
    uc.authenticateHost({ signature, method: request.method, path, body: request.body ?? null }).then((r) => {
      if (!r.ok) {
        recordAuthFailure(request);
        sendRefusal(reply, r.error);
        return;
      }
      request.principal = { scope: 'ls:host', subject: r.value.name, tokenId: `host:${r.value.hostId}` };
      done();
    }, done);
  }
  const host = [hostGuard, signedHost];

  app.get('/identity', { schema: { tags, summary: 'license server ID, product ID, public key, version and certificate', response: { 200: Wire.ServerIdentity } } }, async () =>
    uc.identity(),
  );

  app.get('/status', { preHandler: reader, schema: { tags, summary: 'activation, key packs and issued counts', response: { 200: Wire.LicenseServerStatus, ...errorResponses(401, 403) } } }, async () =>
    uc.status(),
  );

  app.get(
    '/stats/issuance',
    {
      preHandler: reader,
      schema: {
        tags,
        summary: 'CALs issued and CAL requests refused per hour (range=24h) or per day (range=30d), UTC',
        querystring: IssuanceStatsQuery,
        response: { 200: IssuanceStats, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => uc.issuanceStats(request.query.range ?? '24h'),
  );

  app.post(
    '/activate',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'activate: auto (organization token + company) or web/phone (the 35-character confirmation)',
        body: Type.Union([
          Type.Object({ method: Type.Literal('auto'), orgToken: Str(512), company: Company }, { additionalProperties: false }),
          Type.Object({ method: Type.Union([Type.Literal('web'), Type.Literal('phone')]), confirmation: Str(64) }, { additionalProperties: false }),
        ]),
        response: { 200: Wire.ActivationView, ...errorResponses(400, 401, 403, 404, 409, 422, 502) },
      },
    },
    async (request, reply) => {
      const r = await uc.activate(request.body);
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  app.post(
    '/reactivate',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'reactivate with a reason: auto (organization token) or web/phone (a new confirmation)',
        body: Type.Object(
          {
            reason: literals(REACTIVATION_REASONS),
            method: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('web'), Type.Literal('phone')])),
            orgToken: Type.Optional(Str(512)),
            confirmation: Type.Optional(Str(64)),
          },
          { additionalProperties: false },
        ),
        response: { 200: Wire.ActivationView, ...errorResponses(400, 401, 403, 409, 422, 502) },
      },
    },
    async (request, reply) => {
      const r = await uc.reactivate(request.body);
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  app.post(
    '/deactivate',
    { preHandler: admin, schema: { tags, summary: 'deactivate; answers the 35-character deactivation receipt', response: { 200: Wire.DeactivationReceipt, ...errorResponses(401, 403, 409, 422, 502) } } },
    async (_request, reply) => {
      const r = await uc.deactivate();
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  app.get('/key-packs', { preHandler: reader, schema: { tags, summary: 'installed key packs: program, type, version, total, issued, available, status', response: { 200: Wire.KeyPackList, ...errorResponses(401, 403) } } }, async () => ({
    keyPacks: await uc.listKeyPacks(),
  }));

  app.post(
    '/key-packs',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'install a key pack: by pack key + program data (auto) or by the 35-character key pack ID (web/phone)',
        body: Type.Union([
          Type.Object(
            {
              packKey: Str(64),
              licenseNumber: Type.Optional(Str(32)),
              authorizationNumber: Type.Optional(Str(32)),
              agreementNumber: Type.Optional(Str(32)),
            },
            { additionalProperties: false },
          ),
          Type.Object({ keyPackId: Str(64), method: Type.Optional(Type.Union([Type.Literal('web'), Type.Literal('phone')])) }, { additionalProperties: false }),
        ]),
        response: { 200: Wire.KeyPackView, ...errorResponses(400, 401, 403, 404, 409, 422, 502) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const r = 'keyPackId' in body ? await uc.installByKeyPackId(body) : await uc.installByPackKey(body);
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  app.post(
    '/migration-code',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'the 45-character migration code for this (target) license server, to enter on the portal with the pack key',
        body: Type.Object({ reason: literals(MIGRATION_REASONS), sourceId: Type.Optional(Text(64, { minLength: 0 })) }, { additionalProperties: false }),
        response: { 200: Wire.MigrationCodeAnswer, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const r = await uc.makeMigrationCode(request.body);
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  app.get(
    '/issued',
    {
      preHandler: reader,
      schema: {
        tags,
        summary: 'issued licenses, paged (JSON) or all of them (CSV), filtered and sorted',
        description:
          'JSON answers one page (`limit`, default 1000, at most 10000) with `total`, the count of every matching license, and `nextCursor` when another page follows: pass it back as `cursor` with the same `sort` and filters. CSV answers every matching license (or `limit` of them after `offset`).',
        querystring: Type.Object(
          {
            type: Type.Optional(literals(CAL_KINDS)),
            calType: Type.Optional(literals(CAL_TYPES)),
            device: Type.Optional(Str()),
            user: Type.Optional(Str()),
            pack: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
            status: Type.Optional(literals(['active', 'upgraded', 'expired', 'revoked', 'removed', 'all'] as const)),
            expiresFrom: Type.Optional(Type.String({ format: 'date-time', description: 'expiring at or after this time' })),
            expiresBefore: Type.Optional(Type.String({ format: 'date-time', description: 'expiring before this time' })),
            sort: Type.Optional(literals(ISSUED_SORTS)),
            cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 800 })),
            format: Type.Optional(literals(['json', 'csv'] as const)),
            limit: Type.Optional(Int({ minimum: 1, maximum: 100_000 })),
            offset: Type.Optional(Int()),
          },
          { additionalProperties: false },
        ),
        response: { 200: { content: { 'application/json': { schema: Wire.IssuedList }, 'text/csv': { schema: Type.String() } } }, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filter = {
        kind: q.type,
        calType: q.calType,
        device: q.device,
        user: q.user,
        status: q.status,
        pack: q.pack,
        ...(q.expiresFrom ? { expiresFrom: new Date(q.expiresFrom) } : {}),
        ...(q.expiresBefore ? { expiresBefore: new Date(q.expiresBefore) } : {}),
      };
      if (q.format === 'csv') {
        reply.header('content-type', 'text/csv; charset=utf-8');
        reply.header('content-disposition', 'attachment; filename="issued-licenses.csv"');
        if (q.limit !== undefined || q.offset !== undefined) {
          return uc.issuedCsv(await uc.listIssued({ ...filter, ...(q.sort ? { sort: issuedSortOf(q.sort) } : {}), limit: q.limit ?? 10_000, offset: q.offset ?? 0 }));
        }
        // Streamed: the typed reply knows only the schema's string, a stream of it is what is sent.
        return reply.send(Readable.from(uc.issuedCsvStream(filter, q.sort)) as unknown as string);
      }
      if (q.limit !== undefined && q.limit > ISSUED_PAGE_MAX) return sendRefusal(reply, refusal('INVALID_REQUEST', { field: 'limit', problem: `at most ${ISSUED_PAGE_MAX} rows a JSON page` }));
      const r = await uc.pageIssued({ ...filter, sort: q.sort, cursor: q.cursor, limit: q.limit, offset: q.offset });
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  app.post(
    '/issued/revoke',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'revoke a per-device CAL (20 % rule); refused with nextRevokeAllowedOn when the limit is reached',
        body: Type.Object({ device: Str() }, { additionalProperties: false }),
        response: { 200: Wire.RevokeAnswer, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const r = await uc.revoke(request.body);
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  app.get('/reports/per-user', { preHandler: reader, schema: { tags, summary: 'per-user CAL report, with over-allocation', response: { 200: Wire.PerUserReport, ...errorResponses(401, 403) } } }, async () =>
    uc.perUserReport(),
  );

  app.post(
    '/rebuild',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'rebuild the license database (keeps the identity); refused unless forced when the clearinghouse does not hold the packs',
        body: Type.Optional(Type.Object({ force: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
        response: { 200: Wire.RebuildAnswer, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const r = await uc.rebuild({ force: request.body?.force });
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  app.put(
    '/settings',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'settings: prevent license upgrade',
        body: Type.Object({ preventUpgrade: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: Wire.Settings, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => uc.setSettings(request.body),
  );

  app.post(
    '/hosts',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'a one-time join token for a session host',
        body: Type.Object({ name: Str(253) }, { additionalProperties: false }),
        response: { 200: Wire.JoinToken, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const r = await uc.createJoinToken(request.body);
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  app.get(
    '/hosts',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'enrolled session hosts, paged, and the whole allow-list',
        description: PAGE_DESCRIPTION,
        querystring: Type.Object({ name: Type.Optional(Text(253, { description: 'words of the host name, whatever their case' })), ...pageQuery(HOST_SORTS) }, { additionalProperties: false }),
        response: listResponse(Wire.HostList),
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filter = q.name ? { name: q.name } : {};
      if (q.format === 'csv') return sendCsv(reply, 'session-hosts.csv', uc.hostsCsv(filter, { sort: q.sort, order: q.order }));
      const r = await uc.listHosts(filter, { sort: q.sort, order: q.order, cursor: q.cursor, limit: q.limit });
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  app.put(
    '/hosts/allow-list',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'the "RDS Endpoint Servers" allow-list: when enabled, only listed session hosts get CALs (event 4141 otherwise)',
        body: Type.Object({ enabled: Type.Boolean(), hosts: Type.Array(Str(253), { maxItems: 10_000 }) }, { additionalProperties: false }),
        response: { 200: Wire.AllowList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const r = await uc.setAllowList(request.body);
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  app.get(
    '/tokens',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'tokens of this license server (never their secret): admin, read-only and session host tokens, and unused join tokens; revoked ones with ?revoked=true',
        querystring: Type.Object({ revoked: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: Wire.TokenList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ tokens: await uc.tokens(request.query.revoked ? { includeRevoked: true } : {}) }),
  );

  app.delete(
    '/tokens/:id',
    {
      preHandler: admin,
      schema: { tags, summary: 'revoke a token, or withdraw an unused join token', params: Type.Object({ id: Str(32) }), response: { 200: Wire.TokenView, ...errorResponses(401, 403, 404) } },
    },
    async (request, reply) => {
      const r = await uc.revokeToken(request.params.id);
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  app.post(
    '/hosts/enroll',
    {
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: "a session host enrols with the one-time join token made for its name (and its signed enrolment statement, which registers its key with the organization); answers its ls:host token",
        body: Type.Object({ joinToken: Str(200), name: Str(253), statement: Type.Optional(Str(4096)) }, { additionalProperties: false }),
        response: { 200: Wire.Enrolment, ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      if (refuseIfTooManyAuthFailures(request, reply, request.body.joinToken)) return reply;
      const r = await uc.enroll(request.body);
      if (!r.ok) {
        if (r.error.code === 'JOIN_TOKEN_INVALID') recordAuthFailure(request, request.body.joinToken);
        return sendRefusal(reply, r.error);
      }
      return r.value;
    },
  );

  app.post(
    '/cals',
    {
      preHandler: host,
      schema: {
        tags,
        summary: 'a session host requests a CAL for a device or user (new, upgrade, renewal)',
        body: Wire.CalRequest,
        response: { 200: Wire.CalAnswer, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const r = await uc.requestCal(principalOf(request).subject, request.body);
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  app.post(
    '/cals/validate',
    {
      preHandler: host,
      schema: {
        tags,
        summary: 'mark a temporary CAL validated after a successful logon',
        body: Type.Object({ jti: Str(64) }, { additionalProperties: false }),
        response: { 200: Wire.Validated, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const r = await uc.validateCal(principalOf(request).subject, request.body.jti);
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  app.post('/check-in', { preHandler: admin, schema: { tags, summary: 'check in with the clearinghouse now', response: { 200: Wire.CheckInResult, ...errorResponses(401, 403, 409, 502) } } }, async (_request, reply) => {
    const r = await uc.checkIn();
    return r.ok ? r.value : sendRefusal(reply, r.error);
  });

  app.post(
    '/import',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'import the signed file the clearinghouse exported for this server (air-gapped sites): certificate, grants, revocation list',
        body: Type.Object({ file: Type.Unknown({ description: 'the file written by `opencal ch export` (GET /ch/v1/servers/:serverId/export), as JSON' }) }, { additionalProperties: false }),
        response: { 200: Wire.ImportResult, ...errorResponses(400, 401, 403, 409, 422, 502) },
      },
    },
    async (request, reply) => {
      const r = await uc.importDocuments(request.body.file);
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );

  eventsRoute(app, { preHandler: reader, tags, summary: "the license server's events", fileName: 'license-server-events.csv', uc });

  // ---- the CAL decision dry run, for the diagnoser's probe through the session host ----------------------------
  app.post(
    '/cals/dry-run',
    {
      preHandler: host,
      schema: {
        tags,
        summary: "what a CAL request from this session host would get now: issues, claims and records nothing",
        description:
          'Answered with the session host\'s own ls:host token, exactly as its CAL requests are: the same allow-list, activation and key pack rules, without writing anything. `issue` is temporary, permanent, user or none (with the refusal `code`); `permanentAvailable` tells whether a CAL of a version the host accepts has a free seat.',
        body: Type.Object(
          {
            mode: Type.Union([Type.Literal('per-device'), Type.Literal('per-user')]),
            hostVersion: literals(CAL_VERSIONS),
            hwid: Type.Optional(Str()),
            user: Type.Optional(Str()),
          },
          { additionalProperties: false },
        ),
        response: { 200: Wire.DryRunAnswer, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const r = await uc.dryRunCal(principalOf(request).subject, request.body);
      return r.ok ? r.value : sendRefusal(reply, r.error);
    },
  );
}
