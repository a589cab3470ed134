import { arr, listOf, metadataOf, obj, str, type TRoute } from "./context";
import { invalidParam, missingParam, noSuch } from "./errors";
import { newId, nowSeconds, type TObj } from "./store";

// Customers, products, prices, webhook endpoints and events.

export const coreRoutes: TRoute = (ctx) => {
  const { method, segments: s, params, store } = ctx;
  if (ctx.version !== "v1") return undefined;
  const [res, id, sub] = s;

  if (res === "customers") {
    if (method === "POST" && !id) {
      const c = store.put({
        id: newId("cus", 14),
        object: "customer",
        created: nowSeconds(),
        email: str(params.email) ?? null,
        name: str(params.name) ?? null,
        description: str(params.description) ?? null,
        metadata: metadataOf(params.metadata),
        livemode: false,
      });
      ctx.emit("customer.created", c);
      return { body: c };
    }
    if (method === "GET" && !id) {
      const email = str(params.email);
      return {
        body: listOf(
          store.list("customer").filter((c) => !email || c.email === email),
          params,
          "/v1/customers",
        ),
      };
    }
    const c = id ? store.get(id, "customer") : undefined;
    if (!c || c.deleted) throw noSuch("customer", id ?? "");
    if (method === "GET" && !sub) return { body: c };
    if (method === "POST" && !sub) {
      for (const k of ["email", "name", "description"] as const)
        if (params[k] !== undefined) c[k] = str(params[k]) || null;
      if (params.metadata !== undefined)
        c.metadata = { ...(c.metadata as object), ...metadataOf(params.metadata) };
      store.put(c);
      ctx.emit("customer.updated", c);
      return { body: c };
    }
    if (method === "DELETE") {
      c.deleted = true;
      store.put(c);
      ctx.emit("customer.deleted", c);
      return { body: { id: c.id, object: "customer", deleted: true } };
    }
  }

  if (res === "products") {
    if (method === "POST" && !id) {
      const name = str(params.name);
      if (!name) throw missingParam("name");
      return {
        body: store.put({
          id: str(params.id) ?? newId("prod", 14),
          object: "product",
          created: nowSeconds(),
          name,
          active: true,
          metadata: metadataOf(params.metadata),
          livemode: false,
        }),
      };
    }
    if (method === "GET" && !id) return { body: listOf(store.list("product"), params, "/v1/products") };
    const p = id ? store.get(id, "product") : undefined;
    if (!p) throw noSuch("product", id ?? "");
    if (method === "GET") return { body: p };
  }

  if (res === "prices") {
    if (method === "POST" && !id) {
      const currency = str(params.currency);
      if (!currency) throw missingParam("currency");
      let product = str(params.product);
      if (!product) {
        const name = str(obj(params.product_data).name);
        if (!name) throw missingParam("product");
        product = store.put({
          id: newId("prod", 14),
          object: "product",
          created: nowSeconds(),
          name,
          active: true,
          metadata: {},
          livemode: false,
        }).id;
      } else if (!store.get(product, "product")) throw noSuch("product", product, "product");
      const unitAmount = str(params.unit_amount);
      const unitDecimal = str(params.unit_amount_decimal) ?? unitAmount;
      if (unitDecimal === undefined) throw missingParam("unit_amount");
      if (!/^\d+(\.\d{1,12})?$/.test(unitDecimal))
        throw invalidParam("unit_amount_decimal", "Invalid decimal: " + unitDecimal);
      const rec = obj(params.recurring);
      const meter = str(rec.meter);
      if (meter && !store.get(meter, "billing.meter"))
        throw noSuch("billing meter", meter, "recurring[meter]");
      const usageType = str(rec.usage_type) ?? "licensed";
      if (usageType === "metered" && !meter) {
        throw invalidParam(
          "recurring[meter]",
          "You must specify a meter when creating a price with usage_type=metered.",
        );
      }
      // A lookup key names one price at a time: taking it from another price needs transfer_lookup_key.
      const lookupKey = str(params.lookup_key);
      if (lookupKey) {
        const holder = store.list("price").find((x) => x.lookup_key === lookupKey);
        if (holder && str(params.transfer_lookup_key) !== "true") {
          throw invalidParam(
            "lookup_key",
            `A price (\`${holder.id}\`) already uses that lookup key. Set transfer_lookup_key=true to move it to this price.`,
          );
        }
        if (holder) store.put({ ...holder, lookup_key: null });
      }
      return {
        body: store.put({
          id: newId("price", 14),
          object: "price",
          created: nowSeconds(),
          active: true,
          currency: currency.toLowerCase(),
          product,
          unit_amount: unitAmount && /^\d+$/.test(unitAmount) ? Number(unitAmount) : null,
          unit_amount_decimal: unitDecimal,
          billing_scheme: "per_unit",
          type: Object.keys(rec).length ? "recurring" : "one_time",
          recurring: Object.keys(rec).length
            ? {
                interval: str(rec.interval) ?? "month",
                interval_count: 1,
                usage_type: usageType,
                meter: meter ?? null,
              }
            : null,
          lookup_key: lookupKey ?? null,
          metadata: metadataOf(params.metadata),
          livemode: false,
        }),
      };
    }
    if (method === "GET" && !id) {
      const keys = arr(params.lookup_keys).map(String);
      const active = str(params.active);
      const prices = store
        .list("price")
        .filter(
          (x) =>
            (!keys.length || keys.includes(String(x.lookup_key))) &&
            (active === undefined || String(x.active) === active),
        );
      return { body: listOf(prices, params, "/v1/prices") };
    }
    const p = id ? store.get(id, "price") : undefined;
    if (!p) throw noSuch("price", id ?? "");
    if (method === "GET") return { body: p };
  }

  if (res === "webhook_endpoints") {
    if (method === "POST" && !id) {
      const url = str(params.url);
      if (!url) throw missingParam("url");
      const events = arr(params.enabled_events).map(String);
      if (!events.length) throw missingParam("enabled_events");
      return {
        body: store.put({
          id: newId("we", 14),
          object: "webhook_endpoint",
          created: nowSeconds(),
          url,
          enabled_events: events,
          status: "enabled",
          secret: newId("whsec", 32),
          livemode: false,
        }),
      };
    }
    if (method === "GET" && !id)
      return { body: listOf(store.list("webhook_endpoint"), params, "/v1/webhook_endpoints") };
    const we = id ? store.get(id, "webhook_endpoint") : undefined;
    if (!we || we.deleted) throw noSuch("webhook endpoint", id ?? "");
    if (method === "GET") return { body: { ...we, secret: undefined } };
    if (method === "DELETE") {
      we.deleted = true;
      store.put(we);
      return { body: { id: we.id, object: "webhook_endpoint", deleted: true } };
    }
  }

  if (res === "events") {
    if (method === "GET" && !id) {
      const type = str(params.type);
      const events = [...store.state.events].reverse().filter((e) => !type || e.type === type);
      return { body: listOf(events, params, "/v1/events") };
    }
    const e = store.state.events.find((x: TObj) => x.id === id);
    if (!e) throw noSuch("event", id ?? "");
    return { body: e };
  }
  return undefined;
};
