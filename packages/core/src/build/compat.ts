// The compatibility graph as browsable rows (for the dashboard's Compatibility page and `--json` tools):
// engine version → torch pin → CUDA variants → base images → driver floors, and target → engines.
import { COMPAT } from "./data";
import { engineRunsOn } from "./engines";
import { cmpDotted, TARGETS, type TTarget } from "./targets";
import { ENGINE_NAMES, type TEngineName } from "./vocabulary";

export interface TCompatVariant {
  variant: string;
  cuda: string;
  pythons: string[];
  buildImage: string | null;
  runtimeImage: string | null;
  driverMinimum: string | null;
  driverRecommended: string | null;
}

export interface TEngineCompatRow {
  engine: TEngineName;
  versions: string;
  latest: string;
  torch: string | null;
  confidence: string;
  evidence: string;
  variants: TCompatVariant[];
  rocm: string | null;
}

export interface TTargetCompatRow {
  target: TTarget;
  engines: { engine: TEngineName; runs: boolean; reason: string | null }[];
}

const mm = (v: string) => v.split(".").slice(0, 2).join(".");

function imagesFor(cuda: string) {
  const rows = COMPAT.cudaImages
    .filter((r) => mm(r.cuda) === mm(cuda))
    .sort((a, b) => cmpDotted(b.cuda, a.cuda) || cmpDotted(b.ubuntu, a.ubuntu));
  return rows[0] ?? null;
}

function variantsOf(torch: string): TCompatVariant[] {
  return COMPAT.torchWheels
    .filter((w) => w.torch === torch && w.cuda && !w.pypiDefault)
    .sort((a, b) => cmpDotted(a.cuda as string, b.cuda as string))
    .map((w) => {
      const img = imagesFor(w.cuda as string);
      const family = COMPAT.familyMin.find((f) => f.cudaMajor === Number((w.cuda as string).split(".")[0]));
      return {
        variant: w.variant,
        cuda: w.cuda as string,
        pythons: w.pythons,
        buildImage: img ? `nvidia/cuda:${img.tag}` : null,
        runtimeImage: img ? `nvidia/cuda:${img.cuda}-base-ubuntu${img.ubuntu}` : null,
        driverMinimum: family?.min ?? null,
        driverRecommended: img ? (COMPAT.toolkitDriver[img.cuda] ?? null) : null,
      };
    });
}

export function engineCompatibility(): TEngineCompatRow[] {
  const rows: TEngineCompatRow[] = COMPAT.vllm.map((r) => ({
    engine: "vllm",
    versions: r.range,
    latest: r.latest,
    torch: r.torch,
    confidence: r.confidence,
    evidence: r.evidence,
    variants: variantsOf(r.torch),
    rocm: COMPAT.torchRocm[mm(r.torch)] ?? null,
  }));
  for (const r of COMPAT.tgi) {
    rows.push({
      engine: "tgi",
      versions: r.min === r.max ? r.min : `${r.min}-${r.max}`,
      latest: r.max,
      torch: r.torch,
      confidence: "high",
      evidence: "huggingface/text-generation-inference Dockerfile at the release tags",
      variants: [
        {
          variant: `cu${r.cudaDevel.split(".").slice(0, 2).join("")}`,
          cuda: r.cudaDevel,
          pythons: [r.python],
          buildImage: null,
          runtimeImage: `ghcr.io/huggingface/text-generation-inference:${r.max}`,
          driverMinimum:
            COMPAT.familyMin.find((f) => f.cudaMajor === Number(r.cudaDevel.split(".")[0]))?.min ?? null,
          driverRecommended: COMPAT.toolkitDriver[r.cudaDevel] ?? null,
        },
      ],
      rocm: null,
    });
  }
  for (const r of COMPAT.trtllm) {
    rows.push({
      engine: "tensorrt-llm",
      versions: r.version,
      latest: r.version,
      torch: r.torch,
      confidence: r.cuda ? "high" : "partial",
      evidence: "NVIDIA/TensorRT-LLM release notes",
      variants: r.cuda
        ? [
            {
              variant: "ngc",
              cuda: r.cuda,
              pythons: [],
              buildImage: null,
              runtimeImage: r.ngcBase ? `nvcr.io/nvidia/${r.ngcBase}` : null,
              driverMinimum:
                COMPAT.familyMin.find((f) => f.cudaMajor === Number((r.cuda as string).split(".")[0]))?.min ??
                null,
              driverRecommended: null,
            },
          ]
        : [],
      rocm: null,
    });
  }
  return rows;
}

export function targetCompatibility(): TTargetCompatRow[] {
  return Object.values(TARGETS).map((target) => ({
    target,
    engines: ENGINE_NAMES.map((engine) => {
      const s = engineRunsOn(engine, target);
      return { engine, runs: s.level === "yes", reason: s.level === "yes" ? null : s.reason };
    }),
  }));
}

export function compatibilitySummary() {
  return {
    schemaVersion: COMPAT.schemaVersion,
    provenance: COMPAT.provenance,
    cudaImages: COMPAT.cudaImages.length,
    torchWheels: COMPAT.torchWheels.length,
    engines: engineCompatibility(),
    targets: targetCompatibility(),
    drivers: { family: COMPAT.familyMin, toolkit: COMPAT.toolkitDriver },
  };
}
