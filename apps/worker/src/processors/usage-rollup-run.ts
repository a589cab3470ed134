// Incremental per-minute rollups. Each run finds the (org, minute) pairs touched by events ingested
// since the watermark (minus an overlap, so rows committed late by a slow transaction are not missed)
// and recomputes those whole minutes from the ledger with an upsert. Recomputing is idempotent: running
// twice, replaying, or crashing half-way never double counts. The 5-minute and hourly levels are then
// recomputed, the same way, from the minute rows of every 5-minute bucket and hour a touched minute falls in.
import { LATENCY_BUCKETS_SECONDS, TTFT_BUCKETS_SECONDS } from "@aitk/core/usage/buckets";
import type { TPrisma } from "@aitk/db";

export const ROLLUP_CURSOR = "usage.rollup";

/** Per-bucket counts (not cumulative) with an +Inf bucket, matching @aitk/core/billing/histogram. */
function bucketArray(column: string, boundsSeconds: readonly number[]): string {
  const ms = boundsSeconds.map((b) => b * 1000);
  const parts = ms.map((b, i) =>
    i === 0
      ? `count(*) FILTER (WHERE e.${column} <= ${b})`
      : `count(*) FILTER (WHERE e.${column} > ${ms[i - 1]} AND e.${column} <= ${b})`,
  );
  parts.push(`count(*) FILTER (WHERE e.${column} > ${ms[ms.length - 1]})`);
  return `ARRAY[${parts.join(", ")}]::int[]`;
}

/**
 * The upsert, over the minutes listed by `touchedSql` (a SELECT of "orgId", m). Minutes whose raw
 * events retention may already have removed are left alone (their rollups are kept as they are).
 */
export function rollupUpsertSql(touchedSql: string): string {
  return `
WITH touched AS (${touchedSql}),
safe AS (
  SELECT DISTINCT t."orgId", t.m FROM touched t JOIN "Organization" o ON o.id = t."orgId"
  WHERE t.m > now() - make_interval(days => o."rawEventRetentionDays") + interval '1 hour'
)
INSERT INTO "UsageRollup" ("orgId", minute, model, "apiKeyId", requests, errors, "rateLimited",
  "promptTokens", "completionTokens", "costPicoUsd", "ttftBuckets", "latencyBuckets", "durationMsSum", "ttftMsSum")
SELECT s."orgId", s.m, a.*
FROM safe s CROSS JOIN LATERAL (
  -- One (orgId, createdAt) index range per touched minute; the GROUP BY keeps the planner from
  -- flattening this into a join over the whole table.
  SELECT e.model, coalesce(e."apiKeyId", '') AS "apiKeyId",
    count(*)::int AS requests,
    (count(*) FILTER (WHERE e.outcome IN ('upstream_error', 'error')))::int AS errors,
    (count(*) FILTER (WHERE e.outcome = 'rate_limited'))::int AS "rateLimited",
    sum(e."promptTokens")::bigint AS "promptTokens", sum(e."completionTokens")::bigint AS "completionTokens",
    sum(e."costPicoUsd")::bigint AS "costPicoUsd",
    ${bucketArray('"ttftMs"', TTFT_BUCKETS_SECONDS)} AS "ttftBuckets",
    ${bucketArray('"durationMs"', LATENCY_BUCKETS_SECONDS)} AS "latencyBuckets",
    sum(e."durationMs")::bigint AS "durationMsSum", coalesce(sum(e."ttftMs"), 0)::bigint AS "ttftMsSum"
  FROM "UsageEvent" e
  WHERE e."orgId" = s."orgId" AND e."createdAt" >= s.m AND e."createdAt" < s.m + interval '1 minute'
  GROUP BY e.model, coalesce(e."apiKeyId", '')
) a
ON CONFLICT ("orgId", minute, model, "apiKeyId") DO UPDATE SET
  requests = EXCLUDED.requests, errors = EXCLUDED.errors, "rateLimited" = EXCLUDED."rateLimited",
  "promptTokens" = EXCLUDED."promptTokens", "completionTokens" = EXCLUDED."completionTokens",
  "costPicoUsd" = EXCLUDED."costPicoUsd", "ttftBuckets" = EXCLUDED."ttftBuckets",
  "latencyBuckets" = EXCLUDED."latencyBuckets", "durationMsSum" = EXCLUDED."durationMsSum",
  "ttftMsSum" = EXCLUDED."ttftMsSum"`;
}

const sumArr = (col: string, n: number) =>
  `ARRAY[${Array.from({ length: n }, (_, i) => `coalesce(sum(r."${col}"[${i + 1}]), 0)`).join(", ")}]::int[]`;

/** A coarser rollup level: its table, time column, and how a minute maps to its bucket (SQL). */
type TLevel = { table: string; col: string; bucket: (m: string) => string; interval: string };
const FIVE_MIN: TLevel = {
  table: '"UsageRollup5m"',
  col: "bucket",
  // Buckets aligned to the epoch (as the panels' time axis is): :00, :05, :10…
  bucket: (m) => `date_bin('5 minutes', ${m}, TIMESTAMP '2000-01-01')`,
  interval: "5 minutes",
};
const HOUR: TLevel = {
  table: '"UsageRollupHour"',
  col: "hour",
  bucket: (m) => `date_trunc('hour', ${m})`,
  interval: "1 hour",
};

/** The buckets of `level` containing the touched minutes, recomputed from the minute rollups (idempotent). */
function rollupLevelUpsertSql(level: TLevel, touchedSql: string): string {
  return `
WITH touched AS (${touchedSql}),
b AS (SELECT DISTINCT "orgId", ${level.bucket("m")} AS s FROM touched)
INSERT INTO ${level.table} ("orgId", ${level.col}, model, "apiKeyId", requests, errors, "rateLimited",
  "promptTokens", "completionTokens", "costPicoUsd", "ttftBuckets", "latencyBuckets", "durationMsSum", "ttftMsSum")
SELECT b."orgId", b.s, a.*
FROM b CROSS JOIN LATERAL (
  SELECT r.model, r."apiKeyId", sum(r.requests)::int, sum(r.errors)::int, sum(r."rateLimited")::int,
    sum(r."promptTokens")::bigint, sum(r."completionTokens")::bigint, sum(r."costPicoUsd")::bigint,
    ${sumArr("ttftBuckets", TTFT_BUCKETS_SECONDS.length + 1)},
    ${sumArr("latencyBuckets", LATENCY_BUCKETS_SECONDS.length + 1)},
    sum(r."durationMsSum")::bigint, sum(r."ttftMsSum")::bigint
  FROM "UsageRollup" r
  WHERE r."orgId" = b."orgId" AND r.minute >= b.s AND r.minute < b.s + interval '${level.interval}'
  GROUP BY r.model, r."apiKeyId"
) a
ON CONFLICT ("orgId", ${level.col}, model, "apiKeyId") DO UPDATE SET
  requests = EXCLUDED.requests, errors = EXCLUDED.errors, "rateLimited" = EXCLUDED."rateLimited",
  "promptTokens" = EXCLUDED."promptTokens", "completionTokens" = EXCLUDED."completionTokens",
  "costPicoUsd" = EXCLUDED."costPicoUsd", "ttftBuckets" = EXCLUDED."ttftBuckets",
  "latencyBuckets" = EXCLUDED."latencyBuckets", "durationMsSum" = EXCLUDED."durationMsSum",
  "ttftMsSum" = EXCLUDED."ttftMsSum"`;
}

/** 5-minute buckets containing the touched minutes, recomputed from the minute rollups (idempotent). */
export const rollup5mUpsertSql = (touchedSql: string) => rollupLevelUpsertSql(FIVE_MIN, touchedSql);
/** Hours containing the touched minutes, recomputed from the minute rollups (idempotent). */
export const rollupHourUpsertSql = (touchedSql: string) => rollupLevelUpsertSql(HOUR, touchedSql);

export type TRollupResult = { from: string; to: string; rows: number; ms: number };

export async function runRollup(
  prisma: TPrisma,
  opts: { now?: Date; overlapMs?: number; cursor?: string } = {},
): Promise<TRollupResult> {
  const started = Date.now();
  const name = opts.cursor ?? ROLLUP_CURSOR;
  const to = opts.now ?? new Date();
  const cur = await prisma.jobCursor.findUnique({ where: { name } });
  const from = new Date(cur ? cur.at.getTime() - (opts.overlapMs ?? 120_000) : 0);
  const touched = `SELECT DISTINCT "orgId", date_trunc('minute', "createdAt") AS m FROM "UsageEvent"
    WHERE "ingestedAt" > $1 AND "ingestedAt" <= $2`;
  const rows = await prisma.$executeRawUnsafe(rollupUpsertSql(touched), from, to);
  if (rows > 0) {
    await prisma.$executeRawUnsafe(rollup5mUpsertSql(touched), from, to);
    await prisma.$executeRawUnsafe(rollupHourUpsertSql(touched), from, to);
  }
  await prisma.jobCursor.upsert({ where: { name }, create: { name, at: to }, update: { at: to } });
  return { from: from.toISOString(), to: to.toISOString(), rows, ms: Date.now() - started };
}
