import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "../src/testing";

describe("createTestDatabase", () => {
  const made: TTestDatabase[] = [];
  afterAll(async () => {
    for (const db of made) await db.drop();
  });

  it("gives a migrated, isolated database quickly", async () => {
    await createTestDatabase().then((db) => db.drop()); // warm the shared template
    const started = performance.now();
    const a = await createTestDatabase();
    const elapsed = performance.now() - started;
    made.push(a);
    expect(elapsed).toBeLessThan(1000);
    expect(a.url).toMatch(/\/aitk_t_[a-z0-9]+_[0-9a-f]{10}$/);
    await a.prisma.organization.create({ data: { name: "A", slug: "a" } });

    const b = await createTestDatabase();
    made.push(b);
    expect(await b.prisma.organization.count()).toBe(0);
    expect(await a.prisma.organization.count()).toBe(1);
    const rows = await a.prisma.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`;
    expect(rows.length).toBeGreaterThan(0);
  });

  it("drop() removes the database", async () => {
    const db = await createTestDatabase();
    const name = new URL(db.url).pathname.slice(1);
    await db.drop();
    const probe = await createTestDatabase();
    made.push(probe);
    const left = await probe.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*)::bigint AS n FROM pg_database WHERE datname = ${name}`;
    expect(Number(left[0]?.n)).toBe(0);
  });
});
