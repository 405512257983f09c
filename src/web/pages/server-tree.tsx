/**
 * "All servers", as RD Licensing Manager shows them: the organization's license servers as the clearinghouse
 * knows them (activation, last check-in, the packs active on each), with this license server expandable to its
 * key packs; selecting a server shows its details beside the tree. Without a clearinghouse token the tree holds
 * this license server alone. A tree of buttons (expand, select): Tab, Enter and Space reach everything.
 */
import { useState } from 'preact/hooks';
import { agoText, shortServerId } from '../../core/case-evidence-texts';
import type { PackList, PackView, ServerList, ServerView } from '../../core/wire/clearinghouse';
import type { KeyPackView, LicenseServerStatus } from '../../core/wire/license-server';
import { api, grantFor, tokenFor, type ApiResult } from '../api';
import type { PageProps } from '../app';
import { defineTexts, fill, useLang, useTexts, type Lang } from '../i18n';
import { Badge, Card, Empty, formatDate, Refusal, useLoad } from '../ui';

const T = defineTexts({
  en: {
    title: 'All servers',
    tree: 'License servers of the organization',
    loading: 'Loading what the clearinghouse knows of the organization’s license servers…',
    noClearinghouse: 'Only this license server is shown: add the organization’s token to see every license server of the organization.',
    thisServer: 'this license server',
    expand: 'Show the key packs of {server}',
    collapse: 'Hide the key packs of {server}',
    select: 'Details of license server {server}',
    noKeyPacks: 'No key packs installed.',
    keyPack: 'Pack {pack}·{seq} — {type} {version} — {available} of {total} available',
    perDevice: 'Per Device',
    perUser: 'Per User',
    checkedIn: 'last check-in {ago}',
    neverCheckedIn: 'never checked in',
    packsActive: '{n} pack(s) active',
    details: 'Details of {server}',
    serverId: 'License server ID',
    status: 'Activation',
    method: 'Method',
    version: 'Version',
    activatedAt: 'Activated',
    lastCheckIn: 'Last check-in',
    certificate: 'Certificate expires',
    company: 'Company',
    packs: 'Packs active on it',
    noPacks: 'None.',
    packLine: 'Pack {pack}: {count} {type} CALs, version {version} ({program})',
    notKnown: 'The clearinghouse does not know this license server yet (not activated, or activated by another organization).',
    chooseServer: 'Choose a license server in the tree to see its details.',
  },
  fr: {
    title: 'Tous les serveurs',
    tree: 'Serveurs de licences de l’organisation',
    loading: 'Chargement de ce que le centre d’échange sait des serveurs de licences de l’organisation…',
    noClearinghouse: 'Seul ce serveur de licences est montré : ajoutez le jeton de l’organisation pour voir tous ses serveurs de licences.',
    thisServer: 'ce serveur de licences',
    expand: 'Montrer les packs de clés de {server}',
    collapse: 'Masquer les packs de clés de {server}',
    select: 'Détails du serveur de licences {server}',
    noKeyPacks: 'Aucun pack de clés installé.',
    keyPack: 'Pack {pack}·{seq} — {type} {version} — {available} disponible(s) sur {total}',
    perDevice: 'Par périphérique',
    perUser: 'Par utilisateur',
    checkedIn: 'dernière manifestation {ago}',
    neverCheckedIn: 'ne s’est jamais manifesté',
    packsActive: '{n} pack(s) actif(s)',
    details: 'Détails de {server}',
    serverId: 'ID du serveur de licences',
    status: 'Activation',
    method: 'Méthode',
    version: 'Version',
    activatedAt: 'Activé le',
    lastCheckIn: 'Dernière manifestation',
    certificate: 'Expiration du certificat',
    company: 'Société',
    packs: 'Packs actifs sur ce serveur',
    noPacks: 'Aucun.',
    packLine: 'Pack {pack} : {count} CAL {type}, version {version} ({program})',
    notKnown: 'Le centre d’échange ne connaît pas encore ce serveur de licences (pas activé, ou activé par une autre organisation).',
    chooseServer: 'Choisissez un serveur de licences dans l’arbre pour voir ses détails.',
  },
});

type Texts = (typeof T)['en'];

/** One license server of the tree: what the clearinghouse knows of it, and whether it is the one answering here. */
interface Node {
  serverId: string;
  local: boolean;
  known?: ServerView;
  packs: PackView[];
}

const calType = (t: Texts, c: string) => (c === 'device' ? t.perDevice : t.perUser);

/** The organization's license servers, this one first; packs on each from the clearinghouse's list. */
function nodesOf(status: LicenseServerStatus, servers: ServerView[] | undefined, packs: PackView[] | undefined, orgOnly: boolean): Node[] {
  const local = servers?.find((s) => s.serverId === status.serverId);
  // An administrator's or agent's token lists every organization's servers: keep this server's organization's.
  const mine = (servers ?? []).filter((s) => !orgOnly || (local !== undefined && s.orgId === local.orgId));
  const packsOn = (id: string) => (packs ?? []).filter((p) => p.serverId === id && p.status === 'installed');
  const others = mine.filter((s) => s.serverId !== status.serverId).sort((a, b) => (b.lastCheckInAt ?? b.activatedAt).localeCompare(a.lastCheckInAt ?? a.activatedAt));
  return [{ serverId: status.serverId, local: true, ...(local ? { known: local } : {}), packs: packsOn(status.serverId) }, ...others.map((s) => ({ serverId: s.serverId, local: false, known: s, packs: packsOn(s.serverId) }))];
}

function checkInText(t: Texts, lang: Lang, at: string | null | undefined, now: Date): string {
  return at ? fill(t.checkedIn, { ago: agoText(new Date(at), now, lang) }) : t.neverCheckedIn;
}

function KeyPackItems(props: { keyPacks: KeyPackView[] }) {
  const t = useTexts(T);
  if (props.keyPacks.length === 0) return <p class="hint">{t.noKeyPacks}</p>;
  return (
    <ul class="tree-children" data-testid="tree-key-packs">
      {props.keyPacks.map((k) => (
        <li data-tree-key-pack={k.pack}>
          {fill(t.keyPack, { pack: k.pack, seq: k.seq, type: calType(t, k.calType), version: k.calVersion, available: k.available, total: k.total })} <Badge value={k.status} />
        </li>
      ))}
    </ul>
  );
}

function Details(props: { node: Node; status: LicenseServerStatus; now: Date }) {
  const lang = useLang();
  const t = T[lang];
  const { node, status } = props;
  const s = node.known;
  const activation = node.local ? status.activation : undefined;
  return (
    <section class="tree-details" aria-labelledby="tree-details-title" data-testid="tree-details" data-server={node.serverId}>
      <h3 id="tree-details-title">{fill(t.details, { server: node.local ? t.thisServer : shortServerId(node.serverId) })}</h3>
      <dl class="facts">
        <dt>{t.serverId}</dt>
        <dd class="mono small">{node.serverId}</dd>
        <dt>{t.status}</dt>
        <dd>
          <Badge value={s?.status ?? activation?.status} />
        </dd>
        <dt>{t.method}</dt>
        <dd>{s?.method ?? activation?.method ?? '—'}</dd>
        <dt>{t.version}</dt>
        <dd>{s?.serverVersion ?? (node.local ? status.version : '—')}</dd>
        <dt>{t.activatedAt}</dt>
        <dd>{formatDate(s?.activatedAt ?? activation?.activatedAt)}</dd>
        <dt>{t.lastCheckIn}</dt>
        <dd>
          {formatDate(s?.lastCheckInAt ?? (node.local ? status.clearinghouse.lastCheckInAt : undefined))} ({checkInText(t, lang, s ? s.lastCheckInAt : status.clearinghouse.lastCheckInAt, props.now)})
        </dd>
        <dt>{t.certificate}</dt>
        <dd>{formatDate(s?.certificateExpiresAt ?? activation?.expiresAt)}</dd>
        <dt>{t.company}</dt>
        <dd>{s?.company['company'] ?? activation?.contact?.company ?? '—'}</dd>
        <dt>{t.packs}</dt>
        <dd>
          {node.packs.length === 0 ? (
            t.noPacks
          ) : (
            <ul>
              {node.packs.map((p) => (
                <li>{fill(t.packLine, { pack: p.number, count: p.count, type: calType(t, p.calType), version: p.calVersion, program: p.program })}</li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      {s ? null : <p class="hint">{t.notKnown}</p>}
    </section>
  );
}

const none = async <V,>(): Promise<ApiResult<V | undefined>> => ({ ok: true, value: undefined });

export function ServerTree(props: PageProps & { status: LicenseServerStatus }) {
  const lang = useLang();
  const t = T[lang];
  const hasCh = tokenFor(props.keyring, 'ch') !== undefined;
  const servers = useLoad(() => (hasCh ? api<ServerList>(props.keyring, 'ch', 'GET', '/servers') : none<ServerList>()), [hasCh]);
  const packs = useLoad(() => (hasCh ? api<PackList>(props.keyring, 'ch', 'GET', '/packs') : none<PackList>()), [hasCh]);
  const [selected, setSelected] = useState<string>(props.status.serverId);
  const [expanded, setExpanded] = useState(true);
  const orgOnly = grantFor(props.keyring, 'ch')?.scope !== 'ch:org';
  const nodes = nodesOf(props.status, servers.data?.servers, packs.data?.packs, orgOnly);
  const now = new Date();
  const node = nodes.find((n) => n.serverId === selected);
  return (
    <Card title={t.title} id="server-tree">
      {!hasCh ? <p class="hint">{t.noClearinghouse}</p> : null}
      <Refusal error={servers.error ?? packs.error} />
      {hasCh && servers.loading && !servers.data ? (
        <p class="hint" role="status">
          {t.loading}
        </p>
      ) : null}
      <div class="tree-layout">
        <ul class="tree" aria-label={t.tree} data-testid="server-tree">
          {nodes.map((n) => {
            const name = n.local ? `${shortServerId(n.serverId)} (${t.thisServer})` : shortServerId(n.serverId);
            const lastCheckIn = n.known ? n.known.lastCheckInAt : props.status.clearinghouse.lastCheckInAt;
            return (
              <li data-tree-server={n.serverId} data-local={n.local ? 'true' : 'false'}>
                <div class="tree-row">
                  {n.local ? (
                    <button type="button" class="tree-toggle secondary small" aria-expanded={expanded} aria-label={fill(expanded ? t.collapse : t.expand, { server: name })} onClick={() => setExpanded(!expanded)}>
                      {expanded ? '▾' : '▸'}
                    </button>
                  ) : (
                    <span class="tree-toggle-space" aria-hidden="true" />
                  )}
                  <button
                    type="button"
                    class={`tree-node${selected === n.serverId ? ' selected' : ''}`}
                    aria-pressed={selected === n.serverId}
                    aria-label={fill(t.select, { server: name })}
                    onClick={() => setSelected(n.serverId)}
                  >
                    <span class="mono">{name}</span>
                  </button>
                  <Badge value={n.known?.status ?? (n.local ? props.status.activation.status : undefined)} />
                  <span class="hint">
                    {checkInText(t, lang, lastCheckIn, now)} · {fill(t.packsActive, { n: n.local && !n.known ? props.status.keyPacks.filter((k) => k.status === 'active').length : n.packs.length })}
                  </span>
                </div>
                {n.local && expanded ? <KeyPackItems keyPacks={props.status.keyPacks} /> : null}
              </li>
            );
          })}
        </ul>
        {node ? <Details node={node} status={props.status} now={now} /> : <Empty>{t.chooseServer}</Empty>}
      </div>
    </Card>
  );
}
