/**
 * The diagnoser's texts for OpenCAL estates (src/core/diagnoser-rules.ts, src/diagnoser/index.ts), in English
 * and French, in one table: findings (message, probable cause, fix) from the facts `p` the rule observed, and
 * the lines `opencal diagnose` prints around them. French follows the source document's wording (serveur de
 * licences, délai de grâce, Par périphérique). Commands are given as facts, never translated.
 */
import type { FindingCode } from './diagnoser-rules';
import { MODE_NAME, type Lang } from './diagnoser-texts';
import type { LicensingMode } from './vocabulary';

/** The facts a finding's texts are built from; each rule fills the ones its texts use. */
export interface OpenCalFacts {
  host: string;
  url: string;
  mode: string;
  modeSource: string;
  other: string;
  need: string;
  available: number;
  saw1004: boolean;
  registryValue: number;
  problem: string;
  command: string;
  command2: string;
  counts: string;
  explained: string;
  days: number;
  endsOn: string;
  why: string;
  blocked: boolean;
  unconfigured: boolean;
  pack: string;
  count: number;
  calLabel: string;
  program: string;
  activeOn: string;
  target: string;
  command3: string;
  serverId: string;
  empty: string;
  rebuiltOn: string;
  held: string;
  /** NO_CALS_AFTER_REINSTALL: the database was rebuilt under the same ID (true), or is new under a new ID (false). */
  rebuilt: boolean;
  /** NO_CALS_AVAILABLE: every CAL of the installed packs is issued (true), or no pack is installed (false). */
  allIssued: boolean;
  /** NO_CALS_AVAILABLE: the CALs needed are per-device ones. */
  device: boolean;
  total: number;
  /** LICENSE_SERVER_NOT_ACTIVATED: the activation state the server reports. */
  status: string;
  /** CERTIFICATE_EXPIRING: YYYY-MM-DD of the expiry. */
  on: string;
  /** A server version, a session host version, the newest CAL version installed. */
  lsVersion: number;
  hostVersion: number;
  newest: number;
  /** PORTAL_CASE_PENDING */
  caseNumber: string;
  packNumber: number;
  awaiting: readonly string[];
  /** PHANTOM_LICENSES: which of the three observations, and the listed server's reasons. */
  variant: 'listed' | 'flagged' | 'still-checking-in';
  reasons: readonly PhantomReason[];
  caseKind: string;
  sourceServerId: string;
  seenOn: string;
  /** REVOKE_BUDGET_EXHAUSTED */
  revokedLive: number;
  limit: number;
  installed: number;
  calVersion: number;
  next: string;
  /** Probe findings: the probe's refusal code and message, whether the host is unreachable from the host's network. */
  code: string;
  unreachable: boolean;
  /** REVOCATION_LIST_STALE: never received, received from the clearinghouse (when, hours ago), or loaded from a file. */
  listState: 'never' | 'clearinghouse' | 'file';
  at: string;
  hours: number;
  /** DEVICES_WITHOUT_CAL, CAL_REQUESTS_REFUSED: the recent events. */
  events: RecentEvents;
  saw1069: boolean;
  /** CLOCK_SKEW: the license server's clock minus the host's, and the leeway (seconds). */
  skewSeconds: number;
  leewaySeconds: number;
}

/** Recent events summarised for a finding: how many, their ids, the latest time and message, the devices named. */
export interface RecentEvents {
  count: number;
  ids: string;
  latestAt: string;
  devices: readonly string[];
  latestMessage?: string;
}

/** "3 h 20 min ahead of" / « en avance de 3 h 20 min sur ». */
function skewText(lang: 'en' | 'fr', seconds: number | undefined): string {
  const v = Math.abs(seconds ?? 0);
  const h = Math.floor(v / 3600);
  const m = Math.floor((v % 3600) / 60);
  const span = h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min` : `${v} s`;
  const ahead = (seconds ?? 0) > 0;
  if (lang === 'fr') return ahead ? `est en avance de ${span} sur` : `est en retard de ${span} sur`;
  return ahead ? `${span} ahead of` : `${span} behind`;
}

function eventsEn(e: RecentEvents | undefined): string {
  if (!e) return '';
  const devices = e.devices.length > 0 ? ` (devices ${e.devices.slice(0, 5).join(', ')}${e.devices.length > 5 ? ', …' : ''})` : '';
  return `${e.count} event(s) ${e.ids} in the last hour, the latest at ${e.latestAt} UTC${devices}${e.latestMessage ? `: "${e.latestMessage}"` : ''}`;
}

function eventsFr(e: RecentEvents | undefined): string {
  if (!e) return '';
  const devices = e.devices.length > 0 ? ` (périphériques ${e.devices.slice(0, 5).join(', ')}${e.devices.length > 5 ? ', …' : ''})` : '';
  return `${e.count} événement(s) ${e.ids} dans la dernière heure, le dernier à ${e.latestAt} UTC${devices}${e.latestMessage ? ` : « ${e.latestMessage} »` : ''}`;
}

/** Why a license server's issued licenses look like phantoms (PHANTOM_LICENSES, variant "listed"). */
export type PhantomReason =
  | { kind: 'issued-elsewhere'; issued: number; pack: string; calLabel: string; activeOn?: string }
  | { kind: 'inconsistent'; calLabel: string; pack?: string; total: number; issued: number; available: number };

type Facts = Partial<OpenCalFacts>;
type T = (p: Facts) => string;
export interface OpenCalFindingText {
  message: T;
  cause: T;
  fix: T;
}

const s = (v: string | number | undefined): string => (v === undefined ? '' : String(v));

/** "per-device" → "Par périphérique" in French; the mode's own name in English. */
export function modeName(lang: Lang, mode: string | undefined): string {
  if (lang === 'en') return s(mode);
  return MODE_NAME.fr[mode as LicensingMode] ?? s(mode);
}

const SOURCE_FR: Record<string, string> = { policy: 'stratégie de groupe', deployment: 'déploiement', local: 'réglage local', default: 'par défaut' };
const TYPE_FR: Record<string, string> = { device: 'par périphérique', user: 'par utilisateur' };
const typesFr = (v: string | undefined): string => s(v).split('/').map((x) => TYPE_FR[x] ?? x).join('/');

/** Every finding of an OpenCAL estate, worded in both languages (test/core/diagnoser/opencal-texts.test.ts checks that none is missing). */
export const OPENCAL_FINDING_TEXTS: Partial<Record<FindingCode, Record<Lang, OpenCalFindingText>>> = {
  PACK_ACTIVE_ON_OTHER_SERVER: {
    en: {
      message: (p) =>
        `Pack ${s(p.pack)} (${s(p.count)} ${s(p.calLabel)} CALs, ${s(p.program)}) is already activated on license server ${s(p.activeOn)}${p.target ? `, not on ${p.target}` : ''}: installing its key here is refused as "already activated".`,
      cause: () => 'The pack is installed in another license database: the old license server (reinstalled, replaced or destroyed) still holds it at the clearinghouse.',
      fix: (p) => `Migrate the pack to this license server: ${s(p.command)}, then on the portal ${s(p.command2)}. If the case ends Pending, call the clearinghouse for a reissue (${s(p.command3)}).`,
    },
    fr: {
      message: (p) =>
        `Le pack ${s(p.pack)} (${s(p.count)} CALs ${s(p.calLabel)}, ${s(p.program)}) est déjà activé sur le serveur de licences ${s(p.activeOn)}${p.target ? `, pas sur ${p.target}` : ''} : l'installation de sa clé ici est refusée avec « La clé est déjà activée ».`,
      cause: () => "Le pack est installé dans une autre base de licences : l'ancien serveur de licences (réinstallé, remplacé ou détruit) le détient toujours auprès du Clearinghouse.",
      fix: (p) => `Migrez le pack vers ce serveur de licences : ${s(p.command)}, puis sur le portail ${s(p.command2)}. Si le dossier reste en attente (Pending), appelez le Clearinghouse pour une réémission (${s(p.command3)}).`,
    },
  },
  LICENSE_SERVER_UNREACHABLE: {
    en: {
      message: (p) =>
        `License server ${s(p.url)} is not available${p.problem ? ` (${p.problem})` : ''}.${p.blocked ? ' No license server on the list answers.' : ' The session host fails over to the next server on its list.'}`,
      cause: () =>
        'Network connectivity problems, the license server is stopped (opencal license-server serve), its URL on the session host is wrong, or it was reinstalled under another address.',
      fix: (p) => `Start the license server or correct its URL, then check it answers: ${s(p.command)}. If it was replaced, put the new one on the list: ${s(p.command2)}.`,
    },
    fr: {
      message: (p) =>
        `Le serveur de licences ${s(p.url)} n'est pas disponible${p.problem ? ` (${p.problem})` : ''}.${p.blocked ? ' Aucun serveur de licences de la liste ne répond.' : " L'hôte de session bascule sur le serveur suivant de sa liste."}`,
      cause: () =>
        "Problème de connectivité réseau, le serveur de licences est arrêté (opencal license-server serve), son URL sur l'hôte de session est fausse, ou il a été réinstallé sous une autre adresse.",
      fix: (p) => `Démarrez le serveur de licences ou corrigez son URL, puis vérifiez qu'il répond : ${s(p.command)}. S'il a été remplacé, mettez le nouveau dans la liste : ${s(p.command2)}.`,
    },
  },
  LICENSE_SERVER_IDENTITY_CHANGED: {
    en: {
      message: (p) =>
        p.blocked
          ? `A new license server identity ${s(p.serverId)} answers at ${s(p.url)}, and session host ${s(p.host)} does not follow it: it keeps ${s(p.other)} and gets no CALs there.`
          : `License server ${s(p.url)} has a new identity ${s(p.serverId)} (was ${s(p.other)}); session host ${s(p.host)} follows it.`,
      cause: (p) =>
        p.blocked
          ? `The session host cannot vouch for the new identity: ${s(p.why)}.`
          : 'The license server was reinstalled at the same address; the clearinghouse certifies the new one as a server of the session host\'s organization.',
      fix: (p) =>
        p.blocked
          ? `Check what answers at that address (${s(p.command)}). If it is your reinstalled license server, activate it with your organization, then refresh the session host (${s(p.command2)}).`
          : `Nothing to do: devices get their CALs from the new license server (${s(p.command)} shows the change).`,
    },
    fr: {
      message: (p) =>
        p.blocked
          ? `Une nouvelle identité de serveur de licences ${s(p.serverId)} répond à ${s(p.url)}, et l'hôte de session ${s(p.host)} ne la suit pas : il garde ${s(p.other)} et n'obtient pas de CALs à cette adresse.`
          : `Le serveur de licences ${s(p.url)} a une nouvelle identité ${s(p.serverId)} (auparavant ${s(p.other)}) ; l'hôte de session ${s(p.host)} la suit.`,
      cause: (p) =>
        p.blocked
          ? `L'hôte de session ne peut pas se porter garant de la nouvelle identité : ${s(p.why)}.`
          : "Le serveur de licences a été réinstallé à la même adresse ; le clearinghouse certifie que le nouveau est un serveur de l'organisation de l'hôte de session.",
      fix: (p) =>
        p.blocked
          ? `Vérifiez ce qui répond à cette adresse (${s(p.command)}). Si c'est votre serveur de licences réinstallé, activez-le avec votre organisation, puis actualisez l'hôte de session (${s(p.command2)}).`
          : `Rien à faire : les périphériques obtiennent leurs CALs du nouveau serveur de licences (${s(p.command)} montre le changement).`,
    },
  },
  HOST_NOT_ENROLLED: {
    en: {
      message: (p) => `Session host ${s(p.host)} is not enrolled on license server ${s(p.url)}: it cannot request CALs from it.`,
      cause: () => 'A session host needs a session host token from each license server on its list, obtained once with a join token.',
      fix: (p) => `Make a join token on the license server (${s(p.command)}) and enrol the session host with it (${s(p.command2)}).`,
    },
    fr: {
      message: (p) => `L'hôte de session ${s(p.host)} n'est pas inscrit sur le serveur de licences ${s(p.url)} : il ne peut pas lui demander de CALs.`,
      cause: () => "Un hôte de session a besoin d'un jeton d'hôte de session de chaque serveur de licences de sa liste, obtenu une fois avec un jeton d'inscription.",
      fix: (p) => `Créez un jeton d'inscription sur le serveur de licences (${s(p.command)}) et inscrivez l'hôte de session avec lui (${s(p.command2)}).`,
    },
  },
  LICENSE_SERVER_NOT_ACTIVATED: {
    en: {
      message: (p) =>
        p.status === 'invalidated'
          ? `License server ${s(p.url)} (ID ${s(p.serverId)}) has had its activation invalidated by the clearinghouse.`
          : `License server ${s(p.url)} (ID ${s(p.serverId)}) is ${p.status === 'deactivated' ? 'deactivated' : 'not activated'} (event 18): it issues only temporary per-device CALs and cannot install key packs.`,
      cause: (p) =>
        p.status === 'invalidated'
          ? 'The clearinghouse invalidated this server (reissue of its packs to another server, a clone or a compromised key). It issues only temporary CALs.'
          : p.status === 'deactivated'
            ? 'The server was deactivated; its packs were released.'
            : 'The license server has not been activated with the clearinghouse (for example after a reinstall).',
      fix: (p) =>
        p.status === 'invalidated'
          ? `If this server should stay in service, reactivate it with a reason: ${s(p.command)}; otherwise take it off the session host's list and retire it.`
          : `Activate it: ${s(p.command)} (or by web or phone with the product ID that ${s(p.command2)} shows, then ${s(p.command3)}).`,
    },
    fr: {
      message: (p) =>
        p.status === 'invalidated'
          ? `L'activation du serveur de licences ${s(p.url)} (ID ${s(p.serverId)}) a été invalidée par le Clearinghouse.`
          : `Le serveur de licences ${s(p.url)} (ID ${s(p.serverId)}) est ${p.status === 'deactivated' ? 'désactivé' : 'non activé'} (événement 18) : il n'émet que des CALs temporaires par périphérique et ne peut pas installer de packs de licences.`,
      cause: (p) =>
        p.status === 'invalidated'
          ? "Le Clearinghouse a invalidé ce serveur (réémission de ses packs vers un autre serveur, un clone ou une clé compromise). Il n'émet que des CALs temporaires."
          : p.status === 'deactivated'
            ? 'Le serveur a été désactivé ; ses packs ont été libérés.'
            : "Le serveur de licences n'a pas été activé auprès du Clearinghouse (par exemple après une réinstallation).",
      fix: (p) =>
        p.status === 'invalidated'
          ? `Si ce serveur doit rester en service, réactivez-le avec un motif : ${s(p.command)} ; sinon retirez-le de la liste de l'hôte de session et mettez-le hors service.`
          : `Activez-le : ${s(p.command)} (ou par le Web ou par téléphone avec l'ID de produit qu'affiche ${s(p.command2)}, puis ${s(p.command3)}).`,
    },
  },
  CERTIFICATE_EXPIRED: {
    en: {
      message: (p) => `The certificate of license server ${s(p.url)} (ID ${s(p.serverId)}) expired on ${s(p.on)}.`,
      cause: () => 'An expired certificate blocks clearinghouse transactions and session hosts stop honouring its CALs (events 17/19).',
      fix: (p) => `Reactivate the server with the reason "certificate expired": ${s(p.command)}.`,
    },
    fr: {
      message: (p) => `Le certificat du serveur de licences ${s(p.url)} (ID ${s(p.serverId)}) a expiré le ${s(p.on)}.`,
      cause: () => "Un certificat expiré bloque les transactions avec le Clearinghouse et les hôtes de session n'honorent plus ses CALs (événements 17/19).",
      fix: (p) => `Réactivez le serveur avec le motif « certificat expiré » : ${s(p.command)}.`,
    },
  },
  CERTIFICATE_EXPIRING: {
    en: {
      message: (p) => `The certificate of license server ${s(p.url)} expires in ${s(p.days)} day(s), on ${s(p.on)}.`,
      cause: () => 'Certificates have a validity; the license server renews it at check-in only while it can reach the clearinghouse.',
      fix: (p) => `Check in now (${s(p.command2)}) or reactivate before it expires: ${s(p.command)}.`,
    },
    fr: {
      message: (p) => `Le certificat du serveur de licences ${s(p.url)} expire dans ${s(p.days)} jour(s), le ${s(p.on)}.`,
      cause: () => "Les certificats ont une validité ; le serveur de licences le renouvelle à chaque synchronisation, tant qu'il joint le Clearinghouse.",
      fix: (p) => `Synchronisez maintenant (${s(p.command2)}) ou réactivez avant l'expiration : ${s(p.command)}.`,
    },
  },
  HOST_NOT_ALLOWED: {
    en: {
      message: (p) => `License server ${s(p.url)} refuses CALs to session host ${s(p.host)}: the host is not on its "RDS Endpoint Servers" allow-list (event 4141).`,
      cause: () => 'The license server only issues to session hosts on its allow-list, and this one is not on it.',
      fix: (p) => `Add ${s(p.host)} to the license server's allow-list (${s(p.command)}), or turn the allow-list off; check it with ${s(p.command2)}.`,
    },
    fr: {
      message: (p) =>
        `Le serveur de licences ${s(p.url)} refuse des CALs à l'hôte de session ${s(p.host)} : l'hôte n'est pas dans sa liste d'autorisation « Serveurs de point de terminaison RDS » (événement 4141).`,
      cause: () => "Le serveur de licences n'émet qu'aux hôtes de session de sa liste d'autorisation, et celui-ci n'y est pas.",
      fix: (p) => `Ajoutez ${s(p.host)} à la liste d'autorisation du serveur de licences (${s(p.command)}), ou désactivez cette liste ; vérifiez-la avec ${s(p.command2)}.`,
    },
  },
  VERSION_NOT_HOSTABLE: {
    en: {
      message: (p) => `License server ${s(p.url)} is version ${s(p.lsVersion)}: it cannot host the RDS ${s(p.hostVersion)} CALs that session host ${s(p.host)} (version ${s(p.hostVersion)}) needs.`,
      cause: () => 'A license server hosts CALs of its own version or older, and a session host accepts CALs of its own version or newer.',
      fix: (p) => `Run a license server of version ${s(p.hostVersion)} or newer and put it on the session host's list: ${s(p.command)}.`,
    },
    fr: {
      message: (p) =>
        `Le serveur de licences ${s(p.url)} est en version ${s(p.lsVersion)} : il ne peut pas héberger les CALs RDS ${s(p.hostVersion)} dont l'hôte de session ${s(p.host)} (version ${s(p.hostVersion)}) a besoin.`,
      cause: () => "Un serveur de licences héberge les CALs de sa version ou plus anciennes, et un hôte de session accepte les CALs de sa version ou plus récentes.",
      fix: (p) => `Mettez en service un serveur de licences de version ${s(p.hostVersion)} ou plus récente et ajoutez-le à la liste de l'hôte de session : ${s(p.command)}.`,
    },
  },
  CAL_VERSION_NOT_ACCEPTED: {
    en: {
      message: (p) => `Session host ${s(p.host)} is version ${s(p.hostVersion)} but the newest ${s(p.need)} CALs installed are RDS ${s(p.newest)}: it does not accept them.`,
      cause: () => 'A session host accepts CALs of its own version or newer; older CALs are refused.',
      fix: (p) => `Buy and install ${s(p.calLabel)} CALs (or newer) on a license server that can host them: ${s(p.command)}.`,
    },
    fr: {
      message: (p) =>
        `L'hôte de session ${s(p.host)} est en version ${s(p.hostVersion)} mais les CALs ${typesFr(p.need)} les plus récentes installées sont des RDS ${s(p.newest)} : il ne les accepte pas.`,
      cause: () => 'Un hôte de session accepte les CALs de sa version ou plus récentes ; les CALs plus anciennes sont refusées.',
      fix: (p) => `Achetez et installez des CALs ${s(p.calLabel)} (ou plus récentes) sur un serveur de licences capable de les héberger : ${s(p.command)}.`,
    },
  },
  PORTAL_CASE_PENDING: {
    en: {
      message: (p) =>
        `Case ${s(p.caseNumber)}${p.packNumber !== undefined ? ` (pack ${p.packNumber}${p.target ? `, to license server ${p.target}` : ''})` : p.target ? ` (to license server ${p.target})` : ''} is Pending on the portal. The agent awaits: ${p.awaiting && p.awaiting.length > 0 ? p.awaiting.join('; ') : 'a manual review by an agent'}.`,
      cause: () => 'Manual validation is required: the evidence did not suffice for an automatic approval (the pack is still attached to the old server).',
      fix: (p) => `Call the clearinghouse and ask for the reissue of the pack to the new server and the invalidation of the old activation; read the phone script: ${s(p.command)}. The agent approves with ${s(p.command2)}.`,
    },
    fr: {
      message: (p) =>
        `Le dossier ${s(p.caseNumber)}${p.packNumber !== undefined ? ` (pack ${p.packNumber}${p.target ? `, vers le serveur de licences ${p.target}` : ''})` : p.target ? ` (vers le serveur de licences ${p.target})` : ''} est en attente (Pending) sur le portail. L'agent attend : ${p.awaiting && p.awaiting.length > 0 ? p.awaiting.join(' ; ') : "un examen manuel par un agent"}.`,
      cause: () => "Une validation manuelle est nécessaire : les preuves n'ont pas suffi à une approbation automatique (le pack est encore rattaché à l'ancien serveur).",
      fix: (p) =>
        `Appelez le Clearinghouse et demandez la réémission du pack vers le nouveau serveur et l'invalidation de l'ancienne activation ; lisez le script d'appel : ${s(p.command)}. L'agent approuve avec ${s(p.command2)}.`,
    },
  },
  PHANTOM_LICENSES: {
    en: {
      message: (p) =>
        p.variant === 'flagged'
          ? `The clearinghouse flagged case ${s(p.caseNumber)}: license server ${s(p.sourceServerId)} ${p.caseKind === 'clone' ? 'checks in with two different keys (a clone)' : `still uses pack ${s(p.pack)} although its activation for it was invalidated`}.`
          : p.variant === 'still-checking-in'
            ? `Old license server ${s(p.sourceServerId)} was still checking in on ${s(p.seenOn)}, after pack ${s(p.pack)} was reissued from it (case ${s(p.caseNumber)}).`
            : `License server ${s(p.url)} lists "phantom" issued licenses: ${(p.reasons ?? [])
                .map((r) =>
                  r.kind === 'issued-elsewhere'
                    ? `it still shows ${r.issued} CAL(s) issued from pack ${r.pack} (${r.calLabel}), which ${r.activeOn ? `is active on license server ${r.activeOn}` : 'was reissued to another server'}`
                    : `its counts for ${r.calLabel}${r.pack !== undefined ? ` (pack ${r.pack})` : ''} are inconsistent: ${r.total} total, ${r.issued} issued, ${r.available} available`,
                )
                .join('; ')}.`,
      cause: (p) =>
        p.variant === 'listed'
          ? 'An old license server is still issuing from a pack that was reissued elsewhere, or its license database is inconsistent.'
          : p.variant === 'flagged'
            ? 'An old or cloned license server is still running and issuing CALs that session hosts no longer honour.'
            : 'The old license server is still running and may still hand out CALs from the reissued pack; session hosts no longer honour them.',
      fix: (p) =>
        p.variant === 'still-checking-in'
          ? `Take the old server out of service: ${s(p.command)} (or stop it and remove its role).`
          : p.variant === 'flagged'
            ? `Take the old server out of service (${s(p.command)}), make sure the pack was reissued to the new server, and rebuild the old database if it must stay (${s(p.command2)}).`
            : `Make sure the pack was reissued to the new server, then take the old server out of service (${s(p.command)}) or rebuild its database (${s(p.command2)}) — never before the reissue is assured.`,
    },
    fr: {
      message: (p) =>
        p.variant === 'flagged'
          ? `Le Clearinghouse a signalé le dossier ${s(p.caseNumber)} : le serveur de licences ${s(p.sourceServerId)} ${p.caseKind === 'clone' ? 'se synchronise avec deux clés différentes (un clone)' : `utilise encore le pack ${s(p.pack)} alors que son activation pour ce pack a été invalidée`}.`
          : p.variant === 'still-checking-in'
            ? `L'ancien serveur de licences ${s(p.sourceServerId)} se synchronisait encore le ${s(p.seenOn)}, après la réémission du pack ${s(p.pack)} (dossier ${s(p.caseNumber)}).`
            : `Le serveur de licences ${s(p.url)} affiche des licences émises « fantômes » : ${(p.reasons ?? [])
                .map((r) =>
                  r.kind === 'issued-elsewhere'
                    ? `il montre encore ${r.issued} CAL(s) émise(s) du pack ${r.pack} (${r.calLabel}), qui ${r.activeOn ? `est actif sur le serveur de licences ${r.activeOn}` : 'a été réémis vers un autre serveur'}`
                    : `ses compteurs pour ${r.calLabel}${r.pack !== undefined ? ` (pack ${r.pack})` : ''} sont incohérents : ${r.total} au total, ${r.issued} émises, ${r.available} disponibles`,
                )
                .join(' ; ')}.`,
      cause: (p) =>
        p.variant === 'listed'
          ? "Un ancien serveur de licences émet encore depuis un pack réémis ailleurs, ou sa base de licences est incohérente."
          : p.variant === 'flagged'
            ? "Un ancien serveur de licences, ou un clone, tourne encore et émet des CALs que les hôtes de session n'honorent plus."
            : "L'ancien serveur de licences tourne encore et peut encore distribuer des CALs du pack réémis ; les hôtes de session ne les honorent plus.",
      fix: (p) =>
        p.variant === 'still-checking-in'
          ? `Mettez l'ancien serveur hors service : ${s(p.command)} (ou arrêtez-le et retirez son rôle).`
          : p.variant === 'flagged'
            ? `Mettez l'ancien serveur hors service (${s(p.command)}), assurez-vous que le pack a été réémis vers le nouveau serveur, et reconstruisez l'ancienne base s'il doit rester (${s(p.command2)}).`
            : `Assurez-vous que le pack a été réémis vers le nouveau serveur, puis mettez l'ancien serveur hors service (${s(p.command)}) ou reconstruisez sa base (${s(p.command2)}) — jamais avant que la réémission soit acquise.`,
    },
  },
  REVOKE_BUDGET_EXHAUSTED: {
    en: {
      message: (p) =>
        `License server ${s(p.url)} has ${s(p.revokedLive)} RDS ${s(p.calVersion)} per-device CAL(s) revoked, the limit of ${s(p.limit)} (20 % of ${s(p.installed)} installed): the next revoke is allowed ${p.next ? `on ${p.next}` : 'when a revoked CAL would have expired'}.`,
      cause: () => "At most max(1, 20 %) of a version's installed per-device CALs may be in the revoked state; a slot frees when the revoked CAL would have expired.",
      fix: (p) => `Wait until ${p.next ? p.next : 'a revoked CAL would have expired'}, or install more CALs (${s(p.command)}); see ${s(p.command2)}.`,
    },
    fr: {
      message: (p) =>
        `Le serveur de licences ${s(p.url)} a ${s(p.revokedLive)} CAL(s) RDS ${s(p.calVersion)} par périphérique révoquée(s), la limite de ${s(p.limit)} (20 % de ${s(p.installed)} installées) : la prochaine révocation sera possible ${p.next ? `le ${p.next}` : "quand une CAL révoquée aurait expiré"}.`,
      cause: () => "Au plus max(1, 20 %) des CALs par périphérique installées d'une version peuvent être à l'état révoqué ; une place se libère quand la CAL révoquée aurait expiré.",
      fix: (p) => `Attendez ${p.next ? `le ${p.next}` : "qu'une CAL révoquée ait expiré"}, ou installez davantage de CALs (${s(p.command)}) ; voir ${s(p.command2)}.`,
    },
  },
  PROBE_NOT_RUN: {
    en: {
      message: (p) =>
        `The session host ${s(p.host)} could not ask its license servers for a CAL decision${p.code ? ` (${p.code})` : ''}: whether they would issue CALs to it was not checked.`,
      cause: () => 'The session host does not offer the probe (an older version), or the token given to the diagnoser may not call it.',
      fix: (p) => `Run the diagnosis again with a session host token of scope sh:admin or readonly, on a session host of this version; check the host with ${s(p.command)}.`,
    },
    fr: {
      message: (p) =>
        `L'hôte de session ${s(p.host)} n'a pas pu demander de décision de CAL à ses serveurs de licences${p.code ? ` (${p.code})` : ''} : on ne sait pas s'ils lui émettraient des CALs.`,
      cause: () => "L'hôte de session n'offre pas la sonde (version plus ancienne), ou le jeton donné au diagnostic ne permet pas de l'appeler.",
      fix: (p) => `Relancez le diagnostic avec un jeton d'hôte de session de portée sh:admin ou readonly, sur un hôte de session de cette version ; vérifiez l'hôte avec ${s(p.command)}.`,
    },
  },
  ENROLMENT_REFUSED: {
    en: {
      message: (p) =>
        `License server ${s(p.url)} refuses the enrolment of session host ${s(p.host)} (${s(p.code)}): the host holds an enrolment, but the server does not recognise it, so every CAL request to it fails.`,
      cause: () =>
        'The license server was reinstalled at the same address (a new license database and identity) and the session host is still enrolled on the old one; or its enrolment was removed.',
      fix: (p) => `Make a join token on the license server (${s(p.command)}) and enrol the session host again (${s(p.command2)}).`,
    },
    fr: {
      message: (p) =>
        `Le serveur de licences ${s(p.url)} refuse l'inscription de l'hôte de session ${s(p.host)} (${s(p.code)}) : l'hôte détient une inscription, mais le serveur ne la reconnaît pas ; chaque demande de CAL échoue.`,
      cause: () =>
        "Le serveur de licences a été réinstallé à la même adresse (nouvelle base de licences et nouvelle identité) et l'hôte de session est encore inscrit sur l'ancien ; ou son inscription a été supprimée.",
      fix: (p) => `Créez un jeton d'inscription sur le serveur de licences (${s(p.command)}) et inscrivez de nouveau l'hôte de session (${s(p.command2)}).`,
    },
  },
  PROBE_NO_CAL: {
    en: {
      message: (p) =>
        p.unreachable
          ? `Session host ${s(p.host)} cannot reach license server ${s(p.url)}${p.problem ? ` (${p.problem})` : ''}.`
          : `License server ${s(p.url)} would give session host ${s(p.host)} no CAL now (${p.code ? p.code : 'refused'})${p.problem ? `: ${p.problem}` : ''}.`,
      cause: (p) =>
        p.unreachable
          ? 'The license server answers the diagnoser but not the session host: a firewall, a name that resolves differently on the host, or a server that is down.'
          : "The license server refuses this host's CAL requests: see its reason.",
      fix: (p) => `Check the license server from the session host's network and its status: ${s(p.command)}.`,
    },
    fr: {
      message: (p) =>
        p.unreachable
          ? `L'hôte de session ${s(p.host)} ne joint pas le serveur de licences ${s(p.url)}${p.problem ? ` (${p.problem})` : ''}.`
          : `Le serveur de licences ${s(p.url)} ne donnerait aucune CAL à l'hôte de session ${s(p.host)} maintenant (${p.code ? p.code : 'refus'})${p.problem ? ` : ${p.problem}` : ''}.`,
      cause: (p) =>
        p.unreachable
          ? "Le serveur de licences répond au diagnostic mais pas à l'hôte de session : un pare-feu, un nom résolu autrement sur l'hôte, ou un serveur arrêté."
          : "Le serveur de licences refuse les demandes de CAL de cet hôte : voir son motif.",
      fix: (p) => `Vérifiez le serveur de licences depuis le réseau de l'hôte de session, et son état : ${s(p.command)}.`,
    },
  },
  REVOCATION_LIST_STALE: {
    en: {
      message: (p) =>
        p.listState === 'never'
          ? `Session host ${s(p.host)} has never received the clearinghouse's revocation list: CALs of reissued packs and invalidated license servers are still honoured.`
          : p.listState === 'clearinghouse'
            ? `The revocation list of session host ${s(p.host)} was last received on ${s(p.at)} UTC (${s(p.hours)} hours ago): CALs revoked since then are still honoured.`
            : `The revocation list of session host ${s(p.host)} was loaded from a file on ${s(p.at)}: CALs revoked since then are still honoured.`,
      cause: (p) =>
        p.listState === 'file'
          ? 'The session host has no clearinghouse to fetch the list from; it judges CALs by the last list loaded from a file.'
          : 'The session host cannot reach the clearinghouse (its hourly refresh fails, event 9206), or its clearinghouse URL is wrong.',
      fix: (p) =>
        p.listState === 'file'
          ? `Export the current revocation list from the clearinghouse and load it on the session host (revocation list file in its configuration); check with ${s(p.command)}.`
          : `Let the session host reach the clearinghouse, then refresh now: ${s(p.command)}.`,
    },
    fr: {
      message: (p) =>
        p.listState === 'never'
          ? `L'hôte de session ${s(p.host)} n'a jamais reçu la liste de révocation du Clearinghouse : les CALs des packs réémis et des serveurs de licences invalidés sont encore honorées.`
          : p.listState === 'clearinghouse'
            ? `La liste de révocation de l'hôte de session ${s(p.host)} a été reçue pour la dernière fois le ${s(p.at)} UTC (il y a ${s(p.hours)} heures) : les CALs révoquées depuis sont encore honorées.`
            : `La liste de révocation de l'hôte de session ${s(p.host)} a été chargée depuis un fichier le ${s(p.at)} : les CALs révoquées depuis sont encore honorées.`,
      cause: (p) =>
        p.listState === 'file'
          ? "L'hôte de session n'a pas de Clearinghouse où chercher la liste ; il juge les CALs d'après la dernière liste chargée depuis un fichier."
          : "L'hôte de session ne joint pas le Clearinghouse (son actualisation horaire échoue, événement 9206), ou l'URL du Clearinghouse est fausse.",
      fix: (p) =>
        p.listState === 'file'
          ? `Exportez la liste de révocation actuelle du Clearinghouse et chargez-la sur l'hôte de session (fichier de liste de révocation de sa configuration) ; vérifiez avec ${s(p.command)}.`
          : `Permettez à l'hôte de session de joindre le Clearinghouse, puis actualisez maintenant : ${s(p.command)}.`,
    },
  },
  DEVICES_WITHOUT_CAL: {
    en: {
      message: (p) => `Devices were admitted without a CAL, only because the grace period runs, on session host ${s(p.host)}: ${eventsEn(p.events)}.`,
      cause: () =>
        'The session host could not obtain a CAL from any license server on its list (or has no licensing mode or license server to ask): inside the grace period the device is admitted without one (event 9211), after it the device is refused.',
      fix: (p) =>
        `Correct what the other findings name (enrolment, license server, mode, CALs available), then connect a test device: it must receive a temporary, then a permanent CAL. Check the events with ${s(p.command)}.`,
    },
    fr: {
      message: (p) =>
        `Des périphériques ont été admis sans CAL, seulement parce que le délai de grâce court, sur l'hôte de session ${s(p.host)} : ${eventsFr(p.events)}.`,
      cause: () =>
        "L'hôte de session n'a obtenu de CAL d'aucun serveur de licences de sa liste (ou n'a ni mode de licences ni serveur de licences à qui la demander) : pendant le délai de grâce le périphérique est admis sans CAL (événement 9211), après il est refusé.",
      fix: (p) =>
        `Corrigez ce que nomment les autres constats (inscription, serveur de licences, mode, CALs disponibles), puis connectez un périphérique de test : il doit recevoir une CAL temporaire, puis permanente. Vérifiez les événements avec ${s(p.command)}.`,
    },
  },
  CAL_REQUESTS_REFUSED: {
    en: {
      message: (p) => `CAL requests or connections were refused: ${eventsEn(p.events)}.`,
      cause: () => 'The grace period ended with no licensing mode (1069), or devices presented CALs that fail verification (9210).',
      fix: (p) => `See each refusal with ${s(p.command)}; the other findings name the setting to correct.`,
    },
    fr: {
      message: (p) => `Des demandes de CAL ou des connexions ont été refusées : ${eventsFr(p.events)}.`,
      cause: () => "Le délai de grâce s'est terminé sans mode de licences (1069), ou des périphériques ont présenté des CALs qui échouent à la vérification (9210).",
      fix: (p) => `Consultez chaque refus avec ${s(p.command)} ; les autres constats nomment le réglage à corriger.`,
    },
  },
  CLOCK_SKEW: {
    en: {
      message: (p) =>
        `The clock of license server ${s(p.url)} is ${skewText('en', p.skewSeconds)} the clock of session host ${s(p.host)}, more than the ${s(p.leewaySeconds)} s leeway.`,
      cause: () =>
        'One of the two machines does not keep time (no time service, a stopped NTP client, a wrong time zone on a clock kept in local time). CALs are dated by the license server: to the host they look issued in the future or already expired; it then asks for a new CAL on the server\'s clock instead of refusing the connection.',
      fix: (p) => `Synchronise both machines with the same time source (NTP, or the domain's time service with w32tm on Windows), then check the host's status: ${s(p.command)}.`,
    },
    fr: {
      message: (p) =>
        `L'horloge du serveur de licences ${s(p.url)} ${skewText('fr', p.skewSeconds)} celle de l'hôte de session ${s(p.host)}, au-delà de la tolérance de ${s(p.leewaySeconds)} s.`,
      cause: () =>
        "L'une des deux machines ne garde pas l'heure (pas de service de temps, client NTP arrêté, mauvais fuseau sur une horloge tenue en heure locale). Les CALs sont datées par le serveur de licences : pour l'hôte elles semblent émises dans le futur ou déjà expirées ; il demande alors une nouvelle CAL à l'heure du serveur au lieu de refuser la connexion.",
      fix: (p) => `Synchronisez les deux machines sur la même source de temps (NTP, ou le service de temps du domaine avec w32tm sous Windows), puis vérifiez l'état de l'hôte : ${s(p.command)}.`,
    },
  },
  NO_CALS_AVAILABLE: {
    en: {
      message: (p) =>
        p.allIssued
          ? `All ${s(p.total)} ${s(p.calLabel)}-compatible CALs are issued (event 21): ${p.device ? 'new devices get only temporary CALs, and are refused once those expire' : 'per-user CALs are over-allocated (reported, not refused)'}.`
          : `No ${s(p.calLabel)} (or newer) key pack is installed on the license servers of session host ${s(p.host)}: devices get only temporary CALs.`,
      cause: (p) => (p.allIssued ? 'Every CAL of the installed packs is issued to a device or user.' : 'No key pack of the CAL type the licensing mode needs is installed.'),
      fix: (p) =>
        p.allIssued
          ? `Install more CALs (${s(p.command)}), or revoke CALs of devices no longer used (${s(p.command2)}, per-device only).`
          : `Install a pack: ${s(p.command)} (or by key pack ID from the portal: ${s(p.command2)}).`,
    },
    fr: {
      message: (p) =>
        p.allIssued
          ? `Les ${s(p.total)} CALs compatibles ${s(p.calLabel)} sont toutes émises (événement 21) : ${p.device ? 'les nouveaux périphériques ne reçoivent que des CALs temporaires, et sont refusés quand elles expirent' : 'les CALs par utilisateur sont surallouées (signalé, pas refusé)'}.`
          : `Aucun pack de licences ${s(p.calLabel)} (ou plus récent) n'est installé sur les serveurs de licences de l'hôte de session ${s(p.host)} : les périphériques ne reçoivent que des CALs temporaires.`,
      cause: (p) =>
        p.allIssued ? 'Chaque CAL des packs installés est émise à un périphérique ou un utilisateur.' : "Aucun pack de licences du type de CAL qu'exige le mode de licences n'est installé.",
      fix: (p) =>
        p.allIssued
          ? `Installez davantage de CALs (${s(p.command)}), ou révoquez les CALs de périphériques qui ne servent plus (${s(p.command2)}, par périphérique seulement).`
          : `Installez un pack : ${s(p.command)} (ou par ID de pack de licences depuis le portail : ${s(p.command2)}).`,
    },
  },
  NO_CALS_AFTER_REINSTALL: {
    en: {
      message: (p) =>
        p.rebuilt
          ? `License server ${s(p.url)} shows 0 ${s(p.empty)} CALs${p.rebuiltOn ? ` since its database was rebuilt on ${p.rebuiltOn}` : ''}, although the clearinghouse holds ${p.held ? p.held : 'its packs'} for its ID ${s(p.serverId)}.`
          : `License server ${s(p.url)} (new ID ${s(p.serverId)}) shows 0 ${s(p.empty)} CALs: its database is new and pack ${s(p.pack)} is still active on license server ${s(p.activeOn)}.`,
      cause: (p) =>
        p.rebuilt
          ? 'The license database was rebuilt (same license server ID) and the packs were not reinstalled.'
          : 'A reinstall creates a new license database and a new license server ID; the pack was not reissued to it.',
      fix: (p) =>
        p.rebuilt
          ? `Reactivate if needed and reinstall the pack: ${s(p.command)} (the clearinghouse delivers it again to the same server ID).`
          : `Finish the reissue, then install the pack: ${s(p.command)}, ${s(p.command2)}, and once approved ${s(p.command3)}. Do not rebuild the database before the reissue is assured: the CALs would not come back.`,
    },
    fr: {
      message: (p) =>
        p.rebuilt
          ? `Le serveur de licences ${s(p.url)} affiche 0 CAL ${typesFr(p.empty)}${p.rebuiltOn ? ` depuis la reconstruction de sa base le ${p.rebuiltOn}` : ''}, alors que le Clearinghouse détient ${p.held ? p.held : 'ses packs'} pour son ID ${s(p.serverId)}.`
          : `Le serveur de licences ${s(p.url)} (nouvel ID ${s(p.serverId)}) affiche 0 CAL ${typesFr(p.empty)} : sa base est neuve et le pack ${s(p.pack)} est toujours actif sur le serveur de licences ${s(p.activeOn)}.`,
      cause: (p) =>
        p.rebuilt
          ? "La base de licences a été reconstruite (même ID de serveur de licences) et les packs n'ont pas été réinstallés."
          : "Une réinstallation crée une nouvelle base de licences et un nouvel ID de serveur de licences ; le pack ne lui a pas été réémis.",
      fix: (p) =>
        p.rebuilt
          ? `Réactivez si besoin et réinstallez le pack : ${s(p.command)} (le Clearinghouse le délivre à nouveau au même ID de serveur).`
          : `Terminez la réémission, puis installez le pack : ${s(p.command)}, ${s(p.command2)}, et une fois approuvée ${s(p.command3)}. Ne reconstruisez pas la base avant que la réémission soit assurée : les CALs ne reviendraient pas.`,
    },
  },
  MODE_NOT_CONFIGURED: {
    en: {
      message: (p) => `The licensing mode of session host ${s(p.host)} is not configured (event 1068).`,
      cause: () => 'No policy, deployment or local setting gives a licensing mode. Inside the grace period connections are admitted; after it they are refused (event 1069).',
      fix: (p) => `Set the mode that matches your CALs: ${s(p.command)}, and on Windows hosts apply the same setting (${s(p.command2)}).`,
    },
    fr: {
      message: (p) => `Le mode de licences de l'hôte de session ${s(p.host)} n'est pas configuré (événement 1068).`,
      cause: () => "Aucune stratégie, aucun déploiement ni réglage local ne donne de mode de licences. Pendant le délai de grâce les connexions sont admises ; après, elles sont refusées (événement 1069).",
      fix: (p) => `Définissez le mode qui correspond à vos CALs : ${s(p.command)}, et sur les hôtes Windows appliquez le même réglage (${s(p.command2)}).`,
    },
  },
  PER_USER_IN_WORKGROUP: {
    en: {
      message: (p) => `Session host ${s(p.host)} is in per-user mode but is not in a directory (workgroup).`,
      cause: () => 'Per-user CALs are tracked on directory user accounts; in a workgroup they are not permitted and cannot be tracked.',
      fix: (p) => `Use per-device mode with device CALs: ${s(p.command)}; or join the session host to a domain.`,
    },
    fr: {
      message: (p) => `L'hôte de session ${s(p.host)} est en mode Par utilisateur mais n'est pas dans un annuaire (groupe de travail).`,
      cause: () => "Les CALs par utilisateur sont suivies sur les comptes d'utilisateur de l'annuaire ; dans un groupe de travail elles ne sont pas autorisées et ne peuvent pas être suivies.",
      fix: (p) => `Utilisez le mode Par périphérique avec des CALs par périphérique : ${s(p.command)} ; ou joignez l'hôte de session à un domaine.`,
    },
  },
  CLIENTS_REFUSED_MODE_MISMATCH: {
    en: {
      message: (p) =>
        `Clients are refused although ${s(p.available)} ${s(p.other)} CAL(s) are available: session host ${s(p.host)} is in ${s(p.mode)} mode (from ${s(p.modeSource)}) but its license servers hold only ${s(p.other)} CALs${p.saw1004 ? ' (event 1004)' : ''}.`,
      cause: (p) => `The licensing mode must match the CAL type bought: ${s(p.mode)} needs ${s(p.need)} CALs. Device and user CALs are not interchangeable.`,
      fix: (p) => `Correct the mode in the policy: ${s(p.command)}; on Windows hosts set the GPO / registry value (${s(p.command2)}, LicensingMode ${s(p.registryValue)}).`,
    },
    fr: {
      message: (p) =>
        `Les clients sont refusés alors que ${s(p.available)} CAL(s) ${TYPE_FR[s(p.other)] ?? s(p.other)} sont disponibles : l'hôte de session ${s(p.host)} est en mode ${modeName('fr', p.mode)} (${SOURCE_FR[s(p.modeSource)] ?? s(p.modeSource)}) mais ses serveurs de licences n'ont que des CALs ${TYPE_FR[s(p.other)] ?? s(p.other)}${p.saw1004 ? ' (événement 1004)' : ''}.`,
      cause: (p) => `Le mode de licences doit correspondre au type de CAL acheté : le mode ${modeName('fr', p.mode)} demande des CALs ${TYPE_FR[s(p.need)] ?? s(p.need)}. Les CALs par périphérique et par utilisateur ne sont pas interchangeables.`,
      fix: (p) => `Corrigez le mode dans la stratégie : ${s(p.command)} ; sur les hôtes Windows, réglez la valeur de GPO / de Registre (${s(p.command2)}, LicensingMode ${s(p.registryValue)}).`,
    },
  },
  NO_LICENSE_SERVER_SPECIFIED: {
    en: {
      message: (p) => `No license server is specified for session host ${s(p.host)} (event 50282): clients are refused although CALs may be available.`,
      cause: () => 'The "Use the specified Remote Desktop license servers" setting is empty in every layer (policy, deployment, local).',
      fix: (p) => `Declare the license server: ${s(p.command)}; on Windows hosts set the GPO / registry LicenseServers value (${s(p.command2)}).`,
    },
    fr: {
      message: (p) => `Aucun serveur de licences n'est spécifié pour l'hôte de session ${s(p.host)} (événement 50282) : les clients sont refusés alors que des CALs sont peut-être disponibles.`,
      cause: () => "Le réglage « Utiliser les serveurs de licences Bureau à distance spécifiés » est vide dans toutes les couches (stratégie, déploiement, local).",
      fix: (p) => `Déclarez le serveur de licences : ${s(p.command)} ; sur les hôtes Windows, réglez la valeur de GPO / de Registre LicenseServers (${s(p.command2)}).`,
    },
  },
  LICENSE_SERVER_NOT_INSPECTED: {
    en: {
      message: (p) => `License server ${s(p.url)} answers but its status could not be read${p.problem ? ` (${p.problem})` : ''}: activation and key packs were not checked.`,
      cause: () => 'The diagnoser needs a license server token with the ls:admin or readonly scope, as the RD Licensing Diagnoser needs admin rights on each license server.',
      fix: (p) => `Run the diagnosis again with a license server token: ${s(p.command)} (or OPENCAL_LS_TOKEN).`,
    },
    fr: {
      message: (p) => `Le serveur de licences ${s(p.url)} répond mais son état n'a pas pu être lu${p.problem ? ` (${p.problem})` : ''} : l'activation et les packs de licences n'ont pas été vérifiés.`,
      cause: () => "Le diagnostic a besoin d'un jeton de serveur de licences de portée ls:admin ou readonly, comme l'outil de diagnostic des licences Bureau à distance a besoin des droits d'administrateur sur chaque serveur de licences.",
      fix: (p) => `Relancez le diagnostic avec un jeton de serveur de licences : ${s(p.command)} (ou OPENCAL_LS_TOKEN).`,
    },
  },
  CLEARINGHOUSE_UNREACHABLE: {
    en: {
      message: (p) => `The clearinghouse${p.url ? ` at ${p.url}` : ''} could not be read${p.problem ? ` (${p.problem})` : ''}: where packs are active and open cases were not checked.`,
      cause: () => 'The clearinghouse is unreachable from here, or no organization token was given.',
      fix: (p) => `Run the diagnosis again with the clearinghouse URL and an organization token: ${s(p.command)}.`,
    },
    fr: {
      message: (p) => `Le Clearinghouse${p.url ? ` (${p.url})` : ''} n'a pas pu être lu${p.problem ? ` (${p.problem})` : ''} : ni les serveurs où les packs sont actifs ni les dossiers ouverts n'ont été vérifiés.`,
      cause: () => "Le Clearinghouse est injoignable d'ici, ou aucun jeton d'organisation n'a été donné.",
      fix: (p) => `Relancez le diagnostic avec l'URL du Clearinghouse et un jeton d'organisation : ${s(p.command)}.`,
    },
  },
  RECENT_LICENSING_ERRORS: {
    en: {
      message: (p) => `Licensing errors were logged in the last hour: ${s(p.counts)}. Devices are being refused or admitted without a CAL.`,
      cause: (p) =>
        p.explained
          ? `See ${p.explained} above.`
          : 'The configuration looks right, but the session host could not get or renew CALs (1004, 1028) or a license server refused it (4141): a license server it holds no valid enrolment for, a revoked grant, or a version or type it cannot serve.',
      fix: (p) => `Read the events (${s(p.command)}), fix what they name, then connect a test device and check that it gets a CAL: ${s(p.command2)}.`,
    },
    fr: {
      message: (p) => `Des erreurs de licences ont été journalisées dans la dernière heure : ${s(p.counts)}. Des périphériques sont refusés ou admis sans CAL.`,
      cause: (p) =>
        p.explained
          ? `Voir ${p.explained} ci-dessus.`
          : "La configuration semble juste, mais l'hôte de session n'a pas pu obtenir ou renouveler de CALs (1004, 1028) ou un serveur de licences l'a refusé (4141) : un serveur de licences sur lequel il n'a pas d'inscription valide, un droit révoqué, ou une version ou un type qu'il ne peut pas servir.",
      fix: (p) => `Lisez les événements (${s(p.command)}), corrigez ce qu'ils nomment, puis connectez un périphérique de test et vérifiez qu'il obtient une CAL : ${s(p.command2)}.`,
    },
  },
  GRACE_PERIOD_EXPIRED: {
    en: {
      message: (p) =>
        `The grace period of session host ${s(p.host)} has expired${p.unconfigured ? ' and it is not configured with a licensing mode and license servers (event 1069)' : ''}: connections without a valid CAL are refused.${p.why ? ` Until then fix: ${p.why}.` : ''}`,
      cause: () => 'The 120-day grace period always counts down from first start; after it every connection needs a CAL from a reachable license server.',
      fix: (p) => `Fix the blocking findings above; then check with ${s(p.command)}.`,
    },
    fr: {
      message: (p) =>
        `Le délai de grâce de l'hôte de session ${s(p.host)} a expiré${p.unconfigured ? " et il n'est configuré ni avec un mode de licences ni avec des serveurs de licences (événement 1069)" : ''} : les connexions sans CAL valide sont refusées.${p.why ? ` D'ici là, corrigez : ${p.why}.` : ''}`,
      cause: () => 'Le délai de grâce de 120 jours court toujours depuis le premier démarrage ; après, chaque connexion demande une CAL d\'un serveur de licences joignable.',
      fix: (p) => `Corrigez les constats bloquants ci-dessus ; puis vérifiez avec ${s(p.command)}.`,
    },
  },
  GRACE_PERIOD_ENDING: {
    en: {
      message: (p) =>
        `The grace period of session host ${s(p.host)} ends in ${s(p.days)} day(s)${p.endsOn ? ` (${p.endsOn})` : ''}.${p.blocked ? ' Connections will then be refused.' : ' Licensing is configured, so connections will then use CALs.'}${p.why ? ` Until then fix: ${p.why}.` : ''}`,
      cause: () => 'The 120-day grace period lets connections in without a CAL while licensing is set up; it does not replace a compliant configuration.',
      fix: (p) => (p.blocked ? `Fix the blocking findings before the grace period ends, then run ${s(p.command)}.` : `Nothing to do; check that test devices get CALs: ${s(p.command2)}.`),
    },
    fr: {
      message: (p) =>
        `Le délai de grâce de l'hôte de session ${s(p.host)} se termine dans ${s(p.days)} jour(s)${p.endsOn ? ` (${p.endsOn})` : ''}.${p.blocked ? ' Les connexions seront alors refusées.' : ' Les licences sont configurées : les connexions utiliseront alors des CALs.'}${p.why ? ` D'ici là, corrigez : ${p.why}.` : ''}`,
      cause: () => 'Le délai de grâce de 120 jours admet les connexions sans CAL pendant la mise en place des licences ; il ne remplace pas une configuration conforme.',
      fix: (p) => (p.blocked ? `Corrigez les constats bloquants avant la fin du délai de grâce, puis lancez ${s(p.command)}.` : `Rien à faire ; vérifiez que les périphériques de test obtiennent des CALs : ${s(p.command2)}.`),
    },
  },
};

/** A finding's texts in a language, from the table. */
export function openCalFindingText(code: FindingCode, lang: Lang, p: Facts): { message: string; cause: string; fix: string } {
  const t = OPENCAL_FINDING_TEXTS[code]?.[lang];
  if (!t) throw new Error(`no ${lang} text for finding ${code}`);
  return { message: t.message(p), cause: t.cause(p), fix: t.fix(p) };
}

/** The session host line's facts. */
export interface HostLine {
  name: string;
  version: number;
  directory: string;
  mode: string;
  modeSource: string;
  servers: readonly string[];
  serversSource: string;
  graceDays: number;
}

const ACTIVATION_FR: Record<string, string> = { activated: 'activé', unactivated: 'non activé', deactivated: 'désactivé', invalidated: 'invalidé' };
const ISSUE_FR: Record<string, string> = { temporary: 'temporaire', permanent: 'permanente', user: 'par utilisateur', none: 'aucune' };

/** What `opencal diagnose` prints around the findings of an OpenCAL estate. */
export const DIAGNOSE_OUTPUT = {
  en: {
    severity: { blocking: 'BLOCKING', warning: 'WARNING', info: 'INFO' },
    cause: 'Cause:',
    fix: 'Fix:  ',
    clean: 'No problem found: licensing is configured and CALs are available.',
    summary: (b: number, w: number, i: number) => `${b} blocking, ${w} warning(s), ${i} info.`,
    sessionHost: (h: HostLine) =>
      `Session host ${h.name} (Windows Server ${h.version}, ${h.directory}): ${h.mode} from ${h.modeSource}; license servers ${h.servers.length > 0 ? h.servers.join(', ') : '(none)'} from ${h.serversSource}; ${h.graceDays} grace day(s) left.`,
    revocationList: (seq: number | undefined, fetchedAt: string | undefined, fromClearinghouse: boolean) =>
      `Revocation list: ${seq === undefined ? 'never received' : `#${seq}, received ${fetchedAt ?? '?'}`}${fromClearinghouse ? ' from the clearinghouse' : ' from a file'}.`,
    licenseServer: (url: string, listed: boolean, state: string) => `License server ${url}${listed ? '' : ' (not on the list)'}: ${state}`,
    notReachable: 'not reachable',
    notInspected: 'reachable, not inspected',
    inspected: (activation: string, id: string, version: string, packs: readonly string[]) => `${activation}, ID ${id}, version ${version}${packs.length > 0 ? `, ${packs.join('; ')}` : ', no key pack'}`,
    pack: (calType: string, calVersion: number, available: number, total: number) => `${calType} ${calVersion}: ${available}/${total} available`,
    probe: (text: string) => `  probe (the host's own CAL request, dry run): ${text}`,
    probeOutcome: {
      notRun: 'not run',
      notAsked: 'not asked',
      wouldIssue: (issue: string, permanentAvailable: boolean) => `a ${issue} CAL${permanentAvailable ? ', permanent CALs available' : ''}`,
      notEnrolled: 'not enrolled',
      noMode: 'not asked (no licensing mode)',
      unreachable: (code: string) => `not reachable from the session host (${code})`,
      refused: (code: string) => `refused (${code})`,
      noCal: 'no CAL',
    },
    plan: { done: 'done', todo: 'todo', warning: 'WARNING:' },
  },
  fr: {
    severity: { blocking: 'BLOQUANT', warning: 'AVERTISSEMENT', info: 'INFO' },
    cause: 'Cause :',
    fix: 'Correctif :',
    clean: 'Aucun problème : les licences sont configurées et des CALs sont disponibles.',
    summary: (b: number, w: number, i: number) => `${b} bloquant(s), ${w} avertissement(s), ${i} info.`,
    sessionHost: (h: HostLine) =>
      `Hôte de session ${h.name} (Windows Server ${h.version}, ${h.directory === 'workgroup' ? 'groupe de travail' : 'domaine'}) : mode ${modeName('fr', h.mode)} (${SOURCE_FR[h.modeSource] ?? h.modeSource}) ; serveurs de licences ${h.servers.length > 0 ? h.servers.join(', ') : '(aucun)'} (${SOURCE_FR[h.serversSource] ?? h.serversSource}) ; ${h.graceDays} jour(s) de délai de grâce restant(s).`,
    revocationList: (seq: number | undefined, fetchedAt: string | undefined, fromClearinghouse: boolean) =>
      `Liste de révocation : ${seq === undefined ? 'jamais reçue' : `n° ${seq}, reçue le ${fetchedAt ?? '?'}`}${fromClearinghouse ? ' du Clearinghouse' : " d'un fichier"}.`,
    licenseServer: (url: string, listed: boolean, state: string) => `Serveur de licences ${url}${listed ? '' : ' (absent de la liste)'} : ${state}`,
    notReachable: 'injoignable',
    notInspected: 'joignable, non inspecté',
    inspected: (activation: string, id: string, version: string, packs: readonly string[]) =>
      `${ACTIVATION_FR[activation] ?? activation}, ID ${id}, version ${version}${packs.length > 0 ? `, ${packs.join(' ; ')}` : ', aucun pack de licences'}`,
    pack: (calType: string, calVersion: number, available: number, total: number) => `${TYPE_FR[calType] ?? calType} ${calVersion} : ${available}/${total} disponible(s)`,
    probe: (text: string) => `  sonde (la demande de CAL de l'hôte lui-même, à blanc) : ${text}`,
    probeOutcome: {
      notRun: 'non lancée',
      notAsked: 'non interrogé',
      wouldIssue: (issue: string, permanentAvailable: boolean) => `une CAL ${ISSUE_FR[issue] ?? issue}${permanentAvailable ? ', des CALs permanentes sont disponibles' : ''}`,
      notEnrolled: 'non inscrit',
      noMode: 'non interrogé (aucun mode de licences)',
      unreachable: (code: string) => `injoignable depuis l'hôte de session (${code})`,
      refused: (code: string) => `refusée (${code})`,
      noCal: 'aucune CAL',
    },
    plan: { done: 'fait', todo: 'à faire', warning: 'AVERTISSEMENT :' },
  },
} as const;
