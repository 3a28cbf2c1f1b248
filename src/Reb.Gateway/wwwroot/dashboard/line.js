// Line page: versions with their metrics (promote / roll back for engineers), the threshold slider with its
// what-if readout, "apply threshold", and the audit log.

import { api, errorText } from './api.js';
import { h, message, replace } from './dom.js';
import { canEngineer, num, percent, shortVersion, when } from './format.js';
import { inspectControl } from './inspect.js';
import { renderComparison, reviewPanel } from './review.js';
import { clopperPearson, escapeRate, falseRejectRate, formatRate, positionToThreshold, sliderRange, syntheticEscapeRate,
  thresholdToPosition } from './threshold.js';
import { driftBanner } from './drift.js';
import { scorePlots } from './charts.js';

const NO_DEFECTS = 'unknown — no reviewed defects and no synthetic defect scores';

export function render(view, { me, line }) {
  const enc = encodeURIComponent(line);
  const engineer = canEngineer(me.role);
  const notice = h('div', { 'data-testid': 'line-notice', 'aria-live': 'polite' });
  // A young line's warning (too few good images to trust its verdicts): shown until a version without one is current.
  const banner = h('div', { 'data-testid': 'line-warning', 'aria-live': 'polite', hidden: true });
  const head = h('div', { class: 'line-head' });
  const versions = h('section', { class: 'panel', 'data-testid': 'versions' });
  const threshold = h('section', { class: 'panel', 'data-testid': 'threshold-panel' });
  const audit = h('section', { class: 'panel', 'data-testid': 'audit' });
  const compare = h('section', { class: 'panel', 'data-testid': 'compare-panel', hidden: true });
  const review = reviewPanel(line, engineer, () => load());
  const inspect = inspectControl(line, () => { load(); review.reload(); });
  const drift = driftBanner(line);
  const plots = scorePlots(line);
  replace(view,
    h('div', { class: 'page-head' }, h('a', { href: '#/', class: 'back' }, '← Overview'), h('h1', {}, `Line ${line}`)),
    notice, banner, drift.element, head, plots.element,
    h('div', { class: 'columns' }, h('div', {}, versions, compare, review, audit), h('div', {}, threshold, h('section', { class: 'panel' }, h('h2', {}, 'Inspect'), inspect))));
  let stopped = false;

  async function act(what, request) {
    replace(notice, message('info', `${what} …`));
    try {
      await request();
      replace(notice, message('ok', `${what}: done.`));
    } catch (e) {
      replace(notice, message('error', `${what} failed: ${errorText(e)}`));
    }
    await load();
  }

  function renderWarning(detail) {
    const m = detail.currentMetrics;
    if (!detail.warning) { banner.hidden = true; replace(banner); return; }
    const rates = m ? ` (rule ${m.thresholdRule ?? '—'}; predicted false rejects ${formatRate(m.predictedFalseRejectRate)}, ` +
      `predicted escapes ${formatRate(m.predictedEscapeRate)} on synthetic defects)` : '';
    banner.hidden = false;
    replace(banner, message('warn', detail.warning + rates));
  }

  function renderHead(detail) {
    replace(head, h('div', { class: 'stats wide' },
      statBox('Current version', shortVersion(detail.currentVersion), 'line-version', detail.currentVersion),
      statBox('Threshold in use', num(detail.threshold), 'line-threshold'),
      statBox('Model threshold', num(detail.modelThreshold), 'line-model-threshold'),
      statBox('Override', detail.thresholdOverride == null ? 'none' : num(detail.thresholdOverride), 'line-override'),
      statBox('Reject rate', percent(detail.rejectRate), 'line-reject-rate'),
      statBox('Throughput', `${num(detail.throughputPerMin, 3)} /min`, 'line-throughput'),
      statBox('Shards', String(detail.shards ?? '—'), 'line-shards'),
      // Bank in memory: warm (resident), waking (loading from the store), cold (the next inspection loads it).
      statBox('Bank', h('span', { class: `pill bank-${detail.bankState ?? 'none'}` }, detail.bankState ?? '—'), 'line-bank-state')));
  }

  function renderVersions(detail, list) {
    const canRollBack = engineer && (detail.previous?.length ?? 0) > 0;
    replace(versions,
      h('div', { class: 'panel-head' }, h('h2', {}, 'Model versions'),
        engineer ? h('button', {
          type: 'button', class: 'warn', 'data-testid': 'rollback', disabled: !canRollBack,
          title: canRollBack ? `back to ${shortVersion(detail.previous.at(-1))}` : 'no earlier version to go back to',
          onclick: () => confirm(`Roll line ${line} back to the previous version?`) && act('Roll back', () => api(`/api/lines/${enc}/rollback`, { method: 'POST' })),
        }, 'Roll back') : null),
      engineer ? null : h('p', { class: 'muted small', 'data-testid': 'operator-note' }, 'Promote, roll back and threshold changes need an engineer key.'),
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ['Version', 'Registered', 'Source', 'Metrics', ''].map(t => h('th', {}, t)))),
        h('tbody', {}, list.map(v => h('tr', { class: v.isCurrent ? 'current' : '', 'data-testid': 'version-row', 'data-version': v.version },
          h('td', { title: v.version }, h('code', {}, shortVersion(v.version)), v.isCurrent ? h('span', { class: 'pill ok' }, 'current') : null),
          h('td', {}, when(v.registeredUtc)),
          h('td', {}, v.source ?? ''),
          h('td', { class: 'metrics' }, metricsText(v.metrics)),
          h('td', {}, v.isCurrent ? null : h('div', { class: 'buttons' },
            h('button', { type: 'button', class: 'quiet', 'data-testid': 'compare', title: 'score the reviewed images with this version and the current one',
              onclick: () => { compare.hidden = false; renderComparison(compare, line, v.version); } }, 'Compare'),
            engineer ? h('button', {
              type: 'button', 'data-testid': 'promote',
              onclick: () => confirm(`Promote version ${shortVersion(v.version)} on line ${line}?`) &&
                act(`Promote ${shortVersion(v.version)}`, () => api(`/api/lines/${enc}/promote`, { method: 'POST', json: { version: v.version } })),
            }, 'Promote') : null)))))));
  }

  function renderThreshold(detail, calibration) {
    const range = sliderRange(calibration);
    const start = Number.isFinite(detail.threshold) ? detail.threshold : calibration.threshold;
    const slider = h('input', {
      type: 'range', min: '0', max: String(range.steps), step: '1', value: String(thresholdToPosition(range, start)),
      'data-testid': 'threshold-slider', 'aria-label': 'candidate threshold',
    });
    const value = h('output', { 'data-testid': 'threshold-value' });
    const fr = h('output', { 'data-testid': 'false-reject-rate' });
    const esc = h('output', { 'data-testid': 'escape-rate' });
    const byKind = h('ul', { class: 'muted small by-kind', 'data-testid': 'escape-by-kind' });
    const goods = calibration.goodScores ?? [];
    const defects = calibration.defectScores ?? [];
    const coverage = calibration.intervalCoverage ?? 0.9;
    // Until the slider moves, the readout is for the exact threshold in use (a slider position is only near it).
    let moved = false;
    const candidate = () => moved || !Number.isFinite(start) ? positionToThreshold(range, Number(slider.value)) : start;
    function readout() {
      const t = candidate();
      value.textContent = moved ? num(t) : `${num(t)} (in use)`;
      value.dataset.value = String(t);
      const f = falseRejectRate(goods, t);
      const e = escapeRate(defects, t);
      const k = f === null ? 0 : Math.round(f * goods.length);
      const ci = f === null ? null : clopperPearson(k, goods.length, coverage);
      fr.textContent = f === null ? 'unknown — no good calibration scores'
        : `${formatRate(f)} (${k} of ${goods.length} good images, each scored held out; ${Math.round(coverage * 100)} % interval ` +
          `${formatRate(ci.lower)} – ${formatRate(ci.upper)})`;
      fr.dataset.rate = f === null ? '' : String(f);
      fr.dataset.lower = ci ? String(ci.lower) : '';
      fr.dataset.upper = ci ? String(ci.upper) : '';
      // Reviewed defects measure the escape rate; until there are some, the synthetic defects predict it.
      const synthetic = e === null ? syntheticEscapeRate(calibration.syntheticKinds, t) : null;
      if (e !== null) {
        esc.textContent = `${formatRate(e)} measured (${Math.round(e * defects.length)} of ${defects.length} reviewed defects)`;
        esc.dataset.source = 'measured';
      } else if (synthetic) {
        esc.textContent = `${formatRate(synthetic.rate)} predicted (synthetic: ${synthetic.escaped} of ${synthetic.total} ` +
          'DefectMaker defects on out-of-fold images; no reviewed defect yet)';
        esc.dataset.source = 'synthetic';
      } else {
        esc.textContent = NO_DEFECTS;
        esc.dataset.source = '';
      }
      const rate = e ?? synthetic?.rate ?? null;
      esc.dataset.rate = rate === null ? '' : String(rate);
      replace(byKind, synthetic ? synthetic.perKind.map(p => h('li', { 'data-kind': p.kind },
        `${p.kind}: ${formatRate(p.rate)} escape (${p.escaped} of ${p.count})`)) : []);
    }
    slider.addEventListener('input', () => { moved = true; readout(); });
    readout();
    replace(threshold,
      h('h2', {}, 'Threshold'),
      h('p', { class: 'muted small' }, 'Move the slider to see what a threshold would do on the calibration images. An image is rejected when its score is at or above the threshold.'),
      slider,
      h('dl', { class: 'readout' },
        h('dt', {}, 'Candidate threshold'), h('dd', {}, value),
        h('dt', {}, 'False-reject rate (good parts rejected)'), h('dd', {}, fr),
        h('dt', {}, 'Escape rate (defects passed)'), h('dd', {}, esc, byKind)),
      engineer ? h('div', { class: 'buttons' },
        h('button', { type: 'button', 'data-testid': 'apply-threshold',
          onclick: () => {
            const t = candidate();
            return act(`Set threshold ${num(t)}`, () => api(`/api/lines/${enc}/threshold`, { method: 'PUT', json: { threshold: t } }));
          } },
          'Apply threshold'),
        h('button', { type: 'button', class: 'quiet', 'data-testid': 'reset-threshold', disabled: detail.thresholdOverride == null,
          onclick: () => act('Back to the model threshold', () => api(`/api/lines/${enc}/threshold`, { method: 'PUT', json: { threshold: null } })) },
          'Use model threshold')) : null);
  }

  function renderAudit(entries) {
    replace(audit, h('h2', {}, 'Audit log'),
      entries.length === 0 ? h('p', { class: 'muted' }, 'No changes recorded yet.') :
        h('table', { class: 'table' },
          h('thead', {}, h('tr', {}, ['When', 'Who', 'Role', 'Action', 'Old', 'New'].map(t => h('th', {}, t)))),
          h('tbody', {}, entries.map(a => h('tr', { 'data-testid': 'audit-row' },
            h('td', {}, when(a.whenUtc)), h('td', {}, a.who ?? ''), h('td', {}, a.role ?? ''),
            h('td', {}, a.action ?? ''), h('td', {}, short(a.oldValue)), h('td', {}, short(a.newValue)))))));
  }

  async function load() {
    try {
      const [detail, list, calibration, entries] = await Promise.all([
        api(`/api/lines/${enc}`),
        api(`/api/lines/${enc}/versions`),
        api(`/api/lines/${enc}/calibration`).catch(e => ({ error: e })),
        api(`/api/lines/${enc}/audit`).catch(e => ({ error: e })),
      ]);
      if (stopped) return;
      renderWarning(detail);
      drift.reload();
      plots.reload(detail);
      renderHead(detail);
      renderVersions(detail, list);
      if (calibration.error) replace(threshold, h('h2', {}, 'Threshold'), message('error', errorText(calibration.error)));
      else renderThreshold(detail, calibration);
      if (entries.error) replace(audit, h('h2', {}, 'Audit log'), message('error', errorText(entries.error)));
      else renderAudit(entries);
    } catch (e) {
      if (!stopped) replace(notice, message('error', e.status === 404 ? `Line ${line} is not known at site ${me.site}.` : errorText(e)));
    }
  }

  load();
  return () => { stopped = true; inspect.dispose(); review.dispose(); plots.dispose(); };
}

function statBox(label, value, testid, full) {
  return h('div', { class: 'stat', title: full }, h('span', { class: 'stat-label' }, label),
    h('span', { class: 'stat-value', 'data-testid': testid, 'data-full': full }, value));
}

function metricsText(metrics) {
  if (!metrics) return '';
  return Object.entries(metrics)
    .filter(([k, v]) => v !== null && v !== undefined && k !== 'warning' && typeof v !== 'object') // per-kind rates: the slider
    .map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? num(v) : String(v)}`)
    .join(' · ');
}

function short(value) {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 24 && /^[0-9a-f]+$/i.test(text) ? text.slice(0, 8) : text;
}
