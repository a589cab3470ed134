// Prometheus metrics of the engine process (its own registry: the gateway has its own).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export function createEngineMetrics(model: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ model });
  collectDefaultMetrics({ register: registry, prefix: "aitk_engine_process_" });
  const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  return {
    registry,
    requests: new Counter({
      name: "aitk_engine_requests_total",
      help: "Requests by endpoint and HTTP status",
      labelNames: ["endpoint", "status"] as const,
      registers: [registry],
    }),
    promptTokens: new Counter({
      name: "aitk_engine_prompt_tokens_total",
      help: "Prompt tokens evaluated",
      registers: [registry],
    }),
    completionTokens: new Counter({
      name: "aitk_engine_completion_tokens_total",
      help: "Tokens generated",
      registers: [registry],
    }),
    aborted: new Counter({
      name: "aitk_engine_aborted_total",
      help: "Requests the client abandoned",
      registers: [registry],
    }),
    firstToken: new Histogram({
      name: "aitk_engine_first_token_seconds",
      help: "From getting a slot to the first generated token (prompt evaluation)",
      buckets: latencyBuckets,
      registers: [registry],
    }),
    queueWait: new Histogram({
      name: "aitk_engine_queue_wait_seconds",
      help: "Time waiting for a free sequence slot",
      buckets: latencyBuckets,
      registers: [registry],
    }),
    duration: new Histogram({
      name: "aitk_engine_request_duration_seconds",
      help: "Whole request duration",
      labelNames: ["endpoint"] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    slotsBusy: new Gauge({
      name: "aitk_engine_slots_busy",
      help: "Sequence slots generating now",
      registers: [registry],
    }),
    queued: new Gauge({
      name: "aitk_engine_queue_depth",
      help: "Requests waiting for a slot",
      registers: [registry],
    }),
    ready: new Gauge({
      name: "aitk_engine_ready",
      help: "1 once the model is loaded",
      registers: [registry],
    }),
  };
}

export type TEngineMetrics = ReturnType<typeof createEngineMetrics>;
