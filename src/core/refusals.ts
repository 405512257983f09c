/**
 * The one catalogue of refusals: every refusal code OpenCAL produces, once, with its HTTP status, its event (if
 * any) and its message in English and French. Producers pass the code and the detail (src/core/result.ts
 * `refuse`/`refusal`); the words come from here, rendered from the detail.
 *
 * A message is a neutral text (what happened, what to do next, in words every surface can show) plus, where the
 * next step depends on the surface, advice for it:
 * - `api`: the HTTP API may name routes and headers;
 * - `cli`: the command line may name flags, environment variables and commands — never an API route;
 * - `console`: the web console names neither flags nor API routes.
 * On a surface the message is `text + ' ' + advice[surface]` (no advice: the text alone).
 *
 * Exactness: `refuse`/`refusal` accept only `RefusalCode`, so `tsc` rejects a produced code missing here;
 * test/core/refusals.test.ts rejects an entry that nothing in src/ produces. docs/errors.md is generated from this
 * file (`npm run docs:errors`) and a test fails when it differs. Codes are a public contract: add, never rename.
 */
import { AGREEMENT_PROGRAMS, type Program } from './vocabulary';
import {
  andList,
  calTypeWord,
  dayOf,
  LANGS,
  orList,
  stateWord,
  type Lang,
} from './refusal-words';

import { catalogueReader, entry, SURFACES, type NoDetail, type Pair, type RefusalEntry, type Surface, type Words } from './refusal-entry';
import { SHARED_REFUSALS } from './refusals-shared';

export { LANGS, type Lang };
export { SURFACES, type NoDetail, type RefusalEntry, type Surface, type Words };

/** What a license server could not do without the clearinghouse (the `action` detail). */
const LS_ACTION_FR: Record<string, string> = {
  activate: "s'activer",
  'check in': 'faire son check-in',
  'install key packs': 'installer des packs de licences',
  'install the pack': 'installer le pack',
  'register session hosts': "enregistrer des hôtes de session",
};
const lsActionFr = (a: unknown) => LS_ACTION_FR[String(a)] ?? String(a);

const q = (v: unknown) => `"${String(v)}"`;
const fq = (v: unknown) => `« ${String(v)} »`;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** What is wrong with the PAM gate's own setup (PAM_GATE_MISCONFIGURED's `problem`, docs/pam.md). */
type PamGateProblem = {
  problem?:
    | 'config-unreadable'
    | 'config-not-object'
    | 'session-hosts'
    | 'credential-file-setting'
    | 'device-identity'
    | 'timeout'
    | 'report-only'
    | 'pam-type'
    | 'pam-user'
    | 'phase'
    | 'credential-not-file'
    | 'credential-unreadable'
    | 'credential-mode'
    | 'credential-empty';
  /** the configuration or credential file */
  file?: string;
  reason?: string;
  /** PAM_TYPE as received */
  type?: string;
  /** the credential file's mode, octal (e.g. "644") */
  mode?: string;
};

function pamGateProblem(d: PamGateProblem, lang: Lang): string {
  const fr = lang === 'fr';
  const file = d.file ?? '';
  switch (d.problem) {
    case 'config-unreadable':
      return fr ? `Impossible de lire la configuration de la passerelle PAM ${file} : ${d.reason ?? ''}.` : `Cannot read the PAM gate configuration ${file}: ${d.reason ?? ''}.`;
    case 'config-not-object':
      return fr ? `${file} n'est pas un objet JSON (${d.reason ?? ''}).` : `${file} is not a JSON object (${d.reason ?? ''}).`;
    case 'session-hosts':
      return fr
        ? `${file} : "sessionHosts" doit lister les URL des hôtes de session (http://hôte:port), dans l'ordre.`
        : `${file}: "sessionHosts" must list the session host URLs (http://host:port), in order.`;
    case 'credential-file-setting':
      return fr
        ? `${file} : "credentialFile" doit nommer le fichier qui contient l'identifiant de frontal (mode 0600).`
        : `${file}: "credentialFile" must name the file holding the gate front-end credential (mode 0600).`;
    case 'device-identity':
      return fr ? `${file} : "deviceIdentity" vaut "rhost" (par défaut) ou "user".` : `${file}: "deviceIdentity" is "rhost" (default) or "user".`;
    case 'timeout':
      return fr ? `${file} : "timeoutMs" est un nombre entier de millisecondes, de 100 à 60000.` : `${file}: "timeoutMs" is a whole number of milliseconds from 100 to 60000.`;
    case 'report-only':
      return fr ? `${file} : "reportOnly" vaut true ou false.` : `${file}: "reportOnly" is true or false.`;
    case 'pam-type':
      return fr
        ? `PAM_TYPE ${d.type === undefined ? "n'est pas défini" : `vaut "${d.type}"`} : la passerelle PAM se lance depuis pam_exec.so dans la phase account (docs/pam.md).`
        : `PAM_TYPE is ${d.type === undefined ? 'not set' : `"${d.type}"`}: the PAM gate runs from pam_exec.so in the account phase (docs/pam.md).`;
    case 'pam-user':
      return fr ? "PAM_USER manque ou n'est pas imprimable : la passerelle PAM se lance depuis pam_exec.so." : 'PAM_USER is missing or not printable: the PAM gate runs from pam_exec.so.';
    case 'phase':
      return fr
        ? `La passerelle PAM s'exécute dans la phase account, pas "${d.type ?? ''}" (docs/pam.md).`
        : `The PAM gate runs in the account phase, not "${d.type ?? ''}" (docs/pam.md).`;
    case 'credential-not-file':
      return fr ? `Le fichier d'identifiant de frontal ${file} n'est pas un fichier ordinaire.` : `The gate credential file ${file} is not a regular file.`;
    case 'credential-unreadable':
      return fr ? `Impossible de lire le fichier d'identifiant de frontal ${file} : ${d.reason ?? ''}.` : `Cannot read the gate credential file ${file}: ${d.reason ?? ''}.`;
    case 'credential-mode':
      return fr
        ? `Le fichier d'identifiant de frontal ${file} a le mode 0${d.mode ?? ''} : d'autres peuvent le lire. Rendez-le lisible par root seul : chmod 600 ${file}`
        : `The gate credential file ${file} has mode 0${d.mode ?? ''}: others may read it. Make it readable by root only: chmod 600 ${file}`;
    case 'credential-empty':
      return fr ? `Le fichier d'identifiant de frontal ${file} ne contient pas d'identifiant.` : `The gate credential file ${file} does not hold a credential.`;
    default:
      return fr
        ? `La passerelle PAM n'est pas correctement configurée${d.reason ? ` : ${d.reason}` : ''}. Voir docs/pam.md.`
        : `The PAM gate is not set up correctly${d.reason ? `: ${d.reason}` : ''}. See docs/pam.md.`;
  }
}

// ----------------------------------------------------------------------------------------------------------
// Texts shared by several entries

const FIELD_EN: Record<string, string> = {
  company: 'Auto activation needs the company information: firstName, lastName, company and country.',
  orgToken: "Auto activation needs the organization's clearinghouse token (orgToken).",
  name: 'A session host name is 1 to 253 letters, digits, dots, hyphens or underscores (its host name or FQDN).',
  device: 'The CAL request needs a device name (1 to 256 characters).',
  hwid: 'The CAL request needs the device hardware ID (1 to 256 characters).',
  hostVersion: 'hostVersion must be the session host version: 2012, 2016, 2019, 2022 or 2025.',
  user: 'A per-user CAL request needs the user name of the session.',
  jti: 'jti must be the id of a CAL token.',
};
const FIELD_FR: Record<string, string> = {
  company: "L'activation automatique demande les coordonnées de l'entreprise : firstName, lastName, company et country.",
  orgToken: "L'activation automatique demande le jeton de l'organisation auprès du clearinghouse (orgToken).",
  name: "Un nom d'hôte de session compte 1 à 253 lettres, chiffres, points, traits d'union ou soulignés (son nom d'hôte ou FQDN).",
  device: 'La demande de CAL doit nommer le périphérique (1 à 256 caractères).',
  hwid: "La demande de CAL doit donner l'ID matériel du périphérique (1 à 256 caractères).",
  hostVersion: "hostVersion doit être la version de l'hôte de session : 2012, 2016, 2019, 2022 ou 2025.",
  user: "Une demande de CAL par utilisateur doit nommer l'utilisateur de la session.",
  jti: "jti doit être l'identifiant d'un jeton de CAL.",
};

const PROBLEM_FR: Record<string, string> = { 'is required': 'est requis', 'is not an allowed property': "n'est pas une propriété admise" };

/** One problem of a request's input, as the validator or the input guard found it (`rule`), in both languages. */
export interface InputProblem {
  readonly field: string;
  /** the English words, for clients reading the detail */
  readonly problem: string;
  readonly rule?: string;
  readonly limit?: number;
  readonly expected?: string;
  readonly allowed?: readonly unknown[];
}

const TYPE_WORDS: Record<string, readonly [string, string]> = {
  integer: ['an integer', 'un entier'],
  number: ['a number', 'un nombre'],
  string: ['a string', 'une chaîne'],
  boolean: ['true or false', 'true ou false'],
  object: ['an object', 'un objet'],
  array: ['a list', 'une liste'],
  null: ['null', 'null'],
};

/** The words of one input problem (`field` excluded), in `lang`. */
export function inputProblemWords(p: Omit<InputProblem, 'problem'> & { problem?: string }, lang: Lang): string {
  const fr = lang === 'fr';
  const n = p.limit ?? 0;
  switch (p.rule) {
    case 'required':
      return fr ? 'est requis' : 'is required';
    case 'additional':
      return fr ? "n'est pas une propriété admise" : 'is not an allowed property';
    case 'type': {
      const expected = (p.expected ?? '').split(',').map((t) => TYPE_WORDS[t]?.[fr ? 1 : 0] ?? t);
      return fr ? `doit être ${orList(expected, lang)}` : `must be ${orList(expected, lang)}`;
    }
    case 'minimum':
    case 'exclusiveMinimum':
      return fr ? `doit valoir au moins ${p.rule === 'minimum' ? n : n + 1}` : `must be at least ${p.rule === 'minimum' ? n : n + 1}`;
    case 'maximum':
    case 'exclusiveMaximum':
      return fr ? `doit valoir au plus ${p.rule === 'maximum' ? n : n - 1}` : `must be at most ${p.rule === 'maximum' ? n : n - 1}`;
    case 'minLength':
      if (n <= 1) return fr ? 'ne doit pas être vide' : 'must not be empty';
      return fr ? `doit compter au moins ${n} caractères` : `must have at least ${n} characters`;
    case 'maxLength':
      return fr ? `doit compter au plus ${n} caractères` : `must have at most ${n} characters`;
    case 'minItems':
    case 'minProperties':
      return fr ? `doit compter au moins ${n} éléments` : `must have at least ${n} items`;
    case 'maxItems':
    case 'maxProperties':
      return fr ? `doit compter au plus ${n} éléments` : `must have at most ${n} items`;
    case 'control-characters':
      return fr
        ? 'ne doit pas contenir de caractères de contrôle (NUL, séquences d’échappement, sauts de ligne) : retapez la valeur'
        : 'must not contain control characters (NUL, escape sequences, line breaks): type the value again';
    case 'nul':
      return fr ? 'ne doit pas contenir de caractère NUL' : 'must not contain a NUL character';
    case 'depth':
      return fr ? `est imbriqué trop profondément (au plus ${n} niveaux)` : `is nested too deeply (at most ${n} levels)`;
    case 'pattern':
      return fr ? "n'a pas la forme attendue" : 'is not in the expected format';
    case 'enum':
      return fr ? `doit valoir ${orList((p.allowed ?? []).map(String), lang)}` : `must be one of: ${(p.allowed ?? []).map(String).join(', ')}`;
    case 'union':
      return fr ? "ne correspond à aucune des formes admises" : 'does not match any accepted form';
    case 'invalid':
      return fr ? "n'est pas valide" : 'is invalid';
    default:
      return fr ? (PROBLEM_FR[p.problem ?? ''] ?? p.problem ?? "n'est pas valide") : (p.problem ?? 'is invalid');
  }
}

type InvalidRequest = {
  field?: string;
  problem?: string;
  problems?: readonly InputProblem[];
  allowed?: readonly unknown[];
  reason?: string;
};

function invalidRequest(d: InvalidRequest, lang: Lang): string {
  const fr = lang === 'fr';
  if (d.problems) {
    const text = d.problems.map((p) => `${p.field} ${p.rule === undefined ? (fr ? (PROBLEM_FR[p.problem] ?? p.problem) : p.problem) : inputProblemWords(p, lang)}`).join('; ');
    return fr ? `La requête n'est pas valide : ${text}.` : `The request is invalid: ${text}.`;
  }
  switch (d.problem) {
    case 'empty-body':
      return fr
        ? "Le corps est vide alors que 'Content-Type: application/json' a été envoyé. Envoyez un corps JSON ou retirez l'en-tête."
        : "The body is empty but 'Content-Type: application/json' was sent. Send a JSON body or drop the header.";
    case 'not-json':
      return fr
        ? "Le corps n'est pas du JSON valide. Vérifiez les guillemets et les virgules du JSON envoyé."
        : 'The body is not valid JSON. Check the quoting and commas of the JSON you send.';
    case 'bad-url':
      return fr
        ? "L'URL n'est pas valide (un % n'est pas suivi de deux chiffres hexadécimaux, ou un caractère n'est pas admis). Encodez le chemin et la requête."
        : 'The URL is not valid (a % not followed by two hexadecimal digits, or a character that is not allowed). Percent-encode the path and the query.';
    case 'bad-http':
      return fr ? "La requête HTTP est malformée. Vérifiez la ligne de requête et les en-têtes." : 'The HTTP request is malformed. Check the request line and the headers.';
    case 'refused':
      return fr ? `La requête a été refusée : ${d.reason ?? ''}.` : `The request was refused: ${d.reason ?? ''}.`;
    case 'own-id':
      return fr
        ? "L'ID du serveur de licences source est celui de ce serveur. Donnez l'ID de l'ancien serveur de licences, ou laissez-le vide."
        : "The source license server ID is this server's own ID. Give the ID of the old license server, or leave it empty.";
    case 'revoke':
      return fr
        ? 'Nommez le périphérique (son nom ou son ID matériel) dont la CAL par périphérique doit être révoquée.'
        : 'Name the device (its name or hardware ID) whose per-device CAL to revoke.';
    default:
      break;
  }
  if (d.allowed) {
    return fr ? `${d.field ?? 'La valeur'} doit valoir : ${andList(d.allowed, lang)}.` : `The ${d.field ?? 'value'} must be one of: ${d.allowed.join(', ')}.`;
  }
  const field = d.field ?? '';
  if (field.startsWith('company.')) {
    const f = field.slice('company.'.length);
    return fr ? `Coordonnées de l'entreprise : ${f} est requis (1 à 200 caractères).` : `Company information: ${f} is required (1 to 200 characters).`;
  }
  const known = (fr ? FIELD_FR : FIELD_EN)[field];
  if (known) return known;
  return fr ? `La requête n'est pas valide (${field || 'corps'}).` : `The request is invalid (${field || 'body'}).`;
}

function programDataHint(program: unknown, lang: Lang): string {
  const fr = lang === 'fr';
  if (program === 'open') {
    return fr
      ? "Le numéro de licence et le numéro d'autorisation ne correspondent pas à ce pack. Tapez-les tels qu'imprimés sur la confirmation Open License."
      : 'The license number and authorization number do not match this pack. Type them as printed on the Open License confirmation.';
  }
  if (AGREEMENT_PROGRAMS.includes(program as Program)) {
    return fr
      ? "Le numéro de contrat ne correspond pas à ce pack. Tapez le numéro de contrat (enrollment) à 7 chiffres sous lequel le pack a été acheté."
      : 'The agreement number does not match this pack. Type the 7-digit agreement (enrollment) number the pack was bought under.';
  }
  return fr ? "Les données du programme d'achat ne correspondent pas à ce pack." : 'The program data does not match this pack.';
}

/** The configuration's own words (expected values, masked secrets) in French. */
function frConfigWords(text: string): string {
  const rules: [RegExp, string][] = [
    [/^a hidden value of (\d+) characters$/, 'une valeur masquée de $1 caractères'],
    [/^a hidden value$/, 'une valeur masquée'],
    [/^a number$/, 'un nombre'],
    [/^true or false$/, 'true ou false'],
    [/^a URL such as (.*)$/, 'une URL comme $1'],
    [/^an http:\/\/ or https:\/\/ URL$/, 'une URL http:// ou https://'],
    [/^a file system path$/, 'un chemin de fichier'],
    [/^a string$/, 'une chaîne'],
    [/^an integer from (\d+) to (\d+)$/, 'un entier de $1 à $2'],
    [/^one of (.*)$/, "l'une des valeurs $1"],
    [/^at least (\d+) characters$/, 'au moins $1 caractères'],
    [/^addresses or CIDR ranges separated by commas, such as (.*)$/, 'des adresses ou des plages CIDR séparées par des virgules, comme $1'],
    [/^a URL starting with sqlite: or postgres:\/\/$/, 'une URL commençant par sqlite: ou postgres://'],
    [/^a host name: letters, digits, dots, hyphens, underscores \(at most (\d+)\)$/, "un nom d'hôte : lettres, chiffres, points, traits d'union, soulignés (au plus $1)"],
  ];
  for (const [re, fr] of rules) if (re.test(text)) return text.replace(re, fr);
  return text;
}

const TOKEN_CLI: Pair<NoDetail> = [() => 'Pass --token or set OPENCAL_TOKEN.', () => 'Passez --token ou définissez OPENCAL_TOKEN.'];
const TOKEN_API: Pair<NoDetail> = [() => "Send 'Authorization: Bearer <token>'.", () => "Envoyez 'Authorization: Bearer <jeton>'."];

// ----------------------------------------------------------------------------------------------------------
// The catalogue

export const REFUSALS = {
  ...SHARED_REFUSALS,
  // --- foundation: http, auth, client, start ------------------------------------------------------------------
  INVALID_REQUEST: entry<InvalidRequest>(400, (d) => invalidRequest(d, 'en'), (d) => invalidRequest(d, 'fr'), {
    api: [(d) => (d.problems ? "See the route's schema at /docs." : ''), (d) => (d.problems ? 'Voyez le schéma de la route sur /docs.' : '')],
  }),
  CURSOR_INVALID: entry<{ problem?: 'format' | 'sort' }>(
    400,
    (d) =>
      d.problem === 'sort'
        ? 'This page cursor was made for another sort order. Start again from the first page with the new sort.'
        : 'This page cursor is not one the server made (edited or cut). Start again from the first page.',
    (d) =>
      d.problem === 'sort'
        ? "Ce curseur de page a été fait pour un autre ordre de tri. Reprenez à la première page avec le nouveau tri."
        : "Ce curseur de page n'a pas été fait par le serveur (modifié ou tronqué). Reprenez à la première page.",
    { api: [() => 'Send the nextCursor of the previous answer unchanged, with the same sort.', () => 'Renvoyez tel quel le nextCursor de la réponse précédente, avec le même sort.'] },
  ),
  BODY_TOO_LARGE: entry<{ limit?: number }>(
    413,
    (d) => `The request body is larger than this server accepts (${d.limit ?? 'limit'} bytes). Send a smaller body.`,
    (d) => `Le corps de la requête dépasse ce que ce serveur accepte (${d.limit ?? 'limite'} octets). Envoyez un corps plus petit.`,
  ),
  HEADERS_TOO_LARGE: entry(
    431,
    () => 'The request headers are larger than this server accepts. Send fewer or smaller headers (CAL bundles: at most a few).',
    () => "Les en-têtes de la requête dépassent ce que ce serveur accepte. Envoyez des en-têtes moins nombreux ou plus petits (lots de CAL : quelques-uns au plus).",
  ),
  UNSUPPORTED_MEDIA_TYPE: entry<{ contentType?: string }>(
    415,
    (d) => `Content type '${d.contentType ?? ''}' is not accepted. Send JSON with 'Content-Type: application/json'.`,
    (d) => `Le type de contenu '${d.contentType ?? ''}' n'est pas accepté. Envoyez du JSON avec 'Content-Type: application/json'.`,
  ),
  ROUTE_NOT_FOUND: entry<{ method: string; path: string }>(
    404,
    (d) => `There is no route ${d.method} ${d.path}.`,
    (d) => `Il n'y a pas de route ${d.method} ${d.path}.`,
    {
      api: [() => 'Component routes are under /ch/v1, /ls/v1 and /sh/v1; the list is at /docs.', () => 'Les routes des composants sont sous /ch/v1, /ls/v1 et /sh/v1 ; la liste est sur /docs.'],
      cli: [() => 'Check that --url (OPENCAL_URL) names an OpenCAL server of this version.', () => "Vérifiez que --url (OPENCAL_URL) désigne un serveur OpenCAL de cette version."],
      console: [() => 'Check that this server runs the same OpenCAL version as the console.', () => 'Vérifiez que ce serveur fait tourner la même version d’OpenCAL que la console.'],
    },
  ),
  UNAUTHENTICATED: entry<{ scopes?: readonly string[]; problem?: 'missing' | 'unknown' | 'diagnoser' | 'admin' }>(
    401,
    (d) =>
      d.problem === 'unknown'
        ? 'The bearer token is not known to this server (mistyped, revoked, or issued by another component).'
        : d.problem === 'diagnoser'
          ? 'The diagnoser reads the session host with its admin or read-only token.'
          : d.problem === 'admin'
            ? 'Advancing the demo clock needs the admin token.'
            : `This route needs a bearer token with scope ${list(d.scopes).join(' or ')}.`,
    (d) =>
      d.problem === 'unknown'
        ? "Ce serveur ne connaît pas ce jeton (mal tapé, révoqué, ou émis par un autre composant)."
        : d.problem === 'diagnoser'
          ? "Le diagnostic lit l'hôte de session avec son jeton d'administration ou de lecture seule."
          : d.problem === 'admin'
            ? "Avancer l'horloge de démonstration demande le jeton d'administration."
            : `Cette route demande un jeton de portée ${list(d.scopes).join(' ou ')}.`,
    {
      api: TOKEN_API,
      cli: TOKEN_CLI,
      console: [() => 'Sign in with a token that has this scope.', () => 'Connectez-vous avec un jeton qui a cette portée.'],
    },
  ),
  FORBIDDEN_SCOPE: entry<{ scope: string; allowed: readonly string[] }>(
    403,
    (d) => `A token with scope ${d.scope} may not do this. Use a token with scope ${list(d.allowed).join(' or ')}.`,
    (d) => `Un jeton de portée ${d.scope} ne peut pas faire cela. Utilisez un jeton de portée ${list(d.allowed).join(' ou ')}.`,
  ),
  TOO_MANY_AUTH_FAILURES: entry<{ ip: string; retryAfterSeconds: number }>(
    429,
    (d) => `Too many failed authentications from ${d.ip}. Wait ${d.retryAfterSeconds} s, then retry with a valid token.`,
    (d) => `Trop d'échecs d'authentification depuis ${d.ip}. Attendez ${d.retryAfterSeconds} s, puis réessayez avec un jeton valide.`,
  ),
  TOO_MANY_REQUESTS: entry<{ retryIn?: string }>(
    429,
    (d) => `Too many requests from this address; retry in ${d.retryIn ?? 'a minute'}.`,
    (d) => `Trop de requêtes depuis cette adresse ; réessayez dans ${d.retryIn ?? 'une minute'}.`,
  ),
  INTERNAL_ERROR: entry<{ requestId: string }>(
    500,
    (d) => `Something went wrong on the server. The request id is ${d.requestId}: give it to the operator, who will find the cause in the server log.`,
    (d) => `Une erreur s'est produite sur le serveur. L'identifiant de la requête est ${d.requestId} : donnez-le à l'exploitant, qui trouvera la cause dans le journal du serveur.`,
  ),
  STARTING: entry(503, () => 'The server is starting. Retry in a second.', () => 'Le serveur démarre. Réessayez dans une seconde.'),
  STORAGE_FULL: entry(
    503,
    () => 'The server cannot store anything more: its disk (or its database) is full. Nothing of this request was kept; reading still works. Retry once the operator has freed space; the server resumes by itself, without a restart.',
    () => "Le serveur ne peut plus rien enregistrer : son disque (ou sa base de données) est plein. Rien de cette requête n'a été conservé ; la lecture fonctionne toujours. Réessayez quand l'exploitant aura libéré de la place ; le serveur reprend de lui-même, sans redémarrage.",
  ),
  STORAGE_READ_ONLY: entry(
    503,
    () => 'The server cannot store anything: its database or its disk is read-only. Nothing of this request was kept; reading still works. Retry once the operator has made the storage writable again; the server resumes by itself, without a restart.',
    () => "Le serveur ne peut rien enregistrer : sa base de données ou son disque est en lecture seule. Rien de cette requête n'a été conservé ; la lecture fonctionne toujours. Réessayez quand l'exploitant aura rendu le stockage de nouveau inscriptible ; le serveur reprend de lui-même, sans redémarrage.",
  ),
  DATA_DIRECTORY_IN_USE: entry<{ dir: string; pid?: number }>(
    409,
    (d) => `Another OpenCAL server${d.pid ? ` (process ${d.pid})` : ''} is already using the data directory ${d.dir}. Stop it first, or give this server a data directory of its own.`,
    (d) => `Un autre serveur OpenCAL${d.pid ? ` (processus ${d.pid})` : ''} utilise déjà le répertoire de données ${d.dir}. Arrêtez-le d'abord, ou donnez à ce serveur un répertoire de données à lui.`,
    { cli: [() => '(--data or OPENCAL_DATA)', () => '(--data ou OPENCAL_DATA)'] },
  ),
  CONFLICT: entry(
    409,
    () => 'The pack changed while this case was decided. Look at the case again and retry.',
    () => 'Le pack a changé pendant la décision sur ce dossier. Consultez de nouveau le dossier et réessayez.',
  ),
  PORT_IN_USE: entry<{ host: string; port: number }>(
    409,
    (d) => `Port ${d.port} on ${d.host} is already in use. Stop the other process or choose another port.`,
    (d) => `Le port ${d.port} sur ${d.host} est déjà utilisé. Arrêtez l'autre processus ou choisissez un autre port.`,
    { cli: [() => 'Pass another --port (OPENCAL_PORT).', () => 'Passez un autre --port (OPENCAL_PORT).'] },
  ),
  CANNOT_LISTEN: entry<{ host: string; port: number; reason: string }>(
    500,
    (d) => `Cannot listen on ${d.host}:${d.port} (${d.reason}). Check the listening address and port.`,
    (d) => `Impossible d'écouter sur ${d.host}:${d.port} (${d.reason}). Vérifiez l'adresse et le port d'écoute.`,
    { cli: [() => 'They come from --host and --port.', () => 'Ils viennent de --host et --port.'] },
  ),
  DEMO_SETUP_FAILED: entry<{ step: string; cause: string; reason: string }>(
    500,
    (d) => `Setting up the demo data failed at "${d.step}": ${d.cause}: ${d.reason}`,
    (d) => `La préparation des données de démonstration a échoué à l'étape « ${d.step} » : ${d.cause} : ${d.reason}`,
  ),
  DEMO_MODE_OFF: entry<{ url: string }>(
    404,
    (d) => `${d.url} has no demo clock: only an all-in-one server started in demo mode has one.`,
    (d) => `${d.url} n'a pas d'horloge de démonstration : seul un serveur tout-en-un démarré en mode démonstration en a une.`,
    { cli: [() => 'Start it with opencal serve --demo.', () => 'Démarrez-le avec opencal serve --demo.'] },
  ),
  DURATION_INVALID: entry<{ value: unknown }>(
    400,
    (d) => `${q(d.value)} is not a duration. Use a number and a unit, e.g. 91d, 12h, 30m or 2w.`,
    (d) => `${fq(d.value)} n'est pas une durée. Donnez un nombre et une unité, par exemple 91d, 12h, 30m ou 2w.`,
  ),

  // --- configuration (src/config; the CLI and servers at start) ----------------------------------------------
  CONFIG_INVALID_VALUE: entry<{ key: string; source: string; expected: string; shown: string; flag: string; env: string; file?: string }>(
    400,
    (d) => {
      const where = d.source === 'flag' ? `flag ${d.flag}` : d.source === 'env' ? `environment variable ${d.env}` : `config file ${d.file ?? ''} (key "${d.key}")`;
      return `Invalid configuration: ${d.key} from ${where} is ${d.shown}; expected ${d.expected}.`;
    },
    (d) => {
      const where = d.source === 'flag' ? `l'option ${d.flag}` : d.source === 'env' ? `la variable d'environnement ${d.env}` : `le fichier de configuration ${d.file ?? ''} (clé « ${d.key} »)`;
      return `Configuration invalide : ${d.key} venant de ${where} vaut ${frConfigWords(d.shown)} ; attendu : ${frConfigWords(d.expected)}.`;
    },
  ),
  CONFIG_UNKNOWN_KEY: entry<{ file: string; key: string; known: readonly string[] }>(
    400,
    (d) => `The config file ${d.file} has the unknown key "${d.key}". Known keys: ${list(d.known).join(', ')}.`,
    (d) => `Le fichier de configuration ${d.file} contient la clé inconnue « ${d.key} ». Clés connues : ${list(d.known).join(', ')}.`,
  ),
  CONFIG_FILE_UNREADABLE: entry<{ file: string; reason: string }>(
    400,
    (d) => `Cannot read the config file ${d.file}: ${d.reason === 'ENOENT' ? 'it does not exist' : d.reason}.`,
    (d) => `Impossible de lire le fichier de configuration ${d.file} : ${d.reason === 'ENOENT' ? "il n'existe pas" : d.reason}.`,
    { cli: [() => 'Check the path given by --config or OPENCAL_CONFIG.', () => 'Vérifiez le chemin donné par --config ou OPENCAL_CONFIG.'] },
  ),
  CONFIG_FILE_INVALID: entry<{ file: string; reason?: string }>(
    400,
    (d) => (d.reason !== undefined ? `The config file ${d.file} is not valid JSON (${d.reason}). Fix its syntax.` : `The config file ${d.file} must hold one JSON object such as {"port": 7878}.`),
    (d) =>
      d.reason !== undefined
        ? `Le fichier de configuration ${d.file} n'est pas du JSON valide (${d.reason}). Corrigez sa syntaxe.`
        : `Le fichier de configuration ${d.file} doit contenir un seul objet JSON, par exemple {"port": 7878}.`,
  ),

  // --- codes (src/core/codes): malformed input is a bad request, a wrong MAC is a refused code -----------------

  // --- trust and signed requests (src/trust, clearinghouse verification) --------------------------------------
  SIGNATURE_INVALID: entry(
    401,
    () => 'The signature of this request does not match the key it carries: it was altered on the way, or signed by another key.',
    () => 'La signature de cette requête ne correspond pas à la clé qu’elle porte : elle a été modifiée en chemin, ou signée par une autre clé.',
  ),
  SIGNED_REQUEST_INVALID: entry<{ problem: 'body' | 'jws' | 'no-key' | 'action' | 'nonce' | 'instance' | 'packs' | 'chain'; action?: unknown; expected?: string; cause?: string }>(
    400,
    (d) => {
      switch (d.problem) {
        case 'body':
          return 'The body must be { "request": <compact JWS signed by the license server> }.';
        case 'no-key':
          return 'The signed request carries no Ed25519 public key (pub). Update the license server.';
        case 'action':
          return `This request was signed for "${String(d.action)}", not "${d.expected ?? ''}". Send it to the route of its action.`;
        case 'nonce':
          return 'The request carries no usable nonce.';
        case 'instance':
          return 'A check-in carries the instanceId of the license server installation.';
        case 'packs':
          return 'packs must be a list of { pack, seq, issued } with whole numbers.';
        case 'chain':
          return 'A check-in carries its place in the check-in chain: chain { counter (1 or more), prev (64 hex digits), attempt }. Update the license server.';
        default:
          return `The signed request is not a well-formed signed document (compact JWS, EdDSA, type opencal.request)${d.cause ? `: ${d.cause}` : ''}. Update the license server.`;
      }
    },
    (d) => {
      switch (d.problem) {
        case 'body':
          return 'Le corps doit être { "request": <JWS compact signé par le serveur de licences> }.';
        case 'no-key':
          return 'La requête signée ne porte pas de clé publique Ed25519 (pub). Mettez à jour le serveur de licences.';
        case 'action':
          return `Cette requête a été signée pour « ${String(d.action)} », pas pour « ${d.expected ?? ''} ». Envoyez-la à la route de son action.`;
        case 'nonce':
          return 'La requête ne porte pas de nonce utilisable.';
        case 'instance':
          return "Un check-in porte l'instanceId de l'installation du serveur de licences.";
        case 'packs':
          return 'packs doit être une liste de { pack, seq, issued } en nombres entiers.';
        case 'chain':
          return 'Un check-in porte sa place dans la chaîne des check-ins : chain { counter (1 ou plus), prev (64 chiffres hexadécimaux), attempt }. Mettez à jour le serveur de licences.';
        default:
          return `La requête signée n'est pas un document signé bien formé (JWS compact, EdDSA, type opencal.request)${d.cause ? ` : ${d.cause}` : ''}. Mettez à jour le serveur de licences.`;
      }
    },
  ),
  SIGNED_REQUEST_EXPIRED: entry<{ now: string; windowSeconds: number }>(
    401,
    (d) => `The request was made at a time more than ${d.windowSeconds} s away from the clearinghouse clock (${d.now}). Set the license server's clock right and try again.`,
    (d) => `La requête a été faite à une heure éloignée de plus de ${d.windowSeconds} s de l'horloge du clearinghouse (${d.now}). Remettez à l'heure l'horloge du serveur de licences et réessayez.`,
  ),
  SIGNED_REQUEST_REPLAYED: entry(
    409,
    () => 'This request was already received once (same nonce). A license server makes a new request for each call.',
    () => 'Cette requête a déjà été reçue une fois (même nonce). Un serveur de licences fait une nouvelle requête à chaque appel.',
  ),
  SUBJECT_MISMATCH: entry<{ sub: unknown; serverId: string }>(
    401,
    (d) => `The request names license server ${String(d.sub)}, but its key belongs to ${d.serverId}.`,
    (d) => `La requête nomme le serveur de licences ${String(d.sub)}, mais sa clé appartient à ${d.serverId}.`,
  ),
  AUDIENCE_MISMATCH: entry(401, () => 'This request was not made for the clearinghouse (aud).', () => "Cette requête n'a pas été faite pour le clearinghouse (aud)."),
  JWS_MALFORMED: entry<{ why?: 'kid' | 'alg' | 'payload' }>(
    400,
    (d) =>
      `This is not a well-formed signed document (compact JWS, EdDSA).${d.why === 'kid' ? ' It names no signing key (kid).' : d.why === 'alg' ? ' It is not signed with EdDSA.' : d.why === 'payload' ? ' Its payload is not a JSON object.' : ''} Copy it again in full.`,
    (d) =>
      `Ce n'est pas un document signé bien formé (JWS compact, EdDSA).${d.why === 'kid' ? ' Il ne nomme aucune clé de signature (kid).' : d.why === 'alg' ? " Il n'est pas signé avec EdDSA." : d.why === 'payload' ? " Son contenu n'est pas un objet JSON." : ''} Recopiez-le en entier.`,
  ),
  JWS_UNKNOWN_KEY: entry<{ kid?: string; problem?: 'not-ed25519' }>(
    401,
    (d) =>
      d.problem === 'not-ed25519'
        ? 'The public key given for this document is not an Ed25519 public key.'
        : `This document is signed with key "${d.kid ?? ''}", which is not among the trusted keys. Refresh the trust anchor if the signer rotated its key.`,
    (d) =>
      d.problem === 'not-ed25519'
        ? "La clé publique donnée pour ce document n'est pas une clé publique Ed25519."
        : `Ce document est signé avec la clé « ${d.kid ?? ''} », qui n'est pas parmi les clés de confiance. Rafraîchissez l'ancre de confiance si le signataire a changé de clé.`,
  ),
  JWS_SIGNATURE_INVALID: entry(
    401,
    () => 'The signature of this document does not match its content: it was altered or signed by another key. Get a fresh copy from its source.',
    () => 'La signature de ce document ne correspond pas à son contenu : il a été modifié ou signé par une autre clé. Procurez-vous une copie fraîche à sa source.',
  ),
  JWS_KEY_REVOKED: entry<{ kid: string; revokedAt?: string }>(
    401,
    (d) => `This document is signed with clearinghouse key "${d.kid}", which was revoked${d.revokedAt ? ` on ${d.revokedAt.slice(0, 10)}` : ''}: nothing it signed is trusted any more. Get a copy signed again by the current key (a license server receives it at its next check-in).`,
    (d) => `Ce document est signé avec la clé du clearinghouse « ${d.kid} », qui a été révoquée${d.revokedAt ? ` le ${d.revokedAt.slice(0, 10)}` : ''} : rien de ce qu'elle a signé n'est plus digne de confiance. Procurez-vous une copie signée de nouveau par la clé courante (un serveur de licences la reçoit à son prochain check-in).`,
  ),
  JWS_KEY_RETIRED: entry<{ kid: string; retiredAt: string }>(
    401,
    (d) => `This document claims to be signed by clearinghouse key "${d.kid}" after that key was retired (${d.retiredAt}): a retired key signs nothing new. Get a copy signed by the current key.`,
    (d) => `Ce document dit avoir été signé par la clé du clearinghouse « ${d.kid} » après le retrait de cette clé (${d.retiredAt}) : une clé retirée ne signe plus rien de nouveau. Procurez-vous une copie signée par la clé courante.`,
  ),
  JWS_WRONG_TYPE: entry<{ expected: string; actual: unknown }>(
    400,
    (d) => `This is a ${typeof d.actual === 'string' ? `"${d.actual}"` : 'untyped'} document where "${d.expected}" was expected. Give the right document.`,
    (d) => `Ceci est un document ${typeof d.actual === 'string' ? `« ${d.actual} »` : 'sans type'} là où « ${d.expected} » était attendu. Donnez le bon document.`,
  ),

  // --- clearinghouse ------------------------------------------------------------------------------------------
  ORG_NOT_FOUND: entry<{ orgId?: string; problem?: 'token' | 'pack' }>(
    404,
    (d) =>
      d.problem === 'token'
        ? 'The organization of this token no longer exists.'
        : `There is no organization ${d.orgId ?? ''}.${d.problem === 'pack' ? ' Create it first, or leave it out for a retail pack.' : ''}`,
    (d) =>
      d.problem === 'token'
        ? "L'organisation de ce jeton n'existe plus."
        : `Il n'y a pas d'organisation ${d.orgId ?? ''}.${d.problem === 'pack' ? ' Créez-la d’abord, ou omettez-la pour un pack Retail.' : ''}`,
  ),
  ORG_REQUIRED: entry<{ program: string }>(
    400,
    (d) => `A ${d.program} pack belongs to the organization that holds the agreement: give its orgId.`,
    (d) => `Un pack ${d.program} appartient à l'organisation qui détient le contrat : donnez son orgId.`,
  ),
  ORGANIZATION_NAME_REQUIRED: entry(400, () => 'Give the organization a name.', () => "Donnez un nom à l'organisation."),
  AGENT_NAME_REQUIRED: entry(400, () => 'Give the agent a name.', () => "Donnez un nom à l'agent."),
  COMPANY_DETAILS_REQUIRED: entry<{ missing: readonly string[] }>(
    400,
    (d) => `Activation needs the company details the activation wizard asks for: ${list(d.missing).join(', ')} ${list(d.missing).length === 1 ? 'is' : 'are'} missing.`,
    (d) => `L'activation demande les coordonnées de l'entreprise que l'assistant d'activation réclame : il manque ${list(d.missing).join(', ')}.`,
  ),
  SERVER_VERSION_INVALID: entry(
    400,
    () => 'The license server version must be 2012, 2016, 2019, 2022 or 2025.',
    () => 'La version du serveur de licences doit être 2012, 2016, 2019, 2022 ou 2025.',
  ),
  REACTIVATION_REASON_INVALID: entry<{ allowed: readonly string[] }>(
    400,
    (d) => `Give the reason for reactivating: one of ${list(d.allowed).join(', ')}.`,
    (d) => `Donnez le motif de la réactivation : ${orList(list(d.allowed), 'fr')}.`,
  ),
  SERVER_INVALIDATED: entry<{ serverId: string; reason?: string }>(
    409,
    (d) =>
      `The activation of license server ${d.serverId} was invalidated (${d.reason ?? 'by the clearinghouse'}). It cannot be activated again: reinstall it (new keys, new license server ID) and migrate its packs.`,
    (d) =>
      `L'activation du serveur de licences ${d.serverId} a été invalidée (${d.reason ?? 'par le clearinghouse'}). Il ne peut pas être activé de nouveau : réinstallez-le (nouvelles clés, nouvel ID de serveur de licences) et migrez ses packs.`,
  ),
  SERVER_ALREADY_ACTIVATED: entry<{ serverId: string }>(
    409,
    (d) => `License server ${d.serverId} is already activated for another organization. Deactivate it there first, or use that organization's token.`,
    (d) => `Le serveur de licences ${d.serverId} est déjà activé pour une autre organisation. Désactivez-le d'abord là-bas, ou utilisez le jeton de cette organisation.`,
  ),
  SERVER_NOT_OWNED: entry<{ serverId: string }>(
    403,
    (d) => `License server ${d.serverId} belongs to another organization. Use that organization's token.`,
    (d) => `Le serveur de licences ${d.serverId} appartient à une autre organisation. Utilisez le jeton de cette organisation.`,
  ),
  LICENSE_SERVER_UNKNOWN: entry<{ serverId?: string; problem: 'install' | 'reactivate' | 'deactivate' | 'receipt' | 'export' }>(
    404,
    (d) =>
      d.problem === 'receipt'
        ? 'The license server this receipt names is not known to the clearinghouse. Check the receipt, group by group.'
        : d.problem === 'reactivate'
          ? `License server ${d.serverId ?? ''} was never activated. Activate it first.`
          : d.problem === 'deactivate'
            ? `License server ${d.serverId ?? ''} is not known to the clearinghouse; there is nothing to deactivate.`
            : `License server ${d.serverId ?? ''} is not known to your organization. Check the ID (License Manager → server properties), or activate the server first.`,
    (d) =>
      d.problem === 'receipt'
        ? "Le serveur de licences que nomme ce reçu n'est pas connu du clearinghouse. Vérifiez le reçu, groupe par groupe."
        : d.problem === 'reactivate'
          ? `Le serveur de licences ${d.serverId ?? ''} n'a jamais été activé. Activez-le d'abord.`
          : d.problem === 'deactivate'
            ? `Le serveur de licences ${d.serverId ?? ''} n'est pas connu du clearinghouse ; il n'y a rien à désactiver.`
            : `Le serveur de licences ${d.serverId ?? ''} n'est pas connu de votre organisation. Vérifiez l'ID (Gestionnaire de licences → Propriétés du serveur), ou activez d'abord le serveur.`,
  ),
  PACK_ALREADY_ACTIVATED: entry<{ pack: number; serverId: string }>(
    409,
    (d) =>
      `This pack is already activated on license server ${d.serverId}. To move it here, make a migration code on this license server (Manage CALs → Migrate) and submit it with the pack key, or deactivate license server ${d.serverId} first.`,
    (d) =>
      `« La clé est déjà activée » : ce pack est activé sur le serveur de licences ${d.serverId}. Pour le déplacer ici, faites un code de migration sur ce serveur de licences (Manage CALs → Migrate) et soumettez-le avec la clé de pack, ou désactivez d'abord le serveur de licences ${d.serverId}.`,
    { event: 9006 },
  ),
  PACK_OF_ANOTHER_ORGANIZATION: entry<{ pack: number; serverId: string }>(
    403,
    (d) =>
      `Pack ${d.pack} belongs to another organization than license server ${d.serverId}: a pack is installed only on a license server of the organization that bought it. Install it on one of that organization's license servers.`,
    (d) =>
      `Le pack ${d.pack} appartient à une autre organisation que le serveur de licences ${d.serverId} : un pack ne s'installe que sur un serveur de licences de l'organisation qui l'a acheté. Installez-le sur un serveur de licences de cette organisation.`,
    { event: 9020 },
  ),
  PACK_KEY_REQUIRED: entry(400, () => 'Give the 25-character pack key.', () => 'Donnez la clé de pack de 25 caractères.'),
  PACK_KEY_UNKNOWN: entry(
    422,
    () => 'No pack has this pack key. Check the 25-character key on your purchase confirmation.',
    () => "Aucun pack n'a cette clé. Vérifiez la clé de 25 caractères sur votre confirmation d'achat.",
  ),
  PACK_REVOKED: entry<{ problem?: 'install' | 'reissue' }>(
    409,
    (d) =>
      d.problem === 'reissue'
        ? 'This pack was revoked; it cannot be reissued.'
        : 'This pack was revoked by the clearinghouse and cannot be installed. Contact the clearinghouse desk.',
    (d) =>
      d.problem === 'reissue'
        ? 'Ce pack a été révoqué ; il ne peut pas être réémis.'
        : 'Ce pack a été révoqué par le clearinghouse et ne peut pas être installé. Contactez le guichet du clearinghouse.',
  ),
  PACK_ALREADY_ON_TARGET: entry<{ pack: number; serverId: string }>(
    409,
    (d) => `This pack is already installed on license server ${d.serverId}. Nothing to migrate: install it again from the license manager to receive it again.`,
    (d) => `Ce pack est déjà installé sur le serveur de licences ${d.serverId}. Rien à migrer : installez-le de nouveau depuis le gestionnaire de licences pour le recevoir de nouveau.`,
  ),
  PACK_COUNT_INVALID: entry<{ value?: string }>(
    400,
    (d) => `${d.value !== undefined ? `${q(d.value)} is not a count: give` : 'The count must be'} a whole number of CALs from 1 to 1,000,000.`,
    (d) => `${d.value !== undefined ? `${fq(d.value)} n'est pas un nombre : donnez` : 'Le nombre doit être'} un nombre entier de CALs de 1 à 1 000 000.`,
  ),
  PROGRAM_INVALID: entry<{ allowed: readonly string[] }>(
    400,
    (d) => `The program must be one of ${list(d.allowed).join(', ')}.`,
    (d) => `Le programme d'achat doit être l'un de : ${list(d.allowed).join(', ')}.`,
  ),
  PROGRAM_DATA_INVALID: entry<{ field: 'licenseNumber' | 'authorizationNumber' | 'agreementNumber'; program?: string }>(
    400,
    (d) =>
      d.field === 'licenseNumber'
        ? 'An Open License needs its 8-digit license number. Type the digits as printed on the license confirmation.'
        : d.field === 'authorizationNumber'
          ? 'An Open License needs its 15-character authorization number (letters and digits).'
          : `A ${d.program ?? ''} agreement needs its 7-digit agreement (enrollment) number.`,
    (d) =>
      d.field === 'licenseNumber'
        ? 'Une Open License demande son numéro de licence à 8 chiffres. Tapez les chiffres tels qu’imprimés sur la confirmation de licence.'
        : d.field === 'authorizationNumber'
          ? "Une Open License demande son numéro d'autorisation de 15 caractères (lettres et chiffres)."
          : `Un contrat ${d.program ?? ''} demande son numéro de contrat (enrollment) à 7 chiffres.`,
  ),
  PROGRAM_MISMATCH: entry<{ expected: string; stated: string }>(
    422,
    (d) => `This pack was bought under the ${d.expected} program, not ${d.stated}. Choose the program the pack was bought under.`,
    (d) => `Ce pack a été acheté sous le programme ${d.expected}, pas ${d.stated}. Choisissez le programme d'achat du pack.`,
  ),
  PROGRAM_DATA_MISMATCH: entry<{ program: string }>(422, (d) => programDataHint(d.program, 'en'), (d) => programDataHint(d.program, 'fr')),
  CAL_TYPE_INVALID: entry(400, () => 'The CAL type must be device or user.', () => 'Le type de CAL doit être device (périphérique) ou user (utilisateur).'),
  CAL_VERSION_INVALID: entry(400, () => 'The CAL version must be 2012, 2016, 2019, 2022 or 2025.', () => 'La version de CAL doit être 2012, 2016, 2019, 2022 ou 2025.'),
  CAL_TYPE_MISMATCH: entry<{ expected: string; stated: string }>(
    422,
    (d) => `This pack holds per-${d.expected} CALs, not per-${d.stated}. Device and user CALs are not interchangeable: state the type that was bought.`,
    (d) =>
      `Ce pack contient des CALs par ${calTypeWord(d.expected, 'fr')}, pas par ${calTypeWord(d.stated, 'fr')}. Les CALs périphérique et utilisateur ne sont pas interchangeables : indiquez le type acheté.`,
  ),
  CAL_VERSION_MISMATCH: entry<{ expected: number; stated: number }>(
    422,
    (d) => `This pack holds RDS ${d.expected} CALs, not ${d.stated}. State the version that was bought.`,
    (d) => `Ce pack contient des CALs RDS ${d.expected}, pas ${d.stated}. Indiquez la version achetée.`,
  ),
  VERSION_NOT_HOSTABLE: entry<{ serverVersion: number; calVersion: number }>(
    422,
    (d) =>
      `A ${d.serverVersion} license server cannot host RDS ${d.calVersion} CALs (a license server hosts its own version or older). Install the pack on a ${d.calVersion} or newer license server.`,
    (d) =>
      `Un serveur de licences ${d.serverVersion} ne peut pas héberger de CALs RDS ${d.calVersion} (un serveur de licences héberge sa version ou les antérieures). Installez le pack sur un serveur de licences ${d.calVersion} ou plus récent.`,
  ),
  CASE_NOT_FOUND: entry<{ caseNumber?: string; value?: string; problem?: 'format' | 'org' }>(
    404,
    (d) =>
      d.problem === 'format'
        ? `${q(d.value)} is not a case number: cases are numbered like CH-000123.`
        : `There is no case ${d.caseNumber ?? ''}${d.problem === 'org' ? ' for you' : ''}.`,
    (d) =>
      d.problem === 'format'
        ? `${fq(d.value)} n'est pas un numéro de dossier : les dossiers sont numérotés comme CH-000123.`
        : `Il n'y a pas de dossier ${d.caseNumber ?? ''}${d.problem === 'org' ? ' pour vous' : ''}.`,
  ),
  CASE_NUMBER_INVALID: entry<{ value: string }>(
    400,
    (d) => `${q(d.value)} is not a case number: cases are numbered like CH-000123.`,
    (d) => `${fq(d.value)} n'est pas un numéro de dossier : les dossiers sont numérotés comme CH-000123.`,
  ),
  CASE_ALREADY_DECIDED: entry<{ caseNumber: string; status?: string; decision?: 'approve' | 'reject' }>(
    409,
    (d) => (d.status ? `Case ${d.caseNumber} is ${d.status}; it cannot be ${d.decision === 'reject' ? 'rejected' : 'approved'}.` : `Case ${d.caseNumber} was decided meanwhile.`),
    (d) =>
      d.status
        ? `Le dossier ${d.caseNumber} est ${stateWord(d.status, 'fr')} ; il ne peut pas être ${d.decision === 'reject' ? 'rejeté' : 'approuvé'}.`
        : `Une décision a été prise entre-temps sur le dossier ${d.caseNumber}.`,
  ),
  REASON_REQUIRED: entry(
    400,
    () => 'Give the reason for the decision; it is kept with the case and in the audit log.',
    () => "Donnez le motif de la décision ; il est conservé avec le dossier et dans le journal d'audit.",
  ),
  MIGRATION_CODE_REQUIRED: entry(
    400,
    () => 'Give the 45-character migration code shown by the new license server (Manage CALs → Migrate).',
    () => 'Donnez le code de migration de 45 caractères affiché par le nouveau serveur de licences (Manage CALs → Migrate).',
  ),
  MIGRATION_TARGET_UNKNOWN: entry(
    422,
    () => 'The license server this migration code was made on is not known to the clearinghouse. Activate that license server first, then make a new migration code on it.',
    () => "Le serveur de licences sur lequel ce code de migration a été fait n'est pas connu du clearinghouse. Activez d'abord ce serveur de licences, puis faites-y un nouveau code de migration.",
  ),
  TARGET_NOT_ACTIVATED: entry<{ serverId: string; status?: string; step?: 'approve' }>(
    409,
    (d) =>
      d.step === 'approve'
        ? `The target license server ${d.serverId} is no longer activated. Reactivate it, then approve again.`
        : `The license server ${d.serverId} is ${d.status ?? 'not activated'}. Activate it first (License Manager → Activate Server), then submit the migration again.`,
    (d) =>
      d.step === 'approve'
        ? `Le serveur de licences cible ${d.serverId} n'est plus activé. Réactivez-le, puis approuvez de nouveau.`
        : `Le serveur de licences ${d.serverId} est ${stateWord(d.status, 'fr')}. Activez-le d'abord (Gestionnaire de licences → Activer le serveur), puis soumettez de nouveau la migration.`,
  ),
  TARGET_REQUIRED: entry(
    400,
    () => 'Give the migration code the caller reads from the new license server, or its license server ID.',
    () => "Donnez le code de migration que l'appelant lit sur le nouveau serveur de licences, ou l'ID de ce serveur de licences.",
    { cli: [() => '(--migration-code or --server-id)', () => '(--migration-code ou --server-id)'] },
  ),
  RECEIPT_STALE: entry<{ serverId: string }>(
    422,
    (d) => `This receipt is older than the latest activation of license server ${d.serverId}; deactivate it again and use the new receipt.`,
    (d) => `Ce reçu est plus ancien que la dernière activation du serveur de licences ${d.serverId} ; désactivez-le de nouveau et utilisez le nouveau reçu.`,
  ),
  RECEIPT_FOR_EARLIER_ACTIVATION: entry<{ serverId: string }>(
    422,
    (d) =>
      `This deactivation receipt ended an earlier activation of license server ${d.serverId}; the server was activated again since. Deactivate it again and use the receipt it shows then.`,
    (d) =>
      `Ce reçu de désactivation a mis fin à une activation précédente du serveur de licences ${d.serverId} ; le serveur a été réactivé depuis. Désactivez-le de nouveau et utilisez le reçu qu'il affiche alors.`,
  ),
  RECEIPT_NOT_FOR_SOURCE: entry<{ serverId: string }>(
    422,
    (d) => `This deactivation receipt is from license server ${d.serverId}, which does not hold this pack.`,
    (d) => `Ce reçu de désactivation vient du serveur de licences ${d.serverId}, qui ne détient pas ce pack.`,
  ),
  KEY_NOT_FOUND: entry<{ kid: string; known: readonly string[] }>(
    404,
    (d) => `No key "${d.kid}" in the clearinghouse key set. Its keys are: ${list(d.known).join(', ')}.`,
    (d) => `Aucune clé « ${d.kid} » dans l'ensemble de clés du clearinghouse. Ses clés sont : ${list(d.known).join(', ')}.`,
    { cli: [() => 'List them with opencal ch keys list.', () => 'Listez-les avec opencal ch keys list.'], api: [() => 'List them with GET /ch/v1/keys.', () => 'Listez-les avec GET /ch/v1/keys.'] },
  ),
  KEY_ALREADY_REVOKED: entry<{ kid: string }>(
    409,
    (d) => `Key "${d.kid}" is already revoked: nothing to do.`,
    (d) => `La clé « ${d.kid} » est déjà révoquée : rien à faire.`,
  ),
  KEY_IS_CURRENT: entry<{ kid: string; problem?: 'held' }>(
    409,
    (d) =>
      d.problem === 'held'
        ? `Key "${d.kid}" is the only key this node can sign with: copy the newer key files to this node (or revoke from a node that holds them) first.`
        : `Key "${d.kid}" is the key the clearinghouse signs with now: rotate first, so that a new key signs, then revoke it.`,
    (d) =>
      d.problem === 'held'
        ? `La clé « ${d.kid} » est la seule avec laquelle ce nœud peut signer : copiez d'abord les fichiers des clés plus récentes sur ce nœud (ou révoquez depuis un nœud qui les détient).`
        : `La clé « ${d.kid} » est celle avec laquelle le clearinghouse signe maintenant : faites d'abord une rotation, pour qu'une nouvelle clé signe, puis révoquez-la.`,
    { cli: [() => 'Run opencal ch keys rotate, then revoke.', () => 'Lancez opencal ch keys rotate, puis révoquez.'], api: [() => 'POST /ch/v1/keys/rotate, then revoke.', () => 'POST /ch/v1/keys/rotate, puis révoquez.'] },
  ),
  KEY_ROTATION_CONFLICT: entry(
    409,
    () => 'Another clearinghouse node rotated the keys at the same moment; this rotation was not made. List the keys and rotate again only if you still need to.',
    () => "Un autre nœud du clearinghouse a fait une rotation des clés au même moment ; cette rotation n'a pas été faite. Listez les clés et ne refaites une rotation que si c'est encore nécessaire.",
  ),
  CLEARINGHOUSE_KEY_NOT_IN_SET: entry<{ where: string; foreign: readonly string[]; set: readonly string[] }>(
    409,
    (d) => `This clearinghouse node holds key ${list(d.foreign).join(', ')} in ${d.where}, which is not in the key set its database records (${list(d.set).join(', ')}): it did not start, since its documents and codes would be refused by every other node. Nodes of one clearinghouse share one key set: replace the key files of this node with those of the first node (root.key and every signing-*.key), then start it again.`,
    (d) => `Ce nœud du clearinghouse détient la clé ${list(d.foreign).join(', ')} dans ${d.where}, qui n'est pas dans l'ensemble de clés que sa base de données enregistre (${list(d.set).join(', ')}) : il n'a pas démarré, car ses documents et ses codes seraient refusés par tous les autres nœuds. Les nœuds d'un même clearinghouse partagent un ensemble de clés : remplacez les fichiers de clés de ce nœud par ceux du premier nœud (root.key et chaque signing-*.key), puis redémarrez-le.`,
    { cli: [() => 'They are in the directory given by --data.', () => 'Ils sont dans le dossier donné par --data.'] },
  ),
  CLEARINGHOUSE_KEY_MISSING: entry<{ where: string; root: string }>(
    409,
    (d) => `This clearinghouse node has no root key in ${d.where}, and its database already records key set root ${d.root}: it did not start, since a new key would split the clearinghouse. Copy the key files of the first node (root.key and every signing-*.key) into ${d.where}, then start it again.`,
    (d) => `Ce nœud du clearinghouse n'a pas de clé racine dans ${d.where}, et sa base de données enregistre déjà la racine ${d.root} d'un ensemble de clés : il n'a pas démarré, car une nouvelle clé diviserait le clearinghouse. Copiez les fichiers de clés du premier nœud (root.key et chaque signing-*.key) dans ${d.where}, puis redémarrez-le.`,
    { cli: [() => 'The directory is the one given by --data.', () => 'Le dossier est celui donné par --data.'] },
  ),
  AUDIT_CHAIN_BROKEN: entry<{ firstBroken?: { seq: number; problem: string } }>(
    409,
    (d) =>
      `The audit chain is broken${d.firstBroken ? ` at record ${d.firstBroken.seq} (${d.firstBroken.problem})` : ''}: records were altered or removed. Restore the clearinghouse database from a backup and investigate.`,
    (d) =>
      `La chaîne d'audit est rompue${d.firstBroken ? ` à l'enregistrement ${d.firstBroken.seq} (${d.firstBroken.problem})` : ''} : des enregistrements ont été modifiés ou supprimés. Restaurez la base du clearinghouse depuis une sauvegarde et enquêtez.`,
    { event: 9013 },
  ),
  AUDIT_CHECKPOINT_INVALID: entry<{ problem: 'format' | 'signature' | 'key'; kid?: string }>(
    400,
    (d) =>
      d.problem === 'key'
        ? `This checkpoint was signed with key ${d.kid ?? '?'}, which this clearinghouse does not hold: check that you are asking the clearinghouse that signed it, and that its nodes share one checkpoint key.`
        : d.problem === 'signature'
          ? 'This checkpoint does not verify with the clearinghouse checkpoint key: it was altered. Use a checkpoint saved from the clearinghouse itself.'
          : 'This is not a signed audit checkpoint: give the file saved by a checkpoint command, or its "checkpoint" text.',
    (d) =>
      d.problem === 'key'
        ? `Ce point de contrôle a été signé avec la clé ${d.kid ?? '?'}, que ce clearinghouse ne détient pas : vérifiez que vous interrogez le clearinghouse qui l'a signé, et que ses nœuds partagent une même clé de points de contrôle.`
        : d.problem === 'signature'
          ? "Ce point de contrôle ne se vérifie pas avec la clé de points de contrôle du clearinghouse : il a été modifié. Utilisez un point de contrôle enregistré depuis le clearinghouse lui-même."
          : "Ce n'est pas un point de contrôle d'audit signé : donnez le fichier enregistré par une commande de point de contrôle, ou son texte « checkpoint ».",
    {
      cli: [() => 'Save one with: opencal ch audit checkpoint --out FILE', () => 'Enregistrez-en un avec : opencal ch audit checkpoint --out FICHIER'],
    },
  ),
  AUDIT_CHECKPOINT_NOT_EXTENDED: entry<{ problem: 'truncated' | 'rewritten'; checkpointSeq: number; logSeq: number }>(
    409,
    (d) =>
      d.problem === 'truncated'
        ? `The audit log has ${d.logSeq} records, fewer than the ${d.checkpointSeq} of the saved checkpoint: records were removed since it was signed. Restore the clearinghouse database from a backup and investigate.`
        : `Audit record ${d.checkpointSeq} is not the one the saved checkpoint signed: the history was rewritten (and its hashes recomputed) since. Restore the clearinghouse database from a backup and investigate.`,
    (d) =>
      d.problem === 'truncated'
        ? `Le journal d'audit compte ${d.logSeq} enregistrements, moins que les ${d.checkpointSeq} du point de contrôle enregistré : des enregistrements ont été supprimés depuis sa signature. Restaurez la base du clearinghouse depuis une sauvegarde et enquêtez.`
        : `L'enregistrement d'audit ${d.checkpointSeq} n'est pas celui que le point de contrôle enregistré a signé : l'historique a été réécrit (et ses empreintes recalculées) depuis. Restaurez la base du clearinghouse depuis une sauvegarde et enquêtez.`,
    { event: 9051 },
  ),
  AUDIT_CHECKPOINT_FILE_UNREADABLE: entry<{ file: string; reason: string }>(
    400,
    (d) => `The checkpoint file ${d.file} cannot be read (${d.reason}).`,
    (d) => `Le fichier de point de contrôle ${d.file} est illisible (${d.reason}).`,
    {
      cli: [
        () => 'Give the file written by: opencal ch audit checkpoint --out FILE',
        () => 'Donnez le fichier écrit par : opencal ch audit checkpoint --out FICHIER',
      ],
    },
  ),

  // --- license server -----------------------------------------------------------------------------------------
  LICENSE_SERVER_NOT_ACTIVATED: entry<{ serverId: string; status?: string; expired?: boolean; action?: 'install' | 'reactivate' | 'deactivate' | 'migrate' | 'issue' | 'register' }>(
    409,
    (d) => {
      const state = d.expired ? 'activated but its activation has expired' : (d.status ?? 'not activated');
      switch (d.action) {
        case 'reactivate':
          return `License server ${d.serverId} was never activated: activate it instead.`;
        case 'deactivate':
          return `License server ${d.serverId} is ${state}; only an activated license server can be deactivated.`;
        case 'migrate':
          return `Activate license server ${d.serverId} first: CALs can only be migrated to an activated license server.`;
        case 'register':
          return `License server ${d.serverId} is ${state}: only an activated license server registers session hosts with its organization. Activate it, then enrol the host again.`;
        case 'issue':
          return `License server ${d.serverId} is not activated, so the device's temporary CAL cannot become permanent and it has expired. Activate the license server and install its key packs.`;
        default:
          return `License server ${d.serverId} is ${state}. Activate (or reactivate) it before installing packs.`;
      }
    },
    (d) => {
      const state = d.expired ? 'activé mais son activation a expiré' : stateWord(d.status, 'fr');
      switch (d.action) {
        case 'reactivate':
          return `Le serveur de licences ${d.serverId} n'a jamais été activé : activez-le plutôt.`;
        case 'deactivate':
          return `Le serveur de licences ${d.serverId} est ${state} ; seul un serveur de licences activé peut être désactivé.`;
        case 'migrate':
          return `Activez d'abord le serveur de licences ${d.serverId} : les CALs ne peuvent être migrées que vers un serveur de licences activé.`;
        case 'register':
          return `Le serveur de licences ${d.serverId} est ${state} : seul un serveur de licences activé enregistre des hôtes de session auprès de son organisation. Activez-le, puis inscrivez de nouveau l'hôte.`;
        case 'issue':
          return `Le serveur de licences ${d.serverId} n'est pas activé : la CAL temporaire du périphérique ne peut pas devenir permanente et elle a expiré. Activez le serveur de licences et installez ses packs de licences.`;
        default:
          return `Le serveur de licences ${d.serverId} est ${state}. Activez-le (ou réactivez-le) avant d'installer des packs.`;
      }
    },
    {
      event: 18,
      api: [(d) => (d.action === 'reactivate' ? '(POST /ls/v1/activate)' : ''), (d) => (d.action === 'reactivate' ? '(POST /ls/v1/activate)' : '')],
    },
  ),
  LICENSE_SERVER_ALREADY_ACTIVATED: entry<{ serverId: string; method?: string }>(
    409,
    (d) => `License server ${d.serverId} is already activated${d.method ? ` (${d.method})` : ''}. To activate it again, reactivate it with a reason.`,
    (d) => `Le serveur de licences ${d.serverId} est déjà activé${d.method ? ` (${d.method})` : ''}. Pour l'activer de nouveau, réactivez-le avec un motif.`,
  ),
  LICENSE_SERVER_NOT_UNACTIVATED: entry<{ serverId: string; status: string }>(
    409,
    (d) => `License server ${d.serverId} is ${d.status}; reactivate it with a reason instead.`,
    (d) => `Le serveur de licences ${d.serverId} est ${stateWord(d.status, 'fr')} ; réactivez-le plutôt avec un motif.`,
    { api: [() => '(POST /ls/v1/reactivate)', () => '(POST /ls/v1/reactivate)'], cli: [() => '(--reason)', () => '(--reason)'] },
  ),
  LICENSE_SERVER_DEACTIVATED: entry<{ serverId: string }>(
    409,
    (d) => `License server ${d.serverId} is deactivated and issues no CALs until it is reactivated.`,
    (d) => `Le serveur de licences ${d.serverId} est désactivé et ne délivre aucune CAL tant qu'il n'est pas réactivé.`,
    { api: [() => '(POST /ls/v1/reactivate)', () => '(POST /ls/v1/reactivate)'] },
  ),
  LICENSE_SERVER_INVALIDATED: entry<{ serverId: string }>(
    409,
    (d) =>
      `The clearinghouse invalidated license server ${d.serverId}; it issues no CALs. Reactivate it with a reason, or point the session hosts at the license server that now holds the packs.`,
    (d) =>
      `Le clearinghouse a invalidé le serveur de licences ${d.serverId} ; il ne délivre aucune CAL. Réactivez-le avec un motif, ou dirigez les hôtes de session vers le serveur de licences qui détient maintenant les packs.`,
  ),
  CLEARINGHOUSE_NOT_CONFIGURED: entry<{ action: string }>(
    409,
    (d) => `This license server has no clearinghouse URL, so it cannot ${d.action} automatically. Use the web or phone method.`,
    (d) => `Ce serveur de licences n'a pas d'URL de clearinghouse : il ne peut pas ${lsActionFr(d.action)} automatiquement. Utilisez la méthode Web ou Téléphone.`,
    { cli: [() => 'Or start it with --clearinghouse-url.', () => 'Ou démarrez-le avec --clearinghouse-url.'] },
  ),
  CLEARINGHOUSE_UNREACHABLE: entry<{ url?: string; action: string; cause?: string }>(
    502,
    (d) => `Could not reach the clearinghouse at ${d.url ?? '(none)'} to ${d.action}. Check the connection, or use the web or phone method with the product ID.`,
    (d) => `Impossible de joindre le clearinghouse à ${d.url ?? '(aucun)'} pour ${lsActionFr(d.action)}. Vérifiez la connexion, ou utilisez la méthode Web ou Téléphone avec l'ID de produit.`,
  ),
  TRUST_ANCHOR_MISSING: entry<{ cause?: string }>(
    409,
    () => "This license server does not have the clearinghouse's public key yet. Give it the clearinghouse URL, or the key file for an air-gapped site.",
    () => "Ce serveur de licences n'a pas encore la clé publique du clearinghouse. Donnez-lui l'URL du clearinghouse, ou le fichier de clé pour un site isolé.",
    { cli: [() => '(--clearinghouse-url)', () => '(--clearinghouse-url)'] },
  ),
  CERTIFICATE_INVALID: entry<{ sub: string; serverId: string }>(
    422,
    (d) => `The certificate is for license server ${d.sub}, not for this one (${d.serverId}).`,
    (d) => `Le certificat est celui du serveur de licences ${d.sub}, pas de celui-ci (${d.serverId}).`,
  ),
  GRANT_INVALID: entry<{ sub?: string; serverId?: string; problem?: 'version' }>(
    422,
    (d) => (d.problem === 'version' ? 'This grant names an unknown CAL version.' : `This grant is for license server ${d.sub ?? ''}, not for this one (${d.serverId ?? ''}).`),
    (d) => (d.problem === 'version' ? 'Cette attribution nomme une version de CAL inconnue.' : `Cette attribution est pour le serveur de licences ${d.sub ?? ''}, pas pour celui-ci (${d.serverId ?? ''}).`),
  ),
  ACTIVATION_CONFIRMATION_INVALID: entry<{ serverId?: string; validUntil?: string }>(
    422,
    (d) =>
      d.validUntil
        ? 'This activation confirmation has expired. Ask the clearinghouse (portal or phone) for a new one.'
        : `This activation confirmation was not made for license server ${d.serverId ?? ''} (or was mistyped). Check that the clearinghouse was given this server's product ID, and type the confirmation again.`,
    (d) =>
      d.validUntil
        ? "Cette confirmation d'activation a expiré. Demandez-en une nouvelle au clearinghouse (portail ou téléphone)."
        : `Cette confirmation d'activation n'a pas été faite pour le serveur de licences ${d.serverId ?? ''} (ou a été mal tapée). Vérifiez que le clearinghouse a reçu l'ID de produit de ce serveur, et tapez de nouveau la confirmation.`,
  ),
  KEY_PACK_ID_INVALID: entry<{ serverId: string }>(
    422,
    (d) => `This key pack ID was not made for license server ${d.serverId} (or was mistyped). Check that the portal or the agent was given this server's ID, and type it again.`,
    (d) => `Cet ID de pack de licences n'a pas été fait pour le serveur de licences ${d.serverId} (ou a été mal tapé). Vérifiez que le portail ou l'agent a reçu l'ID de ce serveur, et tapez-le de nouveau.`,
  ),
  IMPORT_FILE_INVALID: entry<{ problem: 'format' | 'signature' | 'document' | 'unreadable'; file?: string; reason?: string }>(
    400,
    (d) =>
      d.problem === 'unreadable'
        ? `The file ${d.file ?? ''} cannot be read${d.reason ? ` (${d.reason})` : ''}. Give the path of the file exported by the clearinghouse.`
        : d.problem === 'format'
        ? 'This is not a file of signed documents exported by the clearinghouse. Export the file again for this license server and import it unchanged.'
        : `This file's ${d.problem === 'signature' ? 'signature' : 'documents'} do not verify against this license server's trust anchor${d.reason ? ` (${d.reason})` : ''}: it was altered, or made by another clearinghouse. Export it again from the clearinghouse this server trusts.`,
    (d) =>
      d.problem === 'unreadable'
        ? `Le fichier ${d.file ?? ''} ne peut pas être lu${d.reason ? ` (${d.reason})` : ''}. Donnez le chemin du fichier exporté par le clearinghouse.`
        : d.problem === 'format'
        ? "Ce fichier n'est pas un fichier de documents signés exporté par le clearinghouse. Exportez de nouveau le fichier pour ce serveur de licences et importez-le sans le modifier."
        : `${d.problem === 'signature' ? 'La signature de ce fichier ne se vérifie pas' : 'Les documents de ce fichier ne se vérifient pas'} avec l'ancre de confiance de ce serveur de licences${d.reason ? ` (${d.reason})` : ''} : il a été modifié, ou fait par un autre clearinghouse. Exportez-le de nouveau depuis le clearinghouse auquel ce serveur fait confiance.`,
    { cli: [() => '(opencal ch export SERVER_ID --out FILE)', () => '(opencal ch export ID_SERVEUR --out FICHIER)'] },
  ),
  IMPORT_FILE_OTHER_SERVER: entry<{ fileServerId: string; serverId: string }>(
    409,
    (d) => `This file was exported for license server ${d.fileServerId}, not for this one (${d.serverId}). Export the file for ${d.serverId} and import that one.`,
    (d) => `Ce fichier a été exporté pour le serveur de licences ${d.fileServerId}, pas pour celui-ci (${d.serverId}). Exportez le fichier pour ${d.serverId} et importez celui-là.`,
  ),
  KEY_PACK_ALREADY_INSTALLED: entry<{ pack: number; seq: number }>(
    409,
    (d) => `Key pack ${d.pack} (grant ${d.seq}) is already installed on this license server.`,
    (d) => `Le pack de licences ${d.pack} (attribution ${d.seq}) est déjà installé sur ce serveur de licences.`,
  ),
  HOST_NOT_ALLOWED: entry<{ host: string }>(
    403,
    (d) => `The session host ${d.host} is not in this license server's "RDS Endpoint Servers" allow-list. Add it to the allow-list or turn the allow-list off.`,
    (d) => `L'hôte de session ${d.host} n'est pas dans la liste « RDS Endpoint Servers » de ce serveur de licences. Ajoutez-le à la liste ou désactivez la liste.`,
    { event: 4141, api: [() => '(PUT /ls/v1/hosts/allow-list)', () => '(PUT /ls/v1/hosts/allow-list)'] },
  ),
  JOIN_TOKEN_INVALID: entry(
    401,
    () => 'This join token is not known to this license server. Ask its administrator for a new one.',
    () => "Ce serveur de licences ne connaît pas ce jeton d'inscription. Demandez-en un nouveau à son administrateur.",
    { api: [() => '(POST /ls/v1/hosts)', () => '(POST /ls/v1/hosts)'] },
  ),
  JOIN_TOKEN_USED: entry(
    409,
    () => 'This join token was already used: a join token enrols one session host once. Ask for a new one.',
    () => "Ce jeton d'inscription a déjà servi : un jeton inscrit un seul hôte de session, une seule fois. Demandez-en un nouveau.",
  ),
  JOIN_TOKEN_NAME_MISMATCH: entry<{ madeFor: string; name: string }>(
    403,
    (d) => `This join token was made for session host ${d.madeFor}, not ${d.name}: a join token enrols only the host it was made for. Ask for a join token made for ${d.name}.`,
    (d) => `Ce jeton d'inscription a été fait pour l'hôte de session ${d.madeFor}, pas pour ${d.name} : un jeton n'inscrit que l'hôte pour lequel il a été fait. Demandez un jeton fait pour ${d.name}.`,
    {
      api: [() => '(POST /ls/v1/hosts with the host\'s name)', () => "(POST /ls/v1/hosts avec le nom de l'hôte)"],
      cli: [(d) => `On the license server: opencal licmgr hosts add ${d.name}.`, (d) => `Sur le serveur de licences : opencal licmgr hosts add ${d.name}.`],
    },
  ),
  HOST_SIGNATURE_INVALID: entry<{ problem: 'malformed' | 'signature' | 'stale' | 'replayed' | 'request' | 'unknown-host' | 'name'; hostId?: string; serverTime?: string }>(
    401,
    (d) =>
      d.problem === 'unknown-host'
        ? `Session host ${d.hostId ?? ''} is not registered with this license server's organization. Enrol it on a license server of the organization with a join token.`
        : d.problem === 'stale'
          ? "The session host's signed request is too old or dated in the future: check the clocks of the session host and the license server."
          : `The session host's signed request does not verify (${d.problem}). Check that the request was not altered on its way.`,
    (d) =>
      d.problem === 'unknown-host'
        ? `L'hôte de session ${d.hostId ?? ''} n'est pas enregistré auprès de l'organisation de ce serveur de licences. Inscrivez-le sur un serveur de licences de l'organisation avec un jeton d'inscription.`
        : d.problem === 'stale'
          ? "La requête signée de l'hôte de session est trop ancienne ou datée dans le futur : vérifiez l'horloge de l'hôte de session et celle du serveur de licences."
          : `La requête signée de l'hôte de session ne se vérifie pas (${d.problem}). Vérifiez qu'elle n'a pas été modifiée en chemin.`,
  ),
  HOST_ENROLMENT_PROOF_INVALID: entry<{ problem: string }>(
    400,
    (d) => `The session host's signed enrolment statement was refused (${d.problem}): enrol the host again from the session host itself, whose key signs the statement.`,
    (d) => `La déclaration d'inscription signée de l'hôte de session a été refusée (${d.problem}) : inscrivez de nouveau l'hôte depuis l'hôte de session lui-même, dont la clé signe la déclaration.`,
  ),
  HOST_NOT_FOUND: entry<{ hostId: string }>(
    404,
    (d) => `No live session host has the ID ${d.hostId} in the host registry.`,
    (d) => `Aucun hôte de session en service ne porte l'ID ${d.hostId} dans le registre des hôtes.`,
    {
      api: [() => 'GET /ch/v1/hosts lists them.', () => 'GET /ch/v1/hosts les liste.'],
      cli: [() => 'List them with: opencal ch hosts list.', () => 'Listez-les avec : opencal ch hosts list.'],
      console: [() => 'Check the ID in the list of session hosts.', () => "Vérifiez l'ID dans la liste des hôtes de session."],
    },
  ),
  TOKEN_NOT_FOUND: entry<{ id: string }>(
    404,
    (d) => `No live token has the id ${d.id}.`,
    (d) => `Aucun jeton en service ne porte l'id ${d.id}.`,
    {
      api: [() => 'GET the tokens route of this component to list them.', () => 'Listez-les avec la route tokens de ce composant (GET).'],
      cli: [() => 'List them with the tokens list command (opencal ch tokens list, opencal licmgr tokens list).', () => 'Listez-les avec la commande tokens list (opencal ch tokens list, opencal licmgr tokens list).'],
      console: [() => 'Check the id in the list of tokens.', () => "Vérifiez l'id dans la liste des jetons."],
    },
  ),
  CAL_NOT_FOUND: entry<{ jti?: string; serverId?: string; device?: string; problem?: 'changed' }>(
    404,
    (d) =>
      d.jti !== undefined
        ? `No live temporary CAL ${d.jti} on license server ${d.serverId ?? ''}. The device may already hold a permanent CAL, or the CAL was issued by another license server.`
        : d.problem === 'changed'
          ? `The CAL of device ${d.device ?? ''} changed while revoking it; list the issued licenses and try again.`
          : `Device ${d.device ?? ''} holds no permanent per-device CAL from this license server. Only permanent per-device CALs can be revoked (per-user CALs cannot).`,
    (d) =>
      d.jti !== undefined
        ? `Aucune CAL temporaire ${d.jti} en cours sur le serveur de licences ${d.serverId ?? ''}. Le périphérique a peut-être déjà une CAL permanente, ou la CAL a été délivrée par un autre serveur de licences.`
        : d.problem === 'changed'
          ? `La CAL du périphérique ${d.device ?? ''} a changé pendant sa révocation ; listez les licences émises et réessayez.`
          : `Le périphérique ${d.device ?? ''} n'a pas de CAL permanente par périphérique de ce serveur de licences. Seules les CALs permanentes par périphérique peuvent être révoquées (pas les CALs par utilisateur).`,
  ),
  REVOKE_LIMIT_REACHED: entry<{ limit: number; installed: number; calVersion: number; nextRevokeAllowedOn?: string }>(
    409,
    (d) =>
      `At most ${d.limit} of the ${d.installed} installed Windows Server ${d.calVersion} per-device CALs may be revoked at a time (20 %, at least one). The next revoke is allowed on ${dayOf(d.nextRevokeAllowedOn, 'a later day')}, when a revoked CAL would have expired.`,
    (d) =>
      `Au plus ${d.limit} des ${d.installed} CALs par périphérique Windows Server ${d.calVersion} installées peuvent être révoquées à la fois (20 %, au moins une). La prochaine révocation est permise le ${dayOf(d.nextRevokeAllowedOn, 'un jour prochain')}, quand une CAL révoquée aurait expiré.`,
  ),
  REBUILD_WOULD_LOSE_PACKS: entry<{ missing: readonly number[]; serverId: string; clearinghouseAsked: boolean }>(
    409,
    (d) =>
      d.clearinghouseAsked
        ? `The clearinghouse does not hold key packs ${list(d.missing).join(', ')} for license server ${d.serverId}: after a rebuild they would not come back. Have them reissued to this server first (migration or phone), or rebuild with force if you accept losing them.`
        : `Could not ask the clearinghouse which packs it holds for license server ${d.serverId}, so key packs ${list(d.missing).join(', ')} might not come back after a rebuild. Check the connection and retry, or rebuild with force if their reissue is assured.`,
    (d) =>
      d.clearinghouseAsked
        ? `Le clearinghouse ne détient pas les packs de licences ${list(d.missing).join(', ')} pour le serveur de licences ${d.serverId} : après une reconstruction, ils ne reviendraient pas. Faites-les d'abord réémettre vers ce serveur (migration ou téléphone), ou reconstruisez en forçant si vous acceptez de les perdre.`
        : `Impossible de demander au clearinghouse quels packs il détient pour le serveur de licences ${d.serverId} : les packs de licences ${list(d.missing).join(', ')} pourraient ne pas revenir après une reconstruction. Vérifiez la connexion et réessayez, ou reconstruisez en forçant si leur réémission est assurée.`,
    { cli: [() => '(--force)', () => '(--force)'] },
  ),
  REBUILD_NOT_CONFIRMED: entry<{ issued: number; keyPacks: number; serverId?: string }>(
    400,
    (d) => `A rebuild removes ${d.issued} issued licenses and ${d.keyPacks} key packs${d.serverId ? ` of license server ${d.serverId}` : ''}, and it was not confirmed: nothing was changed. Confirm it to go on.`,
    (d) => `Une reconstruction supprime ${d.issued} licences délivrées et ${d.keyPacks} packs de licences${d.serverId ? ` du serveur de licences ${d.serverId}` : ''}, et elle n'a pas été confirmée : rien n'a été modifié. Confirmez-la pour continuer.`,
    { cli: [() => 'Answer yes at the prompt, or add --yes when no terminal is attached.', () => "Répondez yes à la question, ou ajoutez --yes quand aucun terminal n'est attaché."] },
  ),
  ORG_TOKEN_REQUIRED: entry(
    400,
    () => 'Automatic activation needs the organization token.',
    () => "L'activation automatique demande le jeton de l'organisation.",
    { cli: [() => 'Pass --org-token (from opencal ch org create).', () => 'Passez --org-token (donné par opencal ch org create).'] },
  ),
  INSTALL_INPUT_REQUIRED: entry(
    400,
    () => 'Give either the pack key (with its program data; automatic install) or the key pack ID (from the portal or the agent).',
    () => "Donnez soit la clé de pack (avec les données du programme d'achat ; installation automatique), soit l'ID de pack de licences (du portail ou de l'agent).",
    { cli: [() => '(--pack-key or --key-pack-id)', () => '(--pack-key ou --key-pack-id)'] },
  ),

  // --- session host -------------------------------------------------------------------------------------------
  INVALID_CONNECTION_REQUEST: entry<{ why?: string }>(
    400,
    () => 'The connection request is incomplete: a device name and a hardware ID are required. Use the OpenCAL device client, or send { device, hwid, user?, cals }.',
    () => "La demande de connexion est incomplète : un nom de périphérique et un ID matériel sont requis. Utilisez le client de périphérique OpenCAL, ou envoyez { device, hwid, user?, cals }.",
  ),
  USER_REQUIRED: entry(
    400,
    () => 'This session host licenses per user: the connection must name the user who signs in.',
    () => "Cet hôte de session attribue les licences par utilisateur : la connexion doit nommer l'utilisateur qui se connecte.",
  ),
  CAL_TOKEN_MALFORMED: entry<{ why?: string }>(
    403,
    () => 'A license presented by this computer is damaged (it is not a readable CAL token). Remove it from the device license store and connect again.',
    () => "Une licence présentée par cet ordinateur est endommagée (ce n'est pas un jeton de CAL lisible). Retirez-la du magasin de licences du périphérique et reconnectez-vous.",
    { cli: [() => '(opencal device forget)', () => '(opencal device forget)'] },
  ),
  CAL_SIGNATURE_INVALID: entry(
    403,
    () => 'A license presented by this computer does not carry a valid signature of its license server: it was altered or forged. Remove it from the device license store and connect again.',
    () => "Une licence présentée par cet ordinateur ne porte pas de signature valide de son serveur de licences : elle a été modifiée ou falsifiée. Retirez-la du magasin de licences du périphérique et reconnectez-vous.",
  ),
  CAL_CERTIFICATE_INVALID: entry(
    403,
    () => 'A license presented by this computer comes with a license server certificate that the clearinghouse did not sign, or that belongs to another server. Remove it from the device license store and connect again.',
    () => "Une licence présentée par cet ordinateur est accompagnée d'un certificat de serveur de licences que le clearinghouse n'a pas signé, ou qui appartient à un autre serveur. Retirez-la du magasin de licences du périphérique et reconnectez-vous.",
  ),
  CAL_GRANT_INVALID: entry(
    403,
    () => 'A permanent license presented by this computer does not match a grant signed by the clearinghouse for its pack and license server. Remove it from the device license store and connect again.',
    () => "Une licence permanente présentée par cet ordinateur ne correspond à aucune attribution signée par le clearinghouse pour son pack et son serveur de licences. Retirez-la du magasin de licences du périphérique et reconnectez-vous.",
  ),
  CAL_WRONG_DEVICE: entry(
    403,
    () => 'A license presented by this computer was issued to another computer name. Licenses cannot move between computers; remove it from this device license store.',
    () => "Une licence présentée par cet ordinateur a été délivrée à un autre nom d'ordinateur. Les licences ne passent pas d'un ordinateur à l'autre ; retirez-la du magasin de licences de ce périphérique.",
  ),
  CAL_WRONG_HARDWARE_ID: entry(
    403,
    () => 'A license presented by this computer was issued to another hardware ID. Licenses cannot move between computers; remove it from this device license store.',
    () => "Une licence présentée par cet ordinateur a été délivrée à un autre ID matériel. Les licences ne passent pas d'un ordinateur à l'autre ; retirez-la du magasin de licences de ce périphérique.",
  ),
  CAL_EXPIRED: entry(
    403,
    () => 'A license presented by this computer has expired. The session host asks its license server for a new one; the device drops the expired license.',
    () => "Une licence présentée par cet ordinateur a expiré. L'hôte de session en demande une nouvelle à son serveur de licences ; le périphérique retire la licence expirée.",
  ),
  CAL_NOT_YET_VALID: entry(
    403,
    () =>
      'A license presented by this computer is dated in the future: the clock of this session host is behind that of its license server. The session host asks its license server for a license instead; check the clock of the license server and of this session host (NTP).',
    () =>
      "Une licence présentée par cet ordinateur est datée dans le futur : l'horloge de cet hôte de session retarde sur celle de son serveur de licences. L'hôte de session demande une licence à son serveur de licences à la place ; vérifiez l'horloge du serveur de licences et celle de cet hôte de session (NTP).",
  ),
  CAL_VERSION_TOO_OLD: entry(
    403,
    () =>
      'The license presented by this computer is for an older version than this session host. A session host accepts CALs of its own version or newer: install CALs of this version (or newer) on a license server it uses.',
    () =>
      "La licence présentée par cet ordinateur est d'une version plus ancienne que cet hôte de session. Un hôte de session accepte les CALs de sa version ou plus récentes : installez des CALs de cette version (ou plus récentes) sur un serveur de licences qu'il utilise.",
  ),
  CAL_MODE_MISMATCH: entry(
    403,
    () =>
      'The license presented by this computer does not match the licensing mode of this session host (per device / per user). Set the licensing mode to match the CALs installed on the license server.',
    () =>
      'La licence présentée par cet ordinateur ne correspond pas au mode de licences de cet hôte de session (par périphérique / par utilisateur). Réglez le mode de licences selon les CALs installées sur le serveur de licences.',
  ),
  CAL_SERVER_INVALIDATED: entry(
    403,
    () => 'The license presented by this computer was issued by a license server whose activation was invalidated. The computer will receive a license from a current license server.',
    () => "La licence présentée par cet ordinateur a été délivrée par un serveur de licences dont l'activation a été invalidée. L'ordinateur recevra une licence d'un serveur de licences en service.",
  ),
  CAL_GRANT_REVOKED: entry(
    403,
    () => 'The license presented by this computer comes from a pack that was reissued to another license server. The computer will receive a license from the new license server.',
    () => "La licence présentée par cet ordinateur vient d'un pack réémis vers un autre serveur de licences. L'ordinateur recevra une licence du nouveau serveur de licences.",
  ),
  CAL_ISSUER_UNKNOWN: entry(
    403,
    () =>
      'The license presented by this computer was issued by a license server this session host cannot verify (not activated and not on its list). The computer will receive a license from a listed license server.',
    () =>
      "La licence présentée par cet ordinateur a été délivrée par un serveur de licences que cet hôte de session ne peut pas vérifier (non activé et absent de sa liste). L'ordinateur recevra une licence d'un serveur de licences de la liste.",
  ),
  CAL_KIND_TYPE_INVALID: entry<{ kind?: string; calType?: string }>(
    403,
    (d) =>
      `A license presented by this computer is signed by a license server, yet no license server issues it (kind ${d.kind ?? '?'} with type ${d.calType ?? '?'}): it was forged by whoever holds that server's key. It was refused and nothing was issued; remove it from the device license store and tell the administrator.`,
    (d) =>
      `Une licence présentée par cet ordinateur est signée par un serveur de licences, mais aucun serveur de licences n'en délivre de telle (genre ${d.kind ?? '?'} avec le type ${d.calType ?? '?'}) : elle a été falsifiée par le détenteur de la clé de ce serveur. Elle a été refusée et rien n'a été délivré ; retirez-la du magasin de licences du périphérique et prévenez l'administrateur.`,
    { event: 9220 },
  ),
  CAL_LIFETIME_EXCEEDED: entry<{ kind?: string; lifetimeDays?: number; capDays?: number }>(
    403,
    (d) =>
      `A license presented by this computer lives ${d.lifetimeDays ?? '?'} days, longer than any ${d.kind ?? ''} CAL may (${d.capDays ?? '?'} days): it was forged by whoever holds its license server's key. It was refused and nothing was issued; remove it from the device license store and tell the administrator.`,
    (d) =>
      `Une licence présentée par cet ordinateur vit ${d.lifetimeDays ?? '?'} jours, plus longtemps que ne le peut une CAL de ce genre (${d.capDays ?? '?'} jours) : elle a été falsifiée par le détenteur de la clé de son serveur de licences. Elle a été refusée et rien n'a été délivré ; retirez-la du magasin de licences du périphérique et prévenez l'administrateur.`,
    { event: 9220 },
  ),
  CAL_ISSUER_OTHER_ORGANIZATION: entry<{ issuerOrganization?: string; organization?: string }>(
    403,
    (d) =>
      `The license presented by this computer was issued by a license server of another organization (${d.issuerOrganization ?? '?'}), not of this session host's (${d.organization ?? '?'}). The computer will receive a license from a listed license server.`,
    (d) =>
      `La licence présentée par cet ordinateur a été délivrée par un serveur de licences d'une autre organisation (${d.issuerOrganization ?? '?'}), pas de celle de cet hôte de session (${d.organization ?? '?'}). L'ordinateur recevra une licence d'un serveur de licences de la liste.`,
    { event: 9221 },
  ),
  CAL_ISSUER_NOT_LISTED: entry(
    403,
    () =>
      "The license presented by this computer was issued by a license server that is neither on this session host's list nor a license server of its organization. The computer will receive a license from a listed license server.",
    () =>
      "La licence présentée par cet ordinateur a été délivrée par un serveur de licences qui n'est ni sur la liste de cet hôte de session ni un serveur de licences de son organisation. L'ordinateur recevra une licence d'un serveur de licences de la liste.",
    {
      event: 9222,
      cli: [() => '(opencal host config --license-servers to list it)', () => '(opencal host config --license-servers pour l\'ajouter à la liste)'],
    },
  ),
  CAL_GRANT_MISSING: entry(
    403,
    () =>
      "The license presented by this computer comes without the grant of its pack, and its license server is neither on this session host's list nor a server of its organization, so it cannot be verified. The computer will receive a license from a listed license server.",
    () =>
      "La licence présentée par cet ordinateur arrive sans l'attribution de son pack, et son serveur de licences n'est ni sur la liste de cet hôte de session ni un serveur de son organisation : elle ne peut pas être vérifiée. L'ordinateur recevra une licence d'un serveur de licences de la liste.",
  ),
  CAL_PROVISIONAL_WINDOW_OVER: entry<{ pack?: number; windowDays?: number; firstSeenAt?: string }>(
    403,
    (d) =>
      `The license presented by this computer comes from pack ${d.pack ?? '?'}, installed from a typed key pack ID, whose grant signed by the clearinghouse has still not reached its license server ${d.windowDays ?? 14} days after this session host first saw it. Let the license server check in with the clearinghouse.`,
    (d) =>
      `La licence présentée par cet ordinateur vient du pack ${d.pack ?? '?'}, installé depuis un ID de pack de licences saisi, dont l'attribution signée par le clearinghouse n'a toujours pas atteint son serveur de licences ${d.windowDays ?? 14} jours après que cet hôte de session l'a vue pour la première fois. Faites faire un check-in au serveur de licences auprès du clearinghouse.`,
    {
      event: 9223,
      cli: [() => '(opencal licmgr check-in)', () => '(opencal licmgr check-in)'],
    },
  ),
  CAL_CERTIFICATE_EXPIRED: entry(
    403,
    () => 'The license presented by this computer was issued by a license server whose certificate has expired. Reactivate that license server.',
    () => 'La licence présentée par cet ordinateur a été délivrée par un serveur de licences dont le certificat a expiré. Réactivez ce serveur de licences.',
  ),
  TRUST_ANCHOR_UNAVAILABLE: entry<{ problem?: 'revocations' }>(
    403,
    (d) =>
      d.problem === 'revocations'
        ? 'Set the trust anchor first: the revocation list is verified with the clearinghouse key.'
        : 'This session host has no clearinghouse trust anchor, so it cannot verify permanent licenses offline. Configure the clearinghouse URL or a trust anchor file.',
    (d) =>
      d.problem === 'revocations'
        ? "Définissez d'abord l'ancre de confiance : la liste de révocation est vérifiée avec la clé du clearinghouse."
        : "Cet hôte de session n'a pas d'ancre de confiance du clearinghouse : il ne peut pas vérifier hors ligne les licences permanentes. Configurez l'URL du clearinghouse ou un fichier d'ancre de confiance.",
  ),
  NO_LICENSE_SERVER_AVAILABLE: entry(
    403,
    () => 'The remote session was disconnected because there are no Remote Desktop License Servers available to provide a license. Please contact the server administrator.',
    () =>
      "La session à distance a été déconnectée, car aucun serveur de licences Bureau à distance n'est disponible pour fournir une licence. Contactez l'administrateur du serveur.",
    { event: 1004 },
  ),
  NO_CAL_AVAILABLE: entry<{ serverId?: string; calType?: string; calVersion?: number }>(
    409,
    (d) =>
      d.serverId !== undefined
        ? `No permanent per-${d.calType ?? 'device'} CAL for Windows Server ${d.calVersion ?? ''} (or newer) is available on license server ${d.serverId}, and the device's temporary CAL has expired. Install a key pack with free CALs, or revoke a CAL you no longer need.`
        : 'The remote session was disconnected because there are no Remote Desktop client access licenses available for this computer. Please contact the server administrator.',
    (d) =>
      d.serverId !== undefined
        ? `Aucune CAL permanente par ${calTypeWord(d.calType ?? 'device', 'fr')} pour Windows Server ${d.calVersion ?? ''} (ou plus récent) n'est disponible sur le serveur de licences ${d.serverId}, et la CAL temporaire du périphérique a expiré. Installez un pack de licences avec des CALs libres, ou révoquez une CAL dont vous n'avez plus besoin.`
        : "La session à distance a été déconnectée, car aucune licence d'accès client Bureau à distance n'est disponible pour cet ordinateur. Contactez l'administrateur du serveur.",
    { event: 21 },
  ),
  GRACE_PERIOD_EXPIRED_MODE_NOT_CONFIGURED: entry(
    403,
    () =>
      'The grace period for this Remote Desktop Session Host has expired, but the licensing mode has not been configured. Connections are denied until the licensing mode (per device or per user) and a license server are configured.',
    () =>
      "Le délai de grâce de cet hôte de session Bureau à distance a expiré, mais le mode de licences n'a pas été configuré. Les connexions sont refusées tant que le mode de licences (par périphérique ou par utilisateur) et un serveur de licences ne sont pas configurés.",
    { event: 1069 },
  ),
  PER_USER_NOT_PERMITTED_IN_WORKGROUP: entry(
    403,
    () => 'Per User CALs are not permitted in a workgroup: this session host is not in a directory. Set the licensing mode to per device.',
    () => "Les CALs par utilisateur ne sont pas permises dans un groupe de travail : cet hôte de session n'est pas dans un annuaire. Réglez le mode de licences sur Par périphérique.",
  ),
  CONFIG_LAYER_INVALID: entry<{ layer: string }>(
    400,
    (d) => `${q(d.layer)} is not a configuration layer. Use policy, deployment or local.`,
    (d) => `${fq(d.layer)} n'est pas une couche de configuration. Utilisez policy, deployment ou local.`,
  ),
  CONFIG_LAYER_FROM_FILE: entry<{ layer: string }>(
    409,
    (d) => `The ${d.layer} layer is set by the configuration file of the session host; change it there.`,
    (d) => `La couche ${d.layer} est fixée par le fichier de configuration de l'hôte de session ; modifiez-la là.`,
  ),
  LICENSE_SERVER_URL_INVALID: entry<{ entry: string }>(
    400,
    (d) => `${q(d.entry)} is not a license server URL. Use http://host:port (the license server's origin).`,
    (d) => `${fq(d.entry)} n'est pas une URL de serveur de licences. Utilisez http://hôte:port (l'origine du serveur de licences).`,
  ),
  LICENSE_SERVER_NAME_INVALID: entry<{ entry: string }>(
    400,
    (d) => `${q(d.entry)} is not a host name a Windows session host can use. Use the license server's NetBIOS name or FQDN.`,
    (d) => `${fq(d.entry)} n'est pas un nom d'hôte utilisable par un hôte de session Windows. Utilisez le nom NetBIOS ou le FQDN du serveur de licences.`,
  ),
  EMIT_FORMAT_INVALID: entry<{ format: string; allowed: readonly string[] }>(
    400,
    (d) => `${q(d.format)} is not an output format. Use ${list(d.allowed).join(', ')}.`,
    (d) => `${fq(d.format)} n'est pas un format de sortie. Utilisez ${list(d.allowed).join(', ')}.`,
  ),
  TRUST_ANCHOR_INVALID: entry<{ source?: string; reason?: string; problem?: 'empty' | 'revocations' }>(
    422,
    (d) =>
      d.problem === 'revocations'
        ? 'The revocation list does not have the expected shape (seq, servers, grants).'
        : d.problem === 'empty'
          ? `The trust anchor from ${d.source ?? ''} holds no key.`
          : `The trust anchor from ${d.source ?? ''} is not a set of Ed25519 keys with kid and x: ${d.reason ?? ''}.`,
    (d) =>
      d.problem === 'revocations'
        ? "La liste de révocation n'a pas la forme attendue (seq, servers, grants)."
        : d.problem === 'empty'
          ? `L'ancre de confiance venant de ${d.source ?? ''} ne contient aucune clé.`
          : `L'ancre de confiance venant de ${d.source ?? ''} n'est pas un ensemble de clés Ed25519 avec kid et x : ${d.reason ?? ''}.`,
  ),
  TRUST_ANCHOR_NOT_ENDORSED: entry<{ source: string; trusted: readonly string[]; offered: readonly string[] }>(
    422,
    (d) => `The key set from ${d.source} (${list(d.offered).join(', ')}) is not signed by any key trusted here (${list(d.trusted).join(', ')}), so it was not accepted: a rotation is accepted only when a key of the trusted set endorses the new one. Check that the clearinghouse URL is right; if its keys were replaced without a rotation, set the trust anchor again from a copy you know to be genuine.`,
    (d) => `L'ensemble de clés venant de ${d.source} (${list(d.offered).join(', ')}) n'est signé par aucune clé de confiance ici (${list(d.trusted).join(', ')}) : il n'a pas été accepté. Une rotation n'est acceptée que si une clé de l'ensemble de confiance approuve le nouveau. Vérifiez que l'URL du clearinghouse est juste ; si ses clés ont été remplacées sans rotation, définissez de nouveau l'ancre de confiance depuis une copie dont vous êtes sûr.`,
  ),
  TRUST_ANCHOR_FINGERPRINT_MISMATCH: entry<{ source: string; fingerprint: string; pinned: string }>(
    422,
    (d) => `The trust anchor from ${d.source} has fingerprint ${d.fingerprint}, not the pinned ${d.pinned}. Check that the clearinghouse URL is right before changing the pin.`,
    (d) => `L'ancre de confiance venant de ${d.source} a l'empreinte ${d.fingerprint}, pas l'empreinte épinglée ${d.pinned}. Vérifiez que l'URL du clearinghouse est juste avant de changer l'épinglage.`,
  ),

  // --- device, diagnoser and CLI input -----------------------------------------------------------------------
  IMPORT_PATH_NOT_FOUND: entry<{ path: string }>(
    400,
    (d) => `${d.path} does not exist: give the collector bundle or the folder of exports.`,
    (d) => `${d.path} n'existe pas : donnez le paquet du collecteur ou le dossier des exports.`,
  ),
  LICENSE_STORE_UNREADABLE: entry<{ store: string; reason: string }>(
    400,
    (d) => `Cannot read the license store ${d.store}: ${d.reason}. Connect the device once first.`,
    (d) => `Impossible de lire le magasin de licences ${d.store} : ${d.reason}. Connectez d'abord une fois le périphérique.`,
    { cli: [() => 'Or give --store.', () => 'Ou donnez --store.'] },
  ),
  EVENT_TIME_INVALID: entry<{ value: string }>(
    400,
    (d) => `${q(d.value)} is not a time: use an ISO-8601 time (2025-03-01T10:00:00Z) or a duration before now (90m, 12h, 7d, 2w).`,
    (d) => `${fq(d.value)} n'est pas une heure : donnez une heure ISO-8601 (2025-03-01T10:00:00Z) ou une durée avant maintenant (90m, 12h, 7d, 2w).`,
  ),
  EVENT_LEVEL_INVALID: entry<{ value: string }>(
    400,
    (d) => `${q(d.value)} is not an event level: use information, warning or error.`,
    (d) => `${fq(d.value)} n'est pas un niveau d'événement : utilisez information, warning ou error.`,
  ),
  EVENT_ID_INVALID: entry<{ value: string }>(
    400,
    (d) => `${q(d.value)} is not an event id: give a number such as 4141, or several separated by commas.`,
    (d) => `${fq(d.value)} n'est pas un identifiant d'événement : donnez un nombre comme 4141, ou plusieurs séparés par des virgules.`,
  ),
  EVENT_LIMIT_INVALID: entry<{ value: string }>(
    400,
    (d) => `${q(d.value)} is not a limit: give a number from 1 to 1000.`,
    (d) => `${fq(d.value)} n'est pas une limite : donnez un nombre de 1 à 1000.`,
  ),
  PHONE_SCRIPT_NO_SERVER: entry(
    409,
    () => 'No license server ID could be read: name the new license server with a license server token.',
    () => "Aucun ID de serveur de licences n'a pu être lu : nommez le nouveau serveur de licences avec un jeton de serveur de licences.",
    { cli: [() => '(--license-server URL)', () => '(--license-server URL)'] },
  ),
  PHONE_SCRIPT_NO_PACK: entry(
    409,
    () => 'No pack is known: give the clearinghouse URL and the organization token so the pack can be read, or name the case.',
    () => "Aucun pack n'est connu : donnez l'URL du clearinghouse et le jeton de l'organisation pour que le pack puisse être lu, ou nommez le dossier.",
    { cli: [() => '(--case)', () => '(--case)'] },
  ),

  // --- gate front ends and the PAM gate (docs/session-host.md "Gate front ends", docs/pam.md) ----------------
  GATE_CREDENTIAL_REQUIRED: entry(
    401,
    () => 'This session host gives a seat only to connections a gate front end authenticated (nginx, the PAM gate, the device client): this one carries no gate front-end credential.',
    () => "Cet hôte de session ne donne une place qu'aux connexions authentifiées par un frontal de la passerelle (nginx, la passerelle PAM, le client de périphérique) : celle-ci ne porte aucun identifiant de frontal.",
    {
      api: [
        () => "Send the front end's credential as 'Authorization: Bearer <token>' (the session host admin makes one with POST /sh/v1/gate-credentials).",
        () => "Envoyez l'identifiant du frontal dans 'Authorization: Bearer <jeton>' (l'administrateur de l'hôte de session en crée un avec POST /sh/v1/gate-credentials).",
      ],
      cli: [
        () => 'Pass --gate-credential; the session host admin makes one with: opencal gate credential create --label <front end>.',
        () => "Passez --gate-credential ; l'administrateur de l'hôte de session en crée un avec : opencal gate credential create --label <frontal>.",
      ],
      console: [() => 'Ask the session host administrator for a gate front-end credential.', () => "Demandez un identifiant de frontal à l'administrateur de l'hôte de session."],
    },
  ),
  GATE_CREDENTIAL_INVALID: entry<{ scope?: string }>(
    401,
    (d) =>
      d.scope !== undefined
        ? `A token of scope ${d.scope} is not a gate front-end credential: only sh:gate credentials (and the session host admin's sh:admin token) take a seat.`
        : 'The gate front-end credential is not known to this session host (mistyped or revoked).',
    (d) =>
      d.scope !== undefined
        ? `Un jeton de portée ${d.scope} n'est pas un identifiant de frontal : seuls les identifiants sh:gate (et le jeton sh:admin de l'administrateur de l'hôte de session) prennent une place.`
        : "Cet hôte de session ne connaît pas cet identifiant de frontal (mal tapé ou révoqué).",
    {
      api: [() => 'The session host admin makes a new one with POST /sh/v1/gate-credentials.', () => "L'administrateur de l'hôte de session en crée un nouveau avec POST /sh/v1/gate-credentials."],
      cli: [
        () => 'Make a new one with: opencal gate credential create --label <front end>, and give it to the front end.',
        () => 'Créez-en un nouveau avec : opencal gate credential create --label <frontal>, et donnez-le au frontal.',
      ],
      console: [() => 'Ask the session host administrator for a new gate front-end credential.', () => "Demandez un nouvel identifiant de frontal à l'administrateur de l'hôte de session."],
    },
  ),
  GATE_CREDENTIAL_NOT_FOUND: entry<{ id: string }>(
    404,
    (d) => `No live gate front-end credential has id ${d.id}.`,
    (d) => `Aucun identifiant de frontal en service ne porte l'id ${d.id}.`,
    {
      api: [() => 'GET /sh/v1/gate-credentials lists them.', () => 'GET /sh/v1/gate-credentials les liste.'],
      cli: [() => 'List them with: opencal gate credential list.', () => 'Listez-les avec : opencal gate credential list.'],
      console: [() => 'Check the id in the list of gate front-end credentials.', () => "Vérifiez l'id dans la liste des identifiants de frontaux."],
    },
  ),
  TOO_MANY_NEW_DEVICES: entry<{ max: number; windowSeconds: number; retryAfterSeconds: number }>(
    429,
    (d) =>
      `This front end brought more than ${d.max} new devices in ${d.windowSeconds} s; the session host gives no seat to another new device for ${d.retryAfterSeconds} s. Devices it already admitted are not limited.`,
    (d) =>
      `Ce frontal a amené plus de ${d.max} nouveaux périphériques en ${d.windowSeconds} s ; l'hôte de session ne donne de place à aucun autre nouveau périphérique pendant ${d.retryAfterSeconds} s. Les périphériques déjà admis ne sont pas limités.`,
    { event: 9212 },
  ),
  DEVICE_IDENTITY_UNAVAILABLE: entry<{ service: string }>(
    400,
    (d) =>
      `PAM service ${d.service} gives no remote host (PAM_RHOST), so the login names no device. Set "deviceIdentity": "user" in the PAM gate configuration, or use per-user licensing (docs/pam.md).`,
    (d) =>
      `Le service PAM ${d.service} ne donne pas d'hôte distant (PAM_RHOST) : la connexion ne nomme aucun périphérique. Mettez "deviceIdentity": "user" dans la configuration de la passerelle PAM, ou passez en licences par utilisateur (docs/pam.md).`,
  ),
  SESSION_HOST_UNREACHABLE: entry<{ reasons: readonly string[]; graceEndedOn?: string }>(
    503,
    (d) =>
      `No session host answered (${list(d.reasons).join('; ')}) and ${d.graceEndedOn !== undefined ? `the grace period ended on ${d.graceEndedOn}` : 'no session host ever reported a grace period'}: the login is refused. Check that the session hosts of the PAM gate configuration run and can be reached from this host.`,
    (d) =>
      `Aucun hôte de session n'a répondu (${list(d.reasons).join(' ; ')}) et ${d.graceEndedOn !== undefined ? `la période de grâce a pris fin le ${d.graceEndedOn}` : "aucun hôte de session n'a jamais indiqué de période de grâce"} : la connexion est refusée. Vérifiez que les hôtes de session de la configuration de la passerelle PAM tournent et sont joignables depuis cet hôte.`,
  ),
  PAM_GATE_MISCONFIGURED: entry<PamGateProblem>(500, (d) => pamGateProblem(d, 'en'), (d) => pamGateProblem(d, 'fr'), {
    cli: [
      (d) => (d.problem === 'credential-empty' ? 'Make one with: opencal gate credential create --label <front end>.' : d.problem === 'pam-type' || d.problem === 'phase' ? 'The line is: account required pam_exec.so stdout quiet … opencal gate pam --pam-config FILE.' : ''),
      (d) => (d.problem === 'credential-empty' ? 'Créez-en un avec : opencal gate credential create --label <frontal>.' : d.problem === 'pam-type' || d.problem === 'phase' ? 'La ligne est : account required pam_exec.so stdout quiet … opencal gate pam --pam-config FICHIER.' : ''),
    ],
  }),
} as const;

export type RefusalCode = keyof typeof REFUSALS;

/** The detail a code's message reads (extra keys are allowed: they are part of the error body). */
export type DetailOf<C extends RefusalCode> = (typeof REFUSALS)[C] extends RefusalEntry<infer D> ? D : never;

const reader = catalogueReader(REFUSALS);

export function isRefusalCode(code: string): code is RefusalCode {
  return reader.has(code);
}

/** HTTP status of a refusal code; a code from elsewhere (a newer peer) is a 422. */
export function statusOf(code: string): number {
  return reader.status(code);
}

/** The message of `code` with `detail`, in `lang`, as shown on `surface`. */
export function renderRefusal(code: RefusalCode, detail: Readonly<Record<string, unknown>> | undefined, lang: Lang = 'en', surface: Surface = 'api'): string {
  return reader.render(code, detail, lang, surface);
}

/**
 * A peer's API message shown on another surface: the API advice at its end (in whichever language the peer
 * answered) is replaced by the surface's advice in that language; without API advice, the surface's advice in
 * `lang` is appended.
 */
export function swapAdvice(code: RefusalCode, message: string, detail: Readonly<Record<string, unknown>> | undefined, lang: Lang, surface: Surface): string {
  return reader.swapAdvice(code, message, detail, lang, surface);
}

/**
 * The language of an `Accept-Language` header: the first of en/fr by preference (q), English by default.
 */
export function langFromAcceptLanguage(header: string | undefined): Lang {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = qParam ? Number(qParam.slice(2)) : 1;
      return { tag: (tag ?? '').trim().toLowerCase(), weight: Number.isFinite(weight) ? weight : 0, i };
    })
    .filter((x) => x.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.i - b.i);
  for (const { tag } of ranked) {
    const primary = tag.split('-')[0];
    if (primary === 'fr' || primary === 'en') return primary;
  }
  return 'en';
}

/** A language tag or locale (fr, fr-CA, fr_FR.UTF-8, en_US) as a supported language, or undefined. */
export function langFromLocale(locale: string | undefined): Lang | undefined {
  if (!locale) return undefined;
  const primary = locale.trim().toLowerCase().split(/[-_.@]/)[0];
  return primary === 'fr' ? 'fr' : primary === 'en' ? 'en' : undefined;
}
