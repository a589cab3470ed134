// Panel query benchmark (a script, not a test): seeds N usage events (default 10 million) with
// generate_series into a scratch database, builds their minute, 5-minute and hourly rollups with the
// worker's own rollup SQL, then times the dashboard's panel queries (which read rollups only) per range.
//
//   npx tsx bench/panels/run.ts [--events=10000000] [--days=29] [--orgs=5] [--runs=21] [--keep] [--db=URL]
//
// --keep leaves the seeded database; --db=URL times one kept earlier (same --events/--days/--orgs) without
// seeding it again. Goal: every panel query ≤ 200 ms. Prints one line per query and range (median / p95
// of --runs), then the whole dashboard per range.
import { createPrisma, type TPrisma } from "@aitk/db";
import { createTestDatabase } from "@aitk/db/testing";
import { resolveRange, rollupSegments } from "@aitk/core/billing/timeRange";
import {
  rollup5mUpsertSql,
  rollupHourUpsertSql,
  rollupUpsertSql,
} from "../../apps/worker/src/processors/usage-rollup-run";
import { dashboard, panelQueries } from "../../apps/web/src/server/services/usage";

const args = new Map(
  process.argv.slice(2).map((a) => {
    const s = a.replace(/^--/, "");
    const i = s.indexOf("=");
    return (i < 0 ? [s, "true"] : [s.slice(0, i), s.slice(i + 1)]) as [string, string];
  }),
);
const EVENTS = Number(args.get("events") ?? 10_000_000);
const DAYS = Number(args.get("days") ?? 29);
const ORGS = Number(args.get("orgs") ?? 5);
const RUNS = Number(args.get("runs") ?? 21);
const MODELS = ["llama-3.1-8b", "llama-3.1-70b", "qwen2.5-7b", "aitk-tiny"];
const KEYS_PER_ORG = 5;
const CHUNK = 1_000_000;

const t0 = Date.now();
const log = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

/** Seeds a scratch database: orgs, keys, events, then the rollups the worker would have built. */
async function seed(prisma: TPrisma): Promise<string[]> {
  const orgIds: string[] = [];
  const keyIds: string[] = [];
  for (let o = 0; o < ORGS; o++) {
    const org = await prisma.organization.create({
      data: { name: `bench ${o}`, slug: `bench-${o}`, rawEventRetentionDays: DAYS + 10 },
    });
    orgIds.push(org.id);
    for (let k = 0; k < KEYS_PER_ORG; k++) {
      const key = await prisma.apiKey.create({
        data: { orgId: org.id, name: `k${k}`, prefix: `aitk_b${o}k${k}`, hash: `h-${o}-${k}-${org.id}` },
      });
      keyIds.push(key.id);
    }
  }
  const now = Date.now();
  const spanMs = DAYS * 86_400_000;
  // Events spread evenly over the span; org i's keys are keyIds[i*5 .. i*5+4].
  for (let start = 0; start < EVENTS; start += CHUNK) {
    const end = Math.min(EVENTS, start + CHUNK) - 1;
    await prisma.$executeRawUnsafe(
      `INSERT INTO "UsageEvent" ("requestId", "orgId", "apiKeyId", model, endpoint, status, outcome,
         "promptTokens", "completionTokens", "ttftMs", "durationMs", "costPicoUsd", "createdAt", "ingestedAt")
       SELECT 'b' || g, ($1::text[])[1 + g % ${ORGS}], ($2::text[])[1 + (g % ${ORGS}) * ${KEYS_PER_ORG} + (g / 7) % ${KEYS_PER_ORG}],
         ($3::text[])[1 + (g / 3) % ${MODELS.length}], 'chat.completions',
         CASE WHEN g % 113 = 0 THEN 502 WHEN g % 61 = 0 THEN 429 ELSE 200 END,
         (CASE WHEN g % 113 = 0 THEN 'upstream_error' WHEN g % 61 = 0 THEN 'rate_limited' ELSE 'ok' END)::"UsageOutcome",
         CASE WHEN g % 61 = 0 THEN 0 ELSE 50 + g % 900 END, CASE WHEN g % 61 = 0 THEN 0 ELSE 10 + g % 300 END,
         CASE WHEN g % 113 = 0 OR g % 61 = 0 THEN NULL ELSE 15 + (g * 7919) % 600 END,
         30 + (g * 104729) % 4000, (50 + g % 900) * 100000 + (10 + g % 300) * 200000,
         to_timestamp(${(now - spanMs) / 1000} + (g::float8 / ${EVENTS}) * ${spanMs / 1000}) AT TIME ZONE 'UTC',
         now()
       FROM generate_series(${start}::bigint, ${end}::bigint) g`,
      orgIds,
      keyIds,
      MODELS,
    );
    log(`inserted ${(end + 1).toLocaleString()} events`);
  }
  await prisma.$executeRawUnsafe(`ANALYZE "UsageEvent"`);
  // Rollups with the worker's SQL, one day at a time, in the order usage.rollup runs them
  // (minutes from the events, then 5-minute buckets and hours from the minute rows).
  for (let d = 0; d <= DAYS; d++) {
    const from = new Date(now - spanMs + d * 86_400_000);
    const to = new Date(now - spanMs + (d + 1) * 86_400_000);
    const touched = `SELECT DISTINCT "orgId", date_trunc('minute', "createdAt") AS m FROM "UsageEvent"
        WHERE "createdAt" >= $1 AND "createdAt" < $2`;
    await prisma.$executeRawUnsafe(rollupUpsertSql(touched), from, to);
    await prisma.$executeRawUnsafe(rollup5mUpsertSql(touched), from, to);
    await prisma.$executeRawUnsafe(rollupHourUpsertSql(touched), from, to);
  }
  log("rollups built");
  return orgIds;
}

const reuse = args.get("db");
const db = reuse ? null : await createTestDatabase();
const prisma = db ? db.prisma : createPrisma(reuse!);
try {
  const orgIds = db
    ? await seed(prisma)
    : (
        await prisma.organization.findMany({
          where: { slug: { startsWith: "bench-" } },
          orderBy: { slug: "asc" },
          select: { id: true },
        })
      ).map((o) => o.id);
  if (!orgIds.length) throw new Error(`no bench orgs in ${reuse}: seed one with --keep first`);
  await prisma.$executeRawUnsafe(`ANALYZE "UsageRollup"`);
  await prisma.$executeRawUnsafe(`ANALYZE "UsageRollup5m"`);
  await prisma.$executeRawUnsafe(`ANALYZE "UsageRollupHour"`);
  const [counts] = await prisma.$queryRawUnsafe<
    { events: bigint; rollups: bigint; fives: bigint; hours: bigint }[]
  >(
    `SELECT (SELECT count(*) FROM "UsageEvent") AS events, (SELECT count(*) FROM "UsageRollup") AS rollups,
      (SELECT count(*) FROM "UsageRollup5m") AS fives, (SELECT count(*) FROM "UsageRollupHour") AS hours`,
  );
  log(
    `${Number(counts!.events).toLocaleString()} events → ${Number(counts!.rollups).toLocaleString()} minute + ${Number(counts!.fives).toLocaleString()} 5-minute + ${Number(counts!.hours).toLocaleString()} hour rollup rows`,
  );

  const orgId = orgIds[0]!;
  const time = async (fn: () => Promise<unknown>) => {
    await fn();
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      await fn();
      ms.push(performance.now() - s);
    }
    ms.sort((a, b) => a - b);
    return {
      median: ms[Math.floor(ms.length / 2)]!,
      p95: ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)]!,
    };
  };
  const results: { range: string; query: string; median: number; p95: number }[] = [];
  const sources = new Map<string, string>();
  for (const range of ["1h", "24h", "7d", "30d"]) {
    const r = resolveRange({ range });
    const segs = rollupSegments(r.from.getTime(), r.to.getTime(), r.stepMs);
    sources.set(
      range,
      `step ${r.stepMs / 60_000} min; ${segs.map((g) => `${g.level} ${Math.round((g.to - g.from) / 60_000)} min`).join(" + ")}`,
    );
    const q = panelQueries(orgId, r.from, r.to, r.stepMs);
    for (const [name, sql] of Object.entries(q)) {
      const t = await time(() => prisma.$queryRaw(sql));
      results.push({ range, query: name, ...t });
    }
    // The whole dashboard call (all panel queries in parallel, as the page loads it).
    const ctx = {
      deps: { prisma } as never,
      actor: { orgId, role: "viewer" as const, userId: null, apiKeyId: null, ip: null },
    };
    const t = await time(() => dashboard(ctx, { range }));
    results.push({ range, query: "dashboard (all panels)", ...t });
  }
  console.log(
    `\nPanel queries over ${EVENTS.toLocaleString()} events (${DAYS} days, ${ORGS} orgs); org 0 holds ~1/${ORGS} of them`,
  );
  for (const [range, src] of sources) console.log(`${range.padEnd(4)} ${src}`);
  console.log("\nrange  query                     median ms   p95 ms   ≤200 ms");
  for (const r of results)
    console.log(
      `${r.range.padEnd(6)} ${r.query.padEnd(25)} ${r.median.toFixed(1).padStart(9)} ${r.p95.toFixed(1).padStart(8)}   ${r.p95 <= 200 ? "yes" : "NO"}`,
    );
} finally {
  if (!db || args.has("keep")) {
    if (db) console.log(`kept database ${db.url}`);
    await prisma.$disconnect();
  } else await db.drop();
}
