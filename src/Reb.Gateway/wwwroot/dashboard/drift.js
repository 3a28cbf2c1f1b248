// The line page's drift banner: shown while the gateway's drift test says the good-part scores have moved up since
// calibration (share of recent passing parts above the calibration's 95 % good score, exact binomial test).

import { api } from './api.js';
import { h, message, replace } from './dom.js';

export function driftBanner(line) {
  const element = h('div', { 'data-testid': 'drift-banner', 'aria-live': 'polite', hidden: true });
  async function reload() {
    let drift;
    try {
      drift = await api(`/api/lines/${encodeURIComponent(line)}/drift`);
    } catch {
      return; // the banner only ever adds a warning; the page shows the line's own errors
    }
    element.dataset.drifting = String(!!drift.drifting);
    element.dataset.pValue = drift.pValue == null ? '' : String(drift.pValue);
    if (!drift.drifting) { element.hidden = true; replace(element); return; }
    element.hidden = false;
    replace(element, message('error', `Drift: ${drift.summary}. Check lens, lighting and supply before trusting this line's verdicts.`));
  }
  return { element, reload };
}
