import { z } from "zod";

/** Outcome of one gateway request, mirrored by the Prisma enum UsageOutcome. */
export const ZUsageOutcome = z.enum(["ok", "upstream_error", "rate_limited", "client_abort", "error"]);
export type TUsageOutcome = z.infer<typeof ZUsageOutcome>;

/** Which OpenAI operation a request hit; stored in UsageEvent.endpoint. */
export const ZUsageEndpoint = z.enum(["chat.completions", "completions", "embeddings"]);
export type TUsageEndpoint = z.infer<typeof ZUsageEndpoint>;

/**
 * One ledger entry as the gateway writes it to the Redis stream `aitk:ledger` (JSON in field `e`)
 * and the worker's drain inserts it as a UsageEvent row (idempotent on requestId).
 */
export const ZUsageEvent = z.object({
  requestId: z.string().min(1).max(200),
  orgId: z.string().min(1),
  apiKeyId: z.string().nullable(),
  model: z.string(),
  endpoint: z.string(),
  status: z.number().int(),
  outcome: ZUsageOutcome,
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  ttftMs: z.number().int().nonnegative().nullable(),
  durationMs: z.number().int().nonnegative(),
  upstream: z.string().nullable(),
  /** Epoch milliseconds when the request started; the price in effect then applies. */
  ts: z.number().int().positive(),
});
export type TUsageEvent = z.infer<typeof ZUsageEvent>;

/** Redis stream and consumer group shared by the gateway (producer) and the worker (drain). */
export const LEDGER_STREAM = "aitk:ledger";
export const LEDGER_GROUP = "ledger";
export const LEDGER_FIELD = "e";
/**
 * A stream entry may instead carry many events, newline-separated, under this field: the gateway's
 * file WAL ships a batch as one XADD, so Redis does one small append per batch instead of one per event.
 */
export const LEDGER_BATCH_FIELD = "b";
