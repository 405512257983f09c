/**
 * The activation portal of an organization ("Manage CALs"): install a pack on a license server (web), migrate
 * a pack to a new license server (migration code + pack key), web activation, deactivation receipts, and the
 * organization's packs, servers and cases.
 */
import type { CaseAnswer, CaseList, ConfirmationAnswer, DeactivationAnswer, KeyPackIdAnswer, PackList, ServerList } from '../../core/wire/clearinghouse';
import { useState } from 'preact/hooks';
import { CAL_VERSIONS, type CalType, type CalVersion } from '../../core/vocabulary';
import { api, grantFor } from '../api';
import type { PageProps } from '../app';
import { Badge, Card, CodeField, Copyable, Empty, emptyCode, formatDate, Refusal, Select, TableHead, TextInput, useAction, useLoad, type TypedCode } from '../ui';
import { CalInputs, CaseOutcome, CaseTable, emptyProgramFields, ProgramInputs, programData, packRequestFields, TokensCard } from './shared';

const valid = (c: TypedCode) => c.check?.state === 'valid';

function ManageCals(props: PageProps & { onChanged: () => void }) {
  const [mode, setMode] = useState<'install' | 'migrate'>('migrate');
  const [serverId, setServerId] = useState<TypedCode>(emptyCode());
  const [migrationCode, setMigrationCode] = useState<TypedCode>(emptyCode());
  const [packKey, setPackKey] = useState<TypedCode>(emptyCode());
  const [program, setProgram] = useState(emptyProgramFields('select'));
  const [cal, setCal] = useState<{ calType: CalType; calVersion: CalVersion }>({ calType: 'device', calVersion: 2019 });
  const [receipt, setReceipt] = useState<TypedCode>(emptyCode());
  const [proof, setProof] = useState('');

  const install = useAction(
    () => api<KeyPackIdAnswer>(props.keyring, 'ch', 'POST', '/portal/install', {
      serverId: serverId.value,
      packKey: packKey.value,
      ...programData(program),
    }),
    props.onChanged,
  );
  const migrate = useAction(
    () =>
      api<CaseAnswer>(props.keyring, 'ch', 'POST', '/portal/migrate', {
        migrationCode: migrationCode.value,
        ...packRequestFields({ packKey, program, cal, receipt, proof }),
      }),
    props.onChanged,
  );
  const ready = mode === 'install' ? valid(serverId) && valid(packKey) : valid(migrationCode) && valid(packKey) && (receipt.value.trim() === '' || valid(receipt));

  return (
    <Card title="Manage CALs" id="manage-cals">
      <fieldset class="choice">
        <legend>What do you want to do?</legend>
        <label class="inline">
          <input type="radio" name="manage" value="install" checked={mode === 'install'} onChange={() => setMode('install')} /> Install — a pack that was never
          installed, on a license server of your organization
        </label>
        <label class="inline">
          <input type="radio" name="manage" value="migrate" checked={mode === 'migrate'} onChange={() => setMode('migrate')} /> Migrate — move a pack to a new or
          reinstalled license server
        </label>
      </fieldset>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!ready) return;
          if (mode === 'install') void install.go();
          else void migrate.go();
        }}
      >
        {mode === 'install' ? (
          <CodeField label="License server ID" kinds="licenseServerId" name="serverId" code={serverId} onChange={setServerId} hint="35 characters: License manager → server properties." />
        ) : (
          <CodeField
            label="Migration code"
            kinds="migrationCode"
            name="migrationCode"
            code={migrationCode}
            onChange={setMigrationCode}
            hint="45 characters, made by the new license server (License manager → Migration code)."
          />
        )}
        <CodeField label="Pack key" kinds="packKey" name="packKey" code={packKey} onChange={setPackKey} hint="25 characters, from the purchase confirmation." />
        {mode === 'migrate' ? <CalInputs calType={cal.calType} calVersion={cal.calVersion} onChange={setCal} /> : null}
        <ProgramInputs value={program} onChange={setProgram} />
        {mode === 'migrate' ? (
          <details>
            <summary>Optional evidence</summary>
            <CodeField
              label="Deactivation receipt of the old license server"
              kinds="deactivationReceipt"
              name="receipt"
              code={receipt}
              onChange={setReceipt}
              hint="35 characters; with it the migration is approved at once."
            />
            <TextInput label="Proof of purchase (retail)" name="proofOfPurchase" value={proof} onInput={setProof} hint="Invoice or receipt reference." />
          </details>
        ) : null}
        <button type="submit" disabled={!ready || install.busy || migrate.busy}>
          {mode === 'install' ? 'Install' : 'Migrate'}
        </button>
      </form>
      {mode === 'install' ? (
        <>
          <Refusal error={install.error} />
          {install.result ? (
            <div class="alert ok" role="status" data-testid="install-outcome">
              <strong>Installed</strong> — pack {install.result.keyPack.pack} ({install.result.keyPack.count} {install.result.keyPack.calType} CALs, Windows Server{' '}
              {install.result.keyPack.calVersion}). Type this key pack ID in the license manager:
              <div>
                <Copyable value={install.result.keyPackId} label="key pack ID" testId="key-pack-id" />
              </div>
            </div>
          ) : null}
        </>
      ) : (
        <>
          <Refusal error={migrate.error} />
          {migrate.result ? <CaseOutcome c={migrate.result.case} /> : null}
        </>
      )}
    </Card>
  );
}

function WebActivation(props: PageProps & { onChanged: () => void }) {
  const [productId, setProductId] = useState<TypedCode>(emptyCode());
  const [company, setCompany] = useState({ firstName: '', lastName: '', company: '', country: '' });
  const [version, setVersion] = useState<CalVersion>(2019);
  const act = useAction(
    () => api<ConfirmationAnswer>(props.keyring, 'ch', 'POST', '/portal/activate', { productId: productId.value, company, serverVersion: version }),
    props.onChanged,
  );
  const set = (k: keyof typeof company) => (v: string) => setCompany({ ...company, [k]: v });
  return (
    <Card title="Activate a license server (web)" id="web-activation">
      <p class="hint">For a license server that cannot reach the clearinghouse: type its product ID, then type the confirmation in its activation wizard.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (productId.check?.state === 'valid') void act.go();
        }}
      >
        <CodeField label="Product ID" kinds="productId" name="productId" code={productId} onChange={setProductId} />
        <div class="row">
          <TextInput label="First name" value={company.firstName} onInput={set('firstName')} required />
          <TextInput label="Last name" value={company.lastName} onInput={set('lastName')} required />
          <TextInput label="Company" value={company.company} onInput={set('company')} required />
          <TextInput label="Country" value={company.country} onInput={set('country')} required />
          <Select label="Server version" value={version} options={CAL_VERSIONS} onChange={setVersion} />
        </div>
        <button type="submit" disabled={productId.check?.state !== 'valid' || act.busy}>
          Get the activation confirmation
        </button>
      </form>
      <Refusal error={act.error} />
      {act.result ? (
        <div class="alert ok" role="status">
          License server <span class="mono">{act.result.licenseServerId}</span> is activated. Confirmation to type in its activation wizard:
          <div>
            <Copyable value={act.result.confirmation} label="activation confirmation" testId="activation-confirmation" />
          </div>
        </div>
      ) : null}
    </Card>
  );
}

function Deactivation(props: PageProps & { onChanged: () => void }) {
  const [receipt, setReceipt] = useState<TypedCode>(emptyCode());
  const go = useAction(() => api<DeactivationAnswer>(props.keyring, 'ch', 'POST', '/portal/deactivate', { receipt: receipt.value }), props.onChanged);
  return (
    <Card title="Record a deactivation receipt" id="deactivation">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (receipt.check?.state === 'valid') void go.go();
        }}
      >
        <CodeField label="Deactivation receipt" kinds="deactivationReceipt" name="receipt" code={receipt} onChange={setReceipt} hint="35 characters, shown by a license server when it deactivates." />
        <button type="submit" disabled={receipt.check?.state !== 'valid' || go.busy}>
          Record
        </button>
      </form>
      <Refusal error={go.error} />
      {go.result ? (
        <div class="alert ok" role="status">
          License server <span class="mono">{go.result.serverId}</span> is {go.result.status}; released packs: {go.result.releasedPacks.join(', ') || 'none'}.
        </div>
      ) : null}
    </Card>
  );
}

export function Portal(props: PageProps) {
  const packs = useLoad(() => api<PackList>(props.keyring, 'ch', 'GET', '/packs'));
  const servers = useLoad(() => api<ServerList>(props.keyring, 'ch', 'GET', '/servers'));
  const cases = useLoad(() => api<CaseList>(props.keyring, 'ch', 'GET', '/cases'));
  const reload = () => {
    packs.reload();
    servers.reload();
    cases.reload();
  };
  return (
    <>
      <ManageCals {...props} onChanged={reload} />
      <Card title="Packs" id="packs">
        <Refusal error={packs.error} />
        {packs.data && packs.data.packs.length === 0 ? <Empty>No packs yet.</Empty> : null}
        {packs.data && packs.data.packs.length > 0 ? (
          <table>
            <TableHead columns={['Pack', 'Program', 'CALs', 'Status', 'Active on license server']} />
            <tbody>
              {packs.data.packs.map((p) => (
                <tr data-pack={p.number}>
                  <td>{p.number}</td>
                  <td>{p.program}</td>
                  <td>
                    {p.count} × {p.calType === 'device' ? 'Per Device' : 'Per User'} {p.calVersion}
                  </td>
                  <td>
                    <Badge value={p.status} />
                  </td>
                  <td class="mono small">{p.serverId ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Card>
      <Card title="License servers" id="servers">
        <Refusal error={servers.error} />
        {servers.data && servers.data.servers.length === 0 ? <Empty>No license server activated yet.</Empty> : null}
        {servers.data && servers.data.servers.length > 0 ? (
          <table>
            <TableHead columns={['License server ID', 'Status', 'Method', 'Version', 'Activated', 'Last check-in']} />
            <tbody>
              {servers.data.servers.map((s) => (
                <tr>
                  <td class="mono small">{s.serverId}</td>
                  <td>
                    <Badge value={s.status} /> {s.statusReason ? <span class="hint">{s.statusReason}</span> : null}
                  </td>
                  <td>{s.method}</td>
                  <td>{s.serverVersion}</td>
                  <td>{formatDate(s.activatedAt)}</td>
                  <td>{formatDate(s.lastCheckInAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Card>
      <Card title="Cases" id="cases">
        <Refusal error={cases.error} />
        {cases.data && cases.data.cases.length === 0 ? <Empty>No cases.</Empty> : null}
        {cases.data && cases.data.cases.length > 0 ? <CaseTable cases={cases.data.cases} /> : null}
        <button type="button" class="secondary" onClick={reload}>
          Refresh
        </button>
      </Card>
      <WebActivation {...props} onChanged={reload} />
      <Deactivation {...props} onChanged={reload} />
      {['ch:org', 'ch:admin'].includes(grantFor(props.keyring, 'ch')?.scope ?? '') ? <TokensCard {...props} component="ch" /> : null}
    </>
  );
}
