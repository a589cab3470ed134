// Stripe objects aitk keeps in step with its own tables: the two token meters, one customer per org,
// Stripe prices mirroring our Price rows, the org's metered subscription and the plan it implies.
// Shared by the worker (meter sync, reconciliation) and the web app (billing page, webhooks). Every
// create carries an idempotency key derived from our ids, so a crash between Stripe's answer and our
// database write cannot create a second customer or price.
import { effectivePrice } from "@aitk/core/usage/pricing";
import { METER_KINDS, METERS, type TMeterKind } from "@aitk/core/billing/meters";
import { centsPerTokenDecimal, type TStripeConfig } from "@aitk/core/billing/stripeConfig";
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

/** The two token meters: found by event_name, created when missing (a concurrent create is tolerated). */
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
  stripeInputPriceId: string | null;
  stripeOutputPriceId: string | null;
};

/** Stripe prices (per token, in cents, attached to the meters) mirroring one of our Price rows. */
export async function ensureStripePrices(
  prisma: TPrisma,
  stripe: Stripe,
  price: TPriceRow,
): Promise<{ input: string; output: string }> {
  if (price.stripeInputPriceId && price.stripeOutputPriceId)
    return { input: price.stripeInputPriceId, output: price.stripeOutputPriceId };
  const meters = await ensureMeters(stripe);
  const make = (k: TMeterKind, micro: number) =>
    stripe.prices.create(
      {
        currency: price.currency,
        unit_amount_decimal: Stripe.Decimal.from(centsPerTokenDecimal(micro)),
        recurring: { interval: "month", usage_type: "metered", meter: meters[k].id },
        product_data: { name: `${price.model} ${k} tokens` },
        metadata: { aitkPriceId: price.id, model: price.model, meter: k },
      },
      { idempotencyKey: `aitk-price-${price.id}-${k}` },
    );
  const input = price.stripeInputPriceId ?? (await make("input", price.inputMicroUsdPerMTok)).id;
  const output = price.stripeOutputPriceId ?? (await make("output", price.outputMicroUsdPerMTok)).id;
  await prisma.price.update({
    where: { id: price.id },
    data: { stripeInputPriceId: input, stripeOutputPriceId: output },
  });
  return { input, output };
}

/**
 * The Price row the org's subscription is billed at. Stripe prices one rate per meter, so the
 * subscription uses the effective price of the org's most used model this period (else the newest
 * price that applies to the org); the invoice view shows when other models' prices differ.
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

/** Starts the metered subscription (both meters) for the org; returns the existing one if active. */
export async function ensureSubscription(prisma: TPrisma, stripe: Stripe, orgId: string) {
  const customer = await ensureCustomer(prisma, stripe, orgId);
  const existing = await activeSubscriptions(stripe, customer);
  if (existing[0]) return existing[0];
  const price = await billingPriceFor(prisma, orgId);
  if (!price) throw new Error("no price applies to this organization: add one on the Prices page first");
  const ids = await ensureStripePrices(prisma, stripe, price);
  const sub = await stripe.subscriptions.create({
    customer,
    items: [{ price: ids.input }, { price: ids.output }],
    metadata: { orgId },
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
