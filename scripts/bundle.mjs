// Bundles one app entry point into a single ESM file for production (`npm run build`).
// Native and heavy runtime packages stay external and load from node_modules.
import { build } from "esbuild";

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error("usage: node scripts/bundle.mjs <entry.ts> <out.js>");
  process.exit(2);
}
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  packages: "external",
  // Workspace packages are TypeScript sources: bundle them in rather than leave them external.
  alias: {},
  plugins: [
    {
      name: "bundle-workspace",
      setup(b) {
        b.onResolve({ filter: /^@aitk\// }, () => undefined);
      },
    },
  ],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: "warning",
});
