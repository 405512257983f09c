import { describe, expect, it } from 'vitest';
import { diagnose, FINDING_CODES, WINDOWS_ONLY_FINDING_CODES, type DiagnosisSnapshot } from '../../../src/core/diagnoser-rules';
import { DIAGNOSE_OUTPUT, OPENCAL_FINDING_TEXTS, type OpenCalFacts } from '../../../src/core/diagnoser-texts-opencal';
import { renderFindings } from '../../../src/diagnoser/index';
import { healthy, NOW, OLD_ID, seedSituation } from './fixtures';

const FACTS: OpenCalFacts = {
  host: 'RDSH-01',
  url: 'http://ls.example:7879',
  mode: 'per-user',
  modeSource: 'policy',
  other: 'device',
  need: 'user',
  available: 10,
  saw1004: true,
  registryValue: 2,
  problem: 'UNAUTHENTICATED',
  command: 'opencal host config --mode per-device --layer policy',
  command2: 'opencal host emit --format gpo',
  counts: 'event 1004 × 2',
  explained: 'MODE_NOT_CONFIGURED',
  days: 3,
  endsOn: '2025-03-04',
  why: 'MODE_NOT_CONFIGURED',
  blocked: true,
  unconfigured: true,
  pack: '1',
  count: 10,
  calLabel: 'RDS 2019 Per Device',
  program: 'select',
  activeOn: 'QRTVW-BCDFG-HJKMP-XY234-6789B-CDFGH-TVWXY',
  target: 'BCDFG-HJKMP-QRTVW-XY234-6789B-CDFGH-JKMPQ',
  command3: 'opencal phone-script --lang fr',
  serverId: 'BCDFG-HJKMP-QRTVW-XY234-6789B-CDFGH-JKMPQ',
  empty: 'device',
  rebuiltOn: '2025-02-27',
  held: 'pack 1',
  rebuilt: true,
  allIssued: true,
  device: true,
  total: 10,
  status: 'unactivated',
  on: '2025-03-30',
  lsVersion: 2016,
  hostVersion: 2019,
  newest: 2016,
  caseNumber: 'CH-000123',
  packNumber: 1,
  awaiting: ['the deactivation receipt of the old server'],
  variant: 'listed',
  reasons: [
    { kind: 'issued-elsewhere', issued: 3, pack: '1', calLabel: 'RDS 2019 Per Device', activeOn: 'QRTVW-BCDFG-HJKMP-XY234-6789B-CDFGH-TVWXY' },
    { kind: 'inconsistent', calLabel: 'RDS 2019 Per Device', pack: '2', total: 10, issued: 11, available: -1 },
  ],
  caseKind: 'clone',
  sourceServerId: 'QRTVW-BCDFG-HJKMP-XY234-6789B-CDFGH-TVWXY',
  seenOn: '2025-03-01',
  revokedLive: 2,
  limit: 2,
  installed: 10,
  calVersion: 2019,
  next: '2025-05-01',
  code: 'UNAUTHENTICATED',
  unreachable: true,
  listState: 'clearinghouse',
  at: '2025-03-01 10:00',
  hours: 30,
  events: { count: 2, ids: '1004, 9211', latestAt: '10:42', devices: ['PC-01', 'PC-02'], latestMessage: 'admitted in the grace period, without a CAL' },
  saw1069: true,
  skewSeconds: 86_400,
  leewaySeconds: 300,
};
/** The same facts with every flag turned the other way, for the texts that have two variants. */
const OTHER_FACTS: OpenCalFacts = {
  ...FACTS,
  saw1004: false,
  blocked: false,
  unconfigured: false,
  rebuilt: false,
  allIssued: false,
  device: false,
  explained: '',
  why: '',
  status: 'invalidated',
  variant: 'flagged',
  caseKind: 'phantom',
  unreachable: false,
  listState: 'never',
  saw1069: false,
  skewSeconds: -420,
  awaiting: [],
  events: { count: 1, ids: '9210', latestAt: '09:00', devices: [] },
};
/** The third variant of the texts that have three. */
const THIRD_FACTS: OpenCalFacts = { ...OTHER_FACTS, status: 'deactivated', variant: 'still-checking-in', listState: 'file' };

const covered = Object.entries(OPENCAL_FINDING_TEXTS).map(([code, texts]) => ({ code, texts: texts! }));

describe('the OpenCAL diagnoser texts in English and French', () => {
  it('words only real finding codes', () => {
    for (const { code } of covered) expect(FINDING_CODES).toContain(code);
  });

  it.each(covered)('$code has a message, a cause and a fix in both languages, the French differing from the English', ({ texts }) => {
    for (const [part, facts] of (['message', 'cause', 'fix'] as const).flatMap((x) => [[x, FACTS] as const, [x, OTHER_FACTS] as const, [x, THIRD_FACTS] as const])) {
      const en = texts.en[part](facts);
      const fr = texts.fr[part](facts);
      expect(en.trim()).not.toBe('');
      expect(fr.trim()).not.toBe('');
      expect(fr).not.toBe(en);
      expect(en).not.toContain('undefined');
      expect(fr).not.toContain('undefined');
    }
  });

  it('words every finding an OpenCAL estate can produce (only real Windows estates have findings of their own)', () => {
    const openCal = FINDING_CODES.filter((c) => !(WINDOWS_ONLY_FINDING_CODES as readonly string[]).includes(c));
    expect(openCal.filter((c) => OPENCAL_FINDING_TEXTS[c] === undefined)).toEqual([]);
  });

  it('never shows Markdown backticks or an API route in a finding text', () => {
    for (const { texts } of covered) {
      for (const lang of ['en', 'fr'] as const) {
        for (const part of ['message', 'cause', 'fix'] as const) {
          for (const facts of [FACTS, OTHER_FACTS, THIRD_FACTS]) {
            const text = texts[lang][part](facts);
            expect(text).not.toContain('`');
            expect(text).not.toMatch(/\b(GET|POST|PUT|DELETE) \/(ls|sh|ch)\//);
          }
        }
      }
    }
  });

  it('prints the same lines around the findings in both languages', () => {
    expect(Object.keys(DIAGNOSE_OUTPUT.fr).sort()).toEqual(Object.keys(DIAGNOSE_OUTPUT.en).sort());
    expect(DIAGNOSE_OUTPUT.fr.clean).not.toBe(DIAGNOSE_OUTPUT.en.clean);
  });

  const estates: { name: string; build: (s: DiagnosisSnapshot) => void; code: string; fr: string }[] = [
    {
      name: "the source document's reinstall: the key is already activated on the old server",
      build: (s) => Object.assign(s, seedSituation()),
      code: 'PACK_ACTIVE_ON_OTHER_SERVER',
      fr: `Le pack 1 (10 CALs RDS 2019 Per Device, retail) est déjà activé sur le serveur de licences ${OLD_ID}`,
    },
    {
      name: 'mode not configured, grace period over',
      build: (s) => {
        s.sessionHost.mode = 'not-configured';
        s.sessionHost.modeSource = 'default';
        s.sessionHost.graceDaysLeft = 0;
      },
      code: 'MODE_NOT_CONFIGURED',
      fr: "Le mode de licences de l'hôte de session RDSH-01 n'est pas configuré",
    },
    {
      name: 'no license server specified',
      build: (s) => {
        s.sessionHost.licenseServers = [];
        s.sessionHost.licenseServersSource = 'default';
      },
      code: 'NO_LICENSE_SERVER_SPECIFIED',
      fr: "Aucun serveur de licences n'est spécifié pour l'hôte de session RDSH-01",
    },
    {
      name: 'per-user in a workgroup',
      build: (s) => {
        s.sessionHost.mode = 'per-user';
        s.sessionHost.directory = 'workgroup';
      },
      code: 'PER_USER_IN_WORKGROUP',
      fr: "L'hôte de session RDSH-01 est en mode Par utilisateur mais",
    },
  ];

  it.each(estates)('$name: the same codes in both languages, the texts in French when asked', ({ build, code, fr }) => {
    const s = healthy();
    build(s);
    const en = diagnose(s, NOW, 'en');
    const french = diagnose(s, NOW, 'fr');
    expect(french.map((f) => f.code)).toEqual(en.map((f) => f.code));
    expect(french.find((f) => f.code === code)!.message).toContain(fr);
    expect(en.find((f) => f.code === code)!.message).not.toContain(fr);
    const printed = renderFindings(french, s, 'fr');
    expect(printed).toContain(`[BLOQUANT] ${code}: ${fr}`);
    expect(printed).toContain('Hôte de session RDSH-01 (Windows Server 2019');
    expect(printed).not.toMatch(/\bLicense server\b|\bSession host\b/);
    expect(printed).toContain('Correctif :');
  });

  it('a healthy estate is called clean in the language asked', () => {
    const s = healthy();
    expect(renderFindings(diagnose(s, NOW, 'fr'), s, 'fr')).toContain(DIAGNOSE_OUTPUT.fr.clean);
    expect(renderFindings(diagnose(s, NOW, 'en'), s, 'en')).toContain('No problem found');
  });
});
