/**
 * How long what a code creates or asks for lives (docs/codes.md, "What a code proves").
 *
 * A code's MAC key is derivable by the license server it binds (X25519 between its key and the clearinghouse's),
 * so an activation or a key pack made from a typed code proves only that the code was made for this server — not
 * that the clearinghouse made it. What it creates is *provisional*: honoured for a bounded window, until the signed
 * certificate or grant arrives (check-in or an imported file). Migration codes are dated and expire.
 */
import { dayNumber } from './day-number';

/** The clearinghouse's default provisional window, days (its configuration; published in its trust anchor). */
export const DEFAULT_PROVISIONAL_WINDOW_DAYS = 14;

/** How many days a migration code is accepted after the day it was made (clearinghouse configuration). */
export const DEFAULT_MIGRATION_CODE_DAYS = 30;

const DAY_MS = 86_400_000;

/**
 * - `signed`: the signed certificate or grant is held;
 * - `provisional`: created from a typed code, inside its window;
 * - `lapsed`: created from a typed code, the window is over and no signed document arrived: it stops counting.
 */
export type ProvisionalState = 'signed' | 'provisional' | 'lapsed';

/** The end of the window of something created from a typed code at `from`. */
export function provisionalDeadline(from: Date, windowDays: number): Date {
  return new Date(from.getTime() + windowDays * DAY_MS);
}

/** The state of an activation or a key pack: signed, or provisional until `deadline` (lapsed from then on). */
export function provisionalState(fact: { signed: boolean; deadline: Date }, now: Date): ProvisionalState {
  if (fact.signed) return 'signed';
  return now.getTime() < fact.deadline.getTime() ? 'provisional' : 'lapsed';
}

/** Whole days between the day a code was made and `now` (negative for a code dated later than today). */
export function codeAgeDays(codeDay: number, now: Date): number {
  return dayNumber(now) - codeDay;
}

/** A migration code older than `maxAgeDays` days is refused (CODE_EXPIRED) before any case is opened. */
export function isCodeExpired(codeDay: number, now: Date, maxAgeDays: number): boolean {
  return codeAgeDays(codeDay, now) > maxAgeDays;
}
