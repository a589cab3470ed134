// RATE_LIMIT_FAIL_MODE with Redis unreachable for data-path commands: closed refuses with 503, open
// serves and keeps the ledger event in the local spool, replayed into the stream when Redis is back.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LEDGER_STREAM } from "@aitk/core/usage/event";
import { createRedis, type TRedis } from "@aitk/db";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import OpenAI from "openai";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../src/env";
import { LedgerWriter } from "../src/ledger/writer";
import { createGateway } from "../src/server";
import { startFakeUpstream, type TFakeUpstream } from "./fakeUpstream";
import { seedKey, seedModel, seedOrg } from "./seed";

let db: TTestDatabase;
let up: TFakeUpstream;
let key: string;
let redis: TRedis;
const prefix = `t${randomBytes(4).toString("hex")}:`;
const spool = join(tmpdir(), `aitk-failmode-${prefix.slice(0, -1)}.jsonl`);

beforeAll(async () => {
  db = await createTestDatabase();
  up = await startFakeUpstream();
  redis = createRedis("redis://127.0.0.1:6379");
  const { orgId } = await seedOrg(db.prisma);
  await seedModel(db.prisma, orgId, "m", [up.url]);
  key = (await seedKey(db.prisma, orgId)).key;
});

afterAll(async () => {
  await up?.close();
  rmSync(spool, { force: true });
  await redis?.del(prefix + LEDGER_STREAM);
  redis?.disconnect();
  await db?.drop();
});

async function run(mode: "open" | "closed") {
  // A command client pointed at a closed port: every data-path command fails at once.
  const dead = createRedis("redis://127.0.0.1:1", {
    enableOfflineQueue: false,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  const gw = await createGateway(
    loadEnv({
      DATABASE_URL: db.url,
      AITK_REDIS_PREFIX: prefix,
      RATE_LIMIT_FAIL_MODE: mode,
      GATEWAY_LEDGER_SPOOL: spool,
    }),
    { prisma: db.prisma, redis: dead, log: pino({ level: "silent" }) },
  );
  const port = await gw.listen(0, "127.0.0.1");
  const client = new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
  const result = await client.chat.completions
    .create({ model: "m", messages: [{ role: "user", content: "x" }] })
    .then(
      (r) => ({ ok: true as const, r }),
      (e) => ({ ok: false as const, e }),
    );
  await gw.close();
  dead.disconnect();
  return result;
}

describe("RATE_LIMIT_FAIL_MODE", () => {
  it("closed: 503 rate_limiter_unavailable", async () => {
    const r = await run("closed");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.e.status).toBe(503);
      expect(r.e.code).toBe("rate_limiter_unavailable");
    }
  });

  it("open: served, ledger event spooled locally and replayed when Redis answers", async () => {
    rmSync(spool, { force: true });
    const r = await run("open");
    expect(r.ok).toBe(true);
    expect(existsSync(spool)).toBe(true);
    const lines = readFileSync(spool, "utf8").trim().split("\n");
    expect(lines.length).toBe(1);
    expect(JSON.parse(lines[0]!).outcome).toBe("ok");
    const writer = new LedgerWriter(redis, prefix, spool, pino({ level: "silent" }));
    expect(await writer.replay()).toBe(1);
    expect(await redis.xlen(prefix + LEDGER_STREAM)).toBe(1);
    expect(existsSync(spool)).toBe(false);
  });
});
