/**
 * The growth chart of `npm run bench` as plain SVG text (docs/performance-growth.svg): one small line chart per
 * figure, the database size on the x axis (one step per measured size), every point labelled with its value.
 */
export interface Series {
  name: string;
  values: (number | undefined)[];
  color: string;
  dashed?: boolean;
}

export interface Panel {
  title: string;
  unit: string;
  xLabels: string[];
  series: Series[];
}

const W = 330;
const H = 250;
const PAD = { left: 46, right: 16, top: 40, bottom: 52 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(0) : v.toFixed(1));

function panel(p: Panel, x0: number): string {
  const values = p.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined));
  const max = Math.max(1, ...values) * 1.15;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const xAt = (i: number) => x0 + PAD.left + (p.xLabels.length === 1 ? plotW / 2 : (i * plotW) / (p.xLabels.length - 1));
  const yAt = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const out: string[] = [];
  out.push(`<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
  out.push(`<text x="${x0 + 8}" y="${PAD.top - 8}" font-size="11" fill="#555">${esc(p.unit)}</text>`);
  for (let k = 0; k <= 4; k++) {
    const v = (max / 4) * k;
    const y = yAt(v);
    out.push(`<line x1="${x0 + PAD.left}" x2="${x0 + W - PAD.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x0 + PAD.left - 4}" y="${y + 4}" font-size="10" text-anchor="end" fill="#777">${fmt(v)}</text>`);
  }
  p.xLabels.forEach((label, i) => {
    out.push(`<text x="${xAt(i)}" y="${PAD.top + plotH + 16}" font-size="11" text-anchor="middle">${esc(label)}</text>`);
  });
  p.series.forEach((s, si) => {
    const pts = s.values.map((v, i) => (v === undefined ? undefined : ([xAt(i), yAt(v), v] as const))).filter((x) => x !== undefined);
    if (pts.length > 1) {
      out.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''} points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`,
      );
    }
    for (const [x, y, v] of pts) {
      out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${s.color}"/>`);
      out.push(`<text x="${x.toFixed(1)}" y="${(y - 7).toFixed(1)}" font-size="10" text-anchor="middle" fill="${s.color}">${fmt(v)}</text>`);
    }
    const ly = H - 14 - (p.series.length - 1 - si) * 14;
    out.push(`<line x1="${x0 + PAD.left}" x2="${x0 + PAD.left + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    out.push(`<text x="${x0 + PAD.left + 24}" y="${ly}" font-size="11">${esc(s.name)}</text>`);
  });
  return out.join('\n');
}

export function chartSvg(title: string, panels: Panel[]): string {
  const width = W * panels.length;
  const height = H + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<g transform="translate(0, 24)">`,
    ...panels.map((p, i) => panel(p, i * W)),
    '</g>',
    `<text x="8" y="16" font-size="13" fill="#333">${esc(title)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
