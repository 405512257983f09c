/**
 * The list cards of the portal, the agent desk, the license manager and the session host: cases, license servers,
 * session hosts and admissions, each paged, sorted and filtered by the server through the console's list table.
 */
import type { CaseView, ServerView } from '../../core/wire/clearinghouse';
import type { AdmissionRecord } from '../../core/wire/session-host';
import { useState } from 'preact/hooks';
import { ADMISSION_OUTCOMES, type AdmissionOutcome } from '../../core/list-specs';
import { ACTIVATION_STATUSES, CASE_STATUSES, type ActivationStatus, type CaseStatus } from '../../core/vocabulary';
import type { KeyringEntry } from '../api';
import { defineTexts, useTexts } from '../i18n';
import { ListTable, type ListColumn } from '../list-table';
import { Badge, formatDate, Select, TextInput } from '../ui';
import { awaiting } from './shared';

const T = defineTexts({
  en: {
    all: 'All',
    status: 'Status',
    cases: 'Cases',
    case: 'Case',
    kind: 'Kind',
    pack: 'Pack',
    target: 'Target license server',
    awaited: 'Awaited / decision',
    keyPackId: 'Key pack ID',
    opened: 'Opened',
    servers: 'License servers known to the clearinghouse',
    serverId: 'License server ID',
    method: 'Method',
    version: 'Version',
    activated: 'Activated',
    lastCheckIn: 'Last check-in',
    hosts: 'Session hosts',
    hostName: 'Session host',
    nameFilter: 'Filter by name',
    enrolled: 'Enrolled',
    getsCals: 'Gets CALs',
    yes: 'yes',
    notAllowed: 'no (not on the allow-list, event 4141)',
    admissions: 'Admissions and refusals',
    time: 'Time',
    device: 'Device',
    deviceFilter: 'Filter by device (name or hardware identifier)',
    user: 'User',
    userFilter: 'Filter by user',
    statusFilter: 'Filter by status',
    outcomeFilter: 'Filter by outcome',
    outcome: 'Outcome',
    cal: 'CAL',
    message: 'Message',
    outcomeAdmitted: 'Admitted (on a CAL or in the grace period)',
    outcomeCal: 'Admitted on a CAL',
    outcomeGrace: 'Admitted without a CAL (grace period)',
    outcomeRefused: 'Refused',
    withoutCal: 'admitted without CAL',
    graceOnly: 'grace period only',
  },
  fr: {
    all: 'Tous',
    status: 'État',
    cases: 'Dossiers',
    case: 'Dossier',
    kind: 'Type',
    pack: 'Pack',
    target: 'Serveur de licences cible',
    awaited: 'Attendu / décision',
    keyPackId: 'ID de pack de clés',
    opened: 'Ouvert le',
    servers: 'Serveurs de licences connus du centre d’échange',
    serverId: 'ID du serveur de licences',
    method: 'Méthode',
    version: 'Version',
    activated: 'Activé le',
    lastCheckIn: 'Dernier contact',
    hosts: 'Hôtes de session',
    hostName: 'Hôte de session',
    nameFilter: 'Filtrer par nom',
    enrolled: 'Inscrit le',
    getsCals: 'Reçoit des CAL',
    yes: 'oui',
    notAllowed: 'non (absent de la liste d’autorisation, événement 4141)',
    admissions: 'Admissions et refus',
    time: 'Heure',
    device: 'Appareil',
    deviceFilter: 'Filtrer par appareil (nom ou identifiant matériel)',
    user: 'Utilisateur',
    userFilter: 'Filtrer par utilisateur',
    statusFilter: 'Filtrer par état',
    outcomeFilter: 'Filtrer par résultat',
    outcome: 'Résultat',
    cal: 'CAL',
    message: 'Message',
    outcomeAdmitted: 'Admis (avec une CAL ou pendant le délai de grâce)',
    outcomeCal: 'Admis avec une CAL',
    outcomeGrace: 'Admis sans CAL (délai de grâce)',
    outcomeRefused: 'Refusé',
    withoutCal: 'admis sans CAL',
    graceOnly: 'délai de grâce seulement',
  },
});

type Texts = (typeof T)['en'];

interface ListCardProps {
  keyring: readonly KeyringEntry[];
  /** read the page shown again when this changes */
  reloadKey?: number;
}

/** The columns of a case, as the portal and the agent desk show them. */
function caseColumns(t: Texts): ListColumn<CaseView>[] {
  return [
    { title: t.case, sort: 'number', cell: (c) => c.caseNumber, class: 'mono' },
    { title: t.kind, sort: 'kind', cell: (c) => c.kind },
    { title: t.status, sort: 'status', cell: (c) => <Badge value={c.status} /> },
    { title: t.pack, cell: (c) => c.pack ?? '—' },
    { title: t.target, cell: (c) => c.targetServerId ?? '—', class: 'mono small' },
    { title: t.awaited, cell: (c) => (c.status === 'pending' ? awaiting(c).join('; ') : (c.decisionNote ?? '')) },
    { title: t.keyPackId, cell: (c) => c.keyPackId ?? '', class: 'mono small' },
    { title: t.opened, sort: 'createdAt', cell: (c) => formatDate(c.createdAt) },
  ];
}

/** Cases, paged by the server, filtered by status. */
export function CasesList(props: ListCardProps & { name: string }) {
  const t = useTexts(T);
  const [status, setStatus] = useState<CaseStatus | ''>('');
  return (
    <>
      <div class="row">
        <Select<CaseStatus | ''> label={t.statusFilter} name={`${props.name}-status`} value={status} options={[{ value: '', label: t.all }, ...CASE_STATUSES.map((s) => ({ value: s, label: s }))]} onChange={setStatus} />
      </div>
      <ListTable<CaseView>
        keyring={props.keyring}
        component="ch"
        path="/cases"
        rowsKey="cases"
        filters={{ status }}
        columns={caseColumns(t)}
        defaultSort="number"
        rowId={(c) => c.caseNumber}
        label={t.cases}
        csvName="cases.csv"
        {...(props.reloadKey !== undefined ? { reloadKey: props.reloadKey } : {})}
      />
    </>
  );
}

/** The pending cases the agent desk reviews: the table pages them; the page shown is told to `onRows`. */
export function PendingCasesList(props: ListCardProps & { onRows: (rows: CaseView[]) => void; label: string }) {
  const t = useTexts(T);
  return (
    <ListTable<CaseView>
      keyring={props.keyring}
      component="ch"
      path="/cases"
      rowsKey="cases"
      filters={{ status: 'pending' }}
      columns={caseColumns(t)}
      defaultSort="number"
      rowId={(c) => c.caseNumber}
      label={props.label}
      csvName="pending-cases.csv"
      limit={10}
      onRows={props.onRows}
      {...(props.reloadKey !== undefined ? { reloadKey: props.reloadKey } : {})}
    />
  );
}

/** License servers known to the clearinghouse, paged by the server, filtered by status. */
export function ServersList(props: ListCardProps) {
  const t = useTexts(T);
  const [status, setStatus] = useState<ActivationStatus | ''>('');
  const columns: ListColumn<ServerView>[] = [
    { title: t.serverId, sort: 'serverId', cell: (s) => s.serverId, class: 'mono small' },
    {
      title: t.status,
      sort: 'status',
      cell: (s) => (
        <>
          <Badge value={s.status} /> {s.statusReason ? <span class="hint">{s.statusReason}</span> : null}
        </>
      ),
    },
    { title: t.method, cell: (s) => s.method },
    { title: t.version, cell: (s) => s.serverVersion },
    { title: t.activated, sort: 'activatedAt', cell: (s) => formatDate(s.activatedAt) },
    { title: t.lastCheckIn, sort: 'lastCheckInAt', cell: (s) => formatDate(s.lastCheckInAt) },
  ];
  return (
    <>
      <div class="row">
        <Select<ActivationStatus | ''> label={t.statusFilter} name="servers-status" value={status} options={[{ value: '', label: t.all }, ...ACTIVATION_STATUSES.map((s) => ({ value: s, label: s }))]} onChange={setStatus} />
      </div>
      <ListTable<ServerView>
        keyring={props.keyring}
        component="ch"
        path="/servers"
        rowsKey="servers"
        filters={{ status }}
        columns={columns}
        defaultSort="activatedAt"
        rowId={(s) => s.serverId}
        label={t.servers}
        csvName="license-servers.csv"
        {...(props.reloadKey !== undefined ? { reloadKey: props.reloadKey } : {})}
      />
    </>
  );
}

interface HostRow {
  name: string;
  enrolledAt: string;
  allowed: boolean;
}

/** The session hosts enrolled with this license server, paged by the server, filtered by name. */
export function HostsList(props: ListCardProps) {
  const t = useTexts(T);
  const [name, setName] = useState('');
  const columns: ListColumn<HostRow>[] = [
    { title: t.hostName, sort: 'name', cell: (h) => h.name },
    { title: t.enrolled, sort: 'enrolledAt', cell: (h) => formatDate(h.enrolledAt) },
    { title: t.getsCals, cell: (h) => (h.allowed ? t.yes : t.notAllowed) },
  ];
  return (
    <>
      <div class="row">
        <TextInput label={t.nameFilter} name="hosts-name" value={name} onInput={setName} />
      </div>
      <ListTable<HostRow>
        keyring={props.keyring}
        component="ls"
        path="/hosts"
        rowsKey="hosts"
        filters={{ name: name.trim() }}
        columns={columns}
        defaultSort="name"
        rowId={(h) => h.name}
        label={t.hosts}
        csvName="session-hosts.csv"
        {...(props.reloadKey !== undefined ? { reloadKey: props.reloadKey } : {})}
      />
    </>
  );
}

/** This session host's admissions and refusals, paged by the server, filtered by outcome, device and user. */
export function AdmissionsList(props: ListCardProps) {
  const t = useTexts(T);
  const [outcome, setOutcome] = useState<AdmissionOutcome | ''>('');
  const [device, setDevice] = useState('');
  const [user, setUser] = useState('');
  const outcomeLabel: Record<AdmissionOutcome, string> = { admitted: t.outcomeAdmitted, cal: t.outcomeCal, grace: t.outcomeGrace, refused: t.outcomeRefused };
  const columns: ListColumn<AdmissionRecord & { id: number }>[] = [
    { title: t.time, sort: 'at', cell: (a) => formatDate(a.at), class: 'time' },
    { title: t.device, sort: 'device', cell: (a) => a.device },
    { title: t.user, sort: 'user', cell: (a) => a.user ?? '' },
    {
      title: t.outcome,
      cell: (a) => (
        <>
          {a.admitted && a.basis === 'grace' ? (
            <span class="badge warning" data-basis="grace">
              {t.withoutCal}
            </span>
          ) : (
            <Badge value={a.admitted ? 'admitted' : 'refused'} />
          )}{' '}
          {a.basis === 'grace' ? t.graceOnly : (a.basis ?? '')}
        </>
      ),
    },
    { title: t.cal, cell: (a) => `${a.calKind ?? ''} ${a.calVersion ?? ''}`.trim() },
    {
      title: t.message,
      cell: (a) => (
        <>
          {a.code ? <code>{a.code}</code> : null} {a.message ?? ''}
        </>
      ),
    },
  ];
  return (
    <>
      <div class="row">
        <Select<AdmissionOutcome | ''> label={t.outcomeFilter} name="admissions-outcome" value={outcome} options={[{ value: '', label: t.all }, ...ADMISSION_OUTCOMES.map((o) => ({ value: o, label: outcomeLabel[o] }))]} onChange={setOutcome} />
        <TextInput label={t.deviceFilter} name="admissions-device" value={device} onInput={setDevice} />
        <TextInput label={t.userFilter} name="admissions-user" value={user} onInput={setUser} />
      </div>
      <div data-testid="admissions">
        <ListTable<AdmissionRecord & { id: number }>
          keyring={props.keyring}
          component="sh"
          path="/admissions"
          rowsKey="admissions"
          filters={{ outcome, device: device.trim(), user: user.trim() }}
          columns={columns}
          defaultSort="-at"
          rowId={(a) => a.id}
          label={t.admissions}
          csvName="admissions.csv"
          {...(props.reloadKey !== undefined ? { reloadKey: props.reloadKey } : {})}
        />
      </div>
    </>
  );
}
