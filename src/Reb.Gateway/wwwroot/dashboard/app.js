// Entry point: sign-in / sign-out and the hash router (#/, #/line/<name>, #/training[/<jobId>]).
// Each page module exports render(container, context) and returns a cleanup function (stops polling/streams).

import { api, clearKey, errorText, getKey, onUnauthorized, setKey } from './api.js';
import { message, replace } from './dom.js';
import * as overview from './overview.js';
import * as linePage from './line.js';
import * as training from './training.js';

const el = id => document.getElementById(id);
let me = null;
let cleanup = null;

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'line' && parts[1]) return { page: linePage, name: 'line', args: { line: parts[1] } };
  if (parts[0] === 'training') return { page: training, name: 'training', args: { jobId: parts[1] ?? null } };
  return { page: overview, name: 'overview', args: {} };
}

function showRoute() {
  if (cleanup) { cleanup(); cleanup = null; }
  if (!me) return;
  const { page, name, args } = route();
  document.querySelectorAll('#nav a').forEach(a => a.classList.toggle('active', a.dataset.route === name));
  const view = replace(el('view'));
  view.dataset.page = name;
  try {
    cleanup = page.render(view, { me, ...args }) ?? null;
  } catch (e) {
    replace(view, message('error', errorText(e)));
  }
}

function showSignedIn(identity) {
  me = identity;
  el('sign-in').hidden = true;
  el('nav').hidden = false;
  el('who').hidden = false;
  el('who-name').textContent = identity.name ?? identity.keyId ?? '';
  el('who-site').textContent = `site ${identity.site}`;
  el('who-role').textContent = identity.role;
  document.body.dataset.role = identity.role;
  showRoute();
}

function showSignIn(errorMessage) {
  if (cleanup) { cleanup(); cleanup = null; }
  me = null;
  delete document.body.dataset.role;
  el('nav').hidden = true;
  el('who').hidden = true;
  replace(el('view'));
  el('sign-in').hidden = false;
  replace(el('sign-in-error'), errorMessage ? message('error', errorMessage) : null);
  el('api-key').value = '';
  el('api-key').focus();
}

async function signIn(key) {
  try {
    const identity = await api('/api/me', { key });
    setKey(key);
    showSignedIn(identity);
  } catch (e) {
    if (e.status === 401) clearKey(); // a stored key that stopped working is not retried on the next load
    showSignIn(e.status === 401 ? 'That key was not accepted (unknown or revoked).' : errorText(e));
  }
}

el('sign-in-form').addEventListener('submit', e => {
  e.preventDefault();
  const key = el('api-key').value.trim();
  if (key) signIn(key);
});
el('sign-out').addEventListener('click', () => { clearKey(); showSignIn(); });
onUnauthorized(() => { clearKey(); showSignIn('Your key is no longer accepted; sign in again.'); });
window.addEventListener('hashchange', showRoute);

const stored = getKey();
if (stored) signIn(stored); else showSignIn();
