// Overview: one card per line of the key's site, refreshed every 2 s (the API has no push feed for inspections),
// with the latest verdicts as heatmap thumbnails and an "inspect an image" control per line.

import { api, errorText } from './api.js';
import { h, message, replace } from './dom.js';
import { num, percent, shortVersion, when } from './format.js';
import { createImageCache, guardedImage } from './images.js';
import { inspectControl, verdictBadge } from './inspect.js';

const POLL_MS = 2000;
const RECENT = 6;

export function render(view, { me }) {
  const status = h('div', { class: 'status-line', 'data-testid': 'overview-status' });
  const grid = h('div', { class: 'cards', 'data-testid': 'line-cards' });
  replace(view, h('div', { class: 'page-head' }, h('h1', {}, `Lines at site ${me.site}`), status), grid);

  const cards = new Map(); // line -> {card, body, recent, inspect}
  const images = createImageCache();
  let stopped = false;
  let timer = null;
  let delay = POLL_MS;

  function cardFor(line) {
    if (cards.has(line)) return cards.get(line);
    const body = h('div', { class: 'card-body' });
    const recent = h('div', { class: 'recent', 'data-testid': 'recent' });
    const inspect = inspectControl(line, () => refresh());
    const card = h('article', { class: 'card', 'data-line': line, 'data-testid': 'line-card' },
      h('h2', {}, h('a', { href: `#/line/${encodeURIComponent(line)}` }, line)),
      body, h('h3', {}, 'Latest verdicts'), recent, inspect);
    grid.append(card);
    const entry = { card, body, recent, inspect };
    cards.set(line, entry);
    return entry;
  }

  function stat(label, value, testid, full) {
    return h('div', { class: 'stat', title: full }, h('span', { class: 'stat-label' }, label),
      h('span', { class: 'stat-value', 'data-testid': testid, 'data-full': full }, value));
  }

  function fillCard(entry, summary, inspections) {
    replace(entry.body, h('div', { class: 'stats' },
      stat('Version', shortVersion(summary.currentVersion), 'card-version', summary.currentVersion),
      stat('Threshold', num(summary.threshold), 'card-threshold'),
      stat('Throughput', `${num(summary.throughputPerMin, 3)} /min`, 'card-throughput'),
      stat('Reject rate', percent(summary.rejectRate), 'card-reject-rate'),
      stat('Inspected', String(summary.inspections ?? 0), 'card-inspections'),
      stat('Last', when(summary.lastInspectionUtc), 'card-last')));
    if (!inspections) return;
    const key = inspections.map(i => i.id).join(',');
    if (entry.recentKey === key && inspections.length > 0) return; // same verdicts: keep the images on screen
    entry.recentKey = key;
    replace(entry.recent, inspections.length === 0
      ? h('p', { class: 'muted span-all' }, 'No inspections yet.')
      : inspections.map(i => h('figure', { class: `thumb ${i.verdict === 'good' ? 'thumb-good' : 'thumb-reject'}`, 'data-testid': 'recent-inspection', 'data-verdict': i.verdict, 'data-id': i.id },
          i.thumbnailUrl ? guardedImage(images, i.thumbnailUrl, { alt: `heatmap of ${i.name ?? i.id}` }) : h('div', { class: 'no-thumb' }),
          h('figcaption', {}, verdictBadge(i.verdict), h('span', { class: 'small' }, `${num(i.score, 3)} · ${i.name ?? ''}`)))));
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      // One request per refresh, whatever the number of lines: the key's rate limit counts every request.
      const lines = await api(`/api/lines?recent=${RECENT}`);
      if (stopped) return;
      if (lines.length === 0) replace(status, message('info', 'No lines at this site yet. Train one in the Training view.'));
      const recentLists = lines.map(l => l.recent ?? null);
      const seen = new Set();
      const keepImages = new Set();
      lines.forEach((summary, i) => {
        seen.add(summary.line);
        fillCard(cardFor(summary.line), summary, recentLists[i]);
        (recentLists[i] ?? []).forEach(x => x.thumbnailUrl && keepImages.add(x.thumbnailUrl));
      });
      for (const [line, entry] of cards) if (!seen.has(line)) { entry.inspect.dispose(); entry.card.remove(); cards.delete(line); }
      images.retain(keepImages);
      if (lines.length > 0) replace(status, h('span', { class: 'muted small' }, `updated ${new Date().toLocaleTimeString()}`));
    } catch (e) {
      if (stopped) return;
      replace(status, message('error', errorText(e)));
      // Over the key's rate limit: wait as long as the gateway asks instead of adding to the load.
      if (e.status === 429) delay = Math.max(POLL_MS, 1000 * (Number(e.retryAfter) || 10));
    }
    if (!stopped) timer = setTimeout(refresh, delay);
    delay = POLL_MS;
  }

  refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
    cards.forEach(c => c.inspect.dispose());
    images.clear();
  };
}
