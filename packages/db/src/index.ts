// @aitk/db: everything safe to import from any server code, Next.js included.
// Not here on purpose: `@aitk/db/testing` (test databases) and `@aitk/db/migrate/commands` (the wasm
// schema engine, for scripts and the CLI; it should not be pulled into web bundles).
export * from "./audit";
export * from "./client";
// PrismaClient, the Prisma namespace, every model type (User, Organization, …) and every enum.
export * from "./generated/prisma/client";
export * from "./redis";
export * from "./seed";
