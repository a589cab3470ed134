import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { INIT_PLATFORMS, scaffoldProject, type TInitPlatform } from "@aitk/core/build/scaffold";
import {
  ENGINE_NAMES,
  QUANTIZE_VALUES,
  TARGET_NAMES,
  type TEngineName,
  type TQuantize,
  type TTargetName,
} from "@aitk/core/build/vocabulary";
import { flagChoice, parseFlags, requireFlag } from "../args";
import type { TCommand } from "../command";
import { UsageError } from "../errors";

const HELP = `Usage: aitk init --model ORG/NAME [--quantize Q] [--platform P] [--target T] [--engine E]
                 [--dir DIR] [--force] [--json]

Scaffolds an aitk project: Dockerfile.ai, aitk-deploy.yaml (aitk/v1 AIDeployment), config.json and
tests/smoke.sh. Existing files are never overwritten unless --force is given.

  --quantize  ${QUANTIZE_VALUES.join(", ")} (default none)
  --platform  ${INIT_PLATFORMS.join(", ")} (default local)
  --target    ${TARGET_NAMES.join(", ")} (default cpu)
  --engine    ${ENGINE_NAMES.filter((e) => e !== "mlx").join(", ")} (default: chosen from target and quantization)

Example:
  aitk init --model meta-llama/Llama-3.2-1B-instruct --quantize q4_k_m --platform local`;

const FLAGS = {
  model: { type: "string", short: "m" },
  quantize: { type: "string", short: "q" },
  platform: { type: "string", short: "p" },
  target: { type: "string" },
  engine: { type: "string" },
  dir: { type: "string", short: "C" },
  force: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
} as const;

const command: TCommand = {
  name: "init",
  summary: "Scaffold Dockerfile.ai, aitk-deploy.yaml, config.json and tests/",
  help: HELP,
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS);
    const model = requireFlag(values.model, "model", "--model meta-llama/Llama-3.2-1B-instruct");
    const files = scaffoldProject({
      model,
      quantize: flagChoice<TQuantize>(values.quantize, QUANTIZE_VALUES, "quantize"),
      platform: flagChoice<TInitPlatform>(values.platform, INIT_PLATFORMS, "platform"),
      target: flagChoice<TTargetName>(values.target, TARGET_NAMES, "target"),
      engine: flagChoice<TEngineName>(values.engine, ENGINE_NAMES, "engine"),
    });
    const dir = resolve(values.dir ?? ".");
    const paths = Object.keys(files).sort();
    const existing = paths.filter((p) => existsSync(join(dir, p)));
    if (existing.length && !values.force) {
      throw new UsageError(
        `refusing to overwrite ${existing.join(", ")} in ${dir} (use --force to replace them)`,
      );
    }
    for (const p of paths) {
      const full = join(dir, p);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, files[p] as string);
      if (p.endsWith(".sh")) chmodSync(full, 0o755);
    }
    if (values.json) {
      console.log(JSON.stringify({ ok: true, dir, files: paths, overwritten: existing }));
    } else {
      console.log(`Initialized ${model} in ${dir}:`);
      for (const p of paths) console.log(`  ${p}${existing.includes(p) ? " (overwritten)" : ""}`);
      console.log("Next: aitk build -f Dockerfile.ai --dry-run");
    }
    return 0;
  },
};
export default command;
