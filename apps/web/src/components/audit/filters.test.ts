import { describe, expect, it } from "vitest";
import { exportHref, filtersFromParams, filtersToParams, filtersToQuery } from "./filters";

describe("audit URL filters", () => {
  it("round-trip through the URL and drop malformed dates", () => {
    const f = filtersFromParams(
      new URLSearchParams("actor=user:u1&action=apiKey.&targetType=ApiKey&from=2026-01-02&to=bad"),
    );
    expect(f).toEqual({ actor: "user:u1", action: "apiKey.", targetType: "ApiKey", from: "2026-01-02" });
    expect(filtersToParams(f).toString()).toBe(
      "actor=user%3Au1&action=apiKey.&targetType=ApiKey&from=2026-01-02",
    );
  });

  it("turn whole days into since / until (the day after `to`, exclusive) and actors into ids", () => {
    const q = filtersToQuery({ actor: "apiKey:k1", from: "2026-01-02", to: "2026-01-02" });
    expect(q.actorApiKeyId).toBe("k1");
    expect(q.actorUserId).toBeUndefined();
    expect(new Date(q.until!).getTime() - new Date(q.since!).getTime()).toBe(24 * 3600 * 1000);
    expect(exportHref({ action: "model." })).toBe("/api/audit/export?action=model.");
    expect(exportHref({})).toBe("/api/audit/export");
    expect(exportHref({ from: "2026-01-02" })).toMatch(/^\/api\/audit\/export\?from=2026-01-0[12]T/);
  });
});
