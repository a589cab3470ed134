import { arr, listOf, metadataOf, obj, str, type TRequestContext, type TRoute } from "./context";
import { invalidParam, missingParam, noSuch } from "./errors";
import { newId, nowSeconds, type TObj } from "./store";

// Subscriptions with metered prices, and invoices computed from meter usage in the current period.

function monthBounds(t: number): [number, number] {
  const d = new Date(t * 1000);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
  return [start, end];
}

function itemsFrom(ctx: TRequestContext, subId: string): TObj[] {
  const items = arr(ctx.params.items);
  if (!items.length) throw missingParam("items");
  return items.map((raw, i) => {
    const priceId = str(obj(raw).price);
    if (!priceId) throw missingParam(`items[${i}][price]`);
    const price = ctx.store.get(priceId, "price");
    if (!price) throw noSuch("price", priceId, `items[${i}][price]`);
    return {
      id: newId("si", 14),
      object: "subscription_item",
      created: nowSeconds(),
      price,
      subscription: subId,
    };
  });
}

/** Invoice lines: each metered item's usage this period × its unit price (decimal cents). */
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
      let quantity = 1;
      if (meter) {
        const evs = ctx.store.state.meterEvents.filter(
          (e) =>
            e.event_name === meter.event_name &&
            e.customer === customer &&
            e.timestamp >= start &&
            e.timestamp < end,
        );
        quantity = evs.reduce((a, e) => a + e.value, 0);
      }
      const amount = Math.round(quantity * Number(price.unit_amount_decimal));
      total += amount;
      lines.push({
        id: newId("il", 14),
        object: "line_item",
        amount,
        currency: price.currency,
        quantity,
        price,
        description: meter ? `${quantity} × ${meter.display_name}` : String(price.id),
        period: { start, end },
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
      const sub = store.put({
        id: subId,
        object: "subscription",
        created: now,
        customer,
        status: "active",
        cancel_at_period_end: false,
        current_period_start: ps,
        current_period_end: pe,
        items: {
          object: "list",
          data: itemsFrom(ctx, subId),
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
      if (params.items !== undefined) (sub.items as { data: TObj[] }).data = itemsFrom(ctx, sub.id);
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
