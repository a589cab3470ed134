import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { LEDGER_STREAM } from "@aitk/core/usage/event";
import { createRedis, type TRedis } from "@aitk/db";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainLedger } from "../../worker/src/processors/ledgerDrain";
import { startFakeUpstream, type TFakeUpstream } from "./fakeUpstream";
import { seedKey, seedModel, seedOrg } from "./seed";
import { spawnGateway, type TGatewayProcess } from "./spawn";
import { closeRedis } from "./cleanup";

let db: TTestDatabase;
let redis: TRedis;
let up: TFakeUpstream;
let prefix: string;
let orgId: string;
let procs: TGatewayProcess[] = [];
const walDir = join(tmpdir(), `aitk-wal-${randomBytes(4).toString("hex")}`);

function envFor(mode: "redis" | "file", i: number): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    AITK_REDIS_PREFIX: prefix,
    GATEWAY_LEDGER_SPOOL: join(tmpdir(), `aitk-spool-${prefix.slice(0, -1)}-${mode}-${i}.jsonl`),
    GATEWAY_LEDGER_WAL: mode,
    GATEWAY_LEDGER_WAL_DIR: walDir,
  };
}

async function chat(
  port: number,
  key: string,
  stream = false,
): Promise<{ status: number; requestId: string | null; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hello" }], stream }),
  });
  return { status: r.status, requestId: r.headers.get("x-request-id"), body: await r.text() };
}

/** Fixed minute windows: keep a burst from straddling a window boundary. */
async function awayFromMinuteBoundary(): Promise<void> {
  const [s] = await redis.time();
  const inMinute = Number(s) % 60;
  if (inMinute > 45) await new Promise((r) => setTimeout(r, (61 - inMinute) * 1000));
}

beforeAll(async () => {
  db = await createTestDatabase();
  prefix = `t${randomBytes(4).toString("hex")}:`;
  redis = createRedis("redis://127.0.0.1:6379");
  up = await startFakeUpstream({ delayMs: 20 });
  orgId = (await seedOrg(db.prisma, { plan: "paid", rpmLimit: 100_000 })).orgId;
  await seedModel(db.prisma, orgId, "m", [up.url]);
}, 90_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  rmSync(walDir, { recursive: true, force: true });
  await up?.close();
  await closeRedis(redis, prefix);
  await db?.drop();
});

describe.each(["redis", "file"] as const)("two gateway processes sharing Redis (ledger WAL: %s)", (mode) => {
  beforeAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    procs = await Promise.all([spawnGateway(envFor(mode, 0)), spawnGateway(envFor(mode, 1))]);
  }, 90_000);

  it("200 concurrent clients on a 100 requests/min key: exactly 100 succeed", async () => {
    const { key } = await seedKey(db.prisma, orgId, { rpmLimit: 100 });
    await awayFromMinuteBoundary();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => chat(procs[i % 2]!.port, key)));
    const ok = results.filter((r) => r.status === 200).length;
    const limited = results.filter((r) => r.status === 429).length;
    expect(ok).toBe(100);
    expect(limited).toBe(100);
  }, 60_000);

  it("kill -9 of a gateway under load: every response a client received has exactly one ledger row", async () => {
    const { key } = await seedKey(db.prisma, orgId);
    const [victim, survivor] = procs as [TGatewayProcess, TGatewayProcess];
    const received: string[] = [];
    let errors = 0;
    let stop = false;
    const client = async (port: number, i: number) => {
      let n = 0;
      while (!stop) {
        try {
          const r = await chat(port, key, (n++ + i) % 3 === 0);
          if (r.status === 200 && r.requestId) received.push(r.requestId);
        } catch {
          errors++; // connection reset by the killed process: no response received
          if (port === victim.port) return;
        }
      }
    };
    const clients = Array.from({ length: 32 }, (_, i) =>
      client(i % 2 === 0 ? victim.port : survivor.port, i),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    victim.proc.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(clients);
    expect(errors).toBeGreaterThan(0);
    expect(received.length).toBeGreaterThan(100);

    const stream = prefix + LEDGER_STREAM;
    const ids = new Set(received);
    expect(ids.size).toBe(received.length);
    // With the file WAL, the survivor adopts the dead process's file within ~1 s and ships it.
    let found = 0;
    for (let i = 0; i < 40 && found < ids.size; i++) {
      await drainLedger({ prisma: db.prisma, redis, stream, consumer: "drain-test", maxMs: 5_000 });
      found = await db.prisma.usageEvent.count({ where: { requestId: { in: [...ids] } } });
      if (found < ids.size) await new Promise((r) => setTimeout(r, 250));
    }
    expect(found).toBe(ids.size);
  }, 60_000);
});
