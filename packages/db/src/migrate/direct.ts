import { createHash, randomUUID } from "node:crypto";
import type pg from "pg";
import { readMigrationsList } from "./migrationsDir";

export type TMigrationFile = { name: string; sql: string; checksum: string };

export async function readMigrationFiles(migrationsDir: string): Promise<TMigrationFile[]> {
  const list = await readMigrationsList(migrationsDir);
  return list.migrationDirectories.map((d) => {
    if (d.migrationFile.content.tag !== "ok") {
      throw new Error(`cannot read ${d.path}/migration.sql: ${d.migrationFile.content.value}`);
    }
    const sql = d.migrationFile.content.value;
    return { name: d.path, sql, checksum: createHash("sha256").update(sql).digest("hex") };
  });
}

// Prisma's own bookkeeping table, column for column, so `migrate deploy|status` treat the result as theirs.
const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/**
 * Runs every migration.sql on an empty database in one transaction and records it as
 * `prisma migrate deploy` would. For throwaway databases (tests); real databases use deployMigrations.
 */
export async function applyMigrationFilesDirect(
  client: pg.Client,
  migrations: TMigrationFile[],
): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query(MIGRATIONS_TABLE);
    for (const m of migrations) {
      await client.query(m.sql);
      await client.query(
        `INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "started_at", "applied_steps_count")
         VALUES ($1, $2, now(), $3, now(), 1)`,
        [randomUUID(), m.checksum, m.name],
      );
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}
