/**
 * Charts of the console, drawn by uPlot (canvas) from the numbers the API answered. Each chart is a <figure>: a
 * caption that says what it shows in words, the canvas (hidden from screen readers), and the same numbers as a
 * table that only screen readers read. The library is loaded on first use (chart-engine.ts is its own chunk): pages
 * without a chart never fetch it.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlotType from 'uplot';
import { defineTexts, useTexts } from './i18n';
import './charts.css';

type UPlot = typeof uPlotType;
let engine: Promise<UPlot> | undefined;
const loadEngine = () => (engine ??= import('./chart-engine').then((m) => m.uPlot));

const T = defineTexts({
  en: { loading: 'Drawing the chart…', failed: 'The chart could not be drawn; its numbers are in the table below.', numbers: 'Show the numbers', hide: 'Hide the numbers' },
  fr: { loading: 'Tracé du graphique…', failed: 'Le graphique n’a pas pu être tracé ; ses valeurs sont dans le tableau ci-dessous.', numbers: 'Afficher les valeurs', hide: 'Masquer les valeurs' },
});

/** The colours of the console's palette (style.css), in the order series take them. */
export const COLORS = { brand: '#1f4e79', ok: '#1a7f37', warn: '#9a6700', bad: '#cf222e', muted: '#8c959f', light: '#c9d6e3' } as const;

export interface ChartTable {
  head: readonly string[];
  rows: readonly (readonly (string | number)[])[];
}

/** What a chart needs from uPlot: its options (without the size) and its data, built once the library is there. */
export type ChartSpec = (u: UPlot) => { options: Omit<uPlotType.Options, 'width' | 'height'>; data: uPlotType.AlignedData };

/**
 * A chart with its text equivalent. `summary` is shown under the title for everyone; `table` holds every number the
 * chart draws, read by screen readers (and shown on demand).
 */
export function Chart(props: { id: string; title: string; summary: ComponentChildren; table: ChartTable; spec: ChartSpec; height?: number; deps: readonly unknown[] }) {
  const t = useTexts(T);
  const box = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<'loading' | 'drawn' | 'failed'>('loading');
  const [showTable, setShowTable] = useState(false);
  useEffect(() => {
    let chart: uPlotType | undefined;
    let observer: ResizeObserver | undefined;
    let live = true;
    loadEngine()
      .then((uPlot) => {
        const el = box.current;
        if (!live || !el) return;
        const { options, data } = props.spec(uPlot);
        const size = () => ({ width: Math.max(240, el.clientWidth), height: props.height ?? 220 });
        chart = new uPlot({ ...options, ...size() }, data, el);
        observer = new ResizeObserver(() => chart?.setSize(size()));
        observer.observe(el);
        setState('drawn');
      })
      .catch(() => live && setState('failed'));
    return () => {
      live = false;
      observer?.disconnect();
      chart?.destroy();
    };
  }, props.deps);
  const tableId = `${props.id}-numbers`;
  return (
    <figure class="chart" data-chart={props.id} data-state={state} aria-labelledby={`${props.id}-caption`}>
      <figcaption id={`${props.id}-caption`}>
        <span class="sr-only">{props.title}: </span>
        <span class="chart-summary" data-testid={`${props.id}-summary`}>{props.summary}</span>
      </figcaption>
      <div class="chart-canvas" ref={box} aria-hidden="true">
        {state === 'loading' ? <p class="hint">{t.loading}</p> : state === 'failed' ? <p class="hint">{t.failed}</p> : null}
      </div>
      <button type="button" class="secondary small" aria-controls={tableId} aria-expanded={showTable} onClick={() => setShowTable((s) => !s)}>
        {showTable ? t.hide : t.numbers}
      </button>
      <div id={tableId} class={showTable ? 'chart-numbers' : 'chart-numbers sr-only'} data-testid={tableId}>
        <table>
          <caption class="sr-only">{props.title}</caption>
          <thead>
            <tr>
              {props.table.head.map((h) => (
                <th scope="col">{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.table.rows.map((r) => (
              <tr>
                {r.map((c, i) => (i === 0 ? <th scope="row">{c}</th> : <td>{c}</td>))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

export interface BarSeries {
  label: string;
  values: readonly number[];
  color: string;
  /** width of the bar as a share of a category's slot, and where it stands in it (-1 left, 0 centre, 1 right). */
  size?: number;
  align?: -1 | 0 | 1;
  /** the widest the bar may be, in CSS pixels */
  max?: number;
}

const axisStyle = { stroke: '#5b6470', grid: { stroke: '#eaeef2', width: 1 }, ticks: { stroke: '#d5dbe1', width: 1 } };

/** Bars per category (key packs, servers, statuses): series drawn in order, later ones over earlier ones. */
export function barSpec(categories: readonly string[], series: readonly BarSeries[], options: { yMax?: number } = {}): ChartSpec {
  return (uPlot) => {
    const xs = categories.map((_, i) => i);
    const top = options.yMax ?? Math.max(1, ...series.flatMap((s) => s.values));
    return {
      options: {
        scales: { x: { time: false, range: [-0.5, Math.max(0.5, categories.length - 0.5)] }, y: { range: [0, top * 1.1] } },
        axes: [
          { ...axisStyle, splits: () => xs, values: (_u, splits) => splits.map((i) => categories[i] ?? ''), grid: { show: false } },
          { ...axisStyle, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) },
        ],
        legend: { show: true, live: false },
        cursor: { show: false },
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            fill: s.color,
            width: 0,
            points: { show: false },
            paths: uPlot.paths.bars!({ size: [s.size ?? 0.6, s.max ?? 80], align: s.align ?? 0 }),
          })),
        ],
      },
      data: [xs, ...series.map((s) => [...s.values])],
    };
  };
}

/** An axis label in UTC, the same in every language: `14:00` (with the date at midnight) per hour, `01-31` per day, `2027-01-31` on a time line. */
function utcLabel(unit: 'hour' | 'day' | 'date', seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  if (unit === 'date') return iso.slice(0, 10);
  if (unit === 'day') return iso.slice(5, 10);
  return iso.slice(11, 13) === '00' ? `${iso.slice(11, 16)}\n${iso.slice(5, 10)}` : iso.slice(11, 16);
}

/** Counts over time (UTC buckets): one line per series, with a point on each bucket. */
export function timeSeriesSpec(unit: 'hour' | 'day', starts: readonly Date[], series: readonly { label: string; values: readonly number[]; color: string }[]): ChartSpec {
  return (uPlot) => ({
    options: {
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [{ ...axisStyle, values: (_u, splits) => splits.map((v) => utcLabel(unit, v)) }, { ...axisStyle, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) }],
      legend: { show: true, live: false },
      cursor: { show: false },
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: true, size: 5, fill: s.color } }))],
    },
    data: [starts.map((d) => d.getTime() / 1000), ...series.map((s) => [...s.values])],
  });
}

/** Dates on a time line, one lane per item (a certificate, a grant), with today marked by the start of the axis. */
export function timelineSpec(items: readonly { label: string; at: Date }[], now: Date, legend: string): ChartSpec {
  return (uPlot) => {
    const sorted = [...items].sort((a, b) => a.at.getTime() - b.at.getTime());
    const xs = sorted.map((i) => i.at.getTime() / 1000);
    const start = Math.min(now.getTime() / 1000, xs[0] ?? now.getTime() / 1000);
    const end = Math.max(...xs, now.getTime() / 1000 + 86_400);
    // the lane names are the y axis' labels: room for the longest (about 7 px a character at the axis' font size)
    const labelWidth = Math.min(320, 24 + 7 * Math.max(0, ...sorted.map((i) => i.label.length)));
    return {
      options: {
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true, range: [start, end + (end - start) * 0.08] }, y: { range: [-0.7, Math.max(0.7, sorted.length - 0.3)] } },
        axes: [
          { ...axisStyle, space: 90, values: (_u, splits) => splits.map((v) => utcLabel('date', v)) },
          { ...axisStyle, size: labelWidth, splits: () => sorted.map((_, i) => i), values: (_u, splits) => splits.map((i) => sorted[i]?.label ?? ''), grid: { show: false } },
        ],
        legend: { show: false },
        cursor: { show: false },
        series: [{}, { label: legend, stroke: COLORS.brand, width: 0, paths: () => null, points: { show: true, size: 11, fill: COLORS.brand, stroke: COLORS.brand } }],
      },
      data: [xs, sorted.map((_, i) => i)],
    };
  };
}
