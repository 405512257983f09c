import { describe, expect, it } from 'vitest';
import {
  chooseKeyPack,
  decideDeviceCal,
  fallbackOnNoSeat,
  isInRenewalWindow,
  isVersionHostable,
  nextRevokeAllowedOn,
  permanentLifetimeDays,
  perUserOverAllocation,
  revokeBudget,
  type KeyPackCandidate,
} from '../../src/core/license-server-rules';
import { addDays } from '../../src/core/clock';
import type { CalVersion, ServerVersion } from '../../src/core/vocabulary';

const now = new Date('2025-03-01T12:00:00Z');

describe('version hosting: a license server hosts CALs of its own version or older', () => {
  const table: [ServerVersion, CalVersion, boolean][] = [
    [2019, 2019, true],
    [2019, 2016, true],
    [2019, 2012, true],
    [2019, 2022, false],
    [2022, 2025, false],
    [2025, 2016, true],
    [2012, 2016, false],
  ];
  it.each(table)('server %i, CAL %i -> %s', (server, cal, hostable) => {
    expect(isVersionHostable(server, cal)).toBe(hostable);
  });
});

describe('permanent lifetime is a random 52–89 days', () => {
  it('maps bytes onto every day of the range and nothing outside it', () => {
    const seen = new Set<number>();
    for (let b = 0; b < 228; b++) seen.add(permanentLifetimeDays(() => new Uint8Array([b])));
    expect(Math.min(...seen)).toBe(52);
    expect(Math.max(...seen)).toBe(89);
    expect(seen.size).toBe(38);
  });
  it('skips bytes that would bias the draw', () => {
    expect(permanentLifetimeDays(() => new Uint8Array([250, 251, 3]))).toBe(55);
  });
});

describe('renewal window: a CAL presented within 7 days of its expiry is renewed', () => {
  const table: [string, number, boolean][] = [
    ['8 days left', 8, false],
    ['7 days left', 7, true],
    ['1 day left', 1, true],
    ['expired', -1, false],
  ];
  it.each(table)('%s -> %s', (_label, days, inWindow) => {
    expect(isInRenewalWindow(addDays(now, days), now)).toBe(inWindow);
  });
});

describe('20 % revoke rule', () => {
  const table: [number, number, number, number][] = [
    // installed, revoked live, limit, remaining
    [10, 0, 2, 2],
    [10, 2, 2, 0],
    [4, 0, 1, 1],
    [4, 1, 1, 0],
    [0, 0, 1, 1],
    [100, 19, 20, 1],
    [100, 25, 20, 0],
  ];
  it.each(table)('%i installed, %i revoked -> limit %i, %i left', (installed, revoked, limit, remaining) => {
    expect(revokeBudget(installed, revoked)).toEqual({ limit, remaining });
  });
  it('the next revoke is allowed when the earliest revoked CAL would have expired', () => {
    const later = addDays(now, 40);
    const sooner = addDays(now, 12);
    expect(nextRevokeAllowedOn([later, sooner, addDays(now, -3)], now)).toEqual(sooner);
    expect(nextRevokeAllowedOn([], now)).toBeUndefined();
  });
});

describe('upgrade: the most appropriate version first, a newer one unless prevent-upgrade', () => {
  const pack = (id: string, calVersion: CalVersion, total: number, issued = 0, calType: 'device' | 'user' = 'device'): KeyPackCandidate => ({
    id, calType, calVersion, total, issued, status: 'active',
  });
  const packs = [pack('a', 2022, 5), pack('b', 2019, 5), pack('c', 2016, 5), pack('u', 2019, 5, 0, 'user')];
  it('a 2019 host gets a 2019 device CAL first, then 2022', () => {
    expect(chooseKeyPack(packs, { calType: 'device', hostVersion: 2019, serverVersion: 2022, preventUpgrade: false }).map((p) => p.id)).toEqual(['b', 'a']);
  });
  it('with prevent-upgrade only the exact version is offered', () => {
    expect(chooseKeyPack(packs, { calType: 'device', hostVersion: 2019, serverVersion: 2022, preventUpgrade: true }).map((p) => p.id)).toEqual(['b']);
  });
  it('when the exact version is used up, the newer one is the upgrade', () => {
    const full = [pack('a', 2022, 5), pack('b', 2019, 5, 5)];
    expect(chooseKeyPack(full, { calType: 'device', hostVersion: 2019, serverVersion: 2022, preventUpgrade: false }).map((p) => p.id)).toEqual(['a']);
    expect(chooseKeyPack(full, { calType: 'device', hostVersion: 2019, serverVersion: 2022, preventUpgrade: true })).toEqual([]);
  });
  it('never a version the server cannot host, nor an invalidated pack', () => {
    const mixed = [pack('a', 2025, 5), { ...pack('b', 2019, 5), status: 'invalidated' as const }];
    expect(chooseKeyPack(mixed, { calType: 'device', hostVersion: 2019, serverVersion: 2022, preventUpgrade: false })).toEqual([]);
  });
});

describe('temporary then permanent', () => {
  const temp = (days: number, validated: boolean) => ({ kind: 'temporary' as const, validated, calVersion: 2019 as const, expiresAt: addDays(now, days), packActive: true });
  const perm = (days: number, calVersion: CalVersion = 2019, packActive = true) => ({ kind: 'permanent' as const, validated: true, calVersion, expiresAt: addDays(now, days), packActive });
  const base = { activated: true, hostVersion: 2019 as const, now };
  it('first connection gets a temporary CAL', () => {
    expect(decideDeviceCal(base)).toEqual({ action: 'temporary' });
  });
  it('a temporary CAL not yet validated by a logon is kept', () => {
    expect(decideDeviceCal({ ...base, temporary: temp(80, false) })).toEqual({ action: 'keep', holding: 'temporary' });
  });
  it('after a validated logon the next connection asks for a permanent CAL', () => {
    expect(decideDeviceCal({ ...base, temporary: temp(80, true) })).toEqual({ action: 'permanent', reason: 'validated' });
  });
  it('an unactivated server keeps the temporary CAL and refuses once it expired', () => {
    expect(decideDeviceCal({ ...base, activated: false, temporary: temp(80, true) })).toEqual({ action: 'keep', holding: 'temporary' });
    expect(decideDeviceCal({ ...base, activated: false, temporary: temp(-1, true) })).toEqual({ action: 'refuse', code: 'LICENSE_SERVER_NOT_ACTIVATED' });
  });
  it('a permanent CAL is kept, renewed within 7 days of expiry, upgraded for a newer host', () => {
    expect(decideDeviceCal({ ...base, permanent: perm(30) })).toEqual({ action: 'keep', holding: 'permanent' });
    expect(decideDeviceCal({ ...base, permanent: perm(5) })).toEqual({ action: 'renew' });
    expect(decideDeviceCal({ ...base, hostVersion: 2022, permanent: perm(30) })).toEqual({ action: 'permanent', reason: 'upgrade' });
  });
  it('a permanent CAL from an invalidated pack is replaced', () => {
    expect(decideDeviceCal({ ...base, permanent: perm(30, 2019, false) })).toEqual({ action: 'permanent', reason: 'pack-invalidated' });
  });
  it('no free seat: a valid temporary CAL keeps working until its 90 days end, then the device is refused', () => {
    expect(fallbackOnNoSeat({ activated: true, now, temporary: temp(10, true) })).toEqual({ action: 'keep', holding: 'temporary' });
    expect(fallbackOnNoSeat({ activated: true, now, temporary: temp(-1, true) })).toEqual({ action: 'refuse', code: 'NO_CAL_AVAILABLE' });
    expect(fallbackOnNoSeat({ activated: true, now })).toEqual({ action: 'temporary' });
  });
});

describe('per-user over-allocation is reported, not refused', () => {
  it.each([[10, 12, 2], [10, 8, 0]])('%i installed, %i issued -> %i over', (installed, issued, over) => {
    expect(perUserOverAllocation(installed, issued)).toBe(over);
  });
});
