import { describe, expect, it } from 'vitest';
import { diagnose, FINDING_CODES, type DiagnosisSnapshot } from '../../../src/core/diagnoser-rules';
import { DIAGNOSE_OUTPUT, OPENCAL_FINDING_TEXTS, type OpenCalFacts } from '../../../src/core/diagnoser-texts-opencal';
import { renderFindings } from '../../../src/diagnoser/index';
import { healthy, NOW } from './fixtures';

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
};

const covered = Object.entries(OPENCAL_FINDING_TEXTS).map(([code, texts]) => ({ code, texts: texts! }));

describe('the OpenCAL diagnoser texts in English and French', () => {
  it('words only real finding codes', () => {
    for (const { code } of covered) expect(FINDING_CODES).toContain(code);
  });

  it.each(covered)('$code has a message, a cause and a fix in both languages, the French differing from the English', ({ texts }) => {
    for (const part of ['message', 'cause', 'fix'] as const) {
      const en = texts.en[part](FACTS);
      const fr = texts.fr[part](FACTS);
      expect(en.trim()).not.toBe('');
      expect(fr.trim()).not.toBe('');
      expect(fr).not.toBe(en);
      expect(en).not.toContain('undefined');
      expect(fr).not.toContain('undefined');
    }
  });

  it('prints the same lines around the findings in both languages', () => {
    expect(Object.keys(DIAGNOSE_OUTPUT.fr).sort()).toEqual(Object.keys(DIAGNOSE_OUTPUT.en).sort());
    expect(DIAGNOSE_OUTPUT.fr.clean).not.toBe(DIAGNOSE_OUTPUT.en.clean);
  });

  const estates: { name: string; build: (s: DiagnosisSnapshot) => void; code: string; fr: string }[] = [
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
    expect(printed).toContain('Correctif :');
  });

  it('a healthy estate is called clean in the language asked', () => {
    const s = healthy();
    expect(renderFindings(diagnose(s, NOW, 'fr'), s, 'fr')).toContain(DIAGNOSE_OUTPUT.fr.clean);
    expect(renderFindings(diagnose(s, NOW, 'en'), s, 'en')).toContain('No problem found');
  });
});
