import { describe, expect, it } from 'vitest';
import { GPO_PATH_TEXT } from '../../../src/core/diagnoser-texts';
import { importWindowsFiles, type InputFile } from '../../../src/core/windows-import/import';
import { diagnoseWindowsEstate, referenceTime, type WindowsDiagnosis } from '../../../src/core/windows-import/windows-diagnosis';
import { fixtureFiles } from './helpers';

function diagnoseFiles(files: InputFile[], lang: 'fr' | 'en', extra: { packKey?: string } = {}): WindowsDiagnosis {
  const estate = importWindowsFiles(files, lang);
  if (!estate.ok) throw new Error(`${estate.error.code}: ${estate.error.message}`);
  return diagnoseWindowsEstate(estate.value, referenceTime(estate.value, new Date('2026-12-01T00:00:00Z')), { lang, ...extra });
}

const diag = (situation: string, kind: 'bundle' | 'raw', lang: 'fr' | 'en') => diagnoseFiles(fixtureFiles(situation, kind), lang);
const codes = (d: WindowsDiagnosis) => d.findings.map((f) => `${f.code}:${f.severity}`);
const plan = (d: WindowsDiagnosis) => d.plan.map((s) => `${s.step}${s.done ? ':done' : ''}`);

interface Expected {
  findings: string[];
  plan: string[];
  /** texts that must appear in the findings, fix or plan, per language. */
  text: Record<'fr' | 'en', string[]>;
}

const SITUATIONS: Record<string, Expected> = {
  'reinstalled-2019': {
    findings: ['NO_CALS_AFTER_REINSTALL:blocking', 'RECENT_LICENSING_ERRORS:warning'],
    plan: ['activate:done', 'migrate', 'reissue', 'install', 'configure:done', 'verify'],
    text: {
      en: ['0 available RDS 2019 Per Device CALs', 'issues only temporary CALs (3 temporary, 0 permanent)', 'Install Licenses → Telephone', 'G7KQ2-BCDFG-HJKMP-QRTVW-XY234-6789B-CDFGH', 'Do not rebuild'],
      fr: ['« La clé est déjà activée »', 'Base locale reconstruite sans réémission', 'Installer les licences → méthode Téléphone', 'Ne lancez pas un Rebuild avant d\'avoir assuré la réémission', 'événement 21 × 2'],
    },
  },
  'mode-not-configured-grace-over': {
    findings: ['MODE_NOT_CONFIGURED:blocking', 'RECENT_LICENSING_ERRORS:blocking', 'GRACE_PERIOD_EXPIRED:blocking'],
    plan: ['activate:done', 'install:done', 'configure', 'verify'],
    text: {
      en: ['is not configured (LicensingType 5, event 1068)', GPO_PATH_TEXT.en, '"Set the Remote Desktop licensing mode": Enabled, Per Device', 'grace period of RD Session Host RDSH02 is over (event 1069)'],
      fr: ["n'est pas configuré", GPO_PATH_TEXT.fr, '« Définir le mode de licences des Services Bureau à distance » : Activé, Par périphérique', 'délai de grâce'],
    },
  },
  'per-user-workgroup': {
    findings: ['PER_USER_IN_WORKGROUP:blocking', 'CLIENTS_REFUSED_MODE_MISMATCH:blocking'],
    plan: ['activate:done', 'configure', 'verify'],
    text: {
      en: ['Per User mode but in a workgroup', 'although 10 RDS Per Device CAL(s) are available', 'Set-ItemProperty -Path \'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services\' -Name \'LicensingMode\' -Type DWord -Value 2'],
      fr: ['mode Par utilisateur mais dans un groupe de travail', 'Clients refusés malgré 10 CAL(s)', 'Mode configuré en Per User au lieu de Per Device'],
    },
  },
  'host-2019-on-ls-2016': {
    findings: ['VERSION_NOT_HOSTABLE:blocking', 'RECENT_LICENSING_ERRORS:blocking', 'GRACE_PERIOD_EXPIRED:blocking'],
    plan: ['activate:done', 'upgrade-license-server', 'configure', 'verify'],
    text: {
      en: ['runs Windows Server 2016, older than RD Session Host RDSH04 (Windows Server 2019)', 'LOWER_VERSION', 'event 1004 × 2', 'Install-WindowsFeature RDS-Licensing -IncludeManagementTools'],
      fr: ['Un serveur de licences 2019 peut délivrer des CALs RDS 2019 (et antérieures). L\'inverse n\'est pas garanti.', 'événement 1004 × 2', "Utiliser un serveur de licences aussi récent que l'hôte de session"],
    },
  },
  healthy: {
    findings: [],
    plan: ['activate:done', 'install:done', 'configure:done', 'verify:done'],
    text: { en: ['7 RDS 2019 Per Device CAL(s) are available'], fr: ['7 CAL(s) RDS 2019 Per Device disponible(s)'] },
  },
};

function allText(d: WindowsDiagnosis): string {
  return [...d.findings.flatMap((f) => [f.message, f.cause, f.fix, ...f.commands]), ...d.plan.flatMap((s) => [s.title, s.why, ...s.commands]), d.phoneScript ?? ''].join('\n');
}

describe('a Windows estate gives the right findings and plan, from the bundle and from raw exports, in both languages', () => {
  for (const [situation, expected] of Object.entries(SITUATIONS)) {
    for (const kind of ['bundle', 'raw'] as const) {
      for (const lang of ['en', 'fr'] as const) {
        it(`${situation}, from the ${kind === 'bundle' ? "collector's bundles" : 'raw exports'}, in ${lang}`, () => {
          const d = diag(situation, kind, lang);
          expect(codes(d)).toEqual(expected.findings);
          expect(plan(d)).toEqual(expected.plan);
          expect(d.blocking).toBe(expected.findings.some((f) => f.endsWith(':blocking')));
          const text = allText(d);
          for (const t of expected.text[lang]) expect(text).toContain(t);
          // Plain text: no Markdown backticks, no placeholder the estate could have filled.
          expect(text).not.toContain('`');
          expect(text).not.toMatch(/<ORGANIZATION>|<CONTACT>/);
        });
      }
    }
  }

  it('the bundle and the raw exports of one estate say the same thing', () => {
    for (const situation of Object.keys(SITUATIONS)) {
      const a = diag(situation, 'bundle', 'en');
      const b = diag(situation, 'raw', 'en');
      expect(b.findings.map((f) => f.message)).toEqual(a.findings.map((f) => f.message));
      expect(b.summary).toEqual(a.summary);
    }
  });

  it("the source document's estate gets the phone script filled from its real IDs, organization and contact", () => {
    const fr = diag('reinstalled-2019', 'raw', 'fr').phoneScript ?? '';
    expect(fr).toContain('* ID du serveur de licences (nouveau) : G7KQ2-BCDFG-HJKMP-QRTVW-XY234-6789B-CDFGH');
    expect(fr).toContain('organisation : Contoso SARL ; contact : Ana Diaz (ana.diaz@contoso.fr)');
    expect(fr).toContain('Le pack de CALs RDS 2019 Per Device apparaît déjà activé');
    expect(fr).toContain('licmgr.exe → clic droit sur le serveur → Installer les licences → Téléphone');
    const en = diagnoseFiles(fixtureFiles('reinstalled-2019', 'bundle'), 'en', { packKey: 'MPQRT-VWXY2-3467B-CDFGH-K7Q9M' }).phoneScript ?? '';
    expect(en).toContain('* 25-character product key (RDS 2019 Device pack): XXXXX-XXXXX-XXXXX-XXXXX-K7Q9M');
    expect(en).not.toContain('MPQRT');
    expect(en).toContain('organization: Contoso SARL; contact: Ana Diaz (ana.diaz@contoso.fr)');
  });

  it('only the estate that needs a reissue gets a phone script', () => {
    expect(Object.keys(SITUATIONS).filter((s) => diag(s, 'bundle', 'en').phoneScript !== undefined)).toEqual(['reinstalled-2019']);
  });

  it('no estate with a recent event 1004 is called healthy', () => {
    const files = fixtureFiles('healthy', 'raw');
    const event = `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-TerminalServices-RemoteConnectionManager'/><EventID>1004</EventID><Level>2</Level><TimeCreated SystemTime='2026-11-30T12:00:00.123456789Z'/><Channel>Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational</Channel><Computer>RDSH05.contoso.local</Computer></System></Event>`;
    const d = diagnoseFiles([...files, { name: 'rcm.xml', bytes: new TextEncoder().encode(event) }], 'en');
    // Its grace period is over, so the refused licence blocks connections now.
    expect(codes(d)).toEqual(['RECENT_LICENSING_ERRORS:blocking', 'GRACE_PERIOD_EXPIRED:blocking']);
    expect(d.blocking).toBe(true);
    expect(d.findings[0]!.message).toContain('event 1004 × 1 (last on 2026-11-30)');
    expect(plan(d)).toContain('verify');
    // The same event a month old is history, not a finding.
    const old = diagnoseFiles([...files, { name: 'rcm.xml', bytes: new TextEncoder().encode(event.replace('2026-11-30T12', '2026-10-30T12')) }], 'en');
    expect(codes(old)).toEqual([]);
  });
});
