/**
 * The source document's phone script ("Exemple de script téléphonique (aide-mémoire)") filled in with this
 * site's values, in French and English: context, request, information to give, expected action.
 * Pure. The pack key is a bearer secret: only its last group is printed, the rest is masked.
 */
import type { CalType, CalVersion, MigrationReason, Program } from './vocabulary';

export interface PhoneScriptInput {
  lang: 'fr' | 'en';
  /** the new license server's ID (35 characters). */
  serverId: string;
  /** the 25-character pack key; printed masked but for its last group. */
  packKey?: string;
  program: Program;
  calType: CalType;
  calVersion: CalVersion;
  count: number;
  organization: string;
  contact: string;
  reason: MigrationReason;
  caseNumber?: string;
  /** the old license server's ID, when known. */
  oldServerId?: string;
  /** the license server's version (default: the CAL version, as in the source document). */
  serverVersion?: CalVersion;
}

const MASK_GROUP = 'XXXXX';

/** `XXXXX-XXXXX-XXXXX-XXXXX-K7Q9M`: every group but the last masked. */
export function maskPackKey(packKey: string | undefined): string {
  if (!packKey) return `${MASK_GROUP}-${MASK_GROUP}-${MASK_GROUP}-${MASK_GROUP}-${MASK_GROUP}`;
  const clean = packKey.replace(/[\s-]/g, '').toUpperCase();
  const groups: string[] = [];
  for (let i = 0; i < clean.length; i += 5) groups.push(clean.slice(i, i + 5));
  if (groups.length <= 1) return MASK_GROUP;
  return [...groups.slice(0, -1).map(() => MASK_GROUP), groups[groups.length - 1]!].join('-');
}

const PROGRAM_NAMES: Record<Program, { fr: string; en: string }> = {
  retail: { fr: 'Retail (boîte / achat au détail)', en: 'Retail' },
  open: { fr: 'Open License', en: 'Open License' },
  select: { fr: 'Select', en: 'Select' },
  enterprise: { fr: 'Enterprise Agreement (EA)', en: 'Enterprise Agreement (EA)' },
  campus: { fr: 'Campus Agreement', en: 'Campus Agreement' },
  school: { fr: 'School Agreement', en: 'School Agreement' },
  spla: { fr: 'SPLA', en: 'SPLA' },
  other: { fr: 'Autre contrat', en: 'Other agreement' },
};

const REASONS: Record<MigrationReason, { fr: string; en: string }> = {
  reinstalled: { fr: 'réinstallation du serveur de licences', en: 'reinstallation of the license server' },
  replaced: { fr: 'changement de matériel (serveur remplacé)', en: 'hardware change (server replaced)' },
  'not-functioning': { fr: 'ancien serveur hors service (détruit ou ne fonctionne plus)', en: 'old server no longer functioning (destroyed or out of service)' },
};

const CONTEXTS: Record<MigrationReason, { fr: (v: number) => string; en: (v: number) => string }> = {
  reinstalled: {
    fr: (v) => `réinstallation complète du serveur de licences RDS ${v}.`,
    en: (v) => `complete reinstallation of the RDS ${v} license server.`,
  },
  replaced: {
    fr: (v) => `remplacement du serveur de licences RDS ${v} (changement de matériel).`,
    en: (v) => `replacement of the RDS ${v} license server (hardware change).`,
  },
  'not-functioning': {
    fr: (v) => `l'ancien serveur de licences RDS ${v} ne fonctionne plus ; un nouveau serveur a été installé.`,
    en: (v) => `the old RDS ${v} license server no longer works; a new server was installed.`,
  },
};

/** The aide-mémoire, filled in. Lines end with `\n`. */
export function phoneScript(input: PhoneScriptInput): string {
  return input.lang === 'fr' ? french(input) : english(input);
}

function french(i: PhoneScriptInput): string {
  const type = i.calType === 'device' ? 'Per Device' : 'Per User';
  const typeShort = i.calType === 'device' ? 'Device' : 'User';
  const v = i.serverVersion ?? i.calVersion;
  const lines = [
    'Script téléphonique — Clearinghouse (aide-mémoire)',
    ...(i.caseNumber ? [`Numéro de dossier : ${i.caseNumber}`] : []),
    '',
    `Contexte : ${CONTEXTS[i.reason].fr(v)}`,
    `Le pack de ${i.count} CALs RDS ${i.calVersion} ${type} apparaît déjà activé sur l'ancienne instance${i.oldServerId ? ` (ID ${i.oldServerId})` : ''}.`,
    '',
    'Demande : réémission du pack vers le nouveau serveur et invalidation de l\'ancien.',
    '',
    'Informations à fournir :',
    `* ID du serveur de licences (nouveau) : ${i.serverId}`,
    `* Clé de produit 25 caractères (pack RDS ${i.calVersion} ${typeShort}) : ${maskPackKey(i.packKey)}`,
    `* Programme d'achat : ${PROGRAM_NAMES[i.program].fr} ; organisation : ${i.organization} ; contact : ${i.contact}`,
    `* Motif : ${REASONS[i.reason].fr}`,
    ...(i.caseNumber ? [`* Numéro de dossier du portail : ${i.caseNumber} (statut Pending)`] : []),
    '',
    'Action attendue :',
    '* Réémission (reissue) du pack vers l\'ID du nouveau serveur',
    '* Invalidation de l\'ancienne activation',
    '* Code de confirmation/ID d\'installation (ID de pack de licences, 35 caractères) pour finaliser :',
    '  opencal licmgr install --key-pack-id <ID DE PACK DE LICENCES>',
    '',
    'Faites relire le code par l\'agent, groupe par groupe (5 caractères).',
  ];
  return lines.join('\n') + '\n';
}

function english(i: PhoneScriptInput): string {
  const type = i.calType === 'device' ? 'Per Device' : 'Per User';
  const typeShort = i.calType === 'device' ? 'Device' : 'User';
  const v = i.serverVersion ?? i.calVersion;
  const lines = [
    'Phone script — Clearinghouse (reminder)',
    ...(i.caseNumber ? [`Case number: ${i.caseNumber}`] : []),
    '',
    `Context: ${CONTEXTS[i.reason].en(v)}`,
    `The pack of ${i.count} RDS ${i.calVersion} ${type} CALs shows as already activated on the old instance${i.oldServerId ? ` (ID ${i.oldServerId})` : ''}.`,
    '',
    'Request: reissue the pack to the new server and invalidate the old one.',
    '',
    'Information to give:',
    `* License server ID (new): ${i.serverId}`,
    `* 25-character product key (RDS ${i.calVersion} ${typeShort} pack): ${maskPackKey(i.packKey)}`,
    `* Purchase program: ${PROGRAM_NAMES[i.program].en}; organization: ${i.organization}; contact: ${i.contact}`,
    `* Reason: ${REASONS[i.reason].en}`,
    ...(i.caseNumber ? [`* Portal case number: ${i.caseNumber} (status Pending)`] : []),
    '',
    'Expected action:',
    '* Reissue of the pack to the new server\'s ID',
    '* Invalidation of the old activation',
    '* Confirmation code / installation ID (key pack ID, 35 characters) to finish with:',
    '  opencal licmgr install --key-pack-id <KEY PACK ID>',
    '',
    'Have the agent read the code back, group by group (5 characters).',
  ];
  return lines.join('\n') + '\n';
}
