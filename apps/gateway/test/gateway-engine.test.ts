// One path through the real embedded engine (llama.cpp, its own process): gateway routing, streaming,
// real usage counts in the ledger.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { LEDGER_STREAM } from "@aitk/core/usage/event";
import { createRedis, type TRedis } from "@aitk/db";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import OpenAI from "openai";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainLedger } from "../../worker/src/processors/ledgerDrain";
import { loadEnv } from "../src/env";
import { createGateway, type TGateway } from "../src/server";
import { seedKey, seedOrg } from "./seed";
import { closeRedis } from "./cleanup";

const ROOT = resolve(import.meta.dirname, "../../..");
let engine: ChildProcess;
let dir: string;
let db: TTestDatabase;
let redis: TRedis;
let gw: TGateway;
let prefix: string;
let client: OpenAI;
let orgId: string;

async function startEngine(modelPath: string): Promise<number> {
  engine = spawn(process.execPath, ["--import", "tsx", "apps/gateway/src/engine/main.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      ENGINE_PORT: "0",
      ENGINE_MODEL_PATH: modelPath,
      ENGINE_THREADS: "1",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  engine.stderr?.on("data", (d) => {
    err += String(d);
  });
  const port = await new Promise<number>((ok, fail) => {
    const t = setTimeout(() => fail(new Error(`engine did not start: ${err}`)), 60_000);
    createInterface({ input: engine.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      try {
        const rec = JSON.parse(line) as { port?: unknown };
        if (typeof rec.port === "number") {
          clearTimeout(t);
          ok(rec.port);
        }
      } catch {}
    });
  });
  for (let i = 0; i < 1200; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
    if (r?.status === 200) return port;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error("engine not ready");
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "aitk-gw-engine-"));
  const port = await startEngine(join(dir, "tiny.gguf"));
  db = await createTestDatabase();
  prefix = `t${randomBytes(4).toString("hex")}:`;
  redis = createRedis("redis://127.0.0.1:6379");
  orgId = (await seedOrg(db.prisma, { plan: "paid", allowLoopback: true })).orgId;
  await db.prisma.servedModel.create({
    data: {
      orgId,
      name: "aitk-tiny",
      kind: "embedded",
      endpoints: { create: [{ orgId, url: `http://127.0.0.1:${port}/v1` }] },
    },
  });
  const { key } = await seedKey(db.prisma, orgId);
  gw = await createGateway(loadEnv({ DATABASE_URL: db.url, AITK_REDIS_PREFIX: prefix }), {
    prisma: db.prisma,
    log: pino({ level: "silent" }),
  });
  const gwPort = await gw.listen(0, "127.0.0.1");
  client = new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${gwPort}/v1`, maxRetries: 0 });
}, 120_000);

afterAll(async () => {
  await gw?.close();
  if (engine && engine.exitCode === null) {
    const exited = new Promise((ok) => engine.once("exit", ok));
    engine.kill("SIGTERM");
    await exited;
  }
  await closeRedis(redis, prefix);
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("gateway → embedded engine", () => {
  it("streams real tokens and records the engine's usage counts", async () => {
    const stream = await client.chat.completions.create({
      model: "aitk-tiny",
      messages: [{ role: "user", content: "Tell me about the sea." }],
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? "";
      if (c.usage) usage = c.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBe(8);
    expect(usage?.prompt_tokens).toBeGreaterThan(5);

    const plain = await client.chat.completions.create({
      model: "aitk-tiny",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 4,
    });
    expect(plain.usage?.completion_tokens).toBe(4);

    await drainLedger({ prisma: db.prisma, redis, stream: prefix + LEDGER_STREAM, consumer: "t" });
    const rows = await db.prisma.usageEvent.findMany({ where: { orgId }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => [r.model, r.outcome, r.completionTokens])).toEqual([
      ["aitk-tiny", "ok", 8],
      ["aitk-tiny", "ok", 4],
    ]);
    expect(rows[0]!.promptTokens).toBe(usage!.prompt_tokens);
    expect(rows[0]!.ttftMs).not.toBeNull();
  }, 60_000);
});
