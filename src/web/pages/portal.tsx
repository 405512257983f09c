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
import { defineTexts, fill, useTexts } from '../i18n';
import { CalInputs, CaseOutcome, emptyProgramFields, ProgramInputs, programData, packRequestFields, TokensCard } from './shared';

const T = defineTexts({
  en: {
    manageCals: 'Manage CALs',
    whatToDo: 'What do you want to do?',
    installChoice: 'Install — a pack that was never installed, on a license server of your organization',
    migrateChoice: 'Migrate — move a pack to a new or reinstalled license server',
    serverId: 'License server ID',
    serverIdHint: '35 characters: License manager → server properties.',
    migrationCode: 'Migration code',
    migrationCodeHint: '45 characters, made by the new license server (License manager → Migration code).',
    packKey: 'Pack key',
    packKeyHint: '25 characters, from the purchase confirmation.',
    evidence: 'Optional evidence',
    oldReceipt: 'Deactivation receipt of the old license server',
    oldReceiptHint: '35 characters; with it the migration is approved at once.',
    proof: 'Proof of purchase (retail)',
    proofHint: 'Invoice or receipt reference.',
    install: 'Install',
    migrate: 'Migrate',
    installed: 'Installed',
    installedText: 'pack {pack} ({count} {calType} CALs, Windows Server {calVersion}). Type this key pack ID in the license manager:',
    keyPackId: 'key pack ID',
    webActivation: 'Activate a license server (web)',
    webActivationHint: 'For a license server that cannot reach the clearinghouse: type its product ID, then type the confirmation in its activation wizard.',
    productId: 'Product ID',
    firstName: 'First name',
    lastName: 'Last name',
    company: 'Company',
    country: 'Country',
    serverVersion: 'Server version',
    getConfirmation: 'Get the activation confirmation',
    licenseServer: 'License server',
    activated: 'is activated. Confirmation to type in its activation wizard:',
    confirmationLabel: 'activation confirmation',
    deactivation: 'Record a deactivation receipt',
    receipt: 'Deactivation receipt',
    receiptHint: '35 characters, shown by a license server when it deactivates.',
    record: 'Record',
    deactivated: 'is {status}; released packs: {packs}.',
    none: 'none',
    packs: 'Packs',
    noPacks: 'No packs yet.',
    colPack: 'Pack',
    colProgram: 'Program',
    colCals: 'CALs',
    colStatus: 'Status',
    colActiveOn: 'Active on license server',
    perDevice: 'Per Device',
    perUser: 'Per User',
    servers: 'License servers',
    cases: 'Cases',
    refresh: 'Refresh',
  },
  fr: {
    manageCals: 'Gérer les CAL',
    whatToDo: 'Que voulez-vous faire ?',
    installChoice: 'Installer — un pack jamais installé, sur un serveur de licences de votre organisation',
    migrateChoice: 'Migrer — déplacer un pack vers un serveur de licences nouveau ou réinstallé',
    serverId: 'ID du serveur de licences',
    serverIdHint: '35 caractères : Gestionnaire de licences → propriétés du serveur.',
    migrationCode: 'Code de migration',
    migrationCodeHint: '45 caractères, produit par le nouveau serveur de licences (Gestionnaire de licences → Code de migration).',
    packKey: 'Clé du pack',
    packKeyHint: '25 caractères, dans la confirmation d’achat.',
    evidence: 'Justificatifs facultatifs',
    oldReceipt: 'Reçu de désactivation de l’ancien serveur de licences',
    oldReceiptHint: '35 caractères ; avec lui, la migration est approuvée aussitôt.',
    proof: 'Preuve d’achat (vente au détail)',
    proofHint: 'Référence de la facture ou du ticket.',
    install: 'Installer',
    migrate: 'Migrer',
    installed: 'Installé',
    installedText: 'pack {pack} ({count} CAL {calType}, Windows Server {calVersion}). Tapez cet ID de pack de licences dans le gestionnaire de licences :',
    keyPackId: 'ID de pack de licences',
    webActivation: 'Activer un serveur de licences (web)',
    webActivationHint: 'Pour un serveur de licences qui ne peut pas joindre le centre d’échange : tapez son ID de produit, puis tapez la confirmation dans son assistant d’activation.',
    productId: 'ID de produit',
    firstName: 'Prénom',
    lastName: 'Nom',
    company: 'Société',
    country: 'Pays',
    serverVersion: 'Version du serveur',
    getConfirmation: 'Obtenir la confirmation d’activation',
    licenseServer: 'Le serveur de licences',
    activated: 'est activé. Confirmation à taper dans son assistant d’activation :',
    confirmationLabel: 'confirmation d’activation',
    deactivation: 'Enregistrer un reçu de désactivation',
    receipt: 'Reçu de désactivation',
    receiptHint: '35 caractères, affiché par un serveur de licences lorsqu’il est désactivé.',
    record: 'Enregistrer',
    deactivated: 'est {status} ; packs libérés : {packs}.',
    none: 'aucun',
    packs: 'Packs',
    noPacks: 'Aucun pack pour l’instant.',
    colPack: 'Pack',
    colProgram: 'Programme',
    colCals: 'CAL',
    colStatus: 'État',
    colActiveOn: 'Actif sur le serveur de licences',
    perDevice: 'Par appareil',
    perUser: 'Par utilisateur',
    servers: 'Serveurs de licences',
    cases: 'Dossiers',
    refresh: 'Actualiser',
  },
});

const valid = (c: TypedCode) => c.check?.state === 'valid';

function ManageCals(props: PageProps & { onChanged: () => void }) {
  const t = useTexts(T);
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
    <Card title={t.manageCals} id="manage-cals">
      <fieldset class="choice">
        <legend>{t.whatToDo}</legend>
        <label class="inline">
          <input type="radio" name="manage" value="install" checked={mode === 'install'} onChange={() => setMode('install')} /> {t.installChoice}
        </label>
        <label class="inline">
          <input type="radio" name="manage" value="migrate" checked={mode === 'migrate'} onChange={() => setMode('migrate')} /> {t.migrateChoice}
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
            <CodeField label={t.serverId} kinds="licenseServerId" name="serverId" code={serverId} onChange={setServerId} hint={t.serverIdHint} />
            <CarriedNote carried={carriedServerId} current={serverId.value} what="serverId" />
          </>
        ) : (
          <>
          <CodeField
            label={t.migrationCode}
            kinds="migrationCode"
            name="migrationCode"
            code={migrationCode}
            onChange={setMigrationCode}
            hint={t.migrationCodeHint}
          />
            <CarriedNote carried={carriedMigrationCode} current={migrationCode.value} what="migrationCode" />
          </>
        )}
        <CodeField label={t.packKey} kinds="packKey" name="packKey" code={packKey} onChange={setPackKey} hint={t.packKeyHint} />
        <CarriedNote carried={carriedPackKey} current={packKey.value} what="packKey" />
        {mode === 'migrate' ? <CalInputs calType={cal.calType} calVersion={cal.calVersion} onChange={setCal} /> : null}
        <ProgramInputs value={program} onChange={setProgram} />
        <CarriedNote carried={carriedProgram} current={program.program} what="program" />
        {mode === 'migrate' ? (
          <details>
            <summary>{t.evidence}</summary>
            <CodeField
              label={t.oldReceipt}
              kinds="deactivationReceipt"
              name="receipt"
              code={receipt}
              onChange={setReceipt}
              hint={t.oldReceiptHint}
            />
            <TextInput label={t.proof} name="proofOfPurchase" value={proof} onInput={setProof} hint={t.proofHint} />
          </details>
        ) : null}
        <button type="submit" disabled={!ready || install.busy || migrate.busy}>
          {mode === 'install' ? t.install : t.migrate}
        </button>
      </form>
      {mode === 'install' ? (
        <>
          <Refusal error={install.error} />
          {install.result ? (
            <div class="alert ok" role="status" data-testid="install-outcome">
              <strong>{t.installed}</strong> —{' '}
              {fill(t.installedText, {
                pack: install.result.keyPack.pack,
                count: install.result.keyPack.count,
                calType: install.result.keyPack.calType,
                calVersion: install.result.keyPack.calVersion,
              })}
              <div>
                <Copyable value={install.result.keyPackId} label={t.keyPackId} testId="key-pack-id" />
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
  const t = useTexts(T);
  const [productId, setProductId] = useState<TypedCode>(emptyCode());
  const [company, setCompany] = useState({ firstName: '', lastName: '', company: '', country: '' });
  const [version, setVersion] = useState<CalVersion>(2019);
  const act = useAction(
    () => api<ConfirmationAnswer>(props.keyring, 'ch', 'POST', '/portal/activate', { productId: productId.value, company, serverVersion: version }),
    props.onChanged,
  );
  const set = (k: keyof typeof company) => (v: string) => setCompany({ ...company, [k]: v });
  return (
    <Card title={t.webActivation} id="web-activation">
      <p class="hint">{t.webActivationHint}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (productId.check?.state === 'valid') void act.go();
        }}
      >
        <CodeField label={t.productId} kinds="productId" name="productId" code={productId} onChange={setProductId} />
        <div class="row">
          <TextInput label={t.firstName} value={company.firstName} onInput={set('firstName')} required />
          <TextInput label={t.lastName} value={company.lastName} onInput={set('lastName')} required />
          <TextInput label={t.company} value={company.company} onInput={set('company')} required />
          <TextInput label={t.country} value={company.country} onInput={set('country')} required />
          <Select label={t.serverVersion} value={version} options={CAL_VERSIONS} onChange={setVersion} />
        </div>
        <button type="submit" disabled={productId.check?.state !== 'valid' || act.busy}>
          {t.getConfirmation}
        </button>
      </form>
      <Refusal error={act.error} />
      {act.result ? (
        <div class="alert ok" role="status">
          {t.licenseServer} <span class="mono">{act.result.licenseServerId}</span> {t.activated}
          <div>
            <Copyable value={act.result.confirmation} label={t.confirmationLabel} testId="activation-confirmation" />
          </div>
        </div>
      ) : null}
    </Card>
  );
}

function Deactivation(props: PageProps & { onChanged: () => void }) {
  const t = useTexts(T);
  const [receipt, setReceipt] = useState<TypedCode>(emptyCode());
  const go = useAction(() => api<DeactivationAnswer>(props.keyring, 'ch', 'POST', '/portal/deactivate', { receipt: receipt.value }), props.onChanged);
  return (
    <Card title={t.deactivation} id="deactivation">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (receipt.check?.state === 'valid') void go.go();
        }}
      >
        <CodeField label={t.receipt} kinds="deactivationReceipt" name="receipt" code={receipt} onChange={setReceipt} hint={t.receiptHint} />
        <button type="submit" disabled={receipt.check?.state !== 'valid' || go.busy}>
          {t.record}
        </button>
      </form>
      <Refusal error={go.error} />
      {go.result ? (
        <div class="alert ok" role="status">
          {t.licenseServer} <span class="mono">{go.result.serverId}</span> {fill(t.deactivated, { status: go.result.status, packs: go.result.releasedPacks.join(', ') || t.none })}
        </div>
      ) : null}
    </Card>
  );
}

export function Portal(props: PageProps) {
  const t = useTexts(T);
  const packs = useLoad(() => api<PackList>(props.keyring, 'ch', 'GET', '/packs'));
  const [listsKey, setListsKey] = useState(0);
  const reload = () => {
    packs.reload();
    setListsKey((n) => n + 1);
  };
  return (
    <>
      <ManageCals {...props} onChanged={reload} />
      <Card title={t.packs} id="packs">
        <Loading loaded={packs} empty={(d) => d.packs.length === 0} emptyText={t.noPacks}>
          {(d) => (
          <table>
            <TableHead columns={[t.colPack, t.colProgram, t.colCals, t.colStatus, t.colActiveOn]} />
            <tbody>
              {d.packs.map((p) => (
                <tr data-pack={p.number}>
                  <td>{p.number}</td>
                  <td>{p.program}</td>
                  <td>
                    {p.count} × {p.calType === 'device' ? t.perDevice : t.perUser} {p.calVersion}
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
      <Card title={t.servers} id="servers">
        <ServersList keyring={props.keyring} reloadKey={listsKey} />
      </Card>
      <Card title={t.cases} id="cases">
        <CasesList keyring={props.keyring} reloadKey={listsKey} name="portal-cases" />
        <button type="button" class="secondary" onClick={reload}>
          {t.refresh}
        </button>
      </Card>
      <WebActivation {...props} onChanged={reload} />
      <Deactivation {...props} onChanged={reload} />
      {['ch:org', 'ch:admin'].includes(grantFor(props.keyring, 'ch')?.scope ?? '') ? <TokensCard {...props} component="ch" /> : null}
    </>
  );
}
