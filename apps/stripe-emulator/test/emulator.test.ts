import { createServer } from "node:http";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator } from "../src/server";

// The emulator is driven only through the official stripe-node client, pointed at it with
// host/port/protocol — the way aitk's billing code talks to it.

const secretKey = "sk_test_emulator_123";
const webhookSecret = "whsec_test_abc";
const received: Array<{ sig: string; body: string }> = [];
const hook = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    received.push({ sig: String(req.headers["stripe-signature"]), body });
    res.end("ok");
  });
});
let emulator: ReturnType<typeof createEmulator>;
let stripe: Stripe;
let port: number;

beforeAll(async () => {
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
  const hookPort = (hook.address() as { port: number }).port;
  emulator = createEmulator({
    secretKey,
    webhook: { url: `http://127.0.0.1:${hookPort}/stripe`, secret: webhookSecret },
    webhookRetryDelaysMs: [],
  });
  port = await emulator.listen(0);
  stripe = new Stripe(secretKey, {
    host: "127.0.0.1",
    port,
    protocol: "http",
    telemetry: false,
    maxNetworkRetries: 0,
  });
});
afterAll(async () => {
  await emulator.close();
  hook.close();
});

const minute = (t: number) => Math.floor(t / 60) * 60;

describe("Stripe emulator through stripe-node", () => {
  it("rejects missing and wrong API keys like Stripe", async () => {
    const bad = new Stripe("sk_test_wrong", {
      host: "127.0.0.1",
      port,
      protocol: "http",
      maxNetworkRetries: 0,
    });
    await expect(bad.customers.create({})).rejects.toMatchObject({
      type: "StripeAuthenticationError",
      statusCode: 401,
    });
  });

  it("meters tokens per customer and summarizes them", async () => {
    const customer = await stripe.customers.create({ name: "Org A", metadata: { orgId: "org_a" } });
    expect(customer.id).toMatch(/^cus_/);
    const meter = await stripe.billing.meters.create({
      display_name: "Input tokens",
      event_name: "aitk_input_tokens",
      default_aggregation: { formula: "sum" },
    });
    await expect(
      stripe.billing.meters.create({
        display_name: "dup",
        event_name: "aitk_input_tokens",
        default_aggregation: { formula: "sum" },
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: "resource_already_exists" });

    const now = Math.floor(Date.now() / 1000);
    for (const [i, v] of [120, 80, 300].entries()) {
      await stripe.billing.meterEvents.create({
        event_name: "aitk_input_tokens",
        payload: { stripe_customer_id: customer.id, value: String(v) },
        identifier: `org_a:input:${i}`,
        timestamp: now - 60 * i,
      });
    }
    const dup = stripe.billing.meterEvents.create({
      event_name: "aitk_input_tokens",
      payload: { stripe_customer_id: customer.id, value: "120" },
      identifier: "org_a:input:0",
    });
    await expect(dup).rejects.toMatchObject({
      statusCode: 400,
      code: "resource_already_exists",
      param: "identifier",
    });

    const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: minute(now) - 3600,
      end_time: minute(now) + 60,
    });
    expect(summaries.data).toHaveLength(1);
    expect(summaries.data[0]!.aggregated_value).toBe(500);
  });

  it("enforces timestamp bounds, value digits and required payload keys", async () => {
    const c = await stripe.customers.create({});
    const base = { event_name: "aitk_input_tokens" };
    const now = Math.floor(Date.now() / 1000);
    await expect(
      stripe.billing.meterEvents.create({
        ...base,
        payload: { stripe_customer_id: c.id, value: "1" },
        timestamp: now - 36 * 86400,
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: "timestamp" });
    await expect(
      stripe.billing.meterEvents.create({
        ...base,
        payload: { stripe_customer_id: c.id, value: "1" },
        timestamp: now + 600,
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: "timestamp" });
    await expect(
      stripe.billing.meterEvents.create({
        ...base,
        payload: { stripe_customer_id: c.id, value: "1234567890123456" },
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
    await expect(
      stripe.billing.meterEvents.create({ ...base, payload: { value: "1" } }),
    ).rejects.toMatchObject({
      statusCode: 400,
      param: "payload[stripe_customer_id]",
    });
    await expect(
      stripe.billing.meterEvents.create({
        event_name: "nope",
        payload: { stripe_customer_id: c.id, value: "1" },
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: "event_name" });
    await expect(
      stripe.billing.meters.listEventSummaries("mtr_missing", {
        customer: c.id,
        start_time: 60,
        end_time: 120,
      }),
    ).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it("replays an Idempotency-Key and refuses it with other parameters", async () => {
    const a = await stripe.customers.create({ name: "same" }, { idempotencyKey: "k1" });
    const b = await stripe.customers.create({ name: "same" }, { idempotencyKey: "k1" });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers["idempotent-replayed"]).toBe("true");
    await expect(stripe.customers.create({ name: "other" }, { idempotencyKey: "k1" })).rejects.toMatchObject({
      type: "StripeIdempotencyError",
    });
  });

  it("bills a metered subscription and signs webhooks stripe-node can verify", async () => {
    const customer = await stripe.customers.create({ name: "Org B" });
    const meter = await stripe.billing.meters.create({
      display_name: "Output tokens",
      event_name: "aitk_output_tokens",
      default_aggregation: { formula: "sum" },
    });
    const price = await stripe.prices.create({
      currency: "usd",
      unit_amount_decimal: Stripe.Decimal.from("0.00002"),
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
      product_data: { name: "Output tokens" },
    });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    expect(sub.status).toBe("active");
    await stripe.billing.meterEvents.create({
      event_name: "aitk_output_tokens",
      payload: { stripe_customer_id: customer.id, value: "1000000" },
    });
    const preview = await stripe.invoices.createPreview({ customer: customer.id });
    expect(preview.total).toBe(20); // 1M tokens × $0.0000002 = $0.20 = 20 cents
    for (let i = 0; i < 50 && !received.some((r) => r.body.includes("customer.subscription.created")); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const delivery = received.find((r) => r.body.includes('"customer.subscription.created"'))!;
    const event = stripe.webhooks.constructEvent(delivery.body, delivery.sig, webhookSecret);
    expect(event.type).toBe("customer.subscription.created");
    expect(() => stripe.webhooks.constructEvent(delivery.body, delivery.sig, "whsec_other")).toThrow();
  });

  it("prices by lookup key, item updates, backdated subscriptions and exact decimal lines", async () => {
    const customer = await stripe.customers.create({ name: "Org C" });
    const tokens = await stripe.billing.meters.create({
      display_name: "C tokens",
      event_name: "c_tokens",
      default_aggregation: { formula: "sum" },
    });
    const cost = await stripe.billing.meters.create({
      display_name: "C cost",
      event_name: "c_cost",
      default_aggregation: { formula: "sum" },
    });
    const oldPrice = await stripe.prices.create({
      currency: "usd",
      unit_amount_decimal: Stripe.Decimal.from("0.00002"),
      recurring: { interval: "month", usage_type: "metered", meter: tokens.id },
      product_data: { name: "tokens" },
    });
    const free = await stripe.prices.create({
      currency: "usd",
      unit_amount: 0,
      recurring: { interval: "month", usage_type: "metered", meter: tokens.id },
      product_data: { name: "tokens (included)" },
      lookup_key: "c_tokens_free",
    });
    // A lookup key belongs to one price: taking it needs transfer_lookup_key.
    const again = {
      currency: "usd",
      unit_amount: 0,
      recurring: { interval: "month" as const, usage_type: "metered" as const, meter: tokens.id },
      product_data: { name: "tokens (included)" },
      lookup_key: "c_tokens_free",
    };
    await expect(stripe.prices.create(again)).rejects.toMatchObject({ statusCode: 400, param: "lookup_key" });
    const moved = await stripe.prices.create({ ...again, transfer_lookup_key: true });
    const byKey = await stripe.prices.list({ lookup_keys: ["c_tokens_free"] });
    expect(byKey.data.map((p) => p.id)).toEqual([moved.id]);
    expect((await stripe.prices.retrieve(free.id)).lookup_key).toBeNull();
    const costPrice = await stripe.prices.create({
      currency: "usd",
      unit_amount_decimal: Stripe.Decimal.from("0.0001"),
      recurring: { interval: "month", usage_type: "metered", meter: cost.id },
      product_data: { name: "cost" },
    });

    // Usage metered before the subscription exists is billed when it is backdated to the month start.
    const now = Math.floor(Date.now() / 1000);
    const d = new Date(now * 1000);
    const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
    const nextMonth = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
    const early = Math.max(monthStart, now - 3600);
    await stripe.billing.meterEvents.create({
      event_name: "c_tokens",
      payload: { stripe_customer_id: customer.id, value: "1000000" },
      timestamp: early,
    });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: oldPrice.id }],
      backdate_start_date: monthStart,
      billing_cycle_anchor: nextMonth,
      proration_behavior: "none",
    });
    expect(sub.start_date).toBe(monthStart);
    expect((await stripe.invoices.createPreview({ customer: customer.id })).total).toBe(20);
    await expect(
      stripe.subscriptions.create({ customer: customer.id, items: [{ price: free.id }, { price: free.id }] }),
    ).rejects.toMatchObject({ statusCode: 400, param: "items" });

    // Switch the token item to the free price and add the cost item: items not named are kept, and a
    // changed or added metered item bills only usage from then on.
    const item = sub.items.data[0]!;
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, price: moved.id }, { price: costPrice.id }],
      proration_behavior: "none",
    });
    expect(updated.items.data.map((i) => i.price.id).sort()).toEqual([costPrice.id, moved.id].sort());
    expect(updated.items.data.find((i) => i.price.id === moved.id)!.id).toBe(item.id);
    // 1,234,567,891 micro-USD at 0.0001 ¢ = 123,456.7891 ¢ → 123,457 ¢ (exact decimal, half up).
    for (const [i, v] of ["1234567000", "891"].entries())
      await stripe.billing.meterEvents.create({
        event_name: "c_cost",
        payload: { stripe_customer_id: customer.id, value: v },
        identifier: `c-cost-${i}`,
      });
    const preview = await stripe.invoices.createPreview({ customer: customer.id });
    const lines = preview.lines.data.map((l) => [l.description, l.amount]);
    expect(lines).toEqual([
      [expect.stringContaining("C tokens"), 0],
      [expect.stringContaining("1234567891"), 123_457],
    ]);
    expect(preview.total).toBe(123_457);
    await expect(
      stripe.subscriptions.update(sub.id, { items: [{ id: "si_missing", price: free.id }] }),
    ).rejects.toMatchObject({ statusCode: 404 });
    await stripe.subscriptions.update(sub.id, { items: [{ id: item.id, deleted: true }] });
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data.map((i) => i.price.id)).toEqual([costPrice.id]);
  });

  it("accepts v2 meter events and the v2 session + stream", async () => {
    const c = await stripe.customers.create({});
    const ev = await stripe.v2.billing.meterEvents.create({
      event_name: "aitk_input_tokens",
      payload: { stripe_customer_id: c.id, value: "7" },
      identifier: "v2-single-1",
    });
    expect(ev.identifier).toBe("v2-single-1");
    const session = await stripe.v2.billing.meterEventSession.create();
    const streamClient = new Stripe(session.authentication_token, {
      host: "127.0.0.1",
      port,
      protocol: "http",
      maxNetworkRetries: 0,
    });
    await streamClient.v2.billing.meterEventStream.create({
      events: [
        {
          event_name: "aitk_input_tokens",
          payload: { stripe_customer_id: c.id, value: "3" },
          identifier: "v2-stream-1",
        },
        {
          event_name: "aitk_input_tokens",
          payload: { stripe_customer_id: c.id, value: "5" },
          identifier: "v2-stream-2",
        },
      ],
    });
    const meters = await stripe.billing.meters.list();
    const meter = meters.data.find((m) => m.event_name === "aitk_input_tokens")!;
    const now = Math.floor(Date.now() / 1000);
    const s = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: c.id,
      start_time: minute(now) - 600,
      end_time: minute(now) + 60,
    });
    expect(s.data[0]!.aggregated_value).toBe(15);
  });
});
