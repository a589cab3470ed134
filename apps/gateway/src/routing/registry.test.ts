import { describe, expect, it } from "vitest";
import { pickEndpoint, type TEndpointState, type TModelRoute } from "./registry";

const ep = (id: string, weight: number, extra: Partial<TEndpointState> = {}): TEndpointState =>
  ({
    id,
    url: "",
    origin: "",
    basePath: "",
    upstreamModel: null,
    authorization: null,
    weight,
    healthyDb: true,
    downUntil: 0,
    outstanding: 0,
    blockedReason: null,
    pool: null as never,
    ...extra,
  }) as TEndpointState;
const route = (endpoints: TEndpointState[]): TModelRoute => ({
  id: "m",
  name: "m",
  kind: "external",
  tier: 1,
  createdAt: 0,
  endpoints,
});

describe("pickEndpoint", () => {
  it("honours canary weights when idle", () => {
    const r = route([ep("stable", 90), ep("canary", 10)]);
    let canary = 0;
    for (let i = 0; i < 10_000; i++) if (pickEndpoint(r, null, 0)?.id === "canary") canary++;
    expect(canary).toBeGreaterThan(700);
    expect(canary).toBeLessThan(1300);
  });
  it("prefers the endpoint with fewer requests in flight", () => {
    const r = route([ep("busy", 100, { outstanding: 10 }), ep("idle", 100)]);
    let idle = 0;
    for (let i = 0; i < 1000; i++) if (pickEndpoint(r, null, 0)?.id === "idle") idle++;
    expect(idle).toBe(1000);
  });
  it("skips drained, unhealthy, down, refused and excluded endpoints", () => {
    const r = route([
      ep("drained", 0),
      ep("unhealthy", 100, { healthyDb: false }),
      ep("down", 100, { downUntil: 10 }),
      ep("refused", 100, { blockedReason: "ssrf" }),
      ep("tried", 100),
      ep("good", 100),
    ]);
    for (let i = 0; i < 100; i++) expect(pickEndpoint(r, new Set(["tried"]), 5)?.id).toBe("good");
  });
  it("falls back to down endpoints when nothing else is left", () => {
    const r = route([ep("down", 100, { downUntil: 10 })]);
    expect(pickEndpoint(r, null, 5)?.id).toBe("down");
    expect(pickEndpoint(route([ep("refused", 100, { blockedReason: "x" })]), null, 5)).toBeUndefined();
  });
});
