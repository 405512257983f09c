/**
 * Session hosts: one-time join tokens made by the administrator, enrolment that gives the host its `ls:host`
 * token, and the optional allow-list (the "RDS Endpoint Servers" group) that refuses other hosts (event 4141).
 */
import { createHash } from 'node:crypto';
import { ok, refuse, type Result } from '../core/result';
import { createToken } from '../storage/tokens.repository';
import { type LicenseServerContext } from './context';
import * as repo from './license-server.repository';

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

function hashJoinToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function checkName(name: unknown): Result<string> {
  if (typeof name !== 'string' || !HOST_NAME.test(name)) {
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

export async function enroll(ctx: LicenseServerContext, input: { joinToken: string; name: string }): Promise<Result<{ token: string; name: string; serverId: string }>> {
  const name = checkName(input.name);
  if (!name.ok) return name;
  if (typeof input.joinToken !== 'string' || input.joinToken.length < 8 || input.joinToken.length > 200) {
    return refuse('JOIN_TOKEN_INVALID');
  }
  const now = ctx.clock.now();
  return ctx.change(async (trx, log) => {
    const consumed = await repo.consumeJoinToken(trx, hashJoinToken(input.joinToken), now);
    if (consumed === undefined) {
      return refuse('JOIN_TOKEN_INVALID');
    }
    if (consumed === 'used') {
      return refuse('JOIN_TOKEN_USED');
    }
    const { token, id } = await createToken(trx, { scope: 'ls:host', subject: name.value, label: `session host ${name.value}` }, ctx.clock, ctx.random);
    await repo.upsertHost(trx, name.value, id, now);
    log.event(9107, { host: name.value });
    return ok({ token, name: name.value, serverId: ctx.serverId });
  });
}

export async function listHosts(ctx: LicenseServerContext) {
  const server = await repo.getServer(ctx.db);
  const allowList = await repo.getAllowList(ctx.db);
  const hosts = await repo.listHosts(ctx.db);
  const allowed = new Set(allowList.map((n) => n.toLowerCase()));
  return {
    allowListEnabled: server.allowListEnabled,
    allowList,
    hosts: hosts.map((h) => ({
      name: h.name,
      enrolledAt: h.enrolledAt.toISOString(),
      allowed: !server.allowListEnabled || allowed.has(h.name.toLowerCase()),
    })),
  };
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
