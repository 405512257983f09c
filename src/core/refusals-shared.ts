/**
 * The refusals the web console words in the browser, without asking a server: a code typed in a form
 * (src/core/codes), a Windows export dropped on the diagnoser (src/core/windows-import), a server that does not
 * answer or answers something else. They are part of the one catalogue (src/core/refusals.ts spreads them in);
 * they live here so that the console's bundle carries these entries and not the whole catalogue (its other
 * refusals come from the server already worded for the console).
 */
import { CODE_ALPHABET } from './codes/alphabet';
import { entry } from './refusal-entry';
import { kindLabel, kindsList, kindsWithArticle, kindWithArticle, orList, type Lang } from './refusal-words';

const MAC_EN: Record<string, string> = {
  activationConfirmation:
    "This activation confirmation was not made for this license server. Check that the product ID you gave was this server's, or ask for a new confirmation.",
  keyPackId: "This key pack ID was not made for this license server. Check that it was issued for this server's license server ID, or ask for a new one.",
  migrationCode: 'This migration code was not made by the license server it names. Copy the code again from that license server (Manage CALs → Migrate) and check each group.',
  deactivationReceipt: 'This deactivation receipt was not made by the license server it names. Type the receipt that server showed when it was deactivated.',
};
const MAC_FR: Record<string, string> = {
  activationConfirmation:
    "Cette confirmation d'activation n'a pas été faite pour ce serveur de licences. Vérifiez que l'ID de produit donné était celui de ce serveur, ou demandez une nouvelle confirmation.",
  keyPackId:
    "Cet ID de pack de licences n'a pas été fait pour ce serveur de licences. Vérifiez qu'il a été émis pour l'ID de ce serveur de licences, ou demandez-en un nouveau.",
  migrationCode:
    "Ce code de migration n'a pas été fait par le serveur de licences qu'il nomme. Recopiez le code depuis ce serveur de licences (Manage CALs → Migrate) et vérifiez chaque groupe.",
  deactivationReceipt:
    "Ce reçu de désactivation n'a pas été fait par le serveur de licences qu'il nomme. Tapez le reçu que ce serveur a affiché lors de sa désactivation.",
};

type WrongLength = { expected: readonly number[]; actual: number; kinds: readonly string[]; any?: boolean; others?: readonly string[] };

function wrongLength(d: WrongLength, lang: Lang): string {
  const fr = lang === 'fr';
  const lengths = d.expected ?? [];
  let m: string;
  if (d.any) {
    m = fr ? `Les codes comptent ${orList(lengths, lang)} caractères ; celui-ci en compte ${d.actual}.` : `Codes have ${orList(lengths, lang)} characters; this one has ${d.actual}.`;
  } else {
    const groups = lengths.map((l) => (fr ? `${l} caractères (${l / 5} groupes de 5)` : `${l} characters (${l / 5} groups of 5)`));
    const what = kindsWithArticle(d.kinds, lang);
    const cap = what.charAt(0).toUpperCase() + what.slice(1);
    m = fr ? `${cap} compte ${orList(groups, lang)} ; celui-ci en compte ${d.actual}.` : `${cap} has ${orList(groups, lang)}; this one has ${d.actual}.`;
  }
  if (d.actual === 0) m += fr ? ' Tapez le code entier.' : ' Type the whole code.';
  else m += fr ? ' Vérifiez que vous avez tapé le code entier, et rien d’autre.' : ' Check that you typed the whole code and nothing else.';
  const others = d.others ?? [];
  if (!d.any && others.length > 0) {
    m += fr
      ? ` ${d.actual} caractères, c'est la longueur d'${kindsWithArticle(others, lang).replace(/^un /, 'un ').replace(/^une /, 'une ')} : vérifiez que c'est le bon code.`
      : ` ${d.actual} characters is the length of ${kindsWithArticle(others, lang)}: make sure this is the right code.`;
  }
  return m;
}

export const SHARED_REFUSALS = {
  // --- a server the client calls ------------------------------------------------------------------------------
  UNREACHABLE: entry<{ url?: string; reason?: string }>(
    502,
    (d) =>
      d.url
        ? `Could not reach ${d.url}${d.reason ? ` (${d.reason})` : ''}. Check that the server is running, that the URL (scheme, host, port) is right and that nothing blocks the connection.`
        : 'The server did not answer. Check that it is running, then try again.',
    (d) =>
      d.url
        ? `Impossible de joindre ${d.url}${d.reason ? ` (${d.reason})` : ''}. Vérifiez que le serveur tourne, que l'URL (schéma, hôte, port) est juste et que rien ne bloque la connexion.`
        : "Le serveur n'a pas répondu. Vérifiez qu'il tourne, puis réessayez.",
    { cli: [() => 'The URL comes from --url or OPENCAL_URL.', () => "L'URL vient de --url ou d'OPENCAL_URL."] },
  ),
  BAD_RESPONSE: entry<{ url?: string; status?: number; problem?: 'not-json' | 'no-error-body' | 'trust-anchor' | 'unacceptable-cal'; reason?: string }>(
    502,
    (d) =>
      d.problem === 'trust-anchor'
        ? `The clearinghouse trust anchor is unusable: ${d.reason ?? ''}`
        : d.problem === 'unacceptable-cal'
          ? `License server ${d.url ?? ''} issued a CAL this session host cannot accept (${d.reason ?? ''}).`
          : d.problem === 'not-json'
            ? `${d.url ?? 'The server'} answered HTTP ${d.status ?? ''} with something that is not JSON. Check that the URL points to an OpenCAL server and not to a proxy or another service.`
            : `${d.url ?? 'The server'} answered HTTP ${d.status ?? ''} without an OpenCAL error body. Check that the URL points to an OpenCAL server.`,
    (d) =>
      d.problem === 'trust-anchor'
        ? `L'ancre de confiance du clearinghouse est inutilisable : ${d.reason ?? ''}`
        : d.problem === 'unacceptable-cal'
          ? `Le serveur de licences ${d.url ?? ''} a délivré une CAL que cet hôte de session ne peut pas accepter (${d.reason ?? ''}).`
          : d.problem === 'not-json'
            ? `${d.url ?? 'Le serveur'} a répondu HTTP ${d.status ?? ''} avec autre chose que du JSON. Vérifiez que l'URL désigne un serveur OpenCAL et non un proxy ou un autre service.`
            : `${d.url ?? 'Le serveur'} a répondu HTTP ${d.status ?? ''} sans corps d'erreur OpenCAL. Vérifiez que l'URL désigne un serveur OpenCAL.`,
  ),

  // --- codes (src/core/codes): malformed input is a bad request, a wrong MAC is a refused code -----------------
  CODE_WRONG_LENGTH: entry<WrongLength>(400, (d) => wrongLength(d, 'en'), (d) => wrongLength(d, 'fr')),
  CODE_INVALID_CHARACTER: entry<{ group: number; character: string }>(
    400,
    (d) =>
      `Group ${d.group} contains ${JSON.stringify(d.character)}, which is not used in codes (they use only ${CODE_ALPHABET}: no vowels, no 0, 1 or 5). Re-read group ${d.group} and type it again.`,
    (d) =>
      `Le groupe ${d.group} contient ${JSON.stringify(d.character)}, qui n'est pas utilisé dans les codes (ils n'utilisent que ${CODE_ALPHABET} : pas de voyelles, ni 0, 1 ou 5). Relisez le groupe ${d.group} et tapez-le de nouveau.`,
  ),
  CODE_CHECK_FAILED: entry<{ kinds: readonly string[]; any?: boolean }>(
    400,
    (d) => `This ${d.any ? 'code' : kindsList(d.kinds, 'en')} does not check out: a character is wrong or two characters are swapped. Re-read it and type it again.`,
    (d) =>
      `Ce code${d.any ? '' : ` (${kindsList(d.kinds, 'fr')})`} n'est pas cohérent : un caractère est faux ou deux caractères sont inversés. Relisez-le et tapez-le de nouveau.`,
  ),
  CODE_WRONG_KIND: entry<{ expected: readonly string[]; actual: string }>(
    400,
    (d) => `This is ${kindWithArticle(d.actual, 'en')}, not ${kindsWithArticle(d.expected, 'en')}. Type the ${kindsList(d.expected, 'en')} here.`,
    (d) => `Ceci est ${kindWithArticle(d.actual, 'fr')}, pas ${kindsWithArticle(d.expected, 'fr')}. Tapez ici : ${kindsList(d.expected, 'fr')}.`,
  ),
  CODE_MAC_INVALID: entry<{ kind: string }>(
    422,
    (d) => MAC_EN[d.kind] ?? 'This code was not made for this license server.',
    (d) => MAC_FR[d.kind] ?? `Ce code (${kindLabel(d.kind, 'fr')}) n'a pas été fait pour ce serveur de licences.`,
  ),
  CODE_EXPIRED: entry<{ kind: string; madeOn: string; maxAgeDays: number }>(
    422,
    (d) =>
      `This ${kindLabel(d.kind, 'en')} was made on ${d.madeOn}; it is accepted for ${d.maxAgeDays} days. Make a new one on the license server and type it again.`,
    (d) =>
      `Ce ${kindLabel(d.kind, 'fr')} a été fait le ${d.madeOn} ; il est accepté ${d.maxAgeDays} jours. Faites-en un nouveau sur le serveur de licences et tapez-le de nouveau.`,
    { cli: [() => '(opencal licmgr migrate)', () => '(opencal licmgr migrate)'] },
  ),

  // --- the Windows importer (src/core/windows-import) ---------------------------------------------------------
  IMPORT_ENCODING_INVALID: entry<{ file: string; line: number }>(
    422,
    (d) => `${d.file}, line ${d.line}: this is not text in UTF-16LE or UTF-8. Export the file again (reg export, wevtutil, or ConvertTo-Json | Out-File) without editing it, and copy it as a file, not through a text editor.`,
    (d) => `${d.file}, ligne ${d.line} : ce n'est pas du texte UTF-16LE ou UTF-8. Exportez le fichier à nouveau (reg export, wevtutil, ou ConvertTo-Json | Out-File) sans le modifier, et copiez-le comme fichier, pas par un éditeur de texte.`,
  ),
  IMPORT_JSON_INVALID: entry<{ file: string; line: number; reason?: string }>(
    422,
    (d) => `${d.file}, line ${d.line}: the JSON is cut or broken (${d.reason ?? 'syntax error'}). Run the collector again, or ConvertTo-Json with -Depth 4, and keep the whole file.`,
    (d) => `${d.file}, ligne ${d.line} : le JSON est tronqué ou cassé (${d.reason ?? 'erreur de syntaxe'}). Relancez le collecteur, ou ConvertTo-Json avec -Depth 4, et gardez le fichier entier.`,
  ),
  IMPORT_XML_INVALID: entry<{ file: string; line: number; reason?: string }>(
    422,
    (d) => `${d.file}, line ${d.line}: the event XML is cut or broken (${d.reason ?? 'syntax error'}). Export the channel again with wevtutil qe <channel> /f:xml and keep the whole output.`,
    (d) => `${d.file}, ligne ${d.line} : le XML des événements est tronqué ou cassé (${d.reason ?? 'erreur de syntaxe'}). Exportez à nouveau le journal avec wevtutil qe <journal> /f:xml et gardez toute la sortie.`,
  ),
  IMPORT_REG_INVALID: entry<{ file: string; line: number; reason?: string }>(
    422,
    (d) => `${d.file}, line ${d.line}: this registry export is broken (${d.reason ?? 'syntax error'}). Export the key again with reg export "<key>" <file>.reg.`,
    (d) => `${d.file}, ligne ${d.line} : cet export du Registre est cassé (${d.reason ?? 'erreur de syntaxe'}). Exportez à nouveau la clé avec reg export "<clé>" <fichier>.reg.`,
  ),
  IMPORT_BUNDLE_SCHEMA_UNSUPPORTED: entry<{ file: string; line: number; schema: string }>(
    422,
    (d) => `${d.file}, line ${d.line}: this is an OpenCAL collector bundle of schema ${d.schema}, which this version does not read. Emit the collector of this version and run it again.`,
    (d) => `${d.file}, ligne ${d.line} : ce paquet du collecteur OpenCAL a le schéma ${d.schema}, que cette version ne lit pas. Générez le collecteur de cette version et relancez-le.`,
    { cli: [() => '(opencal host emit --format collector)', () => '(opencal host emit --format collector)'] },
  ),
  IMPORT_NOTHING_RECOGNISED: entry<{ file: string }>(
    422,
    (d) => `${d.file}: no RDS licensing data was recognised (no collector bundle, registry export, event export, CIM JSON or Get-RDLicenseConfiguration output). Run the collector on the RD Session Host and the RD License Server (docs/windows.md).`,
    (d) => `${d.file} : aucune donnée de licences RDS reconnue (ni paquet du collecteur, ni export du Registre, ni export d'événements, ni JSON CIM, ni sortie de Get-RDLicenseConfiguration). Lancez le collecteur sur l'hôte de session et sur le serveur de licences (docs/windows.md).`,
  ),
} as const;
