import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../src/audit";
import { createTestDatabase, type TTestDatabase } from "../src/testing";

describe("recordAudit", () => {
  let db: TTestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("records who did what, with secrets redacted and JSON-safe values", async () => {
    const org = await db.prisma.organization.create({ data: { name: "Acme", slug: "acme" } });
    const { id } = await recordAudit(db.prisma, {
      orgId: org.id,
      actorUserId: "user_1",
      action: "host.update",
      targetType: "Host",
      targetId: "host_1",
      before: { endpoint: "tcp://a:2376", credentialsEnc: "v1:x:y:z", sizeBytes: 10n },
      after: { endpoint: "tcp://b:2376", credentialsEnc: null, at: new Date("2026-01-01T00:00:00Z") },
      ip: "127.0.0.1",
    });
    const row = await db.prisma.auditLog.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      orgId: org.id,
      actorUserId: "user_1",
      actorApiKeyId: null,
      action: "host.update",
      targetType: "Host",
      targetId: "host_1",
      ip: "127.0.0.1",
      before: { endpoint: "tcp://a:2376", credentialsEnc: "[redacted]", sizeBytes: "10" },
      after: { endpoint: "tcp://b:2376", credentialsEnc: null, at: "2026-01-01T00:00:00.000Z" },
    });
  });

  it("commits or rolls back with the caller's transaction", async () => {
    const org = await db.prisma.organization.findFirstOrThrow();
    await expect(
      db.prisma.$transaction(async (tx) => {
        await recordAudit(tx, { orgId: org.id, action: "apiKey.revoke", targetType: "ApiKey" });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await db.prisma.auditLog.count({ where: { action: "apiKey.revoke" } })).toBe(0);
    await recordAudit(db.prisma, { orgId: org.id, action: "apiKey.revoke", targetType: "ApiKey" });
    expect(await db.prisma.auditLog.count({ where: { action: "apiKey.revoke" } })).toBe(1);
  });
});
