// Usage panels read minute, 5-minute and hourly rollups (the worker's own SQL builds them here): every
// time bucket and total must equal the minute rows of the range exactly, whatever its edges.
import { resolveRange } from "@aitk/core/billing/timeRange";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRollup } from "../../worker/src/processors/usage-rollup-run";
import { panelQueries } from "../src/server/services/usage";
import { createFixture, type TFixture } from "./fixtures";

let f: TFixture;
const MIN = 60_000;
const HOUR = 3_600_000;
const now = Date.now();
const MODELS = ["m-small", "m-large", "m-code"];

beforeAll(async () => {
  f = await createFixture();
  // 3,000 events over the last 72 hours at odd seconds, three models, two keys and no key.
  const keys = [f.a.keyId, null, "key_other"];
  await f.prisma.usageEvent.createMany({
    data: Array.from({ length: 3000 }, (_, i) => ({
      requestId: `up_${i}_${now}`,
      orgId: f.a.orgId,
      apiKeyId: keys[i % 3],
      model: MODELS[Math.floor(i / 3) % 3]!,
      endpoint: "chat.completions",
      status: i % 17 === 0 ? 502 : 200,
      outcome: i % 17 === 0 ? ("upstream_error" as const) : ("ok" as const),
      promptTokens: 10 + (i % 50),
      completionTokens: 3 + (i % 11),
      ttftMs: i % 17 === 0 ? null : 20 + ((i * 37) % 900),
      durationMs: 100 + ((i * 53) % 4000),
      costPicoUsd: BigInt(1000 + i * 7),
      createdAt: new Date(now - 72 * HOUR + ((i * 7919) % (72 * 3600)) * 1000 + 1234),
    })),
  });
  await runRollup(f.prisma, { cursor: "test.usage-panels" });
});

afterAll(async () => {
  await f?.close();
});

type TRow = {
  t: bigint;
  requests: bigint;
  errors: bigint;
  costPicoUsd: bigint;
  durationMsSum: bigint;
  ttftBuckets: bigint[];
  latencyBuckets: bigint[];
};

/** The series the minute rows alone give for [from, to) in `stepMs` buckets. */
async function fromMinutes(from: Date, to: Date, stepMs: number, model?: string) {
  const rows = await f.prisma.usageRollup.findMany({
    where: { orgId: f.a.orgId, minute: { gte: from, lt: to }, ...(model ? { model } : {}) },
  });
  const by = new Map<
    number,
    { requests: number; errors: number; cost: bigint; dur: bigint; ttft: number[] }
  >();
  for (const r of rows) {
    const t = Math.floor(r.minute.getTime() / stepMs) * stepMs;
    const a = by.get(t) ?? { requests: 0, errors: 0, cost: 0n, dur: 0n, ttft: [] };
    a.requests += r.requests;
    a.errors += r.errors;
    a.cost += r.costPicoUsd;
    a.dur += r.durationMsSum;
    a.ttft = r.ttftBuckets.map((c, i) => c + (a.ttft[i] ?? 0));
    by.set(t, a);
  }
  return [...by.entries()].sort(([x], [y]) => x - y).map(([t, a]) => ({ t, ...a }));
}

async function expectExact(from: Date, to: Date, stepMs: number, model?: string) {
  const sql = panelQueries(f.a.orgId, from, to, stepMs, model ? { model } : {});
  const got = (await f.prisma.$queryRaw<TRow[]>(sql.series)).map((r) => ({
    t: Number(r.t),
    requests: Number(r.requests),
    errors: Number(r.errors),
    cost: BigInt(r.costPicoUsd),
    dur: BigInt(r.durationMsSum),
    ttft: r.ttftBuckets.map(Number),
  }));
  const want = await fromMinutes(from, to, stepMs, model);
  expect(want.length).toBeGreaterThan(0);
  expect(got).toEqual(want);
  const byModel = await f.prisma.$queryRaw<{ model: string; requests: bigint }[]>(sql.byModel);
  expect(byModel.reduce((a, r) => a + Number(r.requests), 0)).toBe(want.reduce((a, r) => a + r.requests, 0));
  const byKey = await f.prisma.$queryRaw<{ apiKeyId: string; requests: bigint }[]>(sql.byKey);
  expect(byKey.reduce((a, r) => a + Number(r.requests), 0)).toBe(want.reduce((a, r) => a + r.requests, 0));
}

describe("usage panels over rollup levels", () => {
  it("presets: 6h and 24h (5-minute rows), 1h (minutes), 7d (hours) equal the minute rows", async () => {
    for (const range of ["1h", "6h", "24h", "7d"]) {
      const r = resolveRange({ range }, now);
      await expectExact(r.from, r.to, r.stepMs);
    }
  });

  it("unaligned custom ranges keep their partial edges exact, with and without a model filter", async () => {
    const from = new Date(now - 29 * HOUR - 7 * MIN - 31_000);
    const to = new Date(now - 2 * HOUR - 3 * MIN - 10_000);
    const r = resolveRange({ from, to }, now);
    expect(r.stepMs).toBe(15 * MIN);
    await expectExact(r.from, r.to, r.stepMs);
    await expectExact(r.from, r.to, r.stepMs, "m-large");
    // 60-odd hours: hourly steps, hour rows in the middle, 5-minute and minute rows at both ends.
    const long = resolveRange(
      { from: new Date(now - 65 * HOUR - 17 * MIN - 5000), to: new Date(now - 4 * MIN) },
      now,
    );
    expect(long.stepMs).toBe(HOUR);
    await expectExact(long.from, long.to, long.stepMs);
    await expectExact(long.from, long.to, long.stepMs, "m-code");
  });

  it("the dashboard's totals are the minute rows' for a 24h range", async () => {
    const r = resolveRange({ range: "24h" }, now);
    const d = await f
      .caller(f.a.ownerId)
      .usage.dashboard({ from: r.from.toISOString(), to: r.to.toISOString() });
    const minutes = await f.prisma.usageRollup.aggregate({
      where: { orgId: f.a.orgId, minute: { gte: r.from, lt: r.to } },
      _sum: { requests: true },
    });
    expect(d.range.stepMs).toBe(15 * MIN);
    expect(d.stats.requests).toBe(minutes._sum.requests);
    expect(d.perModel.reduce((a, m) => a + m.requests, 0)).toBe(minutes._sum.requests);
  });
});
