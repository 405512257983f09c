/**
 * Session hosts: one-time join tokens made by the administrator (each bound to the host name it was made for),
 * enrolment that gives the host its `ls:host` token and records its key, the optional allow-list (the "RDS
 * Endpoint Servers" group) that refuses other hosts (event 4141), and the organization's host registry.
 *
 * Identities (DESIGN §4): a session host signs what it sends (the `OpenCAL-Host-Signature` header). Enrolment
 * registers the host's key with this server's organization at the clearinghouse; a host this server never
 * enrolled — after a reinstall at the same address — is recognised from the organization's registry, fetched
 * when such a host first signs a request and at every check-in.
 */
import { createHash } from 'node:crypto';
import { isHostName, isHostRequestFresh, joinTokenFits } from '../core/host-identity-rules';
import { ok, refuse, type Result } from '../core/result';
import { createToken, findTokenInfo, listTokens, revokeToken, revokeTokensOf, tokenView } from '../storage/tokens.repository';
import { base64urlDecode, bodyDigest, decodeJwsUnverified, hostIdFromPublicKey, verifyJwsWithKey, type HostRequestPayload, verifyHostEnrolment } from '../trust/index';
import { type LicenseServerContext } from './context';
import {
  findHostKey,
  listOpenJoinTokens,
  markRegistered,
  replaceRegistry,
  saveEnrolledKey,
  unregisteredKeys,
  withdrawJoinToken,
} from './host-keys.repository';
import * as repo from './license-server.repository';
import { HOST_LIST, type HostSortKey } from '../core/list-specs';
import { csvStream, readAll, readPage, sortOf, type PageRequest, type PageSource } from '../core/paged-list';
import type { HostList } from '../core/wire/license-server';

type HostView = HostList['hosts'][number];

function hashJoinToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function checkName(name: unknown): Result<string> {
  if (!isHostName(name)) {
    return refuse('INVALID_REQUEST', { field: 'name' });
  }
  return ok(name);
}

export async function createJoinToken(ctx: LicenseServerContext, input: { name: string }): Promise<Result<{ joinToken: string; name: string }>> {
  const name = checkName(input.name);
  if (!name.ok) return name;
  const joinToken = 'lsj_' + Buffer.from(ctx.random(24)).toString('base64url');
  await ctx.change(async (trx, _log, at) => ok(await repo.insertJoinToken(trx, hashJoinToken(joinToken), name.value, at)));
  return ok({ joinToken, name: name.value });
}

/** A host's signed enrolment statement, checked here before it is kept and forwarded to the clearinghouse. */
async function checkStatement(statement: string, name: string, now: Date): Promise<Result<{ hostId: string; publicKey: string }>> {
  const r = await verifyHostEnrolment(statement, now);
  if (!r.ok) return r;
  if (r.value.name !== name) return refuse('HOST_ENROLMENT_PROOF_INVALID', { problem: 'name' });
  return ok({ hostId: r.value.hostId, publicKey: r.value.publicKey });
}

export interface EnrolmentAnswer {
  token: string;
  name: string;
  serverId: string;
  hostId?: string;
  /** the organization the host was registered with at the clearinghouse (absent: not registered yet). */
  orgId?: string;
  registered?: boolean;
}

export async function enroll(ctx: LicenseServerContext, input: { joinToken: string; name: string; statement?: string }): Promise<Result<EnrolmentAnswer>> {
  const name = checkName(input.name);
  if (!name.ok) return name;
  if (typeof input.joinToken !== 'string' || input.joinToken.length < 8 || input.joinToken.length > 200) {
    return refuse('JOIN_TOKEN_INVALID');
  }
  const now = ctx.clock.now();
  let key: { hostId: string; publicKey: string } | undefined;
  if (input.statement !== undefined) {
    const checked = await checkStatement(input.statement, name.value, now);
    if (!checked.ok) return checked;
    key = checked.value;
  }
  const enrolled = await ctx.change(async (trx, log) => {
    const consumed = await repo.consumeJoinToken(trx, hashJoinToken(input.joinToken), now);
    if (consumed === undefined) {
      return refuse('JOIN_TOKEN_INVALID');
    }
    if (consumed === 'used') {
      return refuse('JOIN_TOKEN_USED');
    }
    // The refusal rolls the transaction back: the token stays unused for the host it was made for.
    if (!joinTokenFits(consumed.name, name.value)) return refuse('JOIN_TOKEN_NAME_MISMATCH', { madeFor: consumed.name, name: name.value });
    // Re-enrolment retires the host's previous credential.
    const retired = await revokeTokensOf(trx, { scope: 'ls:host', subject: name.value }, ctx.clock);
    if (retired > 0) log.event(9142, { host: name.value, tokens: retired });
    const { token, id } = await createToken(trx, { scope: 'ls:host', subject: name.value, label: `session host ${name.value}` }, ctx.clock, ctx.random);
    await repo.upsertHost(trx, name.value, id, now);
    if (key && input.statement !== undefined) await saveEnrolledKey(trx, { ...key, name: name.value, statement: input.statement }, now);
    log.event(9107, { host: name.value });
    return ok({ token, name: name.value, serverId: ctx.serverId } as EnrolmentAnswer);
  });
  if (!enrolled.ok || !key || input.statement === undefined) return enrolled;
  const registered = await registerWithOrganization(ctx, { ...key, name: name.value, statement: input.statement });
  return ok({ ...enrolled.value, hostId: key.hostId, registered: registered.ok, ...(registered.ok ? { orgId: registered.value.orgId } : {}) });
}

/** Registers an enrolled host with this server's organization; a failure is an event and is retried at check-in. */
async function registerWithOrganization(ctx: LicenseServerContext, key: { hostId: string; name: string; statement: string }): Promise<Result<{ orgId: string }>> {
  const client = ctx.clearinghouse.client;
  if (!client) {
    await ctx.change.event(9141, { host: key.name, reason: 'this license server has no clearinghouse (air-gapped)' });
    return refuse('CLEARINGHOUSE_NOT_CONFIGURED', { action: 'register session hosts' });
  }
  const answer = await client.registerHost(key.statement);
  if (!answer.ok) {
    await ctx.change.event(9141, { host: key.name, reason: answer.error.message });
    return answer;
  }
  await markRegistered(ctx.db, key.hostId, ctx.clock.now());
  return ok({ orgId: answer.value.orgId });
}

const registryFetches = new WeakMap<LicenseServerContext, { at?: number; running?: Promise<Result<{ hosts: number }>> }>();
/**
 * An unknown host's signed request fetches the registry at most this often: unauthenticated callers must not be
 * able to turn every request into a call to the clearinghouse.
 */
const UNKNOWN_HOST_REFETCH_MS = 10_000;

/**
 * Fetches the organization's host registry from the clearinghouse and keeps it (check-in, an unknown host's first
 * signed request). Hosts enrolled here but not registered yet are registered first.
 */
export async function refreshHostRegistry(ctx: LicenseServerContext): Promise<Result<{ hosts: number }>> {
  const client = ctx.clearinghouse.client;
  if (!client) return refuse('CLEARINGHOUSE_NOT_CONFIGURED', { action: 'register session hosts' });
  const server = await repo.getServer(ctx.db);
  if (server.status !== 'activated') return refuse('LICENSE_SERVER_NOT_ACTIVATED', { serverId: ctx.serverId, status: server.status, action: 'register' });
  for (const key of await unregisteredKeys(ctx.db)) {
    if (key.statement !== undefined) await registerWithOrganization(ctx, { hostId: key.hostId, name: key.name, statement: key.statement });
  }
  const registry = await client.hostRegistry();
  if (!registry.ok) return registry;
  await replaceRegistry(ctx.db, registry.value.hosts, ctx.clock.now());
  return ok({ hosts: registry.value.hosts.length });
}

async function refreshForUnknownHost(ctx: LicenseServerContext): Promise<void> {
  const state = registryFetches.get(ctx) ?? {};
  registryFetches.set(ctx, state);
  if (state.running) {
    await state.running;
    return;
  }
  const now = Date.now();
  if (state.at !== undefined && now - state.at < UNKNOWN_HOST_REFETCH_MS) return;
  state.at = now;
  state.running = refreshHostRegistry(ctx).finally(() => {
    state.running = undefined;
  });
  await state.running;
}

const seenNonces = new WeakMap<LicenseServerContext, Map<string, number>>();
const recognised = new WeakMap<LicenseServerContext, Set<string>>();

/**
 * A session host's signed request: the key is one this server enrolled or its organization registered, the
 * signature verifies, it is for this method, path and body, it is fresh and its nonce was not seen. Answers the
 * host's name (as enrolled or registered, never as the request claims).
 */
export async function authenticateHost(
  ctx: LicenseServerContext,
  input: { signature: string; method: string; path: string; body: unknown },
): Promise<Result<{ name: string; hostId: string }>> {
  const unverified = decodeJwsUnverified(input.signature);
  if (!unverified.ok) return refuse('HOST_SIGNATURE_INVALID', { problem: 'malformed' });
  const pub = unverified.value.payload.pub;
  const raw = typeof pub === 'string' && pub.length < 100 ? base64urlDecode(pub) : undefined;
  if (raw === undefined || raw.length !== 32) return refuse('HOST_SIGNATURE_INVALID', { problem: 'malformed' });
  const hostId = hostIdFromPublicKey(raw);
  let key = await findHostKey(ctx.db, hostId);
  if (!key) {
    await refreshForUnknownHost(ctx);
    key = await findHostKey(ctx.db, hostId);
  }
  if (!key || key.publicKey !== pub) return refuse('HOST_SIGNATURE_INVALID', { problem: 'unknown-host', hostId });
  const verified = await verifyJwsWithKey<HostRequestPayload>(input.signature, base64urlDecode(key.publicKey), 'opencal.host-request');
  if (!verified.ok) return refuse('HOST_SIGNATURE_INVALID', { problem: 'signature', hostId });
  const p = verified.value.payload;
  if (p.sub !== hostId || p.method !== input.method.toUpperCase() || p.path !== input.path || p.body !== bodyDigest(input.body)) {
    return refuse('HOST_SIGNATURE_INVALID', { problem: 'request', hostId });
  }
  const now = ctx.clock.now();
  // The server's time goes back with a stale signature: a host whose clock is off signs again on this clock.
  if (!isHostRequestFresh(p.iat, now)) return refuse('HOST_SIGNATURE_INVALID', { problem: 'stale', hostId, serverTime: now.toISOString() });
  if (typeof p.nonce !== 'string' || p.nonce.length < 8 || p.nonce.length > 64) return refuse('HOST_SIGNATURE_INVALID', { problem: 'malformed', hostId });
  const nonces = seenNonces.get(ctx) ?? new Map<string, number>();
  seenNonces.set(ctx, nonces);
  const nowMs = now.getTime();
  if (nonces.size > 50_000) for (const [n, at] of nonces) if (Math.abs(nowMs - at) > 2 * 300_000) nonces.delete(n);
  if (nonces.has(p.nonce)) return refuse('HOST_SIGNATURE_INVALID', { problem: 'replayed', hostId });
  nonces.set(p.nonce, nowMs);
  if (key.source === 'registry') {
    const seen = recognised.get(ctx) ?? new Set<string>();
    recognised.set(ctx, seen);
    if (!seen.has(hostId)) {
      seen.add(hostId);
      await ctx.change.event(9140, { host: key.name, hostId });
    }
  }
  return ok({ name: key.name, hostId });
}

/** The session hosts' list as the route answers it: a page of hosts, each allowed or not, and the whole allow-list. */
async function hostSource(ctx: LicenseServerContext, filter: repo.HostListFilter) {
  const server = await repo.getServer(ctx.db);
  const allowList = await repo.getAllowList(ctx.db);
  const allowed = new Set(allowList.map((n) => n.toLowerCase()));
  const view = (h: { name: string; enrolledAt: Date }): HostView => ({
    name: h.name,
    enrolledAt: h.enrolledAt.toISOString(),
    allowed: !server.allowListEnabled || allowed.has(h.name.toLowerCase()),
  });
  const source: PageSource<HostSortKey, HostView> = {
    read: async (sort, limit, after) => (await repo.readHosts(ctx.db, filter, { sort, limit, ...(after ? { after } : {}) })).map(view),
    count: () => repo.countHosts(ctx.db, filter),
    valueOf: (h, key) => h[key],
    idOf: (h) => h.name,
  };
  return { allowListEnabled: server.allowListEnabled, allowList, source };
}

export async function listHosts(ctx: LicenseServerContext, filter: repo.HostListFilter = {}, request: PageRequest = {}): Promise<Result<HostList>> {
  const { allowListEnabled, allowList, source } = await hostSource(ctx, filter);
  const page = await readPage(HOST_LIST, request, source);
  if (!page.ok) return page;
  const { rows, ...rest } = page.value;
  return ok({ allowListEnabled, allowList, hosts: rows, ...rest });
}

export async function* hostsCsv(ctx: LicenseServerContext, filter: repo.HostListFilter, request: Pick<PageRequest, 'sort' | 'order'>): AsyncGenerator<string> {
  const { source } = await hostSource(ctx, filter);
  yield* csvStream(['name', 'enrolledAt', 'allowed'] as const, readAll(sortOf(HOST_LIST, request.sort, request.order), source));
}

export async function setAllowList(ctx: LicenseServerContext, input: { enabled: boolean; hosts: string[] }): Promise<Result<{ allowListEnabled: boolean; allowList: string[] }>> {
  const names: string[] = [];
  for (const n of input.hosts ?? []) {
    const checked = checkName(n);
    if (!checked.ok) return checked;
    if (!names.some((x) => x.toLowerCase() === n.toLowerCase())) names.push(n);
  }
  await ctx.change(async (trx, _log, at) => {
    await repo.setAllowList(trx, names, at);
    await repo.updateServer(trx, { allowListEnabled: input.enabled === true });
    return ok(undefined);
  });
  return ok({ allowListEnabled: input.enabled === true, allowList: names.sort() });
}

type TokenView = ReturnType<typeof tokenView>;

/** Every token of this license server: admin, read-only and host tokens, and the join tokens not used yet. */
export async function listLicenseServerTokens(ctx: LicenseServerContext, filter: { includeRevoked?: boolean } = {}): Promise<TokenView[]> {
  const api = (await listTokens(ctx.db, filter.includeRevoked ? { includeRevoked: true } : {})).map(tokenView);
  const join = (await listOpenJoinTokens(ctx.db)).map((j) => ({ id: j.id, kind: 'join', subject: j.name, createdAt: j.createdAt }));
  return [...api, ...join];
}

/** Revokes a token (or withdraws an unused join token) by its listed id. */
export async function revokeLicenseServerToken(ctx: LicenseServerContext, id: string): Promise<Result<TokenView>> {
  return ctx.change(async (trx, log, at) => {
    if (id.startsWith('join-')) {
      const withdrawn = await withdrawJoinToken(trx, id);
      if (!withdrawn) return refuse('TOKEN_NOT_FOUND', { id });
      log.event(9143, { tokenId: id, kind: 'join', subject: withdrawn.name });
      return ok({ id, kind: 'join', subject: withdrawn.name, createdAt: withdrawn.createdAt, revokedAt: at.toISOString() });
    }
    if (!(await revokeToken(trx, id, ctx.clock))) return refuse('TOKEN_NOT_FOUND', { id });
    const token = (await findTokenInfo(trx, id))!;
    log.event(9143, { tokenId: id, kind: token.scope, subject: token.subject ?? '' });
    return ok(tokenView(token));
  });
}
