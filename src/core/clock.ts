/**
 * Time is an input everywhere (DESIGN §5). Core rules take `now` as a value;
 * shells receive a Clock. The system clock lives in src/platform/system-clock.ts;
 * the manual clock is only ever built by tests and by `opencal serve --demo`.
 */
export interface Clock {
  now(): Date;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** A clock that moves only when told to: demo mode and tests. */
export class ManualClock implements Clock {
  #ms: number;
  constructor(start: Date) {
    this.#ms = start.getTime();
  }
  now(): Date {
    return new Date(this.#ms);
  }
  advance(ms: number): Date {
    this.#ms += ms;
    return this.now();
  }
  set(to: Date): void {
    this.#ms = to.getTime();
  }
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** Parses a duration such as `91d`, `12h`, `30m`, `45s`, `2w`. Returns milliseconds or undefined. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(w|d|h|m|s)\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  const factor = unit === 'w' ? 7 * DAY_MS : unit === 'd' ? DAY_MS : unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : 1000;
  return Math.round(n * factor);
}
