/**
 * The session host: licensing mode and its source, license servers and theirs, grace days left, enrolment,
 * recent admissions and refusals, the Windows configuration to copy (PowerShell / .reg / GPO / RDMS), and a
 * test device that connects with the CALs it holds (its license store lives in this browser tab).
 */
import type { Admission, AdmissionList, AdmissionRecord, HostEnrolment, RefreshReport, SessionHostStatus as HostStatus } from '../../core/wire/session-host';
import { useState } from 'preact/hooks';
import type { CalBundle, CalTokenPayload } from '../../core/protocol';
import { CONFIG_LAYERS, LICENSING_MODE_NAMES, type ConfigLayer, type LicensingMode } from '../../core/vocabulary';
import { EMIT_FORMATS, type EmitFormat } from '../../core/windows-config';
import { api, apiText, grantFor, type ApiError } from '../api';
import type { PageProps } from '../app';
import { Badge, CarriedNote, Card, Copyable, Empty, formatDate, Loading, Refusal, Select, TableHead, TextInput, useId, useLoad } from '../ui';
import { useCarried } from '../carry';
import { defineTexts, fill, useTexts } from '../i18n';

const GUIDED = defineTexts({
  en: {
    graceAdmissions: '{count} of the last {total} connections were admitted without a CAL, only because the grace period runs.',
    modeDevice: 'Per Device (2)',
    modeUser: 'Per User (4)',
    modeNone: 'Not configured (5)',
    notEnrolled: 'not enrolled',
    notAskedYet: 'The license server was not asked yet.',
    notVerified: 'enrolment not verified',
    checking: 'checking…',
    enrolled: 'enrolled',
    unreachable: 'unreachable from this host',
    enrolmentRefused: 'enrolment refused',
    noCal: 'no CAL: {code}',
    refused: 'refused',
    licensing: 'Licensing',
    sessionHost: 'Session host',
    licensingMode: 'Licensing mode',
    from: 'from {source}',
    licenseServers: 'License servers',
    noneSpecified: 'none specified',
    gracePeriod: 'Grace period',
    expired: 'expired',
    daysLeft: '{days} days left',
    ends: '(ends {date})',
    admittedWithoutCal: 'admitted without CAL',
    trustAnchor: 'Trust anchor',
    notFetched: 'not fetched yet',
    revocationList: 'Revocation list',
    received: '(received {date})',
    configure: 'Configure licensing',
    configureHint: 'The group policy wins over the deployment (RDMS), which wins over the local setting. A field left empty in a layer lets the next layer apply.',
    layer: 'Layer',
    layerPolicy: 'Group policy',
    layerDeployment: 'Deployment (RDMS)',
    layerLocal: 'Local',
    notSetInLayer: 'Not set in this layer',
    serversField: 'License servers (one per line, tried in order)',
    serversHint: "The license server's URL (origin), e.g. {origin}.",
    saveLayer: 'Save the {layer} layer',
    fromFile: 'This layer comes from the configuration file.',
    saved: 'Saved. Mode: {mode} from {modeSource}; license servers from {serversSource}.',
    enrol: 'Enrol on a license server',
    serverUrl: 'License server URL',
    joinToken: 'Join token',
    joinTokenHint: 'From the license manager (Session hosts → Make a join token).',
    enrolButton: 'Enrol',
    refreshTrust: 'Refresh trust anchor and revocation list',
    enrolledOn: 'Enrolled on {url}',
    enrolledServer: '(license server',
    emit: 'Configuration for Windows session hosts',
    format: 'Format',
    regFile: '.reg file',
    configurationOf: '{format} configuration',
    testDevice: 'Test device',
    testDeviceHint: 'Connect a test device as a client would: it presents the CALs it holds and keeps the CAL it is given (its license store is kept in this tab).',
    deviceName: 'Device name',
    hardwareId: 'Hardware ID',
    userField: 'User (per-user mode)',
    connect: 'Connect',
    refusedColon: 'Refused:',
    admittedNoCal: 'Admitted without a CAL',
    admitted: 'Admitted',
    onlyGrace: '— only because the grace period runs ({days} days left); after it this connection is refused',
    newCal: 'with a new {kind} CAL',
    heldCal: 'with the {kind} CAL it holds',
    validUntil: ' valid until {date}',
    fromServer: 'from license server',
    dropped: ' {count} CAL(s) from an invalidated server dropped.',
    storeOf: 'License store of {name}',
    noCalHeld: 'No CAL held.',
    colKind: 'Kind',
    colVersion: 'Version',
    colServer: 'License server',
    colExpires: 'Expires',
    clearStore: "Clear this device's license store",
    admissions: 'Recent admissions and refusals',
  },
  fr: {
    graceAdmissions: '{count} des {total} dernières connexions ont été admises sans CAL, seulement parce que la période de grâce court.',
    modeDevice: 'Par appareil (2)',
    modeUser: 'Par utilisateur (4)',
    modeNone: 'Non configuré (5)',
    notEnrolled: 'non inscrit',
    notAskedYet: 'Le serveur de licences n’a pas encore été interrogé.',
    notVerified: 'inscription non vérifiée',
    checking: 'vérification…',
    enrolled: 'inscrit',
    unreachable: 'injoignable depuis cet hôte',
    enrolmentRefused: 'inscription refusée',
    noCal: 'pas de CAL : {code}',
    refused: 'refusé',
    licensing: 'Gestion des licences',
    sessionHost: 'Hôte de session',
    licensingMode: 'Mode de licence',
    from: 'depuis {source}',
    licenseServers: 'Serveurs de licences',
    noneSpecified: 'aucun indiqué',
    gracePeriod: 'Période de grâce',
    expired: 'expirée',
    daysLeft: '{days} jours restants',
    ends: '(se termine le {date})',
    admittedWithoutCal: 'admis sans CAL',
    trustAnchor: 'Ancre de confiance',
    notFetched: 'pas encore récupérée',
    revocationList: 'Liste de révocation',
    received: '(reçue le {date})',
    configure: 'Configurer les licences',
    configureHint: 'La stratégie de groupe l’emporte sur le déploiement (RDMS), qui l’emporte sur le réglage local. Un champ laissé vide dans une couche laisse s’appliquer la couche suivante.',
    layer: 'Couche',
    layerPolicy: 'Stratégie de groupe',
    layerDeployment: 'Déploiement (RDMS)',
    layerLocal: 'Locale',
    notSetInLayer: 'Non défini dans cette couche',
    serversField: 'Serveurs de licences (un par ligne, essayés dans l’ordre)',
    serversHint: 'L’URL (origine) du serveur de licences, par exemple {origin}.',
    saveLayer: 'Enregistrer la couche {layer}',
    fromFile: 'Cette couche vient du fichier de configuration.',
    saved: 'Enregistré. Mode : {mode} depuis {modeSource} ; serveurs de licences depuis {serversSource}.',
    enrol: 'Inscrire sur un serveur de licences',
    serverUrl: 'URL du serveur de licences',
    joinToken: 'Jeton d’adhésion',
    joinTokenHint: 'Donné par le gestionnaire de licences (Hôtes de session → Créer un jeton d’adhésion).',
    enrolButton: 'Inscrire',
    refreshTrust: 'Actualiser l’ancre de confiance et la liste de révocation',
    enrolledOn: 'Inscrit sur {url}',
    enrolledServer: '(serveur de licences',
    emit: 'Configuration des hôtes de session Windows',
    format: 'Format',
    regFile: 'Fichier .reg',
    configurationOf: 'Configuration {format}',
    testDevice: 'Appareil de test',
    testDeviceHint: 'Connectez un appareil de test comme le ferait un client : il présente les CAL qu’il détient et garde la CAL qu’on lui donne (son magasin de licences est conservé dans cet onglet).',
    deviceName: 'Nom de l’appareil',
    hardwareId: 'ID matériel',
    userField: 'Utilisateur (mode par utilisateur)',
    connect: 'Connecter',
    refusedColon: 'Refusé :',
    admittedNoCal: 'Admis sans CAL',
    admitted: 'Admis',
    onlyGrace: '— seulement parce que la période de grâce court ({days} jours restants) ; après elle, cette connexion est refusée',
    newCal: 'avec une nouvelle CAL {kind}',
    heldCal: 'avec la CAL {kind} qu’il détient',
    validUntil: ' valide jusqu’au {date}',
    fromServer: 'du serveur de licences',
    dropped: ' {count} CAL d’un serveur invalidé abandonnée(s).',
    storeOf: 'Magasin de licences de {name}',
    noCalHeld: 'Aucune CAL détenue.',
    colKind: 'Nature',
    colVersion: 'Version',
    colServer: 'Serveur de licences',
    colExpires: 'Expire le',
    clearStore: 'Vider le magasin de licences de cet appareil',
    admissions: 'Admissions et refus récents',
  },
});
import { EventsCard, useWrite } from './shared';
import { AdmissionsList } from './list-cards';

type Texts = (typeof GUIDED)['en'];
const modeLabels = (t: Texts): Record<LicensingMode, string> => ({ 'per-device': t.modeDevice, 'per-user': t.modeUser, 'not-configured': t.modeNone });


/** One listed license server's answer to this host's dry-run CAL request (`POST /sh/v1/probe`). */
interface Probe {
  url: string;
  enrolled: boolean;
  outcome: 'would-issue' | 'refused' | 'unreachable' | 'not-enrolled' | 'not-asked';
  code?: string;
  message?: string;
  issue?: string;
}

/**
 * The enrolment badge says what the license server answered this host's own dry-run CAL request, never only that
 * a token is stored: green only when the server would issue a CAL to it now.
 */
function EnrolmentBadge(props: { enrolled: boolean; probe: Probe | undefined; probed: boolean }) {
  const t = useTexts(GUIDED);
  const p = props.probe;
  if (!props.enrolled) return <Badge value="not enrolled" label={t.notEnrolled} />;
  if (!p) return <span class="badge warning" data-probe="unknown" title={t.notAskedYet}>{props.probed ? t.notVerified : t.checking}</span>;
  if (p.outcome === 'would-issue') return <span class="badge enrolled" data-probe={p.outcome}>{t.enrolled}</span>;
  const label = p.outcome === 'unreachable' ? t.unreachable : p.code === 'UNAUTHENTICATED' || p.code === 'FORBIDDEN_SCOPE' || p.code === 'HOST_SIGNATURE_INVALID' ? t.enrolmentRefused : fill(t.noCal, { code: p.code ?? t.refused });
  return <span class="badge refused" data-probe={p.outcome} data-code={p.code ?? ''} title={p.message ?? ''}>{label}</span>;
}

function StatusCard(props: { s: HostStatus; probes?: Probe[]; probed?: boolean; admissions?: AdmissionRecord[] }) {
  const s = props.s;
  const t = useTexts(GUIDED);
  const graceOnly = (props.admissions ?? []).filter((a) => a.admitted && a.basis === 'grace').length;
  return (
    <Card title={t.licensing} id="licensing">
      <dl class="facts">
        <dt>{t.sessionHost}</dt>
        <dd>
          {s.hostName} — Windows Server {s.hostVersion}, {s.directory}
        </dd>
        <dt>{t.licensingMode}</dt>
        <dd data-testid="licensing-mode">
          {modeLabels(t)[s.mode]} <span class="hint">{fill(t.from, { source: s.modeSource })}</span>
        </dd>
        <dt>{t.licenseServers}</dt>
        <dd data-testid="license-servers">
          {s.licenseServers.length === 0 ? t.noneSpecified : null}
          <ol>
            {s.licenseServers.map((l) => (
              <li>
                {l.url} <EnrolmentBadge enrolled={l.enrolled} probe={props.probes?.find((p) => p.url === l.url)} probed={props.probed === true} />{' '}
                {l.serverId ? <span class="mono small">{l.serverId}</span> : null}
                {props.probes?.find((p) => p.url === l.url && p.outcome !== 'would-issue' && p.message) ? (
                  <div class="hint" data-testid="probe-message">{props.probes.find((p) => p.url === l.url)!.message}</div>
                ) : null}
              </li>
            ))}
          </ol>
          <span class="hint">{fill(t.from, { source: s.licenseServersSource })}</span>
        </dd>
        <dt>{t.gracePeriod}</dt>
        <dd data-testid="grace">
          {s.grace.expired ? <Badge value="expired" label={t.expired} /> : fill(t.daysLeft, { days: s.grace.daysLeft })} <span class="hint">{fill(t.ends, { date: formatDate(s.grace.endsAt) })}</span>
          {graceOnly > 0 ? (
            <div data-testid="grace-admissions">
              <span class="badge warning" data-basis="grace">{t.admittedWithoutCal}</span> {fill(t.graceAdmissions, { count: graceOnly, total: props.admissions!.length })}
            </div>
          ) : null}
        </dd>
        <dt>{t.trustAnchor}</dt>
        <dd class="mono small">{s.trustAnchor?.fingerprint ?? t.notFetched}</dd>
        <dt>{t.revocationList}</dt>
        <dd data-testid="revocation-list">
          {s.revocationListSeq === undefined ? t.notFetched : `#${s.revocationListSeq}`}
          {s.revocationList?.fetchedAt ? <span class="hint"> {fill(t.received, { date: formatDate(s.revocationList.fetchedAt) })}</span> : null}
        </dd>
      </dl>
      {s.problems.length > 0 ? (
        <div class="alert pending" role="status">
          <ul>
            {s.problems.map((p) => (
              <li data-code={p.code}>{p.message}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </Card>
  );
}

function Configure(props: PageProps & { s: HostStatus; onDone: () => void }) {
  const t = useTexts(GUIDED);
  const MODE_LABELS = modeLabels(t);
  const [layer, setLayer] = useState<ConfigLayer>('policy');
  const current = props.s.layers[layer];
  const [mode, setMode] = useState<LicensingMode | ''>(current?.mode ?? 'per-device');
  const [servers, setServers] = useState((current?.licenseServers ?? []).join('\n') || (props.s.licenseServers.length === 0 ? window.location.origin : ''));
  const serversId = useId('servers');
  // what the diagnoser planned: the mode of the CALs and the new license server first
  const carriedMode = useCarried('mode', (v) => (LICENSING_MODE_NAMES as readonly string[]).includes(v) && setMode(v as LicensingMode));
  const carriedServers = useCarried('licenseServers', setServers);
  const save = useWrite(
    props,
    'sh',
    () => {
      const list = servers.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);
      return api<HostStatus>(props.keyring, 'sh', 'PUT', '/config', { layer, mode: mode === '' ? null : mode, licenseServers: list.length ? list : null });
    },
    props.onDone,
  );
  return (
    <Card title={t.configure} id="configure">
      <p class="hint">{t.configureHint}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.go();
        }}
      >
        <div class="row">
          <Select
            label={t.layer}
            name="layer"
            value={layer}
            options={CONFIG_LAYERS.map((l) => ({ value: l, label: l === 'policy' ? t.layerPolicy : l === 'deployment' ? t.layerDeployment : t.layerLocal }))}
            onChange={(l) => {
              setLayer(l);
              setMode(props.s.layers[l]?.mode ?? '');
              setServers((props.s.layers[l]?.licenseServers ?? []).join('\n'));
            }}
          />
          <div>
            <Select
              label={t.licensingMode}
              name="mode"
              value={mode}
              options={[{ value: '' as const, label: t.notSetInLayer }, ...LICENSING_MODE_NAMES.map((m) => ({ value: m, label: MODE_LABELS[m] }))]}
              onChange={setMode}
            />
            <CarriedNote carried={carriedMode} current={mode} what="mode" />
          </div>
        </div>
        <label for={serversId}>{t.serversField}</label>
        <textarea id={serversId} name="licenseServers" rows={2} value={servers} onInput={(e) => setServers((e.currentTarget as HTMLTextAreaElement).value)} aria-describedby={`${serversId}-hint`} />
        <div id={`${serversId}-hint`} class="hint">
          {fill(t.serversHint, { origin: window.location.origin })}
        </div>
        <CarriedNote carried={carriedServers} current={servers} what="licenseServers" />
        <button type="submit" disabled={save.busy || props.s.layers[layer]?.fromFile === true}>
          {fill(t.saveLayer, { layer })}
        </button>
        {props.s.layers[layer]?.fromFile ? <span class="hint"> {t.fromFile}</span> : null}
      </form>
      <Refusal error={save.error} />
      {save.result ? (
        <div class="alert ok" role="status">
          {fill(t.saved, { mode: MODE_LABELS[save.result.mode], modeSource: save.result.modeSource, serversSource: save.result.licenseServersSource })}
        </div>
      ) : null}
    </Card>
  );
}

function Enroll(props: PageProps & { onDone: () => void }) {
  const t = useTexts(GUIDED);
  const [url, setUrl] = useState(window.location.origin);
  const [joinToken, setJoinToken] = useState('');
  // the join token the license manager just made, and that license server's URL
  const carriedUrl = useCarried('licenseServerUrl', setUrl);
  const carriedToken = useCarried('joinToken', setJoinToken);
  const enroll = useWrite(props, 'sh', () => api<HostEnrolment>(props.keyring, 'sh', 'POST', '/enroll', { licenseServerUrl: url.trim(), joinToken: joinToken.trim() }), props.onDone);
  const refresh = useWrite(props, 'sh', () => api<RefreshReport>(props.keyring, 'sh', 'POST', '/refresh'), props.onDone);
  return (
    <Card title={t.enrol} id="enroll">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (url.trim() && joinToken.trim()) void enroll.go();
        }}
      >
        <div class="row">
          <div>
            <TextInput label={t.serverUrl} name="licenseServerUrl" value={url} onInput={setUrl} />
            <CarriedNote carried={carriedUrl} current={url} what="licenseServerUrl" />
          </div>
          <div>
            <TextInput label={t.joinToken} name="joinToken" type="password" value={joinToken} onInput={setJoinToken} hint={t.joinTokenHint} />
            <CarriedNote carried={carriedToken} current={joinToken} what="joinToken" />
          </div>
        </div>
        <button type="submit" disabled={!url.trim() || !joinToken.trim() || enroll.busy}>
          {t.enrolButton}
        </button>
        <button type="button" class="secondary" disabled={refresh.busy} onClick={() => void refresh.go()}>
          {t.refreshTrust}
        </button>
      </form>
      <Refusal error={enroll.error} />
      <Refusal error={refresh.error} />
      {enroll.result ? (
        <div class="alert ok" role="status">
          {fill(t.enrolledOn, { url: enroll.result.licenseServerUrl })}
          {enroll.result.serverId ? (
            <>
              {' '}
              {t.enrolledServer} <span class="mono">{enroll.result.serverId}</span>)
            </>
          ) : null}
          .
        </div>
      ) : null}
    </Card>
  );
}

function Emit(props: PageProps & { version: number }) {
  const t = useTexts(GUIDED);
  const [format, setFormat] = useState<EmitFormat>('powershell');
  const text = useLoad(() => apiText(props.keyring, 'sh', `/emit?format=${format}`), [format, props.version]);
  const labels: Record<EmitFormat, string> = { powershell: 'PowerShell', reg: t.regFile, gpo: t.layerPolicy, rdms: 'RDMS (Set-RDLicenseConfiguration)' };
  return (
    <Card title={t.emit} id="emit">
      <div role="tablist" aria-label={t.format}>
        {EMIT_FORMATS.map((f) => (
          <button type="button" role="tab" aria-selected={format === f} class={format === f ? 'tab active' : 'tab secondary'} onClick={() => setFormat(f)}>
            {labels[f]}
          </button>
        ))}
      </div>
      <Loading loaded={text}>
        {(data) => (
        <>
          <pre data-testid="emitted" tabIndex={0} aria-label={fill(t.configurationOf, { format: labels[format] })}>
            {data}
          </pre>
          <Copyable value={data} label={fill(t.configurationOf, { format: labels[format] })} hidden />
        </>
        )}
      </Loading>
    </Card>
  );
}

// ---------------------------------------------------------------- the test device

const STORE_KEY = 'opencal.device-store';

type Store = Record<string, CalBundle[]>;

function loadStore(): Store {
  try {
    return JSON.parse(sessionStorage.getItem(STORE_KEY) ?? '{}') as Store;
  } catch {
    return {};
  }
}

function claimsOf(bundle: CalBundle): Partial<CalTokenPayload> {
  try {
    const part = bundle.token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((part.length + 3) % 4));
    return JSON.parse(json) as Partial<CalTokenPayload>;
  } catch {
    return {};
  }
}

function TestDevice(props: { onConnected: () => void; keyring: PageProps['keyring'] }) {
  const t = useTexts(GUIDED);
  const [store, setStore] = useState<Store>(loadStore());
  const [device, setDevice] = useState('PC-01');
  const [hwid, setHwid] = useState('');
  const [user, setUser] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [admission, setAdmission] = useState<Admission>();
  /** connections made from this form: the outcome shown is the one of the last */
  const [attempts, setAttempts] = useState(0);
  const name = device.trim();
  const held = store[name.toLowerCase()] ?? [];
  const effectiveHwid = hwid.trim() || `HWID-${name.toUpperCase()}`;
  const save = (next: Store) => {
    sessionStorage.setItem(STORE_KEY, JSON.stringify(next));
    setStore(next);
  };
  const connect = async () => {
    setBusy(true);
    setError(undefined);
    setAdmission(undefined);
    // the device presents its CALs, as a real client does; the console is its front end (the admin's token)
    const r = await api<Admission>(props.keyring, 'sh', 'POST', '/connect', { device: name, hwid: effectiveHwid, ...(user.trim() ? { user: user.trim() } : {}), cals: held });
    setBusy(false);
    setAttempts((n) => n + 1);
    props.onConnected();
    if (!r.ok) {
      setError(r.error);
      return;
    }
    setAdmission(r.value);
    let next = held.filter((b) => !r.value.discard.includes(String(claimsOf(b).jti)));
    if (r.value.bundle) {
      const fresh = claimsOf(r.value.bundle);
      next = [r.value.bundle, ...next.filter((b) => {
        const c = claimsOf(b);
        return !(c.iss === fresh.iss && c.calType === fresh.calType && c.user === fresh.user);
      })];
    }
    save({ ...store, [name.toLowerCase()]: next });
  };
  return (
    <Card title={t.testDevice} id="test-device">
      <p class="hint">{t.testDeviceHint}</p>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (name) void connect();
        }}
      >
        <TextInput label={t.deviceName} name="device" value={device} onInput={setDevice} required />
        <TextInput label={t.hardwareId} name="hwid" value={hwid} onInput={setHwid} placeholder={effectiveHwid} />
        <TextInput label={t.userField} name="user" value={user} onInput={setUser} />
        <button type="submit" disabled={!name || busy}>
          {t.connect}
        </button>
      </form>
      {error ? (
        <div class="alert error" role="alert" data-testid="connect-outcome" data-attempt={attempts} data-admitted="false" data-code={error.code}>
          <strong>{t.refusedColon}</strong> {error.message}
          <div class="hint">
            <code>{error.code}</code>
          </div>
        </div>
      ) : null}
      {admission ? (
        <div class={admission.basis === 'grace' ? 'alert pending' : 'alert ok'} role="status" data-testid="connect-outcome" data-attempt={attempts} data-admitted="true" data-kind={admission.kind ?? ''} data-basis={admission.basis}>
          <strong>{admission.basis === 'grace' ? t.admittedNoCal : t.admitted}</strong>{' '}
          {admission.basis === 'grace'
            ? fill(t.onlyGrace, { days: admission.graceDaysLeft ?? '' })
            : admission.basis === 'issued'
              ? fill(t.newCal, { kind: admission.kind ?? '' })
              : fill(t.heldCal, { kind: admission.kind ?? '' })}
          {admission.expiresAt ? fill(t.validUntil, { date: formatDate(admission.expiresAt) }) : ''}
          {admission.licenseServerId ? (
            <>
              {' '}
              {t.fromServer} <span class="mono small">{admission.licenseServerId}</span>
            </>
          ) : null}
          .{admission.discard.length > 0 ? fill(t.dropped, { count: admission.discard.length }) : ''}
          {admission.warning ? <div class="hint">{admission.warning.message}</div> : null}
        </div>
      ) : null}
      <h3>{fill(t.storeOf, { name: name || '—' })}</h3>
      {held.length === 0 ? (
        <Empty>{t.noCalHeld}</Empty>
      ) : (
        <table data-testid="device-store">
          <TableHead columns={[t.colKind, t.colVersion, t.colServer, t.colExpires]} />
          <tbody>
            {held.map((b) => {
              const c = claimsOf(b);
              return (
                <tr data-kind={c.kind}>
                  <td>{c.kind}</td>
                  <td>{c.calVersion}</td>
                  <td class="mono small">{c.iss}</td>
                  <td>{c.exp ? formatDate(new Date(c.exp * 1000).toISOString()) : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {held.length > 0 ? (
        <button type="button" class="secondary small" onClick={() => save({ ...store, [name.toLowerCase()]: [] })}>
          {t.clearStore}
        </button>
      ) : null}
    </Card>
  );
}

export function SessionHostPage(props: PageProps) {
  const t = useTexts(GUIDED);
  const status = useLoad(() => api<HostStatus>(props.keyring, 'sh', 'GET', '/status'));
  const admissions = useLoad(() => api<AdmissionList>(props.keyring, 'sh', 'GET', '/admissions?limit=20'));
  const [eventsKey, setEventsKey] = useState(0);
  const [admissionsKey, setAdmissionsKey] = useState(0);
  const probe = useLoad(() => api<{ probes: Probe[] }>(props.keyring, 'sh', 'POST', '/probe'));
  const [version, setVersion] = useState(0);
  const canWrite = grantFor(props.keyring, 'sh')?.scope === 'sh:admin';
  const reload = () => {
    status.reload();
    probe.reload();
    admissions.reload();
    setAdmissionsKey((n) => n + 1);
    setEventsKey((n) => n + 1);
    setVersion((v) => v + 1);
  };
  return (
    <>
      <Refusal error={status.error} />
      {status.data ? <StatusCard s={status.data} {...(probe.data ? { probes: probe.data.probes } : {})} {...(admissions.data ? { admissions: admissions.data.admissions } : {})} probed={!probe.loading} /> : null}
      {status.data && canWrite ? <Configure {...props} s={status.data} onDone={reload} /> : null}
      {canWrite ? <Enroll {...props} onDone={reload} /> : null}
      <TestDevice keyring={props.keyring} onConnected={() => {
        admissions.reload();
        setAdmissionsKey((n) => n + 1);
        setEventsKey((n) => n + 1);
      }} />
      <Card title={t.admissions} id="admissions">
        <AdmissionsList keyring={props.keyring} reloadKey={admissionsKey} />
      </Card>
      <Emit {...props} version={version} />
      <EventsCard id="sh-events" keyring={props.keyring} component="sh" reloadKey={eventsKey} onRefresh={reload} />
    </>
  );
}
