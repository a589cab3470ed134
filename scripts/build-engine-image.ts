// Builds the embedded engine image `aitk/engine:<version>-<hash>` (also tagged `aitk/engine:local`) on the
// local Docker engine from local files only; reuses the image when its content hash is unchanged.
// Usage: npx tsx scripts/build-engine-image.ts [--quiet]   (bundles the engine from source first)
import { resolve } from "node:path";
import Docker from "dockerode";
import { ensureEngineImage } from "../apps/worker/src/deploy/engineImage";

const quiet = process.argv.includes("--quiet");
const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? "/var/run/docker.sock" });
const root = resolve(import.meta.dirname, "..");
try {
  const r = await ensureEngineImage(docker, root, { log: quiet ? undefined : (l) => console.error(l) });
  console.log(JSON.stringify(r));
} catch (e) {
  console.error(`build-engine-image: ${(e as Error).message}`);
  process.exit(1);
}
