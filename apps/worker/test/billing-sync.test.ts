// Ledger → Stripe meter events against the Stripe emulator (a real HTTP server driven by stripe-node),
// real Postgres and Redis. The ledger's totals (tokens, and cost in micro-USD) must equal Stripe's meter
// event summaries for every org and meter — after replays, late events, lost acknowledgements and a
// kill -9 mid-sync. (billing-e2e.test.ts does the same with real gateway traffic.)
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { METER_KINDS, type TMeterKind } from "@aitk/core/billing/meters";
import { LEDGER_FIELD, type TUsageEvent } from "@aitk/core/usage/event";
import { createRedis, type TPrisma } from "@aitk/db";
import { createStripe, ensureMeters, type Stripe } from "@aitk/db/billing/stripe";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator } from "../../stripe-emulator/src/server";
import { runReconcile } from "../src/processors/billing-reconcile-run";
import { COST_BACKFILL_CURSOR, runBillingSync } from "../src/processors/billing-sync-run";
import { drainLedger } from "../src/processors/ledgerDrain";
import { runRollup } from "../src/processors/usage-rollup-run";
import { createOrg, REDIS_URL, waitFor } from "./helpers";

const SECRET = "sk_test_billing_sync";
let db: TTestDatabase;
let prisma: TPrisma;
let emulator: ReturnType<typeof createEmulator>;
let stripe: Stripe;
let port: number;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  emulator = createEmulator({ secretKey: SECRET });
  port = await emulator.listen(0);
  stripe = createStripe(
    { secretKey: SECRET, host: "127.0.0.1", port, protocol: "http", webhookSecret: null },
    {
      maxNetworkRetries: 0,
    },
  );
  await prisma.price.create({
    data: { orgId: null, model: "m-small", inputMicroUsdPerMTok: 100_000, outputMicroUsdPerMTok: 200_000 },
  });
});

afterAll(async () => {
  await emulator?.close();
  await db?.drop();
});

const MIN = 60_000;
const minuteStart = (ms: number) => Math.floor(ms / MIN) * MIN;

function event(orgId: string, ts: number, i: number, model = "m-small"): TUsageEvent {
  return {
    requestId: `req_${randomBytes(8).toString("hex")}`,
    orgId,
    apiKeyId: null,
    model,
    endpoint: "chat.completions",
    status: 200,
    outcome: "ok",
    promptTokens: 10 + (i % 97),
    completionTokens: 3 + (i % 31),
    ttftMs: 20 + (i % 400),
    durationMs: 100 + (i % 900),
    upstream: null,
    ts,
  };
}

/** The ledger in each meter's unit: tokens, and cost in micro-USD (pico-USD floored). */
async function ledgerTotals(orgId: string): Promise<Record<TMeterKind, bigint>> {
  const [r] = await prisma.$queryRaw<{ input: bigint | null; output: bigint | null; cost: bigint | null }[]>`
    SELECT sum("promptTokens")::bigint AS input, sum("completionTokens")::bigint AS output,
      sum("costPicoUsd")::bigint AS cost
    FROM "UsageEvent" WHERE "orgId" = ${orgId}`;
  return { input: r?.input ?? 0n, output: r?.output ?? 0n, cost: (r?.cost ?? 0n) / 1_000_000n };
}

async function stripeTotal(orgId: string, meter: TMeterKind, fromMs: number, toMs: number) {
  const org = await prisma.organization.findUniqueOrThrow({ where: { id: orgId } });
  if (!org.stripeCustomerId) return 0n;
  const meters = await ensureMeters(stripe);
  let total = 0;
  for await (const s of stripe.billing.meters.listEventSummaries(meters[meter].id, {
    customer: org.stripeCustomerId,
    start_time: minuteStart(fromMs) / 1000,
    end_time: minuteStart(toMs) / 1000 + 60,
  }))
    total += s.aggregated_value;
  return BigInt(total);
}

async function expectTotalsEqual(orgIds: string[], fromMs: number, toMs: number) {
  for (const orgId of orgIds) {
    const ledger = await ledgerTotals(orgId);
    for (const meter of METER_KINDS)
      expect(await stripeTotal(orgId, meter, fromMs, toMs), `${orgId} ${meter}`).toBe(ledger[meter]);
  }
}

describe("billing sync: ledger → Stripe meter events", () => {
  it("sends each closed minute once; totals equal Stripe's summaries after replays, late events and lost acks", async () => {
    const orgs = await Promise.all([createOrg(prisma), createOrg(prisma), createOrg(prisma)]);
    const orgIds = orgs.map((o) => o.id);
    const now = Date.now();
    const from = now - 3 * 3_600_000;
    // Through the real ledger path: XADD to a stream (as the gateway does), then the drain.
    const redis = createRedis(REDIS_URL);
    const stream = `t_billing_ledger_${randomBytes(4).toString("hex")}`;
    let n = 0;
    for (const orgId of orgIds)
      for (let i = 0; i < 150; i++) {
        const ts = from + Math.floor(((i * 7919) % 170) * MIN + (i % 60) * 1000);
        await redis.xadd(stream, "*", LEDGER_FIELD, JSON.stringify(event(orgId, ts, n++)));
      }
    // The open minute must not be sent yet.
    await redis.xadd(stream, "*", LEDGER_FIELD, JSON.stringify(event(orgIds[0]!, now, n++)));
    for (let i = 0; i < 5; i++) await drainLedger({ prisma, redis, stream, group: "ledger", maxMs: 2_000 });
    expect(await prisma.usageEvent.count({ where: { orgId: { in: orgIds } } })).toBe(451);
    await redis.del(stream);
    await redis.quit();

    const first = await runBillingSync(prisma, stripe);
    expect(first.failed).toBe(0);
    expect(first.sent).toBeGreaterThan(0);
    const openMinute = await prisma.meterSync.count({
      where: { minute: { gte: new Date(minuteStart(now)) } },
    });
    expect(openMinute).toBe(0);
    // Every org got a Stripe customer on demand.
    for (const o of await prisma.organization.findMany({ where: { id: { in: orgIds } } }))
      expect(o.stripeCustomerId).toMatch(/^cus_/);

    // The open-minute event is not in Stripe yet; everything else is.
    const withoutOpen = async () => {
      for (const orgId of orgIds) {
        const [r] = await prisma.$queryRaw<{ input: bigint | null }[]>`
          SELECT sum("promptTokens")::bigint AS input FROM "UsageEvent"
          WHERE "orgId" = ${orgId} AND "createdAt" < ${new Date(minuteStart(now))}`;
        expect(await stripeTotal(orgId, "input", from, now)).toBe(r?.input ?? 0n);
      }
    };
    await withoutOpen();

    // Replay: nothing new is planned or sent.
    const replay = await runBillingSync(prisma, stripe);
    expect(replay).toMatchObject({ planned: 0, sent: 0, duplicates: 0, failed: 0 });

    // A late event for an already-sent minute becomes revision 1 carrying only the difference.
    const sentMinute = await prisma.meterSync.findFirstOrThrow({
      where: { orgId: orgIds[1]!, meter: "input", status: "sent", revision: 0 },
      orderBy: { minute: "asc" },
    });
    const late = event(orgIds[1]!, sentMinute.minute.getTime() + 1000, 7);
    await prisma.usageEvent.create({
      data: { ...late, ts: undefined, createdAt: new Date(late.ts) } as never,
    });
    const r2 = await runBillingSync(prisma, stripe);
    expect(r2.planned).toBe(2);
    expect(
      await prisma.meterSync.count({
        where: { orgId: orgIds[1]!, revision: 1, identifier: { endsWith: ":r1" } },
      }),
    ).toBe(2);

    // Lost acknowledgement: Stripe got the event but we never recorded it (crash after the request).
    const victim = await prisma.meterSync.findFirstOrThrow({
      where: { orgId: orgIds[2]!, status: "sent", value: { gt: 0n } },
    });
    await prisma.meterSync.update({
      where: { identifier: victim.identifier },
      data: { status: "pending", sentAt: null },
    });
    const r3 = await runBillingSync(prisma, stripe);
    expect(r3.duplicates).toBe(1);
    expect(r3.sent).toBe(0);
    const after = await prisma.meterSync.findUniqueOrThrow({ where: { identifier: victim.identifier } });
    expect(after.status).toBe("sent");
    expect(after.lastError).toMatch(/already recorded/);

    // Once the open minute closes it is sent too; totals then match the whole ledger.
    await runBillingSync(prisma, stripe, { now: () => now + 2 * MIN });
    await expectTotalsEqual(orgIds, from, now + MIN);

    // Reconciliation agrees (rollups are the "ours" side).
    await runRollup(prisma);
    const rec = await runReconcile(prisma, stripe, { now: now + 2 * MIN, orgIds });
    if (new Date(from).getUTCMonth() === new Date(now).getUTCMonth()) {
      expect(rec.mismatches).toBe(0);
      expect(rec.errors).toBe(0);
      expect(
        await prisma.billingReconciliation.count({ where: { orgId: { in: orgIds }, status: "ok" } }),
      ).toBe(9);
    }
  });

  it("retries failures with backoff and never sends minutes outside Stripe's 35-day window", async () => {
    const org = await createOrg(prisma);
    const old = Date.now() - 40 * 86_400_000;
    const e = event(org.id, old, 1);
    await prisma.usageEvent.create({ data: { ...e, ts: undefined, createdAt: new Date(old) } as never });
    const r = await runBillingSync(prisma, stripe);
    expect(r.expired).toBe(2);
    const rows = await prisma.meterSync.findMany({ where: { orgId: org.id } });
    expect(rows.every((x) => x.status === "failed" && x.nextAttemptAt === null)).toBe(true);
    expect(rows[0]!.lastError).toMatch(/35-day/);

    // Stripe down: the row fails with a visible error and a later retry time, then succeeds.
    const org2 = await createOrg(prisma);
    const t = Date.now() - 10 * MIN;
    const e2 = event(org2.id, t, 2);
    await prisma.usageEvent.create({ data: { ...e2, ts: undefined, createdAt: new Date(t) } as never });
    const down = createStripe(
      { secretKey: SECRET, host: "127.0.0.1", port: 1, protocol: "http", webhookSecret: null },
      { maxNetworkRetries: 0, timeoutMs: 2000 },
    );
    const bad = await runBillingSync(prisma, down);
    expect(bad.failed).toBe(2);
    const failed = await prisma.meterSync.findMany({ where: { orgId: org2.id } });
    expect(failed.every((x) => x.status === "failed" && x.attempts === 1 && x.lastError)).toBe(true);
    expect(failed[0]!.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 20_000);
    // Not due yet: nothing happens; once due, it goes through.
    expect((await runBillingSync(prisma, stripe)).sent).toBe(0);
    const later = await runBillingSync(prisma, stripe, { now: () => Date.now() + 60_000 });
    expect(later.sent).toBe(2);
    const ok = await prisma.meterSync.findMany({ where: { orgId: org2.id } });
    expect(ok.every((x) => x.status === "sent" && x.attempts === 2)).toBe(true);
  });

  it("cost meter: sub-micro-USD costs carry over minutes and revisions; Stripe gets floor(ledger)", async () => {
    const org = await createOrg(prisma);
    const now = Date.now();
    const from = minuteStart(now) - 90 * MIN;
    // 0.3 µ$ + 0.45 µ$ per minute for 80 minutes: most minutes alone are worth less than one unit.
    const rows = [];
    for (let m = 0; m < 80; m++)
      for (const c of [300_000n, 450_000n]) {
        const { ts, ...rest } = event(org.id, from + m * MIN + 1000, m);
        rows.push({ ...rest, costPicoUsd: c, createdAt: new Date(ts) });
      }
    await prisma.usageEvent.createMany({ data: rows });
    const before = emulator.store.state.meterEvents.length;
    const r = await runBillingSync(prisma, stripe, { now: () => now + 2 * MIN });
    expect(r.failed).toBe(0);
    const cost = await prisma.meterSync.findMany({ where: { orgId: org.id, meter: "cost" } });
    expect(cost).toHaveLength(80);
    expect(cost.reduce((a, x) => a + x.costPicoUsd!, 0n)).toBe(60_000_000n);
    expect(cost.reduce((a, x) => a + x.value, 0n)).toBe(60n);
    // Rows worth 0 units record their pico-USD and send nothing.
    const zero = cost.filter((x) => x.value === 0n);
    expect(zero.length).toBeGreaterThan(0);
    expect(zero.every((x) => x.status === "sent" && x.lastError?.includes("carried"))).toBe(true);
    const sentCost = emulator.store.state.meterEvents
      .slice(before)
      .filter((e) => e.event_name === "aitk_usage_cost");
    expect(sentCost).toHaveLength(80 - zero.length);
    expect(await stripeTotal(org.id, "cost", from, now)).toBe(60n);

    // A late 0.5 µ$ event in the first minute: revision 1 covers it; 60.5 µ$ → still 60 units, then
    // another 0.5 µ$ → 61.
    for (const i of [1, 2]) {
      const { ts, ...rest } = event(org.id, from + 2000 + i, 1000 + i);
      await prisma.usageEvent.create({ data: { ...rest, costPicoUsd: 500_000n, createdAt: new Date(ts) } });
      await runBillingSync(prisma, stripe, { now: () => now + 2 * MIN + i });
    }
    const revs = await prisma.meterSync.findMany({
      where: { orgId: org.id, meter: "cost", revision: { gt: 0 } },
      orderBy: { revision: "asc" },
    });
    expect(revs.map((x) => [x.revision, x.value, x.costPicoUsd])).toEqual([
      [1, 0n, 500_000n],
      [2, 1n, 500_000n],
    ]);
    expect(await stripeTotal(org.id, "cost", from, now)).toBe(61n);
    await expectTotalsEqual([org.id], from, now);
  });

  it("backfills the cost meter over the period's minutes synced before it existed, slice by slice", async () => {
    const org = await createOrg(prisma);
    const now = Date.now();
    const t = minuteStart(now) - 20 * MIN;
    if (new Date(t).getUTCMonth() !== new Date(now).getUTCMonth()) return; // first minutes of a month
    // Events already behind the watermark (ingested 20 min ago): a normal run never looks at them again.
    const rows = [0, 1, 2].map((i) => {
      const { ts, ...rest } = event(org.id, t + i * MIN + 5000, i);
      return { ...rest, costPicoUsd: 2_500_000n, createdAt: new Date(ts), ingestedAt: new Date(ts) };
    });
    await prisma.usageEvent.createMany({ data: rows });
    const at = (d: Date) =>
      prisma.jobCursor.upsert({
        where: { name: COST_BACKFILL_CURSOR },
        create: { name: COST_BACKFILL_CURSOR, at: d },
        update: { at: d },
      });
    await at(new Date("9999-12-31T00:00:00Z"));
    await runBillingSync(prisma, stripe, { now: () => now + 2 * MIN });
    expect(await prisma.meterSync.count({ where: { orgId: org.id } })).toBe(0);
    // As on the first run after the cost meter shipped (cursor at the backfill's start), in 1-minute slices.
    await at(new Date(t));
    for (let i = 0; i < 3; i++)
      await runBillingSync(prisma, stripe, { now: () => now + 2 * MIN, backfillSliceMs: MIN });
    const cost = await prisma.meterSync.findMany({
      where: { orgId: org.id, meter: "cost" },
      orderBy: { minute: "asc" },
    });
    // 2.5 µ$ per minute: 2, 3, 2 units (the half carried), 7 = floor(7.5).
    expect(cost.map((c) => c.value)).toEqual([2n, 3n, 2n]);
    expect(await stripeTotal(org.id, "cost", t, now)).toBe(7n);
    await runBillingSync(prisma, stripe, { now: () => now + 2 * MIN });
    const done = await prisma.jobCursor.findUniqueOrThrow({ where: { name: COST_BACKFILL_CURSOR } });
    expect(done.at.getUTCFullYear()).toBe(9999);
    await expectTotalsEqual([org.id], t, now);
  });

  it("kill -9 of the worker mid-sync, restart: totals still equal, no duplicates", async () => {
    const orgs = await Promise.all([createOrg(prisma), createOrg(prisma)]);
    const orgIds = orgs.map((o) => o.id);
    const now = Date.now();
    const from = minuteStart(now) - 400 * MIN;
    const rows = [];
    let i = 0;
    for (const orgId of orgIds)
      for (let m = 0; m < 390; m++)
        for (let k = 0; k < 2; k++) {
          const e = event(orgId, from + m * MIN + k * 20_000, i++);
          const { ts, ...rest } = e;
          rows.push({ ...rest, createdAt: new Date(ts) });
        }
    await prisma.usageEvent.createMany({ data: rows });
    const before = emulator.store.state.meterEvents.length;

    const main = fileURLToPath(new URL("./billing-child.ts", import.meta.url));
    const start = () =>
      spawn(process.execPath, ["--import", "tsx", main], {
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          STRIPE_SECRET_KEY: SECRET,
          STRIPE_API_BASE: `http://127.0.0.1:${port}`,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
    const child: ChildProcess = start();
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += String(d);
    });
    // Kill it hard while it is sending: some rows sent, many still pending.
    await waitFor(
      async () => (await prisma.meterSync.count({ where: { orgId: { in: orgIds }, status: "sent" } })) >= 150,
      `first meter events (child stderr: ${stderr})`,
      60_000,
    );
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const pendingAtKill = await prisma.meterSync.count({
      where: { orgId: { in: orgIds }, status: "pending" },
    });
    expect(pendingAtKill).toBeGreaterThan(0);

    const again = start();
    await waitFor(
      async () => {
        const planned = await prisma.meterSync.count({ where: { orgId: { in: orgIds } } });
        const sent = await prisma.meterSync.count({ where: { orgId: { in: orgIds }, status: "sent" } });
        if (planned > orgIds.length * 390 * 2)
          console.log(
            await prisma.meterSync.findMany({ where: { orgId: { in: orgIds }, revision: { gt: 0 } } }),
            await prisma.meterSync.groupBy({
              by: ["status"],
              where: { orgId: { in: orgIds } },
              _count: true,
            }),
          );
        return planned === orgIds.length * 390 * 2 && sent === planned;
      },
      "every minute sent after the restart",
      90_000,
    );
    again.kill("SIGKILL");
    await new Promise((r) => again.once("exit", r));

    await expectTotalsEqual(orgIds, from, now);
    // Exactly one Stripe meter event per planned row: identifiers are unique in the emulator.
    const events = emulator.store.state.meterEvents.slice(before);
    const ids = events.map((e) => e.identifier);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(orgIds.length * 390 * 2);
  }, 180_000);
});
