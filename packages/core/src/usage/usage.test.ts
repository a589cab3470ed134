import { describe, expect, it } from "vitest";
import { ZUsageEvent } from "./event";
import { costPicoUsd, effectivePrice } from "./pricing";

describe("pricing", () => {
  it("computes exact pico-USD", () => {
    // $0.15 / MTok in, $0.60 / MTok out => 150_000 and 600_000 micro-USD per MTok.
    expect(costPicoUsd(1000, 500, { inputMicroUsdPerMTok: 150_000, outputMicroUsdPerMTok: 600_000 })).toBe(
      1000n * 150_000n + 500n * 600_000n,
    );
    expect(costPicoUsd(0, 0, { inputMicroUsdPerMTok: 1, outputMicroUsdPerMTok: 1, requestMicroUsd: 2 })).toBe(
      2_000_000n,
    );
  });
  it("picks the effective price at event time, org over default", () => {
    const d = (s: string) => new Date(s);
    const base = { inputMicroUsdPerMTok: 1, outputMicroUsdPerMTok: 1, requestMicroUsd: 0 };
    const prices = [
      { ...base, id: "a", orgId: null, model: "m", effectiveFrom: d("2026-01-01") },
      { ...base, id: "b", orgId: null, model: "m", effectiveFrom: d("2026-06-01") },
      { ...base, id: "c", orgId: "o1", model: "m", effectiveFrom: d("2026-03-01") },
      { ...base, id: "d", orgId: null, model: "*", effectiveFrom: d("2025-01-01") },
    ];
    expect(effectivePrice(prices, "o2", "m", d("2026-07-01"))?.id).toBe("b");
    expect(effectivePrice(prices, "o2", "m", d("2026-02-01"))?.id).toBe("a");
    expect(effectivePrice(prices, "o1", "m", d("2026-07-01"))?.id).toBe("c");
    expect(effectivePrice(prices, "o1", "m", d("2026-02-01"))?.id).toBe("a");
    expect(effectivePrice(prices, "o1", "other", d("2026-02-01"))?.id).toBe("d");
  });
  it("validates events", () => {
    expect(
      ZUsageEvent.safeParse({
        requestId: "r",
        orgId: "o",
        apiKeyId: null,
        model: "m",
        endpoint: "chat.completions",
        status: 200,
        outcome: "ok",
        promptTokens: 1,
        completionTokens: 2,
        ttftMs: null,
        durationMs: 3,
        upstream: null,
        ts: Date.now(),
      }).success,
    ).toBe(true);
  });
});
