import {
  LATENCY_BUCKETS_SECONDS,
  OVERHEAD_BUCKETS_SECONDS,
  TTFT_BUCKETS_SECONDS,
} from "@aitk/core/usage/buckets";
import { Counter, Registry, collectDefaultMetrics } from "prom-client";
import {
  type CounterCell,
  type GaugeCell,
  type HistogramCell,
  HotCounter,
  HotGauge,
  HotHistogram,
} from "./hotMetrics";

/** Per-(model, org) cells are cached: a request only bumps numbers in place. */
export type TModelMetrics = {
  requests: (outcome: string, status: number) => void;
  promptTokens: CounterCell;
  completionTokens: CounterCell;
  ttft: HistogramCell;
  latency: HistogramCell;
  inFlight: GaugeCell;
  rateLimited: CounterCell;
  errors: (kind: string) => void;
};

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new HotCounter(
    "gateway_requests_total",
    "Requests by model, org, endpoint outcome and HTTP status",
    ["model", "org", "outcome", "status"],
    this.registry,
  );
  private readonly tokens = new HotCounter(
    "gateway_tokens_total",
    "Tokens by model, org and type (prompt|completion)",
    ["model", "org", "type"],
    this.registry,
  );
  private readonly ttft = new HotHistogram(
    "gateway_ttft_seconds",
    "Time to first upstream byte of the response body",
    ["model", "org"],
    TTFT_BUCKETS_SECONDS,
    this.registry,
  );
  private readonly latency = new HotHistogram(
    "gateway_request_duration_seconds",
    "Whole request duration as seen by the gateway",
    ["model", "org"],
    LATENCY_BUCKETS_SECONDS,
    this.registry,
  );
  readonly overhead = new HotHistogram(
    "gateway_overhead_seconds",
    "Time spent in the gateway before the upstream request is sent (auth, limits, routing)",
    [],
    OVERHEAD_BUCKETS_SECONDS,
    this.registry,
  );
  readonly ledgerWrite = new HotHistogram(
    "gateway_ledger_write_seconds",
    "Time to store a request's ledger event (XADD + token reconcile) before its response is finished",
    [],
    OVERHEAD_BUCKETS_SECONDS,
    this.registry,
  );
  readonly limiterCall = new HotHistogram(
    "gateway_ratelimit_seconds",
    "Time of the rate-limit script call (one Redis round trip)",
    [],
    OVERHEAD_BUCKETS_SECONDS,
    this.registry,
  );
  /** Calls per Redis command of the request path: how well a turn's calls share one command. */
  readonly redisBatch = new HotHistogram(
    "gateway_redis_batch_size",
    "Rate-limit reservations (kind=limit) or ledger events (kind=ledger) sent in one Redis command",
    ["kind"],
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    this.registry,
  );
  private readonly inFlight = new HotGauge(
    "gateway_in_flight_requests",
    "Requests being proxied now",
    ["model", "org"],
    this.registry,
  );
  private readonly rateLimited = new HotCounter(
    "gateway_rate_limited_total",
    "Requests refused by rate limits",
    ["model", "org"],
    this.registry,
  );
  private readonly errors = new HotCounter(
    "gateway_errors_total",
    "Errors by model, org and kind (upstream_connect, upstream_5xx, client_abort, internal, …)",
    ["model", "org", "kind"],
    this.registry,
  );
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
      const reqChildren = new Map<string, CounterCell>();
      const errChildren = new Map<string, CounterCell>();
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
