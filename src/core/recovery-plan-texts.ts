/**
 * The recovery plan's words (src/core/recovery-plan.ts) in English and French, from the facts the planner
 * observed. French follows the source document (serveur de licences, pack de licences, réémission, « Pending »).
 * Commands are facts and are never translated.
 */
import type { Lang } from './diagnoser-texts';

export interface PlanWords {
  lsUrl: string;
  serverId: string;
  packName: string;
  activeOn?: string;
  calType: string;
  version: string;
  caseNumber?: string;
  caseStatus?: string;
  approved: boolean;
  awaiting: readonly string[];
  reason: string;
  host: string;
  mode: string;
  hostMode: string;
  modeSource: string;
  servers: readonly string[];
  enrolled: boolean;
  oldUrl: string;
  oldId: string;
}

type W = (w: PlanWords) => string;
const cap = (t: string): string => t.charAt(0).toUpperCase() + t.slice(1);
interface StepWords {
  title: W;
  /** why the step is done (`done`) or still needed (`todo`). */
  done: W;
  todo: W;
}

const TYPE_FR: Record<string, string> = { device: 'par périphérique', user: 'par utilisateur' };
const MODE_FR: Record<string, string> = { 'per-device': 'Par périphérique', 'per-user': 'Par utilisateur', 'not-configured': 'non configuré' };
const SOURCE_FR: Record<string, string> = { policy: 'stratégie de groupe', deployment: 'déploiement', local: 'réglage local', default: 'par défaut' };
const STATUS_FR: Record<string, string> = { submitted: 'soumis', pending: 'en attente (Pending)', approved: 'approuvé', rejected: 'rejeté' };

export const PLAN_TEXTS: Record<Lang, Record<'activate' | 'install-new' | 'migrate' | 'reissue' | 'reissue-pending' | 'rebuild' | 'install' | 'configure' | 'verify' | 'retire' | 'retire-reissued', StepWords>> & {
  rebuildWarning: Record<Lang, string>;
} = {
  rebuildWarning: {
    en: 'Do not rebuild the license database before the reissue is assured: without it, the CALs will not come back.',
    fr: "Ne reconstruisez pas la base de licences avant que la réémission soit acquise : sans elle, les CALs ne reviendront pas.",
  },
  en: {
    activate: {
      title: () => 'Activate the license server',
      done: (w) => `License server ${w.lsUrl} (ID ${w.serverId}) is activated.`,
      todo: (w) =>
        `License server ${w.lsUrl} must be activated to install packs; unactivated, it issues only temporary CALs. Auto needs an organization token; web and phone use the product ID that the license server's status shows.`,
    },
    'install-new': {
      title: () => 'Install the pack',
      done: (w) => `${cap(w.packName)} is installed.`,
      todo: (w) => `${cap(w.packName)} has never been installed: install it with its pack key (auto) or with the key pack ID from the portal.`,
    },
    migrate: {
      title: () => 'Migrate the pack on the portal',
      done: (w) => `The migration was submitted${w.caseNumber ? ` (case ${w.caseNumber}, ${w.caseStatus ?? ''})` : ''}.`,
      todo: (w) =>
        `${cap(w.packName)} is still active on ${w.activeOn ? `license server ${w.activeOn}` : 'the old license server'}. Make a 45-character migration code on the new server and enter it on the portal with the 25-character pack key; check the program, the CAL type (${w.calType}) and the version (${w.version}): they must match the purchase exactly.`,
    },
    reissue: {
      title: () => 'Reissue: if the case ends Pending, call the clearinghouse',
      done: (w) => `The pack was reissued to this license server${w.approved && w.caseNumber ? ` (case ${w.caseNumber} approved)` : ''}; the old activation is invalidated.`,
      todo: (w) =>
        `Ask the agent for the reissue of ${w.packName} to the new license server ID and the invalidation of the old activation (reason: ${w.reason}). The agent reads back the 35-character key pack ID.`,
    },
    'reissue-pending': {
      title: (w) => `Case ${w.caseNumber ?? ''} is Pending: call the clearinghouse`,
      done: (w) => `The pack was reissued to this license server${w.approved && w.caseNumber ? ` (case ${w.caseNumber} approved)` : ''}; the old activation is invalidated.`,
      todo: (w) =>
        `Ask the agent for the reissue of ${w.packName} to the new license server ID and the invalidation of the old activation (reason: ${w.reason}).${w.awaiting.length > 0 ? ` The agent awaits: ${w.awaiting.join('; ')}.` : ''} The agent reads back the 35-character key pack ID.`,
    },
    rebuild: {
      title: () => 'Rebuild the license database',
      done: (w) => `The license database of ${w.lsUrl} was rebuilt.`,
      todo: (w) =>
        `The license database of ${w.lsUrl} is inconsistent. A rebuild wipes its key packs, issued CALs and activation but keeps its license server ID; then reactivate and reinstall the reissued pack.`,
    },
    install: {
      title: () => 'Install the reissued key pack',
      done: (w) => `${cap(w.packName)} is installed on ${w.lsUrl}.`,
      todo: () => 'Type the 35-character key pack ID the portal or the agent gave into the license manager of the new server.',
    },
    configure: {
      title: (w) => `Configure the session host: ${w.mode} with the new license server`,
      done: (w) => `Session host ${w.host} is in ${w.mode} mode with ${w.lsUrl} on its list, and that server would give it a CAL now.`,
      todo: (w) =>
        `Session host ${w.host} is in ${w.hostMode} mode (from ${w.modeSource}) with ${w.servers.length > 0 ? w.servers.join(', ') : 'no license server'}; it needs ${w.mode} mode and the new license server${w.enrolled ? '' : ', on which it must be enrolled (join token)'}. Apply the same to real Windows hosts by Group Policy or PowerShell, then gpupdate /force.`,
    },
    verify: {
      title: () => 'Verify: diagnoser, event log, test devices',
      done: () => 'Verified.',
      todo: () =>
        'No blocking finding; clean events; a test device gets a temporary CAL at its first connection and a permanent one at the next; the issued licenses list shows it.',
    },
    retire: {
      title: () => 'Take the old license server out of service',
      done: (w) => `Old license server ${w.oldUrl} is out of service.`,
      todo: (w) =>
        `Old license server ${w.oldUrl} (ID ${w.oldId}) still answers and holds the pack. Deactivating it releases its packs; its deactivation receipt lets the portal approve the migration at once.`,
    },
    'retire-reissued': {
      title: () => 'Take the old license server out of service',
      done: (w) => `Old license server ${w.oldUrl} is out of service.`,
      todo: (w) =>
        `Old license server ${w.oldUrl} (ID ${w.oldId}) still answers and is activated: the CALs it issued from the reissued pack are no longer honoured ("phantom" licenses).`,
    },
  },
  fr: {
    activate: {
      title: () => 'Activer le serveur de licences',
      done: (w) => `Le serveur de licences ${w.lsUrl} (ID ${w.serverId}) est activé.`,
      todo: (w) =>
        `Le serveur de licences ${w.lsUrl} doit être activé pour installer des packs ; non activé, il n'émet que des CALs temporaires. La méthode automatique demande un jeton d'organisation ; le Web et le téléphone utilisent l'ID de produit qu'affiche l'état du serveur de licences.`,
    },
    'install-new': {
      title: () => 'Installer le pack',
      done: (w) => `Le ${w.packName} est installé.`,
      todo: (w) => `Le ${w.packName} n'a jamais été installé : installez-le avec sa clé de pack (automatique) ou avec l'ID de pack de licences donné par le portail.`,
    },
    migrate: {
      title: () => 'Migrer le pack sur le portail',
      done: (w) => `La migration a été soumise${w.caseNumber ? ` (dossier ${w.caseNumber}, ${STATUS_FR[w.caseStatus ?? ''] ?? w.caseStatus ?? ''})` : ''}.`,
      todo: (w) =>
        `Le ${w.packName} est encore actif sur ${w.activeOn ? `le serveur de licences ${w.activeOn}` : "l'ancien serveur de licences"}. Générez un code de migration de 45 caractères sur le nouveau serveur et saisissez-le sur le portail avec la clé de pack de 25 caractères ; vérifiez le programme, le type de CAL (${TYPE_FR[w.calType] ?? w.calType}) et la version (${w.version}) : ils doivent correspondre exactement à l'achat.`,
    },
    reissue: {
      title: () => 'Réémission : si le dossier reste en attente (Pending), appelez le Clearinghouse',
      done: (w) => `Le pack a été réémis vers ce serveur de licences${w.approved && w.caseNumber ? ` (dossier ${w.caseNumber} approuvé)` : ''} ; l'ancienne activation est invalidée.`,
      todo: (w) =>
        `Demandez à l'agent la réémission du ${w.packName} vers l'ID du nouveau serveur de licences et l'invalidation de l'ancienne activation (motif : ${w.reason}). L'agent vous relit l'ID de pack de licences de 35 caractères.`,
    },
    'reissue-pending': {
      title: (w) => `Le dossier ${w.caseNumber ?? ''} est en attente (Pending) : appelez le Clearinghouse`,
      done: (w) => `Le pack a été réémis vers ce serveur de licences${w.approved && w.caseNumber ? ` (dossier ${w.caseNumber} approuvé)` : ''} ; l'ancienne activation est invalidée.`,
      todo: (w) =>
        `Demandez à l'agent la réémission du ${w.packName} vers l'ID du nouveau serveur de licences et l'invalidation de l'ancienne activation (motif : ${w.reason}).${w.awaiting.length > 0 ? ` L'agent attend : ${w.awaiting.join(' ; ')}.` : ''} L'agent vous relit l'ID de pack de licences de 35 caractères.`,
    },
    rebuild: {
      title: () => 'Reconstruire la base de licences',
      done: (w) => `La base de licences de ${w.lsUrl} a été reconstruite.`,
      todo: (w) =>
        `La base de licences de ${w.lsUrl} est incohérente. Une reconstruction efface ses packs, ses CALs émises et son activation mais garde l'ID du serveur de licences ; réactivez-le ensuite et réinstallez le pack réémis.`,
    },
    install: {
      title: () => 'Installer le pack de licences réémis',
      done: (w) => `Le ${w.packName} est installé sur ${w.lsUrl}.`,
      todo: () => "Saisissez l'ID de pack de licences de 35 caractères donné par le portail ou l'agent dans le gestionnaire de licences du nouveau serveur.",
    },
    configure: {
      title: (w) => `Configurer l'hôte de session : ${MODE_FR[w.mode] ?? w.mode} avec le nouveau serveur de licences`,
      done: (w) => `L'hôte de session ${w.host} est en mode ${MODE_FR[w.mode] ?? w.mode} avec ${w.lsUrl} dans sa liste, et ce serveur lui donnerait une CAL maintenant.`,
      todo: (w) =>
        `L'hôte de session ${w.host} est en mode ${MODE_FR[w.hostMode] ?? w.hostMode} (${SOURCE_FR[w.modeSource] ?? w.modeSource}) avec ${w.servers.length > 0 ? w.servers.join(', ') : 'aucun serveur de licences'} ; il lui faut le mode ${MODE_FR[w.mode] ?? w.mode} et le nouveau serveur de licences${w.enrolled ? '' : ", sur lequel il doit être inscrit (jeton d'inscription)"}. Appliquez la même chose aux vrais hôtes Windows par stratégie de groupe ou PowerShell, puis gpupdate /force.`,
    },
    verify: {
      title: () => 'Vérifier : diagnostic, journal des événements, périphériques de test',
      done: () => 'Vérifié.',
      todo: () =>
        "Aucun constat bloquant ; des événements propres ; un périphérique de test reçoit une CAL temporaire à sa première connexion et une permanente à la suivante ; la liste des licences émises le montre.",
    },
    retire: {
      title: () => "Mettre l'ancien serveur de licences hors service",
      done: (w) => `L'ancien serveur de licences ${w.oldUrl} est hors service.`,
      todo: (w) =>
        `L'ancien serveur de licences ${w.oldUrl} (ID ${w.oldId}) répond encore et détient le pack. Le désactiver libère ses packs ; son reçu de désactivation permet au portail d'approuver la migration aussitôt.`,
    },
    'retire-reissued': {
      title: () => "Mettre l'ancien serveur de licences hors service",
      done: (w) => `L'ancien serveur de licences ${w.oldUrl} est hors service.`,
      todo: (w) =>
        `L'ancien serveur de licences ${w.oldUrl} (ID ${w.oldId}) répond encore et est activé : les CALs qu'il a émises du pack réémis ne sont plus honorées (licences « fantômes »).`,
    },
  },
};

/**
 * The pack's name inside a sentence: "pack 1 (10 RDS 2019 Per Device CALs)" / "the RDS 2019 Per Device pack"; in
 * French without its article (the sentence gives « le » or « du »): « pack 1 (10 CALs RDS 2019 Per Device) ».
 */
export function packNameText(lang: Lang, label: string, pack?: { packNumber: number; count: number }): string {
  if (lang === 'fr') return pack ? `pack ${pack.packNumber} (${pack.count} CALs ${label})` : `pack ${label}`;
  return pack ? `pack ${pack.packNumber} (${pack.count} ${label} CALs)` : `the ${label} pack`;
}
