/**
 * The source document's phone script ("Exemple de script téléphonique (aide-mémoire)") filled in with this
 * site's values, in French and English: context, request, information to give, expected action.
 * Pure. The pack key is a bearer secret: only its last group is printed, the rest is masked. What is not known
 * is said in words (« à préciser »), never printed as a placeholder such as <ORGANIZATION>.
 */
import type { CalType, CalVersion, MigrationReason, Program } from './vocabulary';

export interface PhoneScriptInput {
  lang: 'fr' | 'en';
  /** the new license server's ID (35 characters). */
  serverId: string;
  /** the 25-character pack key; printed masked but for its last group. */
  packKey?: string;
  /** unknown on a Windows estate (its exports do not say how the pack was bought): the script asks for it. */
  program?: Program;
  calType: CalType;
  calVersion: CalVersion;
  /** unknown when the pack is not installed anywhere the diagnoser can see. */
  count?: number;
  /** known from the clearinghouse, the license server's activation (Win32_TSLicenseServer.Company) or the administrator. */
  organization?: string;
  contact?: string;
  reason: MigrationReason;
  caseNumber?: string;
  /** the old license server's ID, when known. */
  oldServerId?: string;
  /** where the key pack ID is typed: OpenCAL's license manager (default) or RD Licensing Manager on Windows. */
  finishIn?: 'opencal' | 'licmgr';
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

const UNKNOWN = { fr: 'à préciser', en: 'to be given' } as const;

/** The pack key as the script prints it: masked but for its last group, or where to find it when not given. */
function packKeyText(packKey: string | undefined, lang: 'fr' | 'en'): string {
  if (packKey && packKey.replace(/[\s-]/g, '').length > 5) return maskPackKey(packKey);
  return lang === 'fr'
    ? "à lire dans le courriel de confirmation / le portail d'achat (avec --pack-key CLÉ, seul son dernier groupe s'affiche ici)"
    : 'read it from the purchase confirmation e-mail / portal (with --pack-key KEY, only its last group is shown here)';
}

function packCount(count: number | undefined, lang: 'fr' | 'en'): string {
  if (count === undefined) return lang === 'fr' ? 'de ' : 'of ';
  return lang === 'fr' ? `de ${count} ` : `of ${count} `;
}

/** A caller's placeholder such as `<ORGANIZATION>` means "not known": said in words instead. */
function known(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' || /^<[A-Z_ ]+>$/.test(v.trim()) ? undefined : v;
}

/** The aide-mémoire, filled in. Lines end with `\n`. */
export function phoneScript(input: PhoneScriptInput): string {
  const { organization, contact, ...rest } = input;
  const i: PhoneScriptInput = { ...rest };
  if (known(organization)) i.organization = organization!;
  if (known(contact)) i.contact = contact!;
  return i.lang === 'fr' ? french(i) : english(i);
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
    `Le pack ${packCount(i.count, 'fr')}CALs RDS ${i.calVersion} ${type} apparaît déjà activé sur l'ancienne instance${i.oldServerId ? ` (ID ${i.oldServerId})` : ''}.`,
    '',
    'Demande : réémission du pack vers le nouveau serveur et invalidation de l\'ancien.',
    '',
    'Informations à fournir :',
    `* ID du serveur de licences (nouveau) : ${i.serverId}`,
    `* Clé de produit 25 caractères (pack RDS ${i.calVersion} ${typeShort}) : ${packKeyText(i.packKey, 'fr')}`,
    `* Programme d'achat : ${i.program ? PROGRAM_NAMES[i.program].fr : `${UNKNOWN.fr} (Retail/Open/Select/EA)`} ; organisation : ${i.organization ?? UNKNOWN.fr} ; contact : ${i.contact ?? UNKNOWN.fr}`,
    `* Motif : ${REASONS[i.reason].fr}`,
    ...(i.caseNumber ? [`* Numéro de dossier du portail : ${i.caseNumber} (statut Pending)`] : []),
    '',
    'Action attendue :',
    '* Réémission (reissue) du pack vers l\'ID du nouveau serveur',
    '* Invalidation de l\'ancienne activation',
    '* Code de confirmation/ID d\'installation (ID de pack de licences, 35 caractères) pour finaliser :',
    i.finishIn === 'licmgr' ? '  licmgr.exe → clic droit sur le serveur → Installer les licences → Téléphone' : '  opencal licmgr install --key-pack-id <ID DE PACK DE LICENCES>',
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
    `The pack ${packCount(i.count, 'en')}RDS ${i.calVersion} ${type} CALs shows as already activated on the old instance${i.oldServerId ? ` (ID ${i.oldServerId})` : ''}.`,
    '',
    'Request: reissue the pack to the new server and invalidate the old one.',
    '',
    'Information to give:',
    `* License server ID (new): ${i.serverId}`,
    `* 25-character product key (RDS ${i.calVersion} ${typeShort} pack): ${packKeyText(i.packKey, 'en')}`,
    `* Purchase program: ${i.program ? PROGRAM_NAMES[i.program].en : `${UNKNOWN.en} (Retail/Open/Select/EA)`}; organization: ${i.organization ?? UNKNOWN.en}; contact: ${i.contact ?? UNKNOWN.en}`,
    `* Reason: ${REASONS[i.reason].en}`,
    ...(i.caseNumber ? [`* Portal case number: ${i.caseNumber} (status Pending)`] : []),
    '',
    'Expected action:',
    '* Reissue of the pack to the new server\'s ID',
    '* Invalidation of the old activation',
    '* Confirmation code / installation ID (key pack ID, 35 characters) to finish with:',
    i.finishIn === 'licmgr' ? '  licmgr.exe → right-click the server → Install Licenses → Telephone' : '  opencal licmgr install --key-pack-id <KEY PACK ID>',
    '',
    'Have the agent read the code back, group by group (5 characters).',
  ];
  return lines.join('\n') + '\n';
}
