import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LATENCY_BUCKETS_SECONDS, TTFT_BUCKETS_SECONDS } from "../usage/buckets";
import { grafanaDashboard, prometheusScrapeConfig } from "./grafana";
import { bucketIndex, emptyBuckets, mergeBuckets, percentileMs } from "./histogram";
import { currentPeriod, invoiceLines } from "./invoice";
import { backoffMs, closedBefore, meterIdentifier, planMinute, withinStripeWindow } from "./meters";
import { picoToCentsRounded } from "./money";
import { alerts, emptyAgg, addAgg, saturationSeries, stats, timeAxis } from "./panels";
import { reconcile } from "./reconcile";
import { centsPerTokenDecimal, parseStripeConfig } from "./stripeConfig";
import { resolveRange } from "./timeRange";

describe("meter identifiers and planning", () => {
  it("is deterministic per (org, meter, minute, revision)", () => {
    const m = new Date("2026-11-25T10:31:42.123Z");
    expect(meterIdentifier("org1", "input", m)).toBe("aitk:org1:input:2026-11-25T10:31");
    expect(meterIdentifier("org1", "input", new Date("2026-11-25T10:31:00Z"))).toBe(
      meterIdentifier("org1", "input", m),
    );
    expect(meterIdentifier("org1", "output", m, 2)).toBe("aitk:org1:output:2026-11-25T10:31:r2");
  });
  it("plans only the positive difference, as the next revision", () => {
    expect(planMinute(100n, [])).toEqual({ revision: 0, value: 100n });
    expect(planMinute(100n, [{ revision: 0, value: 100n }])).toBeNull();
    expect(planMinute(130n, [{ revision: 0, value: 100n }])).toEqual({ revision: 1, value: 30n });
    expect(planMinute(50n, [{ revision: 0, value: 100n }])).toBeNull();
  });
  it("closes minutes after a lag and respects Stripe's 35-day window", () => {
    const now = Date.parse("2026-11-25T10:31:20Z");
    expect(new Date(closedBefore(now)).toISOString()).toBe("2026-11-25T10:30:00.000Z");
    expect(withinStripeWindow(new Date(now - 34 * 86_400_000), now)).toBe(true);
    expect(withinStripeWindow(new Date(now - 35 * 86_400_000), now)).toBe(false);
    expect(backoffMs(1)).toBe(30_000);
    expect(backoffMs(3)).toBe(120_000);
    expect(backoffMs(30)).toBe(3_600_000);
  });
});

describe("histograms", () => {
  it("buckets with le semantics and an +Inf bucket", () => {
    expect(bucketIndex(5, TTFT_BUCKETS_SECONDS)).toBe(0);
    expect(bucketIndex(6, TTFT_BUCKETS_SECONDS)).toBe(1);
    expect(bucketIndex(60_000, TTFT_BUCKETS_SECONDS)).toBe(TTFT_BUCKETS_SECONDS.length);
    expect(emptyBuckets(TTFT_BUCKETS_SECONDS)).toHaveLength(TTFT_BUCKETS_SECONDS.length + 1);
  });
  it("merges element-wise and interpolates percentiles like histogram_quantile", () => {
    const b = mergeBuckets([1, 0, 0], [0, 0, 0, 0, 0, 0, 0, 9]);
    expect(b[0]).toBe(1);
    expect(b[7]).toBe(9);
    // 100 observations all in (0.1, 0.25]: p50 is halfway → 175 ms.
    const c = emptyBuckets(TTFT_BUCKETS_SECONDS);
    c[5] = 100;
    expect(percentileMs(c, TTFT_BUCKETS_SECONDS, 0.5)).toBeCloseTo(175, 6);
    expect(percentileMs(emptyBuckets(TTFT_BUCKETS_SECONDS), TTFT_BUCKETS_SECONDS, 0.5)).toBeNull();
    const inf = emptyBuckets(LATENCY_BUCKETS_SECONDS);
    inf[LATENCY_BUCKETS_SECONDS.length] = 3;
    expect(percentileMs(inf, LATENCY_BUCKETS_SECONDS, 0.99)).toBe(120_000);
  });
});

describe("stripe config and prices", () => {
  it("parses STRIPE_API_BASE into host/port/protocol and is off without a key", () => {
    expect(parseStripeConfig({})).toBeNull();
    expect(parseStripeConfig({ secretKey: "sk_test_x", apiBase: "http://127.0.0.1:12111" })).toMatchObject({
      host: "127.0.0.1",
      port: 12111,
      protocol: "http",
    });
    expect(parseStripeConfig({ secretKey: "sk_live_x" })).toMatchObject({
      host: "api.stripe.com",
      port: 443,
    });
    expect(() => parseStripeConfig({ secretKey: "nope" })).toThrow(/STRIPE_SECRET_KEY/);
    expect(() => parseStripeConfig({ secretKey: "sk_test_x", apiBase: "ftp://x" })).toThrow(
      /STRIPE_API_BASE/,
    );
  });
  it("converts micro-USD per 1M tokens to exact cents per token", () => {
    expect(centsPerTokenDecimal(100_000)).toBe("0.00001");
    expect(centsPerTokenDecimal(200_000)).toBe("0.00002");
    expect(centsPerTokenDecimal(1)).toBe("0.0000000001");
    expect(centsPerTokenDecimal(15_000_000_000)).toBe("1.5");
    expect(centsPerTokenDecimal(0)).toBe("0");
  });
  it("rounds pico-USD to cents half up", () => {
    expect(picoToCentsRounded(5_000_000_000n)).toBe(1n);
    expect(picoToCentsRounded(4_999_999_999n)).toBe(0n);
  });
});

describe("time ranges", () => {
  const now = Date.parse("2026-11-25T10:30:30Z");
  it("resolves presets with a bounded number of points", () => {
    const r = resolveRange({ range: "24h" }, now);
    expect(r.to.toISOString()).toBe("2026-11-25T10:31:00.000Z");
    expect((r.to.getTime() - r.from.getTime()) / r.stepMs).toBeLessThanOrEqual(200);
    expect(resolveRange({ range: "1h" }, now).stepMs).toBe(60_000);
  });
  it("names the bad field", () => {
    expect(() => resolveRange({ range: "2y" }, now)).toThrow(/range/);
    expect(() => resolveRange({ from: "yesterday" }, now)).toThrow(/from/);
    expect(() => resolveRange({ from: "2026-11-25T10:00:00Z", to: "2026-11-25T09:00:00Z" }, now)).toThrow(
      /to/,
    );
  });
});

describe("panels", () => {
  it("computes stats, saturation and alerts from rollup sums", () => {
    const ttft = emptyBuckets(TTFT_BUCKETS_SECONDS);
    ttft[7] = 100; // (0.5, 1] s → p95 above 500 ms
    const agg = addAgg(emptyAgg(), {
      requests: 100,
      errors: 2,
      rateLimited: 5,
      promptTokens: 6000,
      completionTokens: 1200,
      costPicoUsd: 10n ** 12n,
      durationMsSum: 60_000 * 250,
      ttftMsSum: 60_000 * 210,
      ttftBuckets: ttft,
      latencyBuckets: [],
    });
    const s = stats(agg, 60_000);
    expect(s.requestsPerSec).toBeCloseTo(100 / 60);
    expect(s.inputTokensPerSec).toBe(100);
    expect(s.errorRatio).toBe(0.02);
    expect(s.costUsd).toBe(1);
    const axis = timeAxis(0, 120_000, 60_000);
    const sat = saturationSeries([{ ...agg, t: 0 }], axis, 60_000);
    expect(sat[0]!.inFlight).toBe(250);
    expect(sat[0]!.queue).toBe(210);
    expect(sat[1]!.inFlight).toBe(0);
    expect(alerts(s, sat).map((a) => a.id)).toEqual(["ttft", "errors", "queue"]);
  });
});

describe("reconciliation", () => {
  it("flags differences and errors", () => {
    const r = reconcile([
      { orgId: "a", meter: "input", ours: 10n, stripe: 10n },
      { orgId: "a", meter: "output", ours: 10n, stripe: 7n },
      { orgId: "b", meter: "input", ours: 1n, stripe: null, error: "timeout" },
    ]);
    expect(r.map((x) => x.status)).toEqual(["ok", "mismatch", "error"]);
    expect(r[1]!.diff).toBe(-3n);
  });
});

describe("invoice lines", () => {
  it("sorts by cost and totals", () => {
    const { lines, total } = invoiceLines([
      { model: "a", requests: 1, promptTokens: 10n, completionTokens: 5n, costPicoUsd: 10n ** 10n },
      { model: "b", requests: 2, promptTokens: 1n, completionTokens: 1n, costPicoUsd: 3n * 10n ** 10n },
    ]);
    expect(lines.map((l) => l.model)).toEqual(["b", "a"]);
    expect(total.costCents).toBe(4n);
    expect(currentPeriod(Date.parse("2026-11-25T10:00:00Z")).start.toISOString()).toBe(
      "2026-11-01T00:00:00.000Z",
    );
  });
});

describe("grafana export", () => {
  it("builds a dashboard over the gateway's metric names with a shared crosshair", () => {
    const d = grafanaDashboard({ orgSlug: "demo", inputUsdPerMTok: 0.1, outputUsdPerMTok: 0.2 });
    expect(d.graphTooltip).toBe(1);
    const exprs = JSON.stringify(d.panels);
    for (const m of [
      "gateway_requests_total",
      "gateway_tokens_total",
      "gateway_ttft_seconds_bucket",
      "gateway_request_duration_seconds_bucket",
      "gateway_in_flight_requests",
      "gateway_rate_limited_total",
      "aitk_engine_queue_depth",
    ])
      expect(exprs).toContain(m);
    expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
  });
  it("writes a parseable Prometheus scrape config", () => {
    const y = parse(prometheusScrapeConfig({ gateway: ["127.0.0.1:4000"], engine: ["127.0.0.1:4100"] }));
    expect(y.scrape_configs[0].job_name).toBe("aitk-gateway");
    expect(y.scrape_configs[0].static_configs[0].targets).toEqual(["127.0.0.1:4000"]);
    expect(y.scrape_configs).toHaveLength(2);
  });
});
