import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkSchemaDrift,
  createMigration,
  defaultMigrationsDir,
  defaultSchemaPath,
  deployMigrations,
  migrationStatus,
} from "../src/migrate/commands";
import { quoteIdent, withDatabase } from "../src/migrate/urls";
import { createTestDatabase, type TTestDatabase } from "../src/testing";

const baseUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/aitk";

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: withDatabase(baseUrl, "postgres") });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function shadowDatabases(): Promise<string[]> {
  const r = await admin((c) =>
    c.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'",
    ),
  );
  return r.rows.map((x) => x.datname);
}

describe("migrations (wasm schema engine)", () => {
  let scratch: TTestDatabase;
  let tmp: string;
  beforeAll(async () => {
    scratch = await createTestDatabase();
    tmp = await mkdtemp(path.join(tmpdir(), "aitk-migrate-"));
  });
  afterAll(async () => {
    await scratch?.drop();
    await rm(tmp, { recursive: true, force: true });
  });

  it("deploy creates a missing database, applies every migration and records it like prisma", async () => {
    const name = `aitk_t_${Date.now().toString(36)}_${randomBytes(5).toString("hex")}`;
    const url = withDatabase(baseUrl, name);
    try {
      const first = await deployMigrations({ databaseUrl: url });
      expect(first.createdDatabase).toBe(true);
      const folders = (await readdir(defaultMigrationsDir, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort();
      expect(first.applied).toEqual(folders);

      const again = await deployMigrations({ databaseUrl: url });
      expect(again).toEqual({ createdDatabase: false, applied: [] });

      const status = await migrationStatus({ databaseUrl: url });
      expect(status.upToDate).toBe(true);

      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const rows = await client.query(
          `SELECT migration_name, checksum, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
        );
        const { createHash } = await import("node:crypto");
        for (const [i, folder] of folders.entries()) {
          const sql = await readFile(path.join(defaultMigrationsDir, folder, "migration.sql"), "utf8");
          expect(rows.rows[i]).toMatchObject({
            migration_name: folder,
            checksum: createHash("sha256").update(sql).digest("hex"),
            applied_steps_count: 1,
          });
        }
        const tables = await client.query(
          "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'",
        );
        expect(tables.rows[0].n).toBeGreaterThanOrEqual(23);
      } finally {
        await client.end();
      }
    } finally {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
    }
  });

  it("status of a createTestDatabase() database matches the engine's bookkeeping", async () => {
    const status = await migrationStatus({ databaseUrl: scratch.url });
    expect(status).toMatchObject({ upToDate: true, failedMigrationNames: [], editedMigrationNames: [] });
  });

  it("status reports pending migrations on an empty database", async () => {
    const empty = `aitk_t_${Date.now().toString(36)}_${randomBytes(5).toString("hex")}`;
    await admin((c) => c.query(`CREATE DATABASE ${quoteIdent(empty)}`));
    try {
      const status = await migrationStatus({ databaseUrl: withDatabase(baseUrl, empty) });
      expect(status.upToDate).toBe(false);
      expect(status.history?.diagnostic).toBe("databaseIsBehind");
    } finally {
      await admin((c) => c.query(`DROP DATABASE ${quoteIdent(empty)} WITH (FORCE)`));
    }
  });

  it("drift check: schema.prisma and prisma/migrations agree", async () => {
    const out = await checkSchemaDrift({ databaseUrl: scratch.url });
    expect(out.script).not.toMatch(/ALTER|CREATE|DROP/);
    expect(out.drift).toBe(false);
  });

  it("drift check: a schema change without a migration is reported, and create fixes it", async () => {
    const schema = await readFile(defaultSchemaPath, "utf8");
    const changed = schema.replace(
      /model User \{\n/,
      "model User {\n  nickname     String?\n  loginCount   Int      @default(0)\n",
    );
    expect(changed).not.toBe(schema);
    const schemaPath = path.join(tmp, "schema.prisma");
    await writeFile(schemaPath, changed);
    const migrationsDir = path.join(tmp, "migrations");
    await cp(defaultMigrationsDir, migrationsDir, { recursive: true });

    const drift = await checkSchemaDrift({ databaseUrl: scratch.url, schemaPath, migrationsDir });
    expect(drift.drift).toBe(true);
    expect(drift.script).toContain('ADD COLUMN     "nickname" TEXT');

    const created = await createMigration({
      databaseUrl: scratch.url,
      schemaPath,
      migrationsDir,
      name: "user_nick",
    });
    expect(created.name).toMatch(/^\d{14}_user_nick$/);
    if (created.name === null) throw new Error("expected a migration");
    const sql = await readFile(path.join(migrationsDir, created.name, "migration.sql"), "utf8");
    expect(sql).toContain('"loginCount" INTEGER NOT NULL DEFAULT 0');
    expect(await readFile(path.join(migrationsDir, "migration_lock.toml"), "utf8")).toContain(
      'provider = "postgresql"',
    );

    const after = await checkSchemaDrift({ databaseUrl: scratch.url, schemaPath, migrationsDir });
    expect(after.drift).toBe(false);
    const noop = await createMigration({
      databaseUrl: scratch.url,
      schemaPath,
      migrationsDir,
      name: "again",
    });
    expect(noop.name).toBeNull();
  });

  it("leaves no shadow databases behind", async () => {
    expect(await shadowDatabases()).toEqual([]);
  });

  it("rejects bad migration names", async () => {
    await expect(createMigration({ databaseUrl: scratch.url, name: "bad name;" })).rejects.toThrow(
      /letters, digits/,
    );
  });
});
