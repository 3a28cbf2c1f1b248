// Training view: start a job on a line from uploaded good images, follow its progress live (SSE read through
// fetch so the key travels in a header), cancel it. #/training/<jobId> reattaches to a running job.

import { api, errorText } from './api.js';
import { h, message, replace } from './dom.js';
import { canEngineer, num, shortVersion } from './format.js';
import { streamEvents } from './sse.js';

const FINISHED = new Set(['completed', 'failed', 'cancelled', 'canceled']);
// The job's steps in order (Reb.Abstractions TrainingStage); percent is within the running step.
const STEPS = ['Queued', 'Adapt', 'Embed', 'Coreset', 'Shard', 'Density', 'Calibrate', 'Publish', 'Completed'];
const POLL_MS = 2000;

export function render(view, { me, jobId }) {
  const engineer = canEngineer(me.role);
  const progress = h('section', { class: 'panel', 'data-testid': 'training-progress' });
  const form = engineer ? startForm() : h('p', { class: 'muted', 'data-testid': 'operator-note' }, 'Starting or cancelling training needs an engineer key; you can follow a job by its link.');
  replace(view, h('div', { class: 'page-head' }, h('h1', {}, 'Training')), h('div', { class: 'columns' }, h('section', { class: 'panel' }, h('h2', {}, 'Start a job'), form), progress));
  let abort = null;
  let timer = null;
  let stopped = false;

  function startForm() {
    const lineInput = h('input', { type: 'text', required: true, list: 'known-lines', placeholder: 'line name', 'data-testid': 'training-line', pattern: '[A-Za-z0-9._\\-]+' });
    const known = h('datalist', { id: 'known-lines' });
    api('/api/lines').then(lines => replace(known, lines.map(l => h('option', { value: l.line })))).catch(() => {});
    const files = h('input', { type: 'file', multiple: true, accept: 'image/*', required: true, 'data-testid': 'training-files' });
    // REB's backbone adaptation (DefectMaker). It is kept only when the guard finds it helps on synthetic defects of
    // held-out good images; on a CPU silo the cpu budget takes minutes, the reference budget is a GPU job. The recipe is
    // the server's default ("auto": layer3 at the cpu budget, the paper's recipe at the reference budget).
    const adapt = h('select', { 'data-testid': 'training-adapt' },
      h('option', { value: 'none' }, 'ImageNet backbone (no adaptation)'),
      h('option', { value: 'defectmaker' }, 'DefectMaker adaptation, cpu budget (layer3 recipe)'),
      h('option', { value: 'defectmaker:reference' }, "DefectMaker adaptation, reference budget (GPU, the paper's recipe)"));
    const feedback = h('div', { 'aria-live': 'polite' });
    const f = h('form', {
      class: 'stack',
      onsubmit: async e => {
        e.preventDefault();
        const line = lineInput.value.trim();
        if (!line || files.files.length === 0) return;
        const body = new FormData();
        for (const file of files.files) body.append('images', file, file.name);
        const [mode, budget] = adapt.value.split(':');
        body.append('adapt', mode);
        if (mode !== 'none') body.append('budget', budget ?? 'cpu');
        replace(feedback, message('info', `Uploading ${files.files.length} good images …`));
        try {
          const started = await api(`/api/lines/${encodeURIComponent(line)}/training`, { method: 'POST', body });
          replace(feedback, message('ok', `Job ${started.jobId} started on line ${line}.`));
          location.hash = `#/training/${encodeURIComponent(started.jobId)}`;
        } catch (err) {
          replace(feedback, message('error', errorText(err)));
        }
      },
    },
    h('label', {}, 'Line', lineInput), known,
    h('label', {}, 'Good images (defect-free parts)', files),
    h('label', {}, 'Backbone', adapt),
    h('button', { type: 'submit', 'data-testid': 'training-start' }, 'Start training'),
    feedback);
    return f;
  }

  function show(p, streamNote) {
    const stage = (p.stage ?? '').toString();
    const finished = FINISHED.has(stage.toLowerCase());
    const pct = Math.max(0, Math.min(100, Number(p.percent ?? 0)));
    replace(progress,
      h('h2', {}, `Job ${p.jobId ?? jobId}`),
      steps(stage),
      h('div', { class: 'progress', role: 'progressbar', 'aria-valuenow': String(pct), 'aria-valuemin': '0', 'aria-valuemax': '100' },
        h('div', { class: `bar ${stage.toLowerCase() === 'failed' ? 'bar-failed' : ''}`, style: `width:${pct}%` })),
      h('dl', { class: 'readout' },
        h('dt', {}, 'Stage'), h('dd', { 'data-testid': 'training-stage' }, stage || '—'),
        h('dt', {}, 'Step progress'), h('dd', { 'data-testid': 'training-percent' }, `${pct.toFixed(0)} %`),
        h('dt', {}, 'Loss'), h('dd', {}, num(p.loss)),
        h('dt', {}, 'Resumes'), h('dd', {}, String(p.resumes ?? 0)),
        p.version ? [h('dt', {}, 'New version'), h('dd', { 'data-testid': 'training-version', 'data-version': p.version, title: p.version }, shortVersion(p.version))] : null),
      p.error ? message('error', p.error) : null,
      streamNote ? h('p', { class: 'muted small' }, streamNote) : null,
      engineer && !finished ? h('button', { type: 'button', class: 'warn', 'data-testid': 'training-cancel',
        onclick: async () => {
          try { await api(`/api/training/${encodeURIComponent(jobId)}`, { method: 'DELETE' }); }
          catch (e) { progress.append(message('error', `Cancel failed: ${errorText(e)}`)); }
        } }, 'Cancel job') : null);
    return finished;
  }

  // Fallback when the event stream is unavailable: poll the progress resource.
  async function poll() {
    try {
      const p = await api(`/api/training/${encodeURIComponent(jobId)}`);
      if (stopped) return;
      if (show(p, 'live stream unavailable; refreshing every 2 s')) return;
    } catch (e) {
      if (stopped) return;
      replace(progress, h('h2', {}, `Job ${jobId}`), message('error', errorText(e)));
      return;
    }
    timer = setTimeout(poll, POLL_MS);
  }

  async function follow() {
    replace(progress, h('h2', {}, `Job ${jobId}`), message('info', 'Connecting …'));
    abort = new AbortController();
    let finished = false;
    try {
      await streamEvents(`/api/training/${encodeURIComponent(jobId)}/events`, ev => {
        if (ev.event !== 'progress' && ev.event !== 'message') return;
        try { finished = show(JSON.parse(ev.data)) || finished; } catch { /* a malformed event is skipped */ }
      }, abort.signal);
    } catch (e) {
      if (stopped || e.name === 'AbortError') return;
      if (e.status === 404 && !finished) { replace(progress, h('h2', {}, `Job ${jobId}`), message('error', errorText(e))); return; }
    }
    if (!stopped && !finished) poll(); // stream ended early or failed: make sure the final state is shown
  }

  if (jobId) follow();
  else replace(progress, h('h2', {}, 'Progress'), h('p', { class: 'muted' }, 'Start a job to follow it here.'));

  return () => { stopped = true; abort?.abort(); clearTimeout(timer); };
}

/** The step list with the finished steps ticked and the running one highlighted. */
function steps(stage) {
  const at = STEPS.findIndex(s => s.toLowerCase() === stage.toLowerCase());
  return h('ol', { class: 'steps', 'data-testid': 'training-steps' }, STEPS.map((name, i) =>
    h('li', { class: at < 0 ? '' : i < at || name === 'Completed' && i === at ? 'done' : i === at ? 'now' : '' }, name)));
}
