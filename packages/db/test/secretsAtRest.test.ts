import { decryptSecret, encryptSecret, SecretDecryptError } from "@aitk/core/crypto/secrets";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "../src/testing";

const key = "5a".repeat(32);
const otherKey = "a5".repeat(32);
const pem =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

describe("Host.credentialsEnc at rest", () => {
  let db: TTestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("stores only ciphertext and decrypts with the right key", async () => {
    const org = await db.prisma.organization.create({ data: { name: "Acme", slug: "acme" } });
    const host = await db.prisma.host.create({
      data: {
        orgId: org.id,
        name: "gpu-1",
        endpoint: "ssh://deploy@10.0.0.5",
        credentialsEnc: encryptSecret(pem, key),
      },
    });

    // Read the raw column outside Prisma: nothing of the plaintext is in the database.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const raw = await client.query<{ credentialsEnc: string }>(
      `SELECT "credentialsEnc" FROM "Host" WHERE id = $1`,
      [host.id],
    );
    await client.end();
    const stored = raw.rows[0]?.credentialsEnc ?? "";
    expect(stored).toMatch(/^v1:[^:]+:[^:]+:[^:]+$/);
    expect(stored).not.toContain("OPENSSH");
    expect(stored).not.toContain("b3BlbnNzaC1rZXktdjEAAAAA");

    const loaded = await db.prisma.host.findUniqueOrThrow({ where: { id: host.id } });
    expect(decryptSecret(loaded.credentialsEnc ?? "", key)).toBe(pem);
    expect(() => decryptSecret(loaded.credentialsEnc ?? "", otherKey)).toThrow(SecretDecryptError);
  });

  it("detects a ciphertext altered in the database", async () => {
    const host = await db.prisma.host.findFirstOrThrow({ where: { name: "gpu-1" } });
    const [v, iv, tag, ct] = (host.credentialsEnc ?? "").split(":") as [string, string, string, string];
    const bytes = Buffer.from(ct, "base64");
    bytes[3] = (bytes[3] ?? 0) ^ 0x20;
    await db.prisma.host.update({
      where: { id: host.id },
      data: { credentialsEnc: [v, iv, tag, bytes.toString("base64")].join(":") },
    });
    const tampered = await db.prisma.host.findUniqueOrThrow({ where: { id: host.id } });
    expect(() => decryptSecret(tampered.credentialsEnc ?? "", key)).toThrow(/altered/);
  });
});
