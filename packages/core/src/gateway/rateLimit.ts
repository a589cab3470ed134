/**
 * Rate-limit policy math (pure): plan tier defaults, override resolution, reservation sizes and the
 * OpenAI-style response headers. The atomic counting itself is a Redis Lua script in the gateway.
 */
export type TPlan = "free" | "paid" | "enterprise";
export type TLimits = { rpm: number; tpm: number };

/** Seed defaults: free 10 requests/min, paid 1000/min. 0 means unlimited. */
export const PLAN_LIMITS: Record<TPlan, TLimits> = {
  free: { rpm: 10, tpm: 40_000 },
  paid: { rpm: 1000, tpm: 2_000_000 },
  enterprise: { rpm: 10_000, tpm: 20_000_000 },
};

/** Org limit = org override, else its plan's tier. */
export function orgLimits(plan: TPlan, rpmOverride: number | null, tpmOverride: number | null): TLimits {
  const base = PLAN_LIMITS[plan] ?? PLAN_LIMITS.free;
  return { rpm: rpmOverride ?? base.rpm, tpm: tpmOverride ?? base.tpm };
}

/** Key limit = key override, else unlimited on its own (the org limit still applies). */
export function keyLimits(rpmOverride: number | null, tpmOverride: number | null): TLimits {
  return { rpm: rpmOverride ?? 0, tpm: tpmOverride ?? 0 };
}

export const WINDOW_MS = 60_000;

/** Seconds until the fixed minute window containing `nowMs` resets (at least 1). */
export function resetSeconds(nowMs: number, windowMs = WINDOW_MS): number {
  return Math.max(1, Math.ceil((windowMs - (nowMs % windowMs)) / 1000));
}

/** Result of the limiter script for one request, as the gateway turns it into headers. */
export type TLimitDecision = {
  allowed: boolean;
  /** Which limit refused the request: "key-requests", "org-tokens", … (empty when allowed). */
  limitedBy: string;
  limitRequests: number;
  remainingRequests: number;
  limitTokens: number;
  remainingTokens: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
};

/** OpenAI formats reset durations like "1s", "6m0s", "59.5s". */
export function formatReset(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.ceil(ms / 100) / 10)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.ceil((ms % 60_000) / 1000)}s`;
}

/** The effective (tighter) limit of key and org for one dimension; 0 = unlimited on both. */
export function tighter(
  keyLimit: number,
  keyRemaining: number,
  orgLimit: number,
  orgRemaining: number,
): [number, number] {
  if (keyLimit <= 0) return [orgLimit, orgRemaining];
  if (orgLimit <= 0) return [keyLimit, keyRemaining];
  return keyRemaining <= orgRemaining ? [keyLimit, keyRemaining] : [orgLimit, orgRemaining];
}

export function rateLimitHeaders(d: TLimitDecision): Record<string, string> {
  const h: Record<string, string> = {};
  const reset = formatReset(d.resetMs);
  if (d.limitRequests > 0) {
    h["x-ratelimit-limit-requests"] = String(d.limitRequests);
    h["x-ratelimit-remaining-requests"] = String(Math.max(0, d.remainingRequests));
    h["x-ratelimit-reset-requests"] = reset;
  }
  if (d.limitTokens > 0) {
    h["x-ratelimit-limit-tokens"] = String(d.limitTokens);
    h["x-ratelimit-remaining-tokens"] = String(Math.max(0, d.remainingTokens));
    h["x-ratelimit-reset-tokens"] = reset;
  }
  return h;
}
