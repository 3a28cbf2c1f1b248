// Display formatting shared by the pages (numbers for people standing at a line, not for parsers).

/** Short form of a version id for display: content addresses look like "sha256-<hex>", so the algorithm prefix is
 *  dropped and the first 10 hex digits kept (the full id is in the element's title / data-version). */
export function shortVersion(version) {
  if (!version) return '—';
  const hex = version.replace(/^[a-z0-9]+[-:]/i, '');
  return hex.length > 12 ? hex.slice(0, 10) : version;
}

/** A score or threshold with 4 significant digits. */
export function num(value, digits = 4) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Number(value).toPrecision(digits);
}

/** 0.0312 -> "3.1 %". */
export function percent(ratio) {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${(ratio * 100).toFixed(1)} %`;
}

/** ISO time -> local "HH:MM:SS" today, else date + time. */
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const today = new Date();
  return d.toDateString() === today.toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
}

/** Whether a role may change lines (train, promote, roll back, set threshold). */
export function canEngineer(role) {
  return role === 'engineer' || role === 'admin';
}
