// Score plots of the line page, drawn by uPlot (vendored in vendor/uplot, MIT): the current version's histogram of
// recent scores (stacked: good, reject, reviewed good, confirmed defect) with the calibration's out-of-fold good and
// synthetic defect scores on their own axis and the threshold as a vertical line; and score quantiles with the reject
// rate over time. The binning is the gateway's (/scores/histogram, /scores/timeline), so the plots show what the API
// says.

import uPlot from './vendor/uplot/uPlot.esm.js';
import { api, errorText } from './api.js';
import { h, message, replace } from './dom.js';

const HEIGHT = 260;

/** The plot's width: its panel's, so the plots use the page. */
function widthOf(target) { return Math.max(480, (target.clientWidth || 760) - 16); }

/** Label text beside a line, on whichever side has room inside the plot. */
function labelAt(u, text, x, y) {
  const ctx = u.ctx;
  const w = ctx.measureText(text).width;
  const gap = 4 * devicePixelRatio;
  ctx.fillText(text, x + gap + w > u.bbox.left + u.bbox.width ? x - gap - w : x + gap, y);
}

// Stacked from the bottom: the first category is drawn last, so every band stays visible.
const CATEGORIES = [
  { key: 'good', label: 'good', color: '#2e8b57' },
  { key: 'reject', label: 'reject', color: '#c0392b' },
  { key: 'reviewedGood', label: 'reviewed good', color: '#5dade2' },
  { key: 'confirmedDefect', label: 'confirmed defect', color: '#6c3483' },
];

/** A dashed 2 px line from (x0, y0) to (x1, y1) on uPlot's canvas in `color`, then its label (`drawLabel`, same
 * colour and font). */
function dashedLine(u, color, x0, y0, x1, y1, drawLabel) {
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 2 * devicePixelRatio;
  ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
  ctx.fillStyle = color;
  ctx.font = `${12 * devicePixelRatio}px sans-serif`;
  drawLabel(ctx);
  ctx.restore();
}

/** A vertical line at x = value, drawn after the series (uPlot's draw hook). */
function verticalLine(value, color, label) {
  return u => {
    if (!Number.isFinite(value)) return;
    const x = u.valToPos(value, 'x', true);
    dashedLine(u, color, x, u.bbox.top, x, u.bbox.top + u.bbox.height,
      () => labelAt(u, label, x, u.bbox.top + 14 * devicePixelRatio));
  };
}

/** A horizontal line at y = value on `scale`. */
function horizontalLine(value, scale, color, label) {
  return u => {
    if (!Number.isFinite(value)) return;
    const y = u.valToPos(value, scale, true);
    dashedLine(u, color, u.bbox.left, y, u.bbox.left + u.bbox.width, y,
      ctx => ctx.fillText(label, u.bbox.left + 4 * devicePixelRatio, y - 4 * devicePixelRatio));
  };
}

function histogramPlot(target, hist) {
  const centres = hist.edges.slice(0, -1).map((e, i) => (e + hist.edges[i + 1]) / 2);
  const own = CATEGORIES.map(c => hist[c.key]);
  // Cumulative bands: band i = categories 0..i; drawn from the widest down so each category shows as its own band.
  const bands = own.map((_, i) => centres.map((__, b) => own.slice(0, i + 1).reduce((s, c) => s + c[b], 0)));
  const order = [...CATEGORIES.keys()].reverse();
  const bars = uPlot.paths.bars({ size: [1, Infinity], gap: 1 });
  const series = [{ label: 'score' },
    ...order.map(i => ({
      label: CATEGORIES[i].label, stroke: CATEGORIES[i].color, fill: CATEGORIES[i].color, paths: bars, points: { show: false },
      value: (u, v, si, idx) => idx == null ? '—' : String(own[i][idx]),
    })),
    { label: 'out-of-fold good (calibration)', stroke: '#1b4f72', width: 2, scale: 'calibration', paths: uPlot.paths.stepped({ align: 0 }),
      points: { show: false } },
    { label: 'synthetic defects (calibration)', stroke: '#d35400', width: 2, scale: 'calibration', paths: uPlot.paths.stepped({ align: 0 }),
      points: { show: false } }];
  const data = [centres, ...order.map(i => bands[i]), hist.outOfFold, hist.syntheticDefect];
  return new uPlot({
    width: widthOf(target), height: HEIGHT, series,
    scales: { x: { time: false }, y: { range: (u, min, max) => [0, Math.max(1, max)] },
      calibration: { range: (u, min, max) => [0, Math.max(1, max)] } },
    axes: [{ label: 'score' }, { label: 'inspections' }, { label: 'calibration images', scale: 'calibration', side: 1, grid: { show: false } }],
    hooks: { draw: [verticalLine(hist.threshold, '#111', `threshold ${Number(hist.threshold).toPrecision(4)}`)] },
  }, data, target);
}

function timelinePlot(target, timeline, threshold) {
  const t = timeline.buckets.map(b => Date.parse(b.startUtc) / 1000);
  const col = key => timeline.buckets.map(b => b[key]);
  const rate = timeline.buckets.map(b => b.rejectRate == null ? null : b.rejectRate * 100);
  return new uPlot({
    width: widthOf(target), height: HEIGHT,
    // Points always drawn: a young line may have a single busy bucket, which a line alone would not show.
    series: [{},
      { label: 'p50 score', stroke: '#2e8b57', width: 2, spanGaps: true, points: { show: true, size: 6 } },
      { label: 'p90 score', stroke: '#b7950b', width: 2, spanGaps: true, points: { show: true, size: 6 } },
      { label: 'p99 score', stroke: '#c0392b', width: 2, spanGaps: true, points: { show: true, size: 6 } },
      { label: 'reject rate %', stroke: '#6c3483', width: 1, dash: [4, 4], scale: '%', spanGaps: true, points: { show: true, size: 5 },
        value: (u, v) => v == null ? '—' : `${v.toFixed(1)} %` }],
    scales: { '%': { range: [0, 100] } },
    axes: [{}, { label: 'score' }, { label: 'reject rate %', scale: '%', side: 1, grid: { show: false } }],
    hooks: { draw: [horizontalLine(threshold, 'y', '#111', 'threshold')] },
  }, [t, col('p50'), col('p90'), col('p99'), rate], target);
}

/** The score plots panel; `reload(detail)` fetches and redraws both plots. */
export function scorePlots(line) {
  const enc = encodeURIComponent(line);
  const histBox = h('div', { class: 'plot', 'data-testid': 'score-histogram' });
  const timeBox = h('div', { class: 'plot', 'data-testid': 'score-timeline' });
  const note = h('p', { class: 'muted small', 'data-testid': 'score-plots-note' });
  const element = h('section', { class: 'panel', 'data-testid': 'score-plots' },
    h('h2', {}, 'Scores'), note,
    h('h3', {}, 'Recent scores of the current version'), histBox,
    h('h3', {}, 'Score quantiles and reject rate (the last 24 h, from the first inspection in them)'), timeBox);
  let plots = [];

  function dispose() { plots.forEach(p => p.destroy()); plots = []; }

  async function reload(detail) {
    if (!detail?.currentVersion) { dispose(); replace(note, 'No model version yet: nothing to plot.'); return; }
    let hist, timeline;
    try {
      [hist, timeline] = await Promise.all([
        api(`/api/lines/${enc}/scores/histogram?bins=30`),
        api(`/api/lines/${enc}/scores/timeline?buckets=48`),
      ]);
    } catch (e) {
      dispose();
      replace(note, message('error', errorText(e)));
      return;
    }
    dispose();
    replace(histBox);
    replace(timeBox);
    plots.push(histogramPlot(histBox, hist), timelinePlot(timeBox, timeline, hist.threshold));
    const inspections = CATEGORIES.reduce((s, c) => s + hist[c.key].reduce((a, b) => a + b, 0), 0);
    histBox.dataset.inspections = String(inspections);
    histBox.dataset.outOfFold = String(hist.outOfFold.reduce((a, b) => a + b, 0));
    histBox.dataset.synthetic = String(hist.syntheticDefect.reduce((a, b) => a + b, 0));
    histBox.dataset.threshold = String(hist.threshold);
    timeBox.dataset.inspections = String(timeline.inspections);
    timeBox.dataset.buckets = String(timeline.buckets.filter(b => b.inspections > 0).length);
    replace(note, `${inspections} recent inspections of this version${hist.truncated ? ' (the newest only)' : ''}; ` +
      'bars stack good, reject, reviewed good and confirmed defect; the lines are the calibration images (right axis).');
  }

  return { element, reload, dispose };
}
