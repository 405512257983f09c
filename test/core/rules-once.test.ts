/**
 * The rules that the license server, the session host, the CLI, the console and the diagnoser share, each one
 * function of src/core: renewal window, version acceptance, grace start, the revoke budget with its inputs,
 * licensing modes and the code alphabet.
 */
import { describe, expect, it } from 'vitest';
import { addDays, DAY_MS } from '../../src/core/clock';
import { firstCharacterNotInAlphabet } from '../../src/core/codes/index';
import { isInRenewalWindow, isVersionAcceptedByHost, revokeBudgetOf, revokeBudgets, type RevokeBudgetFacts } from '../../src/core/license-server-rules';
import { graceDaysLeft, needsRenewal, shouldAskLicenseServers } from '../../src/core/session-host-rules';
import { isLicensingMode, LICENSING_MODE_NAMES, LICENSING_MODES, type CalVersion } from '../../src/core/vocabulary';

const now = new Date('2025-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(now.getTime() + ms);

describe('renewal window: a CAL expiring within 7 days is renewed, an expired one is not (license server and session host alike)', () => {
  const table: [string, number, boolean][] = [
    ['7 days and 1 ms left', 7 * DAY_MS + 1, false],
    ['exactly 7 days left', 7 * DAY_MS, true],
    ['1 ms left', 1, true],
    ['expiring now', 0, false],
    ['expired a day ago', -DAY_MS, false],
  ];
  it.each(table)('%s -> %s', (_label, left, renew) => {
    expect(isInRenewalWindow(at(left), now)).toBe(renew);
    // The session host reads the expiry from a token's `exp` (seconds); whole seconds here.
    if (left % 1000 === 0) expect(needsRenewal({ exp: at(left).getTime() / 1000 }, now)).toBe(renew);
  });

  it('a session host holding a permanent CAL 3 days from expiry asks its license servers; 30 days from expiry it does not', () => {
    const facts = (days: number) => ({
      mode: 'per-device' as const,
      directory: 'domain' as const,
      licenseServers: ['http://ls'],
      badToken: undefined,
      honoured: {
        typ: 'opencal.cal' as const, iss: 'LS', jti: 'cal_1', kind: 'permanent' as const, calType: 'device' as const, calVersion: 2019 as const,
        device: 'PC', hwid: 'hw', iat: Math.floor(now.getTime() / 1000) - 60, exp: Math.floor(addDays(now, days).getTime() / 1000),
      },
    });
    expect(shouldAskLicenseServers(facts(3), now)).toBe(true);
    expect(shouldAskLicenseServers(facts(30), now)).toBe(false);
  });
});

describe('versions: a session host accepts CALs of its own version or newer', () => {
  const table: [CalVersion, CalVersion, boolean][] = [
    [2019, 2019, true],
    [2019, 2022, true],
    [2019, 2016, false],
    [2025, 2022, false],
    [2012, 2025, true],
  ];
  it.each(table)('host %i, CAL %i -> %s', (host, cal, accepted) => {
    expect(isVersionAcceptedByHost(host, cal)).toBe(accepted);
  });
});

describe('grace: 120 days from the first start, which the status reports', () => {
  const first = new Date('2025-01-01T00:00:00.000Z');
  const table: [string, Date, number][] = [
    ['at the first start', first, 120],
    ['a day later', addDays(first, 1), 119],
    ['119.5 days later', new Date(first.getTime() + 119.5 * DAY_MS), 1],
    ['120 days later', addDays(first, 120), 0],
  ];
  it.each(table)('%s -> %i days left, started at the first start', (_label, when, left) => {
    const grace = graceDaysLeft(first, undefined, when);
    expect(grace.daysLeft).toBe(left);
    expect(grace.firstStart).toEqual(first);
    expect(grace.endsAt).toEqual(addDays(first, 120));
  });
});

describe('revoke budget with its inputs: installed per-device CALs of active packs, revoked CALs until they would have expired', () => {
  const pack = (calVersion: CalVersion, total: number, calType: 'device' | 'user' = 'device', status = 'active') => ({ calVersion, total, calType, status });
  const revoked = (calVersion: CalVersion, days: number) => ({ calVersion, expiresAt: addDays(now, days) });
  const table: [string, RevokeBudgetFacts, CalVersion, { installed: number; revokedLive: number; limit: number; remaining: number; next?: number }][] = [
    ['nothing installed: one revoke allowed', { keyPacks: [], revoked: [] }, 2019, { installed: 0, revokedLive: 0, limit: 1, remaining: 1 }],
    ['10 installed, none revoked', { keyPacks: [pack(2019, 10)], revoked: [] }, 2019, { installed: 10, revokedLive: 0, limit: 2, remaining: 2 }],
    [
      '10 installed in two packs, two revoked: none left, next when the first would expire',
      { keyPacks: [pack(2019, 4), pack(2019, 6)], revoked: [revoked(2019, 30), revoked(2019, 12)] },
      2019,
      { installed: 10, revokedLive: 2, limit: 2, remaining: 0, next: 12 },
    ],
    [
      'a revoked CAL past its expiry no longer counts',
      { keyPacks: [pack(2019, 10)], revoked: [revoked(2019, -1), revoked(2019, 5)] },
      2019,
      { installed: 10, revokedLive: 1, limit: 2, remaining: 1, next: 5 },
    ],
    [
      'other versions, per-user and invalidated packs are not counted',
      { keyPacks: [pack(2019, 10), pack(2022, 50), pack(2019, 50, 'user'), pack(2019, 50, 'device', 'invalidated')], revoked: [revoked(2022, 9)] },
      2019,
      { installed: 10, revokedLive: 0, limit: 2, remaining: 2 },
    ],
  ];
  it.each(table)('%s', (_label, facts, version, want) => {
    const budget = revokeBudgetOf(facts, version, now);
    expect(budget).toMatchObject({ calVersion: version, installed: want.installed, revokedLive: want.revokedLive, limit: want.limit, remaining: want.remaining });
    expect(budget.nextRevokeAllowedOn).toEqual(want.next === undefined ? undefined : addDays(now, want.next));
  });

  it('lists one budget per version with active per-device packs, oldest first', () => {
    const facts = { keyPacks: [pack(2022, 5), pack(2016, 10), pack(2019, 3, 'user')], revoked: [] };
    expect(revokeBudgets(facts, now).map((b) => [b.calVersion, b.installed, b.limit])).toEqual([
      [2016, 10, 2],
      [2022, 5, 1],
    ]);
  });
});

describe('licensing modes: per device (2), per user (4), not configured (5)', () => {
  const table: [unknown, boolean][] = [
    ['per-device', true],
    ['per-user', true],
    ['not-configured', true],
    ['Per-Device', false],
    ['toString', false],
    [2, false],
    [undefined, false],
  ];
  it.each(table)('%j is a licensing mode -> %s', (value, known) => {
    expect(isLicensingMode(value)).toBe(known);
  });
  it('the names are the registry values in order', () => {
    expect(LICENSING_MODE_NAMES.map((m) => LICENSING_MODES[m])).toEqual([2, 4, 5]);
  });
});

describe('code alphabet: the first character codes never use, with its group', () => {
  const table: [string, { character: string; group: number; position: number } | undefined][] = [
    ['BCDFG-HJKMP', undefined],
    ['bcdfg-hjkmp', undefined],
    ['BCDFG-HJKMO', { character: 'O', group: 2, position: 10 }],
    ['A', { character: 'A', group: 1, position: 1 }],
    ['BCDF0', { character: '0', group: 1, position: 5 }],
    ['BCDFG BCDFG BCD5', { character: '5', group: 3, position: 14 }],
    ['', undefined],
  ];
  it.each(table)('%j -> %j', (input, bad) => {
    expect(firstCharacterNotInAlphabet(input)).toEqual(bad);
  });
});
