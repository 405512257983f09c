/**
 * The clearinghouse administrator's page (a `ch:admin` token): organizations, agents and packs — created and
 * listed —, the API tokens — listed, and revoked after a confirmation that says who loses what —, and the
 * clearinghouse key set, read only. A token or a pack key the clearinghouse answers is shown once, here, with a copy
 * button; it is never put in a URL and never shown again.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AgentList, KeyList, OrganizationList, PackCreated, PackList, TokenList, TokenView } from '../../core/wire/clearinghouse';
import { AGREEMENT_PROGRAMS, CAL_TYPES, CAL_VERSIONS, PROGRAMS, type CalType, type CalVersion, type Program } from '../../core/vocabulary';
import { api } from '../api';
import type { PageProps } from '../app';
import { defineTexts, fill, useTexts } from '../i18n';
import { Badge, Card, Copyable, Empty, formatDate, Refusal, Select, TableHead, TextInput, useLoad, type Loaded } from '../ui';
import { useWrite } from './shared';

const T = defineTexts({
  en: {
    loading: 'Loading…',
    orgs: 'Organizations',
    orgName: 'Organization name',
    createOrg: 'Create the organization',
    orgCreated: 'Organization {name} is created ({id}). Its organization token is shown only now: copy it and give it to the organization.',
    noOrgs: 'No organization yet: create the first one above.',
    name: 'Name',
    id: 'ID',
    created: 'Created',
    agents: 'Agents',
    agentName: 'Agent name',
    createAgent: 'Create the agent',
    agentCreated: 'Agent {name} is created ({id}). Their agent token is shown only now: copy it and give it to the agent.',
    noAgents: 'No agent yet: create the first one above.',
    tokenLabel: 'token',
    onceHint: 'It is not kept in this page: once you leave or reload, it cannot be shown again.',
    packs: 'Packs',
    sellPack: 'Sell a pack',
    organization: 'Organization',
    noOrganization: '(no organization: a retail pack)',
    program: 'Program',
    agreementNumber: 'Agreement number',
    agreementHint: '7 digits',
    licenseNumber: 'License number',
    licenseHint: '8 digits',
    authorizationNumber: 'Authorization number',
    authorizationHint: '15 letters and digits',
    proofOfPurchase: 'Proof of purchase (invoice or receipt reference)',
    calType: 'CAL type',
    perDevice: 'Per Device',
    perUser: 'Per User',
    calVersion: 'CAL version',
    quantity: 'Quantity (CALs)',
    createPack: 'Record the sale',
    packCreated: 'Pack {number} is recorded. Its pack key is shown only now: copy it and give it to the buyer.',
    packKey: 'pack key',
    noPacks: 'No pack sold yet.',
    pack: 'Pack',
    type: 'Type',
    version: 'Version',
    count: 'CALs',
    status: 'Status',
    server: 'License server',
    tokens: 'API tokens',
    noTokens: 'No live token.',
    kind: 'Kind',
    holder: 'Held by',
    revoke: 'Revoke',
    revokeAria: 'Revoke token {id} ({who})',
    confirmTitle: 'Revoke token {id}?',
    confirm: 'Revoke the token',
    cancel: 'Keep it',
    revoked: 'Token {id} ({who}) is revoked: it is refused from now on.',
    lossOrg: '{who} can no longer use the portal with this token: no activation or reactivation of its license servers, no key pack IDs, no migrations. Its license servers keep their CALs and keep checking in.',
    lossAgent: '{who} can no longer use the agent desk with this token: no case reviews, no phone activations or reissues, no packs recorded.',
    lossAdmin: 'Whoever holds this administrator token can no longer create organizations, agents or packs, revoke tokens or read the key set. If this console is signed in with it, this page stops working.',
    lossOther: 'Whoever holds this token can no longer use the clearinghouse with it.',
    cannotUndo: 'This cannot be undone: a new token must be made to give the access back.',
    kindOrg: 'organization',
    kindAgent: 'agent',
    kindAdmin: 'administrator',
    keys: 'Clearinghouse key set',
    keysHint: 'The keys that sign certificates, grants and receipts. Read only here.',
    noKeys: 'No key.',
    kid: 'Key',
    validFrom: 'Valid from',
    validUntil: 'Until',
    signs: 'Signs now',
    heldHere: 'Private key on this node',
    yes: 'yes',
    no: 'no',
  },
  fr: {
    loading: 'Chargement…',
    orgs: 'Organisations',
    orgName: 'Nom de l’organisation',
    createOrg: 'Créer l’organisation',
    orgCreated: 'L’organisation {name} est créée ({id}). Son jeton d’organisation n’est montré que maintenant : copiez-le et remettez-le à l’organisation.',
    noOrgs: 'Aucune organisation pour l’instant : créez la première ci-dessus.',
    name: 'Nom',
    id: 'Identifiant',
    created: 'Créé le',
    agents: 'Agents',
    agentName: 'Nom de l’agent',
    createAgent: 'Créer l’agent',
    agentCreated: 'L’agent {name} est créé ({id}). Son jeton d’agent n’est montré que maintenant : copiez-le et remettez-le à l’agent.',
    noAgents: 'Aucun agent pour l’instant : créez le premier ci-dessus.',
    tokenLabel: 'jeton',
    onceHint: 'Il n’est pas gardé dans cette page : une fois la page quittée ou rechargée, il ne peut plus être montré.',
    packs: 'Packs',
    sellPack: 'Vendre un pack',
    organization: 'Organisation',
    noOrganization: '(aucune organisation : un pack de détail)',
    program: 'Programme',
    agreementNumber: 'Numéro de contrat',
    agreementHint: '7 chiffres',
    licenseNumber: 'Numéro de licence',
    licenseHint: '8 chiffres',
    authorizationNumber: 'Numéro d’autorisation',
    authorizationHint: '15 lettres et chiffres',
    proofOfPurchase: 'Preuve d’achat (référence de facture ou de ticket)',
    calType: 'Type de CAL',
    perDevice: 'Par périphérique',
    perUser: 'Par utilisateur',
    calVersion: 'Version des CAL',
    quantity: 'Quantité (CAL)',
    createPack: 'Enregistrer la vente',
    packCreated: 'Le pack {number} est enregistré. Sa clé de pack n’est montrée que maintenant : copiez-la et remettez-la à l’acheteur.',
    packKey: 'clé de pack',
    noPacks: 'Aucun pack vendu pour l’instant.',
    pack: 'Pack',
    type: 'Type',
    version: 'Version',
    count: 'CAL',
    status: 'État',
    server: 'Serveur de licences',
    tokens: 'Jetons d’API',
    noTokens: 'Aucun jeton actif.',
    kind: 'Sorte',
    holder: 'Détenu par',
    revoke: 'Révoquer',
    revokeAria: 'Révoquer le jeton {id} ({who})',
    confirmTitle: 'Révoquer le jeton {id} ?',
    confirm: 'Révoquer le jeton',
    cancel: 'Le garder',
    revoked: 'Le jeton {id} ({who}) est révoqué : il est refusé désormais.',
    lossOrg: '{who} ne peut plus utiliser le portail avec ce jeton : plus d’activation ni de réactivation de ses serveurs de licences, plus d’ID de pack de clés, plus de migrations. Ses serveurs de licences gardent leurs CAL et continuent de se manifester.',
    lossAgent: '{who} ne peut plus utiliser le guichet des agents avec ce jeton : plus d’examen de dossiers, plus d’activation ni de réattribution par téléphone, plus de packs enregistrés.',
    lossAdmin: 'Le détenteur de ce jeton d’administrateur ne peut plus créer d’organisations, d’agents ni de packs, révoquer de jetons ni lire le jeu de clés. Si cette console est connectée avec lui, cette page cesse de fonctionner.',
    lossOther: 'Le détenteur de ce jeton ne peut plus utiliser le centre d’échange avec lui.',
    cannotUndo: 'C’est définitif : il faudra un nouveau jeton pour rendre l’accès.',
    kindOrg: 'organisation',
    kindAgent: 'agent',
    kindAdmin: 'administrateur',
    keys: 'Jeu de clés du centre d’échange',
    keysHint: 'Les clés qui signent certificats, attributions et reçus. En lecture seule ici.',
    noKeys: 'Aucune clé.',
    kid: 'Clé',
    validFrom: 'Valide depuis',
    validUntil: 'Jusqu’au',
    signs: 'Signe maintenant',
    heldHere: 'Clé privée sur ce nœud',
    yes: 'oui',
    no: 'non',
  },
});

type Texts = ReturnType<typeof useTexts<keyof (typeof T)['en']>>;

/** Loading, error and empty states of a card's list; the list itself once there is something to show. */
function ListState<V>(props: { loaded: Loaded<V>; isEmpty: (v: V) => boolean; empty: string; children: (v: V) => ComponentChildren }) {
  const t = useTexts(T);
  const { data, error, loading } = props.loaded;
  return (
    <>
      <Refusal error={error} />
      {loading && data === undefined && !error ? (
        <p class="hint" role="status">
          {t.loading}
        </p>
      ) : null}
      {data !== undefined ? props.isEmpty(data) ? <Empty>{props.empty}</Empty> : props.children(data) : null}
    </>
  );
}

/** A secret the clearinghouse answered once: shown with its copy button until the page is left. */
function ShownOnce(props: { message: string; value: string; label: string; testId: string }) {
  const t = useTexts(T);
  return (
    <div class="alert ok" role="status">
      <div>{props.message}</div>
      <Copyable value={props.value} label={props.label} testId={props.testId} />
      <div class="hint">{t.onceHint}</div>
    </div>
  );
}

/** The same loaded answer seen through `pick` (a list inside it). */
function mapLoaded<T, U>(loaded: Loaded<T>, pick: (t: T) => U): Loaded<U> {
  return { ...loaded, data: loaded.data === undefined ? undefined : pick(loaded.data) };
}

/** A directory the clearinghouse keeps by name — its organizations or its agents: create one (its token shown once), list them. */
interface DirectoryKind {
  id: string;
  path: '/orgs' | '/agents';
  title: string;
  nameLabel: string;
  nameField: string;
  createLabel: string;
  created: string;
  none: string;
  listTestId: string;
  tokenTestId: string;
  rowAttribute: 'data-org' | 'data-agent';
}

interface Named {
  id: string;
  name: string;
  createdAt: string;
}

function Directory(props: PageProps & { kind: DirectoryKind; rows: Loaded<readonly Named[]>; onChanged: () => void }) {
  const t = useTexts(T);
  const k = props.kind;
  const [name, setName] = useState('');
  const [createdName, setCreatedName] = useState('');
  const create = useWrite(
    props,
    'ch',
    () => api<{ token: string; orgId?: string; agentId?: string }>(props.keyring, 'ch', 'POST', k.path, { name: name.trim() }),
    props.onChanged,
  );
  return (
    <Card title={k.title} id={k.id}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!name.trim()) return;
          setCreatedName(name.trim());
          void create.go().then((r) => r.ok && setName(''));
        }}
      >
        <TextInput label={k.nameLabel} name={k.nameField} value={name} onInput={setName} required />
        <button type="submit" disabled={create.busy || !name.trim()}>
          {k.createLabel}
        </button>
      </form>
      <Refusal error={create.error} />
      {create.result ? (
        <ShownOnce
          message={fill(k.created, { name: createdName, id: create.result.orgId ?? create.result.agentId ?? '' })}
          value={create.result.token}
          label={`${createdName} ${t.tokenLabel}`}
          testId={k.tokenTestId}
        />
      ) : null}
      <ListState loaded={props.rows} isEmpty={(d) => d.length === 0} empty={k.none}>
        {(d) => (
          <table data-testid={k.listTestId}>
            <TableHead columns={[t.name, t.id, t.created]} />
            <tbody>
              {d.map((o) => (
                <tr {...{ [k.rowAttribute]: o.id }}>
                  <td>{o.name}</td>
                  <td class="mono small">{o.id}</td>
                  <td>{formatDate(o.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListState>
    </Card>
  );
}

function Packs(props: PageProps & { orgs: Loaded<OrganizationList> }) {
  const t = useTexts(T);
  const packs = useLoad(() => api<PackList>(props.keyring, 'ch', 'GET', '/packs'));
  const orgList = props.orgs.data?.organizations ?? [];
  const [orgId, setOrgId] = useState('');
  const [program, setProgram] = useState<Program>('select');
  const [agreement, setAgreement] = useState('');
  const [license, setLicense] = useState('');
  const [authorization, setAuthorization] = useState('');
  const [proof, setProof] = useState('');
  const [calType, setCalType] = useState<CalType>('device');
  const [calVersion, setCalVersion] = useState<CalVersion>(2022);
  const [count, setCount] = useState('10');
  const org = orgId === '' ? (orgList[0]?.id ?? '-') : orgId;
  const programFields =
    program === 'open' ? { licenseNumber: license.trim(), authorizationNumber: authorization.trim() } : AGREEMENT_PROGRAMS.includes(program) ? { agreementNumber: agreement.trim() } : {};
  const sell = useWrite(
    props,
    'ch',
    () =>
      api<PackCreated>(props.keyring, 'ch', 'POST', '/packs', {
        orgId: org === '-' ? null : org,
        program,
        calType,
        calVersion,
        count: Number(count),
        ...programFields,
        ...(proof.trim() ? { proofOfPurchase: proof.trim() } : {}),
      }),
    packs.reload,
  );
  const orgName = (id: string | null) => (id === null ? '—' : (orgList.find((o) => o.id === id)?.name ?? id));
  const quantity = Number(count);
  const ready = Number.isInteger(quantity) && quantity >= 1 && quantity <= 1_000_000;
  return (
    <Card title={t.packs} id="ch-packs">
      <h3>{t.sellPack}</h3>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) void sell.go();
        }}
      >
        <div class="row">
          <Select label={t.organization} name="packOrg" value={org} options={[...orgList.map((o) => ({ value: o.id, label: `${o.name} (${o.id})` })), { value: '-', label: t.noOrganization }]} onChange={setOrgId} />
          <Select label={t.program} name="program" value={program} options={PROGRAMS} onChange={setProgram} />
        </div>
        <div class="row">
          {program === 'open' ? (
            <>
              <TextInput label={t.licenseNumber} name="licenseNumber" value={license} onInput={setLicense} hint={t.licenseHint} />
              <TextInput label={t.authorizationNumber} name="authorizationNumber" value={authorization} onInput={setAuthorization} hint={t.authorizationHint} />
            </>
          ) : AGREEMENT_PROGRAMS.includes(program) ? (
            <TextInput label={t.agreementNumber} name="agreementNumber" value={agreement} onInput={setAgreement} hint={t.agreementHint} />
          ) : (
            <TextInput label={t.proofOfPurchase} name="proofOfPurchase" value={proof} onInput={setProof} />
          )}
        </div>
        <div class="row">
          <Select label={t.calType} name="calType" value={calType} options={CAL_TYPES.map((c) => ({ value: c, label: c === 'device' ? t.perDevice : t.perUser }))} onChange={setCalType} />
          <Select label={t.calVersion} name="calVersion" value={calVersion} options={CAL_VERSIONS.map((v) => ({ value: v, label: `Windows Server ${v}` }))} onChange={setCalVersion} />
          <TextInput label={t.quantity} name="count" type="number" value={count} onInput={setCount} required />
        </div>
        <button type="submit" disabled={sell.busy || !ready}>
          {t.createPack}
        </button>
      </form>
      <Refusal error={sell.error} />
      {sell.result ? <ShownOnce message={fill(t.packCreated, { number: sell.result.packNumber })} value={sell.result.packKey} label={t.packKey} testId="new-pack-key" /> : null}
      <ListState loaded={packs} isEmpty={(d) => d.packs.length === 0} empty={t.noPacks}>
        {(d) => (
          <table data-testid="pack-list">
            <TableHead columns={[t.pack, t.organization, t.program, t.type, t.version, t.count, t.status, t.server]} />
            <tbody>
              {d.packs.map((p) => (
                <tr data-pack={p.number}>
                  <td>{p.number}</td>
                  <td>{orgName(p.orgId)}</td>
                  <td>{p.program}</td>
                  <td>{p.calType === 'device' ? t.perDevice : t.perUser}</td>
                  <td>{p.calVersion}</td>
                  <td>{p.count}</td>
                  <td>
                    <Badge value={p.status} />
                  </td>
                  <td class="mono small">{p.serverId ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListState>
    </Card>
  );
}

/** Who holds a token, in words: the organization's or agent's name when the lists know it. */
function holderOf(tok: TokenView, t: Texts, orgs: OrganizationList | undefined, agents: AgentList | undefined): string {
  if (tok.kind === 'ch:org') {
    const o = orgs?.organizations.find((x) => x.id === tok.subject);
    return `${t.kindOrg} ${o?.name ?? tok.subject ?? tok.label ?? '—'}`;
  }
  if (tok.kind === 'ch:agent') {
    const a = agents?.agents.find((x) => x.id === tok.subject);
    return `${t.kindAgent} ${a?.name ?? tok.subject ?? tok.label ?? '—'}`;
  }
  if (tok.kind === 'ch:admin') return `${t.kindAdmin}${tok.label ? ` (${tok.label})` : ''}`;
  return tok.label ?? tok.subject ?? tok.kind;
}

function lossOf(tok: TokenView, t: Texts, who: string): string {
  const text = tok.kind === 'ch:org' ? t.lossOrg : tok.kind === 'ch:agent' ? t.lossAgent : tok.kind === 'ch:admin' ? t.lossAdmin : t.lossOther;
  const filled = fill(text, { who });
  return filled.charAt(0).toUpperCase() + filled.slice(1);
}

/** The confirmation before a token is revoked: what will be lost, then revoke or keep. Focus moves to it. */
function ConfirmRevoke(props: { tok: TokenView; who: string; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const t = useTexts(T);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [props.tok.id]);
  return (
    <div class="alert pending confirm" role="alertdialog" aria-labelledby={`confirm-${props.tok.id}-title`} aria-describedby={`confirm-${props.tok.id}-loss`} tabIndex={-1} ref={ref} data-testid="confirm-revoke">
      <strong id={`confirm-${props.tok.id}-title`}>{fill(t.confirmTitle, { id: props.tok.id })}</strong>
      <p id={`confirm-${props.tok.id}-loss`}>
        {lossOf(props.tok, t, props.who)} {t.cannotUndo}
      </p>
      <button type="button" class="danger" disabled={props.busy} onClick={props.onConfirm}>
        {t.confirm}
      </button>
      <button type="button" class="secondary" onClick={props.onCancel}>
        {t.cancel}
      </button>
    </div>
  );
}

function Tokens(props: PageProps & { orgs: Loaded<OrganizationList>; agents: Loaded<AgentList>; refresh: number }) {
  const t = useTexts(T);
  const tokens = useLoad(() => api<TokenList>(props.keyring, 'ch', 'GET', '/tokens'), [props.refresh]);
  const [asked, setAsked] = useState<TokenView>();
  const [done, setDone] = useState<{ id: string; who: string }>();
  const revoke = useWrite(props, 'ch', (id: string) => api<TokenView>(props.keyring, 'ch', 'DELETE', `/tokens/${encodeURIComponent(id)}`), tokens.reload);
  const who = (tok: TokenView) => holderOf(tok, t, props.orgs.data, props.agents.data);
  return (
    <Card title={t.tokens} id="ch-tokens">
      <ListState loaded={tokens} isEmpty={(d) => d.tokens.length === 0} empty={t.noTokens}>
        {(d) => (
          <table data-testid="token-list">
            <TableHead columns={[t.id, t.kind, t.holder, t.created, '']} />
            <tbody>
              {d.tokens.map((tok) => (
                <>
                  <tr data-token={tok.id} data-kind={tok.kind}>
                    <td class="mono small">{tok.id}</td>
                    <td>{tok.kind}</td>
                    <td>{who(tok)}</td>
                    <td>{formatDate(tok.createdAt)}</td>
                    <td>
                      <button type="button" class="danger small" aria-label={fill(t.revokeAria, { id: tok.id, who: who(tok) })} aria-expanded={asked?.id === tok.id} onClick={() => setAsked(tok)}>
                        {t.revoke}
                      </button>
                    </td>
                  </tr>
                  {asked?.id === tok.id ? (
                    <tr>
                      <td colSpan={5}>
                        <ConfirmRevoke
                          tok={tok}
                          who={who(tok)}
                          busy={revoke.busy}
                          onCancel={() => setAsked(undefined)}
                          onConfirm={() =>
                            void revoke.go(tok.id).then((r) => {
                              if (r.ok) {
                                setDone({ id: tok.id, who: who(tok) });
                                setAsked(undefined);
                              }
                            })
                          }
                        />
                      </td>
                    </tr>
                  ) : null}
                </>
              ))}
            </tbody>
          </table>
        )}
      </ListState>
      <Refusal error={revoke.error} />
      {done ? (
        <div class="alert ok" role="status" data-testid="token-revoked">
          {fill(t.revoked, done)}
        </div>
      ) : null}
    </Card>
  );
}

function KeySet(props: PageProps) {
  const t = useTexts(T);
  const keys = useLoad(() => api<KeyList>(props.keyring, 'ch', 'GET', '/keys'));
  return (
    <Card title={t.keys} id="ch-keys">
      <p class="hint">{t.keysHint}</p>
      <ListState loaded={keys} isEmpty={(d) => d.keys.length === 0} empty={t.noKeys}>
        {(d) => (
          <table data-testid="key-list">
            <TableHead columns={[t.kid, t.status, t.validFrom, t.validUntil, t.signs, t.heldHere]} />
            <tbody>
              {d.keys.map((k) => (
                <tr data-kid={k.kid}>
                  <td class="mono small">{k.kid}</td>
                  <td>
                    <Badge value={k.status} />
                  </td>
                  <td>{formatDate(k.notBefore)}</td>
                  <td>{formatDate(k.revokedAt ?? k.notAfter)}</td>
                  <td>{k.kid === d.signingKid ? t.yes : t.no}</td>
                  <td>{k.heldHere ? t.yes : t.no}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListState>
    </Card>
  );
}

export function ClearinghouseAdmin(props: PageProps) {
  const t = useTexts(T);
  const orgs = useLoad(() => api<OrganizationList>(props.keyring, 'ch', 'GET', '/orgs'));
  const agents = useLoad(() => api<AgentList>(props.keyring, 'ch', 'GET', '/agents'));
  // a new organization or agent comes with a new token: the token list shows it
  const [refresh, setRefresh] = useState(0);
  return (
    <>
      <Directory
        {...props}
        kind={{
          id: 'ch-orgs',
          path: '/orgs',
          title: t.orgs,
          nameLabel: t.orgName,
          nameField: 'orgName',
          createLabel: t.createOrg,
          created: t.orgCreated,
          none: t.noOrgs,
          listTestId: 'org-list',
          tokenTestId: 'new-org-token',
          rowAttribute: 'data-org',
        }}
        rows={mapLoaded(orgs, (d) => d.organizations)}
        onChanged={() => {
          orgs.reload();
          setRefresh((n) => n + 1);
        }}
      />
      <Directory
        {...props}
        kind={{
          id: 'ch-agents',
          path: '/agents',
          title: t.agents,
          nameLabel: t.agentName,
          nameField: 'agentName',
          createLabel: t.createAgent,
          created: t.agentCreated,
          none: t.noAgents,
          listTestId: 'agent-list',
          tokenTestId: 'new-agent-token',
          rowAttribute: 'data-agent',
        }}
        rows={mapLoaded(agents, (d) => d.agents)}
        onChanged={() => {
          agents.reload();
          setRefresh((n) => n + 1);
        }}
      />
      <Packs {...props} orgs={orgs} />
      <Tokens {...props} orgs={orgs} agents={agents} refresh={refresh} />
      <KeySet {...props} />
    </>
  );
}
