/**
 * Clearinghouse routes under /ch/v1 (docs/architecture.md, clearinghouse table). Every route names its owner
 * scope; the license server routes take a signed request (`{ request: <JWS> }`) instead of, or as well as, a
 * bearer token. Handlers only translate: the rules are in the use cases and in core/clearinghouse-rules.ts.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { parseCaseNumber } from '../core/clearinghouse-rules';
import { refusal, type Result } from '../core/result';
import { ACTIVATION_STATUSES, CAL_TYPES, CAL_VERSIONS, CASE_STATUSES, MIGRATION_REASONS, PROGRAMS } from '../core/vocabulary';
import { principalOf, requireScope, type Principal } from '../http/auth';
import { CASE_SORTS, SERVER_SORTS } from '../core/list-specs';
import { eventsRoute, listResponse, PAGE_DESCRIPTION, pageQuery, sendCsv, sendPage } from '../http/list-routes';
import { errorResponses, sendRefusal } from '../http/errors';
import type { TypedApp } from '../http/server';
import * as Wire from '../core/wire/clearinghouse';
import type { ClearinghouseUseCases } from './ports';
import type { SignedAction, VerifiedRequest } from './signed-request';
import { Int, Text } from '../core/wire/common';

const literals = <T extends string | number>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Str = (max = 256) => Text(max);
const Opt = (max: number) => Text(max, { minLength: 0 });
const Company = Type.Object(
  {
    firstName: Opt(200),
    lastName: Opt(200),
    company: Opt(200),
    country: Opt(200),
  },
  { additionalProperties: Opt(200), description: 'first name, last name, company and country are required' },
);
const ProgramDataFields = {
  licenseNumber: Type.Optional(Opt(32)),
  authorizationNumber: Type.Optional(Opt(32)),
  agreementNumber: Type.Optional(Opt(32)),
};
const SignedBody = Type.Object({ request: Type.String({ minLength: 1, maxLength: 16_384 }) }, { additionalProperties: false });
const CaseParams = Type.Object({ number: Opt(20) });
const Reason = Type.Object({ reason: Str(2000) }, { additionalProperties: false });
const MigrationFields = {
  packKey: Str(64),
  program: literals(PROGRAMS),
  calType: literals(CAL_TYPES),
  calVersion: literals(CAL_VERSIONS),
  ...ProgramDataFields,
  receipt: Type.Optional(Opt(64)),
  proofOfPurchase: Type.Optional(Opt(200)),
};

const tags = ['clearinghouse'];
const admin = requireScope('ch:admin');
const org = requireScope('ch:org');
const agent = requireScope('ch:agent');

function actorOf(p: Principal): string {
  if (p.scope === 'ch:admin') return `admin:${p.tokenId}`;
  if (p.scope === 'ch:org') return `org:${p.subject}`;
  if (p.scope === 'ch:agent') return `agent:${p.subject}`;
  return `${p.scope}:${p.subject}`;
}

function send<T>(reply: FastifyReply, r: Result<T>): T | FastifyReply {
  return r.ok ? r.value : sendRefusal(reply, r.error);
}

function programData(b: { licenseNumber?: string; authorizationNumber?: string; agreementNumber?: string }) {
  return {
    ...(b.licenseNumber !== undefined ? { licenseNumber: b.licenseNumber } : {}),
    ...(b.authorizationNumber !== undefined ? { authorizationNumber: b.authorizationNumber } : {}),
    ...(b.agreementNumber !== undefined ? { agreementNumber: b.agreementNumber } : {}),
  };
}

export async function clearinghouseRoutes(app: TypedApp, uc: ClearinghouseUseCases): Promise<void> {
  async function signed<B>(request: FastifyRequest, reply: FastifyReply, action: SignedAction): Promise<VerifiedRequest<B> | undefined> {
    const r = await uc.verifySignedRequest<B>((request.body as { request?: unknown }).request, action);
    if (!r.ok) {
      sendRefusal(reply, r.error);
      return undefined;
    }
    return r.value;
  }

  function caseNumber(text: string, reply: FastifyReply): number | undefined {
    const n = parseCaseNumber(text);
    if (n === undefined) sendRefusal(reply, refusal('CASE_NOT_FOUND', { value: text, problem: 'format' }));
    return n;
  }

  // ---------------------------------------------------------------- public
  app.get('/trust', { schema: { tags, summary: 'the trust anchor: the clearinghouse key set (JWK by kid, with validity), endorsed by its keys, and the fingerprint of its root key to pin', response: { 200: Wire.TrustAnchor } } }, async () =>
    uc.trust(),
  );

  app.get('/revocations', { schema: { tags, summary: 'the signed revocation list { list: JWS }', response: { 200: Wire.SignedList } } }, async () => ({
    list: (await uc.revocations()).list,
  }));

  // ---------------------------------------------------------------- key set (keys.usecase.ts)
  app.get('/keys', { preHandler: requireScope('ch:admin', 'ch:agent'), schema: { tags, summary: 'the key set: each key with its validity and status, and the key this node signs with', response: { 200: Wire.KeyList, ...errorResponses(401, 403) } } }, async () =>
    uc.keys(),
  );

  app.post(
    '/keys/rotate',
    { preHandler: admin, schema: { tags, summary: 'add a key that signs new documents from now; the previous keys keep verifying what they signed (copy the new key file to every node)', response: { 200: Wire.KeysRotated, ...errorResponses(401, 403, 409) } } },
    async (request, reply) => send(reply, await uc.rotateKeys(actorOf(principalOf(request)))),
  );

  app.post(
    '/keys/:kid/revoke',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'revoke a compromised key: nothing it signed is trusted any more; its certificates and grants are signed again with the current key',
        params: Type.Object({ kid: Str(100) }),
        body: Reason,
        response: { 200: Wire.KeyRevoked, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => send(reply, await uc.revokeKey({ kid: request.params.kid, reason: request.body.reason }, actorOf(principalOf(request)))),
  );

  // ---------------------------------------------------------------- directory
  app.post(
    '/orgs',
    {
      preHandler: admin,
      schema: { tags, summary: 'create an organization; answers its ch:org token (shown once)', body: Type.Object({ name: Str(200) }, { additionalProperties: false }), response: { 200: Wire.OrgCreated, ...errorResponses(400, 401, 403, 422) } },
    },
    async (request, reply) => send(reply, await uc.createOrganization(request.body, actorOf(principalOf(request)))),
  );

  app.get('/orgs', { preHandler: requireScope('ch:admin', 'ch:agent'), schema: { tags, summary: 'organizations', response: { 200: Wire.OrganizationList, ...errorResponses(401, 403) } } }, async () => ({
    organizations: await uc.organizations(),
  }));

  app.post(
    '/agents',
    {
      preHandler: admin,
      schema: { tags, summary: 'create an agent (clearinghouse operator); answers its ch:agent token (shown once)', body: Type.Object({ name: Str(200) }, { additionalProperties: false }), response: { 200: Wire.AgentCreated, ...errorResponses(400, 401, 403, 422) } },
    },
    async (request, reply) => send(reply, await uc.createAgent(request.body, actorOf(principalOf(request)))),
  );

  app.get('/agents', { preHandler: admin, schema: { tags, summary: 'agents (clearinghouse operators), never their token: their tokens are listed and revoked under /tokens', response: { 200: Wire.AgentList, ...errorResponses(401, 403) } } }, async () => ({
    agents: await uc.agents(),
  }));

  app.post(
    '/packs',
    {
      preHandler: requireScope('ch:admin', 'ch:agent'),
      schema: {
        tags,
        summary: 'record a purchase; answers the pack number and the 25-character pack key (shown once)',
        body: Type.Object(
          {
            orgId: Type.Optional(Type.Union([Str(100), Type.Null()])),
            program: literals(PROGRAMS),
            calType: literals(CAL_TYPES),
            calVersion: literals(CAL_VERSIONS),
            count: Int({ minimum: 1, maximum: 1_000_000 }),
            ...ProgramDataFields,
            proofOfPurchase: Type.Optional(Opt(200)),
          },
          { additionalProperties: false },
        ),
        response: { 200: Wire.PackCreated, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      return send(
        reply,
        await uc.createPack(
          { orgId: b.orgId ?? null, program: b.program, calType: b.calType, calVersion: b.calVersion, count: b.count, programData: programData(b), proofOfPurchase: b.proofOfPurchase ?? null },
          actorOf(principalOf(request)),
        ),
      );
    },
  );

  app.get('/packs', { preHandler: requireScope('ch:admin', 'ch:agent', 'ch:org'), schema: { tags, summary: 'packs (an organization sees its own)', response: { 200: Wire.PackList, ...errorResponses(401, 403) } } }, async (request) => {
    const p = principalOf(request);
    return { packs: await uc.packs(p.scope === 'ch:org' ? { orgId: p.subject } : {}) };
  });

  app.get(
    '/servers',
    {
      preHandler: requireScope('ch:admin', 'ch:agent', 'ch:org'),
      schema: {
        tags,
        summary: 'license servers known to the clearinghouse, paged (an organization sees its own)',
        description: PAGE_DESCRIPTION,
        querystring: Type.Object(
          {
            organization: Type.Optional(Text(64, { description: "an organization's servers (an organization's own token sees only its own)" })),
            status: Type.Optional(literals(ACTIVATION_STATUSES)),
            ...pageQuery(SERVER_SORTS),
          },
          { additionalProperties: false },
        ),
        response: listResponse(Wire.ServerList),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const q = request.query;
      const orgId = p.scope === 'ch:org' ? p.subject : q.organization;
      const filter = { ...(orgId !== undefined ? { orgId } : {}), ...(q.status ? { status: q.status } : {}) };
      if (q.format === 'csv') return sendCsv(reply, 'license-servers.csv', uc.serversCsv(filter, { sort: q.sort, order: q.order }));
      return sendPage(reply, await uc.serverPage(filter, { sort: q.sort, order: q.order, cursor: q.cursor, limit: q.limit }), (servers) => ({ servers }));
    },
  );

  app.get(
    '/servers/:serverId/export',
    {
      preHandler: requireScope('ch:admin', 'ch:agent', 'ch:org'),
      schema: {
        tags,
        summary: 'the signed file an air-gapped license server imports (licmgr import FILE): its certificate, grants and the revocation list (an organization exports its own servers)',
        params: Type.Object({ serverId: Str(64) }),
        response: { 200: Wire.DocumentsFile, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return send(reply, await uc.exportDocuments({ serverId: request.params.serverId, ...(p.scope === 'ch:org' ? { orgId: p.subject } : {}) }, actorOf(p)));
    },
  );

  // ---------------------------------------------------------------- license servers (signed requests)
  const signedSchema = <T extends TSchema>(summary: string, answer: T) => ({ tags, summary, body: SignedBody, response: { 200: answer, ...errorResponses(400, 401, 403, 404, 409, 422) } });

  app.post('/servers/activate', { preHandler: org, schema: signedSchema('auto activation: signed request { company, serverVersion } + the organization token -> { certificate }', Wire.CertificateAnswer) }, async (request, reply) => {
    const req = await signed<{ company?: unknown; serverVersion?: unknown }>(request, reply, 'activate');
    if (!req) return reply;
    return send(reply, await uc.activateAuto(req, principalOf(request).subject));
  });

  app.post('/servers/reactivate', { preHandler: org, schema: signedSchema('reactivation with a reason: signed request { reason, serverVersion } + the organization token -> { certificate }', Wire.CertificateAnswer) }, async (request, reply) => {
    const req = await signed<{ reason?: unknown; serverVersion?: unknown }>(request, reply, 'reactivate');
    if (!req) return reply;
    return send(reply, await uc.reactivateAuto(req, principalOf(request).subject));
  });

  app.post('/servers/deactivate', { schema: signedSchema('auto deactivation: signed request {} -> releases the packs the server held', Wire.DeactivationAnswer) }, async (request, reply) => {
    const req = await signed(request, reply, 'deactivate');
    if (!req) return reply;
    return send(reply, await uc.deactivateAuto(req));
  });

  app.post('/servers/install', { schema: signedSchema('auto install: signed request { packKey, program data } -> { grant, keyPack }', Wire.InstallAnswer) }, async (request, reply) => {
    const req = await signed<{ packKey?: unknown; licenseNumber?: string; authorizationNumber?: string; agreementNumber?: string }>(request, reply, 'install');
    if (!req) return reply;
    const b = (req.body ?? {}) as Record<string, unknown>;
    const data = Object.fromEntries(['licenseNumber', 'authorizationNumber', 'agreementNumber'].filter((k) => typeof b[k] === 'string').map((k) => [k, b[k] as string]));
    const r = await uc.installPack({ serverId: req.serverId, packKey: b.packKey, programData: data, method: 'auto' }, `server:${req.serverId}`);
    if (!r.ok) return sendRefusal(reply, r.error);
    return { grant: r.value.grant, keyPack: r.value.keyPack };
  });

  app.post('/servers/check-in', { schema: signedSchema('check-in: signed request { instanceId, packs, chain: { counter, prev, attempt }, activationSerial? } -> { status, certificate?, grants, revocations, receipt?, chain, checkpoint? }', Wire.CheckInAnswer) }, async (request, reply) => {
    // The signed request is checked by the use case, which records its nonce with the check-in itself.
    return send(reply, await uc.checkInSigned((request.body as { request?: unknown }).request));
  });

  app.post('/servers/holdings', { schema: signedSchema('what the clearinghouse holds for this server: { certificate?, grants }', Wire.HoldingsAnswer) }, async (request, reply) => {
    const req = await signed<{ activationSerial?: unknown }>(request, reply, 'holdings');
    if (!req) return reply;
    return send(reply, await uc.holdings({ serverId: req.serverId, body: req.body ?? {} }));
  });

  // ---------------------------------------------------------------- the organization's host registry
  app.post('/servers/hosts/register', { schema: signedSchema("register the session host a license server enrolled: signed request { statement: the host's signed enrolment } -> { hostId, orgId, name, retired }", Wire.HostRegistered) }, async (request, reply) => {
    const req = await signed(request, reply, 'register-host');
    if (!req) return reply;
    return send(reply, await uc.registerHost(req));
  });

  app.post('/servers/hosts', { schema: signedSchema("the live session hosts of the calling license server's organization: signed request {} -> { orgId, hosts }", Wire.HostRegistry) }, async (request, reply) => {
    const req = await signed(request, reply, 'host-registry');
    if (!req) return reply;
    return send(reply, await uc.registryForServer(req));
  });

  app.get(
    '/hosts',
    {
      preHandler: requireScope('ch:admin', 'ch:agent', 'ch:org'),
      schema: {
        tags,
        summary: "session hosts registered with an organization (an organization sees its own); retired keys with ?retired=true",
        querystring: Type.Object({ retired: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: Wire.RegisteredHostList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return { hosts: await uc.hosts({ ...(p.scope === 'ch:org' ? { orgId: p.subject } : {}), ...(request.query.retired ? { includeRetired: true } : {}) }) };
    },
  );

  app.delete(
    '/hosts/:hostId',
    {
      preHandler: requireScope('ch:admin', 'ch:org'),
      schema: {
        tags,
        summary: "retire a session host's key: license servers of its organization stop recognising it",
        params: Type.Object({ hostId: Str(64) }),
        response: { 200: Wire.RegisteredHostView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return send(reply, await uc.retireHost({ hostId: request.params.hostId, ...(p.scope === 'ch:org' ? { orgId: p.subject } : {}) }, actorOf(p)));
    },
  );

  // ---------------------------------------------------------------- API tokens
  app.get(
    '/tokens',
    {
      preHandler: requireScope('ch:admin', 'ch:org'),
      schema: {
        tags,
        summary: 'API tokens (never their secret): every token for the operator, its own for an organization; revoked ones with ?revoked=true',
        querystring: Type.Object({ revoked: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: Wire.TokenList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return { tokens: await uc.tokens({ ...(p.scope === 'ch:org' ? { orgId: p.subject } : {}), ...(request.query.revoked ? { includeRevoked: true } : {}) }) };
    },
  );

  app.delete(
    '/tokens/:id',
    {
      preHandler: requireScope('ch:admin', 'ch:org'),
      schema: { tags, summary: 'revoke an API token: it is refused from now on', params: Type.Object({ id: Str(32) }), response: { 200: Wire.TokenView, ...errorResponses(401, 403, 404) } },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return send(reply, await uc.revokeToken({ id: request.params.id, ...(p.scope === 'ch:org' ? { orgId: p.subject } : {}) }, actorOf(p)));
    },
  );

  // ---------------------------------------------------------------- portal (organization)
  app.post(
    '/portal/activate',
    {
      preHandler: org,
      schema: {
        tags,
        summary: 'web activation: the 60-character product ID -> the 35-character activation confirmation',
        body: Type.Object({ productId: Str(100), company: Company, serverVersion: literals(CAL_VERSIONS) }, { additionalProperties: false }),
        response: { 200: Wire.ConfirmationAnswer, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return send(reply, await uc.activateByProductId({ ...request.body, orgId: p.subject, method: 'web' }, actorOf(p)));
    },
  );

  app.post(
    '/portal/install',
    {
      preHandler: org,
      schema: {
        tags,
        summary: 'web install: license server ID + pack key + program data -> the 35-character key pack ID',
        body: Type.Object({ serverId: Str(64), packKey: Str(64), ...ProgramDataFields }, { additionalProperties: false }),
        response: { 200: Wire.KeyPackIdAnswer, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const b = request.body;
      const r = await uc.installPack({ serverId: b.serverId, packKey: b.packKey, programData: programData(b), method: 'web', orgId: p.subject }, actorOf(p));
      if (!r.ok) return sendRefusal(reply, r.error);
      return { keyPackId: r.value.keyPackId, keyPack: r.value.keyPack };
    },
  );

  app.post(
    '/portal/migrate',
    {
      preHandler: org,
      schema: {
        tags,
        summary: 'migrate a pack to a new license server: migration code + pack key + program, CAL type, version, program data -> { case }',
        body: Type.Object({ migrationCode: Str(80), ...MigrationFields }, { additionalProperties: false }),
        response: { 200: Wire.CaseAnswer, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const b = request.body;
      const r = await uc.submitMigration(
        { migrationCode: b.migrationCode, packKey: b.packKey, program: b.program, calType: b.calType, calVersion: b.calVersion, programData: programData(b), receipt: b.receipt, proofOfPurchase: b.proofOfPurchase },
        { channel: 'portal', orgId: p.subject, actor: actorOf(p) },
      );
      return r.ok ? { case: r.value } : sendRefusal(reply, r.error);
    },
  );

  app.post(
    '/portal/deactivate',
    {
      preHandler: org,
      schema: { tags, summary: "record a license server's deactivation by its 35-character receipt", body: Type.Object({ receipt: Str(64) }, { additionalProperties: false }), response: { 200: Wire.DeactivationAnswer, ...errorResponses(400, 401, 403, 404, 422) } },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return send(reply, await uc.deactivateByReceipt({ receipt: request.body.receipt, orgId: p.subject }, actorOf(p)));
    },
  );

  // ---------------------------------------------------------------- cases and the agent desk
  app.get(
    '/cases',
    {
      preHandler: requireScope('ch:org', 'ch:agent', 'ch:admin'),
      schema: {
        tags,
        summary: 'cases with their status and evidence, paged (the review queue: ?status=pending)',
        description: PAGE_DESCRIPTION,
        querystring: Type.Object(
          {
            status: Type.Optional(literals(CASE_STATUSES)),
            kind: Type.Optional(literals(Wire.CASE_KINDS)),
            organization: Type.Optional(Text(64, { description: "an organization's cases (an organization's own token sees only its own)" })),
            server: Type.Optional(Text(64, { description: 'cases whose source or target is this license server' })),
            from: Type.Optional(Type.String({ format: 'date-time', description: 'opened at or after this time' })),
            to: Type.Optional(Type.String({ format: 'date-time', description: 'opened before this time' })),
            ...pageQuery(CASE_SORTS),
          },
          { additionalProperties: false },
        ),
        response: listResponse(Wire.CaseList),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const q = request.query;
      const orgId = p.scope === 'ch:org' ? p.subject : q.organization;
      const filter = {
        ...(orgId !== undefined ? { orgId } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.server ? { server: q.server } : {}),
        ...(q.from ? { since: new Date(q.from).toISOString() } : {}),
        ...(q.to ? { until: new Date(q.to).toISOString() } : {}),
      };
      if (q.format === 'csv') return sendCsv(reply, 'cases.csv', uc.casesCsv(filter, { sort: q.sort, order: q.order }));
      return sendPage(reply, await uc.casePage(filter, { sort: q.sort, order: q.order, cursor: q.cursor, limit: q.limit }), (cases) => ({ cases }));
    },
  );

  app.get(
    '/cases/:number',
    { preHandler: requireScope('ch:org', 'ch:agent', 'ch:admin'), schema: { tags, summary: 'one case, e.g. CH-000123', params: CaseParams, response: { 200: Wire.CaseAnswer, ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      const n = caseNumber(request.params.number, reply);
      if (n === undefined) return reply;
      const p = principalOf(request);
      const r = await uc.getCase(n, p.scope === 'ch:org' ? p.subject : undefined);
      return r.ok ? { case: r.value } : sendRefusal(reply, r.error);
    },
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/cases/:number/${decision}`,
      {
        preHandler: agent,
        schema: { tags, summary: `${decision} a pending case, with a reason`, params: CaseParams, body: Reason, response: { 200: Wire.CaseAnswer, ...errorResponses(400, 401, 403, 404, 409, 422) } },
      },
      async (request, reply) => {
        const n = caseNumber(request.params.number, reply);
        if (n === undefined) return reply;
        const agentId = principalOf(request).subject;
        const r = decision === 'approve' ? await uc.approveCase(n, agentId, request.body.reason) : await uc.rejectCase(n, agentId, request.body.reason);
        return r.ok ? { case: r.value } : sendRefusal(reply, r.error);
      },
    );
  }

  app.post(
    '/phone/activate',
    {
      preHandler: agent,
      schema: {
        tags,
        summary: 'phone activation for a caller: product ID read over the phone -> the activation confirmation to read back',
        body: Type.Object({ productId: Str(100), orgId: Str(100), company: Company, serverVersion: literals(CAL_VERSIONS) }, { additionalProperties: false }),
        response: { 200: Wire.ConfirmationAnswer, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return send(reply, await uc.activateByProductId({ ...request.body, method: 'phone' }, actorOf(p)));
    },
  );

  app.post(
    '/phone/reissue',
    {
      preHandler: agent,
      schema: {
        tags,
        summary: 'phone reissue for a caller: migration code (or the new license server ID) + pack key -> approved case with the key pack ID',
        body: Type.Object(
          {
            migrationCode: Type.Optional(Str(80)),
            serverId: Type.Optional(Str(64)),
            migrationReason: Type.Optional(literals(MIGRATION_REASONS)),
            reason: Str(2000),
            ...MigrationFields,
          },
          { additionalProperties: false },
        ),
        response: { 200: Wire.CaseAnswer, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const b = request.body;
      const r = await uc.submitMigration(
        {
          ...(b.migrationCode !== undefined ? { migrationCode: b.migrationCode } : b.serverId !== undefined ? { targetServerId: b.serverId } : {}),
          packKey: b.packKey,
          program: b.program,
          calType: b.calType,
          calVersion: b.calVersion,
          programData: programData(b),
          receipt: b.receipt,
          proofOfPurchase: b.proofOfPurchase,
          migrationReason: b.migrationReason,
        },
        { channel: 'phone', agentId: p.subject, note: b.reason, actor: actorOf(p) },
      );
      if (!r.ok) return sendRefusal(reply, r.error);
      return { case: r.value, ...(r.value.keyPackId !== undefined ? { keyPackId: r.value.keyPackId } : {}) };
    },
  );

  // ---------------------------------------------------------------- audit and events
  app.get('/audit/verify', { preHandler: requireScope('ch:admin', 'ch:agent'), schema: { tags, summary: 'verify the hash-chained audit log: { ok, records, firstBroken? }', response: { 200: Wire.AuditVerifyAnswer, ...errorResponses(401, 403) } } }, async () =>
    uc.verifyAudit(),
  );

  app.get(
    '/audit/checkpoint',
    { preHandler: requireScope('ch:admin', 'ch:agent'), schema: { tags, summary: 'the latest signed checkpoint of the audit chain (one is signed if there is none yet)', response: { 200: Wire.AuditCheckpointAnswer, ...errorResponses(401, 403) } } },
    async () => uc.currentCheckpoint(),
  );

  app.post(
    '/audit/checkpoints',
    { preHandler: requireScope('ch:admin', 'ch:agent'), schema: { tags, summary: 'sign a checkpoint of the audit chain now: { checkpoint, seq, head, at, kid, publicKey }', response: { 200: Wire.AuditCheckpointAnswer, ...errorResponses(401, 403) } } },
    async () => uc.signCheckpoint(),
  );

  app.post(
    '/audit/verify',
    {
      preHandler: requireScope('ch:admin', 'ch:agent'),
      schema: {
        tags,
        summary: "prove that today's audit log extends a checkpoint saved earlier: { checkpoint: JWS }",
        body: Type.Object({ checkpoint: Type.String({ maxLength: 4096 }) }),
        response: { 200: Wire.AuditCheckpointVerifyAnswer, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => send(reply, await uc.verifyAgainstCheckpoint({ checkpoint: request.body.checkpoint })),
  );

  eventsRoute(app, { preHandler: requireScope('ch:admin', 'ch:agent', 'readonly'), tags, summary: "the clearinghouse's events", fileName: 'clearinghouse-events.csv', uc });
}
