// Billing for one org: plan and Stripe link, the current period's usage and cost by model (our
// numbers, from rollups) beside Stripe's (meter summaries for the token and cost meters, invoice
// preview checked to the cent against our ledger's cost), meter sync health, reconciliation results,
// the Stripe webhook, and the Grafana/Prometheus export.
import { grafanaDashboard, prometheusScrapeConfig } from "@aitk/core/billing/grafana";
import { checkInvoice, invoiceLines, type TInvoiceCheck } from "@aitk/core/billing/invoice";
import { METER_KINDS, METERS, minuteFloor, picoToCostUnits } from "@aitk/core/billing/meters";
import { picoToUsd } from "@aitk/core/billing/money";
import type { TStripeConfig } from "@aitk/core/billing/stripeConfig";
import { DomainError } from "@aitk/core/errors";
import { effectivePrice } from "@aitk/core/usage/pricing";
import { recordAudit } from "@aitk/db/audit";
import {
  activeSubscriptions,
  billingPriceFor,
  createStripe,
  ensureCustomer,
  ensureMeters,
  ensureSubscription,
  type Stripe,
  syncPlanFromStripe,
} from "@aitk/db/billing/stripe";
import type { TDeps } from "../deps";
import { requireRole, type TServiceCtx } from "./actor";
import { audit } from "./audit";
import { INVALIDATE_CHANNEL } from "./invalidate";
import { periodUsageByModel } from "./usage";

const clients = new Map<string, Stripe>();

export function stripeFor(deps: TDeps): Stripe | null {
  const cfg: TStripeConfig | null | undefined = deps.stripe;
  if (!cfg) return null;
  const key = `${cfg.protocol}://${cfg.host}:${cfg.port}/${cfg.secretKey}`;
  let s = clients.get(key);
  if (!s) {
    s = createStripe(cfg, { maxNetworkRetries: 1, timeoutMs: 10_000 });
    clients.set(key, s);
  }
  return s;
}

function requireStripe(deps: TDeps): Stripe {
  const s = stripeFor(deps);
  if (!s)
    throw new DomainError("PRECONDITION", "Stripe is not configured on this server (set STRIPE_SECRET_KEY)", {
      field: "stripe",
    });
  return s;
}

/** Gateways cache orgs (plan → rate-limit tier) per key: drop them so a plan change applies at once. */
async function invalidateOrg(deps: TDeps, orgId: string) {
  try {
    await deps.redis.publish(INVALIDATE_CHANNEL, JSON.stringify({ type: "org", orgId }));
  } catch (err) {
    deps.logger.error({ err: (err as Error).message, orgId }, "publish aitk:invalidate failed");
  }
}

/** The meter sync's watermark (apps/worker billing-sync-run BILLING_CURSOR). */
const BILLING_SYNC_CURSOR = "billing.sync";

/** Rows per status, with tokens and micro-USD summed apart (one value column, two units). */
function syncByStatus(
  rows: { status: string; meter: string; _count: number; _sum: { value: bigint | null } }[],
) {
  const out = new Map<string, { status: string; rows: number; tokens: number; costMicroUsd: number }>();
  for (const r of rows) {
    const o = out.get(r.status) ?? { status: r.status, rows: 0, tokens: 0, costMicroUsd: 0 };
    o.rows += r._count;
    if (r.meter === "cost") o.costMicroUsd += Number(r._sum.value ?? 0n);
    else o.tokens += Number(r._sum.value ?? 0n);
    out.set(r.status, o);
  }
  return [...out.values()];
}

const stripeMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function overview(ctx: TServiceCtx) {
  const orgId = ctx.actor.orgId;
  const db = ctx.deps.prisma;
  const org = await db.organization.findUniqueOrThrow({
    where: { id: orgId },
    select: { plan: true, stripeCustomerId: true, stripeSubscriptionId: true, slug: true },
  });
  const period = await periodUsageByModel(ctx);
  const { lines, total } = invoiceLines(period.rows);
  const prices = await db.price.findMany({ where: { OR: [{ orgId: null }, { orgId }] } });
  const now = new Date();
  const ours = {
    lines: lines.map((l) => {
      const p = effectivePrice(prices, orgId, l.model, now);
      return {
        model: l.model,
        requests: l.requests,
        inputTokens: Number(l.promptTokens),
        outputTokens: Number(l.completionTokens),
        costUsd: picoToUsd(l.costPicoUsd),
        inputUsdPerMTok: p ? p.inputMicroUsdPerMTok / 1e6 : null,
        outputUsdPerMTok: p ? p.outputMicroUsdPerMTok / 1e6 : null,
        requestUsd: p ? p.requestMicroUsd / 1e6 : null,
      };
    }),
    total: {
      requests: total.requests,
      inputTokens: Number(total.promptTokens),
      outputTokens: Number(total.completionTokens),
      costUsd: picoToUsd(total.costPicoUsd),
      /** The cost meter's unit (micro-USD, floored as the meter sync carries it). */
      costMicroUsd: Number(picoToCostUnits(total.costPicoUsd)),
    },
  };
  // What Stripe can have so far: our ledger cost over the minutes the meter sync has closed.
  const cursor = await db.jobCursor.findUnique({ where: { name: BILLING_SYNC_CURSOR } });
  const syncedUntil = new Date(
    Math.min(cursor?.at.getTime() ?? period.start.getTime(), period.end.getTime()),
  );
  const synced =
    syncedUntil > period.start
      ? await db.usageRollup.aggregate({
          where: { orgId, minute: { gte: period.start, lt: syncedUntil } },
          _sum: { costPicoUsd: true },
        })
      : null;
  const syncedCostPico = synced?._sum.costPicoUsd ?? 0n;

  const sync = await db.meterSync.groupBy({
    by: ["status", "meter"],
    where: { orgId, minute: { gte: period.start } },
    _count: true,
    _sum: { value: true },
  });
  const failures = await db.meterSync.findMany({
    where: { orgId, status: "failed" },
    orderBy: { minute: "desc" },
    take: 10,
    select: {
      identifier: true,
      meter: true,
      minute: true,
      value: true,
      attempts: true,
      lastError: true,
      nextAttemptAt: true,
    },
  });
  const sent = await db.meterSync.groupBy({
    by: ["meter"],
    where: { orgId, status: "sent", minute: { gte: period.start, lt: period.end } },
    _sum: { value: true },
  });
  const reconciliation = await db.billingReconciliation.findMany({
    where: { orgId },
    orderBy: { checkedAt: "desc" },
    take: 6,
  });

  const stripe = stripeFor(ctx.deps);
  let stripeSide: {
    meters: { meter: string; value: number }[];
    invoice: {
      totalUsd: number;
      lines: { description: string; quantity: number; amountUsd: number }[];
      /** Stripe's total against our ledger's cost over the synced minutes, to the cent. */
      check:
        | (Omit<TInvoiceCheck, "oursCents" | "stripeCents" | "diffCents"> & {
            oursUsd: number;
            stripeUsd: number;
            diffUsd: number;
          })
        | null;
    } | null;
    subscriptionStatus: string | null;
    /** Whether the active subscription bills the cost meter (else it still has the old token prices). */
    onCostMeter: boolean | null;
    error: string | null;
  } | null = null;
  if (stripe && org.stripeCustomerId) {
    stripeSide = { meters: [], invoice: null, subscriptionStatus: null, onCostMeter: null, error: null };
    try {
      const meters = await ensureMeters(stripe);
      const end = Math.floor(minuteFloor(Math.min(Date.now(), period.end.getTime()) + 60_000) / 1000);
      for (const k of METER_KINDS) {
        let v = 0;
        for await (const s of stripe.billing.meters.listEventSummaries(meters[k].id, {
          customer: org.stripeCustomerId,
          start_time: Math.floor(period.start.getTime() / 1000),
          end_time: end,
        }))
          v += s.aggregated_value;
        stripeSide.meters.push({ meter: k, value: v });
      }
      const subs = await activeSubscriptions(stripe, org.stripeCustomerId);
      const sub = subs[0];
      stripeSide.subscriptionStatus = sub?.status ?? null;
      if (sub) {
        stripeSide.onCostMeter = sub.items.data.some((i) => i.price.recurring?.meter === meters.cost.id);
        const migratedSec = Number(sub.metadata?.aitkMigratedAt);
        const migratedAt =
          Number.isFinite(migratedSec) && migratedSec * 1000 > period.start.getTime()
            ? new Date(migratedSec * 1000)
            : null;
        const inv = await stripe.invoices.createPreview({ customer: org.stripeCustomerId });
        const check = stripeSide.onCostMeter
          ? checkInvoice(syncedCostPico, BigInt(inv.total), { migratedAt })
          : null;
        stripeSide.invoice = {
          totalUsd: inv.total / 100,
          lines: inv.lines.data.map((l) => ({
            description: l.description ?? "",
            quantity: l.quantity ?? 0,
            amountUsd: l.amount / 100,
          })),
          check: check && {
            status: check.status,
            detail: check.detail,
            oursUsd: Number(check.oursCents) / 100,
            stripeUsd: Number(check.stripeCents) / 100,
            diffUsd: Number(check.diffCents) / 100,
          },
        };
      }
    } catch (e) {
      stripeSide.error = stripeMessage(e);
    }
  }
  return {
    plan: org.plan,
    stripeEnabled: Boolean(stripe),
    stripeCustomerId: org.stripeCustomerId,
    stripeSubscriptionId: org.stripeSubscriptionId,
    period: { start: period.start.toISOString(), end: period.end.toISOString() },
    ours,
    meters: METER_KINDS.map((k) => ({ meter: k, unit: METERS[k].unit })),
    syncedUntil: syncedUntil.toISOString(),
    sentToStripe: METER_KINDS.map((k) => ({
      meter: k,
      value: Number(sent.find((s) => s.meter === k)?._sum.value ?? 0n),
    })),
    stripe: stripeSide,
    meterSync: {
      byStatus: syncByStatus(sync),
      failures: failures.map((f) => ({
        ...f,
        value: Number(f.value),
        minute: f.minute.toISOString(),
        nextAttemptAt: f.nextAttemptAt?.toISOString() ?? null,
      })),
    },
    reconciliation: reconciliation.map((r) => ({
      meter: r.meter,
      status: r.status,
      ours: Number(r.ours),
      stripe: r.stripe === null ? null : Number(r.stripe),
      detail: r.detail,
      periodEnd: r.periodEnd.toISOString(),
      checkedAt: r.checkedAt.toISOString(),
    })),
  };
}
export type TBillingOverview = Awaited<ReturnType<typeof overview>>;

export async function linkCustomer(ctx: TServiceCtx) {
  requireRole(ctx.actor, "admin");
  const stripe = requireStripe(ctx.deps);
  const before = await ctx.deps.prisma.organization.findUniqueOrThrow({
    where: { id: ctx.actor.orgId },
    select: { stripeCustomerId: true },
  });
  const id = await ensureCustomer(ctx.deps.prisma, stripe, ctx.actor.orgId);
  if (!before.stripeCustomerId)
    await audit(ctx, {
      action: "billing.customer.link",
      targetType: "Organization",
      targetId: ctx.actor.orgId,
      after: { stripeCustomerId: id },
    });
  return { stripeCustomerId: id };
}

/** Starts the metered subscription; the webhook (and this call) then set the plan to paid. */
export async function subscribe(ctx: TServiceCtx) {
  requireRole(ctx.actor, "admin");
  const stripe = requireStripe(ctx.deps);
  const price = await billingPriceFor(ctx.deps.prisma, ctx.actor.orgId);
  if (!price)
    throw new DomainError("PRECONDITION", "no price applies to this organization: add one first", {
      field: "price",
    });
  const sub = await ensureSubscription(ctx.deps.prisma, stripe, ctx.actor.orgId);
  const plan = await syncPlanFromStripe(ctx.deps.prisma, stripe, ctx.actor.orgId);
  if (plan?.changed) await invalidateOrg(ctx.deps, ctx.actor.orgId);
  await audit(ctx, {
    action: "billing.subscribe",
    targetType: "Organization",
    targetId: ctx.actor.orgId,
    after: { subscription: sub.id, plan: plan?.plan },
  });
  return { subscriptionId: sub.id, plan: plan?.plan ?? null };
}

export async function cancel(ctx: TServiceCtx) {
  requireRole(ctx.actor, "admin");
  const stripe = requireStripe(ctx.deps);
  const org = await ctx.deps.prisma.organization.findUniqueOrThrow({
    where: { id: ctx.actor.orgId },
    select: { stripeCustomerId: true },
  });
  if (!org.stripeCustomerId)
    throw new DomainError("PRECONDITION", "this organization has no Stripe customer", { field: "stripe" });
  const subs = await activeSubscriptions(stripe, org.stripeCustomerId);
  for (const s of subs) await stripe.subscriptions.cancel(s.id);
  const plan = await syncPlanFromStripe(ctx.deps.prisma, stripe, ctx.actor.orgId);
  if (plan?.changed) await invalidateOrg(ctx.deps, ctx.actor.orgId);
  await audit(ctx, {
    action: "billing.cancel",
    targetType: "Organization",
    targetId: ctx.actor.orgId,
    after: { canceled: subs.map((s) => s.id), plan: plan?.plan },
  });
  return { canceled: subs.map((s) => s.id), plan: plan?.plan ?? null };
}

// ------------------------------------------------------------------------------------------- webhook

const PLAN_EVENTS = new Set([
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "invoice.paid",
]);

export type TWebhookResult = { status: number; body: Record<string, unknown> };

/**
 * Verifies the signature over the raw body, skips events already handled (StripeEvent), and for
 * subscription and invoice events re-reads the customer's active subscriptions to set the org's plan
 * (out-of-order deliveries cannot leave a stale plan). Gateways drop the org's cached keys.
 */
export async function handleWebhook(
  deps: TDeps,
  raw: string,
  signature: string | null,
): Promise<TWebhookResult> {
  const stripe = stripeFor(deps);
  const secret = deps.stripe?.webhookSecret;
  if (!stripe || !secret)
    return {
      status: 503,
      body: {
        error: { code: "UNAVAILABLE", message: "Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)" },
      },
    };
  if (!signature)
    return {
      status: 400,
      body: {
        error: { code: "VALIDATION", message: "missing Stripe-Signature header", field: "stripe-signature" },
      },
    };
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(raw, signature, secret);
  } catch (e) {
    return {
      status: 400,
      body: {
        error: {
          code: "VALIDATION",
          message: `invalid signature: ${stripeMessage(e)}`,
          field: "stripe-signature",
        },
      },
    };
  }
  const db = deps.prisma;
  if (await db.stripeEvent.findUnique({ where: { id: event.id } }))
    return { status: 200, body: { received: true, duplicate: true } };
  let orgId: string | null = null;
  if (PLAN_EVENTS.has(event.type)) {
    const obj = event.data.object as {
      customer?: string | { id: string } | null;
      metadata?: Record<string, string>;
    };
    const customer = typeof obj.customer === "string" ? obj.customer : (obj.customer?.id ?? null);
    const org = customer
      ? await db.organization.findUnique({
          where: { stripeCustomerId: customer },
          select: { id: true, plan: true },
        })
      : null;
    if (org) {
      orgId = org.id;
      const r = await syncPlanFromStripe(db, stripe, org.id);
      if (r?.changed) {
        await invalidateOrg(deps, org.id);
        await recordAudit(db, {
          orgId: org.id,
          action: "billing.plan",
          targetType: "Organization",
          targetId: org.id,
          before: { plan: org.plan },
          after: { plan: r.plan, event: event.type, eventId: event.id },
        } as Parameters<typeof recordAudit>[1]);
      }
    }
  }
  await db.stripeEvent.createMany({
    data: [{ id: event.id, type: event.type, orgId }],
    skipDuplicates: true,
  });
  return { status: 200, body: { received: true, type: event.type, orgId } };
}

// ------------------------------------------------------------------------------------ Grafana export

export async function grafanaExport(ctx: TServiceCtx) {
  const org = await ctx.deps.prisma.organization.findUniqueOrThrow({
    where: { id: ctx.actor.orgId },
    select: { slug: true },
  });
  const price = await billingPriceFor(ctx.deps.prisma, ctx.actor.orgId);
  const gw = new URL(ctx.deps.gatewayUrl);
  const target = `${gw.hostname}:${gw.port || (gw.protocol === "https:" ? "443" : "80")}`;
  return {
    dashboard: grafanaDashboard({
      orgSlug: org.slug,
      inputUsdPerMTok: price ? price.inputMicroUsdPerMTok / 1e6 : 0,
      outputUsdPerMTok: price ? price.outputMicroUsdPerMTok / 1e6 : 0,
    }),
    prometheus: prometheusScrapeConfig({ gateway: [target] }),
  };
}
