/**
 * Alerts (docs/alerts.md): what an administrator must act on before it hurts — the grace period ending, a pack
 * nearly exhausted, a certificate or grant about to expire, a case left pending, a clone case. Each component
 * gathers its facts (cheap aggregate reads, on a timer and on demand) and asks these pure rules which alerts are
 * active now; `alertTransitions` compares them with the alerts already raised, so that an event is recorded once
 * when an alert is raised and once when it clears, never on every evaluation.
 */
import type { CalType, CalVersion } from './vocabulary';
import type { Lang } from './refusals';

export const ALERT_KINDS = ['grace-ending', 'pack-nearly-exhausted', 'certificate-expiring', 'grant-expiring', 'case-pending', 'clone-case'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** The component that evaluates each kind: the one whose facts it reads. */
export const ALERT_COMPONENT: Readonly<Record<AlertKind, 'clearinghouse' | 'license-server' | 'session-host'>> = {
  'grace-ending': 'session-host',
  'pack-nearly-exhausted': 'license-server',
  'certificate-expiring': 'license-server',
  'grant-expiring': 'license-server',
  'case-pending': 'clearinghouse',
  'clone-case': 'clearinghouse',
};

/** The console page that fixes each kind (a path of the console's hash routes, `#/<page>`). */
export const ALERT_PAGES: Readonly<Record<AlertKind, string>> = {
  'grace-ending': 'session-host',
  'pack-nearly-exhausted': 'license-manager',
  'certificate-expiring': 'license-manager',
  'grant-expiring': 'license-manager',
  'case-pending': 'agent-desk',
  'clone-case': 'agent-desk',
};

/** The thresholds (configuration: --alert-grace-days, … see src/config/schema.ts). */
export interface AlertThresholds {
  /** the grace period ends in this many days or fewer */
  readonly graceDays: number;
  /** fewer than this percentage of a pack's CALs are available */
  readonly packAvailablePercent: number;
  /** a certificate or grant expires in this many days or fewer */
  readonly expiryDays: number;
  /** a case has been pending for this many days or more */
  readonly casePendingDays: number;
  /** a pending clone case is an alert */
  readonly cloneCase: boolean;
}

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = { graceDays: 14, packAvailablePercent: 10, expiryDays: 30, casePendingDays: 3, cloneCase: true };

/** One active alert: its kind, what it is about, the threshold that raised it and the facts its message names. */
export interface Alert {
  readonly kind: AlertKind;
  /** what the alert is about: the host name, the pack number, the server ID, the case number */
  readonly subject: string;
  /** the threshold crossed, in the kind's unit (days, percent; 1 for a clone case) */
  readonly threshold: number;
  readonly facts: Readonly<Record<string, string | number>>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days from `now` until `at`, rounded up (0 when past). */
export function daysUntil(at: Date, now: Date): number {
  const ms = at.getTime() - now.getTime();
  return ms <= 0 ? 0 : Math.ceil(ms / DAY_MS);
}

/**
 * The session host's grace period ending: active while `daysLeft` is at most the threshold. Once it is over the
 * alert stays only while the host cannot admit without it (no licensing mode or no license server configured):
 * a host whose licensing is configured needs nothing more from its grace period.
 */
export function graceAlerts(facts: { hostName: string; daysLeft: number; endsAt: Date; licensingConfigured: boolean }, t: AlertThresholds): Alert[] {
  if (facts.daysLeft > t.graceDays) return [];
  if (facts.daysLeft === 0 && facts.licensingConfigured) return [];
  return [{ kind: 'grace-ending', subject: facts.hostName, threshold: t.graceDays, facts: { hostName: facts.hostName, daysLeft: facts.daysLeft, endsAt: facts.endsAt.toISOString() } }];
}

/** A pack as a license server holds it: its active key packs added up. */
export interface PackCount {
  readonly pack: number;
  readonly calType: CalType;
  readonly calVersion: CalVersion;
  readonly total: number;
  readonly available: number;
}

/** Packs with fewer than the threshold's percentage of their CALs available (`available / total < p %`). */
export function packAlerts(packs: readonly PackCount[], t: AlertThresholds): Alert[] {
  return packs
    .filter((p) => p.total > 0 && p.available * 100 < t.packAvailablePercent * p.total)
    .map((p) => ({
      kind: 'pack-nearly-exhausted' as const,
      subject: String(p.pack),
      threshold: t.packAvailablePercent,
      facts: { pack: p.pack, calType: p.calType, calVersion: p.calVersion, total: p.total, available: p.available },
    }));
}

/** The license server's certificate and the grants of its active key packs, with their expiry (absent: none). */
export interface ExpiryFacts {
  readonly serverId: string;
  readonly certificateExpiresAt?: Date;
  readonly grants: readonly { pack: number; seq: number; expiresAt?: Date }[];
}

/** A certificate or grant expiring within the threshold (or already expired and still held). */
export function expiryAlerts(facts: ExpiryFacts, now: Date, t: AlertThresholds): Alert[] {
  const out: Alert[] = [];
  const cert = facts.certificateExpiresAt;
  if (cert && daysUntil(cert, now) <= t.expiryDays) {
    out.push({ kind: 'certificate-expiring', subject: facts.serverId, threshold: t.expiryDays, facts: { serverId: facts.serverId, daysLeft: daysUntil(cert, now), expiresAt: cert.toISOString() } });
  }
  for (const g of facts.grants) {
    if (!g.expiresAt || daysUntil(g.expiresAt, now) > t.expiryDays) continue;
    out.push({ kind: 'grant-expiring', subject: `${g.pack}/${g.seq}`, threshold: t.expiryDays, facts: { pack: g.pack, seq: g.seq, daysLeft: daysUntil(g.expiresAt, now), expiresAt: g.expiresAt.toISOString() } });
  }
  return out;
}

/** An open case at the clearinghouse (submitted or pending: waiting for a decision). */
export interface OpenCase {
  readonly caseNumber: string;
  readonly kind: string;
  readonly createdAt: Date;
  readonly sourceServerId?: string;
}

/** Clone cases (at once, when the threshold is on) and other cases open for the threshold's days or more. */
export function caseAlerts(cases: readonly OpenCase[], now: Date, t: AlertThresholds): Alert[] {
  const out: Alert[] = [];
  for (const c of cases) {
    const days = Math.floor((now.getTime() - c.createdAt.getTime()) / DAY_MS);
    if (c.kind === 'clone') {
      if (t.cloneCase) out.push({ kind: 'clone-case', subject: c.caseNumber, threshold: 1, facts: { caseNumber: c.caseNumber, serverId: c.sourceServerId ?? '', days } });
      continue;
    }
    if (days >= t.casePendingDays) {
      out.push({ kind: 'case-pending', subject: c.caseNumber, threshold: t.casePendingDays, facts: { caseNumber: c.caseNumber, caseKind: c.kind, days, since: c.createdAt.toISOString() } });
    }
  }
  return out;
}

/** An alert already raised, as stored. */
export interface RaisedAlert {
  readonly kind: AlertKind;
  readonly subject: string;
}

/**
 * What changed between the alerts raised before and those active now: `raised` are new (record the raise event),
 * `cleared` are no longer active (record the clear event), `kept` are active still (their facts refreshed).
 */
export function alertTransitions<R extends RaisedAlert>(before: readonly R[], now: readonly Alert[]): { raised: Alert[]; cleared: R[]; kept: Alert[] } {
  const key = (a: RaisedAlert) => `${a.kind}\u0000${a.subject}`;
  const previous = new Set(before.map(key));
  const current = new Set(now.map(key));
  return {
    raised: now.filter((a) => !previous.has(key(a))),
    cleared: before.filter((a) => !current.has(key(a))),
    kept: now.filter((a) => previous.has(key(a))),
  };
}

const f = (facts: Readonly<Record<string, string | number>>, k: string): string => String(facts[k] ?? '');
const day = (iso: string) => iso.slice(0, 10);

/** The alert as a person reads it, saying what to do next. */
export function alertMessage(alert: Pick<Alert, 'kind' | 'facts' | 'threshold'>, lang: Lang): string {
  const x = alert.facts;
  const fr = lang === 'fr';
  switch (alert.kind) {
    case 'grace-ending':
      return Number(x.daysLeft) === 0
        ? fr
          ? `La période de grâce de l’hôte de session ${f(x, 'hostName')} est terminée et aucun mode de licence ou serveur de licences n’est configuré : les connexions sont refusées. Configurez le mode et les serveurs de licences.`
          : `The grace period of session host ${f(x, 'hostName')} is over and no licensing mode or license server is configured: connections are refused. Configure the mode and the license servers.`
        : fr
          ? `La période de grâce de l’hôte de session ${f(x, 'hostName')} se termine dans ${f(x, 'daysLeft')} jours (le ${day(f(x, 'endsAt'))}). Configurez le mode de licence et les serveurs de licences, et vérifiez qu’ils ont des CAL pour ses appareils.`
          : `The grace period of session host ${f(x, 'hostName')} ends in ${f(x, 'daysLeft')} days (on ${day(f(x, 'endsAt'))}). Configure its licensing mode and license servers, and check they have CALs for its devices.`;
    case 'pack-nearly-exhausted':
      return fr
        ? `Le pack ${f(x, 'pack')} (CAL ${f(x, 'calType') === 'user' ? 'utilisateur' : 'appareil'} Windows Server ${f(x, 'calVersion')}) n’a plus que ${f(x, 'available')} CAL disponibles sur ${f(x, 'total')} (moins de ${alert.threshold} %). Achetez et installez un autre pack, ou révoquez les CAL d’appareils retirés.`
        : `Pack ${f(x, 'pack')} (${f(x, 'calType')} CALs, Windows Server ${f(x, 'calVersion')}) has ${f(x, 'available')} of ${f(x, 'total')} CALs available (fewer than ${alert.threshold} %). Buy and install another pack, or revoke the CALs of retired devices.`;
    case 'certificate-expiring':
      return fr
        ? `Le certificat du serveur de licences ${f(x, 'serverId')} expire dans ${f(x, 'daysLeft')} jours (le ${day(f(x, 'expiresAt'))}). Faites un check-in auprès du centre d’échange, ou réactivez le serveur.`
        : `The certificate of license server ${f(x, 'serverId')} expires in ${f(x, 'daysLeft')} days (on ${day(f(x, 'expiresAt'))}). Check in with the clearinghouse, or reactivate the server.`;
    case 'grant-expiring':
      return fr
        ? `L’octroi ${f(x, 'seq')} du pack ${f(x, 'pack')} expire dans ${f(x, 'daysLeft')} jours (le ${day(f(x, 'expiresAt'))}). Faites un check-in auprès du centre d’échange pour recevoir son octroi renouvelé.`
        : `The grant ${f(x, 'seq')} of pack ${f(x, 'pack')} expires in ${f(x, 'daysLeft')} days (on ${day(f(x, 'expiresAt'))}). Check in with the clearinghouse to receive its renewed grant.`;
    case 'case-pending':
      return fr
        ? `Le dossier ${f(x, 'caseNumber')} attend une décision depuis ${f(x, 'days')} jours. Un agent doit l’approuver ou le rejeter au guichet des agents.`
        : `Case ${f(x, 'caseNumber')} has waited ${f(x, 'days')} days for a decision. An agent should approve or reject it at the agent desk.`;
    case 'clone-case':
      return fr
        ? `Le dossier ${f(x, 'caseNumber')} signale une copie du serveur de licences ${f(x, 'serverId')} (deux historiques de check-in). Un agent doit confirmer le clone ou le lever au guichet des agents.`
        : `Case ${f(x, 'caseNumber')} reports a copy of license server ${f(x, 'serverId')} (two check-in histories). An agent should confirm the clone or clear it at the agent desk.`;
  }
}
