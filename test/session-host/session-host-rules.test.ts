import { describe, expect, it } from 'vitest';
import { addDays, DAY_MS } from '../../src/core/clock';
import type { CalTokenPayload } from '../../src/core/protocol';
import {
  DEFAULT_CLOCK_LEEWAY_SECONDS,
  DEFAULT_PROVISIONAL_WINDOW_DAYS,
  clockSkewSeconds,
  isKnownKindType,
  isLifetimeWithinCap,
  isSeatBacked,
  isSkewBeyondLeeway,
  isWithinProvisionalWindow,
  judgeIssuer,
  checkCalClaims,
  decideAdmission,
  graceDaysLeft,
  licenseServerHostName,
  normalizeLicenseServerUrl,
  resolveConfig,
  resolveLayered,
  shouldAskLicenseServers,
  type AdmissionFacts,
} from '../../src/core/session-host-rules';
import { isVersionAcceptedByHost } from '../../src/core/license-server-rules';

const T0 = new Date('2025-01-01T00:00:00.000Z');
const sec = (d: Date) => Math.floor(d.getTime() / 1000);

describe('configuration layers', () => {
  it.each([
    ['policy wins over deployment and local', 2, 4, 5, 2, 'policy'],
    ['deployment wins over local when policy is unset', undefined, 4, 2, 4, 'deployment'],
    ['local applies when nothing above is set', undefined, undefined, 2, 2, 'local'],
    ['the default applies when no layer sets it', undefined, undefined, undefined, 0, 'default'],
  ] as const)('%s', (_name, policy, deployment, local, value, source) => {
    expect(resolveLayered<number>(policy, deployment, local, 0)).toEqual({ value, source });
  });

  it('a layer saying not-configured does not hide a lower layer that configures the mode', () => {
    const r = resolveConfig({ policy: { mode: 'not-configured' }, local: { mode: 'per-device' } });
    expect(r.mode).toEqual({ value: 'per-device', source: 'local' });
  });

  it('an empty license server list does not override a lower layer, and the source is reported', () => {
    const r = resolveConfig({ policy: { licenseServers: [] }, deployment: { licenseServers: ['http://ls1:7878'] } });
    expect(r.licenseServers).toEqual({ value: ['http://ls1:7878'], source: 'deployment' });
    expect(resolveConfig({}).mode).toEqual({ value: 'not-configured', source: 'default' });
  });

  it('license server entries are URLs; the host name is what Windows needs', () => {
    expect(normalizeLicenseServerUrl('HTTP://LS1.example.com:7878/')).toBe('http://LS1.example.com:7878');
    expect(normalizeLicenseServerUrl('serveur-lic:7878')).toBe('http://serveur-lic:7878');
    expect(normalizeLicenseServerUrl('ftp://x')).toBeUndefined();
    expect(normalizeLicenseServerUrl('http://x/ls/v1')).toBeUndefined();
    expect(licenseServerHostName('http://SERVEUR-LIC.corp.local:7878')).toBe('SERVEUR-LIC.corp.local');
    expect(licenseServerHostName('http://[::1]:7878')).toBe('[::1]');
  });
});

describe('grace period', () => {
  it('starts at 120 days and always counts down', () => {
    expect(graceDaysLeft(T0, undefined, T0).daysLeft).toBe(120);
    expect(graceDaysLeft(T0, undefined, new Date(T0.getTime() + 1)).daysLeft).toBe(120);
    expect(graceDaysLeft(T0, undefined, addDays(T0, 1)).daysLeft).toBe(119);
    expect(graceDaysLeft(T0, undefined, addDays(T0, 119.5)).daysLeft).toBe(1);
    const end = graceDaysLeft(T0, undefined, addDays(T0, 120));
    expect(end).toMatchObject({ daysLeft: 0, expired: true });
    expect(graceDaysLeft(T0, undefined, addDays(T0, 400)).daysLeft).toBe(0);
  });

  it('moving the clock backwards gives no days back and is reported as an anomaly', () => {
    const hwm = addDays(T0, 100);
    const back = graceDaysLeft(T0, hwm, addDays(T0, 10));
    expect(back.daysLeft).toBe(20);
    expect(back.clockWentBack).toBe(true);
    expect(back.effectiveNow).toEqual(hwm);
    expect(graceDaysLeft(T0, hwm, addDays(T0, 101)).clockWentBack).toBe(false);
    // a clock set before the first start never adds days either
    expect(graceDaysLeft(T0, T0, new Date(T0.getTime() - 30 * DAY_MS)).daysLeft).toBe(120);
  });
});

describe('CAL versions', () => {
  it.each([
    [2019, 2016, false],
    [2019, 2019, true],
    [2019, 2022, true],
    [2025, 2022, false],
    [2012, 2025, true],
  ] as const)('a %i session host accepts a %i CAL: %s', (host, cal, accepted) => {
    expect(isVersionAcceptedByHost(host, cal)).toBe(accepted);
  });
});

function claims(over: Partial<CalTokenPayload> = {}): CalTokenPayload {
  return {
    typ: 'opencal.cal',
    iss: 'LS-A',
    jti: 'cal-1',
    kind: 'permanent',
    calType: 'device',
    calVersion: 2019,
    pack: 7,
    grant: 1,
    device: 'PC-01',
    hwid: 'hw-1',
    iat: sec(T0),
    exp: sec(addDays(T0, 60)),
    ...over,
  };
}
const ctx = { now: addDays(T0, 1), device: 'pc-01', hwid: 'hw-1', hostVersion: 2019 as const, mode: 'per-device' as const };

describe('checks on a presented CAL', () => {
  it('a CAL for this device (name case-insensitive) and hardware ID is honoured', () => {
    expect(checkCalClaims(claims(), ctx).status).toBe('honoured');
  });

  it.each([
    ['another device', { device: 'PC-02' }, 'CAL_WRONG_DEVICE'],
    ['another hardware ID', { hwid: 'hw-2' }, 'CAL_WRONG_HARDWARE_ID'],
  ])('%s is bad input with its own code', (_n, over, code) => {
    const r = checkCalClaims(claims(over), ctx);
    expect(r.status).toBe('bad');
    if (r.status === 'bad') expect(r.refusal.code).toBe(code);
  });

  it('a token issued up to the clock leeway ahead of the host is honoured; one beyond it is dated in the future', () => {
    const ahead = (s: number) => claims({ iat: sec(ctx.now) + s });
    expect(checkCalClaims(ahead(300), ctx).status).toBe('honoured');
    expect(checkCalClaims(ahead(301), ctx)).toMatchObject({ status: 'not-honoured', refusal: { code: 'CAL_NOT_YET_VALID' } });
    expect(checkCalClaims(ahead(301), { ...ctx, leewaySeconds: 600 }).status).toBe('honoured');
    expect(checkCalClaims(ahead(1), { ...ctx, leewaySeconds: 0 })).toMatchObject({ status: 'not-honoured', refusal: { code: 'CAL_NOT_YET_VALID' } });
  });

  it.each([
    ['an expired token', { exp: sec(T0) }, {}, 'CAL_EXPIRED'],
    ['a token dated a day ahead of this host', { iat: sec(addDays(T0, 3)) }, {}, 'CAL_NOT_YET_VALID'],
    ['a CAL of an older version than the host', { calVersion: 2016 as const }, {}, 'CAL_VERSION_TOO_OLD'],
    ['a user CAL in per-device mode', { calType: 'user' as const, kind: 'user' as const }, {}, 'CAL_MODE_MISMATCH'],
    ['a CAL of an invalidated license server', {}, { revocations: { servers: [{ serverId: 'LS-A', at: 0, reason: 'reissue' }], grants: [] } }, 'CAL_SERVER_INVALIDATED'],
    ['a CAL from a pack reissued elsewhere', {}, { revocations: { servers: [], grants: [{ serverId: 'LS-A', pack: 7, seq: 1, at: 0 }] } }, 'CAL_GRANT_REVOKED'],
  ] as [string, Partial<CalTokenPayload>, Record<string, unknown>, string][])('%s is not honoured', (_n, over, extra, code) => {
    const r = checkCalClaims(claims(over), { ...ctx, ...extra });
    expect(r.status).toBe('not-honoured');
    if (r.status === 'not-honoured') expect(r.refusal.code).toBe(code);
  });

  it('a grant revocation of another pack or of an older serial leaves the CAL honoured', () => {
    const revocations = { servers: [], grants: [{ serverId: 'LS-A', pack: 8, seq: 1, at: 0 }, { serverId: 'LS-A', pack: 7, seq: 0, at: 0 }] };
    expect(checkCalClaims(claims(), { ...ctx, revocations }).status).toBe('honoured');
  });
});

function facts(over: Partial<AdmissionFacts> = {}): AdmissionFacts {
  return {
    mode: 'per-device',
    directory: 'domain',
    grace: { daysLeft: 50, expired: false },
    licenseServers: ['http://ls1:7878'],
    issuance: { kind: 'not-asked' },
    ...over,
  };
}
const expiredGrace = { daysLeft: 0, expired: true };

describe('admission decision', () => {
  it('inside the grace period a device without CAL is admitted', () => {
    expect(decideAdmission(facts({ licenseServers: [] }))).toMatchObject({ admitted: true, basis: 'grace', events: [50282] });
  });

  it('after the grace period with no license server listed the device is refused (no license server available, event 50282)', () => {
    const d = decideAdmission(facts({ grace: expiredGrace, licenseServers: [] }));
    expect(d).toMatchObject({ admitted: false, refusal: { code: 'NO_LICENSE_SERVER_AVAILABLE' }, events: [50282] });
    if (!d.admitted) expect(d.refusal.message).toContain('no Remote Desktop License Servers available');
  });

  it('after the grace period with the mode not configured the device is refused with events 1068 and 1069', () => {
    const d = decideAdmission(facts({ grace: expiredGrace, mode: 'not-configured' }));
    expect(d).toMatchObject({ admitted: false, refusal: { code: 'GRACE_PERIOD_EXPIRED_MODE_NOT_CONFIGURED' }, events: [1068, 1069] });
  });

  it('when the license server has no CAL the device is refused with "no CALs available for this computer" (1004)', () => {
    const d = decideAdmission(
      facts({ grace: expiredGrace, issuance: { kind: 'refused', refusal: { code: 'NO_CAL_AVAILABLE', message: 'none' }, serverUrl: 'http://ls1:7878', tried: [] } }),
    );
    expect(d).toMatchObject({ admitted: false, refusal: { code: 'NO_CAL_AVAILABLE' }, events: [1004] });
    if (!d.admitted) expect(d.refusal.message).toContain('no Remote Desktop client access licenses available for this computer');
  });

  it('a still-valid permanent CAL is honoured when no license server answers, and the failed renewal is logged (1028)', () => {
    const d = decideAdmission(facts({ grace: expiredGrace, honoured: claims(), issuance: { kind: 'unreachable', tried: ['http://ls1:7878'] } }));
    expect(d).toEqual({ admitted: true, basis: 'presented', events: [1028] });
  });

  it('per-user mode in a workgroup is reported as not permitted', () => {
    const inGrace = decideAdmission(facts({ mode: 'per-user', directory: 'workgroup' }));
    expect(inGrace).toMatchObject({ admitted: true, basis: 'grace', warning: { code: 'PER_USER_NOT_PERMITTED_IN_WORKGROUP' } });
    const after = decideAdmission(facts({ mode: 'per-user', directory: 'workgroup', grace: expiredGrace }));
    expect(after).toMatchObject({ admitted: false, refusal: { code: 'PER_USER_NOT_PERMITTED_IN_WORKGROUP' } });
    expect(shouldAskLicenseServers(facts({ mode: 'per-user', directory: 'workgroup' }), T0)).toBe(false);
  });

  it('a bad token is refused even inside the grace period, and no license server is asked', () => {
    const badToken = { code: 'CAL_SIGNATURE_INVALID' as const, message: 'x' };
    expect(decideAdmission(facts({ badToken }))).toMatchObject({ admitted: false, refusal: { code: 'CAL_SIGNATURE_INVALID' } });
    expect(shouldAskLicenseServers(facts({ badToken }), T0)).toBe(false);
  });

  it('a temporary CAL is always presented for upgrade; a permanent one only within 7 days of expiry', () => {
    const now = addDays(T0, 1);
    expect(shouldAskLicenseServers(facts({ honoured: claims({ kind: 'temporary' }) }), now)).toBe(true);
    expect(shouldAskLicenseServers(facts({ honoured: claims() }), now)).toBe(false);
    expect(shouldAskLicenseServers(facts({ honoured: claims() }), addDays(T0, 54))).toBe(true);
  });

  it('a not-honoured CAL with no license server reachable is refused with its own reason', () => {
    const notHonoured = { code: 'CAL_VERSION_TOO_OLD' as const, message: 'old' };
    const d = decideAdmission(facts({ grace: expiredGrace, notHonoured, issuance: { kind: 'unreachable', tried: ['http://ls1:7878'] } }));
    expect(d).toMatchObject({ admitted: false, refusal: { code: 'CAL_VERSION_TOO_OLD' } });
  });
});

describe('the entitlement chain', () => {
  it.each([
    ['temporary', 'device', true],
    ['permanent', 'device', true],
    ['user', 'user', true],
    ['user', 'device', false],
    ['temporary', 'user', false],
    ['permanent', 'user', false],
  ] as const)('a %s CAL of type %s exists: %s', (kind, calType, exists) => {
    expect(isKnownKindType(kind, calType)).toBe(exists);
  });

  it.each([
    ['temporary', 90, true],
    ['temporary', 91, false],
    ['permanent', 89, true],
    ['permanent', 90, false],
    ['user', 60, true],
    ['user', 61, false],
  ] as const)('a %s CAL living %i days is within its cap: %s', (kind, days, within) => {
    expect(isLifetimeWithinCap({ kind, iat: 0, exp: days * 86_400 }, DEFAULT_CLOCK_LEEWAY_SECONDS)).toBe(within);
  });

  it('the cap tolerates the clock leeway and not a second more', () => {
    const cap = 89 * 86_400;
    expect(isLifetimeWithinCap({ kind: 'permanent', iat: 0, exp: cap + 300 }, 300)).toBe(true);
    expect(isLifetimeWithinCap({ kind: 'permanent', iat: 0, exp: cap + 301 }, 300)).toBe(false);
  });

  it.each([
    ['a certified server of this host\'s organization, not listed', { issuerOrganization: 'A', hostOrganization: 'A', listed: false }, 'trusted'],
    ['a listed server of this host\'s organization', { issuerOrganization: 'A', hostOrganization: 'A', listed: true }, 'trusted'],
    ['a certified server of another organization', { issuerOrganization: 'B', hostOrganization: 'A', listed: false }, 'CAL_ISSUER_OTHER_ORGANIZATION'],
    ['a listed server of another organization', { issuerOrganization: 'B', hostOrganization: 'A', listed: true }, 'CAL_ISSUER_OTHER_ORGANIZATION'],
    ['a listed server without a certificate (not activated yet)', { hostOrganization: 'A', listed: true }, 'trusted'],
    ['an unlisted server without a certificate', { hostOrganization: 'A', listed: false }, 'CAL_ISSUER_NOT_LISTED'],
    ['a certified server, the host\'s organization not known yet, listed', { issuerOrganization: 'B', listed: true }, 'trusted'],
    ['a certified server, the host\'s organization not known yet, not listed', { issuerOrganization: 'B', listed: false }, 'CAL_ISSUER_NOT_LISTED'],
  ] as const)('%s: %s', (_n, facts, expected) => {
    const r = judgeIssuer(facts);
    expect(r.trusted ? 'trusted' : r.code).toBe(expected);
  });

  it('the provisional window runs 14 days from the first sighting, unless the clearinghouse says otherwise', () => {
    const seen = T0;
    expect(DEFAULT_PROVISIONAL_WINDOW_DAYS).toBe(14);
    expect(isWithinProvisionalWindow(seen, addDays(T0, 14), 14)).toBe(true);
    expect(isWithinProvisionalWindow(seen, new Date(addDays(T0, 14).getTime() + 1000), 14)).toBe(false);
    expect(isWithinProvisionalWindow(seen, addDays(T0, 20), 30)).toBe(true);
  });

  it('a seat-backed CAL is a permanent one, or a user CAL drawn from a pack', () => {
    expect(isSeatBacked({ kind: 'permanent' })).toBe(true);
    expect(isSeatBacked({ kind: 'user', pack: 3 })).toBe(true);
    expect(isSeatBacked({ kind: 'user' })).toBe(false);
    expect(isSeatBacked({ kind: 'temporary' })).toBe(false);
  });

  it('a clock skew beyond the leeway is reported, either way', () => {
    expect(clockSkewSeconds(new Date(T0.getTime() + 86_400_000), T0)).toBe(86_400);
    expect(isSkewBeyondLeeway(86_400, 300)).toBe(true);
    expect(isSkewBeyondLeeway(-301, 300)).toBe(true);
    expect(isSkewBeyondLeeway(-300, 300)).toBe(false);
  });
});
