import { describe, expect, it } from 'vitest';
import { maskPackKey, phoneScript, type PhoneScriptInput } from '../../../src/core/phone-script';
import { NEW_ID } from './fixtures';

const input: PhoneScriptInput = {
  lang: 'fr',
  serverId: NEW_ID,
  packKey: 'ttttt-rrrrr-qqqqq-ppppp-K7Q9M',
  program: 'retail',
  calType: 'device',
  calVersion: 2019,
  count: 10,
  organization: 'Contoso SARL',
  contact: 'Jeanne Martin, +33 1 23 45 67 89',
  reason: 'reinstalled',
  caseNumber: 'CH-000123',
};

describe('phoneScript', () => {
  it('fills in the source document aide-mémoire in French', () => {
    const text = phoneScript(input);
    expect(text).toContain('Contexte : réinstallation complète du serveur de licences RDS 2019.');
    expect(text).toContain("Le pack de 10 CALs RDS 2019 Per Device apparaît déjà activé sur l'ancienne instance.");
    expect(text).toContain("Demande : réémission du pack vers le nouveau serveur et invalidation de l'ancien.");
    expect(text).toContain(`* ID du serveur de licences (nouveau) : ${NEW_ID}`);
    expect(text).toContain('* Clé de produit 25 caractères (pack RDS 2019 Device) : XXXXX-XXXXX-XXXXX-XXXXX-K7Q9M');
    expect(text).toContain("* Programme d'achat : Retail (boîte / achat au détail) ; organisation : Contoso SARL ; contact : Jeanne Martin, +33 1 23 45 67 89");
    expect(text).toContain('* Motif : réinstallation du serveur de licences');
    expect(text).toContain("* Réémission (reissue) du pack vers l'ID du nouveau serveur");
    expect(text).toContain("* Invalidation de l'ancienne activation");
    expect(text).toContain('opencal licmgr install --key-pack-id');
    expect(text).toContain('Numéro de dossier : CH-000123');
  });

  it('fills in the same script in English', () => {
    const text = phoneScript({ ...input, lang: 'en', program: 'enterprise', reason: 'replaced', caseNumber: undefined, oldServerId: 'OLD-ID' });
    expect(text).toContain('Context: replacement of the RDS 2019 license server (hardware change).');
    expect(text).toContain('The pack of 10 RDS 2019 Per Device CALs shows as already activated on the old instance (ID OLD-ID).');
    expect(text).toContain('Request: reissue the pack to the new server and invalidate the old one.');
    expect(text).toContain(`* License server ID (new): ${NEW_ID}`);
    expect(text).toContain('* 25-character product key (RDS 2019 Device pack): XXXXX-XXXXX-XXXXX-XXXXX-K7Q9M');
    expect(text).toContain('* Purchase program: Enterprise Agreement (EA); organization: Contoso SARL; contact: Jeanne Martin');
    expect(text).toContain('* Reason: hardware change (server replaced)');
    expect(text).toContain('* Invalidation of the old activation');
    expect(text).not.toContain('Case number');
  });

  it('never prints the pack key but its last group', () => {
    for (const lang of ['fr', 'en'] as const) {
      const text = phoneScript({ ...input, lang });
      expect(text).not.toMatch(/TTTTT|RRRRR|QQQQQ|PPPPP/i);
    }
  });

  it('masks every group but the last, whatever the spelling', () => {
    expect(maskPackKey('BCDFGHJKMPQRTVWXY234K7Q9M')).toBe('XXXXX-XXXXX-XXXXX-XXXXX-K7Q9M');
    expect(maskPackKey(' bcdfg hjkmp qrtvw xy234 k7q9m ')).toBe('XXXXX-XXXXX-XXXXX-XXXXX-K7Q9M');
    expect(maskPackKey(undefined)).toBe('XXXXX-XXXXX-XXXXX-XXXXX-XXXXX');
    expect(maskPackKey('ABC')).toBe('XXXXX');
  });
});
