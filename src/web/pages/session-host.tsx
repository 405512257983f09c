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
  },
  fr: {
    graceAdmissions: '{count} des {total} dernières connexions ont été admises sans CAL, seulement parce que le délai de grâce court.',
  },
});
import { EventsCard, useWrite } from './shared';
import { AdmissionsList } from './list-cards';

const MODE_LABELS: Record<LicensingMode, string> = { 'per-device': 'Per Device (2)', 'per-user': 'Per User (4)', 'not-configured': 'Not configured (5)' };


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
  const p = props.probe;
  if (!props.enrolled) return <Badge value="not enrolled" />;
  if (!p) return <span class="badge warning" data-probe="unknown" title="The license server was not asked yet.">{props.probed ? 'enrolment not verified' : 'checking…'}</span>;
  if (p.outcome === 'would-issue') return <span class="badge enrolled" data-probe={p.outcome}>enrolled</span>;
  const label = p.outcome === 'unreachable' ? 'unreachable from this host' : p.code === 'UNAUTHENTICATED' || p.code === 'FORBIDDEN_SCOPE' || p.code === 'HOST_SIGNATURE_INVALID' ? 'enrolment refused' : `no CAL: ${p.code ?? 'refused'}`;
  return <span class="badge refused" data-probe={p.outcome} data-code={p.code ?? ''} title={p.message ?? ''}>{label}</span>;
}

function StatusCard(props: { s: HostStatus; probes?: Probe[]; probed?: boolean; admissions?: AdmissionRecord[] }) {
  const s = props.s;
  const t = useTexts(GUIDED);
  const graceOnly = (props.admissions ?? []).filter((a) => a.admitted && a.basis === 'grace').length;
  return (
    <Card title="Licensing" id="licensing">
      <dl class="facts">
        <dt>Session host</dt>
        <dd>
          {s.hostName} — Windows Server {s.hostVersion}, {s.directory}
        </dd>
        <dt>Licensing mode</dt>
        <dd data-testid="licensing-mode">
          {MODE_LABELS[s.mode]} <span class="hint">from {s.modeSource}</span>
        </dd>
        <dt>License servers</dt>
        <dd data-testid="license-servers">
          {s.licenseServers.length === 0 ? 'none specified' : null}
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
          <span class="hint">from {s.licenseServersSource}</span>
        </dd>
        <dt>Grace period</dt>
        <dd data-testid="grace">
          {s.grace.expired ? <Badge value="expired" /> : `${s.grace.daysLeft} days left`} <span class="hint">(ends {formatDate(s.grace.endsAt)})</span>
          {graceOnly > 0 ? (
            <div data-testid="grace-admissions">
              <span class="badge warning" data-basis="grace">admitted without CAL</span> {fill(t.graceAdmissions, { count: graceOnly, total: props.admissions!.length })}
            </div>
          ) : null}
        </dd>
        <dt>Trust anchor</dt>
        <dd class="mono small">{s.trustAnchor?.fingerprint ?? 'not fetched yet'}</dd>
        <dt>Revocation list</dt>
        <dd data-testid="revocation-list">
          {s.revocationListSeq === undefined ? 'not fetched yet' : `#${s.revocationListSeq}`}
          {s.revocationList?.fetchedAt ? <span class="hint"> (received {formatDate(s.revocationList.fetchedAt)})</span> : null}
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
    <Card title="Configure licensing" id="configure">
      <p class="hint">The group policy wins over the deployment (RDMS), which wins over the local setting. A field left empty in a layer lets the next layer apply.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.go();
        }}
      >
        <div class="row">
          <Select
            label="Layer"
            name="layer"
            value={layer}
            options={CONFIG_LAYERS.map((l) => ({ value: l, label: l === 'policy' ? 'Group policy' : l === 'deployment' ? 'Deployment (RDMS)' : 'Local' }))}
            onChange={(l) => {
              setLayer(l);
              setMode(props.s.layers[l]?.mode ?? '');
              setServers((props.s.layers[l]?.licenseServers ?? []).join('\n'));
            }}
          />
          <div>
            <Select
              label="Licensing mode"
              name="mode"
              value={mode}
              options={[{ value: '' as const, label: 'Not set in this layer' }, ...LICENSING_MODE_NAMES.map((m) => ({ value: m, label: MODE_LABELS[m] }))]}
              onChange={setMode}
            />
            <CarriedNote carried={carriedMode} current={mode} what="mode" />
          </div>
        </div>
        <label for={serversId}>License servers (one per line, tried in order)</label>
        <textarea id={serversId} name="licenseServers" rows={2} value={servers} onInput={(e) => setServers((e.currentTarget as HTMLTextAreaElement).value)} aria-describedby={`${serversId}-hint`} />
        <div id={`${serversId}-hint`} class="hint">
          The license server's URL (origin), e.g. {window.location.origin}.
        </div>
        <CarriedNote carried={carriedServers} current={servers} what="licenseServers" />
        <button type="submit" disabled={save.busy || props.s.layers[layer]?.fromFile === true}>
          Save the {layer} layer
        </button>
        {props.s.layers[layer]?.fromFile ? <span class="hint"> This layer comes from the configuration file.</span> : null}
      </form>
      <Refusal error={save.error} />
      {save.result ? (
        <div class="alert ok" role="status">
          Saved. Mode: {MODE_LABELS[save.result.mode]} from {save.result.modeSource}; license servers from {save.result.licenseServersSource}.
        </div>
      ) : null}
    </Card>
  );
}

function Enroll(props: PageProps & { onDone: () => void }) {
  const [url, setUrl] = useState(window.location.origin);
  const [joinToken, setJoinToken] = useState('');
  // the join token the license manager just made, and that license server's URL
  const carriedUrl = useCarried('licenseServerUrl', setUrl);
  const carriedToken = useCarried('joinToken', setJoinToken);
  const enroll = useWrite(props, 'sh', () => api<HostEnrolment>(props.keyring, 'sh', 'POST', '/enroll', { licenseServerUrl: url.trim(), joinToken: joinToken.trim() }), props.onDone);
  const refresh = useWrite(props, 'sh', () => api<RefreshReport>(props.keyring, 'sh', 'POST', '/refresh'), props.onDone);
  return (
    <Card title="Enrol on a license server" id="enroll">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (url.trim() && joinToken.trim()) void enroll.go();
        }}
      >
        <div class="row">
          <div>
            <TextInput label="License server URL" name="licenseServerUrl" value={url} onInput={setUrl} />
            <CarriedNote carried={carriedUrl} current={url} what="licenseServerUrl" />
          </div>
          <div>
            <TextInput label="Join token" name="joinToken" type="password" value={joinToken} onInput={setJoinToken} hint="From the license manager (Session hosts → Make a join token)." />
            <CarriedNote carried={carriedToken} current={joinToken} what="joinToken" />
          </div>
        </div>
        <button type="submit" disabled={!url.trim() || !joinToken.trim() || enroll.busy}>
          Enrol
        </button>
        <button type="button" class="secondary" disabled={refresh.busy} onClick={() => void refresh.go()}>
          Refresh trust anchor and revocation list
        </button>
      </form>
      <Refusal error={enroll.error} />
      <Refusal error={refresh.error} />
      {enroll.result ? (
        <div class="alert ok" role="status">
          Enrolled on {enroll.result.licenseServerUrl}
          {enroll.result.serverId ? (
            <>
              {' '}
              (license server <span class="mono">{enroll.result.serverId}</span>)
            </>
          ) : null}
          .
        </div>
      ) : null}
    </Card>
  );
}

function Emit(props: PageProps & { version: number }) {
  const [format, setFormat] = useState<EmitFormat>('powershell');
  const text = useLoad(() => apiText(props.keyring, 'sh', `/emit?format=${format}`), [format, props.version]);
  const labels: Record<EmitFormat, string> = { powershell: 'PowerShell', reg: '.reg file', gpo: 'Group policy', rdms: 'RDMS (Set-RDLicenseConfiguration)' };
  return (
    <Card title="Configuration for Windows session hosts" id="emit">
      <div role="tablist" aria-label="Format">
        {EMIT_FORMATS.map((f) => (
          <button type="button" role="tab" aria-selected={format === f} class={format === f ? 'tab active' : 'tab secondary'} onClick={() => setFormat(f)}>
            {labels[f]}
          </button>
        ))}
      </div>
      <Loading loaded={text}>
        {(data) => (
        <>
          <pre data-testid="emitted" tabIndex={0} aria-label={`${labels[format]} configuration`}>
            {data}
          </pre>
          <Copyable value={data} label={`${labels[format]} configuration`} hidden />
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
    <Card title="Test device" id="test-device">
      <p class="hint">Connect a test device as a client would: it presents the CALs it holds and keeps the CAL it is given (its license store is kept in this tab).</p>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (name) void connect();
        }}
      >
        <TextInput label="Device name" name="device" value={device} onInput={setDevice} required />
        <TextInput label="Hardware ID" name="hwid" value={hwid} onInput={setHwid} placeholder={effectiveHwid} />
        <TextInput label="User (per-user mode)" name="user" value={user} onInput={setUser} />
        <button type="submit" disabled={!name || busy}>
          Connect
        </button>
      </form>
      {error ? (
        <div class="alert error" role="alert" data-testid="connect-outcome" data-attempt={attempts} data-admitted="false" data-code={error.code}>
          <strong>Refused:</strong> {error.message}
          <div class="hint">
            <code>{error.code}</code>
          </div>
        </div>
      ) : null}
      {admission ? (
        <div class={admission.basis === 'grace' ? 'alert pending' : 'alert ok'} role="status" data-testid="connect-outcome" data-attempt={attempts} data-admitted="true" data-kind={admission.kind ?? ''} data-basis={admission.basis}>
          <strong>{admission.basis === 'grace' ? 'Admitted without a CAL' : 'Admitted'}</strong>{' '}
          {admission.basis === 'grace'
            ? `— only because the grace period runs (${admission.graceDaysLeft} days left); after it this connection is refused`
            : admission.basis === 'issued'
              ? `with a new ${admission.kind} CAL`
              : `with the ${admission.kind} CAL it holds`}
          {admission.expiresAt ? ` valid until ${formatDate(admission.expiresAt)}` : ''}
          {admission.licenseServerId ? (
            <>
              {' '}
              from license server <span class="mono small">{admission.licenseServerId}</span>
            </>
          ) : null}
          .{admission.discard.length > 0 ? ` ${admission.discard.length} CAL(s) from an invalidated server dropped.` : ''}
          {admission.warning ? <div class="hint">{admission.warning.message}</div> : null}
        </div>
      ) : null}
      <h3>License store of {name || '—'}</h3>
      {held.length === 0 ? (
        <Empty>No CAL held.</Empty>
      ) : (
        <table data-testid="device-store">
          <TableHead columns={['Kind', 'Version', 'License server', 'Expires']} />
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
          Clear this device's license store
        </button>
      ) : null}
    </Card>
  );
}

export function SessionHostPage(props: PageProps) {
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
      <Card title="Recent admissions and refusals" id="admissions">
        <AdmissionsList keyring={props.keyring} reloadKey={admissionsKey} />
      </Card>
      <Emit {...props} version={version} />
      <EventsCard id="sh-events" keyring={props.keyring} component="sh" reloadKey={eventsKey} onRefresh={reload} />
    </>
  );
}
