// The worker's ledger drain (apps/worker/src/processors/ledgerDrain.ts): claims what a dead consumer
// left pending, drops malformed entries, inserts idempotently and acknowledges only after the insert.
import { randomBytes } from "node:crypto";
import {
  LEDGER_BATCH_FIELD,
  LEDGER_FIELD,
  LEDGER_GROUP,
  LEDGER_STREAM,
  type TUsageEvent,
} from "@aitk/core/usage/event";
import { createRedis, type TRedis } from "@aitk/db";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainLedger } from "../../worker/src/processors/ledgerDrain";
import { seedOrg } from "./seed";

let db: TTestDatabase;
let redis: TRedis;
let orgId: string;
const stream = `t${randomBytes(4).toString("hex")}:${LEDGER_STREAM}`;

const event = (requestId: string, org = orgId): TUsageEvent => ({
  requestId,
  orgId: org,
  apiKeyId: null,
  model: "m",
  endpoint: "chat.completions",
  status: 200,
  outcome: "ok",
  promptTokens: 10,
  completionTokens: 5,
  ttftMs: 3,
  durationMs: 7,
  upstream: "http://127.0.0.1:1",
  ts: Date.now(),
});

beforeAll(async () => {
  db = await createTestDatabase();
  redis = createRedis("redis://127.0.0.1:6379");
  orgId = (await seedOrg(db.prisma)).orgId;
});

afterAll(async () => {
  await redis?.del(stream);
  redis?.disconnect();
  await db?.drop();
});

describe("ledger drain", () => {
  it("claims a dead consumer's pending entries, skips junk and unknown orgs, is idempotent", async () => {
    await redis.xgroup("CREATE", stream, LEDGER_GROUP, "0", "MKSTREAM");
    await redis.xadd(stream, "*", LEDGER_FIELD, JSON.stringify(event("a")));
    await redis.xadd(stream, "*", LEDGER_FIELD, JSON.stringify(event("b")));
    await redis.xadd(stream, "*", LEDGER_FIELD, "{not json");
    await redis.xadd(stream, "*", LEDGER_FIELD, JSON.stringify(event("c", "no-such-org")));
    // A consumer reads everything and dies before acknowledging.
    await redis.xreadgroup("GROUP", LEDGER_GROUP, "dead", "COUNT", 100, "STREAMS", stream, ">");
    const fresh = await drainLedger({
      prisma: db.prisma,
      redis,
      stream,
      consumer: "live",
      claimIdleMs: 60_000,
    });
    expect(fresh.read).toBe(0); // not idle long enough yet: left to its owner
    const r = await drainLedger({ prisma: db.prisma, redis, stream, consumer: "live", claimIdleMs: 0 });
    expect(r.claimed).toBe(4);
    expect(r.invalid).toBe(1);
    expect(r.inserted).toBe(2);
    expect(r.acked).toBe(4);
    expect(await redis.xlen(stream)).toBe(0);
    const rows = await db.prisma.usageEvent.findMany({ where: { orgId }, orderBy: { requestId: "asc" } });
    expect(rows.map((x) => x.requestId)).toEqual(["a", "b"]);
    // The same events again (a crash between insert and ack re-delivers them): no new rows.
    await redis.xadd(stream, "*", LEDGER_FIELD, JSON.stringify(event("a")));
    const again = await drainLedger({ prisma: db.prisma, redis, stream, consumer: "live" });
    expect(again.read).toBe(1);
    expect(again.inserted).toBe(0);
    expect(await db.prisma.usageEvent.count({ where: { orgId } })).toBe(2);
  });

  it("stores every event of a batch entry (the file WAL's shipping format) and drops only bad lines", async () => {
    const batch = [JSON.stringify(event("wal-1")), "{bad line", JSON.stringify(event("wal-2"))].join("\n");
    await redis.xadd(stream, "*", LEDGER_BATCH_FIELD, `${batch}\n`);
    await redis.xadd(stream, "*", LEDGER_BATCH_FIELD, "");
    const r = await drainLedger({ prisma: db.prisma, redis, stream, consumer: "live" });
    expect(r.inserted).toBe(2);
    expect(r.invalid).toBe(2); // the bad line and the empty entry
    expect(r.acked).toBe(2);
    expect(await redis.xlen(stream)).toBe(0);
    const ids = (await db.prisma.usageEvent.findMany({ where: { requestId: { startsWith: "wal-" } } })).map(
      (x) => x.requestId,
    );
    expect(ids.sort()).toEqual(["wal-1", "wal-2"]);
  });
});
