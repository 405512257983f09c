/**
 * The findings from what the diagnoser observed now (src/core/probe-rules.ts) and the planner's use of the probe:
 * no estate with a recent 1004 is called healthy, "configure" is done only when a probe proves it, and the
 * Pending reason names the real last check-in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnose, hasBlocking, type DiagnosisSnapshot, type ObservedEvent } from '../../../src/core/diagnoser-rules';
import { awaitingFrom, sourceSeenPhrase } from '../../../src/core/diagnosis-snapshot';
import { planRecovery } from '../../../src/core/recovery-plan';
import { renderFindings } from '../../../src/diagnoser/index';
import { healthy, HOST_URL, licenseServer, LS_URL, NOW, OLD_URL } from './fixtures';

const MINUTE = 60_000;

/** Healthy estates of several shapes: one server, failover, per-user, a grace period about to end. */
function estates(): DiagnosisSnapshot[] {
  const failover = healthy();
  failover.sessionHost.licenseServers.push(OLD_URL);
  const otherId = 'TVWXY-BCDFG-HJKMP-XY234-6789B-CDFGH-JKMPQ';
  failover.licenseServers.push(licenseServer({ url: OLD_URL, serverId: otherId, keyPacks: [{ pack: 5, program: 'retail', calType: 'device', calVersion: 2019, total: 5, issued: 0, available: 5, status: 'active' }] }));
  failover.clearinghouse!.packs.push({ packNumber: 5, program: 'retail', calType: 'device', calVersion: 2019, count: 5, status: 'installed', activeOn: otherId });
  failover.sessionHost.probes!.push({ url: OLD_URL, enrolled: true, outcome: 'would-issue', issue: 'temporary' });
  const perUser = healthy();
  perUser.sessionHost.mode = 'per-user';
  perUser.licenseServers[0]!.keyPacks = [{ pack: 1, program: 'retail', calType: 'user', calVersion: 2019, total: 10, issued: 0, available: 10, status: 'active' }];
  perUser.clearinghouse!.packs[0]!.calType = 'user';
  const graceEnding = healthy();
  graceEnding.sessionHost.graceDaysLeft = 5;
  return [healthy(), failover, perUser, graceEnding];
}

describe('findings from the last hour of events', () => {
  it('every fixture estate is healthy without events (the property below starts from clean estates)', () => {
    for (const s of estates()) expect(diagnose(s, NOW).filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('no estate with a 1004 in the last hour is called healthy, whatever else happened around it', () => {
    const other = fc.constantFrom(9200, 9202, 9203, 9205, 9209, 9107, 4, 1068);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 59 }),
        fc.array(fc.record({ id: other, minutesAgo: fc.integer({ min: 0, max: 60 * 24 * 8 }) }), { maxLength: 6 }),
        (which, minutesAgo, noise) => {
          const s = estates()[which]!;
          const events: ObservedEvent[] = [
            { component: 'session-host', id: 1004, level: 'error', at: new Date(NOW.getTime() - minutesAgo * MINUTE).toISOString(), data: { device: 'PC-02' } },
            ...noise.map((n) => ({ component: 'session-host' as const, id: n.id, level: 'information' as const, at: new Date(NOW.getTime() - n.minutesAgo * MINUTE).toISOString() })),
          ];
          s.events = events.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
          const findings = diagnose(s, NOW);
          expect(findings.some((f) => f.code === 'RECENT_LICENSING_ERRORS' && f.severity === 'blocking')).toBe(true);
          expect(renderFindings(findings, s)).not.toContain('No problem found');
        },
      ),
    );
  });

  it('an admission without a CAL after the last change on the host blocks; one before it is a warning until the hour is over', () => {
    const s = healthy();
    s.events = [
      { component: 'session-host', id: 9203, level: 'information', at: '2025-03-01T09:40:00.000Z', seq: 7 },
      { component: 'session-host', id: 9211, level: 'warning', at: '2025-03-01T09:40:00.000Z', seq: 6 },
    ];
    expect(diagnose(s, NOW).find((f) => f.code === 'DEVICES_WITHOUT_CAL')!.severity).toBe('warning');
    s.events[1]!.seq = 8;
    expect(diagnose(s, NOW).find((f) => f.code === 'DEVICES_WITHOUT_CAL')!.severity).toBe('blocking');
    expect(diagnose(s, new Date(NOW.getTime() + 61 * MINUTE)).find((f) => f.code === 'DEVICES_WITHOUT_CAL')).toBeUndefined();
  });

  it('a license server the diagnoser cannot reach either is reported once, as unreachable', () => {
    const s = healthy();
    s.licenseServers[0] = { url: LS_URL, listed: true, reachable: false, inspected: false, keyPacks: [], problem: { code: 'UNREACHABLE', message: 'connection refused' } };
    s.sessionHost.probes = [{ url: LS_URL, enrolled: true, outcome: 'unreachable', code: 'UNREACHABLE' }];
    const codes = diagnose(s, NOW).map((f) => f.code);
    expect(codes).toContain('LICENSE_SERVER_UNREACHABLE');
    expect(codes).not.toContain('PROBE_NO_CAL');
  });

  it('with failover, a second server that refuses the host is a warning: the first still issues', () => {
    const s = healthy();
    s.sessionHost.licenseServers.push(OLD_URL);
    s.licenseServers.push(licenseServer({ url: OLD_URL, serverId: 'TVWXY-BCDFG-HJKMP-XY234-6789B-CDFGH-JKMPQ' }));
    s.sessionHost.probes!.push({ url: OLD_URL, enrolled: true, outcome: 'refused', code: 'UNAUTHENTICATED' });
    const f = diagnose(s, NOW).find((x) => x.code === 'ENROLMENT_REFUSED')!;
    expect(f.severity).toBe('warning');
    expect(hasBlocking(diagnose(s, NOW))).toBe(false);
  });
});

describe('the planner marks "configure" done only when the probe proves it', () => {
  const configure = (s: DiagnosisSnapshot) => planRecovery(s).find((x) => x.step === 'configure')!;

  it('done when the host would get a CAL from the target server now', () => {
    expect(configure(healthy()).done).toBe(true);
  });

  it('not done without a probe, however the stored flags read', () => {
    const s = healthy();
    delete s.sessionHost.probes;
    expect(configure(s).done).toBe(false);
  });

  it('not done, with the enrolment commands, when the server refuses the host\'s enrolment', () => {
    const s = healthy();
    s.sessionHost.probes = [{ url: LS_URL, enrolled: true, outcome: 'refused', code: 'UNAUTHENTICATED' }];
    const step = configure(s);
    expect(step.done).toBe(false);
    expect(step.commands).toContain(`opencal host enroll --license-server ${LS_URL} --join-token <JOIN_TOKEN> --url ${HOST_URL}`);
  });

  it('not done when the server would give no CAL', () => {
    const s = healthy();
    s.sessionHost.probes = [{ url: LS_URL, enrolled: true, outcome: 'refused', issue: 'none', code: 'HOST_NOT_ALLOWED' }];
    expect(configure(s).done).toBe(false);
  });
});

describe('the Pending reason names the real last check-in', () => {
  const reason = [{ code: 'SOURCE_CHECKED_IN_RECENTLY', text: 'the source license server checked in recently and has not deactivated' }];

  it('a source that checked in: its last check-in day', () => {
    const evidence = { source: { lastSeen: '2026-11-28T10:00:00.000Z', lastCheckIn: '2026-11-28T10:00:00.000Z', activatedAt: '2026-11-01T10:00:00.000Z' }, sourceLastCheckIn: '2026-11-28T10:00:00.000Z' };
    expect(awaitingFrom(reason, evidence)).toEqual([
      "the source license server checked in recently and has not deactivated (last check-in 2026-11-28): a deactivation receipt from it, or the agent's approval",
    ]);
  });

  it('a source that never checked in: its activation day, and no "last check-in"', () => {
    const evidence = { source: { lastSeen: '2026-12-01T08:00:00.000Z', lastCheckIn: null, activatedAt: '2026-12-01T08:00:00.000Z' }, sourceLastCheckIn: null };
    expect(sourceSeenPhrase(evidence)).toBe('the source license server was activated recently (2026-12-01), has never checked in, and has not deactivated');
  });

  it('a case stored before the evidence carried lastCheckIn: read from sourceLastCheckIn, the fallback time being the activation', () => {
    expect(sourceSeenPhrase({ source: { lastSeen: '2026-12-01T08:00:00.000Z' }, sourceLastCheckIn: null })).toContain('has never checked in');
    expect(sourceSeenPhrase({ source: { lastSeen: '2026-11-20T08:00:00.000Z' }, sourceLastCheckIn: '2026-11-20T08:00:00.000Z' })).toContain('(last check-in 2026-11-20)');
  });
});
