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
import { defineTexts, fill, useTexts } from '../i18n';

const T = defineTexts({
  en: {
    serverTitle: 'License server',
    serverId: 'License server ID',
    serverIdCopy: 'license server ID',
    productId: 'Product ID',
    productIdCopy: 'product ID',
    version: 'Version',
    activation: 'Activation',
    byMethod: 'by {method}',
    onDate: 'on {date}',
    validUntil: ', valid until {date}',
    lapsedHint:
      'Activated from a typed confirmation and no certificate arrived by {date}: only temporary CALs are issued. Check in with the clearinghouse, or import the file it exports for this server.',
    certificateNext: 'The certificate arrives at the next check-in with the clearinghouse{provisional}.',
    provisionalUntil: ' (provisional until {date})',
    issuedNow: 'Issued now',
    issuedCounts: '{temporary} temporary, {permanent} permanent, {user} per-user',
    clearinghouse: 'Clearinghouse',
    noClearinghouse: 'none configured',
    lastCheckIn: ' · last check-in {date} ({result})',
    neverCheckedIn: ' · never checked in',
    checkInNow: 'Check in now',
    connectionMethod: 'Connection method',
    methodAuto: 'Automatic connection (recommended)',
    methodWeb: 'Web browser',
    methodPhone: 'Telephone',
    reason: 'Reason',
    useSignedIn: 'Use the organization token I signed in with',
    orgToken: 'Organization token',
    orgTokenHint: 'The clearinghouse token of your organization (ch:org).',
    firstName: 'First name',
    lastName: 'Last name',
    company: 'Company',
    country: 'Country',
    webProductId: 'On the portal (Activate a license server), type this product ID:',
    phoneProductId: 'Read this product ID to the clearinghouse agent, group by group:',
    webConfirmation: 'Activation confirmation from the portal',
    phoneConfirmation: 'Activation confirmation the agent reads back',
    reactivate: 'Reactivate',
    activate: 'Activate',
    activatedAlready:
      'This license server is activated ({method}). Reactivate it only with a reason (redeployed, certificate corrupt, key compromised, certificate expired, upgraded).',
    reactivateTitle: 'Reactivate the server',
    activateTitle: 'Activate the server',
    activationResult: 'Activation:',
    installTitle: 'Install licenses',
    installBy: 'Install by',
    byKeyPackId: 'Key pack ID (from the portal or the agent)',
    byPackKey: 'Pack key (automatic connection)',
    keyPackId: 'Key pack ID',
    obtainedBy: 'Obtained by',
    obtainedWeb: 'Web (portal)',
    obtainedPhone: 'Telephone (agent)',
    packKey: 'Pack key',
    install: 'Install',
    installed: 'Installed key pack {pack}: {total} {type} CALs, Windows Server',
    perDevice: 'Per Device',
    perUser: 'Per User',
    grantNext: ' The grant arrives at the next check-in.',
    migrationTitle: 'Migration code',
    migrationHint: 'Made by this (new) license server; type it on the portal (Manage CALs → Migrate) with the pack key, or read it to the agent.',
    reasonReplaced: 'Replaced',
    reasonNotFunctioning: 'No longer functioning',
    reasonReinstalled: 'Reinstalled',
    oldServerId: 'Old license server ID (optional)',
    oldServerIdHint: '35 characters, if you still have it.',
    makeMigrationCode: 'Make the migration code',
    migrationCodeLabel: 'Migration code:',
    migrationCodeCopy: 'migration code',
    noKeyPacks: 'No key packs installed — 0 CALs. Install licenses above.',
    colKeyPack: 'Key pack',
    colProgram: 'Program',
    colType: 'Type',
    colVersion: 'Version',
    colTotal: 'Total',
    colIssued: 'Issued',
    colAvailable: 'Available',
    colStatus: 'Status',
    colInstalled: 'Installed',
    noGrantBy: 'no grant by {date}: issues no CALs',
    grantUntil: 'until {date}: grant at next check-in',
    grantNextShort: 'grant at next check-in',
    keyPacksTitle: 'Key packs',
    issuedTitle: 'Issued licenses',
    revokeBudget: 'Revoke budget (at most 20 % of a version\'s installed per-device CALs, at least one, may be revoked at a time):',
    budgetLine: 'Windows Server {version}: {remaining} of {limit} left ({revoked} revoked of {installed} installed)',
    filterIssued: 'Filter issued licenses',
    type: 'Type',
    all: 'All',
    device: 'Device (name or hardware ID)',
    status: 'Status',
    statusActive: 'Active',
    statusAll: 'All, with expired and revoked',
    packNumber: 'Pack number',
    expiringBefore: 'Expiring before',
    sortBy: 'Sort by',
    filter: 'Filter',
    pagesOfIssued: 'Pages of issued licenses',
    rows: 'Rows {first}–{last} of {total}',
    zeroOf: '0 of {total}',
    previousPage: 'Previous page',
    nextPage: 'Next page',
    downloadCsv: 'Download CSV ({total} rows)',
    revoked: 'Revoked the CAL of {device}; {revokable} more may be revoked now.',
    noIssued: 'No issued licenses match.',
    colDevice: 'Device',
    colUser: 'User',
    colKind: 'Kind',
    colPack: 'Pack',
    colExpires: 'Expires',
    colActions: 'Actions',
    validated: ' (validated)',
    revokeOf: 'Revoke the CAL of {device}',
    revoke: 'Revoke',
    rebuildTitle: 'Rebuild the license database',
    rebuildText:
      'Rebuilding deletes the installed key packs, the issued licenses and the activation; the license server ID stays the same. The server must then be reactivated and its packs reinstalled.',
    rebuildWarning: 'Do not rebuild before the packs were reissued to this server',
    rebuildGuard: ': packs the clearinghouse does not hold for this server would not come back, so the rebuild is refused unless forced.',
    rebuildUnderstood: 'I understand that key packs, issued licenses and the activation are deleted',
    rebuildForce: 'Rebuild anyway (force): the packs listed above will be lost',
    forceRebuild: 'Force the rebuild',
    rebuild: 'Rebuild',
    rebuilt: 'Rebuilt: {packs} key packs and {issued} issued licenses removed',
    forced: ' (forced)',
    restored: '; restored from the clearinghouse: activation {activated},',
    yes: 'yes',
    no: 'no',
    restoredPacks: '{packs} key packs.',
    deactivateTitle: 'Deactivate the server',
    deactivateText: "Deactivation releases this server's packs so that another license server may receive them. It answers a deactivation receipt to keep.",
    deactivate: 'Deactivate…',
    receipt: 'Deactivation receipt:',
    receiptCopy: 'deactivation receipt',
    hostsTitle: 'Session hosts',
    allowList: 'RDS Endpoint Servers allow-list: {state}',
    allowListOn: 'on ({hosts})',
    allowListEmpty: 'empty',
    allowListOff: 'off — every enrolled host gets CALs',
    hostName: 'Session host name',
    hostNameHint: 'Its computer name; the join token is for one enrolment.',
    makeJoinToken: 'Make a join token',
    joinTokenFor: 'Join token for {name} (one use; enter it on the session host page):',
    joinTokenCopy: 'join token',
  },
  fr: {
    serverTitle: 'Serveur de licences',
    serverId: 'ID du serveur de licences',
    serverIdCopy: 'l’ID du serveur de licences',
    productId: 'ID de produit',
    productIdCopy: 'l’ID de produit',
    version: 'Version',
    activation: 'Activation',
    byMethod: 'par {method}',
    onDate: 'le {date}',
    validUntil: ', valide jusqu’au {date}',
    lapsedHint:
      'Activé à partir d’une confirmation saisie et aucun certificat n’est arrivé avant le {date} : seules des CAL temporaires sont délivrées. Contactez le centre d’échange (clearinghouse), ou importez le fichier qu’il exporte pour ce serveur.',
    certificateNext: 'Le certificat arrive au prochain contact avec le centre d’échange (clearinghouse){provisional}.',
    provisionalUntil: ' (provisoire jusqu’au {date})',
    issuedNow: 'Délivrées actuellement',
    issuedCounts: '{temporary} temporaires, {permanent} permanentes, {user} par utilisateur',
    clearinghouse: 'Centre d’échange (clearinghouse)',
    noClearinghouse: 'aucun configuré',
    lastCheckIn: ' · dernier contact le {date} ({result})',
    neverCheckedIn: ' · jamais contacté',
    checkInNow: 'Contacter le centre d’échange maintenant',
    connectionMethod: 'Méthode de connexion',
    methodAuto: 'Connexion automatique (recommandé)',
    methodWeb: 'Navigateur web',
    methodPhone: 'Téléphone',
    reason: 'Motif',
    useSignedIn: 'Utiliser le jeton d’organisation avec lequel je me suis connecté',
    orgToken: 'Jeton d’organisation',
    orgTokenHint: 'Le jeton du centre d’échange (clearinghouse) de votre organisation (ch:org).',
    firstName: 'Prénom',
    lastName: 'Nom',
    company: 'Société',
    country: 'Pays',
    webProductId: 'Sur le portail (Activer un serveur de licences), saisissez cet ID de produit :',
    phoneProductId: 'Lisez cet ID de produit à l’agent du centre d’échange, groupe par groupe :',
    webConfirmation: 'Confirmation d’activation fournie par le portail',
    phoneConfirmation: 'Confirmation d’activation lue par l’agent',
    reactivate: 'Réactiver',
    activate: 'Activer',
    activatedAlready:
      'Ce serveur de licences est activé ({method}). Ne le réactivez qu’avec un motif (redéployé, certificat endommagé, clé compromise, certificat expiré, mis à niveau).',
    reactivateTitle: 'Réactiver le serveur',
    activateTitle: 'Activer le serveur',
    activationResult: 'Activation :',
    installTitle: 'Installer des licences',
    installBy: 'Installer par',
    byKeyPackId: 'ID de pack de licences (fourni par le portail ou l’agent)',
    byPackKey: 'Clé de pack (connexion automatique)',
    keyPackId: 'ID de pack de licences',
    obtainedBy: 'Obtenu par',
    obtainedWeb: 'Web (portail)',
    obtainedPhone: 'Téléphone (agent)',
    packKey: 'Clé de pack',
    install: 'Installer',
    installed: 'Pack de licences {pack} installé : {total} CAL {type}, Windows Server',
    perDevice: 'par périphérique',
    perUser: 'par utilisateur',
    grantNext: ' L’attribution arrive au prochain contact avec le centre d’échange.',
    migrationTitle: 'Code de migration',
    migrationHint:
      'Produit par ce (nouveau) serveur de licences ; saisissez-le sur le portail (Gérer les CAL → Migrer) avec la clé de pack, ou lisez-le à l’agent.',
    reasonReplaced: 'Remplacé',
    reasonNotFunctioning: 'Ne fonctionne plus',
    reasonReinstalled: 'Réinstallé',
    oldServerId: 'ID de l’ancien serveur de licences (facultatif)',
    oldServerIdHint: '35 caractères, si vous l’avez encore.',
    makeMigrationCode: 'Produire le code de migration',
    migrationCodeLabel: 'Code de migration :',
    migrationCodeCopy: 'le code de migration',
    noKeyPacks: 'Aucun pack de licences installé — 0 CAL. Installez des licences ci-dessus.',
    colKeyPack: 'Pack de licences',
    colProgram: 'Programme',
    colType: 'Type',
    colVersion: 'Version',
    colTotal: 'Total',
    colIssued: 'Délivrées',
    colAvailable: 'Disponibles',
    colStatus: 'État',
    colInstalled: 'Installé le',
    noGrantBy: 'aucune attribution avant le {date} : ne délivre aucune CAL',
    grantUntil: 'jusqu’au {date} : attribution au prochain contact',
    grantNextShort: 'attribution au prochain contact',
    keyPacksTitle: 'Packs de licences',
    issuedTitle: 'Licences délivrées',
    revokeBudget:
      'Quota de révocation (au plus 20 % des CAL par périphérique installées d’une version, au moins une, peuvent être révoquées à la fois) :',
    budgetLine: 'Windows Server {version} : {remaining} restantes sur {limit} ({revoked} révoquées sur {installed} installées)',
    filterIssued: 'Filtrer les licences délivrées',
    type: 'Type',
    all: 'Toutes',
    device: 'Périphérique (nom ou ID matériel)',
    status: 'État',
    statusActive: 'Actives',
    statusAll: 'Toutes, y compris expirées et révoquées',
    packNumber: 'Numéro de pack',
    expiringBefore: 'Expirant avant le',
    sortBy: 'Trier par',
    filter: 'Filtrer',
    pagesOfIssued: 'Pages des licences délivrées',
    rows: 'Lignes {first}–{last} sur {total}',
    zeroOf: '0 sur {total}',
    previousPage: 'Page précédente',
    nextPage: 'Page suivante',
    downloadCsv: 'Télécharger le CSV ({total} lignes)',
    revoked: 'CAL de {device} révoquée ; {revokable} autres peuvent encore être révoquées maintenant.',
    noIssued: 'Aucune licence délivrée ne correspond.',
    colDevice: 'Périphérique',
    colUser: 'Utilisateur',
    colKind: 'Genre',
    colPack: 'Pack',
    colExpires: 'Expire le',
    colActions: 'Actions',
    validated: ' (validée)',
    revokeOf: 'Révoquer la CAL de {device}',
    revoke: 'Révoquer',
    rebuildTitle: 'Reconstruire la base de données de licences',
    rebuildText:
      'La reconstruction supprime les packs de licences installés, les licences délivrées et l’activation ; l’ID du serveur de licences reste le même. Le serveur doit ensuite être réactivé et ses packs réinstallés.',
    rebuildWarning: 'Ne reconstruisez pas avant que les packs aient été réémis pour ce serveur',
    rebuildGuard:
      ' : les packs que le centre d’échange (clearinghouse) ne détient pas pour ce serveur ne reviendraient pas, c’est pourquoi la reconstruction est refusée sauf si elle est forcée.',
    rebuildUnderstood: 'Je comprends que les packs de licences, les licences délivrées et l’activation sont supprimés',
    rebuildForce: 'Reconstruire quand même (forcer) : les packs listés ci-dessus seront perdus',
    forceRebuild: 'Forcer la reconstruction',
    rebuild: 'Reconstruire',
    rebuilt: 'Reconstruit : {packs} packs de licences et {issued} licences délivrées supprimés',
    forced: ' (forcé)',
    restored: ' ; restauré depuis le centre d’échange : activation {activated},',
    yes: 'oui',
    no: 'non',
    restoredPacks: '{packs} packs de licences.',
    deactivateTitle: 'Désactiver le serveur',
    deactivateText:
      'La désactivation libère les packs de ce serveur afin qu’un autre serveur de licences puisse les recevoir. Elle renvoie un reçu de désactivation à conserver.',
    deactivate: 'Désactiver…',
    receipt: 'Reçu de désactivation :',
    receiptCopy: 'le reçu de désactivation',
    hostsTitle: 'Hôtes de session',
    allowList: 'Liste d’autorisation RDS Endpoint Servers : {state}',
    allowListOn: 'activée ({hosts})',
    allowListEmpty: 'vide',
    allowListOff: 'désactivée — chaque hôte inscrit reçoit des CAL',
    hostName: 'Nom de l’hôte de session',
    hostNameHint: 'Son nom d’ordinateur ; le jeton d’adhésion sert à une seule inscription.',
    makeJoinToken: 'Produire un jeton d’adhésion',
    joinTokenFor: 'Jeton d’adhésion pour {name} (usage unique ; saisissez-le sur la page de l’hôte de session) :',
    joinTokenCopy: 'le jeton d’adhésion',
  },
});

const SORTS = defineTexts<IssuedSortName>({
  en: {
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
  },
  fr: {
    issuedAt: 'Délivrance, plus ancienne d’abord',
    '-issuedAt': 'Délivrance, plus récente d’abord',
    expiresAt: 'Expiration, plus proche d’abord',
    '-expiresAt': 'Expiration, plus lointaine d’abord',
    device: 'Périphérique, de A à Z',
    '-device': 'Périphérique, de Z à A',
    user: 'Utilisateur, de A à Z',
    '-user': 'Utilisateur, de Z à A',
    pack: 'Pack, plus petit d’abord',
    '-pack': 'Pack, plus grand d’abord',
    status: 'État, de A à Z',
    '-status': 'État, de Z à A',
  },
});



function Identity(props: { status: Status; onCheckIn: () => void; canWrite: boolean; checkIn: { busy: boolean; error: ApiError | undefined } }) {
  const t = useTexts(T);
  const s = props.status;
  const a = s.activation;
  return (
    <Card title={t.serverTitle} id="server">
      <dl class="facts">
        <dt>{t.serverId}</dt>
        <dd>
          <Copyable value={s.serverId} label={t.serverIdCopy} testId="license-server-id" />
        </dd>
        <dt>{t.productId}</dt>
        <dd>
          <Copyable value={s.productId} label={t.productIdCopy} testId="product-id" />
        </dd>
        <dt>{t.version}</dt>
        <dd>Windows Server {s.version}</dd>
        <dt>{t.activation}</dt>
        <dd data-testid="activation-status">
          <Badge value={a.expired ? 'expired' : a.status} /> {a.method ? fill(t.byMethod, { method: a.method }) : ''} {a.activatedAt ? fill(t.onDate, { date: formatDate(a.activatedAt) }) : ''}
          {a.expiresAt ? fill(t.validUntil, { date: formatDate(a.expiresAt) }) : ''} {a.reason ? <span class="hint">({a.reason})</span> : null}
          {a.provisional ? (
            <span data-testid="activation-provisional">
              {' '}
              <Badge value={a.provisional.state} />
            </span>
          ) : null}
          {a.provisional?.state === 'lapsed' ? (
            <div class="hint">{fill(t.lapsedHint, { date: formatDate(a.provisional.until) })}</div>
          ) : a.status === 'activated' && !a.certificate ? (
            <div class="hint">
              {fill(t.certificateNext, { provisional: a.provisional ? fill(t.provisionalUntil, { date: formatDate(a.provisional.until) }) : '' })}
            </div>
          ) : null}
        </dd>
        <dt>{t.issuedNow}</dt>
        <dd>{fill(t.issuedCounts, { temporary: s.issued.temporary, permanent: s.issued.permanent, user: s.issued.user })}</dd>
        <dt>{t.clearinghouse}</dt>
        <dd>
          {s.clearinghouse.url ?? t.noClearinghouse}
          {s.clearinghouse.lastCheckInAt
            ? fill(t.lastCheckIn, { date: formatDate(s.clearinghouse.lastCheckInAt), result: s.clearinghouse.lastCheckInResult ?? '—' })
            : t.neverCheckedIn}
        </dd>
      </dl>
      {props.canWrite ? (
        <button type="button" class="secondary" onClick={props.onCheckIn} disabled={props.checkIn.busy}>
          {t.checkInNow}
        </button>
      ) : null}
      <Refusal error={props.checkIn.error} />
    </Card>
  );
}

function ActivationWizard(props: PageProps & { status: Status; onDone: () => void }) {
  const t = useTexts(T);
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
          <legend>{t.connectionMethod}</legend>
          {(['auto', 'web', 'phone'] as const).map((m) => (
            <label class="inline">
              <input type="radio" name="activation-method" value={m} checked={method === m} onChange={() => setMethod(m)} />{' '}
              {m === 'auto' ? t.methodAuto : m === 'web' ? t.methodWeb : t.methodPhone}
            </label>
          ))}
        </fieldset>
        {reactivating ? <Select label={t.reason} name="reason" value={reason} options={REACTIVATION_REASONS} onChange={setReason} /> : null}
        {method === 'auto' ? (
          <>
            {orgTokenSignedIn ? (
              <label class="inline">
                <input type="checkbox" checked={useSignedIn} onChange={(e) => setUseSignedIn((e.currentTarget as HTMLInputElement).checked)} /> {t.useSignedIn}
              </label>
            ) : null}
            {!useSignedIn || !orgTokenSignedIn ? (
              <TextInput label={t.orgToken} name="orgToken" type="password" value={orgToken} onInput={setOrgToken} hint={t.orgTokenHint} />
            ) : null}
            {!reactivating ? (
              <div class="row">
                <TextInput label={t.firstName} name="firstName" value={company.firstName} onInput={set('firstName')} required />
                <TextInput label={t.lastName} name="lastName" value={company.lastName} onInput={set('lastName')} required />
                <TextInput label={t.company} name="company" value={company.company} onInput={set('company')} required />
                <TextInput label={t.country} name="country" value={company.country} onInput={set('country')} required />
              </div>
            ) : null}
          </>
        ) : (
          <>
            <p>{method === 'web' ? t.webProductId : t.phoneProductId}</p>
            <p>
              <Copyable value={props.status.productId} label={t.productIdCopy} />
            </p>
            <CodeField
              label={method === 'web' ? t.webConfirmation : t.phoneConfirmation}
              kinds="activationConfirmation"
              name="confirmation"
              code={confirmation}
              onChange={setConfirmation}
            />
          </>
        )}
        <button type="submit" disabled={!ready || act.busy}>
          {reactivating ? t.reactivate : t.activate}
        </button>
      </form>
    );
  }

  if (a.status === 'activated' && !a.expired && !act.result) {
    return (
      <Card title={t.activation} id="activation">
        <p>{fill(t.activatedAlready, { method: a.method ?? '' })}</p>
        <details>
          <summary>{t.reactivate}</summary>
          {WizardBody()}
          <Refusal error={act.error} />
        </details>
      </Card>
    );
  }
  return (
    <Card title={reactivating ? t.reactivateTitle : t.activateTitle} id="activation">
      {WizardBody()}
      <Refusal error={act.error} />
      {act.result ? (
        <div class="alert ok" role="status">
          {t.activationResult} <Badge value={act.result.status} /> ({act.result.method}).
        </div>
      ) : null}
    </Card>
  );
}

function InstallLicenses(props: PageProps & { onDone: () => void }) {
  const t = useTexts(T);
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
    <Card title={t.installTitle} id="install">
      <fieldset class="choice">
        <legend>{t.installBy}</legend>
        <label class="inline">
          <input type="radio" name="install-by" checked={by === 'keyPackId'} onChange={() => setBy('keyPackId')} /> {t.byKeyPackId}
        </label>
        <label class="inline">
          <input type="radio" name="install-by" checked={by === 'packKey'} onChange={() => setBy('packKey')} /> {t.byPackKey}
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
            <CodeField label={t.keyPackId} kinds="keyPackId" name="keyPackId" code={keyPackId} onChange={setKeyPackId} />
            <CarriedNote carried={carriedKeyPackId} current={keyPackId.value} what="keyPackId" />
            <Select
              label={t.obtainedBy}
              name="method"
              value={method}
              options={[
                { value: 'web' as const, label: t.obtainedWeb },
                { value: 'phone' as const, label: t.obtainedPhone },
              ]}
              onChange={setMethod}
            />
          </>
        ) : (
          <>
            <CodeField label={t.packKey} kinds="packKey" name="packKey" code={packKey} onChange={setPackKey} />
            <CarriedNote carried={carriedPackKey} current={packKey.value} what="packKey" />
            <ProgramInputs value={program} onChange={setProgram} />
          </>
        )}
        <button type="submit" disabled={!ready || install.busy}>
          {t.install}
        </button>
      </form>
      <Refusal error={install.error} />
      {install.error?.code === 'PACK_ALREADY_ACTIVATED' ? <NextStep target="ls-migration-code" keyring={props.keyring} /> : null}
      {install.result ? (
        <div class="alert ok" role="status" data-testid="installed-key-pack">
          {fill(t.installed, { pack: install.result.pack, total: install.result.total, type: install.result.calType === 'device' ? t.perDevice : t.perUser })}{' '}
          {install.result.calVersion} ({install.result.program}).
          {!install.result.grant ? t.grantNext : ''}
        </div>
      ) : null}
    </Card>
  );
}

function MigrationCode(props: PageProps) {
  const t = useTexts(T);
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
    <Card title={t.migrationTitle} id="migration-code">
      <p class="hint">{t.migrationHint}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) void make.go();
        }}
      >
        <Select
          label={t.reason}
          name="migrationReason"
          value={reason}
          options={MIGRATION_REASONS.map((r) => ({ value: r, label: r === 'replaced' ? t.reasonReplaced : r === 'not-functioning' ? t.reasonNotFunctioning : t.reasonReinstalled }))}
          onChange={setReason}
        />
        <CodeField
          label={t.oldServerId}
          kinds="licenseServerId"
          name="sourceId"
          code={source}
          onChange={setSource}
          hint={t.oldServerIdHint}
        />
        <CarriedNote carried={carriedSource} current={source.value} what="sourceServerId" />
        <button type="submit" disabled={!ready || make.busy}>
          {t.makeMigrationCode}
        </button>
      </form>
      <Refusal error={make.error} />
      {make.result ? (
        <div class="alert ok" role="status">
          {t.migrationCodeLabel}
          <div>
            <Copyable value={make.result.migrationCode} label={t.migrationCodeCopy} testId="migration-code" />
          </div>
          <NextStep target="portal-migrate" keyring={props.keyring} />
        </div>
      ) : null}
    </Card>
  );
}

function KeyPacks(props: { packs: KeyPack[] }) {
  const t = useTexts(T);
  if (props.packs.length === 0) return <Empty>{t.noKeyPacks}</Empty>;
  return (
    <table>
      <TableHead columns={[t.colKeyPack, t.colProgram, t.colType, t.colVersion, t.colTotal, t.colIssued, t.colAvailable, t.colStatus, t.colInstalled]} />
      <tbody>
        {props.packs.map((k) => (
          <tr data-key-pack={k.pack}>
            <td>
              {k.pack}
              <span class="hint">·{k.seq}</span>
            </td>
            <td>{k.program}</td>
            <td>{k.calType === 'device' ? t.perDevice : t.perUser}</td>
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
                      ? fill(t.noGrantBy, { date: formatDate(k.provisional.until) })
                      : fill(t.grantUntil, { date: formatDate(k.provisional.until) })}
                  </span>
                </span>
              ) : !k.grant ? (
                <span class="hint">{t.grantNextShort}</span>
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


function IssuedLicenses(props: PageProps & { packs: KeyPack[]; canWrite: boolean; onChanged: () => void; now: number; refresh: number }) {
  const t = useTexts(T);
  const sorts = useTexts(SORTS);
  const sortOptions = ISSUED_SORTS.map((name) => ({ value: name, label: sorts[name] }));
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
    <Card title={t.issuedTitle} id="issued">
      {budgets.length > 0 ? (
        <p data-testid="revoke-budget">
          {t.revokeBudget}{' '}
          {budgets
            .map((b) => fill(t.budgetLine, { version: b.version, remaining: b.remaining, limit: b.limit, revoked: b.revoked, installed: b.installed }))
            .join('; ')}
          .
        </p>
      ) : null}
      <form class="row" onSubmit={apply} aria-label={t.filterIssued}>
        <Select
          label={t.type}
          name="type"
          value={type}
          options={[{ value: '' as const, label: t.all }, ...CAL_KINDS.map((k) => ({ value: k, label: k }))]}
          onChange={setType}
        />
        <TextInput label={t.device} name="device" value={device} onInput={setDevice} />
        <Select
          label={t.status}
          name="status"
          value={status}
          options={[
            { value: 'active' as const, label: t.statusActive },
            { value: 'all' as const, label: t.statusAll },
          ]}
          onChange={setStatus}
        />
        <TextInput label={t.packNumber} name="pack" value={pack} onInput={setPack} />
        <TextInput label={t.expiringBefore} name="expiresBefore" type="date" value={expiresBefore} onInput={setExpiresBefore} />
        <Select label={t.sortBy} name="sort" value={sort} options={sortOptions} onChange={setSort} />
        <button type="submit">{t.filter}</button>
      </form>
      <Refusal error={list.error} />
      <Refusal error={csvError} />
      {list.data ? (
        <div class="row" role="group" aria-label={t.pagesOfIssued}>
          <p data-testid="issued-count" data-total={list.data.total} data-first={shown > 0 ? first + 1 : 0} data-last={first + shown} data-loading={list.loading ? 'true' : 'false'} aria-live="polite" aria-busy={list.loading}>
            {shown > 0 ? fill(t.rows, { first: n(first + 1), last: n(first + shown), total: n(list.data.total) }) : fill(t.zeroOf, { total: n(list.data.total) })}
          </p>
          <button type="button" class="secondary small" disabled={cursors.length === 0 || list.loading} onClick={() => setCursors(cursors.slice(0, -1))}>
            {t.previousPage}
          </button>
          <button type="button" class="secondary small" disabled={!list.data.nextCursor || list.loading} onClick={() => list.data?.nextCursor && setCursors([...cursors, list.data.nextCursor])}>
            {t.nextPage}
          </button>
          <button type="button" class="secondary small" onClick={() => void downloadCsv()}>
            {fill(t.downloadCsv, { total: n(list.data.total) })}
          </button>
        </div>
      ) : null}
      <Refusal error={revoke.error} />
      {revoke.result ? (
        <div class="alert ok" role="status">
          {fill(t.revoked, { device: revoke.result.revoked.device, revokable: revoke.result.revokable })}
        </div>
      ) : null}
      {list.data && list.data.issued.length === 0 ? <Empty>{t.noIssued}</Empty> : null}
      {list.data && list.data.issued.length > 0 ? (
        <table data-testid="issued-table">
          <TableHead columns={[t.colDevice, t.colUser, t.colKind, t.colVersion, t.colPack, t.colIssued, t.colExpires, t.colStatus, <span class="sr-only">{t.colActions}</span>]} />
          <tbody>
            {list.data.issued.map((i) => (
              <tr data-device={i.device} data-kind={i.kind}>
                <td>
                  {i.device} <span class="hint mono">{i.hwid}</span>
                </td>
                <td>{i.user ?? ''}</td>
                <td>
                  {i.kind}
                  {i.kind === 'temporary' && i.validated ? <span class="hint">{t.validated}</span> : null}
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
                      <button type="button" class="secondary small" onClick={() => setConfirming(i.id)} aria-label={fill(t.revokeOf, { device: i.device })}>
                        {t.revoke}
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
  const t = useTexts(T);
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
    <Card title={t.rebuildTitle} id="rebuild">
      <p>
        {t.rebuildText} <strong>{t.rebuildWarning}</strong>
        {t.rebuildGuard}
      </p>
      <p class="loss" data-testid="rebuild-loss">
        {loss('rebuild', { packs: props.packs.length, cals: props.packs.reduce((n, k) => n + k.total, 0) })}
      </p>
      <label class="inline">
        <input type="checkbox" checked={understood} onChange={(e) => setUnderstood((e.currentTarget as HTMLInputElement).checked)} /> {t.rebuildUnderstood}
      </label>
      {guarded ? (
        <label class="inline">
          <input type="checkbox" checked={force} onChange={(e) => setForce((e.currentTarget as HTMLInputElement).checked)} /> {t.rebuildForce}
        </label>
      ) : null}
      <div>
        <button type="button" class="danger" disabled={!understood || rebuild.busy || (guarded && !force)} onClick={() => void rebuild.go()}>
          {force ? t.forceRebuild : t.rebuild}
        </button>
      </div>
      <Refusal error={rebuild.error} />
      {rebuild.result ? (
        <div class="alert ok" role="status">
          {fill(t.rebuilt, { packs: rebuild.result.keyPacksRemoved, issued: rebuild.result.issuedRemoved })}
          {rebuild.result.forced ? t.forced : ''}
          {fill(t.restored, { activated: rebuild.result.restored.activated ? t.yes : t.no })} {fill(t.restoredPacks, { packs: rebuild.result.restored.keyPacks })}
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
  const t = useTexts(T);
  const [confirm, setConfirm] = useState(false);
  const loss = useLoss();
  const go = useWrite(props, 'ls', () => api<DeactivationReceipt>(props.keyring, 'ls', 'POST', '/deactivate'), props.onDone);
  return (
    <Card title={t.deactivateTitle} id="deactivate">
      <p>{t.deactivateText}</p>
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
          {t.deactivate}
        </button>
      )}
      <Refusal error={go.error} />
      {go.result ? (
        <div class="alert ok" role="status">
          {go.result.message}
          <div>
            {t.receipt} <Copyable value={go.result.receipt} label={t.receiptCopy} testId="deactivation-receipt" />
          </div>
        </div>
      ) : null}
    </Card>
  );
}

function Hosts(props: PageProps & { canWrite: boolean }) {
  const t = useTexts(T);
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
    <Card title={t.hostsTitle} id="hosts">
      <Refusal error={hosts.error} />
      {hosts.data ? (
        <>
          <p class="hint">
            {fill(t.allowList, {
              state: hosts.data.allowListEnabled ? fill(t.allowListOn, { hosts: hosts.data.allowList.join(', ') || t.allowListEmpty }) : t.allowListOff,
            })}
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
            <TextInput label={t.hostName} name="hostName" value={name} onInput={setName} hint={t.hostNameHint} />
            <CarriedNote carried={carriedName} current={name} what="hostName" />
          </div>
          <button type="submit" disabled={!name.trim() || join.busy}>
            {t.makeJoinToken}
          </button>
        </form>
      ) : null}
      <Refusal error={join.error} />
      {join.result ? (
        <div class="alert ok" role="status">
          {fill(t.joinTokenFor, { name: join.result.name })}
          <div>
            <Copyable value={join.result.joinToken} label={t.joinTokenCopy} testId="join-token" />
          </div>
          <NextStep target="sh-enroll" keyring={props.keyring} />
        </div>
      ) : null}
    </Card>
  );
}

export function LicenseManager(props: PageProps) {
  const t = useTexts(T);
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
          <Card title={t.keyPacksTitle} id="key-packs">
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

