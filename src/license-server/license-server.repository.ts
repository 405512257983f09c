/**
 * The license database: the only SQL of the license server. Row types never leave this file.
 * Seats are claimed with one conditional UPDATE (`issued < total`), backed by the CHECK constraint; a device's
 * live CALs are unique per hardware ID and kind (partial unique indexes).
 */
import type { Generated, Kysely, Selectable } from 'kysely';
import { eventRow, insertEvent, type EventRow, type EventsTable } from '../events/event-log';
import type { Clock } from '../core/clock';
import type { ActivationMethod, ActivationStatus, CalKind, CalType, CalVersion, Program } from '../core/vocabulary';
import { forUpdate, fromBool, fromIso, fromJson, sql, toJson, toNumber } from '../storage/dialect';
import type { IssuedStatus, KeyPackStatus, KeyPackView } from '../core/wire/license-server';
import type { IssuedCursor, IssuedSort, IssuedSortKey } from '../core/issued-list';
import { keyset } from '../storage/keyset';
import type { HostSortKey } from '../core/list-specs';
import type { ListCursor, ListSort } from '../core/paged-list';

export type { IssuedStatus, KeyPackStatus };

/** The license database's tables (license-server/migrations.ts, and the shared `events` table). */
export interface LsTables {
  ls_server: {
    id: number;
    instance_id: string;
    status: Generated<ActivationStatus>;
    method: ActivationMethod | null;
    activated_at: string | null;
    expires_at: string | null;
    serial: number | null;
    org: string | null;
    company: string | null;
    certificate: string | null;
    status_changed_at: string | null;
    status_reason: string | null;
    prevent_upgrade: Generated<number>;
    allow_list_enabled: Generated<number>;
    last_check_in_at: string | null;
    last_check_in_result: string | null;
    revocations: string | null;
    revocations_seq: number | null;
    provisional_until: string | null;
    lapse_reported_at: string | null;
  };
  ls_key_packs: {
    id: string;
    pack: number;
    seq: number;
    program: Program;
    cal_type: CalType;
    cal_version: number;
    total: number;
    issued: Generated<number>;
    status: Generated<KeyPackStatus>;
    method: ActivationMethod;
    grant_jws: string | null;
    installed_at: string;
    expires_at: string | null;
    invalidated_at: string | null;
    provisional_until: string | null;
    lapse_reported_at: string | null;
  };
  ls_issued_licenses: {
    id: string;
    kind: CalKind;
    cal_type: CalType;
    cal_version: number;
    key_pack_id: string | null;
    pack: number | null;
    grant_seq: number | null;
    device: string;
    hwid: string;
    user_name: string | null;
    host: string | null;
    issued_at: string;
    expires_at: string;
    validated: Generated<number>;
    status: Generated<IssuedStatus>;
    revoked_at: string | null;
    over_allocated: Generated<number>;
  };
  ls_join_tokens: { token_hash: string; name: string; created_at: string; used_at: string | null };
  ls_hosts: { name: string; enrolled_at: string; token_id: string | null; last_seen_at: string | null };
  ls_allow_list: { name: string; added_at: string };
  events: EventsTable;
}

/** The license database as the license server's use cases hold it (a connection or a transaction). */
export type LsDb = Kysely<LsTables>;
type Db = LsDb;

export interface CompanyInfo {
  firstName: string;
  lastName: string;
  company: string;
  country: string;
}

export interface ServerState {
  instanceId: string;
  status: ActivationStatus;
  method?: ActivationMethod;
  activatedAt?: Date;
  expiresAt?: Date;
  serial?: number;
  org?: string;
  company?: CompanyInfo;
  certificate?: string;
  statusChangedAt?: Date;
  statusReason?: string;
  preventUpgrade: boolean;
  allowListEnabled: boolean;
  lastCheckInAt?: Date;
  lastCheckInResult?: string;
  revocations?: string;
  revocationsSeq?: number;
  /** activated from a typed confirmation: the end of its provisional window (docs/codes.md). */
  provisionalUntil?: Date;
  /** when the lapse of that window was reported (event 9131), once. */
  lapseReportedAt?: Date;
}


/** A key pack as stored: the fields of its API view, with dates as dates and the grant JWS itself. */
export type KeyPack = Omit<KeyPackView, 'grant' | 'installedAt' | 'expiresAt' | 'provisional'> & {
  grant?: string;
  installedAt: Date;
  expiresAt?: Date;
  invalidatedAt?: Date;
  /** installed from a typed key pack ID: the end of its provisional window (docs/codes.md). */
  provisionalUntil?: Date;
  /** when the lapse of that window was reported (event 9130), once. */
  lapseReportedAt?: Date;
};


export interface IssuedLicense {
  id: string;
  kind: CalKind;
  calType: CalType;
  calVersion: CalVersion;
  keyPackId?: string;
  pack?: number;
  grantSeq?: number;
  device: string;
  hwid: string;
  user?: string;
  host?: string;
  issuedAt: Date;
  expiresAt: Date;
  validated: boolean;
  status: IssuedStatus;
  revokedAt?: Date;
  overAllocated: boolean;
}

/** An issued license with the status of the key pack it came from. */
export interface HeldLicense extends IssuedLicense {
  packStatus?: KeyPackStatus;
  grant?: string;
}

function toServer(r: Selectable<LsTables['ls_server']>): ServerState {
  return {
    instanceId: r.instance_id,
    status: r.status,
    method: r.method ?? undefined,
    activatedAt: fromIso(r.activated_at),
    expiresAt: fromIso(r.expires_at),
    serial: r.serial === null ? undefined : toNumber(r.serial),
    org: r.org ?? undefined,
    company: fromJson<CompanyInfo>(r.company),
    certificate: r.certificate ?? undefined,
    statusChangedAt: fromIso(r.status_changed_at),
    statusReason: r.status_reason ?? undefined,
    preventUpgrade: fromBool(r.prevent_upgrade),
    allowListEnabled: fromBool(r.allow_list_enabled),
    lastCheckInAt: fromIso(r.last_check_in_at),
    lastCheckInResult: r.last_check_in_result ?? undefined,
    revocations: r.revocations ?? undefined,
    revocationsSeq: r.revocations_seq === null ? undefined : toNumber(r.revocations_seq),
    provisionalUntil: fromIso(r.provisional_until),
    lapseReportedAt: fromIso(r.lapse_reported_at),
  };
}

function toKeyPack(r: KeyPackRow): KeyPack {
  const total = toNumber(r.total);
  const issued = toNumber(r.issued);
  return {
    id: r.id,
    pack: toNumber(r.pack),
    seq: toNumber(r.seq),
    program: r.program,
    calType: r.cal_type,
    calVersion: toNumber(r.cal_version) as CalVersion,
    total,
    issued,
    available: Math.max(0, total - issued),
    status: r.status,
    method: r.method,
    grant: r.grant_jws ?? undefined,
    installedAt: fromIso(r.installed_at),
    expiresAt: fromIso(r.expires_at),
    invalidatedAt: fromIso(r.invalidated_at),
    provisionalUntil: fromIso(r.provisional_until),
    lapseReportedAt: fromIso(r.lapse_reported_at),
  };
}

function toIssued(r: IssuedRow): HeldLicense {
  return {
    id: r.id,
    kind: r.kind,
    calType: r.cal_type,
    calVersion: toNumber(r.cal_version) as CalVersion,
    keyPackId: r.key_pack_id ?? undefined,
    pack: r.pack === null ? undefined : toNumber(r.pack),
    grantSeq: r.grant_seq === null ? undefined : toNumber(r.grant_seq),
    device: r.device,
    hwid: r.hwid,
    user: r.user_name ?? undefined,
    host: r.host ?? undefined,
    issuedAt: fromIso(r.issued_at),
    expiresAt: fromIso(r.expires_at),
    validated: fromBool(r.validated),
    status: r.status,
    revokedAt: fromIso(r.revoked_at),
    overAllocated: fromBool(r.over_allocated),
    packStatus: r.pack_status ?? undefined,
    grant: r.grant_jws ?? undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The server row (activation, settings, last check-in)

/** SQLite's `synchronous` setting of this connection (1 NORMAL, 2 FULL, 3 EXTRA), for the issuing connection to match. */
export async function sqliteSynchronous(db: Db): Promise<number> {
  const row = (await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0];
  return Number(row?.synchronous ?? 1);
}

export async function ensureServer(db: Db, instanceId: string): Promise<void> {
  await db.insertInto('ls_server').values({ id: 1, instance_id: instanceId, status: 'unactivated' })
    .onConflict((oc) => oc.column('id').doNothing()).execute();
}

export async function getServer(db: Db): Promise<ServerState> {
  const row = await db.selectFrom('ls_server').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  return toServer(row);
}

export interface ServerPatch {
  instanceId?: string;
  status?: ActivationStatus;
  method?: ActivationMethod | null;
  activatedAt?: Date | null;
  expiresAt?: Date | null;
  serial?: number | null;
  org?: string | null;
  company?: CompanyInfo | null;
  certificate?: string | null;
  statusChangedAt?: Date | null;
  statusReason?: string | null;
  preventUpgrade?: boolean;
  allowListEnabled?: boolean;
  lastCheckInAt?: Date | null;
  lastCheckInResult?: string | null;
  revocations?: string | null;
  revocationsSeq?: number | null;
  provisionalUntil?: Date | null;
  lapseReportedAt?: Date | null;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export async function updateServer(db: Db, patch: ServerPatch): Promise<void> {
  const v: Record<string, unknown> = {};
  if (patch.instanceId !== undefined) v['instance_id'] = patch.instanceId;
  if (patch.status !== undefined) v['status'] = patch.status;
  if (patch.method !== undefined) v['method'] = patch.method;
  if (patch.activatedAt !== undefined) v['activated_at'] = iso(patch.activatedAt);
  if (patch.expiresAt !== undefined) v['expires_at'] = iso(patch.expiresAt);
  if (patch.serial !== undefined) v['serial'] = patch.serial;
  if (patch.org !== undefined) v['org'] = patch.org;
  if (patch.company !== undefined) v['company'] = patch.company === null ? null : toJson(patch.company);
  if (patch.certificate !== undefined) v['certificate'] = patch.certificate;
  if (patch.statusChangedAt !== undefined) v['status_changed_at'] = iso(patch.statusChangedAt);
  if (patch.statusReason !== undefined) v['status_reason'] = patch.statusReason;
  if (patch.preventUpgrade !== undefined) v['prevent_upgrade'] = patch.preventUpgrade ? 1 : 0;
  if (patch.allowListEnabled !== undefined) v['allow_list_enabled'] = patch.allowListEnabled ? 1 : 0;
  if (patch.lastCheckInAt !== undefined) v['last_check_in_at'] = iso(patch.lastCheckInAt);
  if (patch.lastCheckInResult !== undefined) v['last_check_in_result'] = patch.lastCheckInResult;
  if (patch.revocations !== undefined) v['revocations'] = patch.revocations;
  if (patch.revocationsSeq !== undefined) v['revocations_seq'] = patch.revocationsSeq;
  if (patch.provisionalUntil !== undefined) v['provisional_until'] = iso(patch.provisionalUntil);
  if (patch.lapseReportedAt !== undefined) v['lapse_reported_at'] = iso(patch.lapseReportedAt);
  if (Object.keys(v).length === 0) return;
  await db.updateTable('ls_server').set(v).where('id', '=', 1).execute();
}

// ---------------------------------------------------------------------------------------------------------------
// The statements of CAL issuance, written once: run here through Kysely (kyselyIssuanceStore, any database) and
// compiled once by issuance.repository.ts into prepared statements for the group commit on SQLite. Constants are
// written into the SQL, not bound: a bound value in a term of a partial index's WHERE makes SQLite plan the
// statement again at every run (several times slower).

const lit = <T extends string | number>(value: T) => sql.lit(value);

/**
 * The terms of the partial indexes on issued licenses (migration ls_0009_perm_live_indexes), written as the index
 * writes them: SQLite uses a partial index only for a query whose WHERE has each term of the index's WHERE with the
 * same constant (a bound value, or `kind = 'user'` for `kind <> 'temporary'`, is not enough).
 */
const liveSeatHolders = <Q extends { where: (...args: any[]) => Q }>(q: Q, column: (name: 'status' | 'kind') => string): Q =>
  q.where(column('status'), '=', lit('active')).where(column('kind'), '<>', lit('temporary'));
const endedOnly = <Q extends { where: (...args: any[]) => Q }>(q: Q, column: string): Q => q.where(column, '<>', lit('active'));

const issuedColumns = [
  'l.id', 'l.kind', 'l.cal_type', 'l.cal_version', 'l.key_pack_id', 'l.pack', 'l.grant_seq', 'l.device', 'l.hwid',
  'l.user_name', 'l.host', 'l.issued_at', 'l.expires_at', 'l.validated', 'l.status', 'l.revoked_at', 'l.over_allocated',
  'k.status as pack_status', 'k.grant_jws',
] as const;

const issuedWithPack = (db: Db) => db.selectFrom('ls_issued_licenses as l').leftJoin('ls_key_packs as k', 'k.id', 'l.key_pack_id').select(issuedColumns);

/** An issued license row as the statements below read it (row types stay in this file and issuance.repository.ts). */
export type IssuedRow = Awaited<ReturnType<ReturnType<typeof issuedWithPack>['executeTakeFirstOrThrow']>>;
export type KeyPackRow = Selectable<LsTables['ls_key_packs']>;

/** The columns an issued license is inserted with (besides the constants of `insertIssued`). */
export const ISSUED_INSERT_COLUMNS = [
  'id', 'kind', 'cal_type', 'cal_version', 'key_pack_id', 'pack', 'grant_seq', 'device', 'hwid', 'user_name', 'host', 'issued_at',
  'expires_at', 'over_allocated',
] as const satisfies readonly (keyof IssuedInsertRow)[];

/** Every column of the row is in ISSUED_INSERT_COLUMNS (tsc refuses the `true` below otherwise). */
const _allInsertColumns: Exclude<keyof IssuedInsertRow, (typeof ISSUED_INSERT_COLUMNS)[number]> extends never ? true : false = true;
void _allInsertColumns;

export type IssuedInsertRow = ReturnType<typeof issuedInsertRow>;

/** The insert of an issued license: its row from the license. */
export function issuedInsertRow(l: NewIssued) {
  return {
    id: l.id, kind: l.kind, cal_type: l.calType, cal_version: l.calVersion, key_pack_id: l.keyPackId ?? null, pack: l.pack ?? null,
    grant_seq: l.grantSeq ?? null, device: l.device, hwid: l.hwid, user_name: l.user ?? null, host: l.host ?? null,
    issued_at: l.issuedAt.toISOString(), expires_at: l.expiresAt.toISOString(), over_allocated: l.overAllocated ? 1 : 0,
  };
}

export const issuanceQueries = {
  /** the live (status active) device CALs held by one hardware ID, with their key pack's status. */
  deviceHoldings: (db: Db, hwid: string) =>
    issuedWithPack(db).where('l.hwid', '=', hwid).where('l.status', '=', lit('active')).where('l.kind', '<>', lit('user')),
  userHolding: (db: Db, user: string) =>
    issuedWithPack(db).where('l.user_name', '=', user).where('l.status', '=', lit('active')).where('l.kind', '=', lit('user')),
  keyPacks: (db: Db) => db.selectFrom('ls_key_packs').selectAll().orderBy('installed_at').orderBy('id'),
  /**
   * claim one seat: the one conditional statement that makes over-issue impossible; claimed when it changed a row.
   * This statement and the two below answer with their count of changed rows, not with RETURNING: on SQLite a
   * RETURNING clause gathers the returned rows in a temporary table before the first is read, which costs more
   * than the count SQLite keeps anyway.
   */
  claimSeat: (db: Db, keyPackId: string) =>
    db.updateTable('ls_key_packs').set({ issued: sql`issued + 1` })
      .where('id', '=', keyPackId).where('status', '=', lit('active')).where(sql<boolean>`issued < total`),
  releaseSeat: (db: Db, keyPackId: string) =>
    db.updateTable('ls_key_packs').set({ issued: sql`issued - 1` }).where('id', '=', keyPackId).where('issued', '>', lit(0)),
  /**
   * Expired CALs that held a seat leave 'active' (rds-facts §5: expired per-device CALs are reclaimed), one
   * conditional update, so two reclaimers never free a seat twice. Only permanent and per-user CALs hold a seat;
   * naming the kinds lets the partial index of live seat holders (ls_issued_live_seats, `(kind, expires_at)`) answer
   * with a range instead of reading every live CAL (about 1,000 times faster with a million issued licenses).
   */
  reclaimExpired: (db: Db, nowIso: string) =>
    liveSeatHolders(db.updateTable('ls_issued_licenses').set({ status: lit('expired') }), (c) => c)
      .where('kind', 'in', [lit('permanent'), lit('user')]).where('key_pack_id', 'is not', null)
      .where('expires_at', '<=', nowIso).returning('key_pack_id'),
  releaseSeats: (db: Db, count: number, keyPackId: string) =>
    db.updateTable('ls_key_packs').set({ issued: sql`issued - ${count}` }).where('id', '=', keyPackId),
  insertIssued: (db: Db, row: IssuedInsertRow) =>
    db.insertInto('ls_issued_licenses').values({ ...row, validated: lit(0), status: lit('active') }),
  /** move a live license to another status; no row when it was no longer live (someone else got there first). */
  retireIssued: (db: Db, id: string, status: Exclude<IssuedStatus, 'active'>) =>
    db.updateTable('ls_issued_licenses').set({ status }).where('id', '=', id).where('status', '=', lit('active')),
  /** renew on the same seat: only while the license is still live. */
  renewIssued: (db: Db, id: string, expiresAtIso: string, issuedAtIso: string) =>
    db.updateTable('ls_issued_licenses').set({ expires_at: expiresAtIso, issued_at: issuedAtIso })
      .where('id', '=', id).where('status', '=', lit('active')),
  installedCals: (db: Db, calType: CalType, calVersion: CalVersion) =>
    db.selectFrom('ls_key_packs').select(sql<number>`coalesce(sum(total), 0)`.as('n'))
      .where('status', '=', lit('active')).where('cal_type', '=', calType).where('cal_version', '=', calVersion),
  liveUserCals: (db: Db, calVersion: CalVersion) =>
    liveSeatHolders(db.selectFrom('ls_issued_licenses').select(sql<number>`count(*)`.as('n')), (c) => c)
      .where('kind', '=', lit('user')).where('cal_version', '=', calVersion),
};

// ---------------------------------------------------------------------------------------------------------------
// Key packs

export async function listKeyPacks(db: Db): Promise<KeyPack[]> {
  return (await issuanceQueries.keyPacks(db).execute()).map(toKeyPack);
}

export async function findKeyPack(db: Db, pack: number, seq?: number): Promise<KeyPack | undefined> {
  let q = db.selectFrom('ls_key_packs').selectAll().where('pack', '=', pack);
  if (seq !== undefined) q = q.where('seq', '=', seq);
  const row = await q.orderBy('seq', 'desc').executeTakeFirst();
  return row ? toKeyPack(row) : undefined;
}

/** A key pack as it is installed: nothing issued yet, active. */
export type NewKeyPack = Omit<KeyPack, 'issued' | 'available' | 'status' | 'invalidatedAt' | 'lapseReportedAt'>;

export async function insertKeyPack(db: Db, k: NewKeyPack): Promise<void> {
  await db.insertInto('ls_key_packs').values({
    id: k.id,
    pack: k.pack,
    seq: k.seq,
    program: k.program,
    cal_type: k.calType,
    cal_version: k.calVersion,
    total: k.total,
    issued: 0,
    status: 'active',
    method: k.method,
    grant_jws: k.grant ?? null,
    installed_at: k.installedAt.toISOString(),
    expires_at: iso(k.expiresAt),
    provisional_until: iso(k.provisionalUntil),
  }).execute();
}

/** Record that a key pack's provisional window lapsed without its grant; true only for the first caller. */
export async function markKeyPackLapseReported(db: Db, id: string, at: Date): Promise<boolean> {
  const rows = await db.updateTable('ls_key_packs').set({ lapse_reported_at: at.toISOString() })
    .where('id', '=', id).where('lapse_reported_at', 'is', null).where('grant_jws', 'is', null).returning('id').execute();
  return rows.length > 0;
}

/** Record that the activation's provisional window lapsed without its certificate; true only for the first caller. */
export async function markServerLapseReported(db: Db, at: Date): Promise<boolean> {
  const rows = await db.updateTable('ls_server').set({ lapse_reported_at: at.toISOString() })
    .where('id', '=', 1).where('lapse_reported_at', 'is', null).where('certificate', 'is', null).returning('id').execute();
  return rows.length > 0;
}

/** Store a grant that arrived later (phone/web install); only fills an empty slot. */
export async function setKeyPackGrant(db: Db, pack: number, seq: number, grant: string): Promise<boolean> {
  const rows = await db.updateTable('ls_key_packs').set({ grant_jws: grant })
    .where('pack', '=', pack).where('seq', '=', seq).where('grant_jws', 'is', null).returning('id').execute();
  return rows.length > 0;
}

/** The same grant signed again by the clearinghouse (its key was revoked): the new copy replaces the stored one. */
export async function replaceKeyPackGrant(db: Db, pack: number, seq: number, grant: string): Promise<void> {
  await db.updateTable('ls_key_packs').set({ grant_jws: grant }).where('pack', '=', pack).where('seq', '=', seq).execute();
}

/** A pack whose grant is on the revocation list stops issuing; returns the key pack if it changed now. */
export async function invalidateKeyPack(db: Db, pack: number, seq: number, at: Date): Promise<KeyPack | undefined> {
  const row = await db.updateTable('ls_key_packs').set({ status: 'invalidated', invalidated_at: at.toISOString() })
    .where('pack', '=', pack).where('seq', '=', seq).where('status', '=', 'active').returningAll().executeTakeFirst();
  return row ? toKeyPack(row) : undefined;
}

const changedRows = (r: { numUpdatedRows: bigint }) => Number(r.numUpdatedRows);

/** Claim one seat (issuanceQueries.claimSeat). */
export async function claimSeat(db: Db, keyPackId: string): Promise<boolean> {
  return changedRows(await issuanceQueries.claimSeat(db, keyPackId).executeTakeFirst()) > 0;
}

export async function releaseSeat(db: Db, keyPackId: string): Promise<void> {
  await issuanceQueries.releaseSeat(db, keyPackId).execute();
}

/** Expired CALs that held a seat give it back (issuanceQueries.reclaimExpired); how many. */
export async function reclaimExpired(db: Db, now: Date): Promise<number> {
  const rows = await issuanceQueries.reclaimExpired(db, now.toISOString()).execute();
  for (const [id, n] of seatsPerPack(rows)) await issuanceQueries.releaseSeats(db, n, id).execute();
  return rows.length;
}

/** How many reclaimed CALs each key pack gets back. */
export function seatsPerPack(rows: readonly { key_pack_id: string | null }[]): Map<string, number> {
  const perPack = new Map<string, number>();
  for (const r of rows) if (r.key_pack_id !== null) perPack.set(r.key_pack_id, (perPack.get(r.key_pack_id) ?? 0) + 1);
  return perPack;
}

// ---------------------------------------------------------------------------------------------------------------
// Issued licenses


/** The live (status active) device CALs held by one hardware ID, with their key pack's status. */
export async function deviceHoldings(db: Db, hwid: string): Promise<{ temporary?: HeldLicense; permanent?: HeldLicense }> {
  return holdingsOf((await issuanceQueries.deviceHoldings(db, hwid).execute()).map(toIssued));
}

export function holdingsOf(rows: readonly HeldLicense[]): { temporary?: HeldLicense; permanent?: HeldLicense } {
  const out: { temporary?: HeldLicense; permanent?: HeldLicense } = {};
  for (const r of rows) {
    if (r.kind === 'temporary') out.temporary = r;
    else if (r.kind === 'permanent') out.permanent = r;
  }
  return out;
}

export async function userHolding(db: Db, user: string): Promise<HeldLicense | undefined> {
  const row = await issuanceQueries.userHolding(db, user).executeTakeFirst();
  return row ? toIssued(row) : undefined;
}

export async function findIssued(db: Db, id: string): Promise<HeldLicense | undefined> {
  const row = await db.selectFrom('ls_issued_licenses as l').leftJoin('ls_key_packs as k', 'k.id', 'l.key_pack_id')
    .select(issuedColumns).where('l.id', '=', id).executeTakeFirst();
  return row ? toIssued(row) : undefined;
}

/** An issued license as it is inserted: live, not yet validated, not revoked. */
export type NewIssued = Omit<IssuedLicense, 'validated' | 'status' | 'revokedAt' | 'overAllocated'> & { overAllocated?: boolean };

export async function insertIssued(db: Db, l: NewIssued): Promise<void> {
  await issuanceQueries.insertIssued(db, issuedInsertRow(l)).execute();
}

/** Move a live license to another status; false when it was no longer live (someone else got there first). */
export async function retireIssued(db: Db, id: string, status: Exclude<IssuedStatus, 'active'>): Promise<boolean> {
  return changedRows(await issuanceQueries.retireIssued(db, id, status).executeTakeFirst()) > 0;
}

/** Renew on the same seat: only while the license is still live. */
export async function renewIssued(db: Db, id: string, expiresAt: Date, issuedAt: Date): Promise<boolean> {
  return changedRows(await issuanceQueries.renewIssued(db, id, expiresAt.toISOString(), issuedAt.toISOString()).executeTakeFirst()) > 0;
}

/** A successful logon marks a temporary CAL validated [fact: WSD-CAL]. */
export async function validateTemporary(db: Db, id: string): Promise<HeldLicense | undefined> {
  const row = await db.updateTable('ls_issued_licenses').set({ validated: 1 })
    .where('id', '=', id).where('kind', '=', 'temporary').where('status', '=', 'active').returning('id').executeTakeFirst();
  return row ? findIssued(db, id) : undefined;
}

export async function revokeIssued(db: Db, id: string, at: Date): Promise<boolean> {
  const row = await db.updateTable('ls_issued_licenses').set({ status: 'revoked', revoked_at: at.toISOString() })
    .where('id', '=', id).where('status', '=', 'active').where('kind', '=', 'permanent').returning('key_pack_id').executeTakeFirst();
  if (!row) return false;
  if (row.key_pack_id) await releaseSeat(db, row.key_pack_id);
  return true;
}

/** Live permanent device CAL held by a device name or hardware ID. */
export async function findLivePermanentForDevice(db: Db, device: string): Promise<HeldLicense | undefined> {
  const row = await liveSeatHolders(issuedWithPack(db), (c) => `l.${c}`).where('l.kind', '=', lit('permanent'))
    .where((eb) => eb.or([eb('l.device', '=', device), eb('l.hwid', '=', device)])).executeTakeFirst();
  return row ? toIssued(row) : undefined;
}

/** The revoked per-device CALs of one version, with their expiry (the revoke budget's input, core revokeBudgetOf). */
export async function revokedCals(db: Db, calVersion: CalVersion): Promise<{ calVersion: CalVersion; expiresAt: Date }[]> {
  const rows = await endedOnly(db.selectFrom('ls_issued_licenses').select('expires_at'), 'status').where('status', '=', lit('revoked'))
    .where('cal_version', '=', calVersion).execute();
  return rows.map((r) => ({ calVersion, expiresAt: fromIso(r.expires_at as string) }));
}

/** Lock one version's per-device key packs until the transaction ends (two revokes take budget one at a time). */
export async function lockDeviceKeyPacks(db: Db, calVersion: CalVersion): Promise<void> {
  await forUpdate(db.selectFrom('ls_key_packs').select('id').where('cal_version', '=', calVersion).where('cal_type', '=', 'device'), db).execute();
}

export async function installedCals(db: Db, calType: CalType, calVersion: CalVersion): Promise<number> {
  return toNumber((await issuanceQueries.installedCals(db, calType, calVersion).executeTakeFirst())?.n);
}

export interface IssuedFilter {
  kind?: CalKind;
  calType?: CalType;
  device?: string;
  user?: string;
  status?: IssuedStatus | 'all';
  /** the clearinghouse pack number the CALs were drawn from. */
  pack?: number;
  /** expiry at or after / strictly before these times. */
  expiresFrom?: Date;
  expiresBefore?: Date;
}

export interface IssuedPageQuery extends IssuedFilter {
  sort?: IssuedSort;
  /** continue after this row (keyset): the cursor of the previous page. */
  after?: IssuedCursor;
  limit?: number;
  /** the older way to page (a row count to skip); a cursor is better on large lists. */
  offset?: number;
}

type IssuedQuery = ReturnType<typeof issuedWithPack>;

function filtered(q: IssuedQuery, f: IssuedFilter): IssuedQuery {
  if (f.kind) q = q.where('l.kind', '=', f.kind);
  if (f.calType) q = q.where('l.cal_type', '=', f.calType);
  if (f.device) q = q.where((eb) => eb.or([eb('l.device', '=', f.device!), eb('l.hwid', '=', f.device!)]));
  if (f.user) q = q.where('l.user_name', '=', f.user);
  if (f.pack !== undefined) q = q.where('l.pack', '=', f.pack);
  if (f.expiresFrom) q = q.where('l.expires_at', '>=', f.expiresFrom.toISOString());
  if (f.expiresBefore) q = q.where('l.expires_at', '<', f.expiresBefore.toISOString());
  // The status is one of a fixed list, written as a constant so that an ended status reads index ls_issued_ended.
  if (f.status === 'active') q = q.where('l.status', '=', lit('active'));
  else if (f.status && f.status !== 'all') q = endedOnly(q, 'l.status').where('l.status', '=', lit(f.status));
  else if (!f.status) q = q.where('l.status', 'in', [lit('active'), lit('revoked')]);
  return q;
}

/** The sort column as SQL: nullable columns sort as '' (user) or -1 (pack), so that a cursor can name them. */
function sortColumn(key: IssuedSortKey) {
  switch (key) {
    case 'issuedAt':
      return sql<string>`l.issued_at`;
    case 'expiresAt':
      return sql<string>`l.expires_at`;
    case 'device':
      return sql<string>`l.device`;
    case 'user':
      return sql<string>`coalesce(l.user_name, '')`;
    case 'pack':
      return sql<number>`coalesce(l.pack, -1)`;
    case 'status':
      return sql<string>`l.status`;
  }
}

/** The value of a row's sort column, as the cursor of the page it ends carries it. */
export function sortValueOf(l: HeldLicense, key: IssuedSortKey): string | number {
  switch (key) {
    case 'issuedAt':
      return l.issuedAt.toISOString();
    case 'expiresAt':
      return l.expiresAt.toISOString();
    case 'device':
      return l.device;
    case 'user':
      return l.user ?? '';
    case 'pack':
      return l.pack ?? -1;
    case 'status':
      return l.status;
  }
}

/** One page of issued licenses, sorted, after a cursor (keyset) or an offset. */
export async function listIssued(db: Db, f: IssuedPageQuery): Promise<HeldLicense[]> {
  const sort = f.sort ?? { key: 'issuedAt' as const, descending: false };
  let q = keyset(filtered(issuedWithPack(db), f), { column: sortColumn(sort.key), id: 'l.id', descending: sort.descending, ...(f.after ? { after: f.after } : {}), limit: f.limit ?? 10_000 });
  if (f.offset && !f.after) q = q.offset(f.offset);
  return (await q.execute()).map(toIssued);
}

/** How many issued licenses the filter matches, whatever the page. */
export async function countIssuedMatching(db: Db, f: IssuedFilter): Promise<number> {
  const row = await filtered(issuedWithPack(db), f).clearSelect().select(sql<number>`count(*)`.as('n')).executeTakeFirst();
  return toNumber(row?.n);
}

/**
 * Issued licenses per kind and status, counted from the three partial indexes that together hold every row (the
 * live device CALs, the live per-user CALs, the ended CALs) instead of reading the table.
 */
export async function countIssued(db: Db): Promise<{ kind: CalKind; status: IssuedStatus; n: number }[]> {
  const counted = (q: ReturnType<typeof issuedCount>) => q.groupBy(['kind', 'status']).execute();
  const rows = [
    ...(await counted(issuedCount(db).where('status', '=', lit('active')).where('kind', '<>', lit('user')))),
    ...(await counted(issuedCount(db).where('status', '=', lit('active')).where('kind', '=', lit('user')))),
    ...(await counted(endedOnly(issuedCount(db), 'status'))),
  ];
  return rows.map((r) => ({ kind: r.kind, status: r.status, n: toNumber(r.n) }));
}

const issuedCount = (db: Db) => db.selectFrom('ls_issued_licenses').select(['kind', 'status', sql<number>`count(*)`.as('n')]);

// ---------------------------------------------------------------------------------------------------------------
// Rebuild

/** Wipes key packs, issued CALs and the activation; settings, hosts and the identity stay. */
export async function wipeLicenseDatabase(db: Db, instanceId: string, at: Date, reason: string): Promise<void> {
  await db.deleteFrom('ls_issued_licenses').execute();
  await db.deleteFrom('ls_key_packs').execute();
  await updateServer(db, {
    instanceId, status: 'unactivated', method: null, activatedAt: null, expiresAt: null, serial: null, org: null,
    certificate: null, statusChangedAt: at, statusReason: reason, provisionalUntil: null, lapseReportedAt: null,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Session hosts: join tokens, enrolled hosts, the allow-list ("RDS Endpoint Servers")

export async function insertJoinToken(db: Db, tokenHash: string, name: string, at: Date): Promise<void> {
  await db.insertInto('ls_join_tokens').values({ token_hash: tokenHash, name, created_at: at.toISOString(), used_at: null }).execute();
}

/** One-time: the first caller gets the host name back, every other caller nothing. */
export async function consumeJoinToken(db: Db, tokenHash: string, at: Date): Promise<{ name: string } | 'used' | undefined> {
  const row = await db.updateTable('ls_join_tokens').set({ used_at: at.toISOString() })
    .where('token_hash', '=', tokenHash).where('used_at', 'is', null).returning('name').executeTakeFirst();
  if (row) return { name: row.name };
  const exists = await db.selectFrom('ls_join_tokens').select('token_hash').where('token_hash', '=', tokenHash).executeTakeFirst();
  return exists ? 'used' : undefined;
}

export async function upsertHost(db: Db, name: string, tokenId: string, at: Date): Promise<void> {
  await db.insertInto('ls_hosts').values({ name, enrolled_at: at.toISOString(), token_id: tokenId, last_seen_at: null })
    .onConflict((oc) => oc.column('name').doUpdateSet({ enrolled_at: at.toISOString(), token_id: tokenId })).execute();
}

export async function listHosts(db: Db): Promise<{ name: string; enrolledAt: Date; lastSeenAt?: Date }[]> {
  const rows = await db.selectFrom('ls_hosts').selectAll().orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, enrolledAt: fromIso(r.enrolled_at), lastSeenAt: fromIso(r.last_seen_at) }));
}

/** What the paged list of session hosts filters by (GET /ls/v1/hosts): words of the name, whatever their case. */
export interface HostListFilter {
  name?: string;
}

function hostsFiltered(db: Db, f: HostListFilter) {
  let q = db.selectFrom('ls_hosts').selectAll();
  if (f.name) q = q.where(sql<boolean>`lower(name) like ${`%${f.name.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`);
  return q;
}

const HOST_COLUMNS = { name: 'name', enrolledAt: 'enrolled_at' } as const;

export async function readHosts(db: Db, f: HostListFilter, page: { sort: ListSort<HostSortKey>; limit: number; after?: ListCursor<HostSortKey> }): Promise<{ name: string; enrolledAt: Date }[]> {
  const { sort, limit, after } = page;
  const rows = await keyset(hostsFiltered(db, f), { column: HOST_COLUMNS[sort.key], id: 'name', descending: sort.descending, limit, ...(after ? { after } : {}) }).execute();
  return rows.map((r) => ({ name: r.name, enrolledAt: fromIso(r.enrolled_at) }));
}

export async function countHosts(db: Db, f: HostListFilter): Promise<number> {
  return toNumber((await hostsFiltered(db, f).clearSelect().select(sql<number>`count(*)`.as('n')).executeTakeFirst())?.n);
}

export async function getAllowList(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('ls_allow_list').select('name').orderBy('name').execute();
  return rows.map((r) => r.name);
}

export async function setAllowList(db: Db, names: string[], at: Date): Promise<void> {
  await db.deleteFrom('ls_allow_list').execute();
  if (names.length > 0) await db.insertInto('ls_allow_list').values(names.map((name) => ({ name, added_at: at.toISOString() }))).execute();
}

export async function isOnAllowList(db: Db, name: string): Promise<boolean> {
  const row = await db.selectFrom('ls_allow_list').select('name').where(sql`lower(name)`, '=', name.toLowerCase()).executeTakeFirst();
  return row !== undefined;
}

/** Per-user report: each user's live CAL, with the installed per-user CALs to compare against. */
export async function perUserRows(db: Db): Promise<HeldLicense[]> {
  return listIssued(db, { kind: 'user', status: 'active', limit: 1_000_000 });
}

// ---------------------------------------------------------------------------------------------------------------
// Issuance: what a CAL request reads and writes, inside one transaction

type Awaitable<T> = T | Promise<T>;

/**
 * The license database as CAL issuance uses it, inside one transaction. Two implementations: this file's
 * `kyselyIssuanceStore` (any database, one transaction per request) and issuance.repository.ts (SQLite,
 * prepared statements, many requests per transaction). The seat is always claimed by the conditional UPDATE.
 */
export interface IssuanceStore {
  deviceHoldings(hwid: string): Awaitable<{ temporary?: HeldLicense; permanent?: HeldLicense }>;
  userHolding(user: string): Awaitable<HeldLicense | undefined>;
  /** the key packs, possibly from memory: the counts only order the candidates, claimSeat decides. */
  keyPacks(): Awaitable<KeyPack[]>;
  /** the key packs as the database holds them now. */
  reloadKeyPacks(): Awaitable<KeyPack[]>;
  claimSeat(keyPackId: string): Awaitable<boolean>;
  releaseSeat(keyPackId: string): Awaitable<void>;
  reclaimExpired(now: Date): Awaitable<number>;
  insertIssued(l: NewIssued): Awaitable<void>;
  retireIssued(id: string, status: Exclude<IssuedStatus, 'active'>): Awaitable<boolean>;
  renewIssued(id: string, expiresAt: Date, issuedAt: Date): Awaitable<boolean>;
  installedCals(calType: CalType, calVersion: CalVersion): Awaitable<number>;
  /** live per-user CALs of one version. */
  liveUserCals(calVersion: CalVersion): Awaitable<number>;
  /** record an event in this transaction. */
  record(event: { id: number; level?: 'information' | 'warning' | 'error'; data: Record<string, unknown> }): Awaitable<void>;
}

/** The issuance store of one Kysely transaction (any database): the statements of `issuanceQueries`, run as they are. */
export function kyselyIssuanceStore(trx: Db, clock: Clock): IssuanceStore {
  return {
    deviceHoldings: (hwid) => deviceHoldings(trx, hwid),
    userHolding: (user) => userHolding(trx, user),
    keyPacks: () => listKeyPacks(trx),
    reloadKeyPacks: () => listKeyPacks(trx),
    claimSeat: (id) => claimSeat(trx, id),
    releaseSeat: (id) => releaseSeat(trx, id),
    reclaimExpired: (now) => reclaimExpired(trx, now),
    insertIssued: (l) => insertIssued(trx, l),
    retireIssued: (id, status) => retireIssued(trx, id, status),
    renewIssued: (id, expiresAt, issuedAt) => renewIssued(trx, id, expiresAt, issuedAt),
    installedCals: (calType, calVersion) => installedCals(trx, calType, calVersion),
    liveUserCals: (calVersion) => liveUserCals(trx, calVersion),
    record: async (event) => {
      await insertEvent(trx, issuanceEventRow(event, clock.now())).execute();
    },
  };
}

/** The row of an event recorded by CAL issuance. */
export function issuanceEventRow(event: Parameters<IssuanceStore['record']>[0], at: Date): EventRow {
  return eventRow({ component: 'license-server', eventId: event.id, data: event.data, at, ...(event.level ? { level: event.level } : {}) });
}

export async function liveUserCals(db: Db, calVersion: CalVersion): Promise<number> {
  return toNumber((await issuanceQueries.liveUserCals(db, calVersion).executeTakeFirst())?.n);
}

/** The server row and the allow-list (lower-cased), as the issuance cache holds them. */
export async function issuanceState(db: Db): Promise<{ server: ServerState; allowList: Set<string> }> {
  const server = await getServer(db);
  const allowList = server.allowListEnabled ? new Set((await getAllowList(db)).map((n) => n.toLowerCase())) : new Set<string>();
  return { server, allowList };
}

// Row mappers for issuance.repository.ts (the same statements, compiled, on another driver).
export { toIssued as issuedFromRow, toKeyPack as keyPackFromRow };
