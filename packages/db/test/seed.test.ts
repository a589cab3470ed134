import { hashApiKey } from "@aitk/core/crypto/apiKeys";
import { verifyPassword } from "@aitk/core/crypto/password";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PRICE, seedDemo } from "../src/seed";
import { createTestDatabase, type TTestDatabase } from "../src/testing";

const options = {
  secretKeyHex: "ab".repeat(32),
  engineUrl: "http://127.0.0.1:4100/v1",
  adminEmail: "admin@aitk.local",
  adminPassword: "demo-password",
};

const TABLES = [
  "organization",
  "user",
  "membership",
  "apiKey",
  "host",
  "servedModel",
  "endpoint",
  "price",
] as const;

async function snapshot(db: TTestDatabase) {
  const p = db.prisma;
  return {
    organization: await p.organization.findMany({ orderBy: { id: "asc" } }),
    user: await p.user.findMany({ orderBy: { id: "asc" } }),
    membership: await p.membership.findMany({ orderBy: { id: "asc" } }),
    apiKey: await p.apiKey.findMany({ orderBy: { id: "asc" } }),
    host: await p.host.findMany({ orderBy: { id: "asc" } }),
    servedModel: await p.servedModel.findMany({ orderBy: { id: "asc" } }),
    endpoint: await p.endpoint.findMany({ orderBy: { id: "asc" } }),
    price: await p.price.findMany({ orderBy: { id: "asc" } }),
  };
}

describe("seedDemo", () => {
  let db: TTestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("creates the demo tenant and returns the API key once", async () => {
    const first = await seedDemo(db.prisma, options);
    expect(first.apiKey).toMatch(/^aitk_[0-9A-Za-z]{40}$/);

    const org = await db.prisma.organization.findUniqueOrThrow({ where: { slug: "demo" } });
    expect(org).toMatchObject({ id: first.orgId, name: "Demo", plan: "paid", allowLoopbackUpstreams: true });

    const user = await db.prisma.user.findUniqueOrThrow({
      where: { email: "admin@aitk.local" },
      include: { memberships: true },
    });
    expect(user.memberships).toEqual([expect.objectContaining({ orgId: org.id, role: "owner" })]);
    expect(await verifyPassword("demo-password", user.passwordHash)).toBe(true);

    const key = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: first.apiKeyId } });
    expect(key.hash).toBe(hashApiKey(first.apiKey ?? ""));
    expect(key.prefix).toBe(first.apiKey?.slice(0, 12));

    const host = await db.prisma.host.findUniqueOrThrow({ where: { id: first.hostId } });
    expect(host).toMatchObject({ name: "local", kind: "docker", endpoint: "unix:///var/run/docker.sock" });

    const model = await db.prisma.servedModel.findUniqueOrThrow({
      where: { id: first.servedModelId },
      include: { endpoints: true },
    });
    expect(model).toMatchObject({ name: "aitk-tiny", kind: "embedded", enabled: true });
    expect(model.endpoints.map((e) => e.url)).toEqual([options.engineUrl]);

    const prices = await db.prisma.price.findMany({ where: { model: "aitk-tiny" } });
    expect(prices).toEqual([expect.objectContaining({ orgId: null, ...DEMO_PRICE })]);
    expect(DEMO_PRICE).toEqual({ inputMicroUsdPerMTok: 100_000, outputMicroUsdPerMTok: 200_000 });
  });

  it("is idempotent: a second and third run change nothing", async () => {
    const before = await snapshot(db);
    const second = await seedDemo(db.prisma, options);
    expect(second.apiKey).toBeNull();
    const [third] = await Promise.all([seedDemo(db.prisma, options), seedDemo(db.prisma, options)]);
    expect(third.apiKey).toBeNull();
    const after = await snapshot(db);
    expect(after).toEqual(before);
    for (const t of TABLES) expect(after[t].length, t).toBeGreaterThan(0);
  });

  it("follows a moved engine and a changed password without adding rows", async () => {
    const out = await seedDemo(db.prisma, {
      ...options,
      engineUrl: "http://127.0.0.1:4999/v1",
      adminPassword: "new",
    });
    const endpoints = await db.prisma.endpoint.findMany();
    expect(endpoints.map((e) => e.url)).toEqual(["http://127.0.0.1:4999/v1"]);
    const user = await db.prisma.user.findUniqueOrThrow({ where: { id: out.userId } });
    expect(await verifyPassword("new", user.passwordHash)).toBe(true);
    expect(await db.prisma.user.count()).toBe(1);
  });

  it("creates a new key when the demo key was revoked", async () => {
    await db.prisma.apiKey.updateMany({ data: { revokedAt: new Date() } });
    const out = await seedDemo(db.prisma, options);
    expect(out.apiKey).toMatch(/^aitk_/);
    expect(await db.prisma.apiKey.count({ where: { revokedAt: null } })).toBe(1);
  });

  it("refuses a malformed secret key", async () => {
    await expect(seedDemo(db.prisma, { ...options, secretKeyHex: "short" })).rejects.toThrow(/64 hex/);
  });
});
