import { html, type SafeHtml } from '../html.js';

export interface Series {
  label: string;
  /** A class of app.css that colours the bars (chart-a, chart-b). */
  tone: 'chart-a' | 'chart-b';
  values: number[];
}

const W = 720;
const H = 240;
const PAD = { left: 40, right: 12, top: 12, bottom: 36 };

/** A rounded-up axis maximum with 4 ticks of whole numbers. */
function axisMax(max: number): number {
  if (max <= 4) return 4;
  const step = Math.ceil(max / 4);
  const magnitude = 10 ** Math.floor(Math.log10(step));
  return Math.ceil(step / magnitude) * magnitude * 4;
}

/**
 * A grouped bar chart drawn on the server as SVG (no script, no CDN), with a title and a description for
 * assistive technology and the figures themselves in a table beside it.
 */
export function barChart(opts: { id: string; title: string; categories: string[]; series: Series[]; unit: string }): SafeHtml {
  const { categories, series } = opts;
  const max = axisMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const band = plotW / Math.max(1, categories.length);
  const barW = Math.max(1, (band * 0.8) / series.length);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  // Labels under the bars: every one when they fit, otherwise every n-th.
  const every = Math.max(1, Math.ceil(categories.length / 12));
  const ticks = [0, 1, 2, 3, 4].map((i) => (max / 4) * i);
  return html`<figure class="chart" id="${opts.id}">
<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${opts.id}-t ${opts.id}-d" class="chart-svg">
<title id="${opts.id}-t">${opts.title}</title>
<desc id="${opts.id}-d">${series.map((s) => `${s.label}：${s.values.reduce((a, b) => a + b, 0)}${opts.unit}`).join('；')}</desc>
${ticks.map((t) => html`<line class="chart-grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}"></line><text class="chart-tick" x="${PAD.left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`)}
${categories.map((c, i) => html`<g>${series.map((s, k) => {
    const v = s.values[i] ?? 0;
    return html`<rect class="${s.tone}" x="${(PAD.left + i * band + band * 0.1 + k * barW).toFixed(1)}" y="${y(v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(PAD.top + plotH - y(v)).toFixed(1)}"><title>${c} ${s.label} ${v}${opts.unit}</title></rect>`;
  })}${i % every === 0 ? html`<text class="chart-label" x="${(PAD.left + i * band + band / 2).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${c}</text>` : ''}</g>`)}
</svg>
<figcaption>${opts.title}${series.length > 1 ? html` <span class="legend">${series.map((s) => html`<span class="key ${s.tone}"></span>${s.label} `)}</span>` : ''}</figcaption>
</figure>`;
}
