// Pure functions behind the threshold slider: what a candidate threshold would do to the calibration images.
// The model rejects an image when score >= threshold (Reb.Abstractions Scoring contract), so:
//   false-reject rate = share of GOOD calibration scores at or above the threshold (good parts thrown away),
//   escape rate       = share of DEFECT calibration scores below the threshold (bad parts let through).
// No DOM here, so the browser tests can call these directly and compare with C#-computed rates.

/** Share (0..1) of good scores that would be rejected at `threshold`; null when there are no good scores. */
export function falseRejectRate(goodScores, threshold) {
  if (!Array.isArray(goodScores) || goodScores.length === 0) return null;
  let rejected = 0;
  for (const s of goodScores) if (s >= threshold) rejected++;
  return rejected / goodScores.length;
}

/** Share (0..1) of defect scores that would pass as good at `threshold`; null when no defect scores are known. */
export function escapeRate(defectScores, threshold) {
  if (!Array.isArray(defectScores) || defectScores.length === 0) return null;
  let escaped = 0;
  for (const s of defectScores) if (s < threshold) escaped++;
  return escaped / defectScores.length;
}

/** Both rates at once, as the slider readout needs them. */
export function ratesAt(calibration, threshold) {
  return {
    threshold,
    falseRejectRate: falseRejectRate(calibration?.goodScores, threshold),
    escapeRate: escapeRate(calibration?.defectScores, threshold),
  };
}

/**
 * Slider bounds covering every calibration score and the current threshold, with a little margin, so every
 * reachable rate (0 % .. 100 %) is on the slider. The slider itself moves over integer positions 0..steps
 * (so keyboard steps are even and any position is a valid value); these map linearly onto [min, max].
 */
export function sliderRange(calibration, steps = 1000) {
  const all = [...(calibration?.goodScores ?? []), ...(calibration?.defectScores ?? [])];
  if (Number.isFinite(calibration?.threshold)) all.push(calibration.threshold);
  const finite = all.filter(Number.isFinite);
  if (finite.length === 0) return { min: 0, max: 1, steps };
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  const span = max - min || Math.abs(max) || 1;
  const nonNegative = min >= 0;
  min -= span * 0.05;
  max += span * 0.05;
  if (nonNegative) min = Math.max(min, 0); // scores are distances: a negative threshold means nothing
  return { min, max, steps };
}

/** Threshold at slider position `position` (0..range.steps). */
export function positionToThreshold(range, position) {
  return range.min + (range.max - range.min) * (position / range.steps);
}

/** Nearest slider position for `threshold`, clamped to the slider. */
export function thresholdToPosition(range, threshold) {
  const p = Math.round((threshold - range.min) / (range.max - range.min) * range.steps);
  return Math.max(0, Math.min(range.steps, p));
}

/** "12.5 %" for 0.125, or the given fallback text for null (rate unknown). */
export function formatRate(rate, unknownText = 'unknown') {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return unknownText;
  return `${(rate * 100).toFixed(1)} %`;
}

/** P(Bin(n, p) <= k), summed in log space like the server's BinomialBounds.Cdf. */
export function binomialCdf(k, n, p) {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const logP = Math.log(p), logQ = Math.log1p(-p);
  let logPmf = n * logQ, sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += Math.exp(logPmf);
    logPmf += Math.log(n - i) - Math.log(i + 1) + logP - logQ;
  }
  return Math.min(1, sum);
}

/** q-quantile of Beta(a, b) for whole a, b >= 1, by bisection on P(Bin(a + b - 1, x) >= a) (as the server does). */
export function betaQuantile(a, b, q) {
  let lo = 0, hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = 0.5 * (lo + hi);
    if (1 - binomialCdf(a - 1, a + b - 1, mid) < q) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Two-sided Clopper-Pearson interval of x successes in n at `coverage` (0.9 = 90 %); null when n is 0. */
export function clopperPearson(x, n, coverage) {
  if (!(n > 0)) return null;
  const alpha = 1 - coverage;
  return {
    lower: x === 0 ? 0 : betaQuantile(x, n - x + 1, alpha / 2),
    upper: x === n ? 1 : betaQuantile(x + 1, n - x, 1 - alpha / 2),
  };
}

/**
 * Predicted escape rate at `threshold` from the synthetic defects (DefectMaker kinds painted on out-of-fold images):
 * each kind weighs by its count, as in the calibration. Null when the version measured none.
 */
export function syntheticEscapeRate(kinds, threshold) {
  if (!Array.isArray(kinds) || kinds.length === 0) return null;
  let total = 0, escaped = 0;
  const perKind = kinds.map(k => {
    const missed = k.scores.filter(s => s < threshold).length;
    total += k.scores.length;
    escaped += missed;
    return { kind: k.kind, count: k.scores.length, escaped: missed, rate: k.scores.length ? missed / k.scores.length : null };
  });
  return total === 0 ? null : { rate: escaped / total, escaped, total, perKind };
}
