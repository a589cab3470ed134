import type { TLimitDecision, TLimits } from "@aitk/core/gateway/rateLimit";
import { tighter, WINDOW_MS } from "@aitk/core/gateway/rateLimit";
import type { TRedis } from "@aitk/db";

/**
 * One Lua call per request checks and charges, atomically, the request and token budgets of the key
 * and of its org for the current fixed minute window (Redis TIME, so every replica agrees on the
 * window). Tokens reserved = prompt estimate + max_tokens; `reconcile` later adds the difference to
 * the real usage. A refused request charges nothing. Limit 0 = unlimited (that counter is not kept).
 *
 * KEYS[1] = key counter base, KEYS[2] = org counter base
 * ARGV = keyRpm, keyTpm, orgRpm, orgTpm, reserve, windowMs
 * returns { allowed, limitedBy (0 none, 1 key req, 2 key tok, 3 org req, 4 org tok), window, resetMs,
 *           keyReqRemaining, keyTokRemaining, orgReqRemaining, orgTokRemaining }
 */
const LIMIT_SCRIPT = `
local t = redis.call('TIME')
local wms = tonumber(ARGV[6])
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local win = math.floor(now / wms)
local reset = (win + 1) * wms - now
local ttl = math.ceil(wms / 1000) + 5
local lim = { tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]) }
local keys = { KEYS[1] .. ':' .. win .. ':r', KEYS[1] .. ':' .. win .. ':t', KEYS[2] .. ':' .. win .. ':r', KEYS[2] .. ':' .. win .. ':t' }
local add = { 1, tonumber(ARGV[5]), 1, tonumber(ARGV[5]) }
local cur = { 0, 0, 0, 0 }
for i = 1, 4 do
  if lim[i] > 0 then
    cur[i] = tonumber(redis.call('GET', keys[i]) or '0')
    if cur[i] + add[i] > lim[i] then
      return { 0, i, win, reset, lim[1] - cur[1], lim[2] - cur[2], lim[3] - cur[3], lim[4] - cur[4] }
    end
  end
end
for i = 1, 4 do
  if lim[i] > 0 then
    cur[i] = redis.call('INCRBY', keys[i], add[i])
    if cur[i] == add[i] then redis.call('EXPIRE', keys[i], ttl) end
  end
end
return { 1, 0, win, reset, lim[1] - cur[1], lim[2] - cur[2], lim[3] - cur[3], lim[4] - cur[4] }
`;

/** Adds the difference between real and reserved tokens, only to windows that still exist. */
const RECONCILE_SCRIPT = `
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[1]) end
end
return 1
`;

const LIMITED_BY = ["", "key-requests", "key-tokens", "org-requests", "org-tokens"];

declare module "ioredis" {
  interface RedisCommander<Context> {
    aitkLimit(
      keyBase: string,
      orgBase: string,
      keyRpm: number,
      keyTpm: number,
      orgRpm: number,
      orgTpm: number,
      reserve: number,
      windowMs: number,
    ): import("ioredis").Result<number[], Context>;
    aitkReconcile(...args: (string | number)[]): import("ioredis").Result<number, Context>;
  }
}

export type TReservation = {
  decision: TLimitDecision;
  /** Token counter keys charged by this request (for reconcile); empty when tokens are unlimited. */
  tokenKeys: string[];
  reserved: number;
};

/** Registers the limiter's Lua scripts as commands on a connection (EVALSHA with EVAL fallback). */
export function defineLimiterScripts(redis: TRedis): void {
  redis.defineCommand("aitkLimit", { numberOfKeys: 2, lua: LIMIT_SCRIPT });
  redis.defineCommand("aitkReconcile", { lua: RECONCILE_SCRIPT });
}

export class RateLimiter {
  constructor(
    private readonly redis: TRedis,
    private readonly prefix: string,
    private readonly windowMs = WINDOW_MS,
  ) {
    defineLimiterScripts(redis);
  }

  async reserve(
    keyId: string,
    orgId: string,
    key: TLimits,
    org: TLimits,
    tokens: number,
  ): Promise<TReservation> {
    const keyBase = `${this.prefix}aitk:rl:{k:${keyId}}`;
    const orgBase = `${this.prefix}aitk:rl:{o:${orgId}}`;
    const r = await this.redis.aitkLimit(
      keyBase,
      orgBase,
      key.rpm,
      key.tpm,
      org.rpm,
      org.tpm,
      tokens,
      this.windowMs,
    );
    const [allowed, by, win, resetMs, kReq, kTok, oReq, oTok] = r as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const [limitRequests, remainingRequests] = tighter(key.rpm, kReq, org.rpm, oReq);
    const [limitTokens, remainingTokens] = tighter(key.tpm, kTok, org.tpm, oTok);
    const tokenKeys: string[] = [];
    if (allowed === 1) {
      if (key.tpm > 0) tokenKeys.push(`${keyBase}:${win}:t`);
      if (org.tpm > 0) tokenKeys.push(`${orgBase}:${win}:t`);
    }
    return {
      decision: {
        allowed: allowed === 1,
        limitedBy: LIMITED_BY[by] ?? "",
        limitRequests,
        remainingRequests,
        limitTokens,
        remainingTokens,
        resetMs,
      },
      tokenKeys,
      reserved: tokens,
    };
  }

  /** Counters and delta for charging the real token count (applied together with the ledger XADD). */
  reconcileArgs(res: TReservation, actualTokens: number): { keys: string[]; delta: number } | null {
    const delta = actualTokens - res.reserved;
    return res.tokenKeys.length === 0 || delta === 0 ? null : { keys: res.tokenKeys, delta };
  }

  /** Charges the real token count instead of the reservation (difference may be negative). */
  reconcile(res: TReservation, actualTokens: number): Promise<unknown> | undefined {
    const delta = actualTokens - res.reserved;
    if (res.tokenKeys.length === 0 || delta === 0) return undefined;
    return this.redis.aitkReconcile(res.tokenKeys.length, ...res.tokenKeys, delta);
  }
}
