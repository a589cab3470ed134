// Stripe objects aitk keeps in step with its own tables: the three meters (input and output tokens,
// cost in micro-USD), one customer per org, the plan's three prices, the org's metered subscription
// and the plan it implies.
// Shared by the worker (meter sync, reconciliation) and the web app (billing page, webhooks). Every
// create carries an idempotency key derived from our ids, so a crash between Stripe's answer and our
// database write cannot create a second customer or price.
import { effectivePrice } from "@aitk/core/usage/pricing";
import { COST_UNIT_CENTS_DECIMAL, METER_KINDS, METERS, type TMeterKind } from "@aitk/core/billing/meters";
import type { TStripeConfig } from "@aitk/core/billing/stripeConfig";
import { currentPeriod } from "@aitk/core/billing/invoice";
import Stripe from "stripe";
import type { TPrisma } from "../client";

export { Stripe };

export function createStripe(
  cfg: TStripeConfig,
  opts: { maxNetworkRetries?: number; timeoutMs?: number } = {},
): Stripe {
  return new Stripe(cfg.secretKey, {
    host: cfg.host,
    port: cfg.port,
    protocol: cfg.protocol,
    telemetry: false,
    maxNetworkRetries: opts.maxNetworkRetries ?? 1,
    timeout: opts.timeoutMs ?? 20_000,
  });
}

export type TMeterIds = Record<TMeterKind, { id: string; eventName: string }>;

const meterCache = new WeakMap<Stripe, TMeterIds>();

/** The three meters: found by event_name, created when missing (a concurrent create is tolerated). */
export async function ensureMeters(stripe: Stripe): Promise<TMeterIds> {
  const cached = meterCache.get(stripe);
  if (cached) return cached;
  const find = async () => {
    const out: Partial<TMeterIds> = {};
    for await (const m of stripe.billing.meters.list({ status: "active", limit: 100 })) {
      for (const k of METER_KINDS)
        if (m.event_name === METERS[k].eventName && !out[k]) out[k] = { id: m.id, eventName: m.event_name };
    }
    return out;
  };
  const found = await find();
  for (const k of METER_KINDS) {
    if (found[k]) continue;
    try {
      const m = await stripe.billing.meters.create({
        display_name: METERS[k].displayName,
        event_name: METERS[k].eventName,
        default_aggregation: { formula: "sum" },
        customer_mapping: { type: "by_id", event_payload_key: "stripe_customer_id" },
        value_settings: { event_payload_key: "value" },
      });
      found[k] = { id: m.id, eventName: m.event_name };
    } catch (e) {
      if ((e as { code?: string }).code !== "resource_already_exists") throw e;
      const again = await find();
      if (!again[k]) throw e;
      found[k] = again[k];
    }
  }
  const ids = found as TMeterIds;
  meterCache.set(stripe, ids);
  return ids;
}

/** The org's Stripe customer, created on first need and stored on Organization.stripeCustomerId. */
export async function ensureCustomer(prisma: TPrisma, stripe: Stripe, orgId: string): Promise<string> {
  const org = await prisma.organization.findUnique({
    where: { id: orgId },
    select: { id: true, name: true, slug: true, stripeCustomerId: true },
  });
  if (!org) throw new Error(`organization ${orgId} not found`);
  if (org.stripeCustomerId) return org.stripeCustomerId;
  const c = await stripe.customers.create(
    { name: org.name, metadata: { orgId: org.id, orgSlug: org.slug } },
    { idempotencyKey: `aitk-customer-${org.id}` },
  );
  const r = await prisma.organization.updateMany({
    where: { id: org.id, stripeCustomerId: null },
    data: { stripeCustomerId: c.id },
  });
  if (r.count === 0) {
    const again = await prisma.organization.findUnique({
      where: { id: org.id },
      select: { stripeCustomerId: true },
    });
    return again?.stripeCustomerId ?? c.id;
  }
  return c.id;
}

type TPriceRow = {
  id: string;
  orgId: string | null;
  model: string;
  inputMicroUsdPerMTok: number;
  outputMicroUsdPerMTok: number;
  requestMicroUsd: number;
  currency: string;
  effectiveFrom: Date;
};

export type TPlanPrices = Record<TMeterKind, string>;

/** Lookup keys of the subscription's three prices (one set per Stripe account, whatever the org). */
export const PLAN_PRICE_LOOKUP_KEYS: Record<TMeterKind, string> = {
  input: "aitk_input_tokens_info_v2",
  output: "aitk_output_tokens_info_v2",
  cost: "aitk_usage_cost_micro_usd_v2",
};

const planPriceCache = new WeakMap<Stripe, TPlanPrices>();

/**
 * The subscription's prices: the cost meter billed at COST_UNIT_CENTS_DECIMAL (0.0001 ¢ per micro-USD,
 * so Stripe's money is our ledger's cost), and the two token meters at zero (informational invoice
 * lines showing the token counts, never billed twice). Found by lookup key, created when missing with
 * an idempotency key so concurrent creates converge on one price.
 */
export async function ensurePlanPrices(stripe: Stripe): Promise<TPlanPrices> {
  const cached = planPriceCache.get(stripe);
  if (cached) return cached;
  const meters = await ensureMeters(stripe);
  const found: Partial<TPlanPrices> = {};
  const keys = METER_KINDS.map((k) => PLAN_PRICE_LOOKUP_KEYS[k]);
  for await (const p of stripe.prices.list({ lookup_keys: keys, active: true, limit: 100 }))
    for (const k of METER_KINDS)
      if (p.lookup_key === PLAN_PRICE_LOOKUP_KEYS[k] && p.recurring?.meter === meters[k].id)
        found[k] ??= p.id;
  for (const k of METER_KINDS) {
    if (found[k]) continue;
    const p = await stripe.prices.create(
      {
        currency: "usd",
        ...(k === "cost"
          ? { unit_amount_decimal: Stripe.Decimal.from(COST_UNIT_CENTS_DECIMAL) }
          : { unit_amount: 0 }),
        recurring: { interval: "month", usage_type: "metered", meter: meters[k].id },
        product_data: { name: k === "cost" ? "aitk usage (model cost)" : `aitk ${k} tokens (included)` },
        lookup_key: PLAN_PRICE_LOOKUP_KEYS[k],
        transfer_lookup_key: true,
        metadata: { meter: k, unit: METERS[k].unit },
      },
      { idempotencyKey: `aitk-plan-price-${PLAN_PRICE_LOOKUP_KEYS[k]}-${meters[k].id}` },
    );
    found[k] = p.id;
  }
  const ids = found as TPlanPrices;
  planPriceCache.set(stripe, ids);
  return ids;
}

/**
 * The Price row of the org's most used model this period (else the newest price that applies to the
 * org): the rates shown beside the Grafana export. Subscriptions no longer depend on it (Stripe bills
 * the cost meter, whatever the models); it only tells whether any price applies to the org.
 */
export async function billingPriceFor(
  prisma: TPrisma,
  orgId: string,
  at = new Date(),
): Promise<TPriceRow | null> {
  const prices = (await prisma.price.findMany({
    where: { OR: [{ orgId }, { orgId: null }], effectiveFrom: { lte: at } },
  })) as TPriceRow[];
  if (!prices.length) return null;
  const { start } = currentPeriod(at.getTime());
  const top = await prisma.usageRollup.groupBy({
    by: ["model"],
    where: { orgId, minute: { gte: start } },
    _sum: { requests: true },
    orderBy: { _sum: { requests: "desc" } },
    take: 1,
  });
  const model = top[0]?.model;
  if (model) {
    const p = effectivePrice(prices, orgId, model, at);
    if (p) return p;
  }
  return [...prices].sort(
    (a, b) => (b.orgId ? 1 : 0) - (a.orgId ? 1 : 0) || b.effectiveFrom.getTime() - a.effectiveFrom.getTime(),
  )[0]!;
}

/** Active subscriptions of the org's customer (Stripe is the source of truth for the plan). */
export async function activeSubscriptions(stripe: Stripe, customer: string): Promise<Stripe.Subscription[]> {
  const out: Stripe.Subscription[] = [];
  for await (const s of stripe.subscriptions.list({ customer, status: "active", limit: 100 })) out.push(s);
  return out;
}

const priceIdOf = (p: string | Stripe.Price | Stripe.DeletedPrice | null | undefined) =>
  typeof p === "string" ? p : (p?.id ?? null);

/**
 * The item changes that bring a subscription to the three plan prices: token items (any price on a
 * token meter, e.g. the old per-model token prices) switched to the zero-amount prices, the cost item
 * added when missing. Items on other meters are left alone. Empty when already migrated.
 */
export function planItemChanges(
  items: readonly { id: string; price: Stripe.Price | string }[],
  meters: TMeterIds,
  prices: TPlanPrices,
): Stripe.SubscriptionUpdateParams.Item[] {
  const meterOf = (p: Stripe.Price | string) => (typeof p === "string" ? null : (p.recurring?.meter ?? null));
  const changes: Stripe.SubscriptionUpdateParams.Item[] = [];
  for (const k of METER_KINDS) {
    const onMeter = items.filter(
      (i) => meterOf(i.price) === meters[k].id || priceIdOf(i.price) === prices[k],
    );
    if (!onMeter.length) {
      changes.push({ price: prices[k] });
      continue;
    }
    // One item per meter: the first is switched to the plan price, extra ones (never created by us) removed.
    const [keep, ...extra] = onMeter;
    if (priceIdOf(keep!.price) !== prices[k]) changes.push({ id: keep!.id, price: prices[k] });
    for (const x of extra) changes.push({ id: x.id, deleted: true });
  }
  return changes;
}

/** Brings an active subscription to the three plan prices (see planItemChanges); idempotent. */
export async function migrateSubscription(
  stripe: Stripe,
  sub: Stripe.Subscription,
  orgId: string,
): Promise<Stripe.Subscription> {
  const [meters, prices] = await Promise.all([ensureMeters(stripe), ensurePlanPrices(stripe)]);
  const changes = planItemChanges(sub.items.data, meters, prices);
  if (!changes.length) return sub;
  const key = changes.map((c) => `${c.id ?? "+"}:${c.deleted ? "x" : c.price}`).join(",");
  return stripe.subscriptions.update(
    sub.id,
    {
      items: changes,
      proration_behavior: "none",
      metadata: { orgId, aitkPlan: "cost-meter-v2", aitkMigratedAt: String(Math.floor(Date.now() / 1000)) },
    },
    { idempotencyKey: `aitk-sub-migrate-${sub.id}-${key}`.slice(0, 255) },
  );
}

/**
 * Starts the org's metered subscription on the three plan prices, or brings an active one up to them
 * (subscriptions started with the old per-model token prices gain the cost item and their token items
 * switch to the zero-amount prices). Idempotent: a migrated subscription is returned unchanged, and the
 * update carries an idempotency key naming the subscription and the changes.
 *
 * A new subscription is backdated to the start of the calendar month (UTC) with its billing cycle
 * anchored on the 1st, so Stripe's period is the calendar month our ledger and the cost carry use, and
 * usage metered before the subscription existed in that month is billed. Stripe bills a metered item
 * only for usage after the item was added or its price changed, so a subscription migrated mid-period
 * is not billed by Stripe for that period's earlier usage of the changed items; the migration time is
 * kept in the subscription's metadata (aitkMigratedAt) and the invoice view flags that period.
 */
export async function ensureSubscription(prisma: TPrisma, stripe: Stripe, orgId: string) {
  const customer = await ensureCustomer(prisma, stripe, orgId);
  const existing = await activeSubscriptions(stripe, customer);
  if (existing[0]) return migrateSubscription(stripe, existing[0], orgId);
  const prices = await ensurePlanPrices(stripe);
  const price = await billingPriceFor(prisma, orgId);
  if (!price) throw new Error("no price applies to this organization: add one on the Prices page first");
  const { start, end } = currentPeriod();
  const sub = await stripe.subscriptions.create({
    customer,
    items: METER_KINDS.map((k) => ({ price: prices[k] })),
    backdate_start_date: Math.floor(start.getTime() / 1000),
    billing_cycle_anchor: Math.floor(end.getTime() / 1000),
    proration_behavior: "none",
    metadata: { orgId, aitkPlan: "cost-meter-v2" },
  });
  await prisma.organization.update({ where: { id: orgId }, data: { stripeSubscriptionId: sub.id } });
  return sub;
}

/**
 * Sets Organization.plan from Stripe: paid while an active subscription exists, free otherwise.
 * Enterprise orgs are managed by hand and never changed here. Returns the plan when it changed.
 */
export async function syncPlanFromStripe(
  prisma: TPrisma,
  stripe: Stripe,
  orgId: string,
): Promise<{ plan: "free" | "paid"; changed: boolean } | null> {
  const org = await prisma.organization.findUnique({
    where: { id: orgId },
    select: { plan: true, stripeCustomerId: true },
  });
  if (!org?.stripeCustomerId || org.plan === "enterprise") return null;
  const subs = await activeSubscriptions(stripe, org.stripeCustomerId);
  const plan = subs.length ? "paid" : "free";
  const changed = org.plan !== plan;
  await prisma.organization.update({
    where: { id: orgId },
    data: { plan, stripeSubscriptionId: subs[0]?.id ?? null },
  });
  return { plan, changed };
}
