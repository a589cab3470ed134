// Meter sync: ledger → Stripe meter events, exactly once in effect.
//
// 1. Plan (one transaction under an advisory lock): for the (org, minute) pairs touched by events
//    ingested since the watermark, in closed minutes only, compare the ledger's totals with the
//    MeterSync rows already planned and insert the positive difference as a new row whose identifier is
//    deterministic (`aitk:<org>:<meter>:<minute>[:r<n>]`). Three meters: input and output tokens, and
//    cost in micro-USD (the ledger's pico-USD cost, remainders carried per billing period, see
//    planCost in @aitk/core/billing/meters). Minutes outside Stripe's 35-day window are stored as
//    failed with a visible reason and never sent.
// 2. Send: every due row (pending, or failed with nextAttemptAt ≤ now) goes to Stripe with its stored
//    identifier. Stripe refusing a duplicate identifier (`resource_already_exists`) means an earlier try
//    got through before we could record it: the row is marked sent. Other failures back off
//    exponentially; attempts and the last error stay on the row.
// A kill -9 at any point leaves either an unplanned minute (planned next run: the watermark only moves
// in the same transaction) or a pending/failed row (re-sent with the same identifier): never a double bill.
import {
  backoffMs,
  closedBefore,
  meterIdentifier,
  periodKey,
  periodStartOf,
  planCost,
  planMinute,
  STRIPE_WINDOW_MARGIN_MS,
  STRIPE_WINDOW_MS,
  TOKEN_METERS,
  type TMeterKind,
  withinStripeWindow,
} from "@aitk/core/billing/meters";
import type { TPrisma } from "@aitk/db";
import { ensureCustomer, ensureMeters, type Stripe } from "@aitk/db/billing/stripe";

export const BILLING_CURSOR = "billing.sync";
/**
 * The cost meter's backfill: the runs after the cost meter appears also plan the closed minutes of the
 * current billing period (inside Stripe's window) that the token sync had already covered, a slice of
 * `backfillSliceMs` per run, so a subscription backdated to the 1st is billed for the whole month. The
 * cursor holds how far the backfill got; NEVER once it caught up with the watermark.
 */
export const COST_BACKFILL_CURSOR = "billing.sync.cost-backfill";
const NEVER = new Date("9999-12-31T00:00:00Z");
const LOCK_KEY = 727_270_001;

export type TSyncOptions = {
  now?: () => number;
  /** Watermark overlap: rows committed up to this long after their ingestedAt are still seen. */
  overlapMs?: number;
  /** Ledger delay before a minute counts as closed. */
  closeLagMs?: number;
  /** Cost-meter backfill: minutes of the current period planned per run (see COST_BACKFILL_CURSOR). */
  backfillSliceMs?: number;
  /** Rows sent per run at most. */
  maxSend?: number;
  /** Meter events in flight at once. */
  concurrency?: number;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
};

export type TSyncResult = {
  planned: number;
  expired: number;
  sent: number;
  duplicates: number;
  failed: number;
};

type TTouched = {
  orgId: string;
  m: Date;
  input: bigint | null;
  output: bigint | null;
  cost: bigint | null;
};

const OUTSIDE_WINDOW = "minute is older than Stripe's 35-day meter event window: not sent";
const NOTHING_TO_SEND = "under one micro-USD so far: carried into the period's next cost event, nothing sent";

export async function planMeterSync(prisma: TPrisma, opts: TSyncOptions = {}) {
  const now = (opts.now ?? Date.now)();
  const closed = new Date(closedBefore(now, opts.closeLagMs));
  return prisma.$transaction(
    async (tx) => {
      const [lock] = await tx.$queryRaw<
        { ok: boolean }[]
      >`SELECT pg_try_advisory_xact_lock(${LOCK_KEY}) AS ok`;
      if (!lock?.ok) return { planned: 0, expired: 0, locked: true };
      const cur = await tx.jobCursor.findUnique({ where: { name: BILLING_CURSOR } });
      const from = new Date(cur ? cur.at.getTime() - (opts.overlapMs ?? 300_000) : 0);
      const bf = await tx.jobCursor.findUnique({ where: { name: COST_BACKFILL_CURSOR } });
      const bStart = new Date(
        bf?.at.getTime() ?? Math.max(periodStartOf(now), now - STRIPE_WINDOW_MS + STRIPE_WINDOW_MARGIN_MS),
      );
      const bEnd = new Date(
        Math.max(
          bStart.getTime(),
          Math.min(bStart.getTime() + (opts.backfillSliceMs ?? 2 * 3_600_000), closed.getTime()),
        ),
      );
      // Only closed minutes are planned. The watermark moves to `closed`: events of still-open minutes
      // have ingestedAt ≥ createdAt ≥ closed, so the next run sees them again (the overlap absorbs skew).
      const touched = await tx.$queryRaw<TTouched[]>`
        WITH t AS (
          SELECT DISTINCT "orgId", date_trunc('minute', "createdAt") AS m FROM "UsageEvent"
          WHERE ("ingestedAt" > ${from} OR ("createdAt" >= ${bStart} AND "createdAt" < ${bEnd}))
            AND "ingestedAt" <= ${new Date(now)} AND "createdAt" < ${closed}
        )
        SELECT t."orgId", t.m, e.input, e.output, e.cost
        FROM t CROSS JOIN LATERAL (
          SELECT sum(x."promptTokens")::bigint AS input, sum(x."completionTokens")::bigint AS output,
            sum(x."costPicoUsd")::bigint AS cost
          FROM "UsageEvent" x
          WHERE x."orgId" = t."orgId" AND x."createdAt" >= t.m AND x."createdAt" < t.m + interval '1 minute'
        ) e`;
      let planned = 0;
      let expired = 0;
      if (touched.length) {
        const existing = await tx.meterSync.findMany({
          where: { OR: touched.map((t) => ({ orgId: t.orgId, minute: t.m })) },
          select: {
            orgId: true,
            meter: true,
            minute: true,
            revision: true,
            value: true,
            costPicoUsd: true,
          },
        });
        const key = (o: string, m: string, t: Date) => `${o}|${m}|${t.getTime()}`;
        const byKey = new Map<string, { revision: number; value: bigint; costPicoUsd: bigint }[]>();
        for (const r of existing) {
          const k = key(r.orgId, r.meter, r.minute);
          byKey.set(k, [
            ...(byKey.get(k) ?? []),
            { revision: r.revision, value: r.value, costPicoUsd: r.costPicoUsd ?? 0n },
          ]);
        }
        const rows = [];
        const row = (
          orgId: string,
          meter: TMeterKind,
          m: Date,
          plan: { revision: number; value: bigint },
          costPicoUsd: bigint | null = null,
        ) => {
          const inWindow = withinStripeWindow(m, now);
          // A cost row worth 0 units only records the pico-USD it covers: nothing to send.
          const nothing = inWindow && costPicoUsd !== null && plan.value === 0n;
          if (!inWindow) expired++;
          else planned++;
          return {
            identifier: meterIdentifier(orgId, meter, m, plan.revision),
            orgId,
            meter,
            minute: m,
            value: plan.value,
            revision: plan.revision,
            costPicoUsd,
            status: nothing ? ("sent" as const) : inWindow ? ("pending" as const) : ("failed" as const),
            lastError: nothing ? NOTHING_TO_SEND : inWindow ? null : OUTSIDE_WINDOW,
            nextAttemptAt: inWindow && !nothing ? new Date(now) : null,
          };
        };
        for (const t of touched) {
          for (const meter of TOKEN_METERS) {
            const ledger = (meter === "input" ? t.input : t.output) ?? 0n;
            const plan = planMinute(BigInt(ledger), byKey.get(key(t.orgId, meter, t.m)) ?? []);
            if (plan) rows.push(row(t.orgId, meter, t.m, plan));
          }
        }
        // Cost: the carry state of every (org, billing period) touched, from all its cost rows so far.
        const orgIds = [...new Set(touched.map((t) => t.orgId))];
        const firstPeriod = new Date(Math.min(...touched.map((t) => periodStartOf(t.m.getTime()))));
        const sums = await tx.$queryRaw<{ orgId: string; p: Date; pico: bigint; micro: bigint }[]>`
          SELECT "orgId", date_trunc('month', minute) AS p,
            coalesce(sum("costPicoUsd"), 0)::bigint AS pico, coalesce(sum(value), 0)::bigint AS micro
          FROM "MeterSync"
          WHERE meter = 'cost' AND "orgId" = ANY(${orgIds}) AND minute >= ${firstPeriod}
          GROUP BY 1, 2`;
        const period = new Map(
          sums.map((s) => [periodKey(s.orgId, s.p), { pico: BigInt(s.pico), micro: BigInt(s.micro) }]),
        );
        const cost = planCost(
          touched.map((t) => ({
            orgId: t.orgId,
            minute: t.m,
            ledgerPico: BigInt(t.cost ?? 0n),
            planned: byKey.get(key(t.orgId, "cost", t.m)) ?? [],
          })),
          period,
        );
        for (const c of cost) rows.push(row(c.orgId, "cost", c.minute, c, c.costPicoUsd));
        if (rows.length) await tx.meterSync.createMany({ data: rows, skipDuplicates: true });
      }
      await tx.jobCursor.upsert({
        where: { name: BILLING_CURSOR },
        create: { name: BILLING_CURSOR, at: closed },
        update: { at: closed },
      });
      if (bStart < NEVER) {
        const at = bEnd >= closed ? NEVER : bEnd;
        await tx.jobCursor.upsert({
          where: { name: COST_BACKFILL_CURSOR },
          create: { name: COST_BACKFILL_CURSOR, at },
          update: { at },
        });
      }
      return { planned, expired, locked: false };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}

function stripeError(e: unknown): { code?: string; param?: string; statusCode?: number; message: string } {
  const x = e as { code?: string; param?: string; statusCode?: number; message?: string };
  return { code: x.code, param: x.param, statusCode: x.statusCode, message: x.message ?? String(e) };
}

export async function sendMeterEvents(prisma: TPrisma, stripe: Stripe, opts: TSyncOptions = {}) {
  const now = (opts.now ?? Date.now)();
  const due = await prisma.meterSync.findMany({
    where: {
      OR: [{ status: "pending" }, { status: "failed", nextAttemptAt: { lte: new Date(now) } }],
    },
    orderBy: [{ minute: "asc" }, { identifier: "asc" }],
    take: opts.maxSend ?? 2000,
  });
  const result = { sent: 0, duplicates: 0, failed: 0 };
  if (!due.length) return result;
  // Stripe unreachable before anything was sent: every due row records the failure and backs off.
  const meters = await ensureMeters(stripe).catch((e: unknown) => e as Error);
  const customers = new Map<string, Promise<string>>();
  const customerOf = (orgId: string) => {
    let p = customers.get(orgId);
    if (!p) {
      p = ensureCustomer(prisma, stripe, orgId);
      customers.set(orgId, p);
    }
    return p;
  };

  const sendOne = async (row: (typeof due)[number]) => {
    const attempts = row.attempts + 1;
    if (!withinStripeWindow(row.minute, now)) {
      await prisma.meterSync.update({
        where: { identifier: row.identifier },
        data: {
          status: "failed",
          attempts,
          nextAttemptAt: null,
          lastError: OUTSIDE_WINDOW,
        },
      });
      result.failed++;
      return;
    }
    try {
      if (meters instanceof Error) throw meters;
      const customer = await customerOf(row.orgId);
      await stripe.billing.meterEvents.create({
        event_name: meters[row.meter as TMeterKind].eventName,
        payload: { stripe_customer_id: customer, value: row.value.toString() },
        identifier: row.identifier,
        timestamp: Math.floor(row.minute.getTime() / 1000),
      });
      await prisma.meterSync.update({
        where: { identifier: row.identifier },
        data: { status: "sent", attempts, sentAt: new Date(), lastError: null, nextAttemptAt: null },
      });
      result.sent++;
    } catch (e) {
      const err = stripeError(e);
      if (err.code === "resource_already_exists" && err.param === "identifier") {
        // Stripe already has this identifier: an earlier try succeeded before we recorded it.
        await prisma.meterSync.update({
          where: { identifier: row.identifier },
          data: {
            status: "sent",
            attempts,
            sentAt: new Date(),
            lastError: "already recorded by Stripe (earlier try)",
            nextAttemptAt: null,
          },
        });
        result.duplicates++;
        return;
      }
      // A timestamp Stripe refuses will never be accepted later: stop retrying it.
      const permanent = err.statusCode === 400 && err.param === "timestamp";
      await prisma.meterSync.update({
        where: { identifier: row.identifier },
        data: {
          status: "failed",
          attempts,
          lastError: `${err.code ?? err.statusCode ?? "error"}: ${err.message}`.slice(0, 500),
          nextAttemptAt: permanent ? null : new Date(now + backoffMs(attempts)),
        },
      });
      result.failed++;
      opts.log?.("meter event failed", { identifier: row.identifier, attempts, error: err.message });
    }
  };

  const queue = [...due];
  const workers = Array.from({ length: Math.min(opts.concurrency ?? 4, queue.length) }, async () => {
    for (let row = queue.shift(); row; row = queue.shift()) await sendOne(row);
  });
  await Promise.all(workers);
  return result;
}

export async function runBillingSync(
  prisma: TPrisma,
  stripe: Stripe,
  opts: TSyncOptions = {},
): Promise<TSyncResult> {
  // Another replica planning right now holds the lock: wait for it briefly, then plan on top of it.
  let p = await planMeterSync(prisma, opts);
  for (let i = 0; p.locked && i < 10; i++) {
    await new Promise((r) => setTimeout(r, 200));
    p = await planMeterSync(prisma, opts);
  }
  const s = await sendMeterEvents(prisma, stripe, opts);
  return { planned: p.planned, expired: p.expired, ...s };
}
