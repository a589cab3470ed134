// usage.rollup: incremental, idempotent per-minute aggregates; retention keeps rollups.
import { randomBytes } from "node:crypto";
import { percentileMs } from "@aitk/core/billing/histogram";
import { TTFT_BUCKETS_SECONDS } from "@aitk/core/usage/buckets";
import type { TPrisma } from "@aitk/db";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRetention } from "../src/processors/retention";
import { ROLLUP_CURSOR, runRollup } from "../src/processors/usage-rollup-run";
import { createOrg } from "./helpers";

let db: TTestDatabase;
let prisma: TPrisma;
beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
});
afterAll(async () => {
  await db?.drop();
});

const MIN = 60_000;

function row(orgId: string, createdAt: Date, i: number, over: Record<string, unknown> = {}) {
  return {
    requestId: `r_${randomBytes(8).toString("hex")}`,
    orgId,
    apiKeyId: i % 2 ? "key_a" : null,
    model: i % 3 ? "m1" : "m2",
    endpoint: "chat.completions",
    status: 200,
    outcome: "ok" as "ok" | "upstream_error" | "rate_limited",
    promptTokens: 10 + i,
    completionTokens: 5 + (i % 7),
    ttftMs: 30 + ((i * 37) % 700),
    durationMs: 200 + ((i * 53) % 3000),
    costPicoUsd: BigInt(1000 + i),
    createdAt,
    ...over,
  };
}

async function snapshot(orgId: string) {
  return (
    await prisma.usageRollup.findMany({
      where: { orgId },
      orderBy: [{ minute: "asc" }, { model: "asc" }, { apiKeyId: "asc" }],
    })
  ).map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}

type TSums = {
  model: string;
  apiKeyId: string;
  requests: number;
  errors: number;
  rateLimited: number;
  promptTokens: bigint;
  completionTokens: bigint;
  costPicoUsd: bigint;
  ttftBuckets: number[];
  latencyBuckets: number[];
  durationMsSum: bigint;
  ttftMsSum: bigint;
};

/** Rows summed per (sizeMs bucket, model, key), every column including the histograms, sorted. */
function regroup(rows: (TSums & { t: Date })[], sizeMs: number) {
  const by = new Map<string, TSums & { t: number }>();
  for (const r of rows) {
    const t = Math.floor(r.t.getTime() / sizeMs) * sizeMs;
    const k = `${t}|${r.model}|${r.apiKeyId}`;
    const a = by.get(k);
    if (!a) {
      by.set(k, {
        t,
        model: r.model,
        apiKeyId: r.apiKeyId,
        requests: r.requests,
        errors: r.errors,
        rateLimited: r.rateLimited,
        promptTokens: r.promptTokens,
        completionTokens: r.completionTokens,
        costPicoUsd: r.costPicoUsd,
        ttftBuckets: [...r.ttftBuckets],
        latencyBuckets: [...r.latencyBuckets],
        durationMsSum: r.durationMsSum,
        ttftMsSum: r.ttftMsSum,
      });
      continue;
    }
    a.requests += r.requests;
    a.errors += r.errors;
    a.rateLimited += r.rateLimited;
    a.promptTokens += r.promptTokens;
    a.completionTokens += r.completionTokens;
    a.costPicoUsd += r.costPicoUsd;
    a.ttftBuckets = r.ttftBuckets.map((c, i) => c + (a.ttftBuckets[i] ?? 0));
    a.latencyBuckets = r.latencyBuckets.map((c, i) => c + (a.latencyBuckets[i] ?? 0));
    a.durationMsSum += r.durationMsSum;
    a.ttftMsSum += r.ttftMsSum;
  }
  return [...by.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, v]) => v);
}

/** The 5-minute and hourly rows are exactly the sums of the minute rows they cover. */
async function expectLevelsMatchMinutes(orgId: string) {
  const minutes = (await prisma.usageRollup.findMany({ where: { orgId } })).map((r) => ({
    ...r,
    t: r.minute,
  }));
  const fives = (await prisma.usageRollup5m.findMany({ where: { orgId } })).map((r) => ({
    ...r,
    t: r.bucket,
  }));
  const hours = (await prisma.usageRollupHour.findMany({ where: { orgId } })).map((r) => ({
    ...r,
    t: r.hour,
  }));
  expect(minutes.length).toBeGreaterThan(0);
  for (const r of fives) expect(r.bucket.getTime() % (5 * MIN)).toBe(0);
  for (const r of hours) expect(r.hour.getTime() % (60 * MIN)).toBe(0);
  expect(regroup(fives, 5 * MIN)).toEqual(regroup(minutes, 5 * MIN));
  expect(regroup(hours, 60 * MIN)).toEqual(regroup(minutes, 60 * MIN));
  return { minutes: minutes.length, fives: fives.length, hours: hours.length };
}

describe("usage rollups", () => {
  it("match the raw events and never double count on re-runs, late events or a reset watermark", async () => {
    const org = await createOrg(prisma);
    const base = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;
    const events = Array.from({ length: 300 }, (_, i) =>
      row(org.id, new Date(base + (i % 20) * MIN + (i % 50) * 1000), i, {
        ...(i % 10 === 0 ? { outcome: "upstream_error", status: 502, ttftMs: null } : {}),
        ...(i % 25 === 0
          ? { outcome: "rate_limited", status: 429, promptTokens: 0, completionTokens: 0, costPicoUsd: 0n }
          : {}),
      }),
    );
    await prisma.usageEvent.createMany({ data: events });
    await runRollup(prisma);
    const first = await snapshot(org.id);
    const sums = await prisma.usageRollup.aggregate({
      where: { orgId: org.id },
      _sum: {
        requests: true,
        errors: true,
        rateLimited: true,
        promptTokens: true,
        completionTokens: true,
        costPicoUsd: true,
        durationMsSum: true,
      },
    });
    expect(sums._sum.requests).toBe(300);
    expect(sums._sum.errors).toBe(events.filter((e) => e.outcome === "upstream_error").length);
    expect(sums._sum.rateLimited).toBe(events.filter((e) => e.outcome === "rate_limited").length);
    expect(sums._sum.promptTokens).toBe(BigInt(events.reduce((a, e) => a + e.promptTokens, 0)));
    expect(sums._sum.costPicoUsd).toBe(events.reduce((a, e) => a + e.costPicoUsd, 0n));
    expect(sums._sum.durationMsSum).toBe(BigInt(events.reduce((a, e) => a + e.durationMs, 0)));
    // Histograms: one count per event with a TTFT, and percentiles close to the exact ones.
    const rows = await prisma.usageRollup.findMany({ where: { orgId: org.id } });
    const ttft = rows.reduce<number[]>((acc, r) => r.ttftBuckets.map((c, i) => c + (acc[i] ?? 0)), []);
    const withTtft = events.filter((e) => e.ttftMs !== null);
    expect(ttft.reduce((a, b) => a + b, 0)).toBe(withTtft.length);
    const p50 = percentileMs(ttft, TTFT_BUCKETS_SECONDS, 0.5)!;
    const exact = withTtft.map((e) => e.ttftMs!).sort((a, b) => a - b)[Math.floor(withTtft.length / 2)]!;
    expect(p50).toBeGreaterThan(exact * 0.5);
    expect(p50).toBeLessThan(exact * 2);

    // Hourly rollups hold the same sums as the minute rows.
    const hours = await prisma.usageRollupHour.aggregate({
      where: { orgId: org.id },
      _sum: { requests: true, promptTokens: true, costPicoUsd: true },
    });
    expect(hours._sum.requests).toBe(300);
    expect(hours._sum.promptTokens).toBe(sums._sum.promptTokens);
    expect(hours._sum.costPicoUsd).toBe(sums._sum.costPicoUsd);

    // Re-running changes nothing.
    await runRollup(prisma);
    expect(await snapshot(org.id)).toEqual(first);
    // Forgetting the watermark (replay from scratch) changes nothing either.
    await prisma.jobCursor.delete({ where: { name: ROLLUP_CURSOR } });
    await runRollup(prisma);
    expect(await snapshot(org.id)).toEqual(first);

    // A late event for an old minute is folded in exactly once.
    await prisma.usageEvent.create({ data: row(org.id, new Date(base + 3 * MIN + 5000), 1000) });
    await runRollup(prisma);
    await runRollup(prisma);
    const after = await prisma.usageRollup.aggregate({ where: { orgId: org.id }, _sum: { requests: true } });
    expect(after._sum.requests).toBe(301);
    const afterHours = await prisma.usageRollupHour.aggregate({
      where: { orgId: org.id },
      _sum: { requests: true },
    });
    expect(afterHours._sum.requests).toBe(301);
    await expectLevelsMatchMinutes(org.id);
  });

  it("keep the 5-minute and hourly levels equal to the minute rows through incremental runs and late events", async () => {
    const org = await createOrg(prisma);
    // 160 minutes before the current hour, starting off an hour and a 5-minute boundary.
    const start = Math.floor(Date.now() / (60 * MIN)) * 60 * MIN - 3 * 60 * MIN + 7 * MIN + 13_000;
    const at = (i: number) => new Date(start + ((i * 7919) % (160 * 60)) * 1000);
    const batch = (from: number, n: number, over: (i: number) => Record<string, unknown> = () => ({})) =>
      Array.from({ length: n }, (_, k) =>
        row(org.id, at(from + k), from + k, {
          ...(k % 9 === 0 ? { outcome: "upstream_error", status: 502, ttftMs: null } : {}),
          ...over(from + k),
        }),
      );
    // 1. The first 200 events, rolled up.
    await prisma.usageEvent.createMany({ data: batch(0, 200) });
    await runRollup(prisma);
    const first = await expectLevelsMatchMinutes(org.id);
    expect(first.fives).toBeGreaterThan(first.hours);

    // 2. More events, some in buckets already rolled up, some with a model and key never seen there.
    await prisma.usageEvent.createMany({
      data: batch(200, 150, (i) => (i % 4 === 0 ? { model: "m3", apiKeyId: "key_late" } : {})),
    });
    await runRollup(prisma);
    await expectLevelsMatchMinutes(org.id);

    // 3. Late events (gateway spool): old createdAt, ingested now, into the first and last buckets,
    // including the partial 5-minute bucket at the start and a minute on an hour boundary.
    const hourEdge = Math.floor(start / (60 * MIN)) * 60 * MIN + 60 * MIN;
    await prisma.usageEvent.createMany({
      data: [
        row(org.id, new Date(start + 1000), 5001),
        row(org.id, new Date(hourEdge - 1000), 5002, { model: "m4" }),
        row(org.id, new Date(hourEdge), 5003, { model: "m4" }),
        row(org.id, new Date(start + 160 * MIN - 1000), 5004, { outcome: "rate_limited", status: 429 }),
      ],
    });
    await runRollup(prisma);
    // Re-running (and replaying from scratch) changes nothing.
    await runRollup(prisma);
    await prisma.jobCursor.delete({ where: { name: ROLLUP_CURSOR } });
    await runRollup(prisma);
    const last = await expectLevelsMatchMinutes(org.id);
    const five = await prisma.usageRollup5m.aggregate({
      where: { orgId: org.id },
      _sum: { requests: true, costPicoUsd: true },
    });
    expect(five._sum.requests).toBe(354);
    expect(five._sum.costPicoUsd).toBe(
      (await prisma.usageEvent.aggregate({ where: { orgId: org.id }, _sum: { costPicoUsd: true } }))._sum
        .costPicoUsd,
    );
    expect(last.fives).toBeLessThan(last.minutes);
  });

  it("retention deletes raw events past the org's window and keeps rollups", async () => {
    const org = await createOrg(prisma);
    await prisma.organization.update({ where: { id: org.id }, data: { rawEventRetentionDays: 2 } });
    const old = new Date(Date.now() - 3 * 86_400_000);
    const fresh = new Date(Date.now() - 5 * MIN);
    await prisma.usageEvent.createMany({ data: [row(org.id, old, 1), row(org.id, fresh, 2)] });
    await prisma.usageRollup.create({
      data: {
        orgId: org.id,
        minute: new Date(Math.floor(old.getTime() / MIN) * MIN),
        model: "m2",
        requests: 1,
      },
    });
    const r = await runRetention(prisma);
    expect(r.deleted).toBeGreaterThanOrEqual(1);
    expect(await prisma.usageEvent.count({ where: { orgId: org.id } })).toBe(1);
    // Re-rolling the old minute must not wipe its rollup (raw events are gone).
    await prisma.usageEvent.create({ data: row(org.id, new Date(old.getTime() + 1000), 3) });
    await runRollup(prisma);
    const kept = await prisma.usageRollup.findFirst({ where: { orgId: org.id, model: "m2" } });
    expect(kept?.requests).toBe(1);
  });
});
