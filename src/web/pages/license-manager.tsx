/**
 * The license manager (licmgr.exe): status and identity, the activation wizard (auto / web / phone), install
 * licenses (pack key or key pack ID), migration code, key packs, issued licenses with revoke and its 20 %
 * budget, rebuild with its guard, deactivate, session hosts and events.
 */
import type {
  ActivationView as Activation,
  CheckInResult,
  DeactivationReceipt,
  HostList,
  IssuedList,
  JoinToken,
  KeyPackView as KeyPack,
  LicenseServerStatus as Status,
  MigrationCodeAnswer,
  RebuildAnswer,
  RevokeAnswer,
} from '../../core/wire/license-server';
import { useState } from 'preact/hooks';
import { revokeBudgets } from '../../core/license-server-rules';
import { CAL_KINDS, MIGRATION_REASONS, REACTIVATION_REASONS, type MigrationReason, type ReactivationReason } from '../../core/vocabulary';
import { ISSUED_SORTS, type IssuedSortName } from '../../core/issued-list';
import { api, apiText, grantFor, tokenFor, type ApiError, type ApiResult } from '../api';
import type { PageProps } from '../app';
import { Badge, CarriedNote, Card, CodeField, ConfirmLoss, Copyable, Empty, formatDate, Refusal, Select, TableHead, TextInput, typedCode, useLoad, type TypedCode } from '../ui';
import { carry, useCarried } from '../carry';
import { NextStep, useLoss } from '../guided';
import { EventsCard, emptyProgramFields, ProgramInputs, programData, TokensCard, useWrite } from './shared';
import { ServerTree } from './server-tree';
import { HostsList } from './list-cards';



function Identity(props: { status: Status; onCheckIn: () => void; canWrite: boolean; checkIn: { busy: boolean; error: ApiError | undefined } }) {
  const s = props.status;
  const a = s.activation;
  return (
    <Card title="License server" id="server">
      <dl class="facts">
        <dt>License server ID</dt>
        <dd>
          <Copyable value={s.serverId} label="license server ID" testId="license-server-id" />
        </dd>
        <dt>Product ID</dt>
        <dd>
          <Copyable value={s.productId} label="product ID" testId="product-id" />
        </dd>
        <dt>Version</dt>
        <dd>Windows Server {s.version}</dd>
        <dt>Activation</dt>
        <dd data-testid="activation-status">
          <Badge value={a.expired ? 'expired' : a.status} /> {a.method ? `by ${a.method}` : ''} {a.activatedAt ? `on ${formatDate(a.activatedAt)}` : ''}
          {a.expiresAt ? `, valid until ${formatDate(a.expiresAt)}` : ''} {a.reason ? <span class="hint">({a.reason})</span> : null}
          {a.provisional ? (
            <span data-testid="activation-provisional">
              {' '}
              <Badge value={a.provisional.state} />
            </span>
          ) : null}
          {a.provisional?.state === 'lapsed' ? (
            <div class="hint">
              Activated from a typed confirmation and no certificate arrived by {formatDate(a.provisional.until)}: only temporary CALs are issued. Check in with the
              clearinghouse, or import the file it exports for this server.
            </div>
          ) : a.status === 'activated' && !a.certificate ? (
            <div class="hint">
              The certificate arrives at the next check-in with the clearinghouse{a.provisional ? ` (provisional until ${formatDate(a.provisional.until)})` : ''}.
            </div>
          ) : null}
        </dd>
        <dt>Issued now</dt>
        <dd>
          {s.issued.temporary} temporary, {s.issued.permanent} permanent, {s.issued.user} per-user
        </dd>
        <dt>Clearinghouse</dt>
        <dd>
          {s.clearinghouse.url ?? 'none configured'}
          {s.clearinghouse.lastCheckInAt ? ` · last check-in ${formatDate(s.clearinghouse.lastCheckInAt)} (${s.clearinghouse.lastCheckInResult ?? '—'})` : ' · never checked in'}
        </dd>
      </dl>
      {props.canWrite ? (
        <button type="button" class="secondary" onClick={props.onCheckIn} disabled={props.checkIn.busy}>
          Check in now
        </button>
      ) : null}
      <Refusal error={props.checkIn.error} />
    </Card>
  );
}

function ActivationWizard(props: PageProps & { status: Status; onDone: () => void }) {
  const a = props.status.activation;
  const reactivating = a.status !== 'unactivated' || a.expired;
  const [method, setMethod] = useState<'auto' | 'web' | 'phone'>('auto');
  const orgTokenSignedIn = tokenFor(props.keyring, 'ch', ['ch:org']);
  const [useSignedIn, setUseSignedIn] = useState(orgTokenSignedIn !== undefined);
  const [orgToken, setOrgToken] = useState('');
  const [company, setCompany] = useState({ firstName: '', lastName: '', company: '', country: '' });
  const [confirmation, setConfirmation] = useState<TypedCode>({ value: '' });
  const [reason, setReason] = useState<ReactivationReason>('redeployed');
  const token = useSignedIn && orgTokenSignedIn ? orgTokenSignedIn : orgToken.trim();
  const act = useWrite(
    props,
    'ls',
    () => {
      if (reactivating) {
        const body = method === 'auto' ? { reason, method, orgToken: token } : { reason, method, confirmation: confirmation.value };
        return api<Activation>(props.keyring, 'ls', 'POST', '/reactivate', body);
      }
      const body = method === 'auto' ? { method, orgToken: token, company } : { method, confirmation: confirmation.value };
      return api<Activation>(props.keyring, 'ls', 'POST', '/activate', body);
    },
    props.onDone,
  );
  const set = (k: keyof typeof company) => (v: string) => setCompany({ ...company, [k]: v });
  const ready = method === 'auto' ? token !== '' && (reactivating || Object.values(company).every((v) => v.trim() !== '')) : confirmation.check?.state === 'valid';

  function WizardBody() {
    return (
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) void act.go();
        }}
      >
        <fieldset class="choice">
          <legend>Connection method</legend>
          {(['auto', 'web', 'phone'] as const).map((m) => (
            <label class="inline">
              <input type="radio" name="activation-method" value={m} checked={method === m} onChange={() => setMethod(m)} />{' '}
              {m === 'auto' ? 'Automatic connection (recommended)' : m === 'web' ? 'Web browser' : 'Telephone'}
            </label>
          ))}
        </fieldset>
        {reactivating ? <Select label="Reason" name="reason" value={reason} options={REACTIVATION_REASONS} onChange={setReason} /> : null}
        {method === 'auto' ? (
          <>
            {orgTokenSignedIn ? (
              <label class="inline">
                <input type="checkbox" checked={useSignedIn} onChange={(e) => setUseSignedIn((e.currentTarget as HTMLInputElement).checked)} /> Use the organization
                token I signed in with
              </label>
            ) : null}
            {!useSignedIn || !orgTokenSignedIn ? (
              <TextInput label="Organization token" name="orgToken" type="password" value={orgToken} onInput={setOrgToken} hint="The clearinghouse token of your organization (ch:org)." />
            ) : null}
            {!reactivating ? (
              <div class="row">
                <TextInput label="First name" name="firstName" value={company.firstName} onInput={set('firstName')} required />
                <TextInput label="Last name" name="lastName" value={company.lastName} onInput={set('lastName')} required />
                <TextInput label="Company" name="company" value={company.company} onInput={set('company')} required />
                <TextInput label="Country" name="country" value={company.country} onInput={set('country')} required />
              </div>
            ) : null}
          </>
        ) : (
          <>
            <p>
              {method === 'web' ? 'On the portal (Activate a license server), type this product ID:' : 'Read this product ID to the clearinghouse agent, group by group:'}
            </p>
            <p>
              <Copyable value={props.status.productId} label="product ID" />
            </p>
            <CodeField
              label={method === 'web' ? 'Activation confirmation from the portal' : 'Activation confirmation the agent reads back'}
              kinds="activationConfirmation"
              name="confirmation"
              code={confirmation}
              onChange={setConfirmation}
            />
          </>
        )}
        <button type="submit" disabled={!ready || act.busy}>
          {reactivating ? 'Reactivate' : 'Activate'}
        </button>
      </form>
    );
  }

  if (a.status === 'activated' && !a.expired && !act.result) {
    return (
      <Card title="Activation" id="activation">
        <p>
          This license server is activated ({a.method}). Reactivate it only with a reason (redeployed, certificate corrupt, key compromised, certificate expired,
          upgraded).
        </p>
        <details>
          <summary>Reactivate</summary>
          {WizardBody()}
          <Refusal error={act.error} />
        </details>
      </Card>
    );
  }
  return (
    <Card title={reactivating ? 'Reactivate the server' : 'Activate the server'} id="activation">
      {WizardBody()}
      <Refusal error={act.error} />
      {act.result ? (
        <div class="alert ok" role="status">
          Activation: <Badge value={act.result.status} /> ({act.result.method}).
        </div>
      ) : null}
    </Card>
  );
}

function InstallLicenses(props: PageProps & { onDone: () => void }) {
  const [by, setBy] = useState<'keyPackId' | 'packKey'>('keyPackId');
  const [keyPackId, setKeyPackId] = useState<TypedCode>({ value: '' });
  const [method, setMethod] = useState<'web' | 'phone'>('web');
  const [packKey, setPackKey] = useState<TypedCode>({ value: '' });
  const [program, setProgram] = useState(emptyProgramFields('select'));
  // pre-filled with what another page produced (the key pack ID read back at the agent desk or shown by the portal)
  const carriedKeyPackId = useCarried('keyPackId', (v) => setKeyPackId(typedCode(v, 'keyPackId')));
  useCarried('keyPackMethod', (v) => (v === 'web' || v === 'phone') && setMethod(v));
  const carriedPackKey = useCarried('packKey', (v) => setPackKey(typedCode(v, 'packKey')));
  const install = useWrite(
    props,
    'ls',
    () => {
      // the pack key and its program data go on to the portal's migration when this server is refused "already activated"
      if (by === 'packKey') carry({ packKey: packKey.value, program: program.program, ...programData(program) }, 'license-manager');
      return api<KeyPack>(props.keyring, 'ls', 'POST', '/key-packs', by === 'keyPackId' ? { keyPackId: keyPackId.value, method } : { packKey: packKey.value, ...programData(program) });
    },
    props.onDone,
  );
  const ready = by === 'keyPackId' ? keyPackId.check?.state === 'valid' : packKey.check?.state === 'valid';
  return (
    <Card title="Install licenses" id="install">
      <fieldset class="choice">
        <legend>Install by</legend>
        <label class="inline">
          <input type="radio" name="install-by" checked={by === 'keyPackId'} onChange={() => setBy('keyPackId')} /> Key pack ID (from the portal or the agent)
        </label>
        <label class="inline">
          <input type="radio" name="install-by" checked={by === 'packKey'} onChange={() => setBy('packKey')} /> Pack key (automatic connection)
        </label>
      </fieldset>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) void install.go();
        }}
      >
        {by === 'keyPackId' ? (
          <>
            <CodeField label="Key pack ID" kinds="keyPackId" name="keyPackId" code={keyPackId} onChange={setKeyPackId} />
            <CarriedNote carried={carriedKeyPackId} current={keyPackId.value} what="keyPackId" />
            <Select
              label="Obtained by"
              name="method"
              value={method}
              options={[
                { value: 'web' as const, label: 'Web (portal)' },
                { value: 'phone' as const, label: 'Telephone (agent)' },
              ]}
              onChange={setMethod}
            />
          </>
        ) : (
          <>
            <CodeField label="Pack key" kinds="packKey" name="packKey" code={packKey} onChange={setPackKey} />
            <CarriedNote carried={carriedPackKey} current={packKey.value} what="packKey" />
            <ProgramInputs value={program} onChange={setProgram} />
          </>
        )}
        <button type="submit" disabled={!ready || install.busy}>
          Install
        </button>
      </form>
      <Refusal error={install.error} />
      {install.error?.code === 'PACK_ALREADY_ACTIVATED' ? <NextStep target="ls-migration-code" keyring={props.keyring} /> : null}
      {install.result ? (
        <div class="alert ok" role="status" data-testid="installed-key-pack">
          Installed key pack {install.result.pack}: {install.result.total} {install.result.calType === 'device' ? 'Per Device' : 'Per User'} CALs, Windows Server{' '}
          {install.result.calVersion} ({install.result.program}).
          {!install.result.grant ? ' The grant arrives at the next check-in.' : ''}
        </div>
      ) : null}
    </Card>
  );
}

function MigrationCode(props: PageProps) {
  const [reason, setReason] = useState<MigrationReason>('reinstalled');
  const [source, setSource] = useState<TypedCode>({ value: '' });
  const carriedSource = useCarried('sourceServerId', (v) => setSource(typedCode(v, 'licenseServerId')));
  const make = useWrite(
    props,
    'ls',
    () => api<MigrationCodeAnswer>(props.keyring, 'ls', 'POST', '/migration-code', { reason, ...(source.value.trim() ? { sourceId: source.value } : {}) }),
    (a) => carry({ migrationCode: a.migrationCode }, 'license-manager'),
  );
  const ready = source.value.trim() === '' || source.check?.state === 'valid';
  return (
    <Card title="Migration code" id="migration-code">
      <p class="hint">Made by this (new) license server; type it on the portal (Manage CALs → Migrate) with the pack key, or read it to the agent.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) void make.go();
        }}
      >
        <Select
          label="Reason"
          name="migrationReason"
          value={reason}
          options={MIGRATION_REASONS.map((r) => ({ value: r, label: r === 'replaced' ? 'Replaced' : r === 'not-functioning' ? 'No longer functioning' : 'Reinstalled' }))}
          onChange={setReason}
        />
        <CodeField
          label="Old license server ID (optional)"
          kinds="licenseServerId"
          name="sourceId"
          code={source}
          onChange={setSource}
          hint="35 characters, if you still have it."
        />
        <CarriedNote carried={carriedSource} current={source.value} what="sourceServerId" />
        <button type="submit" disabled={!ready || make.busy}>
          Make the migration code
        </button>
      </form>
      <Refusal error={make.error} />
      {make.result ? (
        <div class="alert ok" role="status">
          Migration code:
          <div>
            <Copyable value={make.result.migrationCode} label="migration code" testId="migration-code" />
          </div>
          <NextStep target="portal-migrate" keyring={props.keyring} />
        </div>
      ) : null}
    </Card>
  );
}

function KeyPacks(props: { packs: KeyPack[] }) {
  if (props.packs.length === 0) return <Empty>No key packs installed — 0 CALs. Install licenses above.</Empty>;
  return (
    <table>
      <TableHead columns={['Key pack', 'Program', 'Type', 'Version', 'Total', 'Issued', 'Available', 'Status', 'Installed']} />
      <tbody>
        {props.packs.map((k) => (
          <tr data-key-pack={k.pack}>
            <td>
              {k.pack}
              <span class="hint">·{k.seq}</span>
            </td>
            <td>{k.program}</td>
            <td>{k.calType === 'device' ? 'Per Device' : 'Per User'}</td>
            <td>{k.calVersion}</td>
            <td>{k.total}</td>
            <td>{k.issued}</td>
            <td data-testid={`available-${k.pack}`}>{k.available}</td>
            <td>
              <Badge value={k.status} />{' '}
              {k.provisional ? (
                <span data-testid={`provisional-${k.pack}`}>
                  <Badge value={k.provisional.state} />{' '}
                  <span class="hint">
                    {k.provisional.state === 'lapsed'
                      ? `no grant by ${formatDate(k.provisional.until)}: issues no CALs`
                      : `until ${formatDate(k.provisional.until)}: grant at next check-in`}
                  </span>
                </span>
              ) : !k.grant ? (
                <span class="hint">grant at next check-in</span>
              ) : null}
            </td>
            <td>
              {formatDate(k.installedAt)} ({k.method})
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A count as people read it: 18,461. */
const n = (v: number): string => v.toLocaleString('en-US');

/** Rows a page of the issued licenses table shows. */
const ISSUED_PAGE_SIZE = 50;

const SORT_LABELS: Record<IssuedSortName, string> = {
  issuedAt: 'Issued, oldest first',
  '-issuedAt': 'Issued, newest first',
  expiresAt: 'Expiry, soonest first',
  '-expiresAt': 'Expiry, latest first',
  device: 'Device, A to Z',
  '-device': 'Device, Z to A',
  user: 'User, A to Z',
  '-user': 'User, Z to A',
  pack: 'Pack, lowest first',
  '-pack': 'Pack, highest first',
  status: 'Status, A to Z',
  '-status': 'Status, Z to A',
};
const ISSUED_SORT_OPTIONS = ISSUED_SORTS.map((name) => ({ value: name, label: SORT_LABELS[name] }));

function IssuedLicenses(props: PageProps & { packs: KeyPack[]; canWrite: boolean; onChanged: () => void; now: number; refresh: number }) {
  const [type, setType] = useState<'' | (typeof CAL_KINDS)[number]>('');
  const [device, setDevice] = useState('');
  const [status, setStatus] = useState<'active' | 'all'>('active');
  const [pack, setPack] = useState('');
  const [expiresBefore, setExpiresBefore] = useState('');
  const [sort, setSort] = useState<IssuedSortName>('issuedAt');
  const [query, setQuery] = useState('status=active');
  // The cursors of the pages before this one (the first page has none): "previous" pops one.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const pageQuery = `?${query}&limit=${ISSUED_PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  // read again when the page reloads the status (a rebuild or a deactivation changes the issued licenses too)
  // The page and where it starts travel together: the count and the rows shown always belong to one answer.
  const list = useLoad(async (): Promise<ApiResult<IssuedList & { first: number }>> => {
    const r = await api<IssuedList>(props.keyring, 'ls', 'GET', `/issued${pageQuery}`);
    return r.ok ? { ok: true, value: { ...r.value, first: cursors.length * ISSUED_PAGE_SIZE } } : r;
  }, [pageQuery, props.refresh]);
  const [csvError, setCsvError] = useState<ApiError>();
  const downloadCsv = async () => {
    setCsvError(undefined);
    const csv = await apiText(props.keyring, 'ls', `/issued?${query}&format=csv`);
    if (!csv.ok) {
      setCsvError(csv.error);
      return;
    }
    const url = URL.createObjectURL(new Blob([csv.value], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'issued-licenses.csv';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const revoked = useLoad(() => api<IssuedList>(props.keyring, 'ls', 'GET', '/issued?status=revoked'), [query, props.refresh]);
  const revoke = useWrite(
    props,
    'ls',
    (d: string) => api<RevokeAnswer>(props.keyring, 'ls', 'POST', '/issued/revoke', { device: d }),
    () => {
      list.reload();
      revoked.reload();
      props.onChanged();
    },
  );
  const [confirming, setConfirming] = useState<string>();
  const loss = useLoss();
  const revokedCals = (revoked.data?.issued ?? []).filter((i) => i.calType === 'device').map((i) => ({ calVersion: i.calVersion, expiresAt: new Date(i.expiresAt) }));
  const budgets = revokeBudgets({ keyPacks: props.packs, revoked: revokedCals }, new Date(props.now)).map((b) => ({ ...b, version: b.calVersion, revoked: b.revokedLive }));
  const apply = (e: Event) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if (type) q.set('type', type);
    if (device.trim()) q.set('device', device.trim());
    if (/^[1-9][0-9]*$/.test(pack.trim())) q.set('pack', pack.trim());
    if (expiresBefore) q.set('expiresBefore', new Date(`${expiresBefore}T00:00:00Z`).toISOString());
    q.set('status', status);
    q.set('sort', sort);
    setQuery(q.toString());
    setCursors([]);
  };
  const shown = list.data?.issued.length ?? 0;
  const first = list.data?.first ?? 0;
  return (
    <Card title="Issued licenses" id="issued">
      {budgets.length > 0 ? (
        <p data-testid="revoke-budget">
          Revoke budget (at most 20 % of a version's installed per-device CALs, at least one, may be revoked at a time):{' '}
          {budgets.map((b) => `Windows Server ${b.version}: ${b.remaining} of ${b.limit} left (${b.revoked} revoked of ${b.installed} installed)`).join('; ')}.
        </p>
      ) : null}
      <form class="row" onSubmit={apply} aria-label="Filter issued licenses">
        <Select
          label="Type"
          name="type"
          value={type}
          options={[{ value: '' as const, label: 'All' }, ...CAL_KINDS.map((k) => ({ value: k, label: k }))]}
          onChange={setType}
        />
        <TextInput label="Device (name or hardware ID)" name="device" value={device} onInput={setDevice} />
        <Select
          label="Status"
          name="status"
          value={status}
          options={[
            { value: 'active' as const, label: 'Active' },
            { value: 'all' as const, label: 'All, with expired and revoked' },
          ]}
          onChange={setStatus}
        />
        <TextInput label="Pack number" name="pack" value={pack} onInput={setPack} />
        <TextInput label="Expiring before" name="expiresBefore" type="date" value={expiresBefore} onInput={setExpiresBefore} />
        <Select label="Sort by" name="sort" value={sort} options={ISSUED_SORT_OPTIONS} onChange={setSort} />
        <button type="submit">Filter</button>
      </form>
      <Refusal error={list.error} />
      <Refusal error={csvError} />
      {list.data ? (
        <div class="row" role="group" aria-label="Pages of issued licenses">
          <p data-testid="issued-count" data-total={list.data.total} data-first={shown > 0 ? first + 1 : 0} data-last={first + shown} data-loading={list.loading ? 'true' : 'false'} aria-live="polite" aria-busy={list.loading}>
            {shown > 0 ? `Rows ${n(first + 1)}–${n(first + shown)} of ${n(list.data.total)}` : `0 of ${n(list.data.total)}`}
          </p>
          <button type="button" class="secondary small" disabled={cursors.length === 0 || list.loading} onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous page
          </button>
          <button type="button" class="secondary small" disabled={!list.data.nextCursor || list.loading} onClick={() => list.data?.nextCursor && setCursors([...cursors, list.data.nextCursor])}>
            Next page
          </button>
          <button type="button" class="secondary small" onClick={() => void downloadCsv()}>
            Download CSV ({n(list.data.total)} rows)
          </button>
        </div>
      ) : null}
      <Refusal error={revoke.error} />
      {revoke.result ? (
        <div class="alert ok" role="status">
          Revoked the CAL of {revoke.result.revoked.device}; {revoke.result.revokable} more may be revoked now.
        </div>
      ) : null}
      {list.data && list.data.issued.length === 0 ? <Empty>No issued licenses match.</Empty> : null}
      {list.data && list.data.issued.length > 0 ? (
        <table data-testid="issued-table">
          <TableHead columns={['Device', 'User', 'Kind', 'Version', 'Pack', 'Issued', 'Expires', 'Status', <span class="sr-only">Actions</span>]} />
          <tbody>
            {list.data.issued.map((i) => (
              <tr data-device={i.device} data-kind={i.kind}>
                <td>
                  {i.device} <span class="hint mono">{i.hwid}</span>
                </td>
                <td>{i.user ?? ''}</td>
                <td>
                  {i.kind}
                  {i.kind === 'temporary' && i.validated ? <span class="hint"> (validated)</span> : null}
                </td>
                <td>{i.calVersion}</td>
                <td>{i.pack ?? '—'}</td>
                <td>{formatDate(i.issuedAt)}</td>
                <td>{formatDate(i.expiresAt)}</td>
                <td>
                  <Badge value={i.status} />
                </td>
                <td>
                  {props.canWrite && i.kind === 'permanent' && i.calType === 'device' && i.status === 'active' ? (
                    confirming === i.id ? (
                      <ConfirmLoss
                        loss={loss('revoke', { device: i.device })}
                        confirmLabel={loss('confirmRevoke', {})}
                        busy={revoke.busy}
                        onConfirm={() => void revoke.go(i.device).then(() => setConfirming(undefined))}
                        onCancel={() => setConfirming(undefined)}
                      />
                    ) : (
                      <button type="button" class="secondary small" onClick={() => setConfirming(i.id)} aria-label={`Revoke the CAL of ${i.device}`}>
                        Revoke
                      </button>
                    )
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Card>
  );
}

function Rebuild(props: PageProps & { onDone: () => void; packs: KeyPack[] }) {
  const [understood, setUnderstood] = useState(false);
  const loss = useLoss();
  const [force, setForce] = useState(false);
  const rebuild = useWrite(
    props,
    'ls',
    () => api<RebuildAnswer>(props.keyring, 'ls', 'POST', '/rebuild', force ? { force: true } : {}),
    () => {
      // done: the boxes are unticked again, so that a second rebuild needs a second confirmation
      setUnderstood(false);
      setForce(false);
      props.onDone();
    },
  );
  const guarded = rebuild.error?.code === 'REBUILD_WOULD_LOSE_PACKS' || force;
  return (
    <Card title="Rebuild the license database" id="rebuild">
      <p>
        Rebuilding deletes the installed key packs, the issued licenses and the activation; the license server ID stays the same. The server must then be
        reactivated and its packs reinstalled. <strong>Do not rebuild before the packs were reissued to this server</strong>: packs the clearinghouse does not hold
        for this server would not come back, so the rebuild is refused unless forced.
      </p>
      <p class="loss" data-testid="rebuild-loss">
        {loss('rebuild', { packs: props.packs.length, cals: props.packs.reduce((n, k) => n + k.total, 0) })}
      </p>
      <label class="inline">
        <input type="checkbox" checked={understood} onChange={(e) => setUnderstood((e.currentTarget as HTMLInputElement).checked)} /> I understand that key packs,
        issued licenses and the activation are deleted
      </label>
      {guarded ? (
        <label class="inline">
          <input type="checkbox" checked={force} onChange={(e) => setForce((e.currentTarget as HTMLInputElement).checked)} /> Rebuild anyway (force): the packs
          listed above will be lost
        </label>
      ) : null}
      <div>
        <button type="button" class="danger" disabled={!understood || rebuild.busy || (guarded && !force)} onClick={() => void rebuild.go()}>
          {force ? 'Force the rebuild' : 'Rebuild'}
        </button>
      </div>
      <Refusal error={rebuild.error} />
      {rebuild.result ? (
        <div class="alert ok" role="status">
          Rebuilt: {rebuild.result.keyPacksRemoved} key packs and {rebuild.result.issuedRemoved} issued licenses removed
          {rebuild.result.forced ? ' (forced)' : ''}; restored from the clearinghouse: activation {rebuild.result.restored.activated ? 'yes' : 'no'},{' '}
          {rebuild.result.restored.keyPacks} key packs.
          {rebuild.result.nextSteps.length > 0 ? (
            <ul>
              {rebuild.result.nextSteps.map((s) => (
                <li>{s}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}

function Deactivate(props: PageProps & { onDone: () => void; packs: KeyPack[] }) {
  const [confirm, setConfirm] = useState(false);
  const loss = useLoss();
  const go = useWrite(props, 'ls', () => api<DeactivationReceipt>(props.keyring, 'ls', 'POST', '/deactivate'), props.onDone);
  return (
    <Card title="Deactivate the server" id="deactivate">
      <p>Deactivation releases this server's packs so that another license server may receive them. It answers a deactivation receipt to keep.</p>
      {confirm ? (
        <ConfirmLoss
          loss={loss('deactivate', { packs: props.packs.filter((k) => k.status === 'active').length, cals: props.packs.filter((k) => k.status === 'active').reduce((n, k) => n + k.total, 0) })}
          confirmLabel={loss('confirmDeactivate', {})}
          busy={go.busy}
          onConfirm={() => void go.go().then(() => setConfirm(false))}
          onCancel={() => setConfirm(false)}
        />
      ) : (
        <button type="button" class="secondary" onClick={() => setConfirm(true)}>
          Deactivate…
        </button>
      )}
      <Refusal error={go.error} />
      {go.result ? (
        <div class="alert ok" role="status">
          {go.result.message}
          <div>
            Deactivation receipt: <Copyable value={go.result.receipt} label="deactivation receipt" testId="deactivation-receipt" />
          </div>
        </div>
      ) : null}
    </Card>
  );
}

function Hosts(props: PageProps & { canWrite: boolean }) {
  // the allow-list's state (the list of hosts itself pages in the table below)
  const hosts = useLoad(() => api<HostList>(props.keyring, 'ls', 'GET', '/hosts?limit=1'));
  const [listKey, setListKey] = useState(0);
  const [name, setName] = useState('');
  const carriedName = useCarried('hostName', setName);
  const join = useWrite(props, 'ls', () => api<JoinToken>(props.keyring, 'ls', 'POST', '/hosts', { name: name.trim() }), (j) => {
    carry({ joinToken: j.joinToken, licenseServerUrl: window.location.origin, hostName: j.name }, 'license-manager');
    hosts.reload();
    setListKey((n) => n + 1);
  });
  return (
    <Card title="Session hosts" id="hosts">
      <Refusal error={hosts.error} />
      {hosts.data ? (
        <>
          <p class="hint">
            RDS Endpoint Servers allow-list: {hosts.data.allowListEnabled ? `on (${hosts.data.allowList.join(', ') || 'empty'})` : 'off — every enrolled host gets CALs'}
          </p>
          <HostsList keyring={props.keyring} reloadKey={listKey} />
        </>
      ) : null}
      {props.canWrite ? (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) void join.go();
          }}
        >
          <div>
            <TextInput label="Session host name" name="hostName" value={name} onInput={setName} hint="Its computer name; the join token is for one enrolment." />
            <CarriedNote carried={carriedName} current={name} what="hostName" />
          </div>
          <button type="submit" disabled={!name.trim() || join.busy}>
            Make a join token
          </button>
        </form>
      ) : null}
      <Refusal error={join.error} />
      {join.result ? (
        <div class="alert ok" role="status">
          Join token for {join.result.name} (one use; enter it on the session host page):
          <div>
            <Copyable value={join.result.joinToken} label="join token" testId="join-token" />
          </div>
          <NextStep target="sh-enroll" keyring={props.keyring} />
        </div>
      ) : null}
    </Card>
  );
}

export function LicenseManager(props: PageProps) {
  const status = useLoad(() => api<Status>(props.keyring, 'ls', 'GET', '/status'));
  const canWrite = grantFor(props.keyring, 'ls')?.scope === 'ls:admin';
  const [refresh, setRefresh] = useState(0);
  const reload = () => {
    status.reload();
    setRefresh((n) => n + 1);
  };
  const checkIn = useWrite(props, 'ls', () => api<CheckInResult>(props.keyring, 'ls', 'POST', '/check-in'), reload);
  const now = status.data ? Date.now() : 0;
  return (
    <>
      <Refusal error={status.error} />
      {status.data ? (
        <>
          <Identity status={status.data} canWrite={canWrite} onCheckIn={() => void checkIn.go()} checkIn={checkIn} />
          <ServerTree {...props} status={status.data} />
          {canWrite ? <ActivationWizard {...props} status={status.data} onDone={reload} /> : null}
          {canWrite ? <InstallLicenses {...props} onDone={reload} /> : null}
          <Card title="Key packs" id="key-packs">
            <KeyPacks packs={status.data.keyPacks} />
          </Card>
          <IssuedLicenses {...props} packs={status.data.keyPacks} canWrite={canWrite} onChanged={reload} now={now} refresh={refresh} />
          {canWrite ? <MigrationCode {...props} /> : null}
          {canWrite ? <Hosts {...props} canWrite={canWrite} /> : null}
          {canWrite ? <TokensCard {...props} component="ls" /> : null}
          {canWrite ? <Rebuild {...props} onDone={reload} packs={status.data.keyPacks} /> : null}
          {canWrite ? <Deactivate {...props} onDone={reload} packs={status.data.keyPacks} /> : null}
        </>
      ) : null}
      <EventsCard id="events" keyring={props.keyring} component="ls" reloadKey={refresh} onRefresh={reload} />
    </>
  );
}

