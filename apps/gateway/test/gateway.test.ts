import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { LEDGER_STREAM } from "@aitk/core/usage/event";
import { createRedis, type TRedis } from "@aitk/db";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainLedger } from "../../worker/src/processors/ledgerDrain";
import { loadEnv } from "../src/env";
import { createLogger } from "../src/obs/log";
import { createGateway, type TGateway } from "../src/server";
import { startFakeUpstream, type TFakeUpstream } from "./fakeUpstream";
import { seedKey, seedModel, seedOrg } from "./seed";
import { closeRedis } from "./cleanup";

let db: TTestDatabase;
let redis: TRedis;
let gw: TGateway;
let up: TFakeUpstream;
let base: string;
let prefix: string;
const logLines: string[] = [];
let orgId: string;
let key: string;
let restrictedKey: string;
let limitedKey: string;

const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: base, maxRetries: 0 });

beforeAll(async () => {
  db = await createTestDatabase();
  prefix = `t${randomBytes(4).toString("hex")}:`;
  redis = createRedis("redis://127.0.0.1:6379");
  up = await startFakeUpstream();
  const org = await seedOrg(db.prisma, { plan: "paid", allowLoopback: true });
  orgId = org.orgId;
  await seedModel(db.prisma, orgId, "tiny", [up.url], { tier: 1 });
  await seedModel(db.prisma, orgId, "big", [up.url], { tier: 3, upstreamModel: "big-upstream" });
  key = (await seedKey(db.prisma, orgId)).key;
  await db.prisma.price.createMany({
    data: [
      // An old default price and the current one: the event's time picks the current one.
      {
        orgId: null,
        model: "tiny",
        inputMicroUsdPerMTok: 1,
        outputMicroUsdPerMTok: 1,
        effectiveFrom: new Date("2020-01-01"),
      },
      {
        orgId: null,
        model: "tiny",
        inputMicroUsdPerMTok: 150_000,
        outputMicroUsdPerMTok: 600_000,
        effectiveFrom: new Date("2024-01-01"),
      },
    ],
  });
  restrictedKey = (await seedKey(db.prisma, orgId, { allowedModels: ["tiny"] })).key;
  limitedKey = (await seedKey(db.prisma, orgId, { rpmLimit: 2 })).key;
  const env = loadEnv({ DATABASE_URL: db.url, AITK_REDIS_PREFIX: prefix, LOG_LEVEL: "info" });
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  gw = await createGateway(env, { prisma: db.prisma, log: createLogger("info", sink) });
  const port = await gw.listen(0, "127.0.0.1");
  base = `http://127.0.0.1:${port}/v1`;
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
  await closeRedis(redis, prefix);
  await db?.drop();
});

describe("gateway with the official openai client", () => {
  it("chat completion (plain) passes unknown fields and reports usage, model and rate-limit headers", async () => {
    const { data, response } = await client(key)
      .chat.completions.create({
        model: "tiny",
        messages: [{ role: "user", content: "hello there" }],
        // @ts-expect-error unknown field must pass through untouched
        my_custom_field: { a: 1 },
      })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("ok ok ok");
    expect(data.usage?.completion_tokens).toBe(3);
    expect(response.headers.get("x-aitk-model")).toBe("tiny");
    expect(response.headers.get("x-ratelimit-limit-requests")).toBe("1000");
    expect(Number(response.headers.get("x-ratelimit-remaining-requests"))).toBeLessThan(1000);
    expect(response.headers.get("x-request-id")).toMatch(/[0-9a-f-]{36}/);
    const last = up.received.at(-1)!;
    expect(last.body.my_custom_field).toEqual({ a: 1 });
    expect(last.body.model).toBe("tiny");
  });

  it("renames to the endpoint's upstream model", async () => {
    await client(key).chat.completions.create({ model: "big", messages: [{ role: "user", content: "x" }] });
    expect(up.received.at(-1)!.body.model).toBe("big-upstream");
  });

  it("streams; usage chunk only when asked, injected upstream and stripped otherwise", async () => {
    const s1 = await client(key).chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "stream please" }],
      stream: true,
    });
    let text = "";
    let sawUsage = false;
    for await (const c of s1) {
      text += c.choices[0]?.delta?.content ?? "";
      if (c.usage) sawUsage = true;
      expect(c.choices.length).toBeGreaterThan(0);
    }
    expect(text).toBe("ok ok ok");
    expect(sawUsage).toBe(false);
    expect((up.received.at(-1)!.body.stream_options as { include_usage: boolean }).include_usage).toBe(true);

    const s2 = await client(key).chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "stream please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const c of s2) if (c.usage) usage = c.usage;
    expect(usage?.completion_tokens).toBe(3);
  });

  it("completions and embeddings", async () => {
    const c = await client(key).completions.create({ model: "tiny", prompt: "say ok", max_tokens: 2 });
    expect(c.choices[0]?.text).toBe("ok ok");
    const e = await client(key).embeddings.create({ model: "tiny", input: ["a", "b"] });
    expect(e.data).toHaveLength(2);
    expect(e.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it("models: lists only what the key may use", async () => {
    const all = (await client(key).models.list()).data.map((m) => m.id).sort();
    expect(all).toEqual(["auto", "big", "tiny"]);
    const some = (await client(restrictedKey).models.list()).data.map((m) => m.id).sort();
    expect(some).toEqual(["auto", "tiny"]);
    const one = await client(key).models.retrieve("tiny");
    expect(one.id).toBe("tiny");
  });

  it("model auto picks by prompt complexity and says which", async () => {
    const simple = await client(key)
      .chat.completions.create({ model: "auto", messages: [{ role: "user", content: "hi" }] })
      .withResponse();
    expect(simple.response.headers.get("x-aitk-model")).toBe("tiny");
    const hard = await client(key)
      .chat.completions.create({
        model: "auto",
        messages: [
          {
            role: "user",
            content:
              "Explain step by step and compare the trade-offs of this design:\n```ts\nfunction f() {}\n```",
          },
        ],
      })
      .withResponse();
    expect(hard.response.headers.get("x-aitk-model")).toBe("big");
  });

  it("errors: 401, 403, 404, 400, 429 in OpenAI shape", async () => {
    await expect(client("aitk_" + "x".repeat(40)).models.list()).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    const expired = await seedKey(db.prisma, orgId, { expiresAt: new Date(Date.now() - 1000) });
    const eExp = await client(expired.key)
      .models.list()
      .catch((e) => e);
    expect(eExp).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(eExp.code).toBe("expired_api_key");
    const noScope = await seedKey(db.prisma, orgId, { scopes: ["admin:read"] });
    const eScope = await client(noScope.key)
      .models.list()
      .catch((e) => e);
    expect(eScope).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(eScope.code).toBe("insufficient_scope");
    const noAuth = await fetch(`${base}/models`);
    expect(noAuth.status).toBe(401);
    expect(((await noAuth.json()) as { error: { code: string } }).error.code).toBe("missing_api_key");
    const e403 = await client(restrictedKey)
      .chat.completions.create({ model: "big", messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(e403).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(e403.code).toBe("model_not_allowed");
    const e404 = await client(key)
      .chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(e404).toBeInstanceOf(OpenAI.NotFoundError);
    expect(e404.error).toMatchObject({
      type: "invalid_request_error",
      param: "model",
      code: "model_not_found",
    });
    const e400 = await client(key)
      // @ts-expect-error missing messages on purpose
      .chat.completions.create({ model: "tiny" })
      .catch((e) => e);
    expect(e400).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e400.param).toBe("messages");
    const raw = await fetch(`${base}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");

    const c = client(limitedKey);
    await c.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "1" }] });
    await c.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "2" }] });
    const e429 = await c.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "3" }] })
      .catch((e) => e);
    expect(e429).toBeInstanceOf(OpenAI.RateLimitError);
    expect(Number(e429.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(e429.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(e429.headers.get("x-ratelimit-limit-requests")).toBe("2");
  });

  it("token limits reserve prompt + max_tokens before forwarding and reconcile to real usage", async () => {
    const k = (await seedKey(db.prisma, orgId, { tpmLimit: 1000 })).key;
    const tooBig = await client(k)
      .chat.completions.create({
        model: "tiny",
        messages: [{ role: "user", content: "x" }],
        max_tokens: 5000,
      })
      .catch((e) => e);
    expect(tooBig).toBeInstanceOf(OpenAI.RateLimitError);
    expect(tooBig.code).toBe("rate_limit_exceeded_tokens");
    // 600 reserved, ~15 really used: after reconciliation another 600 fits in the 1000/min budget.
    const first = await client(k)
      .chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "x" }], max_tokens: 600 })
      .withResponse();
    expect(Number(first.response.headers.get("x-ratelimit-remaining-tokens"))).toBeLessThan(400);
    const second = await client(k)
      .chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "x" }], max_tokens: 600 })
      .withResponse();
    expect(second.response.status).toBe(200);
    expect(Number(second.response.headers.get("x-ratelimit-limit-tokens"))).toBe(1000);
  });

  it("revocation takes effect within 1 s through aitk:invalidate", async () => {
    const k = await seedKey(db.prisma, orgId);
    await client(k.key).models.list();
    await db.prisma.apiKey.update({ where: { id: k.id }, data: { revokedAt: new Date() } });
    await redis.publish(`${prefix}aitk:invalidate`, JSON.stringify({ type: "apiKey", orgId, id: k.id }));
    const t = Date.now();
    for (;;) {
      const r = await client(k.key)
        .models.list()
        .then(
          () => "ok",
          (e) => (e instanceof OpenAI.AuthenticationError ? "401" : String(e)),
        );
      if (r === "401") break;
      expect(Date.now() - t).toBeLessThan(1000);
      await new Promise((res) => setTimeout(res, 50));
    }
  });

  it("a newly registered model is routable within 2 s", async () => {
    await seedModel(db.prisma, orgId, "fresh", [up.url]);
    await redis.publish(`${prefix}aitk:invalidate`, JSON.stringify({ type: "models", orgId }));
    const t = Date.now();
    for (;;) {
      const ok = await client(key)
        .chat.completions.create({ model: "fresh", messages: [{ role: "user", content: "x" }] })
        .then(
          () => true,
          () => false,
        );
      if (ok) break;
      expect(Date.now() - t).toBeLessThan(2000);
      await new Promise((res) => setTimeout(res, 100));
    }
  });

  it("fails over to another endpoint on connect errors and 5xx", async () => {
    const up2 = await startFakeUpstream();
    await seedModel(db.prisma, orgId, "ha", ["http://127.0.0.1:1/v1", up2.url]);
    await redis.publish(`${prefix}aitk:invalidate`, JSON.stringify({ type: "models", orgId }));
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 5; i++) {
      const r = await client(key).chat.completions.create({
        model: "ha",
        messages: [{ role: "user", content: "x" }],
      });
      expect(r.choices[0]?.message.content).toBe("ok ok ok");
    }
    await up2.close();
  });

  it("refuses upstreams that violate the org's SSRF policy", async () => {
    const strict = await seedOrg(db.prisma, { allowLoopback: false });
    await seedModel(db.prisma, strict.orgId, "local", [up.url]);
    const k = await seedKey(db.prisma, strict.orgId);
    const e = await client(k.key)
      .chat.completions.create({ model: "local", messages: [{ role: "user", content: "x" }] })
      .catch((err) => err);
    expect(e.status).toBe(503);
    // An admin allows loopback: after the org invalidation the same upstream is used.
    await db.prisma.organization.update({
      where: { id: strict.orgId },
      data: { allowLoopbackUpstreams: true },
    });
    await redis.publish(`${prefix}aitk:invalidate`, JSON.stringify({ type: "org", orgId: strict.orgId }));
    await new Promise((r) => setTimeout(r, 200));
    const ok = await client(k.key).chat.completions.create({
      model: "local",
      messages: [{ role: "user", content: "x" }],
    });
    expect(ok.choices[0]?.message.content).toBe("ok ok ok");
  });

  it("client aborts (mid-stream and before the upstream answered) are ledgered as client_abort", async () => {
    const ac = new AbortController();
    const r = await fetch(`${base}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "tiny",
        messages: [{ role: "user", content: "x" }],
        stream: true,
        slow: true,
      }),
      signal: ac.signal,
    });
    const reader = r.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("t0");
    ac.abort();
    const ac2 = new AbortController();
    const p = fetch(`${base}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "x" }], delay_ms: 2000 }),
      signal: ac2.signal,
    }).catch(() => null);
    await new Promise((res) => setTimeout(res, 200));
    ac2.abort();
    await p;
    await new Promise((res) => setTimeout(res, 300));
    const events = (await redis.xrange(prefix + LEDGER_STREAM, "-", "+")).flatMap(([, f]) =>
      f[1]!
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    );
    const aborts = events.filter((e) => e.outcome === "client_abort");
    expect(aborts.length).toBe(2);
    expect(aborts.every((e) => e.status === 499)).toBe(true);
  });

  it("writes one ledger event per request, drained idempotently into UsageEvent", async () => {
    const stream = prefix + LEDGER_STREAM;
    // Events of one event-loop turn share a stream entry (field "b"), so count events, not entries.
    const before = (await redis.xrange(stream, "-", "+")).reduce(
      (n, [, f]) => n + f[1]!.split("\n").filter(Boolean).length,
      0,
    );
    expect(before).toBeGreaterThan(10);
    const r1 = await drainLedger({ prisma: db.prisma, redis, stream, consumer: "t1" });
    expect(r1.inserted).toBe(before);
    const rows = await db.prisma.usageEvent.findMany({ where: { orgId } });
    expect(rows.length).toBe(before - 2); // two events belong to the strict org
    expect(rows.some((r) => r.outcome === "rate_limited" && r.status === 429)).toBe(true);
    expect(rows.some((r) => r.endpoint === "embeddings")).toBe(true);
    const ok = rows.find(
      (r) => r.outcome === "ok" && r.endpoint === "chat.completions" && r.model === "tiny",
    );
    expect(ok?.completionTokens).toBe(3);
    expect(ok?.costPicoUsd).toBe(BigInt(ok!.promptTokens) * 150_000n + 3n * 600_000n);
    expect(rows.find((r) => r.outcome === "rate_limited")?.costPicoUsd).toBe(0n);
    // Redelivery of the same events inserts nothing.
    const r2 = await drainLedger({ prisma: db.prisma, redis, stream, consumer: "t1" });
    expect(r2.inserted).toBe(0);
  });

  it("logs prompts only for orgs that opted in, with PII redacted", async () => {
    const o = await seedOrg(db.prisma, { allowLoopback: true });
    await db.prisma.organization.update({ where: { id: o.orgId }, data: { logPrompts: true } });
    await seedModel(db.prisma, o.orgId, "tiny", [up.url]);
    const k = await seedKey(db.prisma, o.orgId);
    await client(k.key).chat.completions.create({
      model: "tiny",
      messages: [
        { role: "user", content: "opted-in prompt from jane.doe@example.com card 4111 1111 1111 1111" },
      ],
    });
    await new Promise((r) => setTimeout(r, 50));
    const all = logLines.join("");
    expect(all).toContain("opted-in prompt from [REDACTED_EMAIL] card [REDACTED_CARD]");
    expect(all).not.toContain("jane.doe@example.com");
  });

  it("logs without prompt text or keys; metrics and health respond", async () => {
    const all = logLines.join("");
    expect(all).toContain('"msg":"request"');
    expect(all).not.toContain("hello there");
    expect(all).not.toContain(key);
    const m = await (await fetch(base.replace("/v1", "/metrics"))).text();
    expect(m).toContain("gateway_requests_total");
    expect(m).toContain("gateway_ttft_seconds_bucket");
    expect(m).toContain("gateway_rate_limited_total");
    expect((await fetch(base.replace("/v1", "/health"))).status).toBe(200);
    expect((await fetch(base.replace("/v1", "/ready"))).status).toBe(200);
    await gw.deps.keys.flushUsed();
    const used = await db.prisma.apiKey.count({ where: { orgId, lastUsedAt: { not: null } } });
    expect(used).toBeGreaterThan(2);
  });
});
