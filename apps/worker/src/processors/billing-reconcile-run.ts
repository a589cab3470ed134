// Reconciliation: for every org linked to a Stripe customer, our totals for the current period (from
// the rollups, up to the last minute the meter sync has closed: input and output tokens, and the cost
// in micro-USD, floored as the sync carries it) against the sum of Stripe's meter event summaries over
// the same minutes. Each result is stored (BillingReconciliation) and differences
// are flagged for the Billing page.
import { currentPeriod } from "@aitk/core/billing/invoice";
import { METER_KINDS, minuteFloor, picoToCostUnits } from "@aitk/core/billing/meters";
import { reconcile, type TReconcileInput } from "@aitk/core/billing/reconcile";
import type { TPrisma } from "@aitk/db";
import { activeSubscriptions, ensureMeters, migrateSubscription, type Stripe } from "@aitk/db/billing/stripe";
import { BILLING_CURSOR } from "./billing-sync-run";

export async function runReconcile(
  prisma: TPrisma,
  stripe: Stripe,
  opts: { now?: number; orgIds?: string[] } = {},
) {
  const now = opts.now ?? Date.now();
  const cursor = await prisma.jobCursor.findUnique({ where: { name: BILLING_CURSOR } });
  const { start } = currentPeriod(now);
  const end = new Date(minuteFloor(Math.min(now, cursor?.at.getTime() ?? 0)));
  if (end <= start) return { checked: 0, mismatches: 0, errors: 0 };
  const orgs = await prisma.organization.findMany({
    where: { stripeCustomerId: { not: null }, ...(opts.orgIds ? { id: { in: opts.orgIds } } : {}) },
    select: { id: true, stripeCustomerId: true },
  });
  const meters = await ensureMeters(stripe);
  const inputs: TReconcileInput[] = [];
  for (const org of orgs) {
    const ours = await prisma.usageRollup.aggregate({
      where: { orgId: org.id, minute: { gte: start, lt: end } },
      _sum: { promptTokens: true, completionTokens: true, costPicoUsd: true },
    });
    const mineOf = {
      input: ours._sum.promptTokens ?? 0n,
      output: ours._sum.completionTokens ?? 0n,
      cost: picoToCostUnits(ours._sum.costPicoUsd ?? 0n),
    };
    for (const meter of METER_KINDS) {
      const mine = mineOf[meter];
      try {
        let total = 0;
        for await (const s of stripe.billing.meters.listEventSummaries(meters[meter].id, {
          customer: org.stripeCustomerId!,
          start_time: Math.floor(start.getTime() / 1000),
          end_time: Math.floor(end.getTime() / 1000),
        }))
          total += s.aggregated_value;
        inputs.push({ orgId: org.id, meter, ours: mine, stripe: BigInt(Math.round(total)) });
      } catch (e) {
        inputs.push({ orgId: org.id, meter, ours: mine, stripe: null, error: (e as Error).message });
      }
    }
  }
  const results = reconcile(inputs);
  if (results.length)
    await prisma.billingReconciliation.createMany({
      data: results.map((r) => ({
        orgId: r.orgId,
        meter: r.meter,
        periodStart: start,
        periodEnd: end,
        ours: r.ours,
        stripe: r.stripe,
        status: r.status,
        detail: r.detail,
      })),
    });
  await prisma.billingReconciliation.deleteMany({
    where: { checkedAt: { lt: new Date(now - 30 * 86_400_000) } },
  });
  return {
    checked: results.length,
    mismatches: results.filter((r) => r.status === "mismatch").length,
    errors: results.filter((r) => r.status === "error").length,
    results,
  };
}

/**
 * Moves active subscriptions still on the old per-model token prices to the plan prices (cost item
 * added, token items at zero): ensureSubscription's migration, for orgs that never call it again.
 * Never starts a subscription. Returns how many were changed.
 */
export async function migrateSubscriptions(
  prisma: TPrisma,
  stripe: Stripe,
  opts: { orgIds?: string[]; log?: (msg: string, extra?: Record<string, unknown>) => void } = {},
) {
  const orgs = await prisma.organization.findMany({
    where: { stripeCustomerId: { not: null }, ...(opts.orgIds ? { id: { in: opts.orgIds } } : {}) },
    select: { id: true, stripeCustomerId: true },
  });
  let migrated = 0;
  for (const org of orgs) {
    try {
      for (const sub of await activeSubscriptions(stripe, org.stripeCustomerId!)) {
        const after = await migrateSubscription(stripe, sub, org.id);
        if (after !== sub) migrated++;
      }
    } catch (e) {
      opts.log?.("subscription migration failed", { orgId: org.id, error: (e as Error).message });
    }
  }
  return { migrated };
}
