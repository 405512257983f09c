import { describe, expect, it } from 'vitest';
import { WINDOWS_FINDING_TEXTS } from '../../../src/core/diagnoser-texts';
import { WINDOWS_ONLY_FINDING_CODES } from '../../../src/core/diagnoser-rules';
import type { WinMachine, WindowsEstate } from '../../../src/core/windows-import/estate';
import { importWindowsFiles } from '../../../src/core/windows-import/import';
import { diagnoseWindowsEstate } from '../../../src/core/windows-import/windows-diagnosis';
import { fixtureFiles } from './helpers';

const NOW = new Date('2026-11-30T16:00:00Z');

/** The healthy fixture, to change one fact at a time. */
function healthy(): { estate: WindowsEstate; host: WinMachine; ls: WinMachine } {
  const r = importWindowsFiles(fixtureFiles('healthy', 'bundle'));
  if (!r.ok) throw new Error(r.error.message);
  const estate = structuredClone(r.value);
  return { estate, host: estate.machines.find((m) => m.roles.includes('session-host'))!, ls: estate.machines.find((m) => m.roles.includes('license-server'))! };
}

const rows: { name: string; change: (e: ReturnType<typeof healthy>) => void; expected: string[] }[] = [
  { name: 'the healthy estate', change: () => {}, expected: [] },
  { name: 'mode value 3 (undocumented)', change: ({ host }) => void (host.licensingType = 3), expected: ['LICENSING_MODE_UNKNOWN:warning'] },
  {
    name: 'no license server in any source',
    change: ({ host }) => {
      host.specifiedLicenseServers = [];
      host.registry = {};
      host.connectivity = [];
    },
    expected: ['NO_LICENSE_SERVER_SPECIFIED:blocking', 'LICENSE_SERVER_NOT_LISTED:blocking', 'GRACE_PERIOD_EXPIRED:blocking'],
  },
  { name: 'the listed server is unreachable', change: ({ host }) => void (host.connectivity[0]!.status = 6), expected: ['LICENSE_SERVER_UNREACHABLE:blocking', 'GRACE_PERIOD_EXPIRED:blocking'] },
  { name: 'the host is not in the license server group (status 5)', change: ({ host }) => void (host.connectivity[0]!.status = 5), expected: ['HOST_NOT_ALLOWED:blocking', 'GRACE_PERIOD_EXPIRED:blocking'] },
  { name: 'the license server is not activated', change: ({ ls }) => void (ls.activationStatus = 1), expected: ['LICENSE_SERVER_NOT_ACTIVATED:blocking', 'GRACE_PERIOD_EXPIRED:blocking'] },
  { name: 'every CAL issued', change: ({ ls }) => void Object.assign(ls.keyPacks.find((k) => k.keyPackType === 2)!, { issued: 10, available: 0 }), expected: ['NO_CALS_AVAILABLE:blocking', 'GRACE_PERIOD_EXPIRED:blocking'] },
  { name: 'only RDS 2016 CALs for a 2019 host', change: ({ ls }) => void Object.assign(ls.keyPacks.find((k) => k.keyPackType === 2)!, { productVersionId: 5, productVersion: 'Windows Server 2016' }), expected: ['CAL_VERSION_NOT_ACCEPTED:blocking', 'GRACE_PERIOD_EXPIRED:blocking'] },
  {
    name: 'no export from the listed license server',
    change: ({ estate, ls }) => void (estate.machines = estate.machines.filter((m) => m !== ls)),
    expected: ['LICENSE_SERVER_NOT_INSPECTED:info'],
  },
  {
    name: 'a second license server with CALs, not on the list',
    change: ({ estate, ls }) => {
      const other = structuredClone(ls);
      other.name = 'LIC06';
      estate.machines.push(other);
    },
    expected: ['LICENSE_SERVER_NOT_LISTED:warning'],
  },
  { name: 'grace period ending, licensing clean', change: ({ host }) => void (host.graceDaysLeft = 5), expected: ['GRACE_PERIOD_ENDING:info'] },
  {
    name: 'grace period ending, licensing broken',
    change: ({ host }) => {
      host.graceDaysLeft = 5;
      host.licensingType = 5;
    },
    expected: ['MODE_NOT_CONFIGURED:blocking', 'GRACE_PERIOD_ENDING:warning'],
  },
  {
    name: 'event 4141 from the license server',
    change: ({ estate }) => void estate.events.unshift({ id: 4141, provider: 'Microsoft-Windows-TerminalServices-Licensing', level: 2, at: '2026-11-30T10:00:00.000Z', computer: 'LIC05.contoso.local' }),
    expected: ['HOST_NOT_ALLOWED:blocking', 'RECENT_LICENSING_ERRORS:blocking', 'GRACE_PERIOD_EXPIRED:blocking'],
  },
];

describe('Windows findings, one fact changed at a time', () => {
  for (const row of rows) {
    it(`${row.name}: ${row.expected.length === 0 ? 'no finding' : row.expected.join(', ')}`, () => {
      const e = healthy();
      row.change(e);
      for (const lang of ['en', 'fr'] as const) {
        const d = diagnoseWindowsEstate(e.estate, NOW, { lang });
        expect(d.findings.map((f) => `${f.code}:${f.severity}`)).toEqual(row.expected);
        for (const f of d.findings) {
          expect(f.message.length).toBeGreaterThan(20);
          expect(`${f.message}${f.cause}${f.fix}`).not.toMatch(/`|undefined|\?\?/);
        }
      }
    });
  }

  it('every Windows finding text exists in both languages and is produced by a row or a fixture', () => {
    const codes = Object.keys(WINDOWS_FINDING_TEXTS);
    for (const c of codes) expect(Object.keys(WINDOWS_FINDING_TEXTS[c]!).sort()).toEqual(['en', 'fr']);
    const produced = new Set(rows.flatMap((r) => r.expected.map((x) => x.split(':')[0])));
    for (const s of ['reinstalled-2019', 'mode-not-configured-grace-over', 'per-user-workgroup', 'host-2019-on-ls-2016']) {
      const r = importWindowsFiles(fixtureFiles(s, 'bundle'));
      if (r.ok) for (const f of diagnoseWindowsEstate(r.value, NOW, { lang: 'en' }).findings) produced.add(f.code);
    }
    expect(codes.filter((c) => !produced.has(c))).toEqual([]);
    for (const c of WINDOWS_ONLY_FINDING_CODES) expect(codes).toContain(c);
  });
});
