import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCors, parseOrigins } from "./cors";

let server: Server;
let base: string;

beforeAll(async () => {
  const cors = createCors(parseOrigins(" http://127.0.0.1:3000/ , http://localhost:3000"));
  server = createServer((req, res) => {
    if (cors.handle(req, res)) return;
    res.setHeader("content-type", "application/json");
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const preflight = (origin: string) =>
  fetch(`${base}/v1/chat/completions`, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    },
  });

describe("gateway CORS", () => {
  it("answers the dashboard's preflight with the allowed method and headers", async () => {
    const res = await preflight("http://127.0.0.1:3000");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:3000");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(res.headers.get("access-control-allow-headers")).toContain("content-type");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("echoes the origin on the actual request and exposes the rate-limit headers", async () => {
    const res = await fetch(`${base}/v1/models`, { headers: { origin: "http://localhost:3000" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    expect(res.headers.get("access-control-expose-headers")).toContain("x-ratelimit-remaining-requests");
  });

  it("sets nothing for other origins (the browser then blocks the call)", async () => {
    const res = await preflight("https://evil.example");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const plain = await fetch(`${base}/v1/models`, { headers: { origin: "https://evil.example" } });
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    expect(await plain.json()).toEqual({ ok: true });
  });
});

describe("GATEWAY_CORS_ORIGINS default", () => {
  it("is the dashboard's NEXTAUTH_URL and loopback on WEB_PORT", async () => {
    const { loadEnv } = await import("../env");
    expect(loadEnv({ NEXTAUTH_URL: "http://127.0.0.1:3310", WEB_PORT: "3310" }).GATEWAY_CORS_ORIGINS).toBe(
      "http://127.0.0.1:3310,http://127.0.0.1:3310,http://localhost:3310",
    );
    expect(loadEnv({}).GATEWAY_CORS_ORIGINS).toBe("http://127.0.0.1:3000,http://localhost:3000");
    expect(loadEnv({ GATEWAY_CORS_ORIGINS: "https://dash.example" }).GATEWAY_CORS_ORIGINS).toBe(
      "https://dash.example",
    );
  });
});
