// The compatibility graph the Dockerfile.ai resolver walks, flattened for browsing: engine@version →
// torch (+ CUDA wheel variant) → CUDA runtime → cuDNN / base images → driver floor, and which targets
// each engine runs on. Read-only view of the shipped data (packages/core/src/build/data/compat.json).
import { COMPAT } from "@aitk/core/build/data";
import { engineRunsOn } from "@aitk/core/build/engines";
import { LLAMA_CPP_DEFAULT } from "@aitk/core/build/resolve";
import { cmpDotted, TARGETS } from "@aitk/core/build/targets";
import { ENGINE_NAMES, type TEngineName } from "@aitk/core/build/vocabulary";
import { z } from "zod";

const ZCudaPath = z.object({
  /** CUDA major.minor of this path. */
  cuda: z.string(),
  /** PyTorch wheel variant (cu121 …) and its index, when the engine installs torch from wheels. */
  wheel: z.string().nullable(),
  index: z.string().nullable(),
  pythons: z.array(z.string()),
  /** nvidia/cuda base images of that CUDA version (devel tags verified by Cog's generator). */
  images: z.array(z.object({ tag: z.string(), cudnn: z.string(), ubuntu: z.string() })),
  cudnn: z.array(z.string()),
  /** Lowest NVIDIA driver the CUDA runtime of this path needs (bundled driver of the toolkit release). */
  driverFloor: z.string(),
});

export const ZCompatRow = z.object({
  engine: z.string(),
  /** Engine versions this row covers, as the data states them (e.g. "0.6.4-0.6.6"). */
  versions: z.string(),
  min: z.string(),
  max: z.string(),
  torch: z.string().nullable(),
  python: z.string().nullable(),
  /** Prebuilt engine base image (TensorRT-LLM NGC, TGI CUDA images), when the engine ships one. */
  baseImage: z.string().nullable(),
  tensorrt: z.string().nullable(),
  /** ROCm release PyTorch's wheels of this torch version are built for (AMD targets). */
  rocm: z.string().nullable(),
  cuda: z.array(ZCudaPath),
  confidence: z.string(),
  provenance: z.string(),
});
export type TCompatRow = z.infer<typeof ZCompatRow>;

export const ZCompatTarget = z.object({
  name: z.string(),
  label: z.string(),
  vendor: z.string(),
  platform: z.string(),
  computeCapability: z.string().nullable(),
  gfx: z.string().nullable(),
  floor: z.object({ minTorch: z.string(), minCuda: z.string(), label: z.string() }).nullable(),
  engines: z.record(
    z.string(),
    z.object({ level: z.enum(["yes", "experimental", "no"]), reason: z.string().nullable() }),
  ),
  source: z.string(),
});

export const ZCompatQuery = z.object({
  engine: z.enum(ENGINE_NAMES).optional(),
  /** An engine version: keeps the rows whose range contains it. */
  version: z
    .string()
    .trim()
    .max(40)
    .regex(/^v?\d+(\.\d+)*(\.\w+)?$|^b\d+$/, "is a version like 0.6.4")
    .optional(),
  /** CUDA major.minor (12.4) or full (12.4.1): keeps the CUDA paths of that version. */
  cuda: z
    .string()
    .trim()
    .regex(/^\d{2}\.\d{1,2}(\.\d{1,2})?$/, "is a CUDA version like 12.4")
    .optional(),
  target: z.enum(Object.keys(TARGETS) as [string, ...string[]]).optional(),
  /** Free text over versions, torch, images and evidence. */
  q: z.string().trim().max(100).optional(),
});
export type TCompatQuery = z.input<typeof ZCompatQuery>;

export const ZCompatGraph = z.object({
  schemaVersion: z.number(),
  provenance: z.unknown(),
  rows: z.array(ZCompatRow),
  targets: z.array(ZCompatTarget),
  torch: z.array(
    z.object({
      torch: z.string(),
      python: z.string(),
      cudaStable: z.array(z.string()),
      cudaExperimental: z.array(z.string()),
      rocm: z.string().nullable(),
    }),
  ),
  drivers: z.array(z.object({ cuda: z.string(), driver: z.string() })),
  counts: z.object({ rows: z.number(), total: z.number() }),
});
export type TCompatGraph = z.infer<typeof ZCompatGraph>;

const majorMinor = (v: string) => v.split(".").slice(0, 2).join(".");
const extra = COMPAT as unknown as { engineImages?: Record<string, string> };

function driverFloor(cudaMm: string): string {
  const same = Object.keys(COMPAT.toolkitDriver)
    .filter((k) => majorMinor(k) === cudaMm)
    .sort(cmpDotted);
  const first = same[0];
  if (first) return COMPAT.toolkitDriver[first] as string;
  const major = Number(cudaMm.split(".")[0]);
  return COMPAT.familyMin.find((f) => f.cudaMajor === major)?.min ?? "unknown";
}

function cudaPath(cudaVersion: string, wheel?: { variant: string; index: string | null; pythons: string[] }) {
  const mm = majorMinor(cudaVersion);
  const images = COMPAT.cudaImages
    .filter((i) => majorMinor(i.cuda) === mm)
    .map((i) => ({ tag: `nvidia/cuda:${i.tag}`, cudnn: i.cudnn, ubuntu: i.ubuntu }));
  return {
    cuda: mm,
    wheel: wheel?.variant ?? null,
    index: wheel?.index ?? null,
    pythons: wheel?.pythons ?? [],
    images,
    cudnn: [...new Set(images.map((i) => i.cudnn))],
    driverFloor: driverFloor(mm),
  };
}

/** CUDA wheels of one torch release, newest CUDA first. */
function torchCudaPaths(torch: string) {
  return COMPAT.torchWheels
    .filter((w) => w.torch === torch && w.cuda)
    .sort((a, b) => cmpDotted(b.cuda as string, a.cuda as string))
    .map((w) => cudaPath(w.cuda as string, w));
}

const AIBC = "shared ai-build-compat.json";

const rocmOf = (torch: string) => COMPAT.torchRocm[majorMinor(torch)] ?? null;

let cachedRows: TCompatRow[] | null = null;

function allRows(): TCompatRow[] {
  if (cachedRows) return cachedRows;
  const rows: TCompatRow[] = [];
  for (const v of COMPAT.vllm) {
    rows.push({
      engine: "vllm",
      versions: v.range,
      min: v.min,
      max: v.max,
      torch: v.torch,
      python: null,
      baseImage: null,
      tensorrt: null,
      rocm: rocmOf(v.torch),
      cuda: torchCudaPaths(v.torch),
      confidence: v.confidence,
      provenance: `${v.evidence} (${AIBC}); torch wheels: Cog torch_compatibility.json`,
    });
  }
  for (const t of COMPAT.tgi) {
    rows.push({
      engine: "tgi",
      versions: t.min === t.max ? t.min : `${t.min}-${t.max}`,
      min: t.min,
      max: t.max,
      torch: t.torch,
      python: t.python,
      baseImage: `nvidia/cuda:${t.cudaDevel}-devel (build) → nvidia/cuda:${t.cudaRuntime} (runtime)`,
      tensorrt: null,
      rocm: null,
      cuda: [cudaPath(t.cudaDevel)],
      confidence: "high",
      provenance: `TGI Dockerfile of ${t.min}-${t.max} (${AIBC})`,
    });
  }
  for (const t of COMPAT.trtllm) {
    rows.push({
      engine: "tensorrt-llm",
      versions: t.version,
      min: t.version,
      max: t.version,
      torch: t.torch,
      python: null,
      baseImage: t.ngcBase ? `nvcr.io/nvidia/${t.ngcBase}` : null,
      tensorrt: t.tensorrt,
      rocm: null,
      cuda: t.cuda ? [cudaPath(t.cuda)] : [],
      confidence: t.cuda && t.tensorrt ? "high" : "medium",
      provenance: `TensorRT-LLM ${t.version} release notes / NGC base (${AIBC})`,
    });
  }
  rows.push({
    engine: "llama.cpp",
    versions: LLAMA_CPP_DEFAULT,
    min: LLAMA_CPP_DEFAULT,
    max: LLAMA_CPP_DEFAULT,
    torch: null,
    python: null,
    baseImage: extra.engineImages?.["llama.cpp"] ?? null,
    tensorrt: null,
    rocm: null,
    cuda: [cudaPath("12.8")],
    confidence: "high",
    provenance: `aitk's pinned build (TGI v3.3.7 Dockerfile_llamacpp); ${extra.engineImages?.source ?? AIBC}`,
  });
  cachedRows = rows;
  return rows;
}

/** Does version `v` fall in [min, max]? Dotted numeric compare; llama.cpp builds (b4827) by number. */
function inRange(v: string, min: string, max: string): boolean {
  const norm = (s: string) => s.replace(/^v/, "").replace(/^b/, "");
  const x = norm(v);
  return cmpDotted(x, norm(min)) >= 0 && cmpDotted(x, norm(max)) <= 0;
}

function targetsView(engine?: TEngineName) {
  const floors = COMPAT.gpuFloors;
  const engines = engine ? [engine] : ENGINE_NAMES.filter((e) => e !== "custom");
  return Object.values(TARGETS).map((t) => {
    const floor = t.cc ? floors.find((f) => f.cc === t.cc) : undefined;
    return {
      name: t.name,
      label: t.label,
      vendor: t.vendor,
      platform: t.platform,
      computeCapability: t.cc ?? null,
      gfx: t.gfx ?? null,
      floor: floor ? { minTorch: floor.minTorch, minCuda: floor.minCuda, label: floor.label } : null,
      engines: Object.fromEntries(
        engines.map((e) => {
          const s = engineRunsOn(e, t);
          return [e, { level: s.level, reason: s.level === "yes" ? null : s.reason }];
        }),
      ),
      source: t.source,
    };
  });
}

export function compatGraph(input: TCompatQuery = {}): TCompatGraph {
  const q = ZCompatQuery.parse(input);
  const all = allRows();
  let rows = all;
  if (q.engine) rows = rows.filter((r) => r.engine === q.engine);
  const version = q.version;
  if (version) rows = rows.filter((r) => inRange(version, r.min, r.max));
  const cuda = q.cuda;
  if (cuda) {
    const mm = majorMinor(cuda);
    rows = rows
      .map((r) => ({ ...r, cuda: r.cuda.filter((c) => c.cuda === mm) }))
      .filter((r) => r.cuda.length > 0);
  }
  let targets = targetsView(q.engine);
  if (q.target) {
    const target = targets.find((t) => t.name === q.target);
    targets = target ? [target] : [];
    // Engines that cannot run on the target drop out; CUDA paths below the target's floor too.
    if (target) {
      rows = rows.filter((r) => (target.engines[r.engine]?.level ?? "no") !== "no");
      const floor = target.floor;
      if (floor)
        rows = rows
          .map((r) => ({ ...r, cuda: r.cuda.filter((c) => cmpDotted(c.cuda, floor.minCuda) >= 0) }))
          .filter((r) => r.cuda.length > 0 || r.torch === null);
      if (target.vendor !== "nvidia" && target.vendor !== "nvidia-jetson")
        rows = rows.map((r) => ({ ...r, cuda: [] }));
    }
  }
  const text = q.q?.toLowerCase();
  if (text) rows = rows.filter((r) => JSON.stringify(r).toLowerCase().includes(text));
  return {
    schemaVersion: COMPAT.schemaVersion,
    provenance: COMPAT.provenance,
    rows,
    targets,
    torch: COMPAT.torchReleases.map((t) => ({ ...t, rocm: t.rocm ?? null })),
    drivers: Object.entries(COMPAT.toolkitDriver)
      .sort(([a], [b]) => cmpDotted(a, b))
      .map(([c, driver]) => ({ cuda: c, driver })),
    counts: { rows: rows.length, total: all.length },
  };
}
