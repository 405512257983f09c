/**
 * A case's evidence as sentences an agent reads (English and French): "The old license server ABCDE-FGHIJ-… last
 * checked in 3 days ago (2025-03-01) and has not deactivated." instead of `source.lastCheckIn` and JSON. The
 * evidence is what the clearinghouse stored with the case (src/clearinghouse: migration.usecase.ts for migrations
 * and reissues, activation.usecase.ts for phantom cases, check-in-chain.usecase.ts for clone cases); a field this
 * function does not know is simply not told (the console keeps the raw evidence behind a disclosure). Pure: `now`
 * is an input, for "3 days ago".
 */
import type { Lang } from './diagnoser-texts';

/** One sentence, and whether the fact speaks for moving the pack, against it, or neither. */
export interface EvidenceSentence {
  text: string;
  tone: 'for' | 'against' | 'neutral';
}

/** What of a case the sentences read (a `CaseView` of the clearinghouse's API fits). */
export interface CaseEvidenceInput {
  kind: string;
  pack?: number | null;
  evidence: Readonly<Record<string, unknown>>;
}

const TEXTS = {
  en: {
    noSource: 'No other license server holds this pack: it was never installed, or it was released.',
    lastCheckIn: 'The old license server {server} last checked in {ago} ({date}) and {deactivated}.',
    neverCheckedIn: 'The old license server {server} has never checked in; it was activated {ago} ({date}) and {deactivated}.',
    hasDeactivated: 'has deactivated',
    hasNotDeactivated: 'has not deactivated',
    receipt: 'A deactivation receipt signed by the old license server {server} is on record.',
    receiptOn: 'A deactivation receipt signed by the old license server {server} on {date} is on record.',
    noReceipt: 'The old license server {server} sent no deactivation receipt.',
    holdsPack: 'The old license server still holds pack {pack}.',
    holdsNoPack: 'The old license server no longer holds pack {pack}.',
    silence: 'A pack moves without a receipt once its old license server has been silent for {days} days.',
    codeNamesSource: 'The migration code was made on this old license server.',
    codeNamesOther: 'The migration code was made on another license server than the one that holds the pack.',
    noTransfers: 'The pack has not moved before.',
    transfers: 'The pack has moved {count} time(s) before, last on {date}; at most {budget} moves are allowed in {window} days.',
    sameOrganization: 'The pack and the new license server belong to the same organization ({org}).',
    otherOrganization: 'The pack belongs to {packOrg}, the new license server to {targetOrg}.',
    noOrganization: 'no organization',
    proofMatches: 'The proof of purchase matches the one recorded with this retail pack.',
    proofDiffers: 'The proof of purchase given does not match the one recorded with this retail pack.',
    packRevoked: 'The pack is revoked: it cannot move.',
    phantomIssued: 'License server {server} still reports {issued} CAL(s) issued from pack {pack} (grant {seq}), although case {case} moved the pack away on {date}.',
    ungranted: 'License server {server} reports pack {pack} (grant {seq}), which the clearinghouse {problem}.',
    neverGranted: 'never granted',
    grantedElsewhere: 'granted to another license server ({holder})',
    differs: 'granted with other contents than reported',
    unknownServer: 'License server {server} was never activated by the clearinghouse.',
    unmadeActivation: 'License server {server} claims activation {serial} ({method}), which the clearinghouse never made; it made {made}.',
    noneMade: 'none',
    clone: 'License server {server} checked in on two histories: two copies of one server seem to be running.',
    cloneHistories: 'The history kept has {kept} recent check-in(s), the second history {second}; they part at check-in {counter}.',
    cloneLastCheckIn: 'Its last accepted check-in was {ago} ({date}).',
    today: 'today',
    yesterday: 'yesterday',
    daysAgo: '{n} days ago',
    inFuture: 'on {date}',
  },
  fr: {
    noSource: 'Aucun autre serveur de licences ne détient ce pack : il n’a jamais été installé, ou il a été libéré.',
    lastCheckIn: 'L’ancien serveur de licences {server} s’est manifesté pour la dernière fois {ago} ({date}) et {deactivated}.',
    neverCheckedIn: 'L’ancien serveur de licences {server} ne s’est jamais manifesté ; il a été activé {ago} ({date}) et {deactivated}.',
    hasDeactivated: 'a été désactivé',
    hasNotDeactivated: 'n’a pas été désactivé',
    receipt: 'Un reçu de désactivation signé par l’ancien serveur de licences {server} est enregistré.',
    receiptOn: 'Un reçu de désactivation signé par l’ancien serveur de licences {server} le {date} est enregistré.',
    noReceipt: 'L’ancien serveur de licences {server} n’a envoyé aucun reçu de désactivation.',
    holdsPack: 'L’ancien serveur de licences détient encore le pack {pack}.',
    holdsNoPack: 'L’ancien serveur de licences ne détient plus le pack {pack}.',
    silence: 'Un pack est transféré sans reçu dès que son ancien serveur de licences est resté muet {days} jours.',
    codeNamesSource: 'Le code de migration a été créé sur cet ancien serveur de licences.',
    codeNamesOther: 'Le code de migration a été créé sur un autre serveur de licences que celui qui détient le pack.',
    noTransfers: 'Le pack n’a jamais été transféré auparavant.',
    transfers: 'Le pack a déjà été transféré {count} fois, la dernière le {date} ; au plus {budget} transferts sont permis en {window} jours.',
    sameOrganization: 'Le pack et le nouveau serveur de licences appartiennent à la même organisation ({org}).',
    otherOrganization: 'Le pack appartient à {packOrg}, le nouveau serveur de licences à {targetOrg}.',
    noOrganization: 'aucune organisation',
    proofMatches: 'La preuve d’achat correspond à celle enregistrée avec ce pack de détail.',
    proofDiffers: 'La preuve d’achat donnée ne correspond pas à celle enregistrée avec ce pack de détail.',
    packRevoked: 'Le pack est révoqué : il ne peut pas être transféré.',
    phantomIssued:
      'Le serveur de licences {server} déclare encore {issued} CAL délivrée(s) du pack {pack} (attribution {seq}), alors que le dossier {case} a transféré le pack le {date}.',
    ungranted: 'Le serveur de licences {server} déclare le pack {pack} (attribution {seq}), que le centre d’échange {problem}.',
    neverGranted: 'n’a jamais attribué',
    grantedElsewhere: 'a attribué à un autre serveur de licences ({holder})',
    differs: 'a attribué avec un autre contenu que celui déclaré',
    unknownServer: 'Le serveur de licences {server} n’a jamais été activé par le centre d’échange.',
    unmadeActivation: 'Le serveur de licences {server} se réclame de l’activation {serial} ({method}), que le centre d’échange n’a jamais faite ; il a fait : {made}.',
    noneMade: 'aucune',
    clone: 'Le serveur de licences {server} s’est manifesté sur deux historiques : deux copies d’un même serveur semblent fonctionner.',
    cloneHistories: 'L’historique retenu compte {kept} manifestation(s) récente(s), le second {second} ; ils se séparent à la manifestation {counter}.',
    cloneLastCheckIn: 'Sa dernière manifestation acceptée date de {ago} ({date}).',
    today: 'aujourd’hui',
    yesterday: 'hier',
    daysAgo: 'il y a {n} jours',
    inFuture: 'le {date}',
  },
} satisfies Record<Lang, Record<string, string>>;

type Key = keyof (typeof TEXTS)['en'];

const DAY_MS = 86_400_000;

function fill(text: string, values: Readonly<Record<string, string | number>>): string {
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}

const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const instant = (v: unknown): Date | undefined => {
  const s = str(v);
  if (!s) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
};

/** A license server ID as people read it in a sentence: its first two groups, the rest elided. */
export function shortServerId(id: string): string {
  const groups = id.split('-');
  return groups.length > 2 ? `${groups.slice(0, 2).join('-')}-…` : id;
}

/** "3 days ago", "yesterday", "today" (by whole days before `now`); a time after `now` is told by its date. */
export function agoText(at: Date, now: Date, lang: Lang): string {
  const t = TEXTS[lang];
  const days = Math.floor((now.getTime() - at.getTime()) / DAY_MS);
  if (at.getTime() > now.getTime()) return fill(t.inFuture, { date: dayOf(at) });
  if (days === 0) return t.today;
  if (days === 1) return t.yesterday;
  return fill(t.daysAgo, { n: days });
}

const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** The sentences that tell a case's evidence, in the order an agent weighs them. */
export function caseEvidenceSentences(c: CaseEvidenceInput, now: Date, lang: Lang): EvidenceSentence[] {
  const t = TEXTS[lang];
  const e = obj(c.evidence);
  const out: EvidenceSentence[] = [];
  const say = (tone: EvidenceSentence['tone'], key: Key, values: Readonly<Record<string, string | number>> = {}) => out.push({ tone, text: fill(t[key], values) });
  const pack = num(e['pack']) ?? c.pack ?? undefined;
  const packName = pack === undefined ? '—' : String(pack);

  if (c.kind === 'migration' || c.kind === 'reissue') {
    if ('source' in e) {
      const source = e['source'] === null ? undefined : obj(e['source']);
      if (!source) say('for', 'noSource');
      else {
        const server = shortServerId(str(source['serverId']) ?? '—');
        const receipt = bool(source['receipt']) === true;
        const gone = receipt || source['status'] === 'deactivated';
        const deactivated = gone ? t.hasDeactivated : t.hasNotDeactivated;
        const lastCheckIn = instant(source['lastCheckIn']) ?? instant(e['sourceLastCheckIn']);
        const activatedAt = instant(source['activatedAt']) ?? instant(source['lastSeen']);
        if (lastCheckIn) say(gone ? 'for' : 'against', 'lastCheckIn', { server, ago: agoText(lastCheckIn, now, lang), date: dayOf(lastCheckIn), deactivated });
        else if (activatedAt) say(gone ? 'for' : 'against', 'neverCheckedIn', { server, ago: agoText(activatedAt, now, lang), date: dayOf(activatedAt), deactivated });
        const receiptAt = instant(source['receiptAt']);
        if (receipt) say('for', receiptAt ? 'receiptOn' : 'receipt', { server, ...(receiptAt ? { date: dayOf(receiptAt) } : {}) });
        else say('against', 'noReceipt', { server });
        const holds = bool(source['holdsPack']);
        if (holds !== undefined) say(holds ? 'against' : 'for', holds ? 'holdsPack' : 'holdsNoPack', { pack: packName });
      }
    }
    const named = bool(e['sourceNamedInCode']);
    if (named !== undefined) say(named ? 'for' : 'against', named ? 'codeNamesSource' : 'codeNamesOther');
    const thresholds = obj(e['thresholds']);
    const transfers = Array.isArray(e['earlierTransfers']) ? (e['earlierTransfers'] as unknown[]).map(instant).filter((d): d is Date => d !== undefined) : undefined;
    if (transfers) {
      const last = transfers[transfers.length - 1];
      if (!last) say('for', 'noTransfers');
      else
        say('neutral', 'transfers', {
          count: transfers.length,
          date: dayOf(last),
          budget: num(thresholds['transferBudget']) ?? '—',
          window: num(thresholds['transferWindowDays']) ?? '—',
        });
    }
    const match = bool(e['organizationMatch']);
    if (match === true) say('for', 'sameOrganization', { org: str(e['packOrganization']) ?? t.noOrganization });
    else if (match === false) say('against', 'otherOrganization', { packOrg: str(e['packOrganization']) ?? t.noOrganization, targetOrg: str(e['targetOrganization']) ?? t.noOrganization });
    const proof = bool(e['proofOfPurchase']);
    if (proof !== undefined) say(proof ? 'for' : 'against', proof ? 'proofMatches' : 'proofDiffers');
    if (bool(e['packRevoked']) === true) say('against', 'packRevoked');
    const silence = num(thresholds['silenceDays']);
    if (silence !== undefined && e['source'] !== null && 'source' in e) say('neutral', 'silence', { days: silence });
    return out;
  }

  const server = shortServerId(str(e['serverId']) ?? '—');
  if (c.kind === 'clone') {
    say('against', 'clone', { server });
    const histories = obj(e['histories']);
    const kept = Array.isArray(histories['kept']) ? histories['kept'].length : undefined;
    const second = Array.isArray(histories['second']) ? histories['second'].length : undefined;
    const counter = num(obj(e['forkAt'])['counter']);
    if (kept !== undefined && second !== undefined && counter !== undefined) say('neutral', 'cloneHistories', { kept, second, counter });
    const lastCheckIn = instant(e['lastCheckIn']);
    if (lastCheckIn) say('neutral', 'cloneLastCheckIn', { ago: agoText(lastCheckIn, now, lang), date: dayOf(lastCheckIn) });
    return out;
  }

  if (c.kind === 'phantom') {
    const seq = num(e['seq']) ?? num(obj(e['reported'])['seq']) ?? '—';
    const reportedPack = num(obj(e['reported'])['pack']);
    if (num(e['issued']) !== undefined) {
      const at = instant(e['invalidatedAt']);
      say('against', 'phantomIssued', { server, issued: num(e['issued'])!, pack: packName, seq, case: str(e['invalidatedBy']) ?? '—', date: at ? dayOf(at) : '—' });
    } else if (str(e['problem'])) {
      const problem = str(e['problem'])!;
      const holder = str(e['grantHolder']);
      const told = problem === 'never granted' ? t.neverGranted : problem === 'granted to another license server' ? fill(t.grantedElsewhere, { holder: holder ? shortServerId(holder) : '—' }) : t.differs;
      say('against', 'ungranted', { server, pack: reportedPack ?? packName, seq, problem: told });
    } else if ('claimed' in e) {
      const claimed = obj(e['claimed']);
      const made = Array.isArray(e['activationsMade']) ? (e['activationsMade'] as unknown[]).filter((x) => typeof x === 'number') : [];
      say('against', 'unmadeActivation', { server, serial: num(claimed['serial']) ?? '—', method: str(claimed['method']) ?? '—', made: made.length ? made.join(', ') : t.noneMade });
    }
    if (bool(e['knownServer']) === false) say('against', 'unknownServer', { server });
  }
  return out;
}
