import { describe, expect, it } from 'vitest';
import { dayNumber, isCodeExpired, provisionalDeadline, provisionalState } from '../../../src/core/codes/index';

const NOW = new Date('2026-06-15T12:00:00Z');
const DAY = 86_400_000;

describe('provisionalState: signed, provisional until the deadline, lapsed from it', () => {
  it.each([
    ['signed, deadline long past', true, -100 * DAY, 'signed'],
    ['not signed, deadline ahead', false, DAY, 'provisional'],
    ['not signed, one millisecond before the deadline', false, 1, 'provisional'],
    ['not signed, at the deadline', false, 0, 'lapsed'],
    ['not signed, deadline past', false, -DAY, 'lapsed'],
  ] as const)('%s → %s', (_label, signed, offset, expected) => {
    expect(provisionalState({ signed, deadline: new Date(NOW.getTime() + offset) }, NOW)).toBe(expected);
  });

  it('the deadline is the window in days after the activation or install', () => {
    expect(provisionalDeadline(NOW, 14).toISOString()).toBe('2026-06-29T12:00:00.000Z');
  });
});

describe('isCodeExpired: a migration code lives maxAgeDays after the day it carries', () => {
  const today = dayNumber(NOW);
  it.each([
    ['made today', today, 30, false],
    ['made 30 days ago', today - 30, 30, false],
    ['made 31 days ago', today - 31, 30, true],
    ['dated 2020', 10, 30, true],
    ['dated tomorrow', today + 1, 30, false],
    ['made 45 days ago, 60-day lifetime', today - 45, 60, false],
  ] as const)('%s (lifetime %s days) → expired: %s', (_label, day, maxAgeDays, expected) => {
    expect(isCodeExpired(day, NOW, maxAgeDays)).toBe(expected);
  });
});
