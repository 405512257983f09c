/**
 * One table for every paged list of the console (core/paged-list.ts): the server pages, sorts and filters; the
 * table shows "Rows a–b of M" at all times, sorts by a column header, downloads the whole filtered list as CSV,
 * and says when it is loading, empty or refused. A row may be selected (Enter or a click) to show its detail.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, apiText, type ApiError, type Component, type KeyringEntry } from './api';
import { defineTexts, fill, useTexts } from './i18n';
import type { PageInfo } from './paged';
import { Refusal } from './ui';

const T = defineTexts({
  en: {
    rows: 'Rows {first}–{last} of {total}',
    none: '0 of {total}',
    loading: 'Loading…',
    empty: 'Nothing matches.',
    previous: 'Previous page',
    next: 'Next page',
    first: 'First page',
    csv: 'Download CSV (whole filtered list)',
    csvBusy: 'Preparing the CSV…',
    sortBy: 'Sort by {column}',
    ascending: 'ascending',
    descending: 'descending',
  },
  fr: {
    rows: 'Lignes {first}–{last} sur {total}',
    none: '0 sur {total}',
    loading: 'Chargement…',
    empty: 'Rien ne correspond.',
    previous: 'Page précédente',
    next: 'Page suivante',
    first: 'Première page',
    csv: 'Télécharger en CSV (toute la liste filtrée)',
    csvBusy: 'Préparation du CSV…',
    sortBy: 'Trier par {column}',
    ascending: 'croissant',
    descending: 'décroissant',
  },
});

export interface ListColumn<Row> {
  title: string;
  /** the API's sort name of this column, when the list may be sorted by it */
  sort?: string;
  cell: (row: Row) => ComponentChildren;
  class?: string;
}

export interface ListTableProps<Row> {
  keyring: readonly KeyringEntry[];
  component: Component;
  /** the list route under the component's prefix, e.g. /events */
  path: string;
  /** the key of the rows in the answer, e.g. events */
  rowsKey: string;
  /** the filters, as query parameters (an array repeats the parameter) */
  filters: Record<string, string | readonly string[] | undefined>;
  columns: readonly ListColumn<Row>[];
  /** the API's default sort name (shown as the current sort until one is chosen) */
  defaultSort: string;
  rowId: (row: Row) => string | number;
  label: string;
  csvName: string;
  limit?: number;
  /** reload the first page every `followMs` while it is shown (new rows appear on top) */
  followMs?: number;
  selected?: string | number;
  onSelect?: (row: Row) => void;
  /** told which page is shown: 0 is the first */
  onPage?: (index: number) => void;
  /** the first page's rows, each time it is read */
  onFirstPage?: (rows: Row[]) => void;
  /** the rows of the page shown, each time a page is read */
  onRows?: (rows: Row[]) => void;
  /** read the page shown again when this changes (after the page changed something) */
  reloadKey?: number;
}

function queryOf(filters: ListTableProps<unknown>['filters'], extra: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) {
    if (v === undefined || v === '') continue;
    if (typeof v === 'string') q.set(k, v);
    else for (const one of v) q.append(k, one);
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) q.set(k, v);
  return q.toString();
}

export function ListTable<Row>(props: ListTableProps<Row>) {
  const t = useTexts(T);
  const [sort, setSort] = useState(props.defaultSort);
  // the cursors of the pages shown so far: the first page has none
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<{ rows: Row[]; info: PageInfo; first: number }>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const [csvBusy, setCsvBusy] = useState(false);
  const limit = props.limit ?? 50;
  const index = cursors.length - 1;
  const filterKey = JSON.stringify(props.filters);

  // New filters or a new sort start again from the first page.
  useEffect(() => setCursors([undefined]), [filterKey, sort, props.path, props.component]);

  useEffect(() => {
    let live = true;
    setLoading(true);
    const cursor = cursors[index];
    void api<PageInfo & Record<string, unknown>>(props.keyring, props.component, 'GET', `${props.path}?${queryOf(props.filters, { sort, limit: String(limit), cursor })}`).then((r) => {
      if (!live) return;
      setLoading(false);
      if (!r.ok) {
        setError(r.error);
        return;
      }
      setError(undefined);
      const rows = (r.value[props.rowsKey] as Row[] | undefined) ?? [];
      setPage({ rows, info: r.value, first: index * limit });
      if (index === 0) props.onFirstPage?.(rows);
      props.onRows?.(rows);
    });
    return () => {
      live = false;
    };
  }, [tick, index, cursors[index], filterKey, sort, props.path, props.component, props.reloadKey]);

  useEffect(() => props.onPage?.(index), [index]);

  // Follow: the first page is read again every followMs while it is the page shown.
  useEffect(() => {
    if (!props.followMs || index !== 0) return;
    const timer = setInterval(() => setTick((n) => n + 1), props.followMs);
    return () => clearInterval(timer);
  }, [props.followMs, index]);

  const n = (v: number) => v.toLocaleString();
  const shown = page?.rows.length ?? 0;
  const pager = page ? (shown > 0 ? fill(t.rows, { first: n(page.first + 1), last: n(page.first + shown), total: n(page.info.total) }) : fill(t.none, { total: n(page.info.total) })) : loading ? t.loading : '';

  const onSort = (name: string) => setSort(sort === name ? `-${name}` : sort === `-${name}` ? name : name);
  const download = async () => {
    setCsvBusy(true);
    const r = await apiText(props.keyring, props.component, `${props.path}?${queryOf(props.filters, { sort, format: 'csv' })}`);
    setCsvBusy(false);
    if (!r.ok) {
      setError(r.error);
      return;
    }
    const url = URL.createObjectURL(new Blob([r.value], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = props.csvName;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  return (
    <div class="list-table" aria-busy={loading ? 'true' : 'false'}>
      <div class="pager" role="status" aria-live="polite">
        <span class="pager-count" data-testid="pager">
          {pager}
        </span>
        <button type="button" class="secondary" disabled={index === 0 || loading} onClick={() => setCursors([undefined])}>
          {t.first}
        </button>
        <button type="button" class="secondary" disabled={index === 0 || loading} onClick={() => setCursors(cursors.slice(0, -1))}>
          {t.previous}
        </button>
        <button type="button" class="secondary" disabled={!page?.info.nextCursor || loading} onClick={() => page?.info.nextCursor && setCursors([...cursors, page.info.nextCursor])}>
          {t.next}
        </button>
        <button type="button" class="secondary" disabled={csvBusy} onClick={() => void download()}>
          {csvBusy ? t.csvBusy : t.csv}
        </button>
      </div>
      <Refusal error={error} />
      <table aria-label={props.label}>
        <thead>
          <tr>
            {props.columns.map((c) => {
              const current = c.sort !== undefined && (sort === c.sort || sort === `-${c.sort}`);
              const descending = sort.startsWith('-');
              return (
                <th scope="col" aria-sort={current ? (descending ? 'descending' : 'ascending') : undefined}>
                  {c.sort ? (
                    <button type="button" class="link sort" title={fill(t.sortBy, { column: c.title })} onClick={() => onSort(c.sort!)}>
                      {c.title}
                      {current ? <span aria-label={descending ? t.descending : t.ascending}>{descending ? ' ▼' : ' ▲'}</span> : null}
                    </button>
                  ) : (
                    c.title
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {(page?.rows ?? []).map((row) => {
            const id = props.rowId(row);
            const selected = props.selected !== undefined && props.selected === id;
            return (
              <tr
                data-row-id={String(id)}
                class={selected ? 'selected' : undefined}
                aria-selected={props.onSelect ? (selected ? 'true' : 'false') : undefined}
                tabIndex={props.onSelect ? 0 : undefined}
                onClick={props.onSelect ? () => props.onSelect!(row) : undefined}
                onKeyDown={
                  props.onSelect
                    ? (e) => {
                        if (e.key === 'Enter' || e.key === ' ') {
                          e.preventDefault();
                          props.onSelect!(row);
                        }
                      }
                    : undefined
                }
              >
                {props.columns.map((c) => (
                  <td class={c.class}>{c.cell(row)}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
      {page && shown === 0 && !loading ? <p class="hint empty">{t.empty}</p> : null}
    </div>
  );
}
