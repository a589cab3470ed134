import { createHmac } from "node:crypto";
import { newId, nowSeconds, type Store, type TObj } from "./store";

// Events and signed webhook delivery, as Stripe does it: Stripe-Signature "t=<unix>,v1=<hex HMAC-SHA256
// of `${t}.${body}` under the endpoint secret>", retried with backoff when the endpoint does not answer 2xx.

export const API_VERSION = "2026-10-28.endive";

export function signPayload(payload: string, secret: string, t = nowSeconds()): string {
  const sig = createHmac("sha256", secret).update(`${t}.${payload}`).digest("hex");
  return `t=${t},v1=${sig}`;
}

export type TStaticEndpoint = { url: string; secret: string };

export class WebhookDispatcher {
  readonly deliveries: Array<{ event: string; url: string; status: number | string }> = [];

  constructor(
    private readonly store: Store,
    private readonly staticEndpoint?: TStaticEndpoint,
    private readonly retryDelaysMs = [500, 2000, 8000],
  ) {}

  emit(type: string, object: TObj, request: { id: string; idempotencyKey?: string }) {
    const event: TObj = {
      id: newId("evt", 24),
      object: "event",
      api_version: API_VERSION,
      created: nowSeconds(),
      type,
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 0,
      request: { id: request.id, idempotency_key: request.idempotencyKey ?? null },
    };
    this.store.state.events.push(event);
    if (this.store.state.events.length > 5000) this.store.state.events.splice(0, 1000);
    this.store.touch();
    const targets: TStaticEndpoint[] = [];
    if (this.staticEndpoint) targets.push(this.staticEndpoint);
    for (const we of this.store.list("webhook_endpoint")) {
      const events = we.enabled_events as string[];
      if (we.status === "enabled" && (events.includes("*") || events.includes(type))) {
        targets.push({ url: String(we.url), secret: String(we.secret) });
      }
    }
    event.pending_webhooks = targets.length;
    for (const t of targets) void this.deliver(event, t, 0);
  }

  private async deliver(event: TObj, target: TStaticEndpoint, attempt: number): Promise<void> {
    const payload = JSON.stringify(event, null, 2);
    let status: number | string;
    try {
      const res = await fetch(target.url, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "stripe-signature": signPayload(payload, target.secret),
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
        body: payload,
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
    } catch (e) {
      status = e instanceof Error ? e.message : String(e);
    }
    this.deliveries.push({ event: event.id, url: target.url, status });
    const ok = typeof status === "number" && status >= 200 && status < 300;
    const delay = this.retryDelaysMs[attempt];
    if (!ok && delay !== undefined)
      setTimeout(() => void this.deliver(event, target, attempt + 1), delay).unref();
  }
}
