/**
 * The diagnoser's texts for real Windows estates, in English and French, in one table: findings (message,
 * probable cause, fix), recovery steps, the Group Policy path and setting names, and the console's labels.
 * French follows the source document's own wording where it has one (« Configuration ordinateur → Modèles
 * d'administration → … → Licences », « Gestionnaire de licences Bureau à distance », « La clé est déjà
 * activée », « Observateur d'événements »). Plain text: no Markdown, commands are given separately.
 */

export type Lang = 'fr' | 'en';
export const LANGS: readonly Lang[] = ['fr', 'en'];

/** `fr_FR.UTF-8`, `fr-CA`, `French_France.1252` → fr; anything else → en. */
export function langFromLocale(locale: string | undefined): Lang | undefined {
  if (!locale) return undefined;
  const l = locale.trim().toLowerCase();
  if (l === '' || l === 'c' || l === 'posix') return undefined;
  return l.startsWith('fr') ? 'fr' : 'en';
}

/** `--lang`, then OPENCAL_LANG, then the system locale (LC_ALL, LC_MESSAGES, LANG), then English. */
export function resolveLang(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): Lang {
  if (flag === 'fr' || flag === 'en') return flag;
  const fromEnv = env['OPENCAL_LANG'];
  if (fromEnv === 'fr' || fromEnv === 'en') return fromEnv;
  return langFromLocale(env['LC_ALL']) ?? langFromLocale(env['LC_MESSAGES']) ?? langFromLocale(env['LANG']) ?? 'en';
}

export const GPO_PATH_TEXT: Record<Lang, string> = {
  en: 'Computer Configuration → Administrative Templates → Windows Components → Remote Desktop Services → Remote Desktop Session Host → Licensing',
  fr: "Configuration ordinateur → Modèles d'administration → Composants Windows → Services Bureau à distance → Hôte de session Bureau à distance → Licences",
};
export const GPO_SETTING_SERVERS: Record<Lang, string> = {
  en: 'Use the specified Remote Desktop license servers',
  fr: 'Utiliser les serveurs de licences Bureau à distance spécifiés',
};
export const GPO_SETTING_MODE: Record<Lang, string> = {
  en: 'Set the Remote Desktop licensing mode',
  fr: 'Définir le mode de licences des Services Bureau à distance',
};
export const MODE_NAME: Record<Lang, Record<'per-device' | 'per-user' | 'not-configured', string>> = {
  en: { 'per-device': 'Per Device', 'per-user': 'Per User', 'not-configured': 'Not configured' },
  fr: { 'per-device': 'Par périphérique', 'per-user': 'Par utilisateur', 'not-configured': 'Non configuré' },
};
export const LICMGR: Record<Lang, string> = { en: 'RD Licensing Manager (licmgr.exe)', fr: 'Gestionnaire de licences Bureau à distance (licmgr.exe)' };

/** Labels the CLI and the console print around findings and steps. */
export const UI_TEXT = {
  en: {
    blocking: 'BLOCKING',
    warning: 'WARNING',
    info: 'INFO',
    cause: 'Cause',
    fix: 'Fix',
    commands: 'Commands',
    done: 'done',
    todo: 'to do',
    clean: 'No problem found: the licensing mode, the license servers, the CALs, the grace period and the recent events are clean.',
    summary: (b: number, w: number, i: number) => `${b} blocking, ${w} warning(s), ${i} info.`,
    plan: 'Recovery plan',
    phoneScript: 'Phone script',
    host: (name: string, os: string, mode: string, servers: string, grace: string) => `RD Session Host ${name} (${os}): licensing mode ${mode}; license servers ${servers}; grace period ${grace}.`,
    licenseServer: (name: string, status: string, id: string, packs: string) => `RD License Server ${name}: ${status}, ID ${id}; ${packs}.`,
    none: '(none)',
    source: { policy: 'Group Policy', deployment: 'deployment', local: 'local setting', default: 'default' },
    unknown: 'unknown',
    daysLeft: (n: number) => (n <= 0 ? 'over' : `${n} day(s) left`),
    activation: (s: number | undefined) => (s === 0 ? 'activated' : s === 1 ? 'not activated' : 'activation unknown'),
    noPack: 'no purchased key pack',
    files: (n: number, ignored: number) => `${n} file(s) read${ignored > 0 ? `, ${ignored} ignored (nothing about RDS licensing)` : ''}.`,
    dropHint: 'Drop a collector bundle (opencal-bundle-*.json) or the files of a folder of exports (reg export, wevtutil, ConvertTo-Json, Get-RDLicenseConfiguration) here, or choose them.',
    dropTitle: 'Diagnose a Windows estate',
    choose: 'Choose files',
  },
  fr: {
    blocking: 'BLOQUANT',
    warning: 'AVERTISSEMENT',
    info: 'INFO',
    cause: 'Cause',
    fix: 'Correctif',
    commands: 'Commandes',
    done: 'fait',
    todo: 'à faire',
    clean: 'Aucun problème : le mode de licences, les serveurs de licences, les CALs, le délai de grâce et les événements récents sont propres.',
    summary: (b: number, w: number, i: number) => `${b} bloquant(s), ${w} avertissement(s), ${i} info.`,
    plan: 'Plan de reprise',
    phoneScript: 'Script téléphonique',
    host: (name: string, os: string, mode: string, servers: string, grace: string) => `Hôte de session Bureau à distance ${name} (${os}) : mode de licences ${mode} ; serveurs de licences ${servers} ; délai de grâce ${grace}.`,
    licenseServer: (name: string, status: string, id: string, packs: string) => `Serveur de licences ${name} : ${status}, ID ${id} ; ${packs}.`,
    none: '(aucun)',
    source: { policy: 'stratégie de groupe', deployment: 'déploiement', local: 'réglage local', default: 'par défaut' },
    unknown: 'inconnu',
    daysLeft: (n: number) => (n <= 0 ? 'écoulé' : `${n} jour(s) restant(s)`),
    activation: (s: number | undefined) => (s === 0 ? 'activé' : s === 1 ? 'non activé' : 'activation inconnue'),
    noPack: "aucun pack acheté",
    files: (n: number, ignored: number) => `${n} fichier(s) lu(s)${ignored > 0 ? `, ${ignored} ignoré(s) (rien sur les licences RDS)` : ''}.`,
    dropHint: "Déposez ici un paquet du collecteur (opencal-bundle-*.json) ou les fichiers d'un dossier d'exports (reg export, wevtutil, ConvertTo-Json, Get-RDLicenseConfiguration), ou choisissez-les.",
    dropTitle: 'Diagnostiquer un parc Windows',
    choose: 'Choisir des fichiers',
  },
} as const;

const ISSUE_FR: Record<string, string> = { temporary: 'temporaire', permanent: 'permanente', user: 'par utilisateur' };

/** The console's diagnoser page around the findings of the OpenCAL estate it reads (src/web/pages/diagnoser.tsx). */
export const DIAGNOSER_PAGE = {
  en: {
    language: 'Language',
    title: 'Diagnosis',
    hint: "From the session host's point of view: licensing mode and its source, license servers listed and reachable, activation, CALs of the right type and version, grace period, version compatibility, recent events.",
    running: 'Diagnosing…',
    again: 'Run the diagnosis again',
    summary: (host: string, mode: string, source: string, servers: number, grace: number) =>
      `Session host ${host}: ${mode} (from ${source}), ${servers} license server(s) listed, ${grace} grace days left`,
    graceOnly: 'devices admitted without a CAL in the last hour',
    counts: (b: number, w: number, i: number, at: string) => `. ${b} blocking, ${w} warning(s), ${i} note(s) — at ${at}.`,
    severity: { blocking: 'blocking', warning: 'warning', info: 'info' },
    licenseServers: 'License servers',
    columns: ['URL', 'Listed', 'Reachable', 'Activation', 'Available CALs', "Host's CAL request (probe)"],
    yes: 'yes',
    no: 'no',
    notInspected: (why: string) => `yes, not inspected: ${why}`,
    notReachable: (why: string) => `no: ${why}`,
    probe: {
      notListed: "not on the host's list",
      notAsked: 'not asked',
      cal: (issue: string) => `${issue} CAL`,
      unreachable: 'unreachable from the host',
      notEnrolled: 'not enrolled',
      refused: (code: string) => `refused: ${code}`,
    },
    nothingToRecover: 'Nothing to recover.',
    recentEvents: 'Recent events',
    noEvents: 'No events.',
    scriptLanguage: 'Script language',
    reason: 'Reason',
    organization: 'Organization',
    contact: 'Contact',
    packKey: 'Pack key (only its last group is shown)',
    noServerId: 'No license server ID could be read: sign in with a license server token.',
    noPack: "No pack is known: sign in with the organization's clearinghouse token to fill in the pack.",
  },
  fr: {
    language: 'Langue',
    title: 'Diagnostic',
    hint: "Du point de vue de l'hôte de session : mode de licences et sa source, serveurs de licences listés et joignables, activation, CALs du bon type et de la bonne version, délai de grâce, compatibilité des versions, événements récents.",
    running: 'Diagnostic en cours…',
    again: 'Relancer le diagnostic',
    summary: (host: string, mode: string, source: string, servers: number, grace: number) =>
      `Hôte de session ${host} : ${(MODE_NAME.fr as Record<string, string>)[mode] ?? mode} (${(UI_TEXT.fr.source as Record<string, string>)[source] ?? source}), ${servers} serveur(s) de licences listé(s), ${grace} jour(s) de grâce restant(s)`,
    graceOnly: "périphériques admis sans CAL dans la dernière heure",
    counts: (b: number, w: number, i: number, at: string) => `. ${b} bloquant(s), ${w} avertissement(s), ${i} note(s) — à ${at}.`,
    severity: { blocking: 'bloquant', warning: 'avertissement', info: 'info' },
    licenseServers: 'Serveurs de licences',
    columns: ['URL', 'Listé', 'Joignable', 'Activation', 'CALs disponibles', "Demande de CAL de l'hôte (sonde)"],
    yes: 'oui',
    no: 'non',
    notInspected: (why: string) => `oui, non inspecté : ${why}`,
    notReachable: (why: string) => `non : ${why}`,
    probe: {
      notListed: "pas dans la liste de l'hôte",
      notAsked: 'non demandé',
      cal: (issue: string) => `CAL ${ISSUE_FR[issue] ?? issue}`,
      unreachable: "injoignable depuis l'hôte",
      notEnrolled: 'non inscrit',
      refused: (code: string) => `refusé : ${code}`,
    },
    nothingToRecover: 'Rien à reprendre.',
    recentEvents: 'Événements récents',
    noEvents: 'Aucun événement.',
    scriptLanguage: 'Langue du script',
    reason: 'Motif',
    organization: 'Organisation',
    contact: 'Contact',
    packKey: 'Clé de pack (seul son dernier groupe est affiché)',
    noServerId: "Aucun ID de serveur de licences n'a pu être lu : connectez-vous avec un jeton de serveur de licences.",
    noPack: "Aucun pack n'est connu : connectez-vous avec le jeton Clearinghouse de l'organisation pour renseigner le pack.",
  },
} as const;

// ------------------------------------------------------------------------------------------------------------
// Findings on a real Windows estate (src/core/windows-import/windows-diagnosis.ts). Each entry: message, cause,
// fix, from the facts `p` the rule observed.

/** What a Windows finding's texts are built from. */
export interface WinFacts {
  host: string;
  hostVersion: string;
  server: string;
  serverVersion: string;
  serverId: string;
  mode: string;
  neededMode: string;
  calLabel: string;
  otherLabel: string;
  count: number;
  temporary: number;
  listed: string;
  days: number;
  events: string;
  workgroup: string;
  value: string;
}

type T = (p: WinFacts) => string;
interface FindingText {
  message: T;
  cause: T;
  fix: T;
}

const g = (l: Lang) => GPO_PATH_TEXT[l];

export const WINDOWS_FINDING_TEXTS: Record<string, Record<Lang, FindingText>> = {
  MODE_NOT_CONFIGURED: {
    en: {
      message: (p) => `The licensing mode of RD Session Host ${p.host} is not configured (LicensingType 5, event 1068).`,
      cause: () => 'No Group Policy, deployment (Get-RDLicenseConfiguration) or local setting gives a licensing mode. During the grace period connections are admitted; after it they are refused (event 1069).',
      fix: (p) => `Set the mode that matches your CALs by Group Policy: ${g('en')} → "${GPO_SETTING_MODE.en}": Enabled, ${p.neededMode}. Or run the PowerShell commands below, then gpupdate /force.`,
    },
    fr: {
      message: (p) => `Le mode de licences de l'hôte de session ${p.host} n'est pas configuré (LicensingType 5, événement 1068).`,
      cause: () => "Aucune stratégie de groupe, aucun déploiement (Get-RDLicenseConfiguration) ni réglage local ne donne de mode de licences. Pendant le délai de grâce les connexions sont admises ; après, elles sont refusées (événement 1069).",
      fix: (p) => `Définissez le mode qui correspond à vos CALs par stratégie de groupe : ${g('fr')} → « ${GPO_SETTING_MODE.fr} » : Activé, ${p.neededMode}. Ou lancez les commandes PowerShell ci-dessous, puis gpupdate /force.`,
    },
  },
  LICENSING_MODE_UNKNOWN: {
    en: {
      message: (p) => `RD Session Host ${p.host} reports licensing mode value ${p.value}, which is neither Per Device (2), Per User (4) nor Not configured (5).`,
      cause: () => 'Microsoft documents conflicting values for LicensingType; the registry and ChangeMode use 2 = Per Device, 4 = Per User.',
      fix: (p) => `Set the mode explicitly by Group Policy: ${g('en')} → "${GPO_SETTING_MODE.en}": Enabled, ${p.neededMode}.`,
    },
    fr: {
      message: (p) => `L'hôte de session ${p.host} indique la valeur de mode ${p.value}, qui n'est ni Par périphérique (2), ni Par utilisateur (4), ni Non configuré (5).`,
      cause: () => 'Microsoft documente des valeurs contradictoires pour LicensingType ; le Registre et ChangeMode utilisent 2 = Per Device, 4 = Per User.',
      fix: (p) => `Définissez le mode explicitement par stratégie de groupe : ${g('fr')} → « ${GPO_SETTING_MODE.fr} » : Activé, ${p.neededMode}.`,
    },
  },
  NO_LICENSE_SERVER_SPECIFIED: {
    en: {
      message: (p) => `No license server is specified for RD Session Host ${p.host} (event 50282): clients are refused although CALs may be available.`,
      cause: () => 'The license server list is empty in the Group Policy, the deployment and the local setting (SpecifiedLicenseServers).',
      fix: (p) => `Declare the license server by Group Policy: ${g('en')} → "${GPO_SETTING_SERVERS.en}": Enabled, ${p.server}. Or run the PowerShell commands below, then gpupdate /force.`,
    },
    fr: {
      message: (p) => `Aucun serveur de licences n'est déclaré pour l'hôte de session ${p.host} (événement 50282) : les clients sont refusés même si des CALs sont disponibles.`,
      cause: () => 'La liste des serveurs de licences est vide dans la stratégie de groupe, le déploiement et le réglage local (SpecifiedLicenseServers).',
      fix: (p) => `Déclarez le serveur de licences par stratégie de groupe : ${g('fr')} → « ${GPO_SETTING_SERVERS.fr} » : Activé, ${p.server}. Ou lancez les commandes PowerShell ci-dessous, puis gpupdate /force.`,
    },
  },
  LICENSE_SERVER_NOT_LISTED: {
    en: {
      message: (p) => `RD License Server ${p.server} holds ${p.count} ${p.calLabel} CAL(s) but is not on the list of RD Session Host ${p.host} (${p.listed}).`,
      cause: () => 'The session host asks only the license servers on its list, in order.',
      fix: (p) => `Add ${p.server} to the list: ${g('en')} → "${GPO_SETTING_SERVERS.en}": Enabled, ${p.server}; then gpupdate /force.`,
    },
    fr: {
      message: (p) => `Le serveur de licences ${p.server} détient ${p.count} CAL(s) ${p.calLabel} mais n'est pas dans la liste de l'hôte de session ${p.host} (${p.listed}).`,
      cause: () => "L'hôte de session ne s'adresse qu'aux serveurs de licences de sa liste, dans l'ordre.",
      fix: (p) => `Ajoutez ${p.server} à la liste : ${g('fr')} → « ${GPO_SETTING_SERVERS.fr} » : Activé, ${p.server} ; puis gpupdate /force.`,
    },
  },
  LICENSE_SERVER_UNREACHABLE: {
    en: {
      message: (p) => `RD Session Host ${p.host} cannot reach license server ${p.server} (connectivity status 6, LS_NOT_CONNECTABLE).`,
      cause: () => 'The Remote Desktop Licensing service is stopped, the name does not resolve, a firewall blocks RPC, or the server was reinstalled under another name.',
      fix: (p) => `On ${p.server}, start the Remote Desktop Licensing service (TermServLicensing); check name resolution and the firewall from the session host; if the server was replaced, put the new name on the list (${g('en')} → "${GPO_SETTING_SERVERS.en}").`,
    },
    fr: {
      message: (p) => `L'hôte de session ${p.host} ne joint pas le serveur de licences ${p.server} (état de connectivité 6, LS_NOT_CONNECTABLE).`,
      cause: () => "Le service Gestionnaire de licences des services Bureau à distance est arrêté, le nom ne se résout pas, un pare-feu bloque RPC, ou le serveur a été réinstallé sous un autre nom.",
      fix: (p) => `Sur ${p.server}, démarrez le service de licences Bureau à distance (TermServLicensing) ; vérifiez la résolution de nom et le pare-feu depuis l'hôte ; si le serveur a été remplacé, mettez le nouveau nom dans la liste (${g('fr')} → « ${GPO_SETTING_SERVERS.fr} »).`,
    },
  },
  HOST_NOT_ALLOWED: {
    en: {
      message: (p) => `License server ${p.server} refuses RD Session Host ${p.host}: the host is not in its "Terminal Server Computers" group (connectivity status 5 or event 4141).`,
      cause: () => 'The "License server security group" policy is enabled on the license server, and only members of the group get CALs.',
      fix: (p) => `On ${p.server}, add the computer account of ${p.host} to the local group "Terminal Server Computers", or disable the policy "License server security group".`,
    },
    fr: {
      message: (p) => `Le serveur de licences ${p.server} refuse l'hôte de session ${p.host} : l'hôte n'est pas dans son groupe « Terminal Server Computers » (état de connectivité 5 ou événement 4141).`,
      cause: () => 'La stratégie « Groupe de sécurité du serveur de licences » est activée sur le serveur de licences : seuls les membres du groupe reçoivent des CALs.',
      fix: (p) => `Sur ${p.server}, ajoutez le compte d'ordinateur de ${p.host} au groupe local « Terminal Server Computers », ou désactivez la stratégie « Groupe de sécurité du serveur de licences ».`,
    },
  },
  VERSION_NOT_HOSTABLE: {
    en: {
      message: (p) => `License server ${p.server} runs Windows Server ${p.serverVersion}, older than RD Session Host ${p.host} (Windows Server ${p.hostVersion}): it cannot issue RDS ${p.hostVersion} CALs (connectivity status 4, LOWER_VERSION).`,
      cause: () => 'A license server issues CALs of its own version or older; a session host needs CALs of its own version or newer. A 2019 license server can issue RDS 2019 CALs (and older); the reverse is not guaranteed.',
      fix: (p) => `Install the Remote Desktop Licensing role on Windows Server ${p.hostVersion} or newer, activate it in ${LICMGR.en}, install RDS ${p.hostVersion} CALs on it, and put it first on the session host's list (${g('en')} → "${GPO_SETTING_SERVERS.en}").`,
    },
    fr: {
      message: (p) => `Le serveur de licences ${p.server} tourne sous Windows Server ${p.serverVersion}, plus ancien que l'hôte de session ${p.host} (Windows Server ${p.hostVersion}) : il ne peut pas délivrer de CALs RDS ${p.hostVersion} (état de connectivité 4, LOWER_VERSION).`,
      cause: () => "Un serveur de licences délivre des CALs de sa version ou antérieures ; un hôte de session exige des CALs de sa version ou plus récentes. Un serveur de licences 2019 peut délivrer des CALs RDS 2019 (et antérieures). L'inverse n'est pas garanti.",
      fix: (p) => `Installez le rôle Gestionnaire de licences des services Bureau à distance sur Windows Server ${p.hostVersion} ou plus récent, activez-le dans le ${LICMGR.fr}, installez-y des CALs RDS ${p.hostVersion}, et placez-le en tête de la liste de l'hôte (${g('fr')} → « ${GPO_SETTING_SERVERS.fr} »).`,
    },
  },
  LICENSE_SERVER_NOT_ACTIVATED: {
    en: {
      message: (p) => `License server ${p.server} is not activated (ActivationStatus 1, event 18): it issues only temporary CALs and cannot install CALs.`,
      cause: () => 'The license server was never activated, or it was reinstalled and not activated again.',
      fix: () => `In ${LICMGR.en}, right-click the server → Activate Server, and choose the connection method (Automatic, Web browser or Telephone).`,
    },
    fr: {
      message: (p) => `Le serveur de licences ${p.server} n'est pas activé (ActivationStatus 1, événement 18) : il ne délivre que des CALs temporaires et ne peut pas installer de CALs.`,
      cause: () => "Le serveur de licences n'a jamais été activé, ou il a été réinstallé sans être réactivé.",
      fix: () => `Dans le ${LICMGR.fr}, clic droit sur le serveur → Activer le serveur, puis choisissez la méthode (Automatique, Navigateur web ou Téléphone).`,
    },
  },
  LICENSE_SERVER_NOT_INSPECTED: {
    en: {
      message: (p) => `No export from license server ${p.server} was given: its activation and its CALs were not checked.`,
      cause: () => 'The diagnoser reads a license server from its own exports (the collector run on it, or its Win32_TSLicenseKeyPack export).',
      fix: (p) => `Run the collector on ${p.server} too (elevated): powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\\opencal-collector.ps1, and add its bundle.`,
    },
    fr: {
      message: (p) => `Aucun export du serveur de licences ${p.server} n'a été fourni : son activation et ses CALs n'ont pas été vérifiées.`,
      cause: () => 'Le diagnostic lit un serveur de licences dans ses propres exports (le collecteur lancé sur lui, ou son export Win32_TSLicenseKeyPack).',
      fix: (p) => `Lancez aussi le collecteur sur ${p.server} (en administrateur) : powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\\opencal-collector.ps1, et ajoutez son paquet.`,
    },
  },
  CLIENTS_REFUSED_MODE_MISMATCH: {
    en: {
      message: (p) => `Clients are refused although ${p.count} ${p.otherLabel} CAL(s) are available: RD Session Host ${p.host} is in ${p.mode} mode but its license servers hold only ${p.otherLabel} CALs.`,
      cause: () => 'The licensing mode must match the CAL type bought (configured Per User instead of Per Device, or the reverse). Device and User CALs are not interchangeable.',
      fix: (p) => `Correct the mode by Group Policy: ${g('en')} → "${GPO_SETTING_MODE.en}": Enabled, ${p.neededMode}; or run the PowerShell commands below; then gpupdate /force.`,
    },
    fr: {
      message: (p) => `Clients refusés malgré ${p.count} CAL(s) ${p.otherLabel} disponibles : l'hôte de session ${p.host} est en mode ${p.mode} mais ses serveurs de licences ne détiennent que des CALs ${p.otherLabel}.`,
      cause: () => 'Mode configuré en Per User au lieu de Per Device (ou l\'inverse) : le mode doit correspondre au type de CAL acheté. Device et User ne sont pas interchangeables.',
      fix: (p) => `Corrigez le mode par stratégie de groupe : ${g('fr')} → « ${GPO_SETTING_MODE.fr} » : Activé, ${p.neededMode} ; ou lancez les commandes PowerShell ci-dessous ; puis gpupdate /force.`,
    },
  },
  CAL_VERSION_NOT_ACCEPTED: {
    en: {
      message: (p) => `The license servers of RD Session Host ${p.host} hold only ${p.otherLabel} CALs, older than the host (Windows Server ${p.hostVersion}), which accepts CALs of its own version or newer.`,
      cause: () => 'RDS CALs are accepted by session hosts of their version or older.',
      fix: (p) => `Buy and install ${p.calLabel} (or newer) CALs on a license server running Windows Server ${p.hostVersion} or newer.`,
    },
    fr: {
      message: (p) => `Les serveurs de licences de l'hôte de session ${p.host} ne détiennent que des CALs ${p.otherLabel}, plus anciennes que l'hôte (Windows Server ${p.hostVersion}), qui accepte les CALs de sa version ou plus récentes.`,
      cause: () => 'Une CAL RDS est acceptée par les hôtes de session de sa version ou antérieurs.',
      fix: (p) => `Achetez et installez des CALs ${p.calLabel} (ou plus récentes) sur un serveur de licences sous Windows Server ${p.hostVersion} ou plus récent.`,
    },
  },
  NO_CALS_AFTER_REINSTALL: {
    en: {
      message: (p) => `License server ${p.server} (ID ${p.serverId}) is activated but shows 0 available ${p.calLabel} CALs and issues only temporary CALs (${p.temporary} temporary, 0 permanent): the console shows 0 CALs after a reinstall.`,
      cause: () => 'The license database was rebuilt by the reinstall without a reissue: the pack is still attached to the old license server ID, so its key is refused as already activated and a portal migration may end Pending.',
      fix: (p) => `Try the migration on the portal (activate.microsoft.com → Manage CALs → Migrate: the 45-character migration code, then the 25-character pack key). If it ends Pending, or the key is refused as already activated, call the Clearinghouse from ${LICMGR.en}: right-click the server → Install Licenses → Telephone, and ask for the reissue of the pack to license server ID ${p.serverId} and the invalidation of the old activation (phone script below). Then finish the installation with the key pack ID. Do not rebuild the license database before the reissue is assured: the CALs would not come back.`,
    },
    fr: {
      message: (p) => `Le serveur de licences ${p.server} (ID ${p.serverId}) est activé mais affiche 0 CAL ${p.calLabel} disponible et ne délivre que des CALs temporaires (${p.temporary} temporaire(s), 0 permanente) : la console affiche 0 CAL après réinstallation.`,
      cause: () => "Base locale reconstruite sans réémission : le pack reste rattaché à l'ancien ID de serveur de licences, sa clé est donc refusée (« La clé est déjà activée ») et la migration sur le portail peut finir en statut Pending.",
      fix: (p) => `Retentez la migration sur le portail (activate.microsoft.com → Manage CALs → Migrate : code de migration de 45 caractères, puis clé de pack de 25 caractères). Si l'état reste Pending ou que la clé est refusée comme déjà activée, appelez le Clearinghouse depuis le ${LICMGR.fr} : clic droit sur le serveur → Installer les licences → méthode Téléphone, et demandez la réémission du pack vers l'ID ${p.serverId} et l'invalidation de l'ancienne activation (script téléphonique ci-dessous). Terminez ensuite l'installation avec l'ID du pack de licences. Ne lancez pas un Rebuild avant d'avoir assuré la réémission : sans cela, les CALs ne réapparaîtront pas dans la console.`,
    },
  },
  NO_CALS_AVAILABLE: {
    en: {
      message: (p) => `No ${p.calLabel} (or newer) CAL is available on the license servers of RD Session Host ${p.host}${p.count > 0 ? ` (all ${p.count} issued, event 21)` : ''}: devices get only temporary CALs.`,
      cause: (p) => (p.count > 0 ? 'Every CAL of the installed packs is issued.' : 'No key pack of the CAL type and version the host needs is installed.'),
      fix: () => `Install CALs in ${LICMGR.en}: right-click the server → Install Licenses; or revoke CALs of devices no longer used (per-device only, Revoke License).`,
    },
    fr: {
      message: (p) => `Aucune CAL ${p.calLabel} (ou plus récente) n'est disponible sur les serveurs de licences de l'hôte de session ${p.host}${p.count > 0 ? ` (les ${p.count} sont délivrées, événement 21)` : ''} : les périphériques ne reçoivent que des CALs temporaires.`,
      cause: (p) => (p.count > 0 ? 'Toutes les CALs des packs installés sont délivrées.' : "Aucun pack du type et de la version de CAL dont l'hôte a besoin n'est installé."),
      fix: () => `Installez des CALs dans le ${LICMGR.fr} : clic droit sur le serveur → Installer les licences ; ou révoquez les CALs de périphériques inutilisés (par périphérique uniquement, Révoquer la licence).`,
    },
  },
  GRACE_PERIOD_EXPIRED: {
    en: {
      message: (p) => `The grace period of RD Session Host ${p.host} is over${p.events ? ` (${p.events})` : ''}: connections without a valid CAL are refused.`,
      cause: () => 'The 120-day grace period always counts down from the first start of the RD Session Host role; after it every connection needs a CAL from a reachable license server.',
      fix: () => 'Fix the blocking findings above, then run the collector again and check with opencal diagnose --from.',
    },
    fr: {
      message: (p) => `Le délai de grâce de l'hôte de session ${p.host} est écoulé${p.events ? ` (${p.events})` : ''} : les connexions sans CAL valide sont refusées.`,
      cause: () => "Le délai de grâce (~120 jours) court depuis le premier démarrage du rôle Hôte de session ; il permet de maintenir l'accès pendant la régularisation, mais ne remplace pas une configuration conforme.",
      fix: () => 'Corrigez les points bloquants ci-dessus, puis relancez le collecteur et vérifiez avec opencal diagnose --from.',
    },
  },
  GRACE_PERIOD_ENDING: {
    en: {
      message: (p) => `The grace period of RD Session Host ${p.host} ends in ${p.days} day(s).`,
      cause: () => 'The grace period lets connections in without a CAL while licensing is set up; it does not replace a compliant configuration.',
      fix: () => 'Fix the blocking findings before the grace period ends.',
    },
    fr: {
      message: (p) => `Le délai de grâce de l'hôte de session ${p.host} se termine dans ${p.days} jour(s).`,
      cause: () => "Le délai de grâce permet de maintenir l'accès pendant la régularisation, mais ne remplace pas une configuration conforme.",
      fix: () => 'Corrigez les points bloquants avant la fin du délai de grâce.',
    },
  },
  PER_USER_IN_WORKGROUP: {
    en: {
      message: (p) => `RD Session Host ${p.host} is in Per User mode but in a workgroup (${p.workgroup}): Per User CALs cannot be used outside an Active Directory domain.`,
      cause: () => 'Per User CALs are tracked on user accounts in Active Directory; in a workgroup they are not permitted.',
      fix: () => `Use Per Device mode with device CALs (${g('en')} → "${GPO_SETTING_MODE.en}": Enabled, Per Device), or join the session host to a domain.`,
    },
    fr: {
      message: (p) => `L'hôte de session ${p.host} est en mode Par utilisateur mais dans un groupe de travail (${p.workgroup}) : les CALs Par utilisateur ne s'utilisent pas hors d'un domaine Active Directory.`,
      cause: () => "Les CALs Par utilisateur sont suivies sur les comptes d'utilisateurs Active Directory ; en groupe de travail, elles ne sont pas permises.",
      fix: () => `Passez en mode Par périphérique avec des CALs Device (${g('fr')} → « ${GPO_SETTING_MODE.fr} » : Activé, Par périphérique), ou joignez l'hôte à un domaine.`,
    },
  },
  RECENT_LICENSING_ERRORS: {
    en: {
      message: (p) => `Licensing errors were logged in the last 7 days: ${p.events}.`,
      cause: () => 'Event 1004: the session host could not issue a client license; 1028: a license could not be renewed; 4141: the host is not allowed by the license server; 21: no permanent CAL left; 18: the license server is not activated; 1069: grace period over and mode not configured; 50282: no license server specified.',
      fix: () => 'Fix the findings above, then check Event Viewer → Applications and Services Logs → Microsoft → Windows → TerminalServices-Licensing and TerminalServices-RemoteConnectionManager: no new error should appear when test devices connect.',
    },
    fr: {
      message: (p) => `Des erreurs de licences ont été journalisées ces 7 derniers jours : ${p.events}.`,
      cause: () => "Événement 1004 : l'hôte n'a pas pu délivrer de licence client ; 1028 : une licence n'a pas pu être renouvelée ; 4141 : l'hôte n'est pas autorisé par le serveur de licences ; 21 : plus de CAL permanente ; 18 : serveur de licences non activé ; 1069 : délai de grâce écoulé et mode non configuré ; 50282 : aucun serveur de licences déclaré.",
      fix: () => "Corrigez les points ci-dessus, puis contrôlez l'Observateur d'événements → Journaux des applications et des services → Microsoft → Windows → TerminalServices-Licensing et TerminalServices-RemoteConnectionManager : aucune nouvelle erreur ne doit apparaître quand les postes de test se connectent.",
    },
  },
};

// ------------------------------------------------------------------------------------------------------------
// Recovery steps on a real Windows estate, in the source document's order.

export interface StepText {
  title: string;
  why: (p: WinFacts) => string;
  done: (p: WinFacts) => string;
}

export const WINDOWS_STEP_TEXTS: Record<'activate' | 'migrate' | 'reissue' | 'install' | 'upgrade-license-server' | 'configure' | 'verify', Record<Lang, StepText>> = {
  activate: {
    en: {
      title: 'Activate the license server',
      why: (p) => `License server ${p.server} must be activated to install CALs. In ${LICMGR.en}: right-click the server → Activate Server; choose Automatic, Web browser or Telephone.`,
      done: (p) => `License server ${p.server} is activated (ID ${p.serverId}).`,
    },
    fr: {
      title: 'Activer le serveur de licences',
      why: (p) => `Le serveur de licences ${p.server} doit être activé pour installer des CALs. Dans le ${LICMGR.fr} : clic droit sur le serveur → Activer le serveur ; méthode Automatique, Navigateur web ou Téléphone.`,
      done: (p) => `Le serveur de licences ${p.server} est activé (ID ${p.serverId}).`,
    },
  },
  migrate: {
    en: {
      title: 'Migrate the pack on the portal (Manage CALs → Migrate)',
      why: (p) => `On activate.microsoft.com → Manage CALs → Migrate, enter the 45-character migration code and the 25-character pack key; check the purchase program, the type and the version (${p.calLabel}): they must match the purchase exactly.`,
      done: () => 'The pack is installed.',
    },
    fr: {
      title: 'Migrer le pack sur le portail (Manage CALs → Migrate)',
      why: (p) => `Sur activate.microsoft.com → Manage CALs → Migrate, renseignez le code de migration (45 caractères) puis la clé de pack (25 caractères) ; contrôlez scrupuleusement le programme d'achat, le type et la version (${p.calLabel}).`,
      done: () => 'Le pack est installé.',
    },
  },
  reissue: {
    en: {
      title: 'If Pending: call the Clearinghouse (reissue and invalidation)',
      why: (p) => `From ${LICMGR.en}: right-click the server → Install Licenses → Telephone. Explain that the license server was reinstalled and ask for the reissue of the ${p.calLabel} pack to license server ID ${p.serverId} and the invalidation of the old activation. Read the phone script below.`,
      done: () => 'The pack was reissued and installed.',
    },
    fr: {
      title: 'Si Pending : appeler le Clearinghouse (réémission et invalidation)',
      why: (p) => `Depuis le ${LICMGR.fr} : clic droit sur le serveur → Installer les licences → méthode Téléphone. Expliquez que vous avez réinstallé le serveur de licences et demandez la réémission du pack ${p.calLabel} vers l'ID ${p.serverId} et l'invalidation de l'ancienne activation. Lisez le script téléphonique ci-dessous.`,
      done: () => 'Le pack a été réémis et installé.',
    },
  },
  install: {
    en: {
      title: 'Install the CALs',
      why: () => `In ${LICMGR.en}: right-click the server → Install Licenses, and enter the key pack ID (35 characters) the portal or the agent gave, or the pack key. Do not rebuild the license database before the reissue is assured.`,
      done: (p) => `${p.count} ${p.calLabel} CAL(s) are available on ${p.server}.`,
    },
    fr: {
      title: 'Installer les CALs',
      why: () => `Dans le ${LICMGR.fr} : clic droit sur le serveur → Installer les licences, puis saisissez l'ID du pack de licences (35 caractères) donné par le portail ou l'agent, ou la clé de pack. Ne lancez pas un Rebuild avant d'avoir assuré la réémission.`,
      done: (p) => `${p.count} CAL(s) ${p.calLabel} disponible(s) sur ${p.server}.`,
    },
  },
  'upgrade-license-server': {
    en: {
      title: 'Use a license server as recent as the session host',
      why: (p) => `Install the Remote Desktop Licensing role on Windows Server ${p.hostVersion} or newer (Install-WindowsFeature RDS-Licensing -IncludeManagementTools), activate it, install ${p.calLabel} CALs, and list it first on the session host.`,
      done: (p) => `License server ${p.server} can issue ${p.calLabel} CALs.`,
    },
    fr: {
      title: "Utiliser un serveur de licences aussi récent que l'hôte de session",
      why: (p) => `Installez le rôle Gestionnaire de licences des services Bureau à distance sur Windows Server ${p.hostVersion} ou plus récent (Install-WindowsFeature RDS-Licensing -IncludeManagementTools), activez-le, installez les CALs ${p.calLabel}, et placez-le en tête de la liste de l'hôte.`,
      done: (p) => `Le serveur de licences ${p.server} peut délivrer des CALs ${p.calLabel}.`,
    },
  },
  configure: {
    en: {
      title: 'Configure the session host: licensing mode and license servers',
      why: (p) => `By Group Policy (gpedit.msc, or GPMC for a central GPO): ${GPO_PATH_TEXT.en}. Enable "${GPO_SETTING_SERVERS.en}" with ${p.server}, and "${GPO_SETTING_MODE.en}" with ${p.neededMode}. Or, without a full RDMS deployment, the PowerShell commands below (the registry equivalent). Then gpupdate /force.`,
      done: (p) => `RD Session Host ${p.host} is in ${p.neededMode} mode with ${p.server} on its list.`,
    },
    fr: {
      title: "Configurer l'hôte de session : mode de licences et serveurs de licences",
      why: (p) => `Par stratégie de groupe (gpedit.msc, ou GPMC pour une GPO centralisée) : ${GPO_PATH_TEXT.fr}. Activez « ${GPO_SETTING_SERVERS.fr} » avec ${p.server}, et « ${GPO_SETTING_MODE.fr} » avec ${p.neededMode}. Ou, sans déploiement RDMS complet, les commandes PowerShell ci-dessous (équivalent GPO par le Registre). Puis gpupdate /force.`,
      done: (p) => `L'hôte de session ${p.host} est en mode ${p.neededMode} avec ${p.server} dans sa liste.`,
    },
  },
  verify: {
    en: {
      title: 'Verify: RD Licensing Diagnoser, Event Viewer, test devices',
      why: () => 'Run the RD Licensing Diagnoser (lsdiag.msc): Per Device mode, CALs available, license server reachable. In Event Viewer → Applications and Services Logs → Microsoft → Windows, check TerminalServices-Licensing and TerminalServices-RemoteConnectionManager. Connect a few test devices: a temporary license first, then a permanent one at the next connection; check the issued licenses on the license server. Then run the collector again.',
      done: () => 'The estate is clean: no finding.',
    },
    fr: {
      title: "Valider : RD Licensing Diagnoser, Observateur d'événements, postes de test",
      why: () => "Exécutez le RD Licensing Diagnoser (lsdiag.msc) : mode Per Device, CALs disponibles, serveur de licences joignable. Dans l'Observateur d'événements → Journaux des applications et des services → Microsoft → Windows, contrôlez TerminalServices-Licensing et TerminalServices-RemoteConnectionManager. Connectez quelques postes de test : licence temporaire d'abord, puis permanente à la connexion suivante ; vérifiez la liste des licences délivrées. Relancez ensuite le collecteur.",
      done: () => 'Le parc est propre : aucun point relevé.',
    },
  },
};
