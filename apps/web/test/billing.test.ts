// Usage, prices, invoices and Stripe ids across tenants (tRPC and REST), the usage API's errors, and
// the Stripe webhook (signature, idempotency, plan → gateway invalidation) against the Stripe emulator.
import { createServer, type Server } from "node:http";
import { createRedis, type TRedis } from "@aitk/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator } from "../../stripe-emulator/src/server";
import { POST as webhookPost } from "../src/app/api/stripe/webhook/route";
import { GET as usageGet } from "../src/app/api/v1/usage/route";
import { createFixture, type TFixture } from "./fixtures";

const SECRET = "sk_test_web_billing";
const WHSEC = "whsec_web_billing";
let f: TFixture;
let emulator: ReturnType<typeof createEmulator>;
let hook: Server;
let sub: TRedis;
const invalidations: string[] = [];
const hookStatuses: number[] = [];

const MIN = 60_000;
const minute = (ago: number) => new Date(Math.floor(Date.now() / MIN) * MIN - ago * MIN);

beforeAll(async () => {
  f = await createFixture();
  // Stripe webhooks from the emulator reach the real route handler through a tiny HTTP bridge.
  hook = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", async () => {
      const r = await webhookPost(
        new Request("http://127.0.0.1/api/stripe/webhook", {
          method: "POST",
          headers: { "stripe-signature": String(req.headers["stripe-signature"] ?? "") },
          body,
        }),
      );
      hookStatuses.push(r.status);
      res.statusCode = r.status;
      res.end(await r.text());
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
  emulator = createEmulator({
    secretKey: SECRET,
    webhook: { url: `http://127.0.0.1:${(hook.address() as { port: number }).port}/`, secret: WHSEC },
    webhookRetryDelaysMs: [],
  });
  const port = await emulator.listen(0);
  f.deps.stripe = { secretKey: SECRET, host: "127.0.0.1", port, protocol: "http", webhookSecret: WHSEC };
  sub = createRedis("redis://127.0.0.1:6379");
  await sub.subscribe("aitk:invalidate");
  sub.on("message", (_c, m: string) => invalidations.push(m));

  await f.prisma.price.create({
    data: {
      orgId: null,
      model: "shared-model",
      inputMicroUsdPerMTok: 100_000,
      outputMicroUsdPerMTok: 200_000,
    },
  });
  await f.prisma.price.create({
    data: { orgId: f.b.orgId, model: "shared-model", inputMicroUsdPerMTok: 1, outputMicroUsdPerMTok: 2 },
  });
  const rollup = (orgId: string, model: string, ago: number, n: number) => ({
    orgId,
    minute: minute(ago),
    model,
    apiKeyId: "",
    requests: n,
    errors: 0,
    rateLimited: 0,
    promptTokens: BigInt(n * 100),
    completionTokens: BigInt(n * 10),
    costPicoUsd: BigInt(n) * 1_000_000_000n,
    ttftBuckets: [0, 0, 0, 0, n],
    latencyBuckets: [0, 0, 0, 0, 0, n],
    durationMsSum: BigInt(n * 100),
    ttftMsSum: BigInt(n * 60),
  });
  await f.prisma.usageRollup.createMany({
    data: [
      rollup(f.a.orgId, "shared-model", 5, 7),
      rollup(f.a.orgId, "a-only-model", 6, 3),
      rollup(f.b.orgId, "shared-model", 5, 1000),
      rollup(f.b.orgId, "b-secret-model", 7, 50),
    ],
  });
  await f.prisma.organization.update({
    where: { id: f.b.orgId },
    data: { stripeCustomerId: "cus_B_secret" },
  });
  await f.prisma.billingReconciliation.create({
    data: {
      orgId: f.b.orgId,
      meter: "input",
      periodStart: minute(100),
      periodEnd: minute(1),
      ours: 1n,
      stripe: 2n,
      status: "mismatch",
      detail: "b-secret-detail",
    },
  });
});

afterAll(async () => {
  await sub?.quit();
  await emulator?.close();
  hook?.close();
  await f?.close();
});

const usageReq = (key: string | null, qs: string) =>
  usageGet(
    new Request(`http://127.0.0.1/api/v1/usage${qs}`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
    }),
    { params: Promise.resolve({}) },
  );

describe("cross-tenant: usage, prices, invoices, Stripe ids", () => {
  it("tRPC usage panels show only the caller's org, even when asking for another org", async () => {
    for (const requestedOrgId of [null, f.b.orgId]) {
      const d = await f.caller(f.a.ownerId, { requestedOrgId }).usage.dashboard({ range: "1h" });
      expect(d.perModel.map((m) => m.model).sort()).toEqual(["a-only-model", "shared-model"]);
      expect(d.stats.requests).toBe(10);
      expect(JSON.stringify(d)).not.toContain("b-secret-model");
      expect(d.choices.models).not.toContain("b-secret-model");
    }
    const b = await f.caller(f.b.viewerId).usage.dashboard({ range: "1h", model: "shared-model" });
    expect(b.stats.requests).toBe(1000);
  });

  it("REST /api/v1/usage answers per key's org, with totals and per-model rows", async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const a = await usageReq(f.a.readKey, `?from=${from}`);
    expect(a.status).toBe(200);
    const body = (await a.json()) as {
      totals: { requests: number; inputTokens: number };
      models: { model: string }[];
    };
    expect(body.totals.requests).toBe(10);
    expect(body.totals.inputTokens).toBe(1000);
    expect(body.models.map((m) => m.model)).toEqual(["a-only-model", "shared-model"]);
    const b = (await (await usageReq(f.b.readKey, `?from=${from}`)).json()) as {
      totals: { requests: number };
    };
    expect(b.totals.requests).toBe(1050);
  });

  it("REST /api/v1/usage names the bad parameter", async () => {
    const cases: [string, string][] = [
      ["?from=", "from"],
      ["?from=yesterday", "from"],
      ["?from=2026-11-01T00:00:00Z&to=banana", "to"],
      ["?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "to"],
    ];
    for (const [qs, field] of cases) {
      const r = await usageReq(f.a.readKey, qs);
      expect(r.status, qs).toBe(400);
      const e = (await r.json()) as { error: { field: string; message: string } };
      expect(e.error.field, qs).toBe(field);
      expect(e.error.message).toContain(field);
    }
    expect((await usageReq(null, "?from=2026-11-01")).status).toBe(401);
  });

  it("price overrides are private; only admins add them, with an audit entry", async () => {
    const list = await f.caller(f.a.viewerId).prices.list();
    expect(list.every((p) => p.scope === "default")).toBe(true);
    await expect(
      f
        .caller(f.a.viewerId)
        .prices.create({ model: "shared-model", inputUsdPerMTok: 1, outputUsdPerMTok: 2 }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      f
        .caller(f.a.ownerId)
        .prices.create({ model: "shared-model", inputUsdPerMTok: -1, outputUsdPerMTok: 2 }),
    ).rejects.toThrow(/inputUsdPerMTok/);
    const p = await f
      .caller(f.a.ownerId)
      .prices.create({ model: "shared-model", inputUsdPerMTok: 0.5, outputUsdPerMTok: 1.5 });
    expect(p.scope).toBe("org");
    const after = await f.caller(f.a.viewerId).prices.list();
    expect(after.find((x) => x.id === p.id)?.current).toBe(true);
    expect(await f.prisma.auditLog.count({ where: { orgId: f.a.orgId, action: "price.create" } })).toBe(1);
    const bList = await f.caller(f.b.ownerId).prices.list();
    expect(bList.some((x) => x.id === p.id)).toBe(false);
  });

  it("the billing overview never shows another org's Stripe ids, invoices or reconciliation", async () => {
    const o = await f.caller(f.a.viewerId, { requestedOrgId: f.b.orgId }).billing.overview();
    const text = JSON.stringify(o);
    expect(text).not.toContain("cus_B_secret");
    expect(text).not.toContain("b-secret");
    expect(o.ours.total.requests).toBe(10);
    expect(o.reconciliation).toEqual([]);
    await expect(f.caller(f.a.viewerId).billing.subscribe()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("Stripe subscription and webhooks", () => {
  it("subscribing makes the org paid, cancelling makes it free; gateways are told", async () => {
    const owner = f.caller(f.a.ownerId);
    const r = await owner.billing.subscribe();
    expect(r.plan).toBe("paid");
    const org = await f.prisma.organization.findUniqueOrThrow({ where: { id: f.a.orgId } });
    expect(org.stripeCustomerId).toMatch(/^cus_/);
    expect(org.plan).toBe("paid");
    // The emulator's subscription.created webhook arrives, verified and recorded once.
    const wait = async (cond: () => Promise<boolean>) => {
      for (let i = 0; i < 100 && !(await cond()); i++) await new Promise((x) => setTimeout(x, 30));
    };
    await wait(
      async () =>
        (await f.prisma.stripeEvent.count({ where: { type: "customer.subscription.created" } })) > 0,
    );
    expect(
      await f.prisma.stripeEvent.count({
        where: { type: "customer.subscription.created", orgId: f.a.orgId },
      }),
    ).toBe(1);
    expect(invalidations.map((m) => JSON.parse(m))).toContainEqual({ type: "org", orgId: f.a.orgId });

    // Invoice preview from Stripe appears in the overview.
    const o = await owner.billing.overview();
    expect(o.stripeCustomerId).toBe(org.stripeCustomerId);
    expect(o.stripe?.subscriptionStatus).toBe("active");
    expect(o.stripe?.invoice).not.toBeNull();
    expect(o.stripe?.onCostMeter).toBe(true);
    expect(o.meters.map((m) => m.meter)).toEqual(["input", "output", "cost"]);
    // Org A's ledger cost this period: 10 requests × 0.1 ¢ = 1 ¢ = 10,000 micro-USD. Once the meter sync
    // has closed those minutes and Stripe has the cost meter's units, the invoice matches to the cent.
    await f.prisma.jobCursor.upsert({
      where: { name: "billing.sync" },
      create: { name: "billing.sync", at: new Date() },
      update: { at: new Date() },
    });
    const meterEvent = (value: string, id: string) =>
      fetch(`http://127.0.0.1:${f.deps.stripe!.port}/v1/billing/meter_events`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${SECRET}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({
          event_name: "aitk_usage_cost",
          "payload[stripe_customer_id]": org.stripeCustomerId!,
          "payload[value]": value,
          identifier: id,
          timestamp: String(Math.floor(minute(5).getTime() / 1000)),
        }),
      });
    expect((await meterEvent("10000", "web-cost-1")).status).toBe(200);
    const matched = await owner.billing.overview();
    expect(matched.ours.total.costMicroUsd).toBe(10_000);
    expect(matched.stripe?.meters.find((m) => m.meter === "cost")?.value).toBe(10_000);
    expect(matched.stripe?.invoice?.check).toMatchObject({ status: "match", oursUsd: 0.01, stripeUsd: 0.01 });
    expect((await meterEvent("60000", "web-cost-2")).status).toBe(200);
    const differs = await owner.billing.overview();
    expect(differs.stripe?.invoice?.check).toMatchObject({ status: "mismatch", diffUsd: 0.06 });
    expect(differs.stripe?.invoice?.check?.detail).toContain("+$0.06");

    // Cancelling through Stripe directly: only the webhook can tell us.
    const subs = await fetch(
      `http://127.0.0.1:${f.deps.stripe!.port}/v1/subscriptions?customer=${org.stripeCustomerId}`,
      { headers: { authorization: `Bearer ${SECRET}` } },
    ).then((x) => x.json() as Promise<{ data: { id: string }[] }>);
    await fetch(`http://127.0.0.1:${f.deps.stripe!.port}/v1/subscriptions/${subs.data[0]!.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${SECRET}` },
    });
    await wait(
      async () =>
        (await f.prisma.organization.findUniqueOrThrow({ where: { id: f.a.orgId } })).plan === "free",
    );
    expect((await f.prisma.organization.findUniqueOrThrow({ where: { id: f.a.orgId } })).plan).toBe("free");
    expect(
      await f.prisma.auditLog.count({ where: { orgId: f.a.orgId, action: "billing.plan" } }),
    ).toBeGreaterThan(0);
  });

  it("refuses bad signatures and handles a redelivered event once", async () => {
    const bad = await webhookPost(
      new Request("http://x/api/stripe/webhook", {
        method: "POST",
        headers: { "stripe-signature": "t=1,v1=00" },
        body: "{}",
      }),
    );
    expect(bad.status).toBe(400);
    const missing = await webhookPost(
      new Request("http://x/api/stripe/webhook", { method: "POST", body: "{}" }),
    );
    expect(missing.status).toBe(400);
    const event = emulator.store.state.events.find((e) => e.type === "customer.subscription.created")!;
    const payload = JSON.stringify(event);
    const { signPayload } = await import("../../stripe-emulator/src/webhooks");
    const again = await webhookPost(
      new Request("http://x/api/stripe/webhook", {
        method: "POST",
        headers: { "stripe-signature": signPayload(payload, WHSEC) },
        body: payload,
      }),
    );
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect(hookStatuses.every((s) => s === 200)).toBe(true);
  });
});
