// npm run migrate -w @aitk/db -- create <name> | deploy | status | check
// Air-gapped `prisma migrate`: the wasm schema engine over @prisma/adapter-pg (see ./engine.ts).
import {
  checkSchemaDrift,
  createMigration,
  defaultMigrationsDir,
  deployMigrations,
  migrationStatus,
} from "./commands";
import { redactUrl } from "./urls";

const USAGE = "usage: migrate create <name> | deploy | status | check   (DATABASE_URL names the database)";

function errorMessage(err: unknown): string {
  if (err && typeof err === "object") {
    const e = err as { message?: string; code?: string; errorCode?: string; meta?: unknown };
    const code = e.errorCode ?? e.code;
    return `${code ? `${code}: ` : ""}${e.message ?? String(err)}`;
  }
  return String(err);
}

function checkDatabaseUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL (expected postgresql://user@host:5432/database)";
  }
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") {
    return `must start with postgresql:// (got ${url.protocol}//)`;
  }
  if (url.pathname.length <= 1) return `names no database: ${redactUrl(value)}`;
  return null;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const databaseUrl = process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/aitk";
  const urlProblem = checkDatabaseUrl(databaseUrl);
  if (urlProblem) {
    console.error(`DATABASE_URL ${urlProblem}`);
    return 2;
  }
  const log = process.env.AITK_MIGRATE_DEBUG ? (line: string) => console.error(line) : undefined;
  const options = { databaseUrl, log };
  switch (command) {
    case "create": {
      const name = rest[0];
      if (!name) {
        console.error(`migrate create needs a name\n${USAGE}`);
        return 2;
      }
      const out = await createMigration({ ...options, name });
      if (out.name === null) console.log("No schema changes: no migration created.");
      else console.log(`Created ${out.file}`);
      return 0;
    }
    case "deploy": {
      const out = await deployMigrations(options);
      if (out.createdDatabase) console.log(`Created database ${redactUrl(databaseUrl)}`);
      if (out.applied.length === 0) console.log("No pending migrations.");
      for (const name of out.applied) console.log(`Applied ${name}`);
      return 0;
    }
    case "status": {
      const out = await migrationStatus(options);
      console.log(`${out.migrations.length} migration(s) in ${defaultMigrationsDir}`);
      const h = out.history;
      if (h?.diagnostic === "databaseIsBehind")
        console.log(`Not applied: ${h.unappliedMigrationNames.join(", ")}`);
      if (h?.diagnostic === "migrationsDirectoryIsBehind")
        console.log(`In the database but not in the folder: ${h.unpersistedMigrationNames.join(", ")}`);
      if (h?.diagnostic === "historiesDiverge")
        console.log(
          `Histories diverge after ${h.lastCommonMigrationName ?? "(none)"}: not applied ${h.unappliedMigrationNames.join(", ")}; unknown ${h.unpersistedMigrationNames.join(", ")}`,
        );
      if (out.failedMigrationNames.length) console.log(`Failed: ${out.failedMigrationNames.join(", ")}`);
      if (out.editedMigrationNames.length)
        console.log(`Edited after apply: ${out.editedMigrationNames.join(", ")}`);
      if (!out.hasMigrationsTable && out.migrations.length) console.log("No _prisma_migrations table yet.");
      console.log(out.upToDate ? "Database schema is up to date." : "Database schema is NOT up to date.");
      return out.upToDate ? 0 : 1;
    }
    case "check": {
      const out = await checkSchemaDrift(options);
      if (!out.drift) {
        console.log("No drift: prisma/migrations matches prisma/schema.prisma.");
        return 0;
      }
      console.error("Drift: prisma/schema.prisma has changes that no migration makes:\n");
      console.error(out.script);
      console.error("Run: npm run migrate -w @aitk/db -- create <name>");
      return 1;
    }
    default:
      console.error(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  // The engine leaves a timer behind (advisory lock timeout): exit explicitly.
  (code) => process.exit(code),
  (err) => {
    console.error(`migrate failed: ${errorMessage(err)}`);
    process.exit(1);
  },
);
