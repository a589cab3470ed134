import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { CharAsTextClient } from "./pgClient";
import { quoteIdent, withDatabase } from "./urls";

function migrationPgConfig(url: string): pg.PoolConfig {
  // A config object (never a bare string), one connection: the engine works serially.
  return { connectionString: url, max: 2, Client: CharAsTextClient };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Driver adapter factory for the wasm schema engine. PrismaPg's own shadow database drops the database
 * while its pool still holds connections (the drop then hangs and the database is left behind), so
 * shadow databases are made here: the pool is closed first, then DROP DATABASE … WITH (FORCE).
 */
export class MigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName = "@prisma/adapter-pg";
  readonly shadowDatabases = new Set<string>();
  private readonly open = new Set<SqlDriverAdapter>();

  constructor(private readonly databaseUrl: string) {}

  async connect(): Promise<SqlDriverAdapter> {
    return this.track(await new PrismaPg(migrationPgConfig(this.databaseUrl)).connect());
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const name = `prisma_migrate_shadow_db_${randomUUID().replace(/-/g, "")}`;
    await adminQuery(this.databaseUrl, `CREATE DATABASE ${quoteIdent(name)}`);
    this.shadowDatabases.add(name);
    const adapter = await new PrismaPg(migrationPgConfig(withDatabase(this.databaseUrl, name))).connect();
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await this.dropShadow(name);
    };
    return this.track(adapter);
  }

  /** Closes pools and drops shadow databases the engine left open (it may, on errors). */
  async cleanup(): Promise<void> {
    for (const adapter of [...this.open]) await adapter.dispose().catch(() => {});
    for (const name of [...this.shadowDatabases]) await this.dropShadow(name).catch(() => {});
  }

  private track(adapter: SqlDriverAdapter): SqlDriverAdapter {
    this.open.add(adapter);
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      if (!this.open.delete(adapter)) return;
      await dispose();
    };
    return adapter;
  }

  private async dropShadow(name: string): Promise<void> {
    if (!this.shadowDatabases.has(name)) return;
    this.shadowDatabases.delete(name);
    await adminQuery(this.databaseUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  }
}
