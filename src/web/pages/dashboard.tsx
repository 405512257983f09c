/**
 * The dashboard: one picture per role, from the tokens signed in. The license manager's CALs per key pack and
 * version, issuance and refusals over 24 hours or 30 days, and the certificate and grant expiries on a time line;
 * the session host's grace countdown; the clearinghouse's CALs per license server and cases by status. Every chart
 * carries its numbers as text (charts.tsx).
 */
import { useState } from 'preact/hooks';
import type { CaseList, PackList, ServerList } from '../../core/wire/clearinghouse';
import type { LicenseServerStatus } from '../../core/wire/license-server';
import type { IssuanceStats } from '../../core/wire/license-server-stats';
import type { SessionHostStatus } from '../../core/wire/session-host';
import { STATS_RANGES, type StatsRange } from '../../core/issuance-stats';
import { GRACE_PERIOD_DAYS } from '../../core/session-host-rules';
import { CASE_STATUSES } from '../../core/vocabulary';
import { api, grantFor } from '../api';
import type { PageProps } from '../app';
import { barSpec, Chart, COLORS, timelineSpec, timeSeriesSpec } from '../charts';
import { defineTexts, fill, useLang, useTexts } from '../i18n';
import { Card, Empty, Refusal, useLoad, type Loaded } from '../ui';

const T = defineTexts({
  en: {
    loading: 'Loading…',
    packsTitle: 'CALs per key pack and version',
    packsSummary: '{installed} CALs installed, {issued} issued, {available} available.',
    packsNone: 'No key pack is installed on this license server.',
    pack: 'Key pack',
    packShort: 'Pack',
    version: 'Version',
    installed: 'Installed',
    issued: 'Issued',
    available: 'Available',
    perDevice: 'per device',
    perUser: 'per user',
    issuanceTitle: 'CALs issued and requests refused',
    issuanceSummary: '{range}: {temporary} temporary, {permanent} permanent and {user} per-user CALs issued; {refused} CAL requests refused.',
    range: 'Period',
    range24h: 'Last 24 hours (per hour, UTC)',
    range30d: 'Last 30 days (per day, UTC)',
    bucketHour: 'Hour (UTC)',
    bucketDay: 'Day (UTC)',
    temporary: 'Temporary',
    permanent: 'Permanent',
    user: 'Per user',
    refused: 'Refused',
    expiriesTitle: 'Certificate and grant expiries',
    expiriesSummary: 'Expiries: {count}. Next: {label}, on {first}.',
    expiriesNone: 'Nothing held by this license server expires: no certificate or grant has an end date.',
    what: 'What',
    date: 'Date (UTC)',
    daysFromNow: 'Days from today',
    certificate: 'License server certificate',
    activationDue: 'Signed certificate due',
    grant: 'Grant of key pack {pack}',
    grantDue: 'Signed grant of key pack {pack} due',
    expiresOn: 'expires',
    graceTitle: 'Grace period of this session host',
    graceSummary: '{days} days left of {total}: the grace period ends on {date}.',
    graceOver: 'The grace period ended on {date}: connections need a CAL.',
    daysLeft: 'Days left',
    daysUsed: 'Days used',
    graceBar: 'Grace period',
    chPacksTitle: 'CALs per license server',
    chPacksSummary: 'Packs: {packs}, with {cals} CALs. Installed on a license server: {installed} CALs (license servers holding packs: {servers}). Not installed: {unassigned} CALs.',
    chPacksNone: 'The organization has no pack yet.',
    server: 'License server',
    notInstalled: 'not installed',
    packs: 'Packs',
    cals: 'CALs',
    casesTitle: 'Cases by status',
    casesSummary: 'Cases: {total} ({parts}).',
    casesNone: 'No case has been opened.',
    status: 'Status',
    count: 'Cases',
    submitted: 'submitted',
    pending: 'pending',
    approved: 'approved',
    rejected: 'rejected',
    lsSection: 'License server',
    shSection: 'Session host',
    chSection: 'Clearinghouse',
    none: 'Sign in with a license server, session host or organization token to see its dashboard.',
  },
  fr: {
    loading: 'Chargement…',
    packsTitle: 'CALs par pack de licences et version',
    packsSummary: '{installed} CALs installées, {issued} délivrées, {available} disponibles.',
    packsNone: 'Aucun pack de licences n’est installé sur ce serveur de licences.',
    pack: 'Pack de licences',
    packShort: 'Pack',
    version: 'Version',
    installed: 'Installées',
    issued: 'Délivrées',
    available: 'Disponibles',
    perDevice: 'par périphérique',
    perUser: 'par utilisateur',
    issuanceTitle: 'CALs délivrées et demandes refusées',
    issuanceSummary: '{range} : {temporary} CALs temporaires, {permanent} permanentes et {user} par utilisateur délivrées ; {refused} demandes de CAL refusées.',
    range: 'Période',
    range24h: '24 dernières heures (par heure, UTC)',
    range30d: '30 derniers jours (par jour, UTC)',
    bucketHour: 'Heure (UTC)',
    bucketDay: 'Jour (UTC)',
    temporary: 'Temporaires',
    permanent: 'Permanentes',
    user: 'Par utilisateur',
    refused: 'Refusées',
    expiriesTitle: 'Échéances du certificat et des octrois',
    expiriesSummary: 'Échéances : {count}. Prochaine : {label}, le {first}.',
    expiriesNone: 'Rien de ce que détient ce serveur de licences n’expire : aucun certificat ni octroi n’a de date de fin.',
    what: 'Élément',
    date: 'Date (UTC)',
    daysFromNow: 'Jours à partir d’aujourd’hui',
    certificate: 'Certificat du serveur de licences',
    activationDue: 'Certificat signé attendu',
    grant: 'Octroi du pack de licences {pack}',
    grantDue: 'Octroi signé du pack de licences {pack} attendu',
    expiresOn: 'expire',
    graceTitle: 'Délai de grâce de cet hôte de session',
    graceSummary: '{days} jours restants sur {total} : le délai de grâce se termine le {date}.',
    graceOver: 'Le délai de grâce s’est terminé le {date} : les connexions ont besoin d’une CAL.',
    daysLeft: 'Jours restants',
    daysUsed: 'Jours écoulés',
    graceBar: 'Délai de grâce',
    chPacksTitle: 'CALs par serveur de licences',
    chPacksSummary: 'Packs : {packs}, avec {cals} CALs. Installées sur un serveur de licences : {installed} CALs (serveurs de licences détenant des packs : {servers}). Non installées : {unassigned} CALs.',
    chPacksNone: 'L’organisation n’a encore aucun pack.',
    server: 'Serveur de licences',
    notInstalled: 'non installé',
    packs: 'Packs',
    cals: 'CALs',
    casesTitle: 'Dossiers par statut',
    casesSummary: 'Dossiers : {total} ({parts}).',
    casesNone: 'Aucun dossier n’a été ouvert.',
    status: 'Statut',
    count: 'Dossiers',
    submitted: 'soumis',
    pending: 'en attente',
    approved: 'approuvés',
    rejected: 'rejetés',
    lsSection: 'Serveur de licences',
    shSection: 'Hôte de session',
    chSection: 'Centre d’échange',
    none: 'Connectez-vous avec un jeton de serveur de licences, d’hôte de session ou d’organisation pour voir son tableau de bord.',
  },
});
type Texts = (typeof T)['en'];

const DAY = 86_400_000;
const day = (iso: string) => iso.slice(0, 10);
const hour = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 13)}:00`;

/** A card's loading and refusal states around what it shows once loaded. */
function Loading<D>(props: { loaded: Loaded<D>; children: (d: D) => preact.JSX.Element }) {
  const t = useTexts(T);
  if (props.loaded.error) return <Refusal error={props.loaded.error} />;
  if (!props.loaded.data) return <p class="hint" role="status">{t.loading}</p>;
  return props.children(props.loaded.data);
}

// ---- license server ---------------------------------------------------------------------------------------------

function KeyPackBars(props: { status: LicenseServerStatus; t: Texts }) {
  const { t } = props;
  // One bar group per pack number, CAL type and version: a pack reissued in several grants is one purchase.
  const groups = new Map<string, { label: string; installed: number; issued: number; available: number; calType: string; calVersion: number; pack: number }>();
  for (const k of props.status.keyPacks.filter((p) => p.status === 'active')) {
    const key = `${k.pack}/${k.calType}/${k.calVersion}`;
    const g = groups.get(key) ?? { label: `${t.packShort} ${k.pack} · ${k.calVersion}`, installed: 0, issued: 0, available: 0, calType: k.calType, calVersion: k.calVersion, pack: k.pack };
    g.installed += k.total;
    g.issued += k.issued;
    g.available += k.available;
    groups.set(key, g);
  }
  const rows = [...groups.values()].sort((a, b) => a.pack - b.pack || a.calVersion - b.calVersion);
  if (rows.length === 0) return <Empty>{t.packsNone}</Empty>;
  const sum = (k: 'installed' | 'issued' | 'available') => rows.reduce((s, r) => s + r[k], 0);
  return (
    <Chart
      id="chart-key-packs"
      title={t.packsTitle}
      summary={fill(t.packsSummary, { installed: sum('installed'), issued: sum('issued'), available: sum('available') })}
      table={{
        head: [t.pack, t.version, t.installed, t.issued, t.available],
        rows: rows.map((r) => [`${r.pack} (${r.calType === 'user' ? t.perUser : t.perDevice})`, r.calVersion, r.installed, r.issued, r.available]),
      }}
      spec={barSpec(
        rows.map((r) => r.label),
        [
          { label: t.installed, values: rows.map((r) => r.installed), color: COLORS.light, size: 0.84, max: 136 },
          { label: t.issued, values: rows.map((r) => r.issued), color: COLORS.brand, size: 0.38, align: -1, max: 60 },
          { label: t.available, values: rows.map((r) => r.available), color: COLORS.ok, size: 0.38, align: 1, max: 60 },
        ],
      )}
      deps={[JSON.stringify(rows), t]}
    />
  );
}

function IssuanceChart(props: PageProps & { t: Texts }) {
  const { t } = props;
  const [range, setRange] = useState<StatsRange>('24h');
  const stats = useLoad(() => api<IssuanceStats>(props.keyring, 'ls', 'GET', `/stats/issuance?range=${range}`), [range]);
  const label = (iso: string, s: IssuanceStats) => (s.unit === 'hour' ? hour(iso) : day(iso));
  return (
    <>
      <fieldset class="range-switch">
        <legend>{t.range}</legend>
        {STATS_RANGES.map((r) => (
          <label>
            <input type="radio" name="issuance-range" value={r} checked={range === r} onChange={() => setRange(r)} />
            {r === '24h' ? t.range24h : t.range30d}
          </label>
        ))}
      </fieldset>
      <Loading loaded={stats}>
        {(s) => (
          <Chart
            id="chart-issuance"
            title={t.issuanceTitle}
            summary={fill(t.issuanceSummary, { range: s.range === '24h' ? t.range24h : t.range30d, ...s.totals })}
            table={{
              head: [s.unit === 'hour' ? t.bucketHour : t.bucketDay, t.temporary, t.permanent, t.user, t.refused],
              rows: s.buckets.map((b) => [label(b.start, s), b.temporary, b.permanent, b.user, b.refused]),
            }}
            spec={timeSeriesSpec(
              s.unit,
              s.buckets.map((b) => new Date(b.start)),
              [
                { label: t.temporary, values: s.buckets.map((b) => b.temporary), color: COLORS.warn },
                { label: t.permanent, values: s.buckets.map((b) => b.permanent), color: COLORS.ok },
                { label: t.user, values: s.buckets.map((b) => b.user), color: COLORS.brand },
                { label: t.refused, values: s.buckets.map((b) => b.refused), color: COLORS.bad },
              ],
            )}
            deps={[s.from, s.range, JSON.stringify(s.totals), t]}
          />
        )}
      </Loading>
    </>
  );
}

/** The dates after which the license server loses something: its certificate, each grant, a signed document awaited. */
function expiries(status: LicenseServerStatus, t: Texts): { label: string; at: Date }[] {
  const out: { label: string; at: Date }[] = [];
  const a = status.activation;
  if (a.expiresAt && a.status === 'activated') out.push({ label: t.certificate, at: new Date(a.expiresAt) });
  if (a.provisional) out.push({ label: t.activationDue, at: new Date(a.provisional.until) });
  for (const k of status.keyPacks.filter((p) => p.status === 'active')) {
    if (k.expiresAt) out.push({ label: fill(t.grant, { pack: `${k.pack}.${k.seq}` }), at: new Date(k.expiresAt) });
    if (k.provisional) out.push({ label: fill(t.grantDue, { pack: `${k.pack}.${k.seq}` }), at: new Date(k.provisional.until) });
  }
  return out.sort((x, y) => x.at.getTime() - y.at.getTime());
}

function ExpiryTimeline(props: { status: LicenseServerStatus; now: Date; t: Texts }) {
  const { t, now } = props;
  const items = expiries(props.status, t);
  if (items.length === 0) return <Empty>{t.expiriesNone}</Empty>;
  const first = items[0]!;
  return (
    <Chart
      id="chart-expiries"
      title={t.expiriesTitle}
      summary={fill(t.expiriesSummary, { count: items.length, first: day(first.at.toISOString()), label: first.label })}
      table={{ head: [t.what, t.date, t.daysFromNow], rows: items.map((i) => [i.label, day(i.at.toISOString()), Math.ceil((i.at.getTime() - now.getTime()) / DAY)]) }}
      spec={timelineSpec(items, now, t.expiresOn)}
      height={Math.max(140, 60 + items.length * 34)}
      deps={[JSON.stringify(items), t]}
    />
  );
}

function LicenseServerCards(props: PageProps & { t: Texts }) {
  const { t } = props;
  const status = useLoad(() => api<LicenseServerStatus>(props.keyring, 'ls', 'GET', '/status'));
  return (
    <>
      <Card title={t.packsTitle} id="dash-key-packs">
        <Loading loaded={status}>{(s) => <KeyPackBars status={s} t={t} />}</Loading>
      </Card>
      <Card title={t.issuanceTitle} id="dash-issuance">
        <IssuanceChart {...props} />
      </Card>
      <Card title={t.expiriesTitle} id="dash-expiries">
        <Loading loaded={status}>{(s) => <ExpiryTimeline status={s} now={new Date()} t={t} />}</Loading>
      </Card>
    </>
  );
}

// ---- session host -----------------------------------------------------------------------------------------------

function GraceCard(props: PageProps & { t: Texts }) {
  const { t } = props;
  const status = useLoad(() => api<SessionHostStatus>(props.keyring, 'sh', 'GET', '/status'));
  return (
    <Card title={t.graceTitle} id="dash-grace">
      <Loading loaded={status}>
        {(s) => {
          const left = s.grace.daysLeft;
          const used = GRACE_PERIOD_DAYS - left;
          const date = day(s.grace.endsAt);
          return (
            <Chart
              id="chart-grace"
              title={t.graceTitle}
              summary={s.grace.expired ? fill(t.graceOver, { date }) : fill(t.graceSummary, { days: left, total: GRACE_PERIOD_DAYS, date })}
              table={{ head: [t.graceBar, t.daysLeft, t.daysUsed, t.date], rows: [[t.graceBar, left, used, date]] }}
              spec={barSpec(
                [t.graceBar],
                [
                  { label: t.daysUsed, values: [used], color: COLORS.muted, size: 0.38, align: -1 },
                  { label: t.daysLeft, values: [left], color: left <= 14 ? COLORS.bad : COLORS.ok, size: 0.38, align: 1 },
                ],
                { yMax: GRACE_PERIOD_DAYS },
              )}
              height={180}
              deps={[left, date, t]}
            />
          );
        }}
      </Loading>
    </Card>
  );
}

// ---- clearinghouse ----------------------------------------------------------------------------------------------

function ClearinghouseCards(props: PageProps & { t: Texts }) {
  const { t } = props;
  const packs = useLoad(() => api<PackList>(props.keyring, 'ch', 'GET', '/packs'));
  const servers = useLoad(() => api<ServerList>(props.keyring, 'ch', 'GET', '/servers'));
  const cases = useLoad(() => api<CaseList>(props.keyring, 'ch', 'GET', '/cases'));
  const ready = !servers.loading;
  return (
    <>
      <Card title={t.chPacksTitle} id="dash-ch-packs">
        <Loading loaded={ready ? packs : { ...packs, data: undefined }}>
          {(p) => {
            const live = p.packs.filter((k) => k.status !== 'revoked');
            if (live.length === 0) return <Empty>{t.chPacksNone}</Empty>;
            const per = new Map<string, { packs: number; cals: number }>();
            // every license server of the organization has its bar, with no pack too
            for (const srv of servers.data?.servers ?? []) if (srv.status === 'activated') per.set(srv.serverId, { packs: 0, cals: 0 });
            for (const k of live) {
              const where = k.status === 'installed' && k.serverId ? k.serverId : '';
              const e = per.get(where) ?? { packs: 0, cals: 0 };
              e.packs += 1;
              e.cals += k.count;
              per.set(where, e);
            }
            const rows = [...per.entries()].sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)));
            const name = (id: string) => (id === '' ? t.notInstalled : id);
            const short = (id: string) => (id === '' ? t.notInstalled : `${id.slice(0, 11)}…`);
            const installed = rows.filter(([id]) => id !== '').reduce((s, [, e]) => s + e.cals, 0);
            const unassigned = per.get('')?.cals ?? 0;
            return (
              <Chart
                id="chart-ch-packs"
                title={t.chPacksTitle}
                summary={fill(t.chPacksSummary, { packs: live.length, cals: installed + unassigned, installed, servers: rows.filter(([id, e]) => id !== '' && e.packs > 0).length, unassigned })}
                table={{ head: [t.server, t.packs, t.cals], rows: rows.map(([id, e]) => [name(id), e.packs, e.cals]) }}
                spec={barSpec(rows.map(([id]) => short(id)), [{ label: t.cals, values: rows.map(([, e]) => e.cals), color: COLORS.brand }])}
                deps={[JSON.stringify(rows), t]}
              />
            );
          }}
        </Loading>
      </Card>
      <Card title={t.casesTitle} id="dash-cases">
        <Loading loaded={cases}>
          {(c) => {
            if (c.cases.length === 0) return <Empty>{t.casesNone}</Empty>;
            const counts = CASE_STATUSES.map((s) => c.cases.filter((k) => k.status === s).length);
            const word = (s: (typeof CASE_STATUSES)[number]) => t[s];
            return (
              <Chart
                id="chart-cases"
                title={t.casesTitle}
                summary={fill(t.casesSummary, { total: c.cases.length, parts: CASE_STATUSES.map((s, i) => `${counts[i]} ${word(s)}`).join(', ') })}
                table={{ head: [t.status, t.count], rows: CASE_STATUSES.map((s, i) => [word(s), counts[i]!]) }}
                spec={barSpec(CASE_STATUSES.map(word), [{ label: t.count, values: counts, color: COLORS.brand }])}
                deps={[JSON.stringify(counts), t]}
              />
            );
          }}
        </Loading>
      </Card>
    </>
  );
}

export function Dashboard(props: PageProps) {
  const lang = useLang();
  const t = T[lang];
  const ls = grantFor(props.keyring, 'ls');
  const sh = grantFor(props.keyring, 'sh');
  const ch = grantFor(props.keyring, 'ch');
  const chReads = ch && ['ch:org', 'ch:admin', 'ch:agent'].includes(ch.scope);
  if (!ls && !sh && !chReads) return <Empty>{t.none}</Empty>;
  return (
    <div class="dashboard" lang={lang}>
      {ls ? (
        <section aria-labelledby="dash-ls" class="dash-group">
          <h3 id="dash-ls">{t.lsSection}</h3>
          <LicenseServerCards {...props} t={t} />
        </section>
      ) : null}
      {sh ? (
        <section aria-labelledby="dash-sh" class="dash-group">
          <h3 id="dash-sh">{t.shSection}</h3>
          <GraceCard {...props} t={t} />
        </section>
      ) : null}
      {chReads ? (
        <section aria-labelledby="dash-ch" class="dash-group">
          <h3 id="dash-ch">{t.chSection}</h3>
          <ClearinghouseCards {...props} t={t} />
        </section>
      ) : null}
    </div>
  );
}
