// "Inspect an image" control: posts one file to /api/lines/{line}/inspect and shows the verdict and the overlay.

import { api, errorText, imageUrl } from './api.js';
import { h, message, replace } from './dom.js';
import { num, shortVersion } from './format.js';

/** The verdict badge used everywhere: green "good", red "reject". */
export function verdictBadge(verdict) {
  const good = verdict === 'good';
  return h('span', { class: `verdict ${good ? 'verdict-good' : 'verdict-reject'}`, 'data-testid': 'verdict' },
    good ? 'GOOD' : 'REJECT');
}

/** Builds the inspect control for `line`; onInspected(inspection) lets the page refresh its lists. */
export function inspectControl(line, onInspected) {
  const result = h('div', { class: 'inspect-result', 'data-testid': 'inspect-result', 'aria-live': 'polite' });
  let overlayUrl = null;
  const input = h('input', {
    type: 'file', accept: 'image/*', 'data-testid': 'inspect-file',
    'aria-label': `Inspect an image on line ${line}`,
    onchange: async () => {
      const file = input.files?.[0];
      if (!file) return;
      replace(result, message('info', `Inspecting ${file.name} …`));
      try {
        const path = `/api/lines/${encodeURIComponent(line)}/inspect?name=${encodeURIComponent(file.name)}`;
        const inspection = await api(path, {
          method: 'POST', body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' },
        });
        if (overlayUrl) URL.revokeObjectURL(overlayUrl);
        overlayUrl = null;
        const img = h('img', { class: 'overlay', alt: `heatmap overlay of ${inspection.name ?? file.name}`, 'data-testid': 'inspect-overlay' });
        result.dataset.id = inspection.id;
        replace(result,
          h('div', { class: 'inspect-head' },
            verdictBadge(inspection.verdict),
            h('span', { class: 'score' }, `score ${num(inspection.score)} vs threshold ${num(inspection.threshold)}`)),
          h('div', { class: 'muted small' },
            `${inspection.name ?? file.name} · version ${shortVersion(inspection.version)} · ${Math.round(inspection.latencyMs ?? 0)} ms`),
          img);
        if (inspection.overlayUrl) {
          overlayUrl = await imageUrl(inspection.overlayUrl);
          img.src = overlayUrl;
        }
        onInspected?.(inspection);
      } catch (e) {
        replace(result, message('error', errorText(e)));
      } finally {
        input.value = '';
      }
    },
  });
  const control = h('div', { class: 'inspect' },
    h('label', { class: 'file-button' }, 'Inspect an image…', input),
    result);
  control.dispose = () => { if (overlayUrl) URL.revokeObjectURL(overlayUrl); };
  return control;
}
