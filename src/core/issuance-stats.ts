/**
 * Issuance over time (the license manager's dashboard, `GET /ls/v1/stats/issuance`): the window a range covers and
 * its buckets. Buckets are UTC hours (24 h) or UTC days (30 d), the current one included, so that the last bar
 * grows as the hour or day goes on. A bucket is named by the start of an ISO-8601 timestamp (`2026-01-31T12` for
 * an hour, `2026-01-31` for a day): the database groups stored timestamps by that prefix, and nothing else has to
 * agree on a time zone.
 */

export const STATS_RANGES = ['24h', '30d'] as const;
export type StatsRange = (typeof STATS_RANGES)[number];
export type StatsUnit = 'hour' | 'day';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The window of a range: [from, to), its bucket unit, and the length of the bucket key in an ISO timestamp. */
export interface StatsWindow {
  range: StatsRange;
  unit: StatsUnit;
  from: Date;
  to: Date;
  /** how many leading characters of an ISO-8601 timestamp name its bucket: 13 (hour) or 10 (day). */
  keyLength: 13 | 10;
  /** the start of each bucket, oldest first. */
  starts: Date[];
}

export function statsWindow(range: StatsRange, now: Date): StatsWindow {
  const unit: StatsUnit = range === '24h' ? 'hour' : 'day';
  const step = unit === 'hour' ? HOUR : DAY;
  const count = unit === 'hour' ? 24 : 30;
  const to = new Date(Math.floor(now.getTime() / step) * step + step);
  const from = new Date(to.getTime() - count * step);
  return { range, unit, from, to, keyLength: unit === 'hour' ? 13 : 10, starts: Array.from({ length: count }, (_, i) => new Date(from.getTime() + i * step)) };
}

export function bucketKey(window: Pick<StatsWindow, 'keyLength'>, at: Date): string {
  return at.toISOString().slice(0, window.keyLength);
}

export interface IssuanceBucket {
  start: Date;
  temporary: number;
  permanent: number;
  user: number;
  refused: number;
}

/** Counts per bucket key as the database grouped them. */
export interface BucketCounts {
  issued: readonly { key: string; kind: 'temporary' | 'permanent' | 'user'; n: number }[];
  refused: readonly { key: string; n: number }[];
}

/** Every bucket of the window, in order, with zeros where nothing happened. */
export function fillBuckets(window: StatsWindow, counts: BucketCounts): IssuanceBucket[] {
  const byKey = new Map(window.starts.map((start) => [bucketKey(window, start), { start, temporary: 0, permanent: 0, user: 0, refused: 0 }]));
  for (const row of counts.issued) {
    const b = byKey.get(row.key);
    if (b) b[row.kind] += row.n;
  }
  for (const row of counts.refused) {
    const b = byKey.get(row.key);
    if (b) b.refused += row.n;
  }
  return [...byKey.values()];
}
