/**
 * Organizations, agents and packs (purchases): the clearinghouse's directory. A pack key is a 25-character
 * bearer secret shown once; only its SHA-256 (over the normalized key) is stored, and a pack is found by it.
 */
import { createHash } from 'node:crypto';
import { normalizeProgramData, validateProgramData, type ProgramData } from '../core/clearinghouse-rules';
import { decodeCode, encodeCode } from '../core/codes/index';
import { ok, refuse, type Result } from '../core/result';
import { CAL_TYPES, isCalVersion, PROGRAMS, type CalType, type CalVersion, type Program } from '../core/vocabulary';
import { createToken } from '../storage/tokens.repository';
import {
  findOrganization,
  findPackByKeyHash,
  insertAgent,
  insertOrganization,
  listAgents,
  insertPack,
  listOrganizations,
  listPacks,
  type OrganizationRecord,
  type PackRecord,
} from './clearinghouse.repository';
import { type Actor, type ChContext } from './context';

function randomId(ctx: ChContext, prefix: string): string {
  return prefix + Buffer.from(ctx.random(9)).toString('base64url').replace(/[-_]/g, 'x').toLowerCase();
}

/** SHA-256 (hex) of a pack key's normalized form: what the clearinghouse keeps and looks packs up by. */
export function packKeyHash(normalizedKey: string): string {
  return createHash('sha256').update(normalizedKey, 'utf8').digest('hex');
}

/** Reads a typed pack key (format and check before any lookup) and finds its pack. */
export async function findPackByKey(ctx: ChContext, packKey: string): Promise<Result<PackRecord>> {
  const decoded = decodeCode(packKey, 'packKey');
  if (!decoded.ok) return decoded;
  const pack = await findPackByKeyHash(ctx.db, packKeyHash(decoded.value.normalized));
  if (!pack) return refuse('PACK_KEY_UNKNOWN');
  return ok(pack);
}

export async function createOrganization(ctx: ChContext, input: { name: string }, actor: Actor): Promise<Result<{ orgId: string; token: string }>> {
  const name = input.name.trim();
  if (name === '') return refuse('ORGANIZATION_NAME_REQUIRED');
  const orgId = randomId(ctx, 'org_');
  return ctx.change(async (trx, log, at) => {
    await insertOrganization(trx, { id: orgId, name, createdAt: at.toISOString() });
    const { token } = await createToken(trx, { scope: 'ch:org', subject: orgId, label: `organization ${name}` }, ctx.clock, ctx.random);
    log.event(9014, { orgId, name });
    log.record({ actor, action: 'organization.created', subject: orgId, data: { name } });
    return ok({ orgId, token });
  });
}

export async function organizations(ctx: ChContext): Promise<OrganizationRecord[]> {
  return listOrganizations(ctx.db);
}

export async function createAgent(ctx: ChContext, input: { name: string }, actor: Actor): Promise<Result<{ agentId: string; token: string }>> {
  const name = input.name.trim();
  if (name === '') return refuse('AGENT_NAME_REQUIRED');
  const agentId = randomId(ctx, 'agent_');
  return ctx.change(async (trx, log, at) => {
    await insertAgent(trx, { id: agentId, name, createdAt: at.toISOString() });
    const { token } = await createToken(trx, { scope: 'ch:agent', subject: agentId, label: `agent ${name}` }, ctx.clock, ctx.random);
    log.event(9015, { agentId, name });
    log.record({ actor, action: 'agent.created', subject: agentId, data: { name } });
    return ok({ agentId, token });
  });
}

/** The agents, oldest first (their tokens are listed, and revoked, with the API tokens). */
export async function agents(ctx: ChContext): Promise<{ id: string; name: string; createdAt: string }[]> {
  return listAgents(ctx.db);
}

export interface NewPackInput {
  orgId?: string | null;
  program: Program;
  programData: ProgramData;
  calType: CalType;
  calVersion: CalVersion;
  count: number;
  /** retail: an invoice or receipt reference the buyer can quote later as proof of purchase. */
  proofOfPurchase?: string | null;
}

export function normalizeProof(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const t = text.replace(/\s+/g, '').toUpperCase();
  return t === '' ? null : t;
}

/** A purchase: validates the program data, makes the pack key (shown once) and stores only its hash. */
export async function createPack(ctx: ChContext, input: NewPackInput, actor: Actor): Promise<Result<{ packNumber: number; packKey: string }>> {
  if (!PROGRAMS.includes(input.program)) return refuse('PROGRAM_INVALID', { allowed: PROGRAMS });
  if (!CAL_TYPES.includes(input.calType)) return refuse('CAL_TYPE_INVALID');
  if (!isCalVersion(input.calVersion)) return refuse('CAL_VERSION_INVALID');
  if (!Number.isInteger(input.count) || input.count < 1 || input.count > 1_000_000) {
    return refuse('PACK_COUNT_INVALID');
  }
  const data = validateProgramData(input.program, input.programData);
  if (!data.ok) return data;
  const orgId = input.orgId ?? null;
  if (orgId !== null && !(await findOrganization(ctx.db, orgId))) {
    return refuse('ORG_NOT_FOUND', { orgId, problem: 'pack' });
  }
  if (orgId === null && input.program !== 'retail') {
    return refuse('ORG_REQUIRED', { program: input.program });
  }
  let serial = 0n;
  for (const b of ctx.random(12)) serial = (serial << 8n) | BigInt(b);
  const packKey = encodeCode('packKey', { serial });
  const normalized = decodeCode(packKey, 'packKey');
  if (!normalized.ok) throw new Error('a pack key just made does not decode');
  return ctx.change(async (trx, log, at) => {
    const packNumber = await insertPack(trx, {
      keyHash: packKeyHash(normalized.value.normalized),
      orgId,
      program: input.program,
      programData: normalizeProgramData(input.program, data.value),
      calType: input.calType,
      calVersion: input.calVersion,
      count: input.count,
      proofOfPurchase: normalizeProof(input.proofOfPurchase),
      at: at.toISOString(),
    });
    const summary = { pack: packNumber, orgId: orgId ?? 'none (retail)', program: input.program, calType: input.calType, calVersion: input.calVersion, count: input.count };
    log.event(9004, summary);
    log.record({ actor, action: 'pack.created', subject: `pack:${packNumber}`, data: { ...summary, orgId } });
    return ok({ packNumber, packKey });
  });
}

export async function packs(ctx: ChContext, filter: { orgId?: string } = {}): Promise<PackRecord[]> {
  return listPacks(ctx.db, filter);
}
