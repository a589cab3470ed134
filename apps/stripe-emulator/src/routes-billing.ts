import { createHash } from "node:crypto";
import { listOf, obj, str, type TRequestContext, type TRoute } from "./context";
import type { TFormValue } from "./form";
import { invalidParam, missingParam, noSuch, StripeError } from "./errors";
import { newId, nowSeconds, type TMeterEvent, type TObj } from "./store";

// Billing meters, meter events (v1, v2 single, v2 session + stream) and meter event summaries, with
// Stripe's rules: identifier unique over a rolling 24 h, timestamps within the past 35 days or ≤ 5 min
// ahead, values of at most 15 significant digits, minute-aligned summary windows.

const DAY = 86_400;

function activeMeterFor(ctx: TRequestContext, eventName: string): TObj | undefined {
  return ctx.store.list("billing.meter").find((m) => m.event_name === eventName && m.status === "active");
}

export function recordMeterEvent(
  ctx: TRequestContext,
  input: {
    event_name?: string;
    payload: Record<string, TFormValue>;
    identifier?: string;
    timestamp?: number;
  },
): TMeterEvent {
  const { store } = ctx;
  const eventName = input.event_name;
  if (!eventName) throw missingParam("event_name");
  if (eventName.length > 100) throw invalidParam("event_name", "event_name must be at most 100 characters.");
  const meter = activeMeterFor(ctx, eventName);
  if (!meter) throw invalidParam("event_name", `No active meter found for event_name '${eventName}'.`);
  const customerKey = String(obj(meter.customer_mapping as never).event_payload_key ?? "stripe_customer_id");
  const valueKey = String(obj(meter.value_settings as never).event_payload_key ?? "value");
  const customer = str(input.payload[customerKey]);
  if (!customer) throw missingParam(`payload[${customerKey}]`);
  if (!store.get(customer, "customer")) throw noSuch("customer", customer, `payload[${customerKey}]`);
  const formula = String(obj(meter.default_aggregation as never).formula);
  const rawValue = str(input.payload[valueKey]);
  if (rawValue === undefined && formula !== "count") throw missingParam(`payload[${valueKey}]`);
  const value = rawValue === undefined ? 1 : Number(rawValue);
  if (rawValue !== undefined && (!/^-?\d+(\.\d+)?$/.test(rawValue) || !Number.isFinite(value))) {
    throw invalidParam(`payload[${valueKey}]`, `Invalid value '${rawValue}': must be a number.`);
  }
  if (rawValue !== undefined && rawValue.replace(/^-/, "").replace(".", "").replace(/^0+/, "").length > 15) {
    throw invalidParam(`payload[${valueKey}]`, "Meter event values can have at most 15 significant digits.");
  }
  const now = nowSeconds();
  const ts = input.timestamp ?? now;
  if (!Number.isInteger(ts)) throw invalidParam("timestamp", "timestamp must be an integer (Unix seconds).");
  if (ts < now - 35 * DAY)
    throw invalidParam("timestamp", "The timestamp must be within the past 35 calendar days.");
  if (ts > now + 300)
    throw invalidParam("timestamp", "The timestamp cannot be more than 5 minutes in the future.");
  store.expire(now);
  const identifier = input.identifier ?? newId("mevt", 20);
  if (identifier.length > 100) throw invalidParam("identifier", "identifier must be at most 100 characters.");
  if (store.state.identifiers[identifier] !== undefined) {
    throw new StripeError(
      400,
      "invalid_request_error",
      `A meter event with identifier '${identifier}' already exists.`,
      "resource_already_exists",
      "identifier",
    );
  }
  store.state.identifiers[identifier] = now;
  const ev: TMeterEvent = { event_name: eventName, identifier, customer, value, timestamp: ts, created: now };
  store.state.meterEvents.push(ev);
  store.touch();
  return ev;
}

function aggregate(formula: string, events: TMeterEvent[]): number {
  if (formula === "count") return events.length;
  if (formula === "last")
    return events.length ? events.reduce((a, b) => (b.timestamp >= a.timestamp ? b : a)).value : 0;
  // Sums in integer-safe order; values with fractions keep 12 decimals like Stripe's decimals.
  return Math.round(events.reduce((a, e) => a + e.value, 0) * 1e12) / 1e12;
}

function eventSummaries(ctx: TRequestContext, meter: TObj) {
  const p = ctx.params;
  const customer = str(p.customer);
  if (!customer) throw missingParam("customer");
  const start = Number(str(p.start_time));
  const end = Number(str(p.end_time));
  if (!str(p.start_time)) throw missingParam("start_time");
  if (!str(p.end_time)) throw missingParam("end_time");
  if (!Number.isInteger(start) || start % 60)
    throw invalidParam("start_time", "start_time must be aligned to a minute boundary.");
  if (!Number.isInteger(end) || end % 60)
    throw invalidParam("end_time", "end_time must be aligned to a minute boundary.");
  if (end <= start) throw invalidParam("end_time", "end_time must be after start_time.");
  const grouping = str(p.value_grouping_window);
  const step = grouping === "hour" ? 3600 : grouping === "day" ? DAY : grouping ? -1 : end - start;
  if (step < 0)
    throw invalidParam("value_grouping_window", `Invalid value_grouping_window: ${grouping} (hour or day).`);
  if (grouping && (start % step || end % step)) {
    throw invalidParam(
      "start_time",
      `For ${grouping} grouping, start_time and end_time must align with ${grouping} boundaries.`,
    );
  }
  const formula = String(obj(meter.default_aggregation as never).formula);
  const events = ctx.store.state.meterEvents.filter(
    (e) =>
      e.event_name === meter.event_name &&
      e.customer === customer &&
      e.timestamp >= start &&
      e.timestamp < end,
  );
  const out: TObj[] = [];
  for (let t = start; t < end; t += step) {
    const inWindow = events.filter((e) => e.timestamp >= t && e.timestamp < t + step);
    if (grouping && !inWindow.length) continue;
    const id = `mtrusg_${createHash("sha256")
      .update(`${meter.id}|${customer}|${t}|${t + step}`)
      .digest("hex")
      .slice(0, 24)}`;
    out.push({
      id,
      object: "billing.meter_event_summary",
      created: nowSeconds(),
      aggregated_value: aggregate(formula, inWindow),
      start_time: t,
      end_time: Math.min(t + step, end),
      livemode: false,
      meter: meter.id,
    });
  }
  return listOf(out.reverse(), p, `/v1/billing/meters/${meter.id}/event_summaries`);
}

export const billingRoutes: TRoute = (ctx) => {
  const { method, segments: s, params, store } = ctx;
  if (s[0] !== "billing") return undefined;
  const [, res, id, action] = s;

  if (ctx.version === "v2") {
    if (res === "meter_events" && method === "POST") {
      const ts = str(params.timestamp);
      const parsed = ts ? Date.parse(ts) : undefined;
      if (ts && Number.isNaN(parsed))
        throw invalidParam("timestamp", "timestamp must be an RFC 3339 date-time.");
      const ev = recordMeterEvent(ctx, {
        event_name: str(params.event_name),
        payload: obj(params.payload),
        identifier: str(params.identifier),
        timestamp: parsed === undefined ? undefined : Math.floor(parsed / 1000),
      });
      return { body: v2Event(ev) };
    }
    if (res === "meter_event_session" && method === "POST") {
      const token = newId("mes_tok", 32);
      const now = Date.now();
      store.state.objects[token] = {
        id: token,
        object: "session_token",
        created: Math.floor(now / 1000),
        expires: now + 15 * 60_000,
      };
      return {
        body: {
          id: newId("mes", 20),
          object: "v2.billing.meter_event_session",
          authentication_token: token,
          created: new Date(now).toISOString(),
          expires_at: new Date(now + 15 * 60_000).toISOString(),
          livemode: false,
        },
      };
    }
    return undefined;
  }

  if (res === "meters") {
    if (method === "POST" && !id) {
      const displayName = str(params.display_name);
      const eventName = str(params.event_name);
      if (!displayName) throw missingParam("display_name");
      if (!eventName) throw missingParam("event_name");
      const formula = str(obj(params.default_aggregation).formula);
      if (!formula) throw missingParam("default_aggregation[formula]");
      if (!["sum", "count", "last"].includes(formula)) {
        throw invalidParam(
          "default_aggregation[formula]",
          `Invalid formula: ${formula} (sum, count or last).`,
        );
      }
      if (activeMeterFor(ctx, eventName)) {
        throw new StripeError(
          400,
          "invalid_request_error",
          `An active meter with event_name '${eventName}' already exists.`,
          "resource_already_exists",
          "event_name",
        );
      }
      const cm = obj(params.customer_mapping);
      const vs = obj(params.value_settings);
      const now = nowSeconds();
      return {
        body: store.put({
          id: newId("mtr", 24),
          object: "billing.meter",
          created: now,
          updated: now,
          display_name: displayName,
          event_name: eventName,
          status: "active",
          status_transitions: { deactivated_at: null },
          default_aggregation: { formula },
          customer_mapping: {
            event_payload_key: str(cm.event_payload_key) ?? "stripe_customer_id",
            type: "by_id",
          },
          value_settings: { event_payload_key: str(vs.event_payload_key) ?? "value" },
          event_time_window: str(params.event_time_window) ?? null,
          livemode: false,
        }),
      };
    }
    if (method === "GET" && !id) {
      const status = str(params.status);
      return {
        body: listOf(
          store.list("billing.meter").filter((m) => !status || m.status === status),
          params,
          "/v1/billing/meters",
        ),
      };
    }
    const meter = id ? store.get(id, "billing.meter") : undefined;
    if (!meter) throw noSuch("billing meter", id ?? "");
    if (method === "GET" && !action) return { body: meter };
    if (method === "GET" && action === "event_summaries") return { body: eventSummaries(ctx, meter) };
    if (method === "POST" && !action) {
      if (params.display_name !== undefined) meter.display_name = str(params.display_name);
      meter.updated = nowSeconds();
      return { body: store.put(meter) };
    }
    if (method === "POST" && (action === "deactivate" || action === "reactivate")) {
      meter.status = action === "deactivate" ? "inactive" : "active";
      meter.status_transitions = { deactivated_at: action === "deactivate" ? nowSeconds() : null };
      return { body: store.put(meter) };
    }
  }

  if (res === "meter_events" && method === "POST") {
    const ts = str(params.timestamp);
    const ev = recordMeterEvent(ctx, {
      event_name: str(params.event_name),
      payload: obj(params.payload),
      identifier: str(params.identifier),
      timestamp: ts === undefined ? undefined : Number(ts),
    });
    return {
      body: {
        object: "billing.meter_event",
        created: ev.created,
        event_name: ev.event_name,
        identifier: ev.identifier,
        livemode: false,
        payload: params.payload,
        timestamp: ev.timestamp,
      },
    };
  }
  return undefined;
};

function v2Event(ev: TMeterEvent) {
  return {
    object: "v2.billing.meter_event",
    created: new Date(ev.created * 1000).toISOString(),
    event_name: ev.event_name,
    identifier: ev.identifier,
    livemode: false,
    payload: { stripe_customer_id: ev.customer, value: String(ev.value) },
    timestamp: new Date(ev.timestamp * 1000).toISOString(),
  };
}

/** POST /v2/billing/meter_event_stream: authenticated by a session token, validated asynchronously. */
export function meterEventStream(
  ctx: TRequestContext,
  token: string | undefined,
): { status: number; body: unknown } {
  const session = token ? ctx.store.state.objects[token] : undefined;
  if (session?.object !== "session_token") {
    throw new StripeError(
      401,
      "authentication_error",
      "Invalid meter event session token.",
      "billing_meter_event_session_invalid",
    );
  }
  if (Number(session.expires) < Date.now()) {
    throw new StripeError(
      401,
      "authentication_error",
      "The meter event session has expired.",
      "billing_meter_event_session_expired",
    );
  }
  const events = Array.isArray(ctx.params.events) ? ctx.params.events : [];
  if (events.length > 100)
    throw invalidParam("events", "A meter event stream request supports up to 100 events.");
  for (const e of events) {
    const o = obj(e);
    const ts = str(o.timestamp);
    try {
      recordMeterEvent(ctx, {
        event_name: str(o.event_name),
        payload: obj(o.payload),
        identifier: str(o.identifier),
        timestamp: ts ? Math.floor(Date.parse(ts) / 1000) : undefined,
      });
    } catch {
      // Stream events are validated asynchronously: invalid ones are dropped, the request still succeeds.
    }
  }
  return { status: 202, body: {} };
}
