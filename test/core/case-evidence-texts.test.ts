import { describe, expect, it } from 'vitest';
import { agoText, caseEvidenceSentences, shortServerId } from '../../src/core/case-evidence-texts';

const NOW = new Date('2025-03-10T12:00:00Z');
const OLD = 'ABCDE-FGHJK-LMNPQ-RSTVW-XYZ23-46789-BCDFG';

/** The evidence a migration stores (src/clearinghouse/migration.usecase.ts) for a source silent three days. */
function migration(source: Record<string, unknown> | null, more: Record<string, unknown> = {}) {
  return {
    kind: 'migration',
    pack: 7,
    evidence: {
      source,
      sourceLastCheckIn: source?.['lastCheckIn'] ?? null,
      sourceNamedInCode: null,
      earlierTransfers: [],
      organizationMatch: true,
      packOrganization: 'org_contoso',
      targetOrganization: 'org_contoso',
      program: 'select',
      proofOfPurchase: null,
      packRevoked: false,
      thresholds: { silenceDays: 30, transferBudget: 4, transferWindowDays: 365 },
      ...more,
    },
  };
}

const silentSource = { serverId: OLD, status: 'active', lastSeen: '2025-03-07T08:00:00Z', lastCheckIn: '2025-03-07T08:00:00Z', activatedAt: '2025-01-02T08:00:00Z', holdsPack: true, receipt: false, receiptAt: null };

describe('case evidence as sentences', () => {
  it('an old license server that checked in 3 days ago and did not deactivate is told so, in English and in French', () => {
    const en = caseEvidenceSentences(migration(silentSource), NOW, 'en').map((s) => s.text);
    const fr = caseEvidenceSentences(migration(silentSource), NOW, 'fr').map((s) => s.text);

    expect(en).toEqual([
      'The old license server ABCDE-FGHJK-… last checked in 3 days ago (2025-03-07) and has not deactivated.',
      'The old license server ABCDE-FGHJK-… sent no deactivation receipt.',
      'The old license server still holds pack 7.',
      'The pack has not moved before.',
      'The pack and the new license server belong to the same organization (org_contoso).',
      'A pack moves without a receipt once its old license server has been silent for 30 days.',
    ]);
    expect(fr).toEqual([
      'L’ancien serveur de licences ABCDE-FGHJK-… s’est manifesté pour la dernière fois il y a 3 jours (2025-03-07) et n’a pas été désactivé.',
      'L’ancien serveur de licences ABCDE-FGHJK-… n’a envoyé aucun reçu de désactivation.',
      'L’ancien serveur de licences détient encore le pack 7.',
      'Le pack n’a jamais été transféré auparavant.',
      'Le pack et le nouveau serveur de licences appartiennent à la même organisation (org_contoso).',
      'Un pack est transféré sans reçu dès que son ancien serveur de licences est resté muet 30 jours.',
    ]);
  });

  it('a deactivation receipt is told with its date, and the facts that speak for the move are marked so', () => {
    const source = { ...silentSource, status: 'deactivated', holdsPack: false, receipt: true, receiptAt: '2025-03-08T10:00:00Z' };
    const sentences = caseEvidenceSentences(migration(source, { sourceNamedInCode: true }), NOW, 'en');

    expect(sentences.slice(0, 4)).toEqual([
      { tone: 'for', text: 'The old license server ABCDE-FGHJK-… last checked in 3 days ago (2025-03-07) and has deactivated.' },
      { tone: 'for', text: 'A deactivation receipt signed by the old license server ABCDE-FGHJK-… on 2025-03-08 is on record.' },
      { tone: 'for', text: 'The old license server no longer holds pack 7.' },
      { tone: 'for', text: 'The migration code was made on this old license server.' },
    ]);
    expect(caseEvidenceSentences(migration(source), NOW, 'fr')[1]!.text).toBe('Un reçu de désactivation signé par l’ancien serveur de licences ABCDE-FGHJK-… le 2025-03-08 est enregistré.');
  });

  it('a source the clearinghouse knows as deactivated speaks for the move even without a receipt on record', () => {
    const source = { ...silentSource, status: 'deactivated', receipt: false };
    expect(caseEvidenceSentences(migration(source), NOW, 'en')[0]).toEqual({
      tone: 'for',
      text: 'The old license server ABCDE-FGHJK-… last checked in 3 days ago (2025-03-07) and has deactivated.',
    });
  });

  it('a source that never checked in is told by its activation; a pack without source, earlier moves, another organization, a bad proof and a revoked pack each have their sentence', () => {
    const never = { ...silentSource, lastSeen: '2025-03-09T08:00:00Z', lastCheckIn: null, activatedAt: '2025-03-09T08:00:00Z' };
    expect(caseEvidenceSentences(migration(never), NOW, 'en')[0]!.text).toBe('The old license server ABCDE-FGHJK-… has never checked in; it was activated yesterday (2025-03-09) and has not deactivated.');

    const texts = caseEvidenceSentences(
      migration(null, { earlierTransfers: ['2024-06-01T00:00:00Z', '2024-11-20T00:00:00Z'], organizationMatch: false, targetOrganization: 'org_other', program: 'retail', proofOfPurchase: false, packRevoked: true }),
      NOW,
      'fr',
    ).map((s) => s.text);
    expect(texts).toEqual([
      'Aucun autre serveur de licences ne détient ce pack : il n’a jamais été installé, ou il a été libéré.',
      'Le pack a déjà été transféré 2 fois, la dernière le 2024-11-20 ; au plus 4 transferts sont permis en 365 jours.',
      'Le pack appartient à org_contoso, le nouveau serveur de licences à org_other.',
      'La preuve d’achat donnée ne correspond pas à celle enregistrée avec ce pack de détail.',
      'Le pack est révoqué : il ne peut pas être transféré.',
    ]);
  });

  it('clone and phantom cases are told from their own evidence', () => {
    const clone = {
      kind: 'clone',
      evidence: { serverId: OLD, problem: 'same-predecessor', status: 'active', lastCheckIn: '2025-03-10T06:00:00Z', forkAt: { counter: 12, prev: 'x', genesis: false }, histories: { kept: [{}, {}, {}], second: [{}] } },
    };
    expect(caseEvidenceSentences(clone, NOW, 'en').map((s) => s.text)).toEqual([
      'License server ABCDE-FGHJK-… checked in on two histories: two copies of one server seem to be running.',
      'The history kept has 3 recent check-in(s), the second history 1; they part at check-in 12.',
      'Its last accepted check-in was today (2025-03-10).',
    ]);

    const phantom = { kind: 'phantom', pack: 7, evidence: { serverId: OLD, pack: 7, seq: 2, issued: 5, invalidatedBy: 'CH-000004', invalidatedAt: '2025-03-01T00:00:00Z' } };
    expect(caseEvidenceSentences(phantom, NOW, 'fr').map((s) => s.text)).toEqual([
      'Le serveur de licences ABCDE-FGHJK-… déclare encore 5 CAL délivrée(s) du pack 7 (attribution 2), alors que le dossier CH-000004 a transféré le pack le 2025-03-01.',
    ]);

    const ungranted = { kind: 'phantom', pack: null, evidence: { serverId: OLD, knownServer: false, reported: { pack: 9, seq: 1, issued: 0 }, problem: 'never granted', grantHolder: null, packExists: false } };
    expect(caseEvidenceSentences(ungranted, NOW, 'en').map((s) => s.text)).toEqual([
      'License server ABCDE-FGHJK-… reports pack 9 (grant 1), which the clearinghouse never granted.',
      'License server ABCDE-FGHJK-… was never activated by the clearinghouse.',
    ]);

    const unmade = { kind: 'phantom', pack: null, evidence: { serverId: OLD, knownServer: true, claimed: { serial: 3, method: 'phone' }, activationsMade: [1, 2] } };
    expect(caseEvidenceSentences(unmade, NOW, 'en')[0]!.text).toBe('License server ABCDE-FGHJK-… claims activation 3 (phone), which the clearinghouse never made; it made 1, 2.');
  });

  it('evidence of a shape it does not know gives no sentence rather than a wrong one', () => {
    expect(caseEvidenceSentences({ kind: 'migration', evidence: {} }, NOW, 'en')).toEqual([]);
    expect(caseEvidenceSentences({ kind: 'something-new', evidence: { serverId: OLD } }, NOW, 'fr')).toEqual([]);
  });

  it.each([
    ['2025-03-10T01:00:00Z', 'today', 'aujourd’hui'],
    ['2025-03-09T11:00:00Z', 'yesterday', 'hier'],
    ['2025-02-08T12:00:00Z', '30 days ago', 'il y a 30 jours'],
    ['2025-03-12T12:00:00Z', 'on 2025-03-12', 'le 2025-03-12'],
  ])('a time of %s is told "%s" / "%s"', (at, en, fr) => {
    expect(agoText(new Date(at), NOW, 'en')).toBe(en);
    expect(agoText(new Date(at), NOW, 'fr')).toBe(fr);
  });

  it('a license server ID is shortened to its first two groups; anything else is kept', () => {
    expect(shortServerId(OLD)).toBe('ABCDE-FGHJK-…');
    expect(shortServerId('srv')).toBe('srv');
  });
});
