import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineServer, type TEngineServer } from "./server";

// Before the model has loaded: health is up, readiness and inference say 503 so routers skip the engine.
let engine: TEngineServer;
let url: string;
beforeAll(async () => {
  engine = createEngineServer({
    modelName: "aitk-tiny",
    defaultMaxTokens: 16,
    getRuntime: () => undefined,
    getLoadError: () => undefined,
    log: () => undefined,
  });
  await new Promise<void>((ok) => engine.server.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${(engine.server.address() as AddressInfo).port}`;
});
afterAll(() => engine.drain(100));

describe("engine server while loading", () => {
  it("is healthy but not ready", async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "loading" });
  });

  it("answers inference with a 503 OpenAI error and Retry-After", async () => {
    const r = await fetch(`${url}/v1/chat/completions`, { method: "POST", body: "{}" });
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("1");
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("model_not_ready");
  });

  it("exposes Prometheus metrics", async () => {
    await fetch(`${url}/v1/embeddings`, { method: "POST", body: "{}" });
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('aitk_engine_ready{model="aitk-tiny"} 0');
    expect(text).toMatch(
      /aitk_engine_requests_total\{endpoint="\/v1\/embeddings",status="503",model="aitk-tiny"\} 1/,
    );
  });

  it("lists the model, and rejects unknown routes and methods", async () => {
    expect(await (await fetch(`${url}/v1/models`)).json()).toMatchObject({
      data: [{ id: "aitk-tiny", object: "model" }],
    });
    expect((await fetch(`${url}/v1/models/other`)).status).toBe(404);
    expect((await fetch(`${url}/v1/completions`)).status).toBe(405);
    const missing = await fetch(`${url}/v2/x`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      error: { type: "invalid_request_error", code: "unknown_url" },
    });
  });
});

describe("engine server with an API key", () => {
  it("requires the bearer key on /v1 but not on health checks", async () => {
    const keyed = createEngineServer({
      modelName: "m",
      defaultMaxTokens: 16,
      getRuntime: () => undefined,
      getLoadError: () => undefined,
      log: () => undefined,
      apiKey: "s3cret-key",
    });
    await new Promise<void>((ok) => keyed.server.listen(0, "127.0.0.1", ok));
    const base = `http://127.0.0.1:${(keyed.server.address() as AddressInfo).port}`;
    try {
      const denied = await fetch(`${base}/v1/models`, { headers: { authorization: "Bearer wrong" } });
      expect(denied.status).toBe(401);
      expect(await denied.json()).toMatchObject({ error: { code: "invalid_api_key" } });
      expect((await fetch(`${base}/v1/models`)).status).toBe(401);
      expect(
        (await fetch(`${base}/v1/models`, { headers: { authorization: "Bearer s3cret-key" } })).status,
      ).toBe(200);
      expect((await fetch(`${base}/health`)).status).toBe(200);
    } finally {
      await keyed.drain(100);
    }
  });
});
