import { describe, expect, it } from 'vitest';
import { diagnose, FINDING_CODES, hasBlocking, WINDOWS_ONLY_FINDING_CODES, type DiagnosisSnapshot, type Finding } from '../../../src/core/diagnoser-rules';
import { CH_URL, HOST_URL, healthy, licenseServer, LS_URL, NEW_ID, NOW, OLD_ID, OLD_URL, seedSituation } from './fixtures';

function find(findings: Finding[], code: string): Finding | undefined {
  return findings.find((f) => f.code === code);
}

interface Row {
  name: string;
  build: (s: DiagnosisSnapshot) => void;
  code: Finding['code'];
  severity: Finding['severity'];
  /** text the fix must contain (the exact command) */
  fix: string;
  /** text the message must contain */
  message?: string;
}

const rows: Row[] = [
  // --- the source document's troubleshooting table, row by row ---
  {
    name: 'portal status Pending: the case is reported with what the agent awaits',
    build: (s) => {
      Object.assign(s, seedSituation());
      s.clearinghouse!.cases = [
        { caseNumber: 'CH-000123', status: 'pending', kind: 'migration', packNumber: 1, targetServerId: NEW_ID, sourceServerId: OLD_ID, awaiting: ['the source server checked in 9 days ago'] },
      ];
    },
    code: 'PORTAL_CASE_PENDING',
    severity: 'warning',
    fix: 'opencal phone-script --case CH-000123',
    message: 'The agent awaits: the source server checked in 9 days ago',
  },
  {
    name: '"the key is already activated": the pack is active on another license server ID',
    build: (s) => Object.assign(s, seedSituation()),
    code: 'PACK_ACTIVE_ON_OTHER_SERVER',
    severity: 'blocking',
    fix: `opencal licmgr migration-code --reason reinstalled --source-id ${OLD_ID} --url ${LS_URL}`,
    message: `already activated on license server ${OLD_ID}`,
  },
  {
    name: 'clients refused although CALs are available: per-user mode with only device CALs',
    build: (s) => {
      s.sessionHost.mode = 'per-user';
    },
    code: 'CLIENTS_REFUSED_MODE_MISMATCH',
    severity: 'blocking',
    fix: `opencal host config --mode per-device --layer policy --url ${HOST_URL}`,
    message: '7 device CAL(s) are available',
  },
  {
    name: 'clients refused although CALs are available: per-device mode with only user CALs',
    build: (s) => {
      s.licenseServers[0]!.keyPacks = [{ pack: 2, program: 'open', calType: 'user', calVersion: 2019, total: 5, issued: 0, available: 5, status: 'active' }];
      s.clearinghouse!.packs = [{ packNumber: 2, program: 'open', calType: 'user', calVersion: 2019, count: 5, status: 'installed', activeOn: NEW_ID }];
    },
    code: 'CLIENTS_REFUSED_MODE_MISMATCH',
    severity: 'blocking',
    fix: 'opencal host config --mode per-user --layer policy',
  },
  {
    name: 'clients refused although CALs are available: no license server declared',
    build: (s) => {
      s.sessionHost.licenseServers = [];
      s.licenseServers[0]!.listed = false;
    },
    code: 'NO_LICENSE_SERVER_SPECIFIED',
    severity: 'blocking',
    fix: `opencal host config --license-servers ${LS_URL} --layer policy --url ${HOST_URL}`,
  },
  {
    name: '0 CALs after a reinstall: new database, pack not reissued',
    build: (s) => Object.assign(s, seedSituation()),
    code: 'NO_CALS_AFTER_REINSTALL',
    severity: 'blocking',
    fix: `opencal licmgr install --key-pack-id <KEY_PACK_ID> --url ${LS_URL}`,
    message: `new ID ${NEW_ID}`,
  },
  {
    name: '0 CALs after a rebuild: the clearinghouse holds the pack for this server ID',
    build: (s) => {
      s.licenseServers[0]!.keyPacks = [];
      s.licenseServers[0]!.rebuiltAt = '2025-02-28T10:00:00.000Z';
    },
    code: 'NO_CALS_AFTER_REINSTALL',
    severity: 'blocking',
    fix: `opencal licmgr install --pack-key <PACK_KEY> --url ${LS_URL}`,
    message: 'rebuilt on 2025-02-28',
  },
  {
    name: 'phantom licenses: the old server still shows CALs from a pack reissued to the new server',
    build: (s) => {
      s.sessionHost.licenseServers = [LS_URL, OLD_URL];
      s.licenseServers.push(
        licenseServer({
          url: OLD_URL,
          serverId: OLD_ID,
          keyPacks: [{ pack: 1, program: 'retail', calType: 'device', calVersion: 2019, total: 10, issued: 9, available: 1, status: 'invalidated' }],
        }),
      );
    },
    code: 'PHANTOM_LICENSES',
    severity: 'warning',
    fix: `opencal licmgr deactivate --url ${OLD_URL}`,
    message: `is active on license server ${NEW_ID}`,
  },
  {
    name: 'phantom licenses: inconsistent counts in the license database',
    build: (s) => {
      s.licenseServers[0]!.keyPacks[0]!.available = 9;
    },
    code: 'PHANTOM_LICENSES',
    severity: 'warning',
    fix: `opencal licmgr rebuild --url ${LS_URL}`,
    message: '10 total, 3 issued, 9 available',
  },
  {
    name: 'phantom licenses: the old server still checks in after the reissue',
    build: (s) => {
      s.clearinghouse!.cases = [
        { caseNumber: 'CH-000007', status: 'approved', kind: 'migration', packNumber: 1, targetServerId: NEW_ID, sourceServerId: OLD_ID, awaiting: [], decidedAt: '2025-02-20T00:00:00.000Z' },
      ];
      s.clearinghouse!.servers.push({ serverId: OLD_ID, status: 'activated', lastSeenAt: '2025-02-28T00:00:00.000Z' });
    },
    code: 'PHANTOM_LICENSES',
    severity: 'warning',
    fix: 'opencal licmgr deactivate --url <OLD_SERVER_URL>',
    message: `Old license server ${OLD_ID} was still checking in on 2025-02-28`,
  },
  {
    name: 'phantom licenses: a case flagged by the clearinghouse at check-in',
    build: (s) => {
      s.clearinghouse!.cases = [{ caseNumber: 'CH-000009', status: 'pending', kind: 'phantom', packNumber: 1, sourceServerId: OLD_ID, awaiting: [] }];
    },
    code: 'PHANTOM_LICENSES',
    severity: 'warning',
    fix: 'opencal licmgr deactivate',
    message: 'still uses pack 1',
  },
  // --- the extra checks ---
  {
    name: 'license server not activated',
    build: (s) => {
      s.licenseServers[0]!.activation = { status: 'unactivated' };
    },
    code: 'LICENSE_SERVER_NOT_ACTIVATED',
    severity: 'blocking',
    fix: `opencal licmgr activate --method auto --org-token <ORG_TOKEN> --url ${LS_URL}`,
  },
  {
    name: 'license server invalidated by the clearinghouse',
    build: (s) => {
      s.licenseServers[0]!.activation = { status: 'invalidated' };
    },
    code: 'LICENSE_SERVER_NOT_ACTIVATED',
    severity: 'blocking',
    fix: '--reason redeployed',
    message: 'invalidated',
  },
  {
    name: 'license server older than the session host cannot host its CALs',
    build: (s) => {
      s.sessionHost.version = 2022;
    },
    code: 'VERSION_NOT_HOSTABLE',
    severity: 'blocking',
    fix: 'opencal host config --license-servers <LICENSE_SERVER_URL>',
    message: 'version 2019',
  },
  {
    name: 'session host newer than every installed CAL version',
    build: (s) => {
      s.sessionHost.version = 2022;
      s.licenseServers[0]!.version = 2022;
    },
    code: 'CAL_VERSION_NOT_ACCEPTED',
    severity: 'blocking',
    fix: `opencal licmgr install --pack-key <PACK_KEY> --url ${LS_URL}`,
    message: 'newest device CALs installed are RDS 2019',
  },
  {
    name: 'grace period ending within 14 days while licensing is broken',
    build: (s) => {
      s.sessionHost.graceDaysLeft = 10;
      s.sessionHost.mode = 'not-configured';
    },
    code: 'GRACE_PERIOD_ENDING',
    severity: 'warning',
    fix: 'opencal diagnose --host',
    message: 'ends in 10 day(s)',
  },
  {
    name: 'grace period expired and mode not configured (event 1069)',
    build: (s) => {
      s.sessionHost.graceDaysLeft = 0;
      s.sessionHost.mode = 'not-configured';
    },
    code: 'GRACE_PERIOD_EXPIRED',
    severity: 'blocking',
    fix: `opencal diagnose --host ${HOST_URL}`,
    message: 'event 1069',
  },
  {
    name: 'per-user mode in a workgroup',
    build: (s) => {
      s.sessionHost.mode = 'per-user';
      s.sessionHost.directory = 'workgroup';
    },
    code: 'PER_USER_IN_WORKGROUP',
    severity: 'blocking',
    fix: 'opencal host config --mode per-device',
  },
  {
    name: 'the only license server is unreachable',
    build: (s) => {
      s.licenseServers[0] = { url: LS_URL, listed: true, reachable: false, inspected: false, keyPacks: [], problem: { code: 'UNREACHABLE', message: 'connection refused' } };
    },
    code: 'LICENSE_SERVER_UNREACHABLE',
    severity: 'blocking',
    fix: `opencal licmgr status --url ${LS_URL}`,
    message: 'connection refused',
  },
  {
    name: 'the first license server is unreachable but the second answers (failover)',
    build: (s) => {
      s.sessionHost.licenseServers = [OLD_URL, LS_URL];
      s.licenseServers.unshift({ url: OLD_URL, listed: true, reachable: false, inspected: false, keyPacks: [] });
    },
    code: 'LICENSE_SERVER_UNREACHABLE',
    severity: 'warning',
    fix: 'opencal licmgr status',
    message: 'fails over',
  },
  {
    name: 'host not on the license server allow-list (4141)',
    build: (s) => {
      s.licenseServers[0]!.hostsAllowList = { enabled: true, hostAllowed: false };
    },
    code: 'HOST_NOT_ALLOWED',
    severity: 'blocking',
    fix: `opencal licmgr hosts list --url ${LS_URL}`,
    message: 'event 4141',
  },
  {
    name: 'host refused with event 4141 when the allow-list cannot be read',
    build: (s) => {
      delete s.licenseServers[0]!.hostsAllowList;
      s.events = [{ component: 'license-server', id: 4141, level: 'error', at: '2025-03-01T08:00:00.000Z', data: { host: 'RDSH-01' }, source: LS_URL }];
    },
    code: 'HOST_NOT_ALLOWED',
    severity: 'blocking',
    fix: 'opencal licmgr hosts allow RDSH-01',
  },
  {
    name: 'session host not enrolled on its only license server',
    build: (s) => {
      s.sessionHost.notEnrolledOn = [LS_URL];
    },
    code: 'HOST_NOT_ENROLLED',
    severity: 'blocking',
    fix: `opencal host enroll --license-server ${LS_URL} --join-token <JOIN_TOKEN> --url ${HOST_URL}`,
  },
  {
    name: 'a new identity behind a listed URL that the host does not follow',
    build: (s) => {
      s.sessionHost.identityChanges = [{ url: LS_URL, followed: false, serverId: 'OLD-ID', heldServerId: 'NEW-ID', reason: 'it shows no certificate from the clearinghouse' }];
    },
    code: 'LICENSE_SERVER_IDENTITY_CHANGED',
    severity: 'blocking',
    fix: `opencal licmgr status --url ${LS_URL}`,
    message: 'NEW-ID',
  },
  {
    name: 'a license server reinstalled at the same address, followed by the host',
    build: (s) => {
      s.sessionHost.identityChanges = [{ url: LS_URL, followed: true, serverId: 'NEW-ID', previousServerId: 'OLD-ID' }];
    },
    code: 'LICENSE_SERVER_IDENTITY_CHANGED',
    severity: 'info',
    fix: 'Nothing to do',
    message: 'was OLD-ID',
  },
  {
    name: "a license server's clock a day ahead of the host's, beyond the leeway",
    build: (s) => {
      s.sessionHost.clock = { leewaySeconds: 300, skews: [{ licenseServerUrl: LS_URL, skewSeconds: 86_400 + 3_600 }] };
    },
    code: 'CLOCK_SKEW',
    severity: 'warning',
    fix: 'opencal host status',
    message: '25 h 0 min ahead of',
  },
  {
    name: 'revoke budget exhausted',
    build: (s) => {
      s.licenseServers[0]!.revokeBudgets = [{ calVersion: 2019, installed: 10, revokedLive: 2, nextRevokeAllowedOn: '2025-04-12T00:00:00.000Z' }];
    },
    code: 'REVOKE_BUDGET_EXHAUSTED',
    severity: 'warning',
    fix: `opencal licmgr issued --type device --url ${LS_URL}`,
    message: 'next revoke is allowed on 2025-04-12',
  },
  {
    name: 'licensing mode not configured (1068)',
    build: (s) => {
      s.sessionHost.mode = 'not-configured';
      s.sessionHost.modeSource = 'default';
    },
    code: 'MODE_NOT_CONFIGURED',
    severity: 'blocking',
    fix: `opencal host config --mode per-device --layer policy --url ${HOST_URL}`,
    message: 'event 1068',
  },
  {
    name: 'license server certificate expired',
    build: (s) => {
      s.licenseServers[0]!.activation!.certificateExpiresAt = '2025-02-01T00:00:00.000Z';
    },
    code: 'CERTIFICATE_EXPIRED',
    severity: 'blocking',
    fix: '--reason certificate-expired',
  },
  {
    name: 'license server certificate expiring within 30 days',
    build: (s) => {
      s.licenseServers[0]!.activation!.certificateExpiresAt = '2025-03-15T00:00:00.000Z';
    },
    code: 'CERTIFICATE_EXPIRING',
    severity: 'warning',
    fix: '--reason certificate-expired',
    message: 'expires in 14 day(s)',
  },
  {
    name: 'every device CAL is issued (event 21)',
    build: (s) => {
      s.licenseServers[0]!.keyPacks[0]!.issued = 10;
      s.licenseServers[0]!.keyPacks[0]!.available = 0;
    },
    code: 'NO_CALS_AVAILABLE',
    severity: 'blocking',
    fix: `opencal licmgr install --pack-key <PACK_KEY> --url ${LS_URL}`,
    message: 'All 10',
  },
  {
    name: 'no key pack installed at all',
    build: (s) => {
      s.licenseServers[0]!.keyPacks = [];
      s.clearinghouse!.packs = [];
    },
    code: 'NO_CALS_AVAILABLE',
    severity: 'blocking',
    fix: 'opencal licmgr install --pack-key <PACK_KEY>',
  },
  {
    name: 'license server status unreadable without a token',
    build: (s) => {
      s.licenseServers[0] = { url: LS_URL, listed: true, reachable: true, inspected: false, keyPacks: [], problem: { code: 'UNAUTHENTICATED', message: 'no token' } };
    },
    code: 'LICENSE_SERVER_NOT_INSPECTED',
    severity: 'info',
    fix: 'opencal diagnose --license-server-token',
  },
  {
    name: 'clearinghouse unreachable',
    build: (s) => {
      s.clearinghouse = { url: CH_URL, reachable: false, packs: [], cases: [], servers: [], problem: { code: 'UNREACHABLE', message: 'connection refused' } };
    },
    code: 'CLEARINGHOUSE_UNREACHABLE',
    severity: 'info',
    fix: 'opencal diagnose --clearinghouse',
  },
  {
    name: 'devices refused with event 1004 in the last hour although the configuration looks right',
    build: (s) => {
      s.events.unshift({ component: 'session-host', id: 1004, level: 'error', at: new Date(NOW.getTime() - 10 * 60 * 1000).toISOString() });
    },
    code: 'RECENT_LICENSING_ERRORS',
    severity: 'blocking',
    fix: 'opencal events --since 1h --level error',
    message: 'event 1004 × 1',
  },
  // --- what the diagnoser observed now: probes, the revocation list, the last hour's events ---
  {
    name: 'enrolled on the old identity: the license server refuses the host\'s own dry-run CAL request',
    build: (s) => {
      s.sessionHost.probes = [{ url: LS_URL, enrolled: true, outcome: 'refused', code: 'UNAUTHENTICATED', message: 'token not known' }];
    },
    code: 'ENROLMENT_REFUSED',
    severity: 'blocking',
    fix: `opencal host enroll --license-server ${LS_URL} --join-token <JOIN_TOKEN> --url ${HOST_URL}`,
    message: 'does not recognise it',
  },
  {
    name: 'the only listed license server would give this host no CAL',
    build: (s) => {
      s.sessionHost.probes = [{ url: LS_URL, enrolled: true, outcome: 'refused', issue: 'none', code: 'HOST_NOT_ALLOWED', message: 'not on the allow-list' }];
    },
    code: 'PROBE_NO_CAL',
    severity: 'blocking',
    fix: `opencal licmgr status --url ${LS_URL}`,
    message: 'would give session host RDSH-01 no CAL now (HOST_NOT_ALLOWED)',
  },
  {
    name: 'the probe could not be run: nothing is called healthy on stored flags alone',
    build: (s) => {
      delete s.sessionHost.probes;
      s.sessionHost.probeProblem = { code: 'NOT_FOUND', message: 'no such route' };
    },
    code: 'PROBE_NOT_RUN',
    severity: 'info',
    fix: 'sh:admin or readonly',
  },
  {
    name: 'a revocation list last received two days ago',
    build: (s) => {
      s.sessionHost.revocationList = { clearinghouse: true, seq: 1, fetchedAt: '2025-02-27T10:00:00.000Z' };
    },
    code: 'REVOCATION_LIST_STALE',
    severity: 'blocking',
    fix: `opencal host refresh --url ${HOST_URL}`,
    message: '48 hours ago',
  },
  {
    name: 'a revocation list never received from the clearinghouse',
    build: (s) => {
      s.sessionHost.revocationList = { clearinghouse: true };
    },
    code: 'REVOCATION_LIST_STALE',
    severity: 'blocking',
    fix: 'opencal host refresh',
    message: 'never received',
  },
  {
    name: 'devices admitted without a CAL (9211) in the last hour',
    build: (s) => {
      s.events = [
        { component: 'session-host', id: 9211, level: 'warning', at: '2025-03-01T09:50:00.000Z', data: { device: 'PC-02' }, message: 'admitted without a CAL' },
        { component: 'session-host', id: 9211, level: 'warning', at: '2025-03-01T09:40:00.000Z', data: { device: 'PC-01' } },
      ];
    },
    code: 'DEVICES_WITHOUT_CAL',
    severity: 'blocking',
    fix: 'opencal events --component session-host --since 1h',
    message: '2 event(s) 9211 in the last hour, the latest at 09:50 UTC (devices PC-02, PC-01): "admitted without a CAL"',
  },
  {
    name: 'connections refused after the grace period (1069) in the last hour',
    build: (s) => {
      s.events = [{ component: 'session-host', id: 1069, level: 'error', at: '2025-03-01T09:30:00.000Z' }];
    },
    code: 'CAL_REQUESTS_REFUSED',
    severity: 'blocking',
    fix: 'opencal events',
  },
];

describe('diagnose', () => {
  it('a healthy estate gives no finding at all', () => {
    const findings = diagnose(healthy(), NOW);
    expect(findings).toEqual([]);
    expect(hasBlocking(findings)).toBe(false);
  });

  it('a healthy estate near the end of its grace period only gets an info', () => {
    const s = healthy();
    s.sessionHost.graceDaysLeft = 5;
    const findings = diagnose(s, NOW);
    expect(findings.map((f) => [f.code, f.severity])).toEqual([['GRACE_PERIOD_ENDING', 'info']]);
    expect(hasBlocking(findings)).toBe(false);
  });

  it('a configured host past its grace period is not reported', () => {
    const s = healthy();
    s.sessionHost.graceDaysLeft = 0;
    expect(diagnose(s, NOW)).toEqual([]);
  });

  it.each(rows)('$name → $code ($severity)', (row) => {
    const s = healthy();
    row.build(s);
    const findings = diagnose(s, NOW);
    const f = find(findings, row.code);
    expect(f, `findings were ${findings.map((x) => x.code).join(', ')}`).toBeDefined();
    expect(f!.severity).toBe(row.severity);
    expect(f!.fix).toContain(row.fix);
    if (row.message) expect(f!.message).toContain(row.message);
    expect(f!.cause.length).toBeGreaterThan(10);
    expect(f!.commands.length).toBeGreaterThan(0);
    for (const c of f!.commands) expect(c.startsWith('opencal ')).toBe(true);
    expect(hasBlocking(findings)).toBe(findings.some((x) => x.severity === 'blocking'));
    // Plain text for the terminal and the console: no raw Markdown backticks.
    for (const x of findings) expect(`${x.message}${x.cause}${x.fix}`).not.toContain('`');
  });

  it('no estate with a 1004, 1028 or 4141 event in the last hour is called healthy', () => {
    const builds = [() => healthy(), ...rows.map((r) => () => {
      const s = healthy();
      r.build(s);
      return s;
    })];
    for (const id of [1004, 1028, 4141]) {
      for (const build of builds) {
        const s = build();
        s.events.unshift({ component: id === 4141 ? 'license-server' : 'session-host', id, level: 'error', at: new Date(NOW.getTime() - 20 * 60 * 1000).toISOString() });
        const findings = diagnose(s, NOW);
        expect(hasBlocking(findings)).toBe(true);
        expect(find(findings, 'RECENT_LICENSING_ERRORS')?.message).toMatch(new RegExp(`event ${id} × \\d`));
      }
    }
    // Two hours ago is history: the healthy estate stays clean.
    const s = healthy();
    s.events.unshift({ component: 'session-host', id: 1004, level: 'error', at: new Date(NOW.getTime() - 2 * 60 * 60 * 1000).toISOString() });
    expect(diagnose(s, NOW)).toEqual([]);
  });

  it("a license server's clock within the leeway, ahead or behind, is no finding; one past it is, in either direction", () => {
    const codes = (skewSeconds: number) => {
      const s = healthy();
      s.sessionHost.clock = { leewaySeconds: 300, skews: [{ licenseServerUrl: LS_URL, skewSeconds }] };
      return diagnose(s, NOW).map((f) => f.code);
    };
    expect(codes(300)).toEqual([]);
    expect(codes(-299)).toEqual([]);
    expect(codes(-301)).toEqual(['CLOCK_SKEW']);
  });

  it('every finding code is shown by at least one row of the table', () => {
    const shown = new Set(rows.map((r) => r.code));
    // The Windows-only codes have their own table (test/core/windows-import/windows-findings.test.ts).
    expect(FINDING_CODES.filter((c) => !shown.has(c) && !WINDOWS_ONLY_FINDING_CODES.includes(c))).toEqual([]);
  });

  it("the source document's situation is blocking: pack already activated elsewhere and 0 CALs on the new server", () => {
    const findings = diagnose(seedSituation(), NOW);
    expect(findings.map((f) => f.code)).toEqual(['LICENSE_SERVER_UNREACHABLE', 'PACK_ACTIVE_ON_OTHER_SERVER', 'NO_CALS_AFTER_REINSTALL']);
    expect(find(findings, 'LICENSE_SERVER_UNREACHABLE')!.fix).toContain(`opencal host config --license-servers ${LS_URL} --layer policy --url ${HOST_URL}`);
    expect(hasBlocking(findings)).toBe(true);
    expect(find(findings, 'NO_CALS_AFTER_REINSTALL')!.fix).toContain('Do not rebuild the database before the reissue is assured');
  });

  it('findings come most severe first', () => {
    const s = seedSituation();
    s.clearinghouse!.cases = [{ caseNumber: 'CH-000123', status: 'pending', packNumber: 1, awaiting: [] }];
    s.sessionHost.graceDaysLeft = 3;
    const severities = diagnose(s, NOW).map((f) => f.severity);
    expect(severities).toEqual([...severities].sort((a, b) => ['blocking', 'warning', 'info'].indexOf(a) - ['blocking', 'warning', 'info'].indexOf(b)));
    expect(diagnose(s, NOW).find((f) => f.code === 'PORTAL_CASE_PENDING')!.message).toContain('a manual review by an agent');
  });

  it('a pack active on a second listed license server (failover) is not reported', () => {
    const s = healthy();
    const otherId = 'TVWXY-BCDFG-HJKMP-XY234-6789B-CDFGH-JKMPQ';
    s.sessionHost.licenseServers.push(OLD_URL);
    s.licenseServers.push(licenseServer({ url: OLD_URL, serverId: otherId, keyPacks: [{ pack: 5, program: 'retail', calType: 'device', calVersion: 2019, total: 5, issued: 0, available: 5, status: 'active' }] }));
    s.clearinghouse!.packs.push({ packNumber: 5, program: 'retail', calType: 'device', calVersion: 2019, count: 5, status: 'installed', activeOn: otherId });
    s.sessionHost.probes!.push({ url: OLD_URL, enrolled: true, outcome: 'would-issue', serverId: otherId, issue: 'temporary', permanentAvailable: true });
    expect(diagnose(s, NOW)).toEqual([]);
  });

  it('old 4141 events (older than a week) are not recent evidence', () => {
    const s = healthy();
    delete s.licenseServers[0]!.hostsAllowList;
    s.events = [{ component: 'license-server', id: 4141, level: 'error', at: '2025-02-01T08:00:00.000Z', data: { host: 'RDSH-01' } }];
    expect(diagnose(s, NOW)).toEqual([]);
  });
});
