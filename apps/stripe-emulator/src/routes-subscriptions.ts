import { arr, listOf, metadataOf, obj, str, type TRequestContext, type TRoute } from "./context";
import { invalidParam, missingParam, noSuch } from "./errors";
import { newId, nowSeconds, type TObj } from "./store";

// Subscriptions with metered prices, and invoices computed from meter usage in the current period
// (calendar months, UTC). As on Stripe: a subscription may be backdated (backdate_start_date) so its
// first period bills usage metered before it existed; a metered item added later, or whose price
// changes, bills only usage from then on; line amounts are exact decimals rounded half up to cents.

function monthBounds(t: number): [number, number] {
  const d = new Date(t * 1000);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
  return [start, end];
}

function newItem(
  ctx: TRequestContext,
  subId: string,
  priceId: string,
  param: string,
  usageFrom: number,
): TObj {
  const price = ctx.store.get(priceId, "price");
  if (!price) throw noSuch("price", priceId, param);
  const item: TObj = {
    id: newId("si", 14),
    object: "subscription_item",
    created: nowSeconds(),
    price,
    subscription: subId,
  };
  ctx.store.state.itemUsageFrom ??= {};
  ctx.store.state.itemUsageFrom[item.id] = usageFrom;
  return item;
}

function itemsFrom(ctx: TRequestContext, subId: string, usageFrom: number): TObj[] {
  const items = arr(ctx.params.items);
  if (!items.length) throw missingParam("items");
  const out = items.map((raw, i) => {
    const priceId = str(obj(raw).price);
    if (!priceId) throw missingParam(`items[${i}][price]`);
    return newItem(ctx, subId, priceId, `items[${i}][price]`, usageFrom);
  });
  uniquePrices(out);
  return out;
}

function uniquePrices(items: TObj[]) {
  const seen = new Set<string>();
  for (const it of items) {
    const id = (it.price as TObj).id;
    if (seen.has(id))
      throw invalidParam(
        "items",
        `Cannot add multiple subscription items with the same price: ${id}. Change the quantity instead.`,
      );
    seen.add(id);
  }
}

/**
 * Stripe's item update semantics: an entry with `id` changes that item (a new `price`, or
 * `deleted=true` to remove it), an entry without `id` adds an item; items not named are kept.
 * A metered item whose price changes (or that is added) bills only usage from now on.
 */
function applyItemUpdates(ctx: TRequestContext, sub: TObj) {
  const list = sub.items as { data: TObj[] };
  const now = nowSeconds();
  let data = [...list.data];
  arr(ctx.params.items).forEach((raw, i) => {
    const o = obj(raw);
    const id = str(o.id);
    const priceId = str(o.price);
    if (!id) {
      if (!priceId) throw missingParam(`items[${i}][price]`);
      data.push(newItem(ctx, sub.id, priceId, `items[${i}][price]`, now));
      return;
    }
    const item = data.find((x) => x.id === id);
    if (!item) throw noSuch("subscription item", id, `items[${i}][id]`);
    if (str(o.deleted) === "true") {
      data = data.filter((x) => x.id !== id);
      return;
    }
    if (priceId && priceId !== (item.price as TObj).id) {
      const price = ctx.store.get(priceId, "price");
      if (!price) throw noSuch("price", priceId, `items[${i}][price]`);
      data = data.map((x) => (x.id === id ? { ...x, price } : x));
      ctx.store.state.itemUsageFrom ??= {};
      ctx.store.state.itemUsageFrom[id] = now;
    }
  });
  if (!data.length) throw invalidParam("items", "A subscription must keep at least one item.");
  uniquePrices(data);
  list.data = data;
}

const SCALE = 10n ** 12n;

/** A non-negative decimal string as an integer scaled by 10^12 (Stripe keeps 12 decimals). */
function scaled(decimal: string): bigint {
  const [w = "0", f = ""] = decimal.replace(/^-/, "").split(".");
  const v = BigInt(w) * SCALE + BigInt((f + "0".repeat(12)).slice(0, 12) || "0");
  return decimal.startsWith("-") ? -v : v;
}

/** quantity × unit price in cents, rounded half up to whole cents, in exact decimal arithmetic. */
export function lineAmountCents(quantity: string, unitAmountDecimal: string): number {
  const product = scaled(quantity) * scaled(unitAmountDecimal);
  const unit = SCALE * SCALE;
  const neg = product < 0n;
  const abs = neg ? -product : product;
  const cents = (abs + unit / 2n) / unit;
  return Number(neg ? -cents : cents);
}

/** Sum of meter event values as an exact decimal string (values have at most 12 decimals). */
function sumValues(values: number[]): string {
  const total = values.reduce((a, v) => a + scaled(Number.isInteger(v) ? String(v) : v.toFixed(12)), 0n);
  const neg = total < 0n;
  const abs = neg ? -total : total;
  const frac = (abs % SCALE).toString().padStart(12, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${abs / SCALE}${frac ? `.${frac}` : ""}`;
}

/**
 * Invoice lines: each metered item's usage this period (from when the item started billing) × its
 * unit price in exact decimal cents, each line rounded half up to whole cents.
 */
export function previewInvoice(ctx: TRequestContext, customer: string, periodOf = nowSeconds()) {
  const [start, end] = monthBounds(periodOf);
  const subs = ctx.store
    .list("subscription")
    .filter((s) => s.customer === customer && s.status !== "canceled");
  const lines: Record<string, unknown>[] = [];
  let total = 0;
  let currency = "usd";
  for (const sub of subs) {
    for (const item of (sub.items as { data: TObj[] }).data) {
      const price = item.price as TObj & {
        recurring?: { meter?: string };
        unit_amount_decimal: string;
        currency: string;
      };
      currency = price.currency;
      const meter = price.recurring?.meter
        ? ctx.store.get(price.recurring.meter, "billing.meter")
        : undefined;
      let quantity = "1";
      const from = Math.max(
        start,
        ctx.store.state.itemUsageFrom?.[item.id] ?? Number(sub.start_date ?? start),
      );
      if (meter) {
        const evs = ctx.store.state.meterEvents.filter(
          (e) =>
            e.event_name === meter.event_name &&
            e.customer === customer &&
            e.timestamp >= from &&
            e.timestamp < end,
        );
        quantity = sumValues(evs.map((e) => e.value));
      }
      const amount = lineAmountCents(quantity, String(price.unit_amount_decimal ?? "0"));
      total += amount;
      lines.push({
        id: newId("il", 14),
        object: "line_item",
        amount,
        currency: price.currency,
        quantity: Number(quantity),
        price,
        description: meter ? `${quantity} × ${meter.display_name}` : String(price.id),
        period: { start: meter ? from : start, end },
      });
    }
  }
  return {
    id: newId("upcoming_in", 14),
    object: "invoice",
    created: nowSeconds(),
    customer,
    currency,
    status: "draft",
    period_start: start,
    period_end: end,
    subtotal: total,
    total,
    amount_due: total,
    lines: { object: "list", data: lines, has_more: false, url: "/v1/invoices/upcoming/lines" },
    livemode: false,
  };
}

export const subscriptionRoutes: TRoute = (ctx) => {
  const { method, segments: s, params, store } = ctx;
  if (ctx.version !== "v1") return undefined;
  const [res, id] = s;

  if (res === "subscriptions") {
    if (method === "POST" && !id) {
      const customer = str(params.customer);
      if (!customer) throw missingParam("customer");
      if (!store.get(customer, "customer")) throw noSuch("customer", customer, "customer");
      const subId = newId("sub", 14);
      const now = nowSeconds();
      const [ps, pe] = monthBounds(now);
      const backdate = str(params.backdate_start_date);
      const startDate = backdate === undefined ? now : Number(backdate);
      if (!Number.isInteger(startDate) || startDate > now)
        throw invalidParam(
          "backdate_start_date",
          "backdate_start_date must be a Unix timestamp in the past.",
        );
      const anchorRaw = str(params.billing_cycle_anchor);
      const anchor = anchorRaw === undefined ? null : Number(anchorRaw);
      if (anchor !== null && (!Number.isInteger(anchor) || anchor < now))
        throw invalidParam(
          "billing_cycle_anchor",
          "billing_cycle_anchor must be a Unix timestamp in the future.",
        );
      const sub = store.put({
        id: subId,
        object: "subscription",
        created: now,
        start_date: startDate,
        billing_cycle_anchor: anchor ?? startDate,
        customer,
        status: "active",
        cancel_at_period_end: false,
        current_period_start: ps,
        current_period_end: pe,
        items: {
          object: "list",
          data: itemsFrom(ctx, subId, startDate),
          has_more: false,
          url: `/v1/subscription_items?subscription=${subId}`,
        },
        metadata: metadataOf(params.metadata),
        livemode: false,
      });
      ctx.emit("customer.subscription.created", sub);
      return { body: sub };
    }
    if (method === "GET" && !id) {
      const customer = str(params.customer);
      const status = str(params.status);
      const all = store
        .list("subscription")
        .filter((x) => (!customer || x.customer === customer) && (!status || x.status === status));
      return { body: listOf(all, params, "/v1/subscriptions") };
    }
    const sub = id ? store.get(id, "subscription") : undefined;
    if (!sub) throw noSuch("subscription", id ?? "");
    if (method === "GET") return { body: sub };
    if (method === "POST") {
      if (sub.status === "canceled")
        throw invalidParam("id", "A canceled subscription can only update its metadata.");
      if (params.cancel_at_period_end !== undefined)
        sub.cancel_at_period_end = str(params.cancel_at_period_end) === "true";
      if (params.items !== undefined) applyItemUpdates(ctx, sub);
      if (params.metadata !== undefined)
        sub.metadata = { ...(sub.metadata as object), ...metadataOf(params.metadata) };
      store.put(sub);
      ctx.emit("customer.subscription.updated", sub);
      return { body: sub };
    }
    if (method === "DELETE") {
      sub.status = "canceled";
      sub.canceled_at = nowSeconds();
      store.put(sub);
      ctx.emit("customer.subscription.deleted", sub);
      return { body: sub };
    }
  }

  if (res === "invoices") {
    if (method === "POST" && id === "create_preview") {
      const customer = str(params.customer);
      if (!customer) throw missingParam("customer");
      if (!store.get(customer, "customer")) throw noSuch("customer", customer, "customer");
      return { body: previewInvoice(ctx, customer) };
    }
    if (method === "GET" && !id) {
      const customer = str(params.customer);
      return {
        body: listOf(
          store.list("invoice").filter((i) => !customer || i.customer === customer),
          params,
          "/v1/invoices",
        ),
      };
    }
    const inv = id ? store.get(id, "invoice") : undefined;
    if (!inv) throw noSuch("invoice", id ?? "");
    if (method === "GET") return { body: inv };
  }
  return undefined;
};

/** Emulator control (not Stripe API): close the current period for a customer and mark it paid. */
export function finalizeInvoice(ctx: TRequestContext, customer: string) {
  if (!ctx.store.get(customer, "customer")) throw noSuch("customer", customer, "customer");
  const preview = previewInvoice(ctx, customer);
  const inv = ctx.store.put({
    ...preview,
    id: newId("in", 14),
    status: "paid",
    paid: true,
    amount_paid: preview.total,
  });
  ctx.emit("invoice.finalized", inv);
  ctx.emit("invoice.paid", inv);
  return inv;
}
