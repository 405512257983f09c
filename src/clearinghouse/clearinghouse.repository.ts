/**
 * The clearinghouse's SQL (the only place it lives). Row types stay here; use cases get plain records.
 * Every function takes `Kysely<ChTables>`, which a transaction also is, so a use case runs them in one.
 *
 * Ownership is claimed by one conditional statement (STYLE "Storage"): `claimPack` and `movePack` update the
 * pack row only when it is free / still at the expected grant serial, and the caller reads what came back.
 * The audit chain is appended under a lock on its head row (FOR UPDATE on PostgreSQL; SQLite transactions
 * already hold the write lock), and appended last in a transaction so that lock is held briefly and always
 * taken after row locks (no lock-order inversion).
 */
import { sql, type Generated, type Kysely, type Selectable } from 'kysely';
import type { CaseSortKey, ServerSortKey } from '../core/list-specs';
import type { ListCursor, ListSort } from '../core/paged-list';
import { keyset } from '../storage/keyset';
import type { CaseKind } from '../core/wire/clearinghouse';
import { auditHash, canonicalJson, type AuditRecord } from '../core/clearinghouse-rules';
import type { ProgramData } from '../core/clearinghouse-rules';
import type { ActivationMethod, ActivationStatus, CalType, CalVersion, CaseStatus, Program, ServerVersion } from '../core/vocabulary';
import { PREPARED } from '../storage/database';
import { forUpdate, fromJson, toJson, toNumber, type SqlDialect } from '../storage/dialect';

export interface ChTables {
  ch_organizations: { id: string; name: string; created_at: string };
  ch_agents: { id: string; name: string; created_at: string };
  ch_servers: {
    server_id: string;
    id_prefix: string;
    public_key: string;
    org_id: string | null;
    status: ActivationStatus;
    method: ActivationMethod;
    server_version: number;
    company: string;
    activation_serial: number;
    activated_at: string;
    certificate: string;
    certificate_expires_at: string;
    last_check_in_at: string | null;
    instance_id: string | null;
    receipt_at: string | null;
    status_changed_at: string;
    status_reason: string | null;
    created_at: string;
    /** null while a web/phone activation waits for the server's proof of key possession (tenant binding) */
    confirmed_at: string | null;
  };
  ch_activation_claims: {
    serial: number;
    server_id: string;
    org_id: string;
    method: 'web' | 'phone';
    company: string;
    server_version: number;
    valid_until: string;
    status: ClaimStatus;
    at: string;
    decided_at: string | null;
  };
  ch_activations: {
    serial: Generated<number>;
    server_id: string;
    kind: 'activate' | 'reactivate';
    method: ActivationMethod;
    reason: string | null;
    org_id: string | null;
    at: string;
    valid_until: string;
  };
  ch_packs: {
    number: Generated<number>;
    key_hash: string;
    org_id: string | null;
    program: Program;
    program_data: string;
    cal_type: CalType;
    cal_version: number;
    count: number;
    proof_of_purchase: string | null;
    status: 'unassigned' | 'installed' | 'revoked';
    server_id: string | null;
    grant_seq: number;
    created_at: string;
    updated_at: string;
  };
  ch_grants: {
    id: Generated<number>;
    pack_number: number;
    seq: number;
    server_id: string;
    status: GrantStatus;
    jws: string;
    key_pack_id: string | null;
    issued_at: string;
    ended_at: string | null;
    case_number: string | null;
  };
  ch_cases: {
    number: Generated<number>;
    kind: CaseKind;
    status: CaseStatus;
    flagged: number;
    channel: string;
    request_key: string;
    pack_number: number | null;
    source_server_id: string | null;
    target_server_id: string | null;
    org_id: string | null;
    reason: string | null;
    evidence: string;
    decision_reasons: string;
    key_pack_id: string | null;
    grant_seq: number | null;
    decided_by: string | null;
    decision_note: string | null;
    created_at: string;
    decided_at: string | null;
  };
  ch_revocations: {
    id: Generated<number>;
    kind: 'grant' | 'server';
    server_id: string;
    pack_number: number | null;
    seq: number | null;
    case_number: string | null;
    reason: string;
    at: string;
  };
  ch_nonces: { nonce: string; server_id: string; seen_at: string };
  ch_audit: { seq: number; at: string; actor: string; action: string; subject: string; data: string; prev_hash: string; hash: string };
  ch_audit_head: { id: number; seq: number; hash: string };
}

export type ChDb = Kysely<ChTables>;
export type GrantStatus = 'active' | 'invalidated' | 'released';
export type ClaimStatus = 'open' | 'confirmed' | 'dropped' | 'ended';
export type { CaseKind } from '../core/wire/clearinghouse';

// ------------------------------------------------------------------------------------------- records

export interface OrganizationRecord {
  id: string;
  name: string;
  createdAt: string;
}

export interface ServerRecord {
  serverId: string;
  publicKey: string;
  orgId: string | null;
  status: ActivationStatus;
  method: ActivationMethod;
  serverVersion: ServerVersion;
  company: Record<string, string>;
  activationSerial: number;
  activatedAt: string;
  certificate: string;
  certificateExpiresAt: string;
  lastCheckInAt: string | null;
  instanceId: string | null;
  receiptAt: string | null;
  statusChangedAt: string;
  statusReason: string | null;
  /** when the server proved possession of its key for this activation; null while unconfirmed */
  confirmedAt: string | null;
}

export interface PackRecord {
  number: number;
  orgId: string | null;
  program: Program;
  programData: ProgramData;
  calType: CalType;
  calVersion: CalVersion;
  count: number;
  proofOfPurchase: string | null;
  status: 'unassigned' | 'installed' | 'revoked';
  serverId: string | null;
  grantSeq: number;
  createdAt: string;
}

export interface GrantRecord {
  pack: number;
  seq: number;
  serverId: string;
  status: GrantStatus;
  jws: string;
  keyPackId: string | null;
  issuedAt: string;
  endedAt: string | null;
  caseNumber: string | null;
}

export interface CaseRecord {
  number: number;
  kind: CaseKind;
  status: CaseStatus;
  flagged: boolean;
  channel: string;
  requestKey: string;
  pack: number | null;
  sourceServerId: string | null;
  targetServerId: string | null;
  orgId: string | null;
  reason: string | null;
  evidence: Record<string, unknown>;
  decisionReasons: string[];
  keyPackId: string | null;
  grantSeq: number | null;
  decidedBy: string | null;
  decisionNote: string | null;
  createdAt: string;
  decidedAt: string | null;
}

export interface RevocationRecord {
  id: number;
  kind: 'grant' | 'server';
  serverId: string;
  pack: number | null;
  seq: number | null;
  caseNumber: string | null;
  reason: string;
  at: string;
}

// ------------------------------------------------------------------------------------------- organizations, agents

export async function insertOrganization(db: ChDb, org: OrganizationRecord): Promise<void> {
  await db.insertInto('ch_organizations').values({ id: org.id, name: org.name, created_at: org.createdAt }).execute();
}

export async function findOrganization(db: ChDb, id: string): Promise<OrganizationRecord | undefined> {
  const r = await db.selectFrom('ch_organizations').selectAll().where('id', '=', id).executeTakeFirst();
  return r && { id: r.id, name: r.name, createdAt: r.created_at };
}

export async function listOrganizations(db: ChDb): Promise<OrganizationRecord[]> {
  const rows = await db.selectFrom('ch_organizations').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
}

export async function insertAgent(db: ChDb, agent: { id: string; name: string; createdAt: string }): Promise<void> {
  await db.insertInto('ch_agents').values({ id: agent.id, name: agent.name, created_at: agent.createdAt }).execute();
}

export async function listAgents(db: ChDb): Promise<{ id: string; name: string; createdAt: string }[]> {
  const rows = await db.selectFrom('ch_agents').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
}

// ------------------------------------------------------------------------------------------- servers

/*
 * The hot statements of a check-in start with PREPARED: on PostgreSQL they run as prepared statements
 * (storage/database.ts), parsed and planned once per connection. They name their columns rather than `*`, so
 * that a column added by a later migration does not change the result of a statement already prepared.
 */
const SERVER_ROW =
  'server_id, id_prefix, public_key, org_id, status, method, server_version, company, activation_serial, activated_at, certificate, ' +
  'certificate_expires_at, last_check_in_at, instance_id, receipt_at, status_changed_at, status_reason, created_at, confirmed_at';

function serverFromRow(r: Selectable<ChTables['ch_servers']>): ServerRecord {
  return {
    serverId: r.server_id,
    publicKey: r.public_key,
    orgId: r.org_id,
    status: r.status,
    method: r.method,
    serverVersion: toNumber(r.server_version) as ServerVersion,
    company: fromJson<Record<string, string>>(r.company) ?? {},
    activationSerial: toNumber(r.activation_serial),
    activatedAt: r.activated_at,
    certificate: r.certificate,
    certificateExpiresAt: r.certificate_expires_at,
    lastCheckInAt: r.last_check_in_at,
    instanceId: r.instance_id,
    receiptAt: r.receipt_at,
    statusChangedAt: r.status_changed_at,
    statusReason: r.status_reason,
    confirmedAt: r.confirmed_at,
  };
}

export async function findServer(db: ChDb, serverId: string): Promise<ServerRecord | undefined> {
  const r = await db.selectFrom('ch_servers').selectAll().where('server_id', '=', serverId).executeTakeFirst();
  return r && serverFromRow(r);
}

/** Servers whose ID starts with this 64-bit prefix (migration codes and receipts carry only the prefix). */
export async function findServersByPrefix(db: ChDb, prefix: bigint): Promise<ServerRecord[]> {
  const rows = await db.selectFrom('ch_servers').selectAll().where('id_prefix', '=', prefix.toString()).execute();
  return rows.map(serverFromRow);
}

export async function listServers(db: ChDb, filter: { orgId?: string } = {}): Promise<ServerRecord[]> {
  let q = db.selectFrom('ch_servers').selectAll().orderBy('created_at').orderBy('server_id');
  if (filter.orgId !== undefined) q = q.where('org_id', '=', filter.orgId);
  return (await q.execute()).map(serverFromRow);
}

/** What the paged list of servers filters by (GET /ch/v1/servers). */
export interface ServerListFilter {
  orgId?: string;
  status?: ActivationStatus;
}

/** One read of a paged list: its sort, at most `limit` rows, after the cursor's row. */
export interface PageRead<K extends string> {
  sort: ListSort<K>;
  limit: number;
  after?: ListCursor<K>;
}

function serversFiltered(db: ChDb, f: ServerListFilter) {
  let q = db.selectFrom('ch_servers').selectAll();
  if (f.orgId !== undefined) q = q.where('org_id', '=', f.orgId);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  return q;
}

/** The sort column of the servers list: a server that never checked in sorts as '' (first), so a cursor can name it. */
const SERVER_COLUMNS = {
  activatedAt: 'activated_at',
  serverId: 'server_id',
  status: 'status',
  certificateExpiresAt: 'certificate_expires_at',
  lastCheckInAt: sql<string>`coalesce(last_check_in_at, '')`,
} as const;

export async function readServers(db: ChDb, f: ServerListFilter, page: PageRead<ServerSortKey>): Promise<ServerRecord[]> {
  const { sort, limit, after } = page;
  return (await keyset(serversFiltered(db, f), { column: SERVER_COLUMNS[sort.key], id: 'server_id', descending: sort.descending, limit, ...(after ? { after } : {}) }).execute()).map(serverFromRow);
}

export async function countServers(db: ChDb, f: ServerListFilter): Promise<number> {
  return toNumber((await serversFiltered(db, f).clearSelect().select(sql<number>`count(*)`.as('n')).executeTakeFirst())?.n);
}

export async function insertActivation(
  db: ChDb,
  a: { serverId: string; kind: 'activate' | 'reactivate'; method: ActivationMethod; reason: string | null; orgId: string | null; at: string; validUntil: string },
): Promise<number> {
  const r = await db
    .insertInto('ch_activations')
    .values({ server_id: a.serverId, kind: a.kind, method: a.method, reason: a.reason, org_id: a.orgId, at: a.at, valid_until: a.validUntil })
    .returning('serial')
    .executeTakeFirstOrThrow();
  return toNumber(r.serial);
}

/** The serials of every activation the clearinghouse made for a server, newest first. */
export async function activationSerialsOf(db: ChDb, serverId: string): Promise<number[]> {
  const rows = await db.selectFrom('ch_activations').select('serial').where('server_id', '=', serverId).orderBy('serial', 'desc').execute();
  return rows.map((r) => toNumber(r.serial));
}

/** A server row needs its first activation serial before it exists; activations reference the server. */
export async function upsertServerActivation(
  db: ChDb,
  s: {
    serverId: string;
    idPrefix: bigint;
    publicKey: string;
    orgId: string | null;
    method: ActivationMethod;
    serverVersion: ServerVersion;
    company: Record<string, string>;
    at: string;
    reason: string | null;
    /** a web/phone activation of a server not activated now is unconfirmed (null) until its proof */
    confirmedAt: string | null;
  },
): Promise<void> {
  const update = {
    confirmed_at: s.confirmedAt,
    org_id: s.orgId,
    status: 'activated' as const,
    method: s.method,
    server_version: s.serverVersion,
    company: toJson(s.company),
    activated_at: s.at,
    status_changed_at: s.at,
    status_reason: s.reason,
    receipt_at: null,
  };
  await db
    .insertInto('ch_servers')
    .values({
      ...update,
      server_id: s.serverId,
      id_prefix: s.idPrefix.toString(),
      public_key: s.publicKey,
      activation_serial: 0,
      certificate: '',
      certificate_expires_at: s.at,
      last_check_in_at: null,
      instance_id: null,
      created_at: s.at,
    })
    .onConflict((oc) => oc.column('server_id').doUpdateSet(update))
    .execute();
}

// ------------------------------------------------------------------------------------------- activation claims

export interface ClaimRecord {
  serial: number;
  serverId: string;
  orgId: string;
  method: 'web' | 'phone';
  company: Record<string, string>;
  serverVersion: ServerVersion;
  validUntil: string;
  status: ClaimStatus;
  at: string;
}

export async function insertClaim(db: ChDb, c: Omit<ClaimRecord, 'status'>): Promise<void> {
  await db
    .insertInto('ch_activation_claims')
    .values({
      serial: c.serial, server_id: c.serverId, org_id: c.orgId, method: c.method, company: toJson(c.company), server_version: c.serverVersion,
      valid_until: c.validUntil, status: 'open', at: c.at, decided_at: null,
    })
    .execute();
}

export async function openClaimsOf(db: ChDb, serverId: string): Promise<ClaimRecord[]> {
  const rows = await db.selectFrom('ch_activation_claims').selectAll().where('server_id', '=', serverId).where('status', '=', 'open').orderBy('serial').execute();
  return rows.map((r) => ({
    serial: toNumber(r.serial), serverId: r.server_id, orgId: r.org_id, method: r.method, company: fromJson<Record<string, string>>(r.company) ?? {},
    serverVersion: toNumber(r.server_version) as ServerVersion, validUntil: r.valid_until, status: r.status, at: r.at,
  }));
}

/** Closes an open claim; false when it was not open any more (decided concurrently). */
export async function closeClaim(db: ChDb, serial: number, status: Exclude<ClaimStatus, 'open'>, at: string): Promise<boolean> {
  const rows = await db
    .updateTable('ch_activation_claims')
    .set({ status, decided_at: at })
    .where('serial', '=', serial)
    .where('status', '=', 'open')
    .returning('serial')
    .execute();
  return rows.length === 1;
}

/** A new activation cycle (or a deactivation) ends the claims left open by the previous one. */
export async function endOpenClaims(db: ChDb, serverId: string, at: string): Promise<void> {
  await db.updateTable('ch_activation_claims').set({ status: 'ended', decided_at: at }).where('server_id', '=', serverId).where('status', '=', 'open').execute();
}

/**
 * The server proved possession of its key: it belongs to `orgId` with this activation. One conditional statement:
 * of two proofs at once, one confirms; false for the other.
 */
export async function confirmServer(
  db: ChDb,
  serverId: string,
  c: { orgId: string; method: ActivationMethod; company: Record<string, string>; serverVersion: ServerVersion; serial: number; certificate: string; expiresAt: string; at: string },
): Promise<boolean> {
  const rows = await db
    .updateTable('ch_servers')
    .set({
      org_id: c.orgId, method: c.method, company: toJson(c.company), server_version: c.serverVersion, activation_serial: c.serial,
      certificate: c.certificate, certificate_expires_at: c.expiresAt, confirmed_at: c.at,
    })
    .where('server_id', '=', serverId)
    .where('status', '=', 'activated')
    .where('confirmed_at', 'is', null)
    .returning('server_id')
    .execute();
  return rows.length === 1;
}

/** The packs of one organization installed on a server go back to unassigned (a dropped claim's installs). */
export async function releasePacksOfOrgOn(db: ChDb, serverId: string, orgId: string, at: string): Promise<{ pack: number; seq: number }[]> {
  const rows = await db
    .updateTable('ch_packs')
    .set({ status: 'unassigned', server_id: null, updated_at: at })
    .where('server_id', '=', serverId)
    .where('org_id', '=', orgId)
    .where('status', '=', 'installed')
    .returning(['number', 'grant_seq'])
    .execute();
  return rows.map((r) => ({ pack: toNumber(r.number), seq: toNumber(r.grant_seq) }));
}

export async function setServerCertificate(db: ChDb, serverId: string, c: { serial: number; certificate: string; expiresAt: string }): Promise<void> {
  await db
    .updateTable('ch_servers')
    .set({ activation_serial: c.serial, certificate: c.certificate, certificate_expires_at: c.expiresAt })
    .where('server_id', '=', serverId)
    .execute();
}

/** Moves an activated server to deactivated/invalidated; false when it was not activated (someone else did it). */
export async function endServerActivation(
  db: ChDb,
  serverId: string,
  to: 'deactivated' | 'invalidated',
  at: string,
  reason: string,
  receipt: boolean,
): Promise<boolean> {
  const rows = await db
    .updateTable('ch_servers')
    .set({ status: to, status_changed_at: at, status_reason: reason, ...(receipt ? { receipt_at: at } : {}) })
    .where('server_id', '=', serverId)
    .where('status', '=', 'activated')
    .returning('server_id')
    .execute();
  return rows.length === 1;
}

export async function markReceipt(db: ChDb, serverId: string, at: string): Promise<void> {
  await db.updateTable('ch_servers').set({ receipt_at: at }).where('server_id', '=', serverId).where('receipt_at', 'is', null).execute();
}

/** Records a check-in; returns the instance id the server had before (null at its first check-in). */
/** Records a check-in (last seen, installation instance) in one statement; answers the server as it now stands. */
export async function recordCheckIn(db: ChDb, serverId: string, instanceId: string, at: string): Promise<ServerRecord | undefined> {
  const r = await db.updateTable('ch_servers').set({ last_check_in_at: at, instance_id: instanceId }).where('server_id', '=', serverId).returningAll().executeTakeFirst();
  return r && serverFromRow(r);
}

/**
 * PostgreSQL: a check-in that is the next link of its server's chain, recorded in ONE statement — its nonce
 * recorded (`useNonce`), the chain head moved from `from` to `to` (the same compare-and-set as chain.repository.ts
 * `moveChainHead`) when the nonce was never seen, the link written, last seen and instance recorded — so all of it
 * commits together. When the head is not at `from`, only the nonce is recorded (`server` undefined: the caller
 * takes the general path); when the nonce was seen before, nothing is (`fresh` false: a replay). Answers the server
 * as it now stands.
 */
export async function recordCheckInExtending(
  db: ChDb,
  c: {
    serverId: string;
    instanceId: string;
    at: string;
    from: { counter: number; hash: string };
    to: { counter: number; hash: string; prev: string; attempt: string; receipt: string };
    /** the signed request's nonce and when it was checked, recorded by this statement; the head moves only when it was never seen */
    nonce: { nonce: string; at: string };
  },
): Promise<{ fresh: boolean; server: ServerRecord | undefined }> {
  const { rows } = await sql<Selectable<ChTables['ch_servers']> & { fresh: number | string }>`${sql.raw(PREPARED)}
    with nonce as (
      insert into ch_nonces (nonce, server_id, seen_at) values (${c.nonce.nonce}, ${c.serverId}, ${c.nonce.at}) on conflict (nonce) do nothing returning nonce
    ), head as (
      update ch_check_in_heads set counter = ${c.to.counter}, hash = ${c.to.hash}, prev = ${c.to.prev}, attempt = ${c.to.attempt}, receipt = ${c.to.receipt}, updated_at = ${c.at}
      where server_id = ${c.serverId} and counter = ${c.from.counter} and hash = ${c.from.hash} and exists (select 1 from nonce)
      returning server_id
    ), link as (
      insert into ch_check_ins (server_id, counter, prev, attempt, receipt_hash, outcome, instance_id, at)
      select server_id, ${c.to.counter}::integer, ${c.to.prev}::text, ${c.to.attempt}::text, ${c.to.hash}::text, 'extend', ${c.instanceId}::text, ${c.at}::text from head
    ), server as (
      update ch_servers set last_check_in_at = ${c.at}, instance_id = ${c.instanceId}
      where server_id = (select server_id from head)
      returning ${sql.raw(SERVER_ROW)}
    )
    select (select count(*) from nonce) as fresh, ${sql.raw(SERVER_ROW.split(', ').map((col) => `server.${col}`).join(', '))}
    from (select 1) as one left join server on true`.execute(db);
  const r = rows[0]!;
  return { fresh: toNumber(r.fresh) === 1, server: r.server_id === null ? undefined : serverFromRow(r) };
}

/** One usual check-in of a gathered batch (`recordCheckInsExtending`): what `recordCheckInExtending` takes. */
export type ExtendingCheckIn = Parameters<typeof recordCheckInExtending>[1];

/**
 * PostgreSQL: many usual check-ins recorded in ONE statement, each exactly as `recordCheckInExtending` records it
 * alone: every nonce inserted (a nonce seen before is not, and that check-in moves nothing: `fresh` false), then for
 * each check-in whose nonce was new the chain head's compare-and-set from `from` to `to`, its link, last seen and
 * instance. The head of a server is updated at most once by one statement, so of two copies of one server with the
 * same `from` only one moves (the other answers `server` undefined and takes the general path, which sees the head
 * moved: the clone case). The nonces must differ from each other (check-in-batch.ts runs a repeated one alone,
 * after). Answers in the order given.
 */
export async function recordCheckInsExtending(
  db: ChDb,
  items: readonly ExtendingCheckIn[],
): Promise<{ fresh: boolean; server: ServerRecord | undefined }[]> {
  const col = <T>(f: (c: ExtendingCheckIn) => T) => items.map(f);
  const { rows } = await sql<Selectable<ChTables['ch_servers']> & { ord: number | string; fresh: boolean }>`${sql.raw(PREPARED)}
    with input as (
      select * from unnest(${col((c) => c.nonce.nonce)}::text[], ${col((c) => c.nonce.at)}::text[], ${col((c) => c.serverId)}::text[],
        ${col((c) => c.instanceId)}::text[], ${col((c) => c.at)}::text[], ${col((c) => c.from.counter)}::integer[], ${col((c) => c.from.hash)}::text[],
        ${col((c) => c.to.counter)}::integer[], ${col((c) => c.to.hash)}::text[], ${col((c) => c.to.prev)}::text[], ${col((c) => c.to.attempt)}::text[],
        ${col((c) => c.to.receipt)}::text[])
        with ordinality as i(nonce, nonce_at, server_id, instance_id, at, from_counter, from_hash, to_counter, to_hash, prev, attempt, receipt, ord)
    ), nonce as (
      insert into ch_nonces (nonce, server_id, seen_at) select nonce, server_id, nonce_at from input order by ord on conflict (nonce) do nothing returning nonce
    ), head as (
      update ch_check_in_heads as h set counter = i.to_counter, hash = i.to_hash, prev = i.prev, attempt = i.attempt, receipt = i.receipt, updated_at = i.at
      from input as i
      where h.server_id = i.server_id and h.counter = i.from_counter and h.hash = i.from_hash and i.nonce in (select nonce from nonce)
      returning i.ord, h.server_id, i.to_counter, i.prev, i.attempt, i.to_hash, i.instance_id, i.at
    ), link as (
      insert into ch_check_ins (server_id, counter, prev, attempt, receipt_hash, outcome, instance_id, at)
      select server_id, to_counter, prev, attempt, to_hash, 'extend', instance_id, at from head
    ), server as (
      update ch_servers as s set last_check_in_at = head.at, instance_id = head.instance_id
      from head where s.server_id = head.server_id
      returning head.ord, ${sql.raw(SERVER_ROW.split(', ').map((c) => `s.${c}`).join(', '))}
    )
    select i.ord, i.nonce in (select nonce from nonce) as fresh, ${sql.raw(SERVER_ROW.split(', ').map((c) => `server.${c}`).join(', '))}
    from input as i left join server on server.ord = i.ord
    order by i.ord`.execute(db);
  return rows.map((r) => ({ fresh: r.fresh === true, server: r.server_id === null ? undefined : serverFromRow(r) }));
}

/** What the usual check-in reads, in one statement (`checkInReads`). */
export interface CheckInReads {
  server: ServerRecord | undefined;
  /** the server's own grants with their packs, as `packsWithGrants(db, { serverId })` answers them */
  own: Map<number, { pack: PackRecord; grants: GrantRecord[] }>;
  /** the latest signed audit checkpoint */
  checkpoint: { seq: number; head: string; at: string; kid: string; jws: string } | undefined;
  /** how many revocations there are (documents.ts `signedRevocationList`) */
  revocations: number;
}

/**
 * PostgreSQL: what the usual check-in needs to decide and answer — the server, its own grants with their packs, the
 * latest audit checkpoint and the number of revocations — read in ONE statement (it writes nothing). The reads see
 * the database as it was when the statement started: each one is what its own query (`findServer`,
 * `packsWithGrants`, `latestCheckpoint`, `countRevocations`) would answer.
 */
type ReadsRow = Selectable<ChTables['ch_servers']> & Record<string, unknown> & { revocations: number | string };

const READS_COLUMNS = `(select count(*) from ch_revocations) as revocations,
      c.seq as c_seq, c.head as c_head, c.at as c_at, c.kid as c_kid, c.jws as c_jws,
      ${SERVER_ROW.split(', ').map((col) => `s.${col}`).join(', ')},
      p.number as p_number, p.org_id as p_org_id, p.program as p_program, p.program_data as p_program_data, p.cal_type as p_cal_type,
      p.cal_version as p_cal_version, p.count as p_count, p.proof_of_purchase as p_proof_of_purchase, p.status as p_status,
      p.server_id as p_server_id, p.grant_seq as p_grant_seq, p.created_at as p_created_at,
      g.seq as g_seq, g.server_id as g_server_id, g.status as g_status, g.jws as g_jws, g.key_pack_id as g_key_pack_id,
      g.issued_at as g_issued_at, g.ended_at as g_ended_at, g.case_number as g_case_number`;

export async function checkInReads(db: ChDb, serverId: string): Promise<CheckInReads> {
  const { rows } = await sql<ReadsRow>`${sql.raw(PREPARED)}
    select ${sql.raw(READS_COLUMNS)}
    from (select 1) as one
    left join lateral (select seq, head, at, kid, jws from ch_audit_checkpoints order by id desc limit 1) as c on true
    left join ch_servers as s on s.server_id = ${serverId}
    left join (ch_grants as g join ch_packs as p on p.number = g.pack_number) on g.server_id = s.server_id
    order by p.number, g.seq`.execute(db);
  return readsFromRows(rows);
}

/**
 * PostgreSQL: `checkInReads` for many servers in ONE statement — the latest checkpoint and the revocation count read
 * once for all of them. Answers in the order given (a server ID given twice gets its own copy of the same reads).
 */
export async function checkInReadsMany(db: ChDb, serverIds: readonly string[]): Promise<CheckInReads[]> {
  const { rows } = await sql<ReadsRow & { q_server_id: string }>`${sql.raw(PREPARED)}
    select ids.server_id as q_server_id, ${sql.raw(READS_COLUMNS)}
    from (select distinct unnest(${[...serverIds]}::text[]) as server_id) as ids
    left join lateral (select seq, head, at, kid, jws from ch_audit_checkpoints order by id desc limit 1) as c on true
    left join ch_servers as s on s.server_id = ids.server_id
    left join (ch_grants as g join ch_packs as p on p.number = g.pack_number) on g.server_id = s.server_id
    order by ids.server_id, p.number, g.seq`.execute(db);
  const byServer = new Map<string, ReadsRow[]>();
  for (const r of rows) {
    const group = byServer.get(r.q_server_id);
    if (group === undefined) byServer.set(r.q_server_id, [r]);
    else group.push(r);
  }
  return serverIds.map((id) => readsFromRows(byServer.get(id)!));
}

function readsFromRows(rows: readonly ReadsRow[]): CheckInReads {
  const first = rows[0]!;
  const own = new Map<number, { pack: PackRecord; grants: GrantRecord[] }>();
  for (const r of rows) {
    if (r.g_seq === null) continue;
    const number = toNumber(r.p_number as number);
    let entry = own.get(number);
    if (entry === undefined) {
      entry = {
        pack: packFromRow({
          number, key_hash: '', org_id: r.p_org_id as string | null, program: r.p_program as Program, program_data: r.p_program_data as string,
          cal_type: r.p_cal_type as CalType, cal_version: r.p_cal_version as number, count: r.p_count as number, proof_of_purchase: r.p_proof_of_purchase as string | null,
          status: r.p_status as PackRecord['status'], server_id: r.p_server_id as string | null, grant_seq: r.p_grant_seq as number,
          created_at: r.p_created_at as string, updated_at: '',
        }),
        grants: [],
      };
      own.set(number, entry);
    }
    entry.grants.push({
      pack: number,
      seq: toNumber(r.g_seq as number),
      serverId: r.g_server_id as string,
      status: r.g_status as GrantStatus,
      jws: r.g_jws as string,
      keyPackId: r.g_key_pack_id as string | null,
      issuedAt: r.g_issued_at as string,
      endedAt: r.g_ended_at as string | null,
      caseNumber: r.g_case_number as string | null,
    });
  }
  return {
    server: first.server_id === null ? undefined : serverFromRow(first),
    own,
    checkpoint: first.c_seq === null ? undefined : { seq: toNumber(first.c_seq as number), head: first.c_head as string, at: first.c_at as string, kid: first.c_kid as string, jws: first.c_jws as string },
    revocations: toNumber(first.revocations),
  };
}

// ------------------------------------------------------------------------------------------- packs

function packFromRow(r: Selectable<ChTables['ch_packs']>): PackRecord {
  return {
    number: toNumber(r.number),
    orgId: r.org_id,
    program: r.program,
    programData: fromJson<ProgramData>(r.program_data) ?? {},
    calType: r.cal_type,
    calVersion: toNumber(r.cal_version) as CalVersion,
    count: toNumber(r.count),
    proofOfPurchase: r.proof_of_purchase,
    status: r.status,
    serverId: r.server_id,
    grantSeq: toNumber(r.grant_seq),
    createdAt: r.created_at,
  };
}

export async function insertPack(
  db: ChDb,
  p: { keyHash: string; orgId: string | null; program: Program; programData: ProgramData; calType: CalType; calVersion: CalVersion; count: number; proofOfPurchase: string | null; at: string },
): Promise<number> {
  const r = await db
    .insertInto('ch_packs')
    .values({
      key_hash: p.keyHash,
      org_id: p.orgId,
      program: p.program,
      program_data: toJson(p.programData),
      cal_type: p.calType,
      cal_version: p.calVersion,
      count: p.count,
      proof_of_purchase: p.proofOfPurchase,
      status: 'unassigned',
      server_id: null,
      grant_seq: 0,
      created_at: p.at,
      updated_at: p.at,
    })
    .returning('number')
    .executeTakeFirstOrThrow();
  return toNumber(r.number);
}

export async function findPackByKeyHash(db: ChDb, keyHash: string): Promise<PackRecord | undefined> {
  const r = await db.selectFrom('ch_packs').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
  return r && packFromRow(r);
}

export async function findPack(db: ChDb, number: number): Promise<PackRecord | undefined> {
  const r = await db.selectFrom('ch_packs').selectAll().where('number', '=', number).executeTakeFirst();
  return r && packFromRow(r);
}

export async function listPacks(db: ChDb, filter: { orgId?: string; serverId?: string } = {}): Promise<PackRecord[]> {
  let q = db.selectFrom('ch_packs').selectAll().orderBy('number');
  if (filter.orgId !== undefined) q = q.where('org_id', '=', filter.orgId);
  if (filter.serverId !== undefined) q = q.where('server_id', '=', filter.serverId);
  return (await q.execute()).map(packFromRow);
}

/**
 * Claims a free pack for a server in one conditional UPDATE: only a pack with no server (and not revoked)
 * is assigned, with the next grant serial. Returns that serial, or undefined when the pack is taken.
 */
export async function claimPack(db: ChDb, pack: number, serverId: string, at: string): Promise<number | undefined> {
  const r = await db
    .updateTable('ch_packs')
    .set((eb) => ({ server_id: serverId, status: 'installed', grant_seq: eb('grant_seq', '+', 1), updated_at: at }))
    .where('number', '=', pack)
    .where('server_id', 'is', null)
    .where('status', '=', 'unassigned')
    .returning('grant_seq')
    .executeTakeFirst();
  return r ? toNumber(r.grant_seq) : undefined;
}

/**
 * Moves a pack to another server (reissue) in one conditional UPDATE, only if it is still at `fromSeq`
 * (nobody moved it meanwhile). Returns the new grant serial.
 */
export async function movePack(db: ChDb, pack: number, fromSeq: number, toServerId: string, at: string): Promise<number | undefined> {
  const r = await db
    .updateTable('ch_packs')
    .set((eb) => ({ server_id: toServerId, status: 'installed', grant_seq: eb('grant_seq', '+', 1), updated_at: at }))
    .where('number', '=', pack)
    .where('grant_seq', '=', fromSeq)
    .where('status', '<>', 'revoked')
    .returning('grant_seq')
    .executeTakeFirst();
  return r ? toNumber(r.grant_seq) : undefined;
}

/** Releases every pack a server holds (its deactivation). Returns the packs and their grant serials. */
export async function releasePacksOf(db: ChDb, serverId: string, at: string): Promise<{ pack: number; seq: number }[]> {
  const rows = await db
    .updateTable('ch_packs')
    .set({ server_id: null, status: 'unassigned', updated_at: at })
    .where('server_id', '=', serverId)
    .returning(['number', 'grant_seq'])
    .execute();
  return rows.map((r) => ({ pack: toNumber(r.number), seq: toNumber(r.grant_seq) }));
}

// ------------------------------------------------------------------------------------------- grants

function grantFromRow(r: Selectable<ChTables['ch_grants']>): GrantRecord {
  return {
    pack: toNumber(r.pack_number),
    seq: toNumber(r.seq),
    serverId: r.server_id,
    status: r.status,
    jws: r.jws,
    keyPackId: r.key_pack_id,
    issuedAt: r.issued_at,
    endedAt: r.ended_at,
    caseNumber: r.case_number,
  };
}

export async function insertGrant(
  db: ChDb,
  g: { pack: number; seq: number; serverId: string; jws: string; keyPackId: string | null; at: string; caseNumber: string | null },
): Promise<void> {
  await db
    .insertInto('ch_grants')
    .values({
      pack_number: g.pack,
      seq: g.seq,
      server_id: g.serverId,
      status: 'active',
      jws: g.jws,
      key_pack_id: g.keyPackId,
      issued_at: g.at,
      ended_at: null,
      case_number: g.caseNumber,
    })
    .execute();
}

export async function setGrantKeyPackId(db: ChDb, pack: number, seq: number, keyPackId: string): Promise<void> {
  await db.updateTable('ch_grants').set({ key_pack_id: keyPackId }).where('pack_number', '=', pack).where('seq', '=', seq).execute();
}

export async function findGrant(db: ChDb, pack: number, seq: number): Promise<GrantRecord | undefined> {
  const r = await db.selectFrom('ch_grants').selectAll().where('pack_number', '=', pack).where('seq', '=', seq).executeTakeFirst();
  return r && grantFromRow(r);
}

/**
 * Packs with the grants each was given, in one statement: the packs a license server reports, by number (every
 * grant of each; packs the clearinghouse does not know are absent), or the packs granted to one server (only its
 * own grants, any status). What a check-in compares with its report, and what it answers.
 */
export async function packsWithGrants(db: ChDb, of: { numbers: readonly number[] } | { serverId: string }): Promise<Map<number, { pack: PackRecord; grants: GrantRecord[] }>> {
  const out = new Map<number, { pack: PackRecord; grants: GrantRecord[] }>();
  const query = () =>
    db
      .selectFrom('ch_packs as p')
      .leftJoin('ch_grants as g', 'g.pack_number', 'p.number')
      .selectAll('p')
      .select([
        'g.seq as g_seq', 'g.server_id as g_server_id', 'g.status as g_status', 'g.jws as g_jws', 'g.key_pack_id as g_key_pack_id',
        'g.issued_at as g_issued_at', 'g.ended_at as g_ended_at', 'g.case_number as g_case_number',
      ])
      .orderBy('p.number')
      .orderBy('g.seq');
  const batches = 'serverId' in of ? [query().where('g.server_id', '=', of.serverId)] : [];
  if ('numbers' in of) {
    const unique = [...new Set(of.numbers)];
    for (let i = 0; i < unique.length; i += 100) batches.push(query().where('p.number', 'in', unique.slice(i, i + 100)));
  }
  for (const batch of batches) {
    for (const r of await batch.execute()) {
      let entry = out.get(toNumber(r.number));
      if (entry === undefined) {
        entry = { pack: packFromRow(r), grants: [] };
        out.set(entry.pack.number, entry);
      }
      if (r.g_seq === null) continue;
      entry.grants.push({
        pack: entry.pack.number,
        seq: toNumber(r.g_seq),
        serverId: r.g_server_id!,
        status: r.g_status!,
        jws: r.g_jws!,
        keyPackId: r.g_key_pack_id,
        issuedAt: r.g_issued_at!,
        endedAt: r.g_ended_at,
        caseNumber: r.g_case_number,
      });
    }
  }
  return out;
}

/** The grant a pack was last given under (active or ended), if it ever was installed. */
export async function latestGrantOf(db: ChDb, pack: number): Promise<GrantRecord | undefined> {
  const r = await db.selectFrom('ch_grants').selectAll().where('pack_number', '=', pack).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return r && grantFromRow(r);
}

export async function grantsOfServer(db: ChDb, serverId: string, status?: GrantStatus): Promise<GrantRecord[]> {
  let q = db.selectFrom('ch_grants').selectAll().where('server_id', '=', serverId).orderBy('pack_number').orderBy('seq');
  if (status !== undefined) q = q.where('status', '=', status);
  return (await q.execute()).map(grantFromRow);
}

/** Ends an active grant (invalidated by reissue, released by deactivation); false if it was not active. */
export async function endGrant(db: ChDb, pack: number, seq: number, status: 'invalidated' | 'released', at: string, caseNumber: string | null): Promise<boolean> {
  const rows = await db
    .updateTable('ch_grants')
    .set({ status, ended_at: at, ...(caseNumber !== null ? { case_number: caseNumber } : {}) })
    .where('pack_number', '=', pack)
    .where('seq', '=', seq)
    .where('status', '=', 'active')
    .returning('id')
    .execute();
  return rows.length === 1;
}

// ------------------------------------------------------------------------------------------- cases

function caseFromRow(r: Selectable<ChTables['ch_cases']>): CaseRecord {
  return {
    number: toNumber(r.number),
    kind: r.kind,
    status: r.status,
    flagged: toNumber(r.flagged) === 1,
    channel: r.channel,
    requestKey: r.request_key,
    pack: r.pack_number === null ? null : toNumber(r.pack_number),
    sourceServerId: r.source_server_id,
    targetServerId: r.target_server_id,
    orgId: r.org_id,
    reason: r.reason,
    evidence: fromJson<Record<string, unknown>>(r.evidence) ?? {},
    decisionReasons: fromJson<string[]>(r.decision_reasons) ?? [],
    keyPackId: r.key_pack_id,
    grantSeq: r.grant_seq === null ? null : toNumber(r.grant_seq),
    decidedBy: r.decided_by,
    decisionNote: r.decision_note,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
  };
}

/** A case as it is opened: no number yet, no decision yet. */
export type NewCase = Omit<CaseRecord, 'number' | 'keyPackId' | 'grantSeq' | 'decidedBy' | 'decisionNote' | 'createdAt' | 'decidedAt'> & { at: string };

/**
 * Opens a case unless one with the same request key exists (an identical request): returns the new case's
 * number, or undefined when the key was already taken — the caller then reads the existing case.
 */
export async function insertCase(db: ChDb, c: NewCase): Promise<number | undefined> {
  const r = await db
    .insertInto('ch_cases')
    .values({
      kind: c.kind,
      status: c.status,
      flagged: c.flagged ? 1 : 0,
      channel: c.channel,
      request_key: c.requestKey,
      pack_number: c.pack,
      source_server_id: c.sourceServerId,
      target_server_id: c.targetServerId,
      org_id: c.orgId,
      reason: c.reason,
      evidence: toJson(c.evidence),
      decision_reasons: toJson(c.decisionReasons),
      key_pack_id: null,
      grant_seq: null,
      decided_by: null,
      decision_note: null,
      created_at: c.at,
      decided_at: null,
    })
    .onConflict((oc) => oc.column('request_key').doNothing())
    .returning('number')
    .executeTakeFirst();
  return r ? toNumber(r.number) : undefined;
}

export async function findCase(db: ChDb, number: number): Promise<CaseRecord | undefined> {
  const r = await db.selectFrom('ch_cases').selectAll().where('number', '=', number).executeTakeFirst();
  return r && caseFromRow(r);
}

export async function findCaseByKey(db: ChDb, requestKey: string): Promise<CaseRecord | undefined> {
  const r = await db.selectFrom('ch_cases').selectAll().where('request_key', '=', requestKey).executeTakeFirst();
  return r && caseFromRow(r);
}

export async function listCases(db: ChDb, filter: { orgId?: string; status?: CaseStatus; kind?: CaseKind; pack?: number } = {}): Promise<CaseRecord[]> {
  let q = db.selectFrom('ch_cases').selectAll().orderBy('number');
  if (filter.orgId !== undefined) q = q.where('org_id', '=', filter.orgId);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind);
  if (filter.pack !== undefined) q = q.where('pack_number', '=', filter.pack);
  return (await q.execute()).map(caseFromRow);
}

/** What the paged list of cases filters by (GET /ch/v1/cases): `server` is the source or the target. */
export interface CaseListFilter {
  orgId?: string;
  status?: CaseStatus;
  kind?: CaseKind;
  server?: string;
  /** created at or after / before these times (ISO-8601). */
  since?: string;
  until?: string;
}

function casesFiltered(db: ChDb, f: CaseListFilter) {
  let q = db.selectFrom('ch_cases').selectAll();
  if (f.orgId !== undefined) q = q.where('org_id', '=', f.orgId);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.kind !== undefined) q = q.where('kind', '=', f.kind);
  if (f.server !== undefined) q = q.where((eb) => eb.or([eb('source_server_id', '=', f.server!), eb('target_server_id', '=', f.server!)]));
  if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
  if (f.until !== undefined) q = q.where('created_at', '<', f.until);
  return q;
}

const CASE_COLUMNS = { number: 'number', createdAt: 'created_at', status: 'status', kind: 'kind' } as const;

export async function readCases(db: ChDb, f: CaseListFilter, page: PageRead<CaseSortKey>): Promise<CaseRecord[]> {
  const { sort, limit, after } = page;
  return (await keyset(casesFiltered(db, f), { column: CASE_COLUMNS[sort.key], id: 'number', descending: sort.descending, limit, ...(after ? { after } : {}) }).execute()).map(caseFromRow);
}

export async function countCases(db: ChDb, f: CaseListFilter): Promise<number> {
  return toNumber((await casesFiltered(db, f).clearSelect().select(sql<number>`count(*)`.as('n')).executeTakeFirst())?.n);
}

/** The latest approved case that moved this pack to this server. */
export async function latestApprovedCaseFor(db: ChDb, pack: number, targetServerId: string): Promise<CaseRecord | undefined> {
  const r = await db
    .selectFrom('ch_cases')
    .selectAll()
    .where('pack_number', '=', pack)
    .where('target_server_id', '=', targetServerId)
    .where('status', '=', 'approved')
    .where('kind', 'in', ['migration', 'reissue'])
    .orderBy('number', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r && caseFromRow(r);
}

/** When this pack was moved by approved cases (the transfers its budget counts). */
export async function transfersOf(db: ChDb, pack: number): Promise<string[]> {
  const rows = await db
    .selectFrom('ch_cases')
    .select('decided_at')
    .where('pack_number', '=', pack)
    .where('status', '=', 'approved')
    .where('kind', 'in', ['migration', 'reissue'])
    .where('grant_seq', 'is not', null)
    .orderBy('decided_at')
    .execute();
  return rows.map((r) => r.decided_at).filter((t): t is string => t !== null);
}

/**
 * Decides a case that is still in `from` status, in one conditional UPDATE (two agents, or two processes,
 * cannot both decide it). Returns false when it was no longer in that status.
 */
export async function decideCase(
  db: ChDb,
  number: number,
  from: CaseStatus[],
  d: { status: CaseStatus; decidedBy: string; note: string | null; at: string; keyPackId?: string | null; grantSeq?: number | null; decisionReasons?: string[] },
): Promise<boolean> {
  const rows = await db
    .updateTable('ch_cases')
    .set({
      status: d.status,
      decided_by: d.decidedBy,
      decision_note: d.note,
      decided_at: d.at,
      ...(d.keyPackId !== undefined ? { key_pack_id: d.keyPackId } : {}),
      ...(d.grantSeq !== undefined ? { grant_seq: d.grantSeq } : {}),
      ...(d.decisionReasons !== undefined ? { decision_reasons: toJson(d.decisionReasons) } : {}),
    })
    .where('number', '=', number)
    .where('status', 'in', from)
    .returning('number')
    .execute();
  return rows.length === 1;
}

// ------------------------------------------------------------------------------------------- revocations

export async function insertRevocation(
  db: ChDb,
  r: { kind: 'grant' | 'server'; serverId: string; pack: number | null; seq: number | null; caseNumber: string | null; reason: string; at: string },
): Promise<void> {
  await db
    .insertInto('ch_revocations')
    .values({ kind: r.kind, server_id: r.serverId, pack_number: r.pack, seq: r.seq, case_number: r.caseNumber, reason: r.reason, at: r.at })
    .execute();
}

/** How many revocations there are: the list is append-only, so the same count is the same list. */
export async function countRevocations(db: ChDb): Promise<number> {
  const row = await db.selectFrom('ch_revocations').select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirstOrThrow();
  return toNumber(row.n);
}

export async function listRevocations(db: ChDb): Promise<RevocationRecord[]> {
  const rows = await db.selectFrom('ch_revocations').selectAll().orderBy('id').execute();
  return rows.map((r) => ({
    id: toNumber(r.id),
    kind: r.kind,
    serverId: r.server_id,
    pack: r.pack_number === null ? null : toNumber(r.pack_number),
    seq: r.seq === null ? null : toNumber(r.seq),
    caseNumber: r.case_number,
    reason: r.reason,
    at: r.at,
  }));
}

// ------------------------------------------------------------------------------------------- nonces

/** Records a signed request's nonce; false when it was seen before (a replay). */
export async function useNonce(db: ChDb, nonce: string, serverId: string, at: string): Promise<boolean> {
  const r = await db
    .insertInto('ch_nonces')
    .values({ nonce, server_id: serverId, seen_at: at })
    .onConflict((oc) => oc.column('nonce').doNothing())
    .returning('nonce')
    .executeTakeFirst();
  return r !== undefined;
}

/** Forgets nonces older than the freshness window: a request that old is refused by its `iat` anyway. */
export async function pruneNonces(db: ChDb, before: string): Promise<void> {
  await db.deleteFrom('ch_nonces').where('seen_at', '<', before).execute();
}

// ------------------------------------------------------------------------------------------- audit

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  data: Record<string, unknown>;
}

/**
 * Appends entries to the hash-chained audit log. Call last in the transaction of the change they record:
 * it locks the chain head, so appends from several processes form one chain.
 */
export async function appendAudit(db: ChDb, dialect: SqlDialect, at: string, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const head = await forUpdate(db.selectFrom('ch_audit_head').select(['seq', 'hash']).where('id', '=', 1), dialect).executeTakeFirstOrThrow();
  let seq = toNumber(head.seq);
  let prev = head.hash;
  for (const e of entries) {
    seq += 1;
    // what is hashed is what verification reads back: the data as stored (canonical JSON, parsed again)
    const data = JSON.parse(canonicalJson(e.data)) as unknown;
    const record: AuditRecord = { seq, at, actor: e.actor, action: e.action, subject: e.subject, data, prevHash: prev };
    const hash = auditHash(record);
    await db
      .insertInto('ch_audit')
      .values({ seq, at, actor: e.actor, action: e.action, subject: e.subject, data: canonicalJson(data), prev_hash: prev, hash })
      .execute();
    prev = hash;
  }
  await db.updateTable('ch_audit_head').set({ seq, hash: prev }).where('id', '=', 1).execute();
}

export async function readAudit(db: ChDb, filter: { subject?: string; afterSeq?: number; limit?: number } = {}): Promise<(AuditRecord & { hash: string })[]> {
  let q = db.selectFrom('ch_audit').selectAll().orderBy('seq');
  if (filter.subject !== undefined) q = q.where('subject', '=', filter.subject);
  if (filter.afterSeq !== undefined) q = q.where('seq', '>', filter.afterSeq);
  if (filter.limit !== undefined) q = q.limit(filter.limit);
  const rows = await q.execute();
  return rows.map((r) => ({
    seq: toNumber(r.seq),
    at: r.at,
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    data: JSON.parse(r.data) as unknown,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

export async function auditHead(db: ChDb): Promise<{ seq: number; hash: string }> {
  const r = await db.selectFrom('ch_audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { seq: toNumber(r.seq), hash: r.hash };
}
