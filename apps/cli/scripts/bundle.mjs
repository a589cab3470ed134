// Bundles the CLI into one self-contained ESM file, dist/aitk.js, for `npm pack` / `npm i -g`:
// workspace sources (@aitk/core), yaml and zod are inlined, so the installed package needs no
// dependencies and no TypeScript loader. Run by `npm run build -w aitk` and by prepack.
import { chmodSync } from "node:fs";
import { build } from "esbuild";

const here = new URL("..", import.meta.url).pathname;

await build({
  absWorkingDir: here,
  entryPoints: ["src/main.ts"],
  outfile: "dist/aitk.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: false,
  legalComments: "none",
  // Optional serializers of @cyclonedx/cyclonedx-library (XML, schema validation) load through
  // try/require; the SBOM the CLI writes is JSON, so they stay out.
  external: ["xmlbuilder2", "libxmljs2", "ajv", "ajv-formats", "ajv-formats-draft2019"],
  banner: {
    js: "import { createRequire as __aitkRequire } from 'node:module'; const require = __aitkRequire(import.meta.url);",
  },
  logLevel: "warning",
});
chmodSync(`${here}dist/aitk.js`, 0o755);
