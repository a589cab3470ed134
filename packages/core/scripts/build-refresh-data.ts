// Regenerates src/build/data/compat.json from the research data in ../shared/data (or --in DIR).
// Deterministic: same inputs → byte-identical output (no clock).
// Run: npx tsx scripts/build-refresh-data.ts [--in DIR] [--out FILE]
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const argIn = process.argv.indexOf("--in");
const inDir = resolve(
  argIn > 0 ? (process.argv[argIn + 1] as string) : join(here, "../../../../shared/data"),
);
const argOut = process.argv.indexOf("--out");
const outFile =
  argOut > 0 ? resolve(process.argv[argOut + 1] as string) : join(here, "../src/build/data/compat.json");

// biome-ignore lint/suspicious/noExplicitAny: untyped research JSON, validated by the parsers below
type J = Record<string, any>;
const load = (f: string): { json: J; sha256: string } => {
  const raw = readFileSync(join(inDir, f));
  return {
    json: JSON.parse(raw.toString("utf8")) as J,
    sha256: createHash("sha256").update(raw).digest("hex"),
  };
};
const compat = load("ai-build-compat.json");
const cog = load("cog-compat-matrix.json");
const A = compat.json;
const C = cog.json;

const fail = (msg: string): never => {
  console.error(`build-refresh-data: ${msg}`);
  process.exit(1);
};

// CUDA → drivers
const familyMin = (A.cuda_driver.family_min as J[]).map((r) => ({
  cudaMajor: r.cuda_major,
  min: String(r.linux_min),
}));
const toolkitDriver: Record<string, string> = {};
for (const r of A.cuda_driver.toolkit as J[]) toolkitDriver[r.cuda] = r.table3_min ?? r.bundled_driver;

// nvidia/cuda devel images that existed (Cog's generated list)
const cudaImages = (C.cuda_base_images as J[])
  .filter((r) => !/-rc/.test(r.Tag))
  .map((r) => ({
    tag: r.Tag as string,
    cuda: r.CUDA as string,
    cudnn: String(r.CuDNN),
    ubuntu: r.Ubuntu as string,
  }));

// torch wheels per CUDA variant
const torchWheels = (C.torch as J[]).map((r) => {
  const [version, local] = String(r.Torch).split("+");
  const variant = local ?? (r.CUDA ? `cu${String(r.CUDA).replace(".", "")}` : "cpu");
  return {
    torch: version,
    variant,
    pypiDefault: !local,
    cuda: r.CUDA ?? null,
    pythons: r.Pythons as string[],
    torchvision: String(r.Torchvision).split("+")[0],
    torchaudio: String(r.Torchaudio).split("+")[0],
    index: r.ExtraIndexURL || null,
  };
});

// PyTorch release table: stable vs experimental CUDA variants, ROCm
const torchReleases = (A.pytorch.releases as J[]).map((r) => ({
  torch: String(r.torch),
  python: String(r.python),
  cudaStable: (r.cuda_stable as string[]).map((s) => s.split(" ")[0]),
  cudaExperimental: (r.cuda_experimental as string[]).map((s) => s.split(" ")[0]),
  rocm: r.rocm ? String(r.rocm) : null,
}));
const torchRocm: Record<string, string> = { ...A.rocm.torch_stable_rocm };

// vLLM → torch. Rows are prose ranges; parse them strictly so a changed source fails loudly.
const parseVllmRange = (s: string): { min: string; max: string } => {
  let m = /^(\d+\.\d+)\.x$/.exec(s);
  if (m) return { min: `${m[1]}.0`, max: `${m[1]}.99` };
  m = /^(\d[\w.]*)-\(<=(\d[\w.]*)\)$/.exec(s);
  if (m) return { min: m[1] as string, max: `${m[2]}.99` };
  m = /^(\d[\w.]*)-(\d[\w.]*)$/.exec(s);
  if (m) return { min: m[1] as string, max: m[2] as string };
  m = /^(\d[\w.]*)$/.exec(s);
  if (m) return { min: m[1] as string, max: m[1] as string };
  return fail(`cannot parse vllm range "${s}"`);
};
const lastTorch = (s: string): string => {
  const all = s.match(/\d+\.\d+(?:\.\d+)?/g) ?? fail(`cannot parse torch "${s}"`);
  const v = all[all.length - 1] as string;
  return v.split(".").length === 2 ? `${v}.0` : v;
};
// Newest real release inside rows written as open ranges (x-ranges, "<=").
const LATEST_IN_ROW: Record<string, string> = {
  "0.3.x": "0.3.3",
  "0.11.1-(<=0.16)": "0.16.0",
  "0.19.x": "0.19.1",
};
const vllm = (A.vllm_torch.rows as J[]).map((r) => ({
  ...parseVllmRange(String(r.vllm)),
  latest: LATEST_IN_ROW[String(r.vllm)] ?? parseVllmRange(String(r.vllm)).max,
  range: String(r.vllm),
  torch: lastTorch(String(r.torch)),
  confidence: r.confidence,
  evidence: r.evidence,
}));

const tgi = (A.tgi.rows as J[]).map((r) => {
  const parts = String(r.tgi)
    .split(/\s*(?:\/|-)\s*/)
    .filter(Boolean);
  return {
    min: parts[0],
    max: parts[parts.length - 1],
    cudaDevel: r.cuda_devel,
    cudaRuntime: r.cuda_runtime,
    torch: lastTorch(String(r.torch)),
    python: String(r.python),
  };
});

const trtllm = (A.tensorrt_llm.rows as J[]).map((r) => ({
  version: String(r.trtllm),
  ngcBase: r.ngc_base,
  tensorrt: r.tensorrt ? String(r.tensorrt).split(" ")[0] : null,
  cuda: r.cuda ? String(r.cuda).split(" ")[0] : null,
  torch: r.torch ? lastTorch(String(r.torch)) : null,
}));

const gpuFloors = (A.gpu_floors.rows as J[]).map((r) => ({
  cc: String(r.sm).split(" ")[0],
  label: String(r.sm),
  minTorch: String(r.min_torch),
  minCuda: String(r.min_cuda),
}));

const out = {
  schemaVersion: 1,
  about:
    "Compatibility graph data for the Dockerfile.ai resolver, generated by packages/core/scripts/build-refresh-data.ts. Do not edit by hand.",
  provenance: {
    inputs: {
      "ai-build-compat.json": { sha256: compat.sha256, sources: A.sources },
      "cog-compat-matrix.json": { sha256: cog.sha256, source: C.source },
    },
    notes: [
      "cudaImages: nvidia/cuda *-cudnn*-devel tags verified to exist by Cog's generator; runtime/base tags are assumed to exist for the same CUDA version and Ubuntu.",
      "vllm: torch pins from vLLM PRs/issues (see evidence); the max version of a row is the newest release assumed in that row.",
      "toolkitDriver: driver bundled with each CUDA release (Table 3 minimum where it differs).",
    ],
  },
  familyMin,
  toolkitDriver,
  cudaImages,
  torchWheels,
  torchReleases,
  torchRocm,
  vllm,
  tgi,
  trtllm,
  gpuFloors,
  engineImages: A.engine_images,
  quantizationNotes: A.quantization_notes,
};
writeFileSync(outFile, `${JSON.stringify(out, null, 1)}\n`);
console.log(
  `wrote ${outFile}: ${cudaImages.length} CUDA images, ${torchWheels.length} torch wheels, ${vllm.length} vLLM rows`,
);
