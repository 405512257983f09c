/**
 * Retention: what each database keeps of what only grows — the event log, the session host's admissions, the
 * license server's ended issued licenses, the clearinghouse's used nonces — pruned by age and by count, in small
 * batches (docs/retention.md). A batch is one short DELETE of at most `batch` rows chosen by primary key, so a
 * writer (a CAL request) never waits behind a long purge; the pruning timer (compose/pruning.ts) runs batches one
 * after the other, giving the event loop back between them.
 *
 * Only rows that no rule depends on are pruned: a live issued license (status `active`) holds a seat or is the
 * device's current CAL and is never pruned; a nonce is kept at least twice the signed-request window, so a replay
 * is still refused while its `iat` would be accepted.
 */
import { sql, type Kysely } from 'kysely';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How much of something a database keeps. */
export interface Keep {
  /** rows older than this many days are pruned */
  days: number;
  /** beyond this many rows the oldest are pruned (undefined: no limit by count) */
  maxRows?: number;
}

/** A kind of row that retention prunes. */
export interface RetentionRule {
  /** a name for reports: events, admissions, issued licenses, nonces */
  readonly name: string;
  readonly table: string;
  readonly key: string;
  /** the ISO-8601 timestamp column the age is counted from */
  readonly at: string;
  readonly keep: Keep;
  /** only rows matching this may be pruned */
  readonly prunable?: ReturnType<typeof sql<boolean>>;
}

/** The event log of a component's database (`events`): every component has one. */
export const eventsRule = (keep: Keep): RetentionRule => ({ name: 'events', table: 'events', key: 'id', at: 'at', keep });

/** The session host's admission log (`sh_admissions`). */
export const admissionsRule = (keep: Keep): RetentionRule => ({ name: 'admissions', table: 'sh_admissions', key: 'id', at: 'at', keep });

/**
 * The license server's issued licenses that ended (expired, upgraded, revoked, removed), counted from their expiry.
 * Never by count: an issued license is a record of what a device was given.
 */
export const endedIssuedLicensesRule = (days: number): RetentionRule => ({
  name: 'issued licenses',
  table: 'ls_issued_licenses',
  key: 'id',
  at: 'expires_at',
  keep: { days },
  prunable: sql<boolean>`status <> 'active'`,
});

/** The clearinghouse's used nonces: kept at least twice the signed-request window (a replay stays refused). */
export const noncesRule = (windowSeconds: number): RetentionRule => ({
  name: 'nonces',
  table: 'ch_nonces',
  key: 'nonce',
  at: 'seen_at',
  keep: { days: Math.max(1, (2 * windowSeconds * 1000) / DAY_MS) },
});

/**
 * Deletes at most `batch` rows of `rule` that are too old, else (when there are none) at most `batch` of the
 * oldest beyond its count limit. Answers how many rows were deleted.
 */
export async function pruneBatch(db: Kysely<any>, rule: RetentionRule, now: Date, batch: number): Promise<number> {
  const cutoff = new Date(now.getTime() - rule.keep.days * DAY_MS).toISOString();
  const table = sql.table(rule.table);
  const key = sql.ref(rule.key);
  const at = sql.ref(rule.at);
  const prunable = rule.prunable ?? sql<boolean>`1 = 1`;
  const limit = Math.max(1, Math.floor(batch));
  const byAge = await sql`delete from ${table} where ${key} in (
      select ${key} from ${table} where ${at} < ${cutoff} and ${prunable} order by ${at} limit ${limit})`.execute(db);
  const deleted = Number(byAge.numAffectedRows ?? 0n);
  if (deleted > 0 || rule.keep.maxRows === undefined) return deleted;
  const byCount = await sql`delete from ${table} where ${key} in (
      select ${key} from ${table} where ${prunable} order by ${at} desc, ${key} desc limit ${limit} offset ${Math.max(0, Math.floor(rule.keep.maxRows))})`.execute(db);
  return Number(byCount.numAffectedRows ?? 0n);
}
