import type { TLimitDecision, TLimits } from "@aitk/core/gateway/rateLimit";
import { tighter, WINDOW_MS } from "@aitk/core/gateway/rateLimit";
import type { TRedis } from "@aitk/db";
import { TickBatcher } from "../redis/tickBatch";

/**
 * Checks and charges, atomically, the request and token budgets of API keys and their orgs for the
 * current fixed minute window (Redis TIME, so every replica agrees on the window). Tokens reserved =
 * prompt estimate + max_tokens; the ledger step later adds the difference to the real usage. A refused
 * request charges nothing. Limit 0 = unlimited (that counter is not kept).
 *
 * One call carries every reservation made during one event-loop turn (see TickBatcher), handled one
 * after another inside the script exactly as separate calls would be: Redis runs a script atomically,
 * so the limits stay exact across any number of replicas.
 *
 * KEYS = per reservation: key counter base, org counter base
 * ARGV = windowMs, then per reservation: keyRpm, keyTpm, orgRpm, orgTpm, reserve
 * returns per reservation 8 numbers: allowed, limitedBy (0 none, 1 key req, 2 key tok, 3 org req,
 *   4 org tok), window, resetMs, keyReqRemaining, keyTokRemaining, orgReqRemaining, orgTokRemaining
 */
const LIMIT_SCRIPT = `
local t = redis.call('TIME')
local wms = tonumber(ARGV[1])
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local win = math.floor(now / wms)
local reset = (win + 1) * wms - now
local ttl = math.ceil(wms / 1000) + 5
local out = {}
local n = #KEYS / 2
for j = 0, n - 1 do
  local a = 2 + j * 5
  local lim = { tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]) }
  local kb, ob = KEYS[j * 2 + 1], KEYS[j * 2 + 2]
  local keys = { kb .. ':' .. win .. ':r', kb .. ':' .. win .. ':t', ob .. ':' .. win .. ':r', ob .. ':' .. win .. ':t' }
  local r = tonumber(ARGV[a + 4])
  local add = { 1, r, 1, r }
  local cur = { 0, 0, 0, 0 }
  local refused = 0
  for i = 1, 4 do
    if lim[i] > 0 then
      cur[i] = tonumber(redis.call('GET', keys[i]) or '0')
      if refused == 0 and cur[i] + add[i] > lim[i] then refused = i end
    end
  end
  if refused == 0 then
    for i = 1, 4 do
      if lim[i] > 0 then
        cur[i] = redis.call('INCRBY', keys[i], add[i])
        if cur[i] == add[i] then redis.call('EXPIRE', keys[i], ttl) end
      end
    end
  end
  local o = j * 8
  out[o + 1] = refused == 0 and 1 or 0
  out[o + 2] = refused
  out[o + 3] = win
  out[o + 4] = reset
  for i = 1, 4 do out[o + 4 + i] = lim[i] - cur[i] end
end
return out
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
    aitkLimit(...args: (string | number)[]): import("ioredis").Result<number[], Context>;
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
  redis.defineCommand("aitkLimit", { lua: LIMIT_SCRIPT });
  redis.defineCommand("aitkReconcile", { lua: RECONCILE_SCRIPT });
}

type TAsk = { keyBase: string; orgBase: string; key: TLimits; org: TLimits; tokens: number };

export class RateLimiter {
  readonly batch: TickBatcher<TAsk, number[]>;

  /**
   * `redis` should not auto-pipeline: the batcher already groups a turn's calls, and ioredis'
   * auto-pipelining would hold the batch for one more turn.
   */
  constructor(
    private readonly redis: TRedis,
    private readonly prefix: string,
    private readonly windowMs = WINDOW_MS,
  ) {
    defineLimiterScripts(redis);
    this.batch = new TickBatcher((asks) => this.runBatch(asks));
  }

  private async runBatch(asks: TAsk[]): Promise<number[][]> {
    const keys: string[] = [];
    const argv: number[] = [this.windowMs];
    for (const a of asks) {
      keys.push(a.keyBase, a.orgBase);
      argv.push(a.key.rpm, a.key.tpm, a.org.rpm, a.org.tpm, a.tokens);
    }
    const flat = (await this.redis.aitkLimit(keys.length, ...keys, ...argv)) as number[];
    const out: number[][] = [];
    for (let i = 0; i < asks.length; i++) out.push(flat.slice(i * 8, i * 8 + 8));
    return out;
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
    const r = await this.batch.add({ keyBase, orgBase, key, org, tokens });
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
}
