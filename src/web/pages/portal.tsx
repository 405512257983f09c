/**
 * The activation portal of an organization ("Manage CALs"): install a pack on a license server (web), migrate
 * a pack to a new license server (migration code + pack key), web activation, deactivation receipts, and the
 * organization's packs, servers and cases.
 */
import type { CaseAnswer, ConfirmationAnswer, DeactivationAnswer, KeyPackIdAnswer, PackList } from '../../core/wire/clearinghouse';
import { useState } from 'preact/hooks';
import { CAL_TYPES, CAL_VERSIONS, PROGRAMS, type CalType, type CalVersion, type Program } from '../../core/vocabulary';
import { carry, formFromHash, useCarried } from '../carry';
import { NextStep } from '../guided';
import { api, grantFor } from '../api';
import type { PageProps } from '../app';
import { Badge, CarriedNote, Card, CodeField, Copyable, emptyCode, Loading, Refusal, Select, TableHead, TextInput, typedCode, useAction, useLoad, type TypedCode } from '../ui';
import { CasesList, ServersList } from './list-cards';
import { CalInputs, CaseOutcome, emptyProgramFields, ProgramInputs, programData, packRequestFields, TokensCard } from './shared';

const valid = (c: TypedCode) => c.check?.state === 'valid';

function ManageCals(props: PageProps & { onChanged: () => void }) {
  // the hash route names the form a link opened (#/portal/install), else Migrate
  const [mode, setMode] = useState<'install' | 'migrate'>(formFromHash() === 'install' ? 'install' : 'migrate');
  const [serverId, setServerId] = useState<TypedCode>(emptyCode());
  const [migrationCode, setMigrationCode] = useState<TypedCode>(emptyCode());
  const [packKey, setPackKey] = useState<TypedCode>(emptyCode());
  const [program, setProgram] = useState(emptyProgramFields('select'));
  const [cal, setCal] = useState<{ calType: CalType; calVersion: CalVersion }>({ calType: 'device', calVersion: 2019 });
  const [receipt, setReceipt] = useState<TypedCode>(emptyCode());
  const [proof, setProof] = useState('');
  // pre-filled with what the license manager made (the migration code) or was given (the pack key, the program data)
  const carriedServerId = useCarried('serverId', (v) => setServerId(typedCode(v, 'licenseServerId')));
  const carriedMigrationCode = useCarried('migrationCode', (v) => setMigrationCode(typedCode(v, 'migrationCode')));
  const carriedPackKey = useCarried('packKey', (v) => setPackKey(typedCode(v, 'packKey')));
  const carriedProgram = useCarried('program', (v) => (PROGRAMS as readonly string[]).includes(v) && setProgram((p) => ({ ...p, program: v as Program })));
  useCarried('agreementNumber', (v) => setProgram((p) => ({ ...p, agreementNumber: v })));
  useCarried('licenseNumber', (v) => setProgram((p) => ({ ...p, licenseNumber: v })));
  useCarried('authorizationNumber', (v) => setProgram((p) => ({ ...p, authorizationNumber: v })));
  useCarried('calType', (v) => (CAL_TYPES as readonly string[]).includes(v) && setCal((c) => ({ ...c, calType: v as CalType })));
  useCarried('calVersion', (v) => (CAL_VERSIONS as readonly number[]).includes(Number(v)) && setCal((c) => ({ ...c, calVersion: Number(v) as CalVersion })));

  const install = useAction(
    () => api<KeyPackIdAnswer>(props.keyring, 'ch', 'POST', '/portal/install', {
      serverId: serverId.value,
      packKey: packKey.value,
      ...programData(program),
    }),
    (a) => {
      carry({ keyPackId: a.keyPackId, keyPackMethod: 'web' }, 'portal');
      props.onChanged();
    },
  );
  const migrate = useAction(
    () =>
      api<CaseAnswer>(props.keyring, 'ch', 'POST', '/portal/migrate', {
        migrationCode: migrationCode.value,
        ...packRequestFields({ packKey, program, cal, receipt, proof }),
      }),
    (a) => {
      carry({ caseNumber: a.case.caseNumber, ...(a.case.keyPackId ? { keyPackId: a.case.keyPackId, keyPackMethod: 'web' } : {}) }, 'portal');
      props.onChanged();
    },
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
          <>
            <CodeField label="License server ID" kinds="licenseServerId" name="serverId" code={serverId} onChange={setServerId} hint="35 characters: License manager → server properties." />
            <CarriedNote carried={carriedServerId} current={serverId.value} what="serverId" />
          </>
        ) : (
          <>
          <CodeField
            label="Migration code"
            kinds="migrationCode"
            name="migrationCode"
            code={migrationCode}
            onChange={setMigrationCode}
            hint="45 characters, made by the new license server (License manager → Migration code)."
          />
            <CarriedNote carried={carriedMigrationCode} current={migrationCode.value} what="migrationCode" />
          </>
        )}
        <CodeField label="Pack key" kinds="packKey" name="packKey" code={packKey} onChange={setPackKey} hint="25 characters, from the purchase confirmation." />
        <CarriedNote carried={carriedPackKey} current={packKey.value} what="packKey" />
        {mode === 'migrate' ? <CalInputs calType={cal.calType} calVersion={cal.calVersion} onChange={setCal} /> : null}
        <ProgramInputs value={program} onChange={setProgram} />
        <CarriedNote carried={carriedProgram} current={program.program} what="program" />
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
              <NextStep target="ls-install" keyring={props.keyring} />
            </div>
          ) : null}
        </>
      ) : (
        <>
          <Refusal error={migrate.error} />
          {migrate.result ? <CaseOutcome c={migrate.result.case} /> : null}
          {migrate.result ? (
            migrate.result.case.status === 'approved' ? (
              <NextStep target="ls-install" keyring={props.keyring} />
            ) : migrate.result.case.status !== 'rejected' ? (
              <NextStep target="agent-case" keyring={props.keyring} carry={{ caseNumber: migrate.result.case.caseNumber }} from="portal" />
            ) : null
          ) : null}
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
  const [listsKey, setListsKey] = useState(0);
  const reload = () => {
    packs.reload();
    setListsKey((n) => n + 1);
  };
  return (
    <>
      <ManageCals {...props} onChanged={reload} />
      <Card title="Packs" id="packs">
        <Loading loaded={packs} empty={(d) => d.packs.length === 0} emptyText="No packs yet.">
          {(d) => (
          <table>
            <TableHead columns={['Pack', 'Program', 'CALs', 'Status', 'Active on license server']} />
            <tbody>
              {d.packs.map((p) => (
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
          )}
        </Loading>
      </Card>
      <Card title="License servers" id="servers">
        <ServersList keyring={props.keyring} reloadKey={listsKey} />
      </Card>
      <Card title="Cases" id="cases">
        <CasesList keyring={props.keyring} reloadKey={listsKey} name="portal-cases" />
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
