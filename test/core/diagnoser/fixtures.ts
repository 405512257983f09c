import type { DiagnosisSnapshot, ObservedLicenseServer } from '../../../src/core/diagnoser-rules';

export const NOW = new Date('2025-03-01T10:00:00.000Z');
export const NEW_ID = 'BCDFG-HJKMP-QRTVW-XY234-6789B-CDFGH-JKMPQ';
export const OLD_ID = 'QRTVW-BCDFG-HJKMP-XY234-6789B-CDFGH-TVWXY';
export const LS_URL = 'http://ls-new.example:7879';
export const OLD_URL = 'http://ls-old.example:7879';
export const HOST_URL = 'http://rdsh-01.example:7880';
export const CH_URL = 'http://ch.example:7878';

export function licenseServer(over: Partial<ObservedLicenseServer> = {}): ObservedLicenseServer {
  return {
    url: LS_URL,
    listed: true,
    reachable: true,
    inspected: true,
    serverId: NEW_ID,
    version: 2019,
    activation: { status: 'activated', method: 'auto', certificateExpiresAt: '2026-02-01T00:00:00.000Z' },
    keyPacks: [{ pack: 1, program: 'retail', calType: 'device', calVersion: 2019, total: 10, issued: 3, available: 7, status: 'active' }],
    hostsAllowList: { enabled: false, hostAllowed: true },
    revokeBudgets: [{ calVersion: 2019, installed: 10, revokedLive: 0 }],
    ...over,
  };
}

/** A healthy estate: per-device host on a 2019 license server holding its 10-CAL 2019 device pack. */
export function healthy(): DiagnosisSnapshot {
  return {
    takenAt: NOW.toISOString(),
    sessionHost: {
      url: HOST_URL,
      name: 'RDSH-01',
      version: 2019,
      directory: 'domain',
      mode: 'per-device',
      modeSource: 'policy',
      licenseServers: [LS_URL],
      licenseServersSource: 'policy',
      graceDaysLeft: 60,
      revocationList: { clearinghouse: true, seq: 1, fetchedAt: '2025-03-01T09:50:00.000Z' },
      probes: [{ url: LS_URL, enrolled: true, outcome: 'would-issue', serverId: NEW_ID, issue: 'temporary', permanentAvailable: true, calVersion: 2019 }],
    },
    licenseServers: [licenseServer()],
    clearinghouse: {
      url: CH_URL,
      reachable: true,
      packs: [{ packNumber: 1, program: 'retail', calType: 'device', calVersion: 2019, count: 10, status: 'installed', activeOn: NEW_ID, seq: 1 }],
      cases: [],
      servers: [{ serverId: NEW_ID, status: 'activated', lastSeenAt: '2025-03-01T09:00:00.000Z' }],
    },
    events: [],
  };
}

/**
 * The source document's situation: the license server was reinstalled (new ID, empty database, activated),
 * the 10-CAL RDS 2019 per-device pack is still active on the old server's ID, which no longer answers.
 */
export function seedSituation(): DiagnosisSnapshot {
  const s = healthy();
  // The session host still names the old license server; the new one is named for the diagnosis.
  s.sessionHost.licenseServers = [OLD_URL];
  s.sessionHost.probes = [{ url: OLD_URL, enrolled: true, outcome: 'unreachable', code: 'UNREACHABLE', message: 'connection refused' }];
  s.licenseServers = [
    { url: OLD_URL, listed: true, reachable: false, inspected: false, keyPacks: [], problem: { code: 'UNREACHABLE', message: 'connection refused' } },
    licenseServer({ listed: false, keyPacks: [], revokeBudgets: [] }),
  ];
  s.clearinghouse!.packs = [{ packNumber: 1, program: 'retail', calType: 'device', calVersion: 2019, count: 10, status: 'installed', activeOn: OLD_ID, seq: 1 }];
  s.clearinghouse!.servers = [
    { serverId: OLD_ID, status: 'activated', lastSeenAt: '2025-02-20T09:00:00.000Z' },
    { serverId: NEW_ID, status: 'activated', lastSeenAt: '2025-03-01T09:00:00.000Z' },
  ];
  return s;
}
