import {
  LATENCY_BUCKETS_SECONDS,
  OVERHEAD_BUCKETS_SECONDS,
  TTFT_BUCKETS_SECONDS,
} from "@aitk/core/usage/buckets";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Per-(model, org) children are cached: label hashing on every request would cost more than the work. */
export type TModelMetrics = {
  requests: (outcome: string, status: number) => void;
  promptTokens: Counter.Internal;
  completionTokens: Counter.Internal;
  ttft: Histogram.Internal<string>;
  latency: Histogram.Internal<string>;
  inFlight: Gauge.Internal<string>;
  rateLimited: Counter.Internal;
  errors: (kind: string) => void;
};

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "gateway_requests_total",
    help: "Requests by model, org, endpoint outcome and HTTP status",
    labelNames: ["model", "org", "outcome", "status"],
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: "gateway_tokens_total",
    help: "Tokens by model, org and type (prompt|completion)",
    labelNames: ["model", "org", "type"],
    registers: [this.registry],
  });
  private readonly ttft = new Histogram({
    name: "gateway_ttft_seconds",
    help: "Time to first upstream byte of the response body",
    labelNames: ["model", "org"],
    buckets: TTFT_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "gateway_request_duration_seconds",
    help: "Whole request duration as seen by the gateway",
    labelNames: ["model", "org"],
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  readonly overhead = new Histogram({
    name: "gateway_overhead_seconds",
    help: "Time spent in the gateway before the upstream request is sent (auth, limits, routing)",
    buckets: OVERHEAD_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  readonly ledgerWrite = new Histogram({
    name: "gateway_ledger_write_seconds",
    help: "Time to store a request's ledger event (XADD + token reconcile) before its response is finished",
    buckets: OVERHEAD_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  readonly limiterCall = new Histogram({
    name: "gateway_ratelimit_seconds",
    help: "Time of the rate-limit script call (one Redis round trip)",
    buckets: OVERHEAD_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  /** Calls per Redis command of the request path: how well a turn's calls share one command. */
  readonly redisBatch = new Histogram({
    name: "gateway_redis_batch_size",
    help: "Rate-limit reservations (kind=limit) or ledger events (kind=ledger) sent in one Redis command",
    labelNames: ["kind"],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [this.registry],
  });
  private readonly inFlight = new Gauge({
    name: "gateway_in_flight_requests",
    help: "Requests being proxied now",
    labelNames: ["model", "org"],
    registers: [this.registry],
  });
  private readonly rateLimited = new Counter({
    name: "gateway_rate_limited_total",
    help: "Requests refused by rate limits",
    labelNames: ["model", "org"],
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: "gateway_errors_total",
    help: "Errors by model, org and kind (upstream_connect, upstream_5xx, client_abort, internal, …)",
    labelNames: ["model", "org", "kind"],
    registers: [this.registry],
  });
  readonly rateLimitFailures = new Counter({
    name: "gateway_ratelimit_failures_total",
    help: "Limiter calls that failed (Redis unreachable); see RATE_LIMIT_FAIL_MODE",
    registers: [this.registry],
  });
  readonly ledgerSpooled = new Counter({
    name: "gateway_ledger_spooled_total",
    help: "Ledger events written to the local spool because Redis was unreachable",
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: "gateway_auth_failures_total",
    help: "Requests refused by authentication or authorization",
    labelNames: ["status"],
    registers: [this.registry],
  });

  private readonly children = new Map<string, TModelMetrics>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  for(model: string, org: string): TModelMetrics {
    const id = model + "\u0000" + org;
    let m = this.children.get(id);
    if (!m) {
      const reqChildren = new Map<string, Counter.Internal>();
      const errChildren = new Map<string, Counter.Internal>();
      m = {
        requests: (outcome, status) => {
          const k = outcome + status;
          let c = reqChildren.get(k);
          if (!c) {
            c = this.requests.labels(model, org, outcome, String(status));
            reqChildren.set(k, c);
          }
          c.inc();
        },
        promptTokens: this.tokens.labels(model, org, "prompt"),
        completionTokens: this.tokens.labels(model, org, "completion"),
        ttft: this.ttft.labels(model, org),
        latency: this.latency.labels(model, org),
        inFlight: this.inFlight.labels(model, org),
        rateLimited: this.rateLimited.labels(model, org),
        errors: (kind) => {
          let c = errChildren.get(kind);
          if (!c) {
            c = this.errors.labels(model, org, kind);
            errChildren.set(kind, c);
          }
          c.inc();
        },
      };
      // Bound the cache: unknown model names from clients must not grow it forever.
      if (this.children.size < 10_000) this.children.set(id, m);
    }
    return m;
  }
}
