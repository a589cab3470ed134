// Fixed-bucket histograms stored per rollup row as per-bucket counts (not cumulative), one count per
// bound plus a final +Inf bucket. Rows merge by element-wise sum; percentiles interpolate linearly
// inside the bucket, like Prometheus's histogram_quantile, so the dashboard and Grafana agree.

/** Index of the bucket holding `valueMs` for bounds in seconds (le semantics). */
export function bucketIndex(valueMs: number, boundsSeconds: readonly number[]): number {
  const v = valueMs / 1000;
  for (let i = 0; i < boundsSeconds.length; i++) if (v <= boundsSeconds[i]!) return i;
  return boundsSeconds.length;
}

/** Element-wise sum; shorter arrays (rows written before a bound was added) count as zeros. */
export function mergeBuckets(into: number[], add: readonly number[]): number[] {
  for (let i = 0; i < add.length; i++) into[i] = (into[i] ?? 0) + (add[i] ?? 0);
  return into;
}

export function emptyBuckets(boundsSeconds: readonly number[]): number[] {
  return new Array(boundsSeconds.length + 1).fill(0);
}

/**
 * The q-quantile (0..1) in milliseconds, or null when there are no observations. Values in the +Inf
 * bucket report the highest finite bound (as histogram_quantile does).
 */
export function percentileMs(
  counts: readonly number[],
  boundsSeconds: readonly number[],
  q: number,
): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = q * total;
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c > 0 && cum + c >= rank) {
      if (i >= boundsSeconds.length) return boundsSeconds[boundsSeconds.length - 1]! * 1000;
      const lo = i === 0 ? 0 : boundsSeconds[i - 1]!;
      const hi = boundsSeconds[i]!;
      return (lo + (hi - lo) * ((rank - cum) / c)) * 1000;
    }
    cum += c;
  }
  return boundsSeconds[boundsSeconds.length - 1]! * 1000;
}
