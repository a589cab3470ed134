// Runs `prisma generate` offline. The CLI insists on locating a native schema engine binary before it
// generates, even though generation never uses it; without internet that download fails. Pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any existing file satisfies the check (migrations use the wasm engine,
// see src/migrate).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");
const require = createRequire(import.meta.url);

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
const current = env.PRISMA_SCHEMA_ENGINE_BINARY;
if (!current || !existsSync(current)) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;

const cli = require.resolve("prisma/build/index.js");
const result = spawnSync(
  process.execPath,
  [cli, "generate", "--schema", path.join(repoRoot, "prisma/schema.prisma"), ...process.argv.slice(2)],
  { cwd: repoRoot, env, stdio: "inherit" },
);
if (result.error) {
  console.error(`prisma generate could not start: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
