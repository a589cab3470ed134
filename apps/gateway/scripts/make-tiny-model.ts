// Writes the generated tiny Llama GGUF to a file.
// Usage: tsx apps/gateway/scripts/make-tiny-model.ts [out.gguf] [--seed N] [--layers N] [--hidden N] [--heads N]
//          [--heads-kv N] [--ffn N] [--context N] [--f32]
// The default output is .aitk/models/aitk-tiny.gguf under the repository root (where the engine looks).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { generateTinyLlamaGguf, type TTinyLlamaOptions, validateGgufHeader } from "@aitk/core/gguf/index";
import { DEFAULT_MODEL_PATH, repoRoot } from "../src/engine/env";

const args = process.argv.slice(2);
const opts: TTinyLlamaOptions = {};
let out = DEFAULT_MODEL_PATH;
const numeric: Record<string, keyof TTinyLlamaOptions> = {
  "--seed": "seed",
  "--layers": "layers",
  "--hidden": "hidden",
  "--heads": "heads",
  "--heads-kv": "headsKv",
  "--ffn": "ffn",
  "--context": "contextLength",
};
for (let i = 0; i < args.length; i++) {
  const a = args[i] as string;
  const field = numeric[a];
  if (field) {
    const v = Number(args[++i]);
    if (!Number.isInteger(v)) {
      console.error(`${a} needs an integer`);
      process.exit(2);
    }
    (opts as Record<string, number>)[field] = v;
  } else if (a === "--f32") opts.f16 = false;
  else if (a.startsWith("--")) {
    console.error(`unknown option ${a}`);
    process.exit(2);
  } else out = a;
}
try {
  const t0 = performance.now();
  const bytes = generateTinyLlamaGguf(opts);
  const summary = validateGgufHeader(bytes, { fileSize: bytes.length });
  const path = resolve(repoRoot(), out);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  console.log(
    `wrote ${path}: ${bytes.length} bytes, ${summary.blockCount} layers, hidden ${summary.embeddingLength}, vocab ${summary.vocabSize} (${Math.round(performance.now() - t0)} ms)`,
  );
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
