// Dashboard panels computed from per-minute rollups (already summed per time bucket by the query):
// the stat row, latency percentiles, throughput, saturation and threshold alerts, modelled on vLLM's
// Grafana "Overview". Pure: the web app runs the SQL and hands the rows here.
import { LATENCY_BUCKETS_SECONDS, TTFT_BUCKETS_SECONDS } from "../usage/buckets";
import { mergeBuckets, percentileMs } from "./histogram";
import { picoToUsd } from "./money";

export type TAggRow = {
  requests: number;
  errors: number;
  rateLimited: number;
  promptTokens: number;
  completionTokens: number;
  costPicoUsd: bigint;
  durationMsSum: number;
  ttftMsSum: number;
  ttftBuckets: number[];
  latencyBuckets: number[];
};

export type TBucketRow = TAggRow & { t: number };

export const emptyAgg = (): TAggRow => ({
  requests: 0,
  errors: 0,
  rateLimited: 0,
  promptTokens: 0,
  completionTokens: 0,
  costPicoUsd: 0n,
  durationMsSum: 0,
  ttftMsSum: 0,
  ttftBuckets: [],
  latencyBuckets: [],
});

export function addAgg(into: TAggRow, r: TAggRow): TAggRow {
  into.requests += r.requests;
  into.errors += r.errors;
  into.rateLimited += r.rateLimited;
  into.promptTokens += r.promptTokens;
  into.completionTokens += r.completionTokens;
  into.costPicoUsd += r.costPicoUsd;
  into.durationMsSum += r.durationMsSum;
  into.ttftMsSum += r.ttftMsSum;
  mergeBuckets(into.ttftBuckets, r.ttftBuckets);
  mergeBuckets(into.latencyBuckets, r.latencyBuckets);
  return into;
}

/** Seed thresholds (vLLM alert table): TTFT > 500 ms, error rate > 1 %, queue > 200. */
export const THRESHOLDS = { ttftP95Ms: 500, errorRatio: 0.01, queue: 200 } as const;

export type TStats = {
  requestsPerSec: number;
  inputTokensPerSec: number;
  outputTokensPerSec: number;
  errorRatio: number;
  ttftP95Ms: number | null;
  e2eP95Ms: number | null;
  requests: number;
  costUsd: number;
};

export function stats(total: TAggRow, windowMs: number): TStats {
  const sec = Math.max(1, windowMs / 1000);
  return {
    requestsPerSec: total.requests / sec,
    inputTokensPerSec: total.promptTokens / sec,
    outputTokensPerSec: total.completionTokens / sec,
    errorRatio: total.requests ? total.errors / total.requests : 0,
    ttftP95Ms: percentileMs(total.ttftBuckets, TTFT_BUCKETS_SECONDS, 0.95),
    e2eP95Ms: percentileMs(total.latencyBuckets, LATENCY_BUCKETS_SECONDS, 0.95),
    requests: total.requests,
    costUsd: picoToUsd(total.costPicoUsd),
  };
}

export type TLatencyPoint = {
  t: number;
  ttftP50: number | null;
  ttftP95: number | null;
  ttftP99: number | null;
  e2eP50: number | null;
  e2eP95: number | null;
  e2eP99: number | null;
};

export type TSaturationPoint = {
  t: number;
  /** Mean requests in flight over the bucket (Little's law: Σ duration / bucket length). */
  inFlight: number;
  /** Mean requests waiting for their first token (Σ TTFT / bucket length): queueing + prefill. */
  queue: number;
  rateLimitedPerSec: number;
  errorRatio: number;
};

/** Fills missing buckets with zeros so every series shares the same x values (crosshair sync). */
export function timeAxis(fromMs: number, toMs: number, stepMs: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(fromMs / stepMs) * stepMs; t < toMs; t += stepMs) out.push(t);
  return out;
}

export function latencySeries(rows: readonly TBucketRow[], axis: readonly number[]): TLatencyPoint[] {
  const by = new Map(rows.map((r) => [r.t, r]));
  return axis.map((t) => {
    const r = by.get(t);
    const ttft = r?.ttftBuckets ?? [];
    const lat = r?.latencyBuckets ?? [];
    return {
      t,
      ttftP50: percentileMs(ttft, TTFT_BUCKETS_SECONDS, 0.5),
      ttftP95: percentileMs(ttft, TTFT_BUCKETS_SECONDS, 0.95),
      ttftP99: percentileMs(ttft, TTFT_BUCKETS_SECONDS, 0.99),
      e2eP50: percentileMs(lat, LATENCY_BUCKETS_SECONDS, 0.5),
      e2eP95: percentileMs(lat, LATENCY_BUCKETS_SECONDS, 0.95),
      e2eP99: percentileMs(lat, LATENCY_BUCKETS_SECONDS, 0.99),
    };
  });
}

export function saturationSeries(
  rows: readonly TBucketRow[],
  axis: readonly number[],
  stepMs: number,
): TSaturationPoint[] {
  const by = new Map(rows.map((r) => [r.t, r]));
  return axis.map((t) => {
    const r = by.get(t);
    return {
      t,
      inFlight: r ? r.durationMsSum / stepMs : 0,
      queue: r ? r.ttftMsSum / stepMs : 0,
      rateLimitedPerSec: r ? r.rateLimited / (stepMs / 1000) : 0,
      errorRatio: r?.requests ? r.errors / r.requests : 0,
    };
  });
}

/** Per-model series as one row per time bucket: { t, [model]: value }. */
export function pivotByModel(
  rows: readonly (TBucketRow & { model: string })[],
  axis: readonly number[],
  value: (r: TBucketRow) => number,
): { models: string[]; points: Record<string, number>[] } {
  const models = [...new Set(rows.map((r) => r.model))].sort();
  const by = new Map<number, Record<string, number>>();
  for (const t of axis) by.set(t, Object.fromEntries([["t", t], ...models.map((m) => [m, 0])]));
  for (const r of rows) {
    const p = by.get(r.t);
    if (p) p[r.model] = (p[r.model] ?? 0) + value(r);
  }
  return { models, points: axis.map((t) => by.get(t)!) };
}

export type TAlert = { id: "ttft" | "errors" | "queue"; message: string; value: number; threshold: number };

export function alerts(s: TStats, saturation: readonly TSaturationPoint[]): TAlert[] {
  const out: TAlert[] = [];
  if (s.ttftP95Ms !== null && s.ttftP95Ms > THRESHOLDS.ttftP95Ms)
    out.push({
      id: "ttft",
      message: `TTFT p95 ${Math.round(s.ttftP95Ms)} ms is above ${THRESHOLDS.ttftP95Ms} ms`,
      value: s.ttftP95Ms,
      threshold: THRESHOLDS.ttftP95Ms,
    });
  if (s.errorRatio > THRESHOLDS.errorRatio)
    out.push({
      id: "errors",
      message: `error rate ${(s.errorRatio * 100).toFixed(2)} % is above ${THRESHOLDS.errorRatio * 100} %`,
      value: s.errorRatio,
      threshold: THRESHOLDS.errorRatio,
    });
  const peakQueue = saturation.reduce((a, p) => Math.max(a, p.queue), 0);
  if (peakQueue > THRESHOLDS.queue)
    out.push({
      id: "queue",
      message: `queue peaked at ${Math.round(peakQueue)} waiting requests (above ${THRESHOLDS.queue})`,
      value: peakQueue,
      threshold: THRESHOLDS.queue,
    });
  return out;
}
