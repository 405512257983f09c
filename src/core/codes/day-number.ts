/** Dates in codes are day numbers: whole days since 2020-01-01 UTC (16 bits reach the year 2199). */
const EPOCH_MS = Date.UTC(2020, 0, 1);
const DAY_MS = 24 * 60 * 60 * 1000;

export function dayNumber(date: Date): number {
  return Math.floor((date.getTime() - EPOCH_MS) / DAY_MS);
}

/** Midnight UTC at the start of day `n`. */
export function dateFromDayNumber(n: number): Date {
  return new Date(EPOCH_MS + n * DAY_MS);
}
