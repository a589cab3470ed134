// The limiter and the ledger writer send one Redis command per event-loop turn (TickBatcher). Limits
// must stay exact when two replicas each send hundreds of reservations in one batch, and the ledger
// entry of a batch must carry every event and the summed token corrections.
import { randomBytes } from "node:crypto";
import { LEDGER_BATCH_FIELD, LEDGER_STREAM, type TUsageEvent } from "@aitk/core/usage/event";
import { createRedis, type TRedis } from "@aitk/db";
import { WINDOW_MS } from "@aitk/core/gateway/rateLimit";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LedgerWriter } from "../src/ledger/writer";
import { RateLimiter, type TReservation } from "../src/limits/limiter";

const prefix = `t${randomBytes(4).toString("hex")}:`;
let a: TRedis;
let b: TRedis;

beforeAll(() => {
  a = createRedis("redis://127.0.0.1:6379");
  b = createRedis("redis://127.0.0.1:6379");
});

afterAll(async () => {
  const keys = await a.keys(`${prefix}*`);
  if (keys.length) await a.del(...keys);
  a.disconnect();
  b.disconnect();
});

const NO = { rpm: 0, tpm: 0 };

describe("batched rate limiting", () => {
  it("admits exactly the limit when two replicas send 300 reservations each in one turn", async () => {
    // Leases off: every request counted in the script (leases are tested below).
    const r1 = new RateLimiter(a, prefix, WINDOW_MS, 0);
    const r2 = new RateLimiter(b, prefix, WINDOW_MS, 0);
    const key = { rpm: 250, tpm: 0 };
    const calls = [];
    for (let i = 0; i < 300; i++) {
      calls.push(r1.reserve("k1", "o1", key, NO, 10));
      calls.push(r2.reserve("k1", "o1", key, NO, 10));
    }
    const out = await Promise.all(calls);
    const allowed = out.filter((r) => r.decision.allowed);
    expect(allowed.length).toBe(250);
    const refused = out.filter((r) => !r.decision.allowed);
    expect(refused.every((r) => r.decision.limitedBy === "key-requests")).toBe(true);
    expect(Math.min(...allowed.map((r) => r.decision.remainingRequests))).toBe(0);
  });

  it("charges tokens in order inside a batch: a refused reservation charges nothing", async () => {
    const lim = new RateLimiter(a, prefix);
    const org = { rpm: 0, tpm: 1000 };
    // 300 + 800 does not fit; 300 + 600 does; then 100 fits exactly.
    const out = await Promise.all([
      lim.reserve("k2", "o2", NO, org, 300),
      lim.reserve("k2", "o2", NO, org, 800),
      lim.reserve("k2", "o2", NO, org, 600),
      lim.reserve("k2", "o2", NO, org, 100),
      lim.reserve("k2", "o2", NO, org, 1),
    ]);
    expect(out.map((r) => r.decision.allowed)).toEqual([true, false, true, true, false]);
    expect(out[1]!.decision.limitedBy).toBe("org-tokens");
    expect(out[3]!.decision.remainingTokens).toBe(0);
  });
});

/** Redis script calls a limiter made (each batch is one call). */
function countCalls(l: RateLimiter): { n: number } {
  const c = { n: 0 };
  l.batch.onBatch = () => {
    c.n++;
  };
  return c;
}

describe("leased rate limits", () => {
  // Fixed minute windows: keep each test inside one.
  beforeEach(async () => {
    const [sec] = await a.time();
    const inMinute = Number(sec) % 60;
    if (inMinute > 55) await new Promise((r) => setTimeout(r, (61 - inMinute) * 1000));
  }, 10_000);

  it("two replicas under a convoy never exceed the limit and hold back at most one slice each", async () => {
    const r1 = new RateLimiter(a, prefix);
    const r2 = new RateLimiter(b, prefix);
    const c1 = countCalls(r1);
    const org = { rpm: 1000, tpm: 0 }; // slice = 1000 / 64 = 15 requests
    let allowed = 0;
    let total = 0;
    // 30 turns of 40 requests per replica: 2,400 asks against 1,000.
    for (let turn = 0; turn < 30; turn++) {
      const calls: (TReservation | Promise<TReservation>)[] = [];
      for (let i = 0; i < 40; i++) {
        calls.push(r1.reserve("kl", "ol", NO, org, 10));
        calls.push(r2.reserve("kl", "ol", NO, org, 10));
      }
      const out = await Promise.all(calls);
      total += out.length;
      allowed += out.filter((r) => r.decision.allowed).length;
    }
    expect(total).toBe(2400);
    expect(allowed).toBeLessThanOrEqual(1000);
    expect(allowed).toBeGreaterThanOrEqual(1000 - 2 * 15);
    const [sec] = await a.time();
    const win = Math.floor(Number(sec) / 60);
    const counted = Number((await a.get(`${prefix}aitk:rl:{o:ol}:${win}:r`)) ?? 0);
    expect(counted).toBeLessThanOrEqual(1000);
    // Far fewer script calls than requests: most were admitted from leases.
    expect(c1.n).toBeLessThan(600);
  });

  it("after the first call a key is admitted from memory, and the headers count down one by one", async () => {
    const lim = new RateLimiter(a, prefix);
    const calls = countCalls(lim);
    const org = { rpm: 6400, tpm: 6_400_000 }; // slices: 100 requests, 100,000 tokens
    const first = lim.reserve("kh", "oh", NO, org, 500);
    expect(first).toBeInstanceOf(Promise);
    const r0 = await first;
    expect(r0.decision.allowed).toBe(true);
    expect(r0.decision.remainingRequests).toBe(6399);
    expect(r0.decision.remainingTokens).toBe(6_400_000 - 500);
    const next: TReservation[] = [];
    for (let i = 0; i < 40; i++) {
      const r = lim.reserve("kh", "oh", NO, org, 500);
      expect(r).not.toBeInstanceOf(Promise);
      next.push(r as TReservation);
    }
    expect(next.map((r) => r.decision.remainingRequests)).toEqual(
      Array.from({ length: 40 }, (_, i) => 6398 - i),
    );
    expect(next.every((r) => r.tokenKeys.length === 1)).toBe(true);
    expect(calls.n).toBe(1);
    // Past half of the slice a refill goes out in the background; nothing waits for it.
    for (let i = 0; i < 20; i++) expect(lim.reserve("kh", "oh", NO, org, 500)).not.toBeInstanceOf(Promise);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.n).toBe(2);
  });

  it("a lease ends with its window, and a changed limit drops it", async () => {
    // One-second windows here: start early in one, or the first grant comes too close to its end
    // (inside the expiry margin) to be usable.
    const [sec, usec] = await a.time();
    const inWindow = (Number(sec) * 1000 + Math.floor(Number(usec) / 1000)) % 1000;
    if (inWindow > 300) await new Promise((r) => setTimeout(r, 1000 - inWindow + 20));
    const lim = new RateLimiter(a, prefix, 1_000);
    const org = { rpm: 6400, tpm: 0 };
    await lim.reserve("kw", "ow", NO, org, 1);
    expect(lim.reserve("kw", "ow", NO, org, 1)).not.toBeInstanceOf(Promise);
    expect(lim.reserve("kw", "ow", NO, { rpm: 6401, tpm: 0 }, 1)).toBeInstanceOf(Promise);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(lim.reserve("kw", "ow", NO, { rpm: 6401, tpm: 0 }, 1)).toBeInstanceOf(Promise);
  });

  it("nothing limited: no Redis call at all", () => {
    const lim = new RateLimiter(a, prefix);
    const calls = countCalls(lim);
    const r = lim.reserve("ku", "ou", NO, NO, 100);
    expect(r).not.toBeInstanceOf(Promise);
    expect((r as TReservation).decision.allowed).toBe(true);
    expect(calls.n).toBe(0);
  });

  it("small limits are counted request by request: exactly the limit across replicas", async () => {
    const r1 = new RateLimiter(a, prefix);
    const r2 = new RateLimiter(b, prefix);
    const key = { rpm: 100, tpm: 0 }; // slice of 1 request: not leased
    const out = await Promise.all(
      Array.from({ length: 300 }, (_, i) => (i % 2 ? r1 : r2).reserve("ks", "os", key, NO, 1)),
    );
    expect(out.filter((r) => r.decision.allowed).length).toBe(100);
  });
});

describe("batched ledger writes", () => {
  it("stores the events of one turn as one entry and applies the summed token corrections", async () => {
    const w = new LedgerWriter(
      a,
      prefix,
      `/tmp/${prefix.slice(0, -1)}-spool.jsonl`,
      pino({ level: "silent" }),
    );
    const counter = `${prefix}aitk:rl:{k:x}:1:t`;
    await a.set(counter, 1000);
    const ev = (i: number): TUsageEvent => ({
      requestId: `r${i}`,
      orgId: "o",
      apiKeyId: "k",
      model: "m",
      endpoint: "chat.completions",
      status: 200,
      outcome: "ok",
      promptTokens: 1,
      completionTokens: 1,
      ttftMs: 1,
      durationMs: 2,
      upstream: null,
      ts: Date.now(),
    });
    await Promise.all(Array.from({ length: 50 }, (_, i) => w.write(ev(i), { keys: [counter], delta: -10 })));
    const entries = await a.xrange(prefix + LEDGER_STREAM, "-", "+");
    expect(entries.length).toBe(1);
    const [field, payload] = entries[0]![1];
    expect(field).toBe(LEDGER_BATCH_FIELD);
    const ids = payload!.split("\n").map((l) => (JSON.parse(l) as TUsageEvent).requestId);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
    expect(Number(await a.get(counter))).toBe(500);
  });
});
