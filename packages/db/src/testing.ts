import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { createPrisma, type TPrisma } from "./client";
import { defaultMigrationsDir } from "./migrate/paths";
import { applyMigrationFilesDirect, readMigrationFiles } from "./migrate/direct";
import { quoteIdent, withDatabase } from "./migrate/urls";

export type TTestDatabase = {
  url: string;
  prisma: TPrisma;
  /** Disconnects the client and drops the database. */
  drop(): Promise<void>;
};

export type TCreateTestDatabaseOptions = {
  /** Any database URL on the server to use; default AITK_TEST_DATABASE_URL, DATABASE_URL, local default. */
  baseUrl?: string;
  migrationsDir?: string;
};

const TEST_DB_PREFIX = "aitk_t_";
const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

function defaultBaseUrl(): string {
  // Test helper: reading the environment here spares every test file from doing it.
  return (
    process.env.AITK_TEST_DATABASE_URL ??
    process.env.DATABASE_URL ??
    "postgresql://postgres@127.0.0.1:5432/aitk"
  );
}

async function withAdmin<T>(baseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(baseUrl, "postgres") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const templates = new Map<string, Promise<string>>();

/**
 * One template database per distinct set of migrations (named by their hash), built once under an
 * advisory lock so parallel test processes share it. `datistemplate` marks a finished build: a
 * template half-built by a crashed process is rebuilt. Cloning a template takes ~80 ms.
 */
function ensureTemplate(baseUrl: string, migrationsDir: string): Promise<string> {
  const key = `${baseUrl}\n${migrationsDir}`;
  let pending = templates.get(key);
  if (!pending) {
    pending = buildTemplate(baseUrl, migrationsDir);
    pending.catch(() => templates.delete(key));
    templates.set(key, pending);
  }
  return pending;
}

async function buildTemplate(baseUrl: string, migrationsDir: string): Promise<string> {
  const migrations = await readMigrationFiles(migrationsDir);
  const hash = createHash("sha256");
  for (const m of migrations) hash.update(`${m.name}\n${m.checksum}\n`);
  const name = `aitk_tpl_${hash.digest("hex").slice(0, 16)}`;
  return withAdmin(baseUrl, async (admin) => {
    await admin.query("SELECT pg_advisory_lock(hashtext($1))", [name]);
    try {
      const found = await admin.query<{ datistemplate: boolean }>(
        "SELECT datistemplate FROM pg_database WHERE datname = $1",
        [name],
      );
      if (found.rows[0]?.datistemplate) return name;
      if (found.rows[0]) await admin.query(`DROP DATABASE ${quoteIdent(name)} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`);
      const client = new pg.Client({ connectionString: withDatabase(baseUrl, name) });
      await client.connect();
      try {
        await applyMigrationFilesDirect(client, migrations);
      } finally {
        await client.end();
      }
      await admin.query(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE true`);
      return name;
    } finally {
      await admin.query("SELECT pg_advisory_unlock(hashtext($1))", [name]);
    }
  });
}

let swept = false;

/** Test databases carry their creation time in the name; ones left by crashed runs are removed later. */
async function dropStaleTestDatabases(baseUrl: string): Promise<void> {
  await withAdmin(baseUrl, async (admin) => {
    const rows = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'aitk\\_t\\_%'",
    );
    for (const { datname } of rows.rows) {
      const created = Number.parseInt(datname.slice(TEST_DB_PREFIX.length).split("_")[0] ?? "", 36);
      if (Number.isFinite(created) && Date.now() - created > STALE_AFTER_MS) {
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`).catch(() => {});
      }
    }
  });
}

/** A fresh database `aitk_t_<time>_<random>` with every migration applied, and a client for it. */
export async function createTestDatabase(options: TCreateTestDatabaseOptions = {}): Promise<TTestDatabase> {
  const baseUrl = options.baseUrl ?? defaultBaseUrl();
  const template = await ensureTemplate(baseUrl, options.migrationsDir ?? defaultMigrationsDir);
  if (!swept) {
    swept = true;
    void dropStaleTestDatabases(baseUrl).catch(() => {});
  }
  const name = `${TEST_DB_PREFIX}${Date.now().toString(36)}_${randomBytes(5).toString("hex")}`;
  await withAdmin(baseUrl, (admin) =>
    admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`),
  );
  const url = withDatabase(baseUrl, name);
  const prisma = createPrisma(url, { max: 4 });
  let dropped = false;
  return {
    url,
    prisma,
    async drop() {
      if (dropped) return;
      dropped = true;
      await prisma.$disconnect().catch(() => {});
      await withAdmin(baseUrl, (admin) =>
        admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
      );
    },
  };
}
