import { readFile } from "node:fs/promises";
import path from "node:path";
import type { DiagnoseMigrationHistoryOutput, SchemaFilter } from "@prisma/schema-engine-wasm";
import pg from "pg";
import { startEngine, type TSchemaEngine } from "./engine";
import { readMigrationsList, writeMigration } from "./migrationsDir";
import { defaultMigrationsDir, defaultSchemaPath } from "./paths";
import { databaseName, quoteIdent, withDatabase } from "./urls";

const filters: SchemaFilter = { externalTables: [], externalEnums: [] };

export { defaultMigrationsDir, defaultSchemaPath };

export type TMigrateOptions = {
  databaseUrl: string;
  schemaPath?: string;
  migrationsDir?: string;
  log?: (line: string) => void;
};

// The wasm glue keeps one module-level instance, so engine sessions in a process take turns.
let queue: Promise<unknown> = Promise.resolve();

async function withEngine<T>(
  options: TMigrateOptions,
  fn: (
    engine: TSchemaEngine,
    ctx: { schemaPath: string; schemaContent: string; migrationsDir: string },
  ) => Promise<T>,
): Promise<T> {
  const run = async () => {
    const schemaPath = path.resolve(options.schemaPath ?? defaultSchemaPath);
    const migrationsDir = path.resolve(options.migrationsDir ?? defaultMigrationsDir);
    const schemaContent = await readFile(schemaPath, "utf8");
    const handle = await startEngine({
      databaseUrl: options.databaseUrl,
      schemaPath,
      schemaContent,
      log: options.log,
    });
    try {
      return await fn(handle.engine, { schemaPath, schemaContent, migrationsDir });
    } finally {
      await handle.close();
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => {});
  return result;
}

/** Creates the database named in the URL when it does not exist (via the `postgres` maintenance db). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const name = databaseName(databaseUrl);
  const client = new pg.Client({ connectionString: withDatabase(databaseUrl, "postgres") });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    } catch (err) {
      // Lost a race with another process creating it: fine.
      if ((err as { code?: string }).code !== "42P04") throw err;
      return false;
    }
    return true;
  } finally {
    await client.end();
  }
}

export type TCreateResult = { name: string; file: string; script: string } | { name: null };

/**
 * `prisma migrate dev --create-only`: apply pending migrations to the development database, diff the
 * migrations folder (replayed on a shadow database) against schema.prisma and write the difference as
 * a new migration (not applied: `deploy` does that). Refuses when the development database has drifted
 * from the migrations, as Prisma would before offering a reset.
 */
export async function createMigration(options: TMigrateOptions & { name: string }): Promise<TCreateResult> {
  if (!/^[A-Za-z0-9_]+$/.test(options.name)) {
    throw new Error(`migration name must be letters, digits and underscores: "${options.name}"`);
  }
  await ensureDatabase(options.databaseUrl);
  return withEngine(options, async (engine, { schemaPath, schemaContent, migrationsDir }) => {
    const migrationsList = await readMigrationsList(migrationsDir);
    // Like `migrate dev`: bring the development database up to date, then check it for drift. The
    // drift check (on a shadow database) is also what lets createMigration find the shadow database
    // factory at all; without it the engine fails with "shadow DB must be provided".
    let diagnostic = await engine.devDiagnostic({ migrationsList, filters });
    if (diagnostic.action.tag !== "reset") {
      const applied = await engine.applyMigrations({ migrationsList, filters });
      if (applied.appliedMigrationNames.length)
        diagnostic = await engine.devDiagnostic({ migrationsList, filters });
    }
    if (diagnostic.action.tag === "reset") {
      throw new Error(`the database has drifted from prisma/migrations: ${diagnostic.action.reason}`);
    }
    const out = await engine.createMigration({
      draft: false,
      migrationName: options.name,
      migrationsList,
      schema: { files: [{ path: schemaPath, content: schemaContent }] },
      filters,
    });
    if (out.migrationScript === null) return { name: null };
    const file = await writeMigration(
      migrationsDir,
      out.generatedMigrationName,
      out.migrationScript,
      out.extension,
      out.connectorType,
    );
    return { name: out.generatedMigrationName, file, script: out.migrationScript };
  });
}

export type TDeployResult = { createdDatabase: boolean; applied: string[] };

/** `prisma migrate deploy`: applies pending migrations and records them in `_prisma_migrations`. */
export async function deployMigrations(options: TMigrateOptions): Promise<TDeployResult> {
  const createdDatabase = await ensureDatabase(options.databaseUrl);
  return withEngine(options, async (engine, { migrationsDir }) => {
    const migrationsList = await readMigrationsList(migrationsDir);
    const out = await engine.applyMigrations({ migrationsList, filters });
    return { createdDatabase, applied: out.appliedMigrationNames };
  });
}

export type TStatusResult = DiagnoseMigrationHistoryOutput & { migrations: string[]; upToDate: boolean };

/** `prisma migrate status`. */
export async function migrationStatus(options: TMigrateOptions): Promise<TStatusResult> {
  return withEngine(options, async (engine, { migrationsDir }) => {
    const migrationsList = await readMigrationsList(migrationsDir);
    const out = await engine.diagnoseMigrationHistory({
      migrationsList,
      filters,
      optInToShadowDatabase: false,
    });
    const upToDate =
      out.hasMigrationsTable &&
      out.history === null &&
      out.failedMigrationNames.length === 0 &&
      out.editedMigrationNames.length === 0;
    return {
      ...out,
      migrations: migrationsList.migrationDirectories.map((d) => d.path),
      upToDate: upToDate || (migrationsList.migrationDirectories.length === 0 && out.history === null),
    };
  });
}

export type TCheckResult = { drift: boolean; script: string };

/**
 * Schema drift: does schema.prisma describe anything the migrations folder does not create? Replays
 * the migrations on a shadow database and diffs the result against the schema.
 */
export async function checkSchemaDrift(options: TMigrateOptions): Promise<TCheckResult> {
  await ensureDatabase(options.databaseUrl);
  return withEngine(options, async (engine, { schemaPath, schemaContent, migrationsDir }) => {
    const migrationsList = await readMigrationsList(migrationsDir);
    const out = await engine.diff({
      from: { tag: "migrations", ...migrationsList },
      to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: schemaContent }] },
      script: true,
      exitCode: true,
      filters,
    });
    return { drift: out.exitCode === 2, script: out.stdout ?? "" };
  });
}
