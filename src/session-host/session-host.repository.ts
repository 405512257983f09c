/**
 * The session host's SQL (the only place it is written). Row types stay here; callers get domain values.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { AdmissionOutcome, AdmissionSortKey } from '../core/list-specs';
import type { ListCursor, ListSort } from '../core/paged-list';
import { keyset } from '../storage/keyset';
import type { AdmissionRecord } from '../core/wire/session-host';
import type { LayerSettings } from '../core/session-host-rules';
import type { AdmissionBasis } from '../core/session-host-rules';
import type { CalKind, ConfigLayer, LicensingMode } from '../core/vocabulary';
import { fromBool, fromJson, toBool, toJson, toNumber } from '../storage/dialect';

interface GraceTable {
  id: number;
  first_start: string;
  high_water_mark: string;
}
interface ConfigTable {
  layer: string;
  mode: string | null;
  license_servers: string | null;
  updated_at: string;
}
interface EnrolmentsTable {
  license_server_url: string;
  /** `sha256:` + hex of the ls:host token: the host signs its requests, the token itself is not kept. */
  token: string;
  host_name: string;
  enrolled_at: string;
  host_id: string | null;
  org_id: string | null;
}
interface IdentitiesTable {
  license_server_url: string;
  server_id: string;
  public_key: string;
  version: number | null;
  certificate: string | null;
  fetched_at: string;
  previous_server_id: string | null;
  changed_at: string | null;
  held_server_id: string | null;
  held_reason: string | null;
}
interface TrustTable {
  id: number;
  anchor: string | null;
  fingerprint: string | null;
  anchor_source: string | null;
  anchor_fetched_at: string | null;
  revocations: string | null;
  revocations_seq: number | null;
  revocations_fetched_at: string | null;
}
interface AdmissionsTable {
  id: number;
  at: string;
  device: string;
  hwid: string;
  user_name: string | null;
  admitted: number;
  basis: string | null;
  code: string | null;
  message: string | null;
  cal_kind: string | null;
  cal_version: number | null;
  license_server_id: string | null;
  license_server_url: string | null;
  jti: string | null;
  expires_at: string | null;
}

export interface SessionHostTables {
  sh_grace: GraceTable;
  sh_config: ConfigTable;
  sh_enrolments: EnrolmentsTable;
  sh_server_identities: IdentitiesTable;
  sh_trust: TrustTable;
  sh_admissions: AdmissionsTable;
}

type Db = Kysely<SessionHostTables>;
/** The session host database as its use cases hold it. */
export type ShDb = Db;
const t = (db: Db): Db => db as Db;

// ---------------------------------------------------------------------------------------------- grace period

export interface GraceRow {
  firstStart: Date;
  highWaterMark: Date;
}

/** Records the first start once; later starts keep the original date (the grace period never restarts). */
export async function ensureFirstStart(db: Db, now: Date): Promise<GraceRow> {
  const iso = now.toISOString();
  await t(db)
    .insertInto('sh_grace')
    .values({ id: 1, first_start: iso, high_water_mark: iso })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const row = await t(db).selectFrom('sh_grace').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  return { firstStart: new Date(row.first_start), highWaterMark: new Date(row.high_water_mark) };
}

export async function readGrace(db: Db): Promise<GraceRow | undefined> {
  const row = await t(db).selectFrom('sh_grace').selectAll().where('id', '=', 1).executeTakeFirst();
  return row ? { firstStart: new Date(row.first_start), highWaterMark: new Date(row.high_water_mark) } : undefined;
}

/** Moves the high-water mark forward only (one conditional statement: concurrent callers cannot move it back). */
export async function advanceHighWaterMark(db: Db, now: Date): Promise<void> {
  const iso = now.toISOString();
  await t(db).updateTable('sh_grace').set({ high_water_mark: iso }).where('id', '=', 1).where('high_water_mark', '<', iso).execute();
}

// ---------------------------------------------------------------------------------------------- configuration

export async function readLayers(db: Db): Promise<Partial<Record<ConfigLayer, LayerSettings & { updatedAt: string }>>> {
  const rows = await t(db).selectFrom('sh_config').selectAll().execute();
  const out: Partial<Record<ConfigLayer, LayerSettings & { updatedAt: string }>> = {};
  for (const row of rows) {
    const settings: LayerSettings & { updatedAt: string } = { updatedAt: row.updated_at };
    if (row.mode !== null) settings.mode = row.mode as LicensingMode;
    const servers = fromJson<string[]>(row.license_servers);
    if (servers !== undefined) settings.licenseServers = servers;
    out[row.layer as ConfigLayer] = settings;
  }
  return out;
}

/** Replaces what one layer says (a field left undefined is cleared: the layer no longer sets it). */
export async function writeLayer(db: Db, layer: ConfigLayer, settings: LayerSettings, now: Date): Promise<void> {
  const values = {
    layer,
    mode: settings.mode ?? null,
    license_servers: settings.licenseServers === undefined ? null : toJson(settings.licenseServers),
    updated_at: now.toISOString(),
  };
  await t(db)
    .insertInto('sh_config')
    .values(values)
    .onConflict((oc) => oc.column('layer').doUpdateSet({ mode: values.mode, license_servers: values.license_servers, updated_at: values.updated_at }))
    .execute();
}

// ---------------------------------------------------------------------------------------------- enrolments

export interface Enrolment {
  licenseServerUrl: string;
  /** `sha256:` + hex of the ls:host token the license server gave (never the token itself). */
  tokenHash: string;
  hostName: string;
  enrolledAt: string;
  /** the host ID this host enrolled with (absent: enrolled before hosts had keys; enrol again). */
  hostId?: string;
  /** the organization the license server registered this host with */
  orgId?: string;
}

/** What sh.db keeps of a host credential: its hash, so a copy of the database holds no usable token. */
export function hashHostToken(token: string): string {
  return 'sha256:' + createHash('sha256').update(token, 'utf8').digest('hex');
}

export async function saveEnrolment(db: Db, e: Enrolment): Promise<void> {
  const values = {
    license_server_url: e.licenseServerUrl,
    token: e.tokenHash,
    host_name: e.hostName,
    enrolled_at: e.enrolledAt,
    host_id: e.hostId ?? null,
    org_id: e.orgId ?? null,
  };
  await t(db)
    .insertInto('sh_enrolments')
    .values(values)
    .onConflict((oc) =>
      oc.column('license_server_url').doUpdateSet({ token: values.token, host_name: values.host_name, enrolled_at: values.enrolled_at, host_id: values.host_id, org_id: values.org_id }),
    )
    .execute();
}

export async function listEnrolments(db: Db): Promise<Enrolment[]> {
  const rows = await t(db).selectFrom('sh_enrolments').selectAll().orderBy('license_server_url').execute();
  return rows.map((r) => ({
    licenseServerUrl: r.license_server_url,
    tokenHash: r.token,
    hostName: r.host_name,
    enrolledAt: r.enrolled_at,
    ...(r.host_id !== null ? { hostId: r.host_id } : {}),
    ...(r.org_id !== null ? { orgId: r.org_id } : {}),
  }));
}

/** Replaces tokens an older version kept in plaintext by their hash; answers how many it replaced. */
export async function hashPlaintextTokens(db: Db): Promise<number> {
  const rows = await t(db).selectFrom('sh_enrolments').select(['license_server_url', 'token']).where('token', 'not like', 'sha256:%').execute();
  for (const r of rows) {
    await t(db).updateTable('sh_enrolments').set({ token: hashHostToken(r.token) }).where('license_server_url', '=', r.license_server_url).where('token', '=', r.token).execute();
  }
  return rows.length;
}

// ---------------------------------------------------------------------------------------------- identities

export interface ServerIdentity {
  licenseServerUrl: string;
  serverId: string;
  publicKey: string;
  version?: number;
  certificate?: string;
  fetchedAt: string;
  /** the identity this one replaced behind the same URL, and when (the host followed a reinstall). */
  previousServerId?: string;
  changedAt?: string;
  /** a new identity seen behind the URL that this host did not follow, and why. */
  held?: { serverId: string; reason: string; at: string };
}

/**
 * Saves the identity behind a URL. `previousServerId` records a followed change; a save that keeps the same
 * server ID keeps the change it already recorded, and clears a held identity (the known server answers again).
 */
export async function saveIdentity(db: Db, i: ServerIdentity): Promise<void> {
  const values = {
    license_server_url: i.licenseServerUrl,
    server_id: i.serverId,
    public_key: i.publicKey,
    version: i.version ?? null,
    certificate: i.certificate ?? null,
    fetched_at: i.fetchedAt,
    previous_server_id: i.previousServerId ?? null,
    changed_at: i.changedAt ?? null,
    held_server_id: null,
    held_reason: null,
  };
  const followed = i.previousServerId !== undefined ? { previous_server_id: values.previous_server_id, changed_at: values.changed_at } : {};
  await t(db)
    .insertInto('sh_server_identities')
    .values(values)
    .onConflict((oc) =>
      oc.column('license_server_url').doUpdateSet({
        server_id: values.server_id,
        public_key: values.public_key,
        version: values.version,
        certificate: values.certificate,
        fetched_at: values.fetched_at,
        held_server_id: null,
        held_reason: null,
        ...followed,
      }),
    )
    .execute();
}

/** Records a new identity behind a known URL that this host does not follow (the known identity stays). */
export async function holdIdentity(db: Db, licenseServerUrl: string, held: { serverId: string; reason: string; at: string }): Promise<void> {
  await t(db)
    .updateTable('sh_server_identities')
    .set({ held_server_id: held.serverId, held_reason: held.reason, changed_at: held.at })
    .where('license_server_url', '=', licenseServerUrl)
    .execute();
}

export async function listIdentities(db: Db): Promise<ServerIdentity[]> {
  const rows = await t(db).selectFrom('sh_server_identities').selectAll().execute();
  return rows.map((r) => {
    const out: ServerIdentity = { licenseServerUrl: r.license_server_url, serverId: r.server_id, publicKey: r.public_key, fetchedAt: r.fetched_at };
    if (r.version !== null) out.version = toNumber(r.version);
    if (r.certificate !== null) out.certificate = r.certificate;
    if (r.previous_server_id !== null) out.previousServerId = r.previous_server_id;
    if (r.changed_at !== null) out.changedAt = r.changed_at;
    if (r.held_server_id !== null) out.held = { serverId: r.held_server_id, reason: r.held_reason ?? '', at: r.changed_at ?? r.fetched_at };
    return out;
  });
}

// ---------------------------------------------------------------------------------------------- trust

export interface TrustState {
  anchor?: string;
  fingerprint?: string;
  anchorSource?: string;
  anchorFetchedAt?: string;
  revocations?: string;
  revocationsSeq?: number;
  revocationsFetchedAt?: string;
}

export async function readTrust(db: Db): Promise<TrustState> {
  const r = await t(db).selectFrom('sh_trust').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!r) return {};
  const out: TrustState = {};
  if (r.anchor !== null) out.anchor = r.anchor;
  if (r.fingerprint !== null) out.fingerprint = r.fingerprint;
  if (r.anchor_source !== null) out.anchorSource = r.anchor_source;
  if (r.anchor_fetched_at !== null) out.anchorFetchedAt = r.anchor_fetched_at;
  if (r.revocations !== null) out.revocations = r.revocations;
  if (r.revocations_seq !== null) out.revocationsSeq = toNumber(r.revocations_seq);
  if (r.revocations_fetched_at !== null) out.revocationsFetchedAt = r.revocations_fetched_at;
  return out;
}

async function ensureTrustRow(db: Db): Promise<void> {
  await t(db).insertInto('sh_trust').values({ id: 1 } as never).onConflict((oc) => oc.column('id').doNothing()).execute();
}

export async function saveAnchor(db: Db, anchor: string, fingerprint: string, source: string, at: Date): Promise<void> {
  await ensureTrustRow(db);
  await t(db)
    .updateTable('sh_trust')
    .set({ anchor, fingerprint, anchor_source: source, anchor_fetched_at: at.toISOString() })
    .where('id', '=', 1)
    .execute();
}

/** Stores a revocation list unless an equal or newer one is held (a verifier never goes back to an older list). */
export async function saveRevocations(db: Db, list: string, seq: number, at: Date): Promise<boolean> {
  await ensureTrustRow(db);
  const result = await t(db)
    .updateTable('sh_trust')
    .set({ revocations: list, revocations_seq: seq, revocations_fetched_at: at.toISOString() })
    .where('id', '=', 1)
    .where((eb) => eb.or([eb('revocations_seq', 'is', null), eb('revocations_seq', '<', seq)]))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    await t(db).updateTable('sh_trust').set({ revocations_fetched_at: at.toISOString() }).where('id', '=', 1).execute();
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------- admissions

export type { AdmissionRecord } from '../core/wire/session-host';

/** Whether this device (name and hardware ID) was ever admitted here: the new-device limit spares known devices. */
export async function wasAdmitted(db: Db, device: string, hwid: string): Promise<boolean> {
  const row = await t(db)
    .selectFrom('sh_admissions')
    .select('id')
    .where('device', '=', device)
    .where('hwid', '=', hwid)
    .where('admitted', '=', 1)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertAdmission(db: Db, a: AdmissionRecord): Promise<number> {
  const row = await t(db)
    .insertInto('sh_admissions')
    .values({
      at: a.at,
      device: a.device,
      hwid: a.hwid,
      user_name: a.user ?? null,
      admitted: toBool(a.admitted),
      basis: a.basis ?? null,
      code: a.code ?? null,
      message: a.message ?? null,
      cal_kind: a.calKind ?? null,
      cal_version: a.calVersion ?? null,
      license_server_id: a.licenseServerId ?? null,
      license_server_url: a.licenseServerUrl ?? null,
      jti: a.jti ?? null,
      expires_at: a.expiresAt ?? null,
    } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return toNumber(row.id);
}

/** What the paged list of admissions filters by (GET /sh/v1/admissions). */
export interface AdmissionListFilter {
  /** a device name or hardware ID. */
  device?: string;
  user?: string;
  /** admitted (on a CAL or in the grace period), cal (on a CAL), grace, or refused. */
  outcome?: AdmissionOutcome;
  /** at or after / before these times (ISO-8601). */
  since?: string;
  until?: string;
}

function admissionsFiltered(db: Db, f: AdmissionListFilter) {
  let q = t(db).selectFrom('sh_admissions').selectAll();
  if (f.outcome === 'admitted') q = q.where('admitted', '=', 1);
  if (f.outcome === 'refused') q = q.where('admitted', '=', 0);
  if (f.outcome === 'grace') q = q.where('admitted', '=', 1).where('basis', '=', 'grace');
  if (f.outcome === 'cal') q = q.where('admitted', '=', 1).where((eb) => eb.or([eb('basis', 'is', null), eb('basis', '<>', 'grace')]));
  if (f.device) q = q.where((eb) => eb.or([eb('device', '=', f.device!), eb('hwid', '=', f.device!)]));
  if (f.user) q = q.where('user_name', '=', f.user);
  if (f.since) q = q.where('at', '>=', f.since);
  if (f.until) q = q.where('at', '<', f.until);
  return q;
}

function admissionFromRow(r: AdmissionsTable): AdmissionRecord {
  const out: AdmissionRecord = { id: toNumber(r.id), at: r.at, device: r.device, hwid: r.hwid, admitted: fromBool(r.admitted) };
  if (r.user_name !== null) out.user = r.user_name;
  if (r.basis !== null) out.basis = r.basis as AdmissionBasis;
  if (r.code !== null) out.code = r.code;
  if (r.message !== null) out.message = r.message;
  if (r.cal_kind !== null) out.calKind = r.cal_kind as CalKind;
  if (r.cal_version !== null) out.calVersion = toNumber(r.cal_version);
  if (r.license_server_id !== null) out.licenseServerId = r.license_server_id;
  if (r.license_server_url !== null) out.licenseServerUrl = r.license_server_url;
  if (r.jti !== null) out.jti = r.jti;
  if (r.expires_at !== null) out.expiresAt = r.expires_at;
  return out;
}

/** The latest admissions, newest first (the use cases' and tests' short read; the route pages with readAdmissions). */
export async function listAdmissions(db: Db, filter: AdmissionListFilter & { limit?: number } = {}): Promise<AdmissionRecord[]> {
  const rows = await admissionsFiltered(db, filter)
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(filter.limit ?? 50, 1), 1000))
    .execute();
  return rows.map(admissionFromRow);
}

/** The sort column of the admissions list: an admission without a user sorts as '' (first), so a cursor can name it. */
const ADMISSION_COLUMNS = { at: 'at', device: 'device', user: sql<string>`coalesce(user_name, '')` } as const;

export async function readAdmissions(db: Db, f: AdmissionListFilter, page: { sort: ListSort<AdmissionSortKey>; limit: number; after?: ListCursor<AdmissionSortKey> }): Promise<AdmissionRecord[]> {
  const { sort, limit, after } = page;
  const rows = await keyset(admissionsFiltered(db, f), { column: ADMISSION_COLUMNS[sort.key], id: 'id', descending: sort.descending, limit, ...(after ? { after } : {}) }).execute();
  return rows.map(admissionFromRow);
}

export async function countAdmissions(db: Db, f: AdmissionListFilter): Promise<number> {
  return toNumber((await admissionsFiltered(db, f).clearSelect().select(sql<number>`count(*)`.as('n')).executeTakeFirst())?.n);
}
