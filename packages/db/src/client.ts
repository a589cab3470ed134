import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";

export type TPrisma = PrismaClient;

export type TCreatePrismaOptions = {
  /** Connections this client may open (pg pool size). */
  max?: number;
  log?: ("query" | "info" | "warn" | "error")[];
};

/**
 * Prisma 7 talks to Postgres through the pg driver adapter (no native query engine). The adapter gets a
 * pool config object: handing it a bare string would make it ignore any other pool settings.
 */
export function createPrisma(databaseUrl: string, options: TCreatePrismaOptions = {}): TPrisma {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.max ?? 10 });
  return new PrismaClient({ adapter, log: options.log ?? ["warn", "error"] });
}
