// Usage panels and the usage API. Every query reads the rollups only (minute, 5-minute and hourly;
// never raw events) and is scoped to the caller's org; time buckets are summed in SQL, percentiles and
// derived series in @aitk/core/billing/panels.
import { currentPeriod } from "@aitk/core/billing/invoice";
import { picoToUsd } from "@aitk/core/billing/money";
import {
  addAgg,
  alerts,
  emptyAgg,
  latencySeries,
  pivotByModel,
  saturationSeries,
  stats,
  type TAggRow,
  type TBucketRow,
  timeAxis,
} from "@aitk/core/billing/panels";
import {
  RANGE_PRESET_NAMES,
  resolveRange,
  rollupSegments,
  type TRollupLevel,
} from "@aitk/core/billing/timeRange";
import { percentileMs } from "@aitk/core/billing/histogram";
import { DomainError } from "@aitk/core/errors";
import { LATENCY_BUCKETS_SECONDS, TTFT_BUCKETS_SECONDS } from "@aitk/core/usage/buckets";
import { Prisma } from "@aitk/db";
import { z } from "zod";
import type { TServiceCtx } from "./actor";

export const ZUsageQuery = z.object({
  range: z.enum(RANGE_PRESET_NAMES as [string, ...string[]]).optional(),
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  model: z.string().max(200).optional(),
  apiKeyId: z.string().max(64).optional(),
});
export type TUsageQuery = z.infer<typeof ZUsageQuery>;

const sumArray = (col: string, n: number) =>
  Prisma.raw(
    `ARRAY[${Array.from({ length: n }, (_, i) => `coalesce(sum("${col}"[${i + 1}]), 0)`).join(", ")}]::bigint[]`,
  );
const TTFT_SUM = sumArray("ttftBuckets", TTFT_BUCKETS_SECONDS.length + 1);
const LAT_SUM = sumArray("latencyBuckets", LATENCY_BUCKETS_SECONDS.length + 1);

const AGG = Prisma.sql`coalesce(sum(requests), 0)::bigint AS requests, coalesce(sum(errors), 0)::bigint AS errors,
  coalesce(sum("rateLimited"), 0)::bigint AS "rateLimited", coalesce(sum("promptTokens"), 0)::bigint AS "promptTokens",
  coalesce(sum("completionTokens"), 0)::bigint AS "completionTokens", coalesce(sum("costPicoUsd"), 0)::bigint AS "costPicoUsd",
  coalesce(sum("durationMsSum"), 0)::bigint AS "durationMsSum", coalesce(sum("ttftMsSum"), 0)::bigint AS "ttftMsSum",
  ${TTFT_SUM} AS "ttftBuckets", ${LAT_SUM} AS "latencyBuckets"`;

type TRawAgg = {
  requests: bigint;
  errors: bigint;
  rateLimited: bigint;
  promptTokens: bigint;
  completionTokens: bigint;
  costPicoUsd: bigint;
  durationMsSum: bigint;
  ttftMsSum: bigint;
  ttftBuckets: bigint[];
  latencyBuckets: bigint[];
};

const toAgg = (r: TRawAgg): TAggRow => ({
  requests: Number(r.requests),
  errors: Number(r.errors),
  rateLimited: Number(r.rateLimited),
  promptTokens: Number(r.promptTokens),
  completionTokens: Number(r.completionTokens),
  costPicoUsd: BigInt(r.costPicoUsd),
  durationMsSum: Number(r.durationMsSum),
  ttftMsSum: Number(r.ttftMsSum),
  ttftBuckets: (r.ttftBuckets ?? []).map(Number),
  latencyBuckets: (r.latencyBuckets ?? []).map(Number),
});

function where(
  col: Prisma.Sql,
  orgId: string,
  from: Date,
  to: Date,
  q: { model?: string; apiKeyId?: string },
) {
  return Prisma.sql`"orgId" = ${orgId} AND ${col} >= ${from} AND ${col} < ${to}
    ${q.model ? Prisma.sql`AND model = ${q.model}` : Prisma.empty}
    ${q.apiKeyId !== undefined ? Prisma.sql`AND "apiKeyId" = ${q.apiKeyId === "none" ? "" : q.apiKeyId}` : Prisma.empty}`;
}

const LEVELS: Record<TRollupLevel, { table: Prisma.Sql; col: Prisma.Sql }> = {
  minute: { table: Prisma.raw('"UsageRollup"'), col: Prisma.raw("minute") },
  "5m": { table: Prisma.raw('"UsageRollup5m"'), col: Prisma.raw("bucket") },
  hour: { table: Prisma.raw('"UsageRollupHour"'), col: Prisma.raw("hour") },
};
const TOKENS = Prisma.sql`coalesce(sum(requests), 0)::bigint AS requests,
  coalesce(sum("promptTokens"), 0)::bigint AS "promptTokens", coalesce(sum("completionTokens"), 0)::bigint AS "completionTokens"`;

/**
 * Sums `agg` over the rollup rows of [from, to), grouped by `keys` (given the level's time column).
 * The aligned middle of the range reads the coarsest level the step allows, the ragged edges finer
 * levels (rollupSegments), so the sums equal the minute rows' exactly whatever the range. Each
 * segment is aggregated on its own table (as a single-table query would be) and the few partial rows
 * summed again: `agg` sums columns named like the rollup columns, so it reads both.
 */
function rollupAgg(
  seg: { orgId: string; from: Date; to: Date; stepMs: number; q: { model?: string; apiKeyId?: string } },
  keys: (col: Prisma.Sql) => Prisma.Sql,
  agg: Prisma.Sql,
  n: number,
) {
  const by = Prisma.raw(Array.from({ length: n }, (_, i) => i + 1).join(", "));
  const parts = rollupSegments(seg.from.getTime(), seg.to.getTime(), seg.stepMs).map((s) => {
    const l = LEVELS[s.level];
    return Prisma.sql`SELECT ${keys(l.col)}, ${agg} FROM ${l.table}
      WHERE ${where(l.col, seg.orgId, new Date(s.from), new Date(s.to), seg.q)} GROUP BY ${by}`;
  });
  if (parts.length === 0) {
    const l = LEVELS.minute;
    parts.push(Prisma.sql`SELECT ${keys(l.col)}, ${agg} FROM ${l.table} WHERE false GROUP BY ${by}`);
  }
  // OFFSET 0 keeps the planner from flattening the branches into one parallel plan: the dashboard
  // already runs its queries side by side, and parallel workers only add contention there.
  return Prisma.sql`SELECT * FROM (${Prisma.join(parts, " UNION ALL ")} OFFSET 0) p`;
}

/**
 * The SQL behind each panel, exported for bench/panels. The series and tables read the coarsest
 * rollup level whose bucket divides the step (minute for 1-minute steps, 5-minute rows for 5- and
 * 15-minute steps, hours for steps of an hour or more), with finer rows for the range's partial edges.
 * Revenue by day and today's revenue always come from the hourly ones.
 */
export function panelQueries(
  orgId: string,
  from: Date,
  to: Date,
  stepMs: number,
  q: { model?: string; apiKeyId?: string } = {},
) {
  const seg = { orgId, from, to, stepMs, q };
  const step = Prisma.raw(String(stepMs / 1000));
  const bucket = (col: Prisma.Sql) =>
    Prisma.sql`(floor(extract(epoch from ${col}) / ${step}) * ${step} * 1000)::bigint AS t`;
  const dayStart = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
  const revenueFrom = new Date(Math.min(from.getTime(), Date.now() - 13 * 86_400_000));
  const revenueFromDay = new Date(Math.floor(revenueFrom.getTime() / 86_400_000) * 86_400_000);
  return {
    series: Prisma.sql`SELECT t, ${AGG} FROM (${rollupAgg(seg, bucket, AGG, 1)}) r GROUP BY 1 ORDER BY 1`,
    byModelSeries: Prisma.sql`SELECT t, model, ${TOKENS}
      FROM (${rollupAgg(seg, (c) => Prisma.sql`${bucket(c)}, model`, TOKENS, 2)}) r GROUP BY 1, 2 ORDER BY 1`,
    byModel: Prisma.sql`SELECT model, ${AGG} FROM (${rollupAgg(seg, () => Prisma.sql`model`, AGG, 1)}) r
      GROUP BY model ORDER BY sum("costPicoUsd") DESC, model LIMIT 100`,
    byKey: Prisma.sql`SELECT "apiKeyId", ${AGG} FROM (${rollupAgg(seg, () => Prisma.sql`"apiKeyId"`, AGG, 1)}) r
      GROUP BY "apiKeyId" ORDER BY sum(requests) DESC LIMIT 100`,
    models: Prisma.sql`SELECT DISTINCT model FROM "UsageRollupHour" WHERE "orgId" = ${orgId}
      AND hour >= ${new Date(Math.min(from.getTime(), Date.now() - 86_400_000))} AND hour < ${to} LIMIT 100`,
    revenueToday: Prisma.sql`SELECT coalesce(sum("costPicoUsd"), 0)::bigint AS cost FROM "UsageRollupHour"
      WHERE "orgId" = ${orgId} AND hour >= ${dayStart}`,
    revenueByDay: Prisma.sql`SELECT (floor(extract(epoch from hour) / 86400) * 86400000)::bigint AS t, model,
      coalesce(sum("costPicoUsd"), 0)::bigint AS cost FROM "UsageRollupHour"
      WHERE "orgId" = ${orgId} AND hour >= ${revenueFromDay} AND hour < ${to}
      ${q.model ? Prisma.sql`AND model = ${q.model}` : Prisma.empty}
      GROUP BY 1, 2 ORDER BY 1`,
  };
}

const pct = (a: TAggRow) => ({
  ttftP95Ms: percentileMs(a.ttftBuckets, TTFT_BUCKETS_SECONDS, 0.95),
  e2eP95Ms: percentileMs(a.latencyBuckets, LATENCY_BUCKETS_SECONDS, 0.95),
});

const tableRow = (a: TAggRow, windowMs: number) => ({
  requests: a.requests,
  errors: a.errors,
  rateLimited: a.rateLimited,
  promptTokens: a.promptTokens,
  completionTokens: a.completionTokens,
  costUsd: picoToUsd(a.costPicoUsd),
  requestsPerSec: a.requests / (windowMs / 1000),
  errorRatio: a.requests ? a.errors / a.requests : 0,
  ...pct(a),
});

function parseQuery(q: TUsageQuery) {
  try {
    return resolveRange({ range: q.range, from: q.from, to: q.to });
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw new DomainError("VALIDATION", "range: invalid", { field: "range" });
  }
}

export async function dashboard(ctx: TServiceCtx, input: TUsageQuery) {
  const q = ZUsageQuery.parse(input);
  const { from, to, stepMs } = parseQuery(q);
  const orgId = ctx.actor.orgId;
  const sql = panelQueries(orgId, from, to, stepMs, q);
  const db = ctx.deps.prisma;
  const [series, byModelSeries, byModel, byKey, today, byDay, keys, models] = await Promise.all([
    db.$queryRaw<(TRawAgg & { t: bigint })[]>(sql.series),
    db.$queryRaw<
      { t: bigint; model: string; requests: bigint; promptTokens: bigint; completionTokens: bigint }[]
    >(sql.byModelSeries),
    db.$queryRaw<(TRawAgg & { model: string })[]>(sql.byModel),
    db.$queryRaw<(TRawAgg & { apiKeyId: string })[]>(sql.byKey),
    db.$queryRaw<{ cost: bigint }[]>(sql.revenueToday),
    db.$queryRaw<{ t: bigint; model: string; cost: bigint }[]>(sql.revenueByDay),
    db.apiKey.findMany({ where: { orgId }, select: { id: true, name: true, prefix: true } }),
    db.$queryRaw<{ model: string }[]>(sql.models),
  ]);
  const windowMs = to.getTime() - from.getTime();
  const axis = timeAxis(from.getTime(), to.getTime(), stepMs);
  const rows: TBucketRow[] = series.map((r) => ({ ...toAgg(r), t: Number(r.t) }));
  const total = rows.reduce((a, r) => addAgg(a, r), emptyAgg());
  const s = stats(total, windowMs);
  const saturation = saturationSeries(rows, axis, stepMs);
  const secs = stepMs / 1000;
  const bm = byModelSeries.map((r) => ({
    ...emptyAgg(),
    t: Number(r.t),
    model: r.model,
    requests: Number(r.requests),
    promptTokens: Number(r.promptTokens),
    completionTokens: Number(r.completionTokens),
  }));
  const keyName = new Map(keys.map((k) => [k.id, `${k.name} (${k.prefix}…)`]));
  const dayAxis = [...new Set(byDay.map((r) => Number(r.t)))].sort((a, b) => a - b);
  const revenueByDay = pivotByModel(
    byDay.map((r) => ({ ...emptyAgg(), t: Number(r.t), model: r.model, costPicoUsd: BigInt(r.cost) })),
    dayAxis,
    (r) => picoToUsd(r.costPicoUsd),
  );
  return {
    range: {
      from: from.toISOString(),
      to: to.toISOString(),
      stepMs,
      preset: q.from ? null : (q.range ?? "24h"),
    },
    filters: { model: q.model ?? null, apiKeyId: q.apiKeyId ?? null },
    stats: { ...s, revenueTodayUsd: picoToUsd(today[0]?.cost ?? 0n) },
    alerts: alerts(s, saturation),
    latency: latencySeries(rows, axis),
    saturation,
    requests: axis.map((t) => {
      const r = rows.find((x) => x.t === t);
      return {
        t,
        ok: r ? (r.requests - r.errors - r.rateLimited) / secs : 0,
        errors: r ? r.errors / secs : 0,
        rateLimited: r ? r.rateLimited / secs : 0,
      };
    }),
    outputTokensByModel: pivotByModel(bm, axis, (r) => r.completionTokens / secs),
    inputTokensByModel: pivotByModel(bm, axis, (r) => r.promptTokens / secs),
    perModel: byModel.map((r) => ({ model: r.model, ...tableRow(toAgg(r), windowMs) })),
    perKey: byKey.map((r) => ({
      apiKeyId: r.apiKeyId || null,
      name: r.apiKeyId ? (keyName.get(r.apiKeyId) ?? r.apiKeyId) : "(no key)",
      ...tableRow(toAgg(r), windowMs),
    })),
    revenueByDay,
    choices: {
      models: models.map((m) => m.model).sort(),
      keys: keys.map((k) => ({ id: k.id, name: `${k.name} (${k.prefix}…)` })),
    },
  };
}
export type TDashboard = Awaited<ReturnType<typeof dashboard>>;

// ------------------------------------------------------------------------------------ GET /api/v1/usage

export const ZUsageSummaryQuery = z.object({
  /** Default: the start of the current billing period. */
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
});

const ZUsageNumbers = z.object({
  requests: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
  costPicoUsd: z.string(),
});
export const ZUsageSummary = z.object({
  from: z.string(),
  to: z.string(),
  granularity: z.literal("minute"),
  totals: ZUsageNumbers,
  models: z.array(ZUsageNumbers.extend({ model: z.string() })),
});

function isoParam(v: string, field: "from" | "to"): Date {
  // Dates only (2026-11-01) or full date-times with an offset; anything else is refused by name.
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v))
    throw new DomainError("VALIDATION", `${field}: not an ISO 8601 date-time: "${v}"`, { field });
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new DomainError("VALIDATION", `${field}: not a valid date: "${v}"`, { field });
  return d;
}

/** Totals and per-model usage between from (inclusive) and to (exclusive), at minute resolution. */
export async function usageSummary(ctx: TServiceCtx, input: z.input<typeof ZUsageSummaryQuery>) {
  const q = ZUsageSummaryQuery.parse(input);
  const from = q.from !== undefined ? isoParam(q.from, "from") : currentPeriod().start;
  const to = q.to !== undefined ? isoParam(q.to, "to") : new Date();
  if (to.getTime() <= from.getTime())
    throw new DomainError("VALIDATION", "to: must be after from", { field: "to" });
  const rows = await ctx.deps.prisma.usageRollup.groupBy({
    by: ["model"],
    where: { orgId: ctx.actor.orgId, minute: { gte: from, lt: to } },
    _sum: { requests: true, promptTokens: true, completionTokens: true, costPicoUsd: true },
    orderBy: { model: "asc" },
  });
  const num = (r: (typeof rows)[number]) => {
    const cost = r._sum.costPicoUsd ?? 0n;
    return {
      requests: r._sum.requests ?? 0,
      inputTokens: Number(r._sum.promptTokens ?? 0n),
      outputTokens: Number(r._sum.completionTokens ?? 0n),
      costUsd: picoToUsd(cost),
      costPicoUsd: cost.toString(),
    };
  };
  const models = rows.map((r) => ({ model: r.model, ...num(r) }));
  const totalCost = rows.reduce((a, r) => a + (r._sum.costPicoUsd ?? 0n), 0n);
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    granularity: "minute" as const,
    totals: {
      requests: models.reduce((a, m) => a + m.requests, 0),
      inputTokens: models.reduce((a, m) => a + m.inputTokens, 0),
      outputTokens: models.reduce((a, m) => a + m.outputTokens, 0),
      costUsd: picoToUsd(totalCost),
      costPicoUsd: totalCost.toString(),
    },
    models,
  };
}

/** Usage and cost by model for the current (monthly) billing period, from rollups. */
export async function periodUsageByModel(ctx: TServiceCtx, at = Date.now()) {
  const { start, end } = currentPeriod(at);
  const rows = await ctx.deps.prisma.usageRollup.groupBy({
    by: ["model"],
    where: { orgId: ctx.actor.orgId, minute: { gte: start, lt: end } },
    _sum: { requests: true, promptTokens: true, completionTokens: true, costPicoUsd: true },
  });
  return {
    start,
    end,
    rows: rows.map((r) => ({
      model: r.model,
      requests: r._sum.requests ?? 0,
      promptTokens: r._sum.promptTokens ?? 0n,
      completionTokens: r._sum.completionTokens ?? 0n,
      costPicoUsd: r._sum.costPicoUsd ?? 0n,
    })),
  };
}
