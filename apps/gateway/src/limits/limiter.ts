import type { TLimitDecision, TLimits } from "@aitk/core/gateway/rateLimit";
import { tighter, WINDOW_MS } from "@aitk/core/gateway/rateLimit";
import {
  LEASE_FRACTION_DEFAULT,
  leaseSize,
  leaseUsable,
  limitsSignature,
  type TLeaseSize,
} from "@aitk/core/gateway/rateLease";
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
 * A reservation may also ask for a lease (see @aitk/core/gateway/rateLease): up to leaseReq requests and
 * leaseTok tokens more, charged now, which the replica then admits from memory. A lease is granted only
 * out of what the budget holds above its last eighth, so that tail is always counted request by request.
 * countReq 0 asks for a lease alone (a refill in the background).
 *
 * KEYS = per reservation: key counter base, org counter base
 * ARGV = windowMs, then per reservation: keyRpm, keyTpm, orgRpm, orgTpm, reserve, countReq, leaseReq,
 *   leaseTok
 * returns per reservation 10 numbers: allowed, limitedBy (0 none, 1 key req, 2 key tok, 3 org req,
 *   4 org tok), window, resetMs, keyReqRemaining, keyTokRemaining, orgReqRemaining, orgTokRemaining,
 *   leasedReq, leasedTok
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
  local a = 2 + j * 8
  local lim = { tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]) }
  local kb, ob = KEYS[j * 2 + 1], KEYS[j * 2 + 2]
  local keys = { kb .. ':' .. win .. ':r', kb .. ':' .. win .. ':t', ob .. ':' .. win .. ':r', ob .. ':' .. win .. ':t' }
  local r = tonumber(ARGV[a + 4])
  local c = tonumber(ARGV[a + 5])
  local want = { tonumber(ARGV[a + 6]), tonumber(ARGV[a + 7]) }
  local add = { c, r, c, r }
  local cur = { 0, 0, 0, 0 }
  local refused = 0
  for i = 1, 4 do
    if lim[i] > 0 then
      cur[i] = tonumber(redis.call('GET', keys[i]) or '0')
      if refused == 0 and add[i] > 0 and cur[i] + add[i] > lim[i] then refused = i end
    end
  end
  local lease = { 0, 0 }
  if refused == 0 then
    -- kind 1 = requests (counters 1 and 3), kind 2 = tokens (counters 2 and 4)
    for k = 1, 2 do
      local g = want[k]
      for _, i in ipairs({ k, k + 2 }) do
        if lim[i] > 0 and g > 0 then
          local free = lim[i] - cur[i] - add[i] - math.floor(lim[i] / 8)
          if free < g then g = math.max(0, free) end
        end
      end
      lease[k] = g
    end
    for i = 1, 4 do
      local inc = add[i] + lease[(i - 1) % 2 + 1]
      if lim[i] > 0 and inc > 0 then
        cur[i] = redis.call('INCRBY', keys[i], inc)
        if cur[i] == inc then redis.call('EXPIRE', keys[i], ttl) end
      end
    end
  end
  local o = j * 10
  out[o + 1] = refused == 0 and 1 or 0
  out[o + 2] = refused
  out[o + 3] = win
  out[o + 4] = reset
  for i = 1, 4 do out[o + 4 + i] = lim[i] - cur[i] end
  out[o + 9] = lease[1]
  out[o + 10] = lease[2]
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

type TAsk = {
  keyBase: string;
  orgBase: string;
  key: TLimits;
  org: TLimits;
  tokens: number;
  countReq: 0 | 1;
  leaseReq: number;
  leaseTok: number;
};

type TReply = {
  allowed: boolean;
  by: number;
  win: number;
  resetMs: number;
  /** Remaining in Redis after this call: key requests, key tokens, org requests, org tokens. */
  rem: [number, number, number, number];
  leasedReq: number;
  leasedTok: number;
};

/** Units this replica holds for one key (and its org) in one window; Infinity for an unlimited kind. */
type TLease = {
  sig: string;
  win: number;
  /** Local clock: the lease is not used after this (a little before the window ends in Redis). */
  expiresAt: number;
  req: number;
  tok: number;
  /** Size asked for, to refill in the background once half is used. */
  size: TLeaseSize;
  /** Remaining in Redis at the last grant (the lease's own units come on top, for the headers). */
  rem: [number, number, number, number];
  tokenKeys: string[];
  /** The script arguments of this key, for refills. */
  ask: Pick<TAsk, "keyBase" | "orgBase" | "key" | "org">;
};

/** A lease is dropped this long before its window ends, so local and Redis clocks never disagree on it. */
const LEASE_EXPIRY_MARGIN_MS = 50;

const finite = (n: number) => (n === Number.POSITIVE_INFINITY ? 0 : n);

export class RateLimiter {
  readonly batch: TickBatcher<TAsk, TReply>;
  private readonly leases = new Map<string, TLease>();
  /** Lease fetches in flight per key: requests that find no units wait for it instead of asking too. */
  private readonly pending = new Map<string, Promise<unknown>>();
  private sweepAt = 0;

  /**
   * `redis` should not auto-pipeline: the batcher already groups a turn's calls, and ioredis'
   * auto-pipelining would hold the batch for one more turn. `leaseFraction` 0 counts every request in
   * Redis (no leases).
   */
  constructor(
    private readonly redis: TRedis,
    private readonly prefix: string,
    private readonly windowMs = WINDOW_MS,
    private readonly leaseFraction = LEASE_FRACTION_DEFAULT,
  ) {
    defineLimiterScripts(redis);
    this.batch = new TickBatcher((asks) => this.runBatch(asks));
  }

  private async runBatch(asks: TAsk[]): Promise<TReply[]> {
    const keys: string[] = [];
    const argv: number[] = [this.windowMs];
    for (const a of asks) {
      keys.push(a.keyBase, a.orgBase);
      argv.push(a.key.rpm, a.key.tpm, a.org.rpm, a.org.tpm, a.tokens, a.countReq, a.leaseReq, a.leaseTok);
    }
    const flat = (await this.redis.aitkLimit(keys.length, ...keys, ...argv)) as number[];
    const out: TReply[] = [];
    for (let i = 0; i < asks.length; i++) {
      const o = i * 10;
      out.push({
        allowed: flat[o] === 1,
        by: flat[o + 1]!,
        win: flat[o + 2]!,
        resetMs: flat[o + 3]!,
        rem: [flat[o + 4]!, flat[o + 5]!, flat[o + 6]!, flat[o + 7]!],
        leasedReq: flat[o + 8]!,
        leasedTok: flat[o + 9]!,
      });
    }
    return out;
  }

  /**
   * Reserves one request and `tokens` tokens for a key and its org. Synchronous (no Redis) when nothing
   * is limited or a lease this replica holds covers it; otherwise one batched script call, which may
   * bring a lease for the next requests.
   */
  reserve(
    keyId: string,
    orgId: string,
    key: TLimits,
    org: TLimits,
    tokens: number,
  ): TReservation | Promise<TReservation> {
    const size = leaseSize(key, org, this.leaseFraction);
    if (size.req === Number.POSITIVE_INFINITY && size.tok === Number.POSITIVE_INFINITY) {
      return this.unlimited(tokens);
    }
    const keyBase = `${this.prefix}aitk:rl:{k:${keyId}}`;
    const orgBase = `${this.prefix}aitk:rl:{o:${orgId}}`;
    const ask: TAsk = { keyBase, orgBase, key, org, tokens, countReq: 1, leaseReq: 0, leaseTok: 0 };
    if (!leaseUsable(size, tokens)) return this.call(ask);
    const id = `${keyId}|${orgId}`;
    const sig = limitsSignature(key, org);
    const local = this.fromLease(id, sig, tokens);
    if (local) return local;
    return this.leased(id, sig, ask, size);
  }

  private async leased(id: string, sig: string, ask: TAsk, size: TLeaseSize): Promise<TReservation> {
    const inFlight = this.pending.get(id);
    if (inFlight) {
      // Another request of this key is fetching a lease: wait for its units. If they do not cover this
      // request, it is counted on its own, without asking for a lease too: a convoy of requests that
      // each took a slice would hold back budget that none of them uses.
      await inFlight;
      const local = this.fromLease(id, sig, ask.tokens);
      if (local) return local;
      return this.call(ask, id);
    }
    const p = this.batch.add({ ...ask, leaseReq: finite(size.req), leaseTok: finite(size.tok) });
    const settled = p.then(
      () => {},
      () => {},
    );
    this.pending.set(id, settled);
    try {
      const r = await p;
      if (r.allowed) this.keep(id, sig, ask, size, r);
      return this.result(ask, r, this.leases.get(id));
    } finally {
      if (this.pending.get(id) === settled) this.pending.delete(id);
    }
  }

  /** One request counted in Redis, no lease (small limits, leases off, or while a lease is fetched). */
  private async call(ask: TAsk, leaseId?: string): Promise<TReservation> {
    const r = await this.batch.add(ask);
    return this.result(ask, r, leaseId ? this.leases.get(leaseId) : undefined);
  }

  private result(ask: TAsk, r: TReply, lease: TLease | undefined): TReservation {
    const own = lease && lease.win === r.win ? lease : undefined;
    return {
      decision: this.decision(ask.key, ask.org, r.allowed, r.by, r.resetMs, r.rem, own),
      tokenKeys: r.allowed ? this.tokenKeys(ask, r.win) : [],
      reserved: ask.tokens,
    };
  }

  private decision(
    key: TLimits,
    org: TLimits,
    allowed: boolean,
    by: number,
    resetMs: number,
    rem: [number, number, number, number],
    lease: TLease | undefined,
  ): TLimitDecision {
    // Units this replica holds are still available to the caller: they count as remaining.
    const lr = lease ? finite(lease.req) : 0;
    const lt = lease ? finite(lease.tok) : 0;
    const [limitRequests, remainingRequests] = tighter(key.rpm, rem[0] + lr, org.rpm, rem[2] + lr);
    const [limitTokens, remainingTokens] = tighter(key.tpm, rem[1] + lt, org.tpm, rem[3] + lt);
    return {
      allowed,
      limitedBy: LIMITED_BY[by] ?? "",
      limitRequests,
      remainingRequests,
      limitTokens,
      remainingTokens,
      resetMs,
    };
  }

  private unlimited(tokens: number): TReservation {
    return {
      decision: {
        allowed: true,
        limitedBy: "",
        limitRequests: 0,
        remainingRequests: 0,
        limitTokens: 0,
        remainingTokens: 0,
        resetMs: this.windowMs - (Date.now() % this.windowMs),
      },
      tokenKeys: [],
      reserved: tokens,
    };
  }

  /** Takes one request and `tokens` from this replica's lease, or returns null. */
  private fromLease(id: string, sig: string, tokens: number): TReservation | null {
    const lease = this.leases.get(id);
    if (!lease) return null;
    const now = Date.now();
    if (lease.expiresAt <= now || lease.sig !== sig) {
      this.leases.delete(id);
      return null;
    }
    if (lease.req < 1 || lease.tok < tokens) return null;
    lease.req -= 1;
    lease.tok -= tokens;
    if ((lease.req < lease.size.req / 2 || lease.tok < lease.size.tok / 2) && !this.pending.has(id)) {
      this.refill(id, lease);
    }
    const { key, org } = lease.ask;
    return {
      decision: this.decision(
        key,
        org,
        true,
        0,
        lease.expiresAt + LEASE_EXPIRY_MARGIN_MS - now,
        lease.rem,
        lease,
      ),
      tokenKeys: lease.tokenKeys,
      reserved: tokens,
    };
  }

  private tokenKeys(ask: Pick<TAsk, "keyBase" | "orgBase" | "key" | "org">, win: number): string[] {
    const out: string[] = [];
    if (ask.key.tpm > 0) out.push(`${ask.keyBase}:${win}:t`);
    if (ask.org.tpm > 0) out.push(`${ask.orgBase}:${win}:t`);
    return out;
  }

  /** Adds the units of a grant to this replica's lease for that window (a new window replaces it). */
  private keep(id: string, sig: string, ask: TLease["ask"], size: TLeaseSize, r: TReply): void {
    const req = size.req === Number.POSITIVE_INFINITY ? size.req : r.leasedReq;
    const tok = size.tok === Number.POSITIVE_INFINITY ? size.tok : r.leasedTok;
    const cur = this.leases.get(id);
    if (cur && cur.win === r.win && cur.sig === sig) {
      if (req !== Number.POSITIVE_INFINITY) cur.req += req;
      if (tok !== Number.POSITIVE_INFINITY) cur.tok += tok;
      cur.rem = r.rem;
      return;
    }
    if (req < 1 || tok < 1) {
      // Nothing usable was granted (the budget is in its exactly counted tail).
      if (cur && cur.win !== r.win) this.leases.delete(id);
      return;
    }
    this.leases.set(id, {
      sig,
      win: r.win,
      expiresAt: Date.now() + r.resetMs - LEASE_EXPIRY_MARGIN_MS,
      req,
      tok,
      size,
      rem: r.rem,
      tokenKeys: this.tokenKeys(ask, r.win),
      ask: { keyBase: ask.keyBase, orgBase: ask.orgBase, key: ask.key, org: ask.org },
    });
    this.sweep();
  }

  /** Drops expired leases now and then, so keys that stopped sending requests do not stay in memory. */
  private sweep(): void {
    const now = Date.now();
    if (now < this.sweepAt) return;
    this.sweepAt = now + this.windowMs;
    for (const [id, l] of this.leases) if (l.expiresAt <= now) this.leases.delete(id);
  }

  /** More units once half of a lease is used, in the background; requests wait on it only if dry. */
  private refill(id: string, lease: TLease): void {
    const p = this.batch
      .add({
        ...lease.ask,
        tokens: 0,
        countReq: 0,
        leaseReq: finite(lease.size.req),
        leaseTok: finite(lease.size.tok),
      })
      .then(
        (r) => this.keep(id, lease.sig, lease.ask, lease.size, r),
        () => {}, // Redis unreachable: the lease runs dry and the next request meets the fail mode.
      )
      .finally(() => this.pending.delete(id));
    this.pending.set(id, p);
  }

  /** Counters and delta for charging the real token count (applied together with the ledger XADD). */
  reconcileArgs(res: TReservation, actualTokens: number): { keys: string[]; delta: number } | null {
    const delta = actualTokens - res.reserved;
    return res.tokenKeys.length === 0 || delta === 0 ? null : { keys: res.tokenKeys, delta };
  }
}
