import { engineCompatibility, targetCompatibility } from "@aitk/core/build/compat";
import { COMPAT } from "@aitk/core/build/data";
import { parseDockerfileAiOrThrow } from "@aitk/core/build/parse";
import { comparePep440 } from "@aitk/core/build/pep440";
import { resolveDockerfileAi } from "@aitk/core/build/resolve";
import { cmpDotted } from "@aitk/core/build/targets";
import type { TCommand } from "../command";

// Imported (not read from disk) so the esbuild bundle in dist/ carries it.
import pkg from "../../package.json";

/** What `ENGINE vllm` + `TARGET nvidia-h100` resolves to today: the build defaults. */
function defaults() {
  const r = resolveDockerfileAi(
    parseDockerfileAiOrThrow(
      "FROM ai-base:2026\nMODEL meta-llama/Llama-3.2-1B-instruct\nENGINE vllm\nTARGET nvidia-h100\n",
    ),
  );
  return {
    engine: { name: r.engine.name, version: r.engine.version },
    cuda: r.accelerator.kind === "cuda" ? r.accelerator.version : null,
    torch: r.torch?.version ?? null,
    python: r.python?.version ?? null,
    target: r.target.name,
  };
}

/**
 * Compatible combinations in the shipped compatibility data: engine release line × CUDA wheel variant ×
 * Python × GPU target the engine runs on whose architecture that torch/CUDA has kernels for (+ ROCm
 * lines × AMD targets). Counted, not quoted.
 */
export function countCombinations(): number {
  const targets = targetCompatibility();
  let n = 0;
  for (const row of engineCompatibility()) {
    for (const t of targets) {
      if (!t.engines.some((e) => e.engine === row.engine && e.runs)) continue;
      if (t.target.vendor === "nvidia") {
        const floor = COMPAT.gpuFloors.find((f) => f.cc === t.target.cc);
        for (const v of row.variants) {
          if (floor && cmpDotted(v.cuda, floor.minCuda) < 0) continue;
          if (floor && row.torch && comparePep440(row.torch, floor.minTorch) < 0) continue;
          n += Math.max(1, v.pythons.length);
        }
      } else if (t.target.vendor === "amd" && row.rocm) n += 1;
    }
  }
  return n;
}

const command: TCommand = {
  name: "version",
  summary: "Print the aitk version, build defaults and the size of the compatibility data",
  help: `Usage: aitk version [--json]

Prints the version, the engine and CUDA a default Dockerfile.ai (ENGINE vllm, TARGET nvidia-h100)
resolves to, and how many engine × CUDA × Python × GPU combinations the shipped compatibility data holds.

Example:
  aitk version
  # Docker AI Toolkit ${pkg.version}
  # Engine: vllm …
  # CUDA: …
  # Dependencies: … compatible combinations`,
  async run(argv) {
    const d = defaults();
    const combinations = countCombinations();
    if (argv.includes("--json")) {
      console.log(
        JSON.stringify({
          version: pkg.version,
          defaults: d,
          compatibility: { schemaVersion: COMPAT.schemaVersion, combinations },
        }),
      );
    } else {
      console.log(`Docker AI Toolkit ${pkg.version}`);
      console.log(`Engine: ${d.engine.name} ${d.engine.version ?? ""}`.trimEnd());
      console.log(`CUDA: ${d.cuda ?? "-"}${d.torch ? ` (torch ${d.torch})` : ""}`);
      console.log(`Dependencies: ${combinations.toLocaleString("en-US")} compatible combinations`);
    }
    return 0;
  },
};
export default command;
