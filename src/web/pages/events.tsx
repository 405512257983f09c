/**
 * The events page, like Event Viewer: pick a component (those the signed-in tokens may read), filter its log by
 * event id, level, time range and words, page through it, select an event to read it whole, and follow the log
 * live (new events appear on top; following pauses while another page than the first is shown).
 */
import { useState } from 'preact/hooks';
import type { RecordedEvent } from '../../core/wire/common';
import { tokenFor, type Component, type KeyringEntry } from '../api';
import type { PageProps } from '../app';
import { defineTexts, fill, useTexts } from '../i18n';
import { ListTable, type ListColumn } from '../list-table';
import { Badge, Card, Empty, formatDate, TextInput, useId } from '../ui';

const T = defineTexts({
  en: {
    title: 'Events',
    source: 'Component',
    ch: 'Clearinghouse',
    ls: 'License server',
    sh: 'Session host',
    ids: 'Event IDs (comma-separated)',
    level: 'Level',
    anyLevel: 'Any level',
    information: 'Information',
    warning: 'Warning',
    error: 'Error',
    from: 'From',
    to: 'To',
    text: 'Message holds',
    apply: 'Apply filters',
    clear: 'Clear filters',
    follow: 'Follow live',
    following: 'Following: new events appear on top.',
    paused: 'Following is paused while an older page is shown; go back to the first page to resume.',
    time: 'Time',
    event: 'Event ID',
    channel: 'Channel',
    message: 'Message',
    log: 'Event log',
    detail: 'Event details',
    noneSelected: 'Select an event to read it whole.',
    record: 'Record',
    data: 'Data',
    badIds: 'Event IDs are numbers separated by commas, e.g. 1130, 9101.',
    noComponent: 'None of the signed-in tokens may read an event log. Sign in with an administrator or read-only token.',
  },
  fr: {
    title: 'Événements',
    source: 'Composant',
    ch: 'Centre d’échange',
    ls: 'Serveur de licences',
    sh: 'Hôte de session',
    ids: 'ID d’événement (séparés par des virgules)',
    level: 'Niveau',
    anyLevel: 'Tous niveaux',
    information: 'Information',
    warning: 'Avertissement',
    error: 'Erreur',
    from: 'Du',
    to: 'Au',
    text: 'Le message contient',
    apply: 'Appliquer les filtres',
    clear: 'Effacer les filtres',
    follow: 'Suivre en direct',
    following: 'Suivi en direct : les nouveaux événements apparaissent en haut.',
    paused: 'Le suivi est en pause tant qu’une page plus ancienne est affichée ; revenez à la première page pour le reprendre.',
    time: 'Heure',
    event: 'ID d’événement',
    channel: 'Canal',
    message: 'Message',
    log: 'Journal des événements',
    detail: 'Détails de l’événement',
    noneSelected: 'Sélectionnez un événement pour le lire en entier.',
    record: 'Enregistrement',
    data: 'Données',
    badIds: 'Les ID d’événement sont des nombres séparés par des virgules, par exemple 1130, 9101.',
    noComponent: 'Aucun des jetons connectés ne peut lire un journal d’événements. Connectez-vous avec un jeton d’administrateur ou de lecture seule.',
  },
});

const READERS: Readonly<Record<Component, readonly string[] | undefined>> = { ch: ['ch:admin', 'ch:agent', 'readonly'], ls: ['ls:admin', 'readonly'], sh: undefined };

/** The components whose event log the keyring may read. */
export function eventSources(keyring: readonly KeyringEntry[]): Component[] {
  return (['ls', 'sh', 'ch'] as const).filter((c) => tokenFor(keyring, c, READERS[c]) !== undefined);
}

interface Filters {
  ids: string;
  level: string;
  from: string;
  to: string;
  text: string;
}

const NO_FILTERS: Filters = { ids: '', level: '', from: '', to: '', text: '' };

/** A datetime-local value (the browser's time) as the API's ISO time. */
const isoOf = (local: string) => (local ? new Date(local).toISOString() : undefined);

export function EventsPage(props: PageProps) {
  const t = useTexts(T);
  const sources = eventSources(props.keyring);
  const [component, setComponent] = useState<Component | undefined>(sources[0]);
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  const [badIds, setBadIds] = useState(false);
  const [follow, setFollow] = useState(false);
  const [pageIndex, setPageIndex] = useState(0);
  const [selected, setSelected] = useState<RecordedEvent>();
  const sourceId = useId('event-source');
  const levelId = useId('event-level');
  const followId = useId('event-follow');

  if (!component) return <Empty>{t.noComponent}</Empty>;

  const apply = (e: Event) => {
    e.preventDefault();
    const ok = /^\s*(\d{1,5}\s*(,\s*\d{1,5}\s*)*)?$/.test(draft.ids);
    setBadIds(!ok);
    if (ok) setApplied(draft);
  };
  const ids = applied.ids.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const filters = { eventId: ids, level: applied.level || undefined, from: isoOf(applied.from), to: isoOf(applied.to), text: applied.text || undefined };

  const columns: ListColumn<RecordedEvent>[] = [
    { title: t.time, sort: 'at', cell: (e) => formatDate(e.at), class: 'time' },
    { title: t.level, sort: 'level', cell: (e) => <Badge value={e.level} /> },
    { title: t.event, sort: 'eventId', cell: (e) => e.eventId, class: 'mono' },
    { title: t.channel, cell: (e) => e.channel },
    { title: t.message, cell: (e) => e.message },
  ];

  return (
    <>
      <Card title={t.title} id="events-filters">
        <form class="filters" onSubmit={apply}>
          <div class="field">
            <label for={sourceId}>{t.source}</label>
            <select
              id={sourceId}
              value={component}
              onChange={(e) => {
                setComponent((e.currentTarget as HTMLSelectElement).value as Component);
                setSelected(undefined);
              }}
            >
              {sources.map((c) => (
                <option value={c}>{t[c]}</option>
              ))}
            </select>
          </div>
          <TextInput label={t.ids} value={draft.ids} onInput={(v) => setDraft({ ...draft, ids: v })} name="event-ids" />
          <div class="field">
            <label for={levelId}>{t.level}</label>
            <select id={levelId} value={draft.level} onChange={(e) => setDraft({ ...draft, level: (e.currentTarget as HTMLSelectElement).value })}>
              <option value="">{t.anyLevel}</option>
              <option value="information">{t.information}</option>
              <option value="warning">{t.warning}</option>
              <option value="error">{t.error}</option>
            </select>
          </div>
          <TextInput label={t.from} type="datetime-local" value={draft.from} onInput={(v) => setDraft({ ...draft, from: v })} name="event-from" />
          <TextInput label={t.to} type="datetime-local" value={draft.to} onInput={(v) => setDraft({ ...draft, to: v })} name="event-to" />
          <TextInput label={t.text} value={draft.text} onInput={(v) => setDraft({ ...draft, text: v })} name="event-text" />
          <div class="filter-actions">
            <button type="submit">{t.apply}</button>
            <button
              type="button"
              class="secondary"
              onClick={() => {
                setDraft(NO_FILTERS);
                setApplied(NO_FILTERS);
                setBadIds(false);
              }}
            >
              {t.clear}
            </button>
          </div>
          {badIds ? (
            <p class="alert error" role="alert">
              {t.badIds}
            </p>
          ) : null}
        </form>
        <label class="inline" for={followId}>
          <input id={followId} type="checkbox" checked={follow} onChange={(e) => setFollow((e.currentTarget as HTMLInputElement).checked)} /> {t.follow}
        </label>
        {follow ? <p class="hint" role="status">{pageIndex === 0 ? t.following : t.paused}</p> : null}
      </Card>
      <div class="events-view">
        <Card title={t.log} id="events-log">
          <ListTable<RecordedEvent>
            keyring={props.keyring}
            component={component}
            path="/events"
            rowsKey="events"
            filters={filters}
            columns={columns}
            defaultSort="-at"
            rowId={(e) => e.id}
            label={t.log}
            csvName={`${component}-events.csv`}
            {...(follow ? { followMs: 2000 } : {})}
            {...(selected ? { selected: selected.id } : {})}
            onSelect={setSelected}
            onPage={setPageIndex}
          />
        </Card>
        <Card title={t.detail} id="event-detail">
          {selected ? (
            <dl class="event-detail" data-testid="event-detail">
              <dt>{t.event}</dt>
              <dd class="mono">{selected.eventId}</dd>
              <dt>{t.level}</dt>
              <dd>
                <Badge value={selected.level} />
              </dd>
              <dt>{t.time}</dt>
              <dd>{formatDate(selected.at)}</dd>
              <dt>{t.channel}</dt>
              <dd>{selected.channel}</dd>
              <dt>{t.record}</dt>
              <dd class="mono">{fill('#{id}', { id: selected.id })}</dd>
              <dt>{t.message}</dt>
              <dd>{selected.message}</dd>
              <dt>{t.data}</dt>
              <dd>
                <pre>{JSON.stringify(selected.data, null, 2)}</pre>
              </dd>
            </dl>
          ) : (
            <Empty>{t.noneSelected}</Empty>
          )}
        </Card>
      </div>
    </>
  );
}
