import { z } from "zod";

const int = (def: number) => z.coerce.number().int().nonnegative().default(def);

/**
 * Gateway settings, validated once at boot. RATE_LIMIT_FAIL_MODE decides what happens when Redis cannot
 * answer the limiter script (timeout, connection refused):
 *   open   (default) — the request is forwarded without limits; availability over strictness. Counted in
 *          gateway_ratelimit_failures_total and logged, so an outage is visible.
 *   closed — the request is refused with 503 (type "api_error", code "rate_limiter_unavailable") and
 *          Retry-After: 1; strictness over availability (e.g. hard spend caps).
 */
export const ZGatewayEnv = z.object({
  DATABASE_URL: z.string().default("postgresql://postgres@127.0.0.1:5432/aitk"),
  REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
  GATEWAY_PORT: int(4000),
  GATEWAY_HOST: z.string().default("127.0.0.1"),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  RATE_LIMIT_FAIL_MODE: z.enum(["open", "closed"]).default("open"),
  /**
   * Share of a minute limit one replica may lease and admit from memory, without a Redis round trip per
   * request (default 1/64; never out of the last eighth of a budget; only where a slice holds ≥ 2
   * requests, so limits under 128/min are always counted request by request). Limits are never
   * exceeded; a replica's unused slice can hold back up to that share from the others until the minute
   * ends. 0: every request is counted in Redis.
   */
  RATE_LIMIT_LEASE_FRACTION: z.coerce
    .number()
    .min(0)
    .max(0.25)
    .default(1 / 64),
  /** 64 hex chars; decrypts Endpoint.upstreamApiKeyEnc. Without it endpoints with a stored key are skipped. */
  AITK_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, "AITK_SECRET_KEY must be 64 hex characters")
    .optional(),
  /** Prefix for every Redis key, stream and channel this process uses (tests isolate themselves with it). */
  AITK_REDIS_PREFIX: z.string().default(""),
  /**
   * Browser origins allowed to call the gateway (comma-separated): the dashboard's "Try it" playground.
   * Requests carry a Bearer key, never cookies, so no credentials are allowed. Unset: the dashboard's
   * NEXTAUTH_URL and 127.0.0.1/localhost on WEB_PORT (default 3000).
   */
  GATEWAY_CORS_ORIGINS: z.string().default(""),
  /** Completion tokens reserved when the client sets no max_tokens (reconciled with the real usage). */
  GATEWAY_DEFAULT_MAX_TOKENS: int(1024),
  GATEWAY_MAX_BODY_BYTES: int(8 * 1024 * 1024),
  GATEWAY_UPSTREAM_TIMEOUT_MS: int(600_000),
  GATEWAY_KEY_CACHE_TTL_MS: int(60_000),
  GATEWAY_MODELS_REFRESH_MS: int(10_000),
  /**
   * Client for plain-HTTP upstreams: h1 (default) — the gateway's own keep-alive HTTP/1.1 client, about
   * 40 % less CPU per proxied request than undici here; undici — undici's Pool, as for HTTPS upstreams.
   */
  GATEWAY_UPSTREAM_CLIENT: z.enum(["h1", "undici"]).default("h1"),
  /** Connections per upstream origin in the keep-alive pool. */
  GATEWAY_UPSTREAM_CONNECTIONS: int(256),
  /**
   * Where the write-ahead step of the ledger happens before a response is finished:
   *   redis (default, CONTRACTS.md) — XADD to `aitk:ledger` (one Redis round trip per request);
   *   file — synchronous append to a local WAL in GATEWAY_LEDGER_WAL_DIR, shipped to `aitk:ledger` in
   *          batches every 20 ms (no round trip on the request path; the directory must survive restarts).
   */
  GATEWAY_LEDGER_WAL: z.enum(["redis", "file"]).default("redis"),
  GATEWAY_LEDGER_WAL_DIR: z.string().default(".aitk/gateway-wal"),
  /** Local append-only file used for ledger events when Redis is unreachable; replayed when it is back. */
  GATEWAY_LEDGER_SPOOL: z.string().default(".aitk/gateway-ledger-spool.jsonl"),
});
export type TGatewayEnv = z.infer<typeof ZGatewayEnv>;

export function loadEnv(source: Record<string, string | undefined> = process.env): TGatewayEnv {
  const parsed = ZGatewayEnv.safeParse(source);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid gateway environment: ${msg}`);
  }
  const env = parsed.data;
  if (!env.GATEWAY_CORS_ORIGINS) {
    const port = source.WEB_PORT || "3000";
    env.GATEWAY_CORS_ORIGINS = [source.NEXTAUTH_URL, `http://127.0.0.1:${port}`, `http://localhost:${port}`]
      .filter(Boolean)
      .join(",");
  }
  return env;
}
