/** One line of a chart: points (x, y); points with a non-finite y are left out. */
export interface Series {
  name: string;
  points: [number, number][];
  /** Index into the palette (default: the series' own index); dashed for a secondary line. */
  color?: number;
  dashed?: boolean;
}

/** One plot: x on a log scale, y linear from 0. */
export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
}

const WIDTH = 520;
const HEIGHT = 340;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 50 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (n: number) => Number(n.toFixed(1));

/** 10000 → 10k, 1000000 → 1M: the x ticks are the measured values. */
function shortNumber(n: number): string {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

/** A step of 1, 2 or 5 × 10^k giving about five ticks up to `max`. */
function niceStep(max: number): number {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

function panel(p: Panel, left: number): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const ok = (s: Series) => s.points.filter(([x, y]) => x > 0 && Number.isFinite(y));
  const xs = [...new Set(p.series.flatMap((s) => ok(s).map(([x]) => x)))].sort((a, b) => a - b);
  const ys = p.series.flatMap((s) => ok(s).map(([, y]) => y));
  let lo = Math.log10(xs[0] ?? 1);
  let hi = Math.log10(xs[xs.length - 1] ?? 10);
  if (hi - lo < 1e-9) [lo, hi] = [lo - 0.5, hi + 0.5];
  const pad = (hi - lo) * 0.05;
  // Headroom above the highest point keeps the legend (top left) clear of the lines.
  const top = Math.max(...ys, 1e-9) * 1.25;
  const step = niceStep(top);
  const yMax = Math.ceil(top / step) * step;
  const sx = (x: number) =>
    num(left + MARGIN.left + ((Math.log10(x) - lo + pad) / (hi - lo + 2 * pad)) * plotW);
  const sy = (y: number) => num(MARGIN.top + plotH - (y / yMax) * plotH);
  const x0 = left + MARGIN.left;
  const y0 = MARGIN.top + plotH;
  const out: string[] = [
    `<text x="${num(x0 + plotW / 2)}" y="22" text-anchor="middle" font-weight="bold">${xml(p.title)}</text>`,
    `<line x1="${x0}" y1="${y0}" x2="${x0 + plotW}" y2="${y0}" stroke="#000"/>`,
    `<line x1="${x0}" y1="${MARGIN.top}" x2="${x0}" y2="${y0}" stroke="#000"/>`,
  ];
  for (const x of xs) {
    out.push(
      `<line x1="${sx(x)}" y1="${y0}" x2="${sx(x)}" y2="${y0 + 5}" stroke="#000"/>`,
      `<text x="${sx(x)}" y="${y0 + 18}" text-anchor="middle">${shortNumber(x)}</text>`,
    );
  }
  for (let y = 0; y <= yMax + step / 2; y += step) {
    const label = Number(y.toPrecision(6));
    out.push(
      `<line x1="${x0}" y1="${sy(y)}" x2="${x0 + plotW}" y2="${sy(y)}" stroke="#ddd"/>`,
      `<text x="${x0 - 6}" y="${sy(y) + 4}" text-anchor="end">${label}</text>`,
    );
  }
  out.push(
    `<text x="${num(x0 + plotW / 2)}" y="${HEIGHT - 10}" text-anchor="middle">${xml(p.xLabel)}</text>`,
    `<text transform="translate(${left + 16} ${num(MARGIN.top + plotH / 2)}) rotate(-90)" text-anchor="middle">${xml(p.yLabel)}</text>`,
  );
  p.series.forEach((s, i) => {
    const color = COLORS[(s.color ?? i) % COLORS.length];
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    const points = ok(s).sort(([a], [b]) => a - b);
    const coords = points.map(([x, y]) => `${sx(x)},${sy(y)}`);
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${coords.join(' ')}"/>`,
    );
    for (const c of coords) {
      const [cx, cy] = c.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`);
    }
    const ly = MARGIN.top + 12 + i * 16;
    out.push(
      `<line x1="${x0 + 10}" y1="${ly - 4}" x2="${x0 + 30}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${x0 + 36}" y="${ly}">${xml(s.name)}</text>`,
    );
  });
  return out.join('\n');
}

/** Panels side by side in one SVG document, under a caption. */
export function lineChart(caption: string, panels: Panel[]): string {
  const width = WIDTH * panels.length;
  const height = HEIGHT + 30;
  const body = panels.map((p, i) => panel(p, i * WIDTH)).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${xml(caption)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<g transform="translate(0 30)">`,
    body,
    '</g>',
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${xml(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
