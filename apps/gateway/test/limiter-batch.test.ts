// The limiter and the ledger writer send one Redis command per event-loop turn (TickBatcher). Limits
// must stay exact when two replicas each send hundreds of reservations in one batch, and the ledger
// entry of a batch must carry every event and the summed token corrections.
import { randomBytes } from "node:crypto";
import { LEDGER_BATCH_FIELD, LEDGER_STREAM, type TUsageEvent } from "@aitk/core/usage/event";
import { createRedis, type TRedis } from "@aitk/db";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LedgerWriter } from "../src/ledger/writer";
import { RateLimiter } from "../src/limits/limiter";

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
    const r1 = new RateLimiter(a, prefix);
    const r2 = new RateLimiter(b, prefix);
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
