// Audit export as JSON lines: the API-key route (admin only, filters, oldest first, batches beyond
// one page, errors before streaming) and the dashboard's session route; list filters by actor/date.
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as sessionExport } from "../src/app/api/audit/export/route";
import { GET as keyExport } from "../src/app/api/v1/audit/export/route";
import { getEnv } from "../src/env";
import { createFixture, type TFixture } from "./fixtures";

let f: TFixture;
const BULK = 1_234;
const t0 = new Date("2026-01-01T00:00:00Z");

beforeAll(async () => {
  f = await createFixture();
  // Rows of A over ~20 days, one action for every 4th, plus one row in B that must never show up.
  await f.prisma.auditLog.createMany({
    data: Array.from({ length: BULK }, (_, i) => ({
      orgId: f.a.orgId,
      actorUserId: i % 2 === 0 ? f.a.ownerId : null,
      actorApiKeyId: i % 2 === 1 ? f.a.keyId : null,
      action: i % 4 === 0 ? "model.update" : "apiKey.create",
      targetType: i % 4 === 0 ? "ServedModel" : "ApiKey",
      targetId: `t${i}`,
      before: i % 4 === 0 ? { enabled: true } : undefined,
      after: { n: i },
      createdAt: new Date(t0.getTime() + i * 23 * 60_000),
    })),
  });
  await f.prisma.auditLog.create({
    data: { orgId: f.b.orgId, action: "secret.b", targetType: "ApiKey", createdAt: t0 },
  });
});
afterAll(async () => {
  // B's row was ours: leave nothing that other suites' invariants could trip on.
  await f?.close();
});

const call = (query: string, key: string | null) =>
  keyExport(
    new Request(`http://127.0.0.1:3000/api/v1/audit/export${query ? `?${query}` : ""}`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
    }),
  );

const lines = async (res: Response) =>
  (await res.text())
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; action: string; createdAt: string; after: { n: number } });

describe("GET /api/v1/audit/export", () => {
  it("streams every row of the org as JSON lines, oldest first, across batches", async () => {
    const res = await call("", f.a.key);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="audit-.*\.jsonl"/);
    const rows = await lines(res);
    expect(rows.length).toBe(BULK);
    expect(rows.map((r) => r.after.n)).toEqual(Array.from({ length: BULK }, (_, i) => i));
    expect(new Set(rows.map((r) => r.id)).size).toBe(BULK);
    expect(rows.some((r) => r.action === "secret.b")).toBe(false);
  });

  it("filters by date range (to exclusive), action prefix and actor", async () => {
    const from = new Date(t0.getTime() + 100 * 23 * 60_000).toISOString();
    const to = new Date(t0.getTime() + 200 * 23 * 60_000).toISOString();
    const ranged = await lines(await call(`from=${from}&to=${to}`, f.a.key));
    expect(ranged.map((r) => r.after.n)).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
    const models = await lines(await call("action=model.", f.a.key));
    expect(models.length).toBe(Math.ceil(BULK / 4));
    expect(models.every((r) => r.action === "model.update")).toBe(true);
    const byKey = await lines(await call(`actorApiKeyId=${f.a.keyId}`, f.a.key));
    expect(byKey.length).toBe(BULK / 2);
  });

  it("refuses before streaming: no key 401, read key 403, bad date 400 naming it, from > to 400", async () => {
    expect((await call("", null)).status).toBe(401);
    expect((await call("", f.a.readKey)).status).toBe(403);
    const bad = await call("from=yesterday", f.a.key);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/from/);
    const backwards = await call("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", f.a.key);
    expect(backwards.status).toBe(400);
  });

  it("B's key exports only B's row", async () => {
    const rows = await lines(await call("", f.b.key));
    expect(rows.map((r) => r.action)).toEqual(["secret.b"]);
  });
});

describe("GET /api/audit/export (dashboard session)", () => {
  const cookie = async (userId: string) =>
    `next-auth.session-token=${await encode({ token: { userId, email: "x@test.local" }, secret: getEnv().NEXTAUTH_SECRET })}`;
  const get = async (query: string, c: string | null) =>
    sessionExport(
      new Request(`http://127.0.0.1:3000/api/audit/export?${query}`, { headers: c ? { cookie: c } : {} }),
    );

  it("downloads the active org's rows for an admin, with the page's filters", async () => {
    const res = await get("action=model.&targetType=ServedModel", await cookie(f.a.ownerId));
    expect(res.status).toBe(200);
    const rows = await lines(res);
    expect(rows.length).toBe(Math.ceil(BULK / 4));
  });

  it("refuses signed-out users and non-admins; the org cookie cannot pick another org", async () => {
    expect((await get("", null)).status).toBe(401);
    expect((await get("", await cookie(f.a.viewerId))).status).toBe(403);
    const forged = `${await cookie(f.a.ownerId)}; aitk_org=${f.b.orgId}`;
    const rows = await lines(await get("", forged));
    expect(rows.some((r) => r.action === "secret.b")).toBe(false);
  });
});

describe("audit list filters", () => {
  it("actor, target type and date range narrow the list; facets name actors and types", async () => {
    const c = f.caller(f.a.ownerId);
    const byUser = await c.audit.list({ actorUserId: f.a.ownerId, limit: 500 });
    expect(byUser.items.every((r) => r.actorUserId === f.a.ownerId)).toBe(true);
    const since = new Date(t0.getTime() + 10 * 23 * 60_000);
    const until = new Date(t0.getTime() + 20 * 23 * 60_000);
    const ranged = await c.audit.list({ since, until, targetType: "ApiKey" });
    expect(ranged.items.map((r) => (r.after as { n: number }).n).sort((x, y) => x - y)).toEqual([
      10, 11, 13, 14, 15, 17, 18, 19,
    ]);
    const facets = await c.audit.facets();
    expect(facets.targetTypes).toEqual(expect.arrayContaining(["ApiKey", "ServedModel"]));
    expect(facets.actions).not.toContain("secret.b");
    expect(facets.actors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "user", id: f.a.ownerId }),
        expect.objectContaining({ kind: "apiKey", id: f.a.keyId }),
      ]),
    );
    await expect(f.caller(f.a.viewerId).audit.facets()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
