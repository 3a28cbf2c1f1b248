// Review loop on the line page: the queue of unreviewed inspections (confirm / overturn), reviewed ones
// (overturned rejects can be added to the bank by engineers: a new version, not promoted), what the reviews measure
// (false-reject and escape rates, a suggested threshold), and a version compared with the current one on the
// reviewed images. Everything goes through the public API.

import { api, errorText, imageUrl } from './api.js';
import { h, message, replace } from './dom.js';
import { num, percent, shortVersion, when } from './format.js';
import { verdictBadge } from './inspect.js';

/** Builds the review panel; onChange() lets the page reload (a new version after "add to bank"). */
export function reviewPanel(line, engineer, onChange) {
  const enc = encodeURIComponent(line);
  const panel = h('section', { class: 'panel', 'data-testid': 'review-panel' });
  const notice = h('div', { 'data-testid': 'review-notice', 'aria-live': 'polite' });
  const summary = h('div', { 'data-testid': 'review-summary' });
  const queue = h('div', { 'data-testid': 'review-queue' });
  const reviewed = h('div', { 'data-testid': 'reviewed-list' });
  const urls = [];

  async function act(what, request) {
    replace(notice, message('info', `${what} …`));
    try {
      const result = await request();
      replace(notice, message('ok', `${what}: done.${result?.version ? ` New version ${shortVersion(result.version)} (not promoted: compare it, then promote).` : ''}`));
      if (result?.version) notice.dataset.version = result.version;
      await onChange?.();
    } catch (e) {
      replace(notice, message('error', `${what} failed: ${errorText(e)}`));
    }
    await load();
  }

  function thumb(row) {
    const img = h('img', { class: 'review-thumb', alt: `overlay of ${row.name ?? row.id}` });
    imageUrl(row.thumbnailUrl).catch(() => imageUrl(row.overlayUrl)).then(u => { urls.push(u); img.src = u; }).catch(() => { img.alt = 'no image'; });
    return img;
  }

  function rowHead(row) {
    return [h('td', {}, thumb(row)), h('td', {}, verdictBadge(row.verdict)), h('td', { class: 'score' }, num(row.score)),
      h('td', {}, when(row.timestampUtc)), h('td', { title: row.version }, shortVersion(row.version))];
  }

  function renderQueue(rows) {
    replace(queue, h('h3', {}, 'To review'),
      rows.length === 0 ? h('p', { class: 'muted' }, 'Nothing to review.') :
        h('table', { class: 'table' }, h('tbody', {}, rows.map(row => h('tr', { 'data-testid': 'review-row', 'data-id': row.id },
          rowHead(row),
          h('td', {}, h('div', { class: 'buttons' },
            h('button', { type: 'button', 'data-testid': 'review-confirm', title: 'the verdict was right',
              onclick: () => act('Confirm', () => api(`/api/lines/${enc}/inspections/${row.id}/review`, { method: 'POST', json: { decision: 'confirm' } })) }, 'Confirm'),
            h('button', { type: 'button', class: 'warn', 'data-testid': 'review-overturn', title: 'the verdict was wrong',
              onclick: () => act('Overturn', () => api(`/api/lines/${enc}/inspections/${row.id}/review`, { method: 'POST', json: { decision: 'overturn' } })) }, 'Overturn'))))))));
  }

  function renderReviewed(rows) {
    replace(reviewed, h('h3', {}, 'Reviewed'),
      rows.length === 0 ? h('p', { class: 'muted' }, 'No reviews yet.') :
        h('table', { class: 'table' }, h('tbody', {}, rows.map(row => {
          const goodPart = row.verdict === 'reject' && row.review === 'overturned';
          return h('tr', { 'data-testid': 'reviewed-row', 'data-id': row.id, 'data-review': row.review },
            rowHead(row),
            h('td', {}, h('span', { class: 'pill' }, row.review), h('div', { class: 'muted small' }, row.reviewer ?? '')),
            h('td', {}, row.bankVersion ? h('span', { class: 'muted small', 'data-testid': 'banked' }, `in bank of ${shortVersion(row.bankVersion)}`)
              : engineer && goodPart && row.imageUrl ? h('button', { type: 'button', 'data-testid': 'add-to-bank',
                onclick: () => act('Add to bank', () => api(`/api/lines/${enc}/bank`, { method: 'POST', json: { inspections: [row.id] } })) }, 'Add to bank')
              : null));
        }))));
  }

  function renderSummary(s) {
    replace(summary, h('dl', { class: 'readout' },
      h('dt', {}, 'Reviewed (current version)'), h('dd', {}, `${s.reviewed} (${s.goodParts} good, ${s.defects} defects)`),
      h('dt', {}, 'Measured false-reject rate'), h('dd', { 'data-testid': 'measured-frr' }, s.measuredFalseRejectRate == null ? '—' : percent(s.measuredFalseRejectRate)),
      h('dt', {}, 'Measured escape rate'), h('dd', { 'data-testid': 'measured-escape' }, s.measuredEscapeRate == null ? 'no confirmed defect yet' : percent(s.measuredEscapeRate)),
      h('dt', {}, 'Suggested threshold'), h('dd', { 'data-testid': 'suggested-threshold' }, s.suggestedThreshold == null ? '—' : num(s.suggestedThreshold))));
  }

  async function load() {
    try {
      const [pending, done, s] = await Promise.all([
        api(`/api/lines/${enc}/inspections?review=none&take=20`),
        api(`/api/lines/${enc}/inspections?review=reviewed&take=20`),
        api(`/api/lines/${enc}/review-summary`),
      ]);
      while (urls.length) URL.revokeObjectURL(urls.pop());
      renderQueue(pending);
      renderReviewed(done);
      renderSummary(s);
    } catch (e) {
      replace(queue, message('error', errorText(e)));
    }
  }

  replace(panel, h('h2', {}, 'Review'), h('p', { class: 'muted small' },
    'Confirm or overturn verdicts. An overturned reject is a good part: an engineer can add it to the bank as a new version, compared below before anyone promotes it.'),
  notice, summary, queue, reviewed);
  load();
  panel.reload = load;
  panel.dispose = () => { while (urls.length) URL.revokeObjectURL(urls.pop()); };
  return panel;
}

/** Side-by-side false-reject and escape rates of the current version and `version` on the reviewed images. */
export async function renderComparison(target, line, version) {
  replace(target, h('h2', {}, 'Compare'), message('info', `Scoring the reviewed images with ${shortVersion(version)} …`));
  try {
    const c = await api(`/api/lines/${encodeURIComponent(line)}/compare?version=${encodeURIComponent(version)}`);
    const rate = (v, count, of) => v == null ? '—' : `${percent(v)} (${count} of ${of})`;
    replace(target, h('h2', {}, 'Compare'),
      h('table', { class: 'table', 'data-testid': 'compare-table', 'data-candidate': version },
        h('thead', {}, h('tr', {}, ['', 'Current', 'Candidate'].map(t => h('th', {}, t)))),
        h('tbody', {},
          h('tr', {}, h('td', {}, 'Version'), h('td', { title: c.current.version }, shortVersion(c.current.version)), h('td', { title: c.candidate.version }, shortVersion(c.candidate.version))),
          h('tr', {}, h('td', {}, 'Threshold'), h('td', {}, num(c.current.threshold)), h('td', {}, num(c.candidate.threshold))),
          h('tr', {}, h('td', {}, 'False-reject rate'),
            h('td', { 'data-testid': 'compare-current-frr', 'data-rate': c.current.falseRejectRate ?? '' }, rate(c.current.falseRejectRate, c.current.falseRejects, c.current.goodParts)),
            h('td', { 'data-testid': 'compare-candidate-frr', 'data-rate': c.candidate.falseRejectRate ?? '' }, rate(c.candidate.falseRejectRate, c.candidate.falseRejects, c.candidate.goodParts))),
          h('tr', {}, h('td', {}, 'Escape rate'),
            h('td', { 'data-testid': 'compare-current-escape' }, rate(c.current.escapeRate, c.current.escapes, c.current.defects)),
            h('td', { 'data-testid': 'compare-candidate-escape' }, rate(c.candidate.escapeRate, c.candidate.escapes, c.candidate.defects))))),
      h('p', { class: 'muted small' }, c.note));
  } catch (e) {
    replace(target, h('h2', {}, 'Compare'), message('error', errorText(e)));
  }
}
