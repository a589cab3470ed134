import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

export const defaultSchemaPath = path.join(repoRoot, "prisma/schema.prisma");
export const defaultMigrationsDir = path.join(repoRoot, "prisma/migrations");
