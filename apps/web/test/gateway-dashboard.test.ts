// Gateway page data: latency/error figures from the ledger, live in-flight counts from the gateway's
// /metrics (and what happens when it is down), the SSRF pre-check, and playground keys (inference
// only, named "playground", expiring within the hour, revocable only as playground keys).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hashApiKey } from "@aitk/core/crypto/apiKeys";
import { gatewayInternalToken } from "@aitk/core/gateway/internalToken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inFlightFromMetrics, percentile } from "../src/server/services/gateway";
import { createFixture, SECRET_KEY, type TFixture } from "./fixtures";

let f: TFixture;
let metrics: Server;
let metricsUrl: string;
let slugA: string;

beforeAll(async () => {
  f = await createFixture();
  slugA = (await f.prisma.organization.findUniqueOrThrow({ where: { id: f.a.orgId } })).slug;
  const modelA = (await f.prisma.servedModel.findUniqueOrThrow({ where: { id: f.a.modelId } })).name;
  const endpointId = (await f.prisma.endpoint.findFirstOrThrow({ where: { servedModelId: f.a.modelId } })).id;
  metrics = createServer((req, res) => {
    if (req.url === `/internal/endpoints?org=${f.a.orgId}`) {
      if (req.headers.authorization !== `Bearer ${gatewayInternalToken(SECRET_KEY)}`)
        return res.writeHead(401).end();
      return res.end(
        JSON.stringify({
          loaded: true,
          data: [
            {
              model: modelA,
              endpoints: [{ id: endpointId, healthy: false, outstanding: 2, downForMs: 4000, refused: null }],
            },
          ],
        }),
      );
    }
    if (req.url !== "/metrics") return res.writeHead(404).end();
    res.end(
      [
        "# HELP gateway_in_flight_requests Requests being proxied now",
        "# TYPE gateway_in_flight_requests gauge",
        `gateway_in_flight_requests{model="${modelA}",org="${slugA}"} 3`,
        `gateway_in_flight_requests{model="${modelA}",org="other-org"} 7`,
        "",
      ].join("\n"),
    );
  });
  await new Promise<void>((r) => metrics.listen(0, "127.0.0.1", r));
  metricsUrl = `http://127.0.0.1:${(metrics.address() as AddressInfo).port}`;
  const now = Date.now();
  await f.prisma.usageEvent.createMany({
    data: Array.from({ length: 20 }, (_, i) => ({
      requestId: `req-${i}-${now}`,
      orgId: f.a.orgId,
      model: modelA,
      endpoint: "chat.completions",
      status: i < 2 ? 502 : 200,
      outcome: i < 2 ? ("upstream_error" as const) : ("ok" as const),
      durationMs: (i + 1) * 10,
      ttftMs: i + 1,
      createdAt: new Date(now - i * 1000),
    })),
  });
});

afterAll(async () => {
  await new Promise<void>((r) => metrics?.close(() => r()));
  await f?.close();
});

describe("gateway overview", () => {
  it("reports per-model requests, errors, p50/p95, TTFT and live in-flight of this org only", async () => {
    f.deps.gatewayUrl = metricsUrl;
    const o = await f.caller(f.a.viewerId).gateway.overview();
    expect(o.live).toEqual({ reachable: true, error: null });
    const m = o.models.find((x) => x.id === f.a.modelId)!;
    expect(m.stats).toEqual({ requests: 20, errors: 2, p50Ms: 100, p95Ms: 190, ttftP50Ms: 10, inFlight: 3 });
    expect(m.endpoints[0]).toMatchObject({
      url: "https://api.example.com/v1",
      healthy: true,
      live: { routable: false, outstanding: 2, downForMs: 4000, refused: null },
    });
    expect(o.models.some((x) => x.id === f.b.modelId)).toBe(false);
  });

  it("still answers when the gateway is down, saying so", async () => {
    f.deps.gatewayUrl = "http://127.0.0.1:1";
    const o = await f.caller(f.a.ownerId).gateway.overview();
    expect(o.live.reachable).toBe(false);
    expect(o.live.error).toMatch(/not reachable/);
    expect(o.models.find((x) => x.id === f.a.modelId)?.stats.inFlight).toBeNull();
    expect(o.models.find((x) => x.id === f.a.modelId)?.endpoints[0]?.live).toBeNull();
  });

  it("parses Prometheus lines with escaped labels and sums replicas of a model", () => {
    const text = [
      'gateway_in_flight_requests{model="a\\"b",org="s"} 2',
      'gateway_in_flight_requests{org="s",model="a\\"b"} 1',
      'gateway_in_flight_requests{model="c",org="t"} 9',
      'gateway_requests_total{model="c",org="s",outcome="ok",status="200"} 4',
    ].join("\n");
    expect([...inFlightFromMetrics(text, "s")]).toEqual([['a"b', 3]]);
    expect(percentile([], 50)).toBeNull();
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });
});

describe("upstream SSRF pre-check", () => {
  it("explains refusals (metadata, loopback, bad scheme) and allows what the policy allows", async () => {
    const c = f.caller(f.a.ownerId);
    const meta = await c.gateway.checkUpstream({ upstreamUrl: "http://169.254.169.254/latest" });
    expect(meta).toMatchObject({ ok: false });
    expect(meta.message).toMatch(/metadata/);
    const loop = await c.gateway.checkUpstream({ upstreamUrl: "http://127.0.0.1:8000/v1" });
    expect(loop.ok).toBe(false);
    expect(loop.message).toMatch(/loopback.*allow loopback/);
    expect((await c.gateway.checkUpstream({ upstreamUrl: "ftp://x.example" })).message).toMatch(/scheme/);
    expect((await c.gateway.checkUpstream({ upstreamUrl: "https://93.184.215.14/v1" })).ok).toBe(true);
    await c.org.update({ allowLoopbackUpstreams: true });
    expect((await c.gateway.checkUpstream({ upstreamUrl: "http://127.0.0.1:8000/v1" })).ok).toBe(true);
    await c.org.update({ allowLoopbackUpstreams: false });
    await expect(
      f.caller(f.a.memberId).gateway.checkUpstream({ upstreamUrl: "https://93.184.215.14/v1" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    // Registering re-checks on the server, naming the field.
    await expect(
      c.models.register({ name: "meta", upstreamUrl: "http://169.254.169.254/v1" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/upstreamUrl|metadata/) });
  });
});

describe("playground keys", () => {
  it("are inference-only, named playground, expire within an hour, and work once only as shown", async () => {
    const c = f.caller(f.a.memberId);
    const before = Date.now();
    const { key, apiKey } = await c.gateway.createPlaygroundKey();
    expect(apiKey.name).toBe("playground");
    expect(apiKey.scopes).toEqual(["inference"]);
    const exp = new Date(apiKey.expiresAt!).getTime();
    expect(exp).toBeGreaterThan(before);
    expect(exp).toBeLessThanOrEqual(Date.now() + 60 * 60 * 1000);
    const row = await f.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(row.hash).toBe(hashApiKey(key));
    expect(row.orgId).toBe(f.a.orgId);
    // Not a management key: /api/v1 refuses it.
    const { GET } = await import("../src/app/api/v1/me/route");
    const me = await GET(
      new Request("http://127.0.0.1:3000/api/v1/me", { headers: { authorization: `Bearer ${key}` } }),
    );
    expect(me.status).toBe(403);
  });

  it("revoke works on playground keys only and viewers cannot create them", async () => {
    const c = f.caller(f.a.memberId);
    const { apiKey } = await c.gateway.createPlaygroundKey();
    const revoked = await c.gateway.revokePlaygroundKey({ id: apiKey.id });
    expect(revoked.revokedAt).not.toBeNull();
    await expect(c.gateway.revokePlaygroundKey({ id: f.a.keyId })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await f.prisma.apiKey.findUniqueOrThrow({ where: { id: f.a.keyId } })).revokedAt).toBeNull();
    await expect(f.caller(f.a.viewerId).gateway.createPlaygroundKey()).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });
});
