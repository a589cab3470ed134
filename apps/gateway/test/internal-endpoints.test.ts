// GET /internal/endpoints: the dashboard's read-only view of routing state (outstanding requests,
// health as routing sees it), authorized by a token derived from AITK_SECRET_KEY.
import { randomBytes } from "node:crypto";
import { gatewayInternalToken } from "@aitk/core/gateway/internalToken";
import { createRedis, type TRedis } from "@aitk/db";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../src/env";
import { createLogger } from "../src/obs/log";
import { createGateway, type TGateway } from "../src/server";
import { startFakeUpstream, type TFakeUpstream } from "./fakeUpstream";
import { seedKey, seedModel, seedOrg } from "./seed";
import { closeRedis } from "./cleanup";

const SECRET = "ab".repeat(32);
let db: TTestDatabase;
let redis: TRedis;
let gw: TGateway;
let bare: TGateway;
let up: TFakeUpstream;
let base: string;
let bareBase: string;
let prefix: string;
let orgId: string;
let key: string;

beforeAll(async () => {
  db = await createTestDatabase();
  prefix = `t${randomBytes(4).toString("hex")}:`;
  redis = createRedis("redis://127.0.0.1:6379");
  up = await startFakeUpstream();
  orgId = (await seedOrg(db.prisma, { plan: "paid", allowLoopback: true })).orgId;
  await seedModel(db.prisma, orgId, "tiny", [up.url], { tier: 1 });
  key = (await seedKey(db.prisma, orgId)).key;
  const log = createLogger("silent");
  const env = { DATABASE_URL: db.url, AITK_REDIS_PREFIX: prefix, LOG_LEVEL: "silent" };
  gw = await createGateway(loadEnv({ ...env, AITK_SECRET_KEY: SECRET }), { prisma: db.prisma, log });
  base = `http://127.0.0.1:${await gw.listen(0, "127.0.0.1")}`;
  bare = await createGateway(loadEnv(env), { prisma: db.prisma, log });
  bareBase = `http://127.0.0.1:${await bare.listen(0, "127.0.0.1")}`;
});

afterAll(async () => {
  await gw?.close();
  await bare?.close();
  await up?.close();
  await closeRedis(redis, prefix);
  await db?.drop();
});

const internal = (b: string, token: string | null, org = orgId) =>
  fetch(`${b}/internal/endpoints?org=${encodeURIComponent(org)}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

describe("GET /internal/endpoints", () => {
  it("refuses a missing or wrong token, and is off without AITK_SECRET_KEY", async () => {
    expect((await internal(base, null)).status).toBe(401);
    expect((await internal(base, gatewayInternalToken("cd".repeat(32)))).status).toBe(401);
    expect((await internal(bareBase, gatewayInternalToken(SECRET))).status).toBe(404);
  });

  it("says not loaded before the org was served, then reports its endpoints and outstanding counts", async () => {
    const token = gatewayInternalToken(SECRET);
    expect(await (await internal(base, token)).json()).toEqual({ loaded: false, loadedAt: null, data: [] });
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(200);
    await res.text();
    const body = (await (await internal(base, token)).json()) as {
      loaded: boolean;
      data: {
        model: string;
        endpoints: { outstanding: number; healthy: boolean; refused: string | null }[];
      }[];
    };
    expect(body.loaded).toBe(true);
    const tiny = body.data.find((m) => m.model === "tiny");
    expect(tiny?.endpoints).toEqual([
      expect.objectContaining({ outstanding: 0, healthy: true, refused: null }),
    ]);
    // Another org's id gets nothing (this replica has not loaded it).
    expect(((await (await internal(base, token, "nope")).json()) as { loaded: boolean }).loaded).toBe(false);
  });
});
