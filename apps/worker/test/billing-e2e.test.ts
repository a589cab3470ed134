// Billing end to end with real traffic: the official openai client → an in-process gateway (real
// auth, routing, ledger write to Redis) → a local OpenAI-compatible upstream; the worker's ledger drain
// costs each event at ingestion (two differently priced models, a per-request fee, a price version
// that changes mid-traffic), rollups, and a meter-sync worker process (billing-child.ts) that is
// killed with SIGKILL mid-sync and restarted, against the Stripe emulator behind a proxy that holds
// Stripe's answers back (so the kill also loses acknowledgements of events Stripe already has).
// Then: ledger token totals = Stripe's meter summaries for every org and meter, the cost meter =
// ledger cost in micro-USD, Stripe's invoice = ledger cost to the cent, no identifier twice.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { METER_KINDS, type TMeterKind } from "@aitk/core/billing/meters";
import { picoToCentsRounded } from "@aitk/core/billing/money";
import { LEDGER_STREAM } from "@aitk/core/usage/event";
import { createRedis, type TPrisma, type TRedis } from "@aitk/db";
import {
  createStripe,
  ensureCustomer,
  ensureMeters,
  ensureSubscription,
  Stripe,
} from "@aitk/db/billing/stripe";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../../gateway/src/env";
import { createLogger } from "../../gateway/src/obs/log";
import { createGateway, type TGateway } from "../../gateway/src/server";
import { closeRedis } from "../../gateway/test/cleanup";
import { startFakeUpstream, type TFakeUpstream } from "../../gateway/test/fakeUpstream";
import { seedKey, seedModel, seedOrg } from "../../gateway/test/seed";
import { createEmulator } from "../../stripe-emulator/src/server";
import { migrateSubscriptions, runReconcile } from "../src/processors/billing-reconcile-run";
import { runBillingSync } from "../src/processors/billing-sync-run";
import { drainLedger } from "../src/processors/ledgerDrain";
import { runRollup } from "../src/processors/usage-rollup-run";
import { REDIS_URL, waitFor } from "./helpers";

const SECRET = "sk_test_billing_e2e";
const MIN = 60_000;
let db: TTestDatabase;
let prisma: TPrisma;
let redis: TRedis;
let prefix: string;
let up: TFakeUpstream;
let gw: TGateway;
let base: string;
let emulator: ReturnType<typeof createEmulator>;
let stripe: Stripe;
let port: number;
let proxy: Server;
let proxyPort: number;
const orgs: { orgId: string; key: string }[] = [];

/** Forwards to the emulator; holds each meter event's answer back 300 ms after Stripe recorded it. */
function startSlowProxy(target: number): Promise<number> {
  proxy = createServer((req, res) => {
    const fwd = request(
      { host: "127.0.0.1", port: target, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        const chunks: Buffer[] = [];
        r.on("data", (c) => chunks.push(c));
        r.on("end", () => {
          const delay = req.url?.includes("meter_events") ? 300 : 0;
          setTimeout(() => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            res.end(Buffer.concat(chunks));
          }, delay);
        });
      },
    );
    fwd.on("error", () => res.destroy());
    req.pipe(fwd);
  });
  return new Promise((r) => proxy.listen(0, "127.0.0.1", () => r((proxy.address() as AddressInfo).port)));
}

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  prefix = `t${randomBytes(4).toString("hex")}:`;
  redis = createRedis(REDIS_URL);
  up = await startFakeUpstream({ tokens: 64 });
  emulator = createEmulator({ secretKey: SECRET });
  port = await emulator.listen(0);
  proxyPort = await startSlowProxy(port);
  stripe = createStripe(
    { secretKey: SECRET, host: "127.0.0.1", port, protocol: "http", webhookSecret: null },
    { maxNetworkRetries: 0 },
  );
  for (let i = 0; i < 2; i++) {
    const { orgId } = await seedOrg(prisma, { plan: "paid", allowLoopback: true });
    await seedModel(prisma, orgId, "cheap", [up.url]);
    await seedModel(prisma, orgId, "pricey", [up.url], { upstreamModel: "pricey-upstream" });
    orgs.push({ orgId, key: (await seedKey(prisma, orgId)).key });
  }
  // Two models priced differently; "pricey" also has a per-request fee; org 1 has its own "cheap" price.
  await prisma.price.createMany({
    data: [
      { orgId: null, model: "cheap", inputMicroUsdPerMTok: 150_000, outputMicroUsdPerMTok: 600_000 },
      {
        orgId: null,
        model: "pricey",
        inputMicroUsdPerMTok: 3_000_000,
        outputMicroUsdPerMTok: 15_000_000,
        requestMicroUsd: 2_500,
      },
      {
        orgId: orgs[1]!.orgId,
        model: "cheap",
        inputMicroUsdPerMTok: 123_457,
        outputMicroUsdPerMTok: 987_653,
      },
    ].map((p) => ({ ...p, effectiveFrom: new Date("2024-01-01") })),
  });
  const env = loadEnv({
    DATABASE_URL: db.url,
    AITK_REDIS_PREFIX: prefix,
    LOG_LEVEL: "silent",
    GATEWAY_LEDGER_SPOOL: join(tmpdir(), `${prefix.slice(0, -1)}-spool.jsonl`),
  });
  gw = await createGateway(env, { prisma, log: createLogger("silent") });
  base = `http://127.0.0.1:${await gw.listen(0, "127.0.0.1")}/v1`;
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
  await new Promise((r) => (proxy ? proxy.close(r) : r(null)));
  await emulator?.close();
  await closeRedis(redis, prefix);
  await db?.drop();
});

async function traffic(orgIndex: number, n: number, seed: number) {
  const client = new OpenAI({ apiKey: orgs[orgIndex]!.key, baseURL: base, maxRetries: 0 });
  for (let i = 0; i < n; i++) {
    const model = (i + seed) % 3 === 0 ? "pricey" : "cheap";
    const content = `request ${seed}-${i} ${"x".repeat((i * 37 + seed * 11) % 400)}`;
    const max_tokens = 1 + ((i * 13 + seed) % 60);
    if (i % 4 === 1) {
      const s = await client.chat.completions.create({
        model,
        messages: [{ role: "user", content }],
        max_tokens,
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const _ of s) {
        // drain the stream: usage arrives in the last chunk
      }
    } else {
      const r = await client.chat.completions.create({
        model,
        messages: [{ role: "user", content }],
        max_tokens,
      });
      expect(r.usage?.completion_tokens).toBe(Math.min(64, max_tokens));
    }
  }
}

async function ledger(orgId: string) {
  const [r] = await prisma.$queryRaw<{ input: bigint; output: bigint; cost: bigint; n: bigint }[]>`
    SELECT coalesce(sum("promptTokens"), 0)::bigint AS input, coalesce(sum("completionTokens"), 0)::bigint AS output,
      coalesce(sum("costPicoUsd"), 0)::bigint AS cost, count(*)::bigint AS n
    FROM "UsageEvent" WHERE "orgId" = ${orgId}`;
  return r!;
}

async function stripeSummary(orgId: string, meter: TMeterKind, fromMs: number, toMs: number) {
  const org = await prisma.organization.findUniqueOrThrow({ where: { id: orgId } });
  const meters = await ensureMeters(stripe);
  let total = 0;
  for await (const s of stripe.billing.meters.listEventSummaries(meters[meter].id, {
    customer: org.stripeCustomerId!,
    start_time: Math.floor(fromMs / MIN) * 60,
    end_time: Math.floor(toMs / MIN) * 60 + 60,
  }))
    total += s.aggregated_value;
  return BigInt(total);
}

describe("billing end to end: gateway traffic → ledger → Stripe meters and invoice", () => {
  it("Stripe's meters and invoice equal the ledger after a kill -9 mid-sync", async () => {
    const start = Date.now();
    const orgIds = orgs.map((o) => o.orgId);
    // Org 0 subscribes now (the plan prices); org 1 has an old-style subscription on per-model token
    // prices that ensureSubscription migrates (idempotently) before its traffic.
    await ensureSubscription(prisma, stripe, orgIds[0]!);
    const meters = await ensureMeters(stripe);
    const customer1 = await ensureCustomer(prisma, stripe, orgIds[1]!);
    const legacy = await Promise.all(
      (["input", "output"] as const).map((k) =>
        stripe.prices.create({
          currency: "usd",
          unit_amount_decimal: Stripe.Decimal.from(k === "input" ? "0.000015" : "0.00006"),
          recurring: { interval: "month", usage_type: "metered", meter: meters[k].id },
          product_data: { name: `legacy ${k} tokens` },
        }),
      ),
    );
    await stripe.subscriptions.create({ customer: customer1, items: legacy.map((p) => ({ price: p.id })) });
    const migrated = await ensureSubscription(prisma, stripe, orgIds[1]!);
    expect(migrated.items.data).toHaveLength(3);
    expect(migrated.items.data.every((i) => i.price.recurring?.meter)).toBe(true);
    const again = await ensureSubscription(prisma, stripe, orgIds[1]!);
    expect(again.items.data.map((i) => i.price.id).sort()).toEqual(
      migrated.items.data.map((i) => i.price.id).sort(),
    );
    const sub0 = await ensureSubscription(prisma, stripe, orgIds[0]!);
    const priceOf = (sub: Stripe.Subscription, k: TMeterKind) =>
      sub.items.data.find((i) => i.price.recurring?.meter === meters[k].id)!.price;
    for (const sub of [sub0, migrated]) {
      expect(priceOf(sub, "input").unit_amount).toBe(0);
      expect(priceOf(sub, "output").unit_amount).toBe(0);
      expect(String(priceOf(sub, "cost").unit_amount_decimal)).toBe("0.0001");
    }

    await traffic(0, 30, 1);
    await traffic(1, 30, 2);
    // A new price version for "cheap" takes effect mid-traffic.
    await prisma.price.create({
      data: { orgId: null, model: "cheap", inputMicroUsdPerMTok: 170_001, outputMicroUsdPerMTok: 700_003 },
    });
    await new Promise((r) => setTimeout(r, 20));
    await traffic(0, 30, 3);
    await traffic(1, 30, 4);

    const stream = prefix + LEDGER_STREAM;
    await waitFor(
      async () => {
        await drainLedger({ prisma, redis, stream, consumer: "e2e", maxMs: 2_000 });
        return (await prisma.usageEvent.count({ where: { orgId: { in: orgIds } } })) === 120;
      },
      "120 usage events drained",
      30_000,
    );
    await runRollup(prisma);
    const byModel = await prisma.usageEvent.groupBy({
      by: ["orgId", "model"],
      where: { orgId: { in: orgIds } },
      _sum: { costPicoUsd: true },
      _count: true,
    });
    expect(byModel).toHaveLength(4);
    expect(byModel.every((r) => (r._sum.costPicoUsd ?? 0n) > 0n)).toBe(true);

    // Meter sync in a worker process whose clock runs 2 min ahead (the traffic's minutes are closed),
    // through the slow proxy; killed once Stripe has some events, then restarted.
    const main = fileURLToPath(new URL("./billing-child.ts", import.meta.url));
    const startChild = (apiPort: number): ChildProcess =>
      spawn(process.execPath, ["--import", "tsx", main], {
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          STRIPE_SECRET_KEY: SECRET,
          STRIPE_API_BASE: `http://127.0.0.1:${apiPort}`,
          BILLING_NOW_OFFSET_MS: String(2 * MIN),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
    const customers = new Set(
      (await prisma.organization.findMany({ where: { id: { in: orgIds } } })).map((o) => o.stripeCustomerId),
    );
    const ours = () => emulator.store.state.meterEvents.filter((e) => customers.has(e.customer));
    const child = startChild(proxyPort);
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += String(d);
    });
    await waitFor(async () => ours().length >= 2, `first meter events (child stderr: ${stderr})`, 60_000);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const atKill = await prisma.meterSync.groupBy({
      by: ["status"],
      where: { orgId: { in: orgIds } },
      _count: true,
    });
    const unsentAtKill = atKill.find((s) => s.status === "pending")?._count ?? 0;
    expect(unsentAtKill).toBeGreaterThan(0);
    const inStripeAtKill = ours().length;

    const again2 = startChild(port);
    await waitFor(
      async () => {
        const rows = await prisma.meterSync.count({ where: { orgId: { in: orgIds } } });
        const sent = await prisma.meterSync.count({ where: { orgId: { in: orgIds }, status: "sent" } });
        return rows > 0 && rows === sent;
      },
      "every meter-sync row sent after the restart",
      60_000,
    );
    again2.kill("SIGKILL");
    await new Promise((r) => again2.once("exit", r));

    // More traffic for minutes already sent: planned as revisions carrying only the difference.
    await traffic(0, 10, 5);
    await traffic(1, 10, 6);
    await waitFor(
      async () => {
        await drainLedger({ prisma, redis, stream, consumer: "e2e", maxMs: 2_000 });
        return (await prisma.usageEvent.count({ where: { orgId: { in: orgIds } } })) === 140;
      },
      "140 usage events drained",
      30_000,
    );
    await runRollup(prisma);
    const late = await runBillingSync(prisma, stripe, { now: () => Date.now() + 2 * MIN });
    expect(late.failed).toBe(0);
    expect(late.sent).toBeGreaterThan(0);
    const revisions = await prisma.meterSync.count({ where: { orgId: { in: orgIds }, revision: { gt: 0 } } });
    expect(revisions).toBeGreaterThan(0);
    const end2 = Date.now();

    // Totals: ledger = Stripe for every org and meter; cost in micro-USD, invoice to the cent.
    const report: Record<string, unknown>[] = [];
    for (const orgId of orgIds) {
      const l = await ledger(orgId);
      const want: Record<TMeterKind, bigint> = {
        input: l.input,
        output: l.output,
        cost: l.cost / 1_000_000n,
      };
      const got: Partial<Record<TMeterKind, bigint>> = {};
      for (const k of METER_KINDS) {
        got[k] = await stripeSummary(orgId, k, start - MIN, end2 + MIN);
        expect(got[k], `${orgId} ${k}`).toBe(want[k]);
      }
      report.push({ orgId, events: Number(l.n), ...want, costPicoUsd: l.cost, stripe: got });
    }
    const org0 = await prisma.organization.findUniqueOrThrow({ where: { id: orgIds[0]! } });
    const preview = await stripe.invoices.createPreview({ customer: org0.stripeCustomerId! });
    const l0 = await ledger(orgIds[0]!);
    expect(BigInt(preview.total)).toBe(picoToCentsRounded(l0.cost));
    // Token lines are informational ($0); the whole amount is the cost line.
    expect(preview.lines.data.filter((x) => x.amount > 0)).toHaveLength(preview.total > 0 ? 1 : 0);

    // Exactly one Stripe meter event per row with something to send; identifiers unique.
    const events = ours();
    const ids = events.map((e) => e.identifier);
    expect(new Set(ids).size).toBe(ids.length);
    const toSend = await prisma.meterSync.count({ where: { orgId: { in: orgIds }, value: { gt: 0n } } });
    expect(ids.length).toBe(toSend);
    const dupes = await prisma.meterSync.count({
      where: { orgId: { in: orgIds }, lastError: { contains: "already recorded" } },
    });

    // Reconciliation compares all three meters: all equal.
    const rec = await runReconcile(prisma, stripe, { now: Date.now() + 2 * MIN, orgIds });
    if (new Date(start).getUTCMonth() === new Date(end2 + 2 * MIN).getUTCMonth()) {
      expect(rec.results?.map((r) => [r.meter, r.status])).toEqual(
        orgIds.flatMap(() => METER_KINDS.map((k) => [k, "ok"])),
      );
    }
    console.log(
      JSON.stringify(
        {
          report,
          invoiceCents: preview.total,
          meterEvents: ids.length,
          rows: await prisma.meterSync.count({ where: { orgId: { in: orgIds } } }),
          inStripeAtKill,
          unsentAtKill,
          duplicatesAfterRestart: dupes,
          revisions,
        },
        (_k, v) => (typeof v === "bigint" ? v.toString() : v),
      ),
    );
  }, 180_000);

  it("the reconcile job migrates legacy subscriptions once and never starts one", async () => {
    const meters = await ensureMeters(stripe);
    const legacyOrg = await seedOrg(prisma);
    const canceledOrg = await seedOrg(prisma);
    const price = await stripe.prices.create({
      currency: "usd",
      unit_amount_decimal: Stripe.Decimal.from("0.00002"),
      recurring: { interval: "month", usage_type: "metered", meter: meters.output.id },
      product_data: { name: "legacy output tokens" },
    });
    const c1 = await ensureCustomer(prisma, stripe, legacyOrg.orgId);
    await stripe.subscriptions.create({ customer: c1, items: [{ price: price.id }] });
    const c2 = await ensureCustomer(prisma, stripe, canceledOrg.orgId);
    const gone = await stripe.subscriptions.create({ customer: c2, items: [{ price: price.id }] });
    await stripe.subscriptions.cancel(gone.id);
    const orgIds = [legacyOrg.orgId, canceledOrg.orgId];
    expect(await migrateSubscriptions(prisma, stripe, { orgIds })).toEqual({ migrated: 1 });
    expect(await migrateSubscriptions(prisma, stripe, { orgIds })).toEqual({ migrated: 0 });
    const [sub] = (await stripe.subscriptions.list({ customer: c1, status: "active" })).data;
    const byMeter = Object.fromEntries(sub!.items.data.map((i) => [i.price.recurring?.meter, i.price]));
    expect(Object.keys(byMeter).sort()).toEqual([meters.input.id, meters.output.id, meters.cost.id].sort());
    expect(byMeter[meters.output.id]!.unit_amount).toBe(0);
    expect(sub!.metadata.aitkMigratedAt).toMatch(/^\d+$/);
    expect((await stripe.subscriptions.list({ customer: c2, status: "active" })).data).toHaveLength(0);
  });
});
