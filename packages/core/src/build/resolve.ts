import { DomainError } from "../errors";
import type { TDockerfileAi, TModelRef, TPos } from "./ast";
import { COMPAT, type TTorchWheel } from "./data";
import { defaultEngine, engineRunsOn, formatOf, quantSupport, type TWeightFormat } from "./engines";
import { comparePep440 } from "./pep440";
import { cmpDotted, TARGETS, type TTarget } from "./targets";
import { ENGINE_NAMES, type TEngineName, type TOptimize, type TQuantize } from "./vocabulary";

export interface TResolveOptions {
  /** `--cuda 12.4`: CUDA major.minor (or full x.y.z) the torch wheels / base image must use. */
  cuda?: string;
  /** `--quantize`: overrides QUANTIZE. */
  quantize?: TQuantize;
  optimize?: TOptimize;
  /** Accept engine/format pairs the data marks experimental (vLLM + GGUF). */
  allowExperimental?: boolean;
}

export interface TDecision {
  topic: string;
  choice: string;
  why: string;
}

export interface TRequirement {
  name: string;
  version: string;
  why: string;
}

export interface TClash {
  /** What the user asked for, e.g. `--cuda 11.8` or `ENGINE vllm`. */
  constraint: string;
  /** What it collides with. */
  reason: string;
  position?: TPos;
}

export type TBuildKind = "pip" | "pip-rocm" | "llama.cpp" | "engine-image" | "none";

export interface TResolution {
  schema: "aitk.resolution/v1";
  target: TTarget;
  engine: { name: TEngineName; version: string | null; why: string };
  quantize: { value: TQuantize; format: TWeightFormat; why: string };
  model: TModelRef & { pathInImage: string };
  accelerator: {
    kind: "cuda" | "rocm" | "jetpack" | "cpu";
    version: string | null;
    cudnn: string | null;
    why: string;
  };
  torch: { version: string; variant: string; index: string | null; why: string } | null;
  python: { version: string; why: string } | null;
  images: { build: string | null; runtime: string; verified: boolean; why: string };
  driver: { minimum: string; recommended: string; why: string } | null;
  buildKind: TBuildKind;
  /** CMake/compile flags for engines built from source. */
  compile: Record<string, string>;
  requirements: TRequirement[];
  extraIndexUrls: string[];
  osPackages: { build: string[]; runtime: string[] };
  serve: { command: string[]; port: number; healthcheck: string[]; env: Record<string, string> };
  observability: { backends: string[]; env: Record<string, string> };
  optimize: TOptimize;
  autoReq: boolean;
  localBase: boolean;
  decisions: TDecision[];
  warnings: string[];
}

class Clash extends Error {
  constructor(readonly clashes: TClash[]) {
    super(clashes.map((c) => `${c.constraint}: ${c.reason}`).join("; "));
  }
}

// Versions of helper packages aitk pins; real PyPI releases.
export const HELPER_PINS = {
  "huggingface-hub": "0.26.2",
  "opentelemetry-sdk": "1.27.0",
  "opentelemetry-api": "1.27.0",
  "opentelemetry-exporter-otlp": "1.27.0",
  "onnxruntime-gpu": "1.24.4",
  onnxruntime: "1.24.4",
} as const;
export const LLAMA_CPP_DEFAULT = "b4827"; // TGI v3.3.7 Dockerfile_llamacpp pin (shared/data ai-build-compat.json)
const ROCM_VERIFIED: Record<string, string> = { "6.3": "rocm/dev-ubuntu-22.04:6.3.1-complete" };
const UBUNTU_PYTHON: Record<string, string> = { "20.04": "3.8", "22.04": "3.10", "24.04": "3.12" };
const PORT = 8080;

interface TCtx {
  doc: TDockerfileAi;
  opts: TResolveOptions;
  target: TTarget;
  quant: TQuantize;
  engine: TEngineName;
  optimize: TOptimize;
  decisions: TDecision[];
  warnings: string[];
  pos: (d: keyof TDockerfileAi["positions"]) => TPos | undefined;
}

const majorMinor = (v: string) => v.split(".").slice(0, 2).join(".");
const cudaMajor = (v: string) => Number(v.split(".")[0]);

function familyMin(cuda: string): string {
  return COMPAT.familyMin.find((f) => f.cudaMajor === cudaMajor(cuda))?.min ?? "0";
}

function toolkitDriverFor(cudaFull: string): string {
  const exact = COMPAT.toolkitDriver[cudaFull];
  if (exact) return exact;
  const same = Object.keys(COMPAT.toolkitDriver)
    .filter((k) => majorMinor(k) === majorMinor(cudaFull))
    .sort(cmpDotted);
  return same.length ? (COMPAT.toolkitDriver[same[0] as string] as string) : familyMin(cudaFull);
}

/** Floors for the target's compute capability (torch and CUDA that ship its kernels). */
function ccFloor(t: TTarget) {
  return t.cc ? COMPAT.gpuFloors.find((f) => f.cc === t.cc) : undefined;
}

function driverFor(ctx: TCtx, cudaFull: string): TResolution["driver"] {
  let minimum = familyMin(cudaFull);
  let why = `CUDA ${cudaMajor(cudaFull)}.x minor-version compatibility needs driver ≥ ${minimum}`;
  if (ctx.target.cc && cmpDotted(ctx.target.cc, "10.0") >= 0) {
    minimum = "570.26";
    why = `Blackwell (sm_${ctx.target.cc.replace(".", "")}) needs driver ≥ 570.26 with CUDA ≥ 12.8`;
  }
  const recommended = toolkitDriverFor(cudaFull);
  const declared = ctx.doc.target?.driver;
  if (declared) {
    if (cmpDotted(declared, minimum) < 0) {
      throw new Clash([
        {
          constraint: `TARGET driver=${declared}`,
          reason: `CUDA ${cudaFull} needs driver ≥ ${minimum} (${why}); upgrade the host driver or pin an older CUDA with --cuda`,
          position: ctx.pos("TARGET"),
        },
      ]);
    }
    if (cmpDotted(declared, recommended) < 0) {
      ctx.warnings.push(
        `host driver ${declared} is below CUDA ${cudaFull}'s toolkit driver ${recommended}: it runs through minor-version compatibility, but PTX JIT and some features fail`,
      );
    }
  }
  return {
    minimum,
    recommended,
    why: `${why}; CUDA ${cudaFull} ships with driver ${recommended} (recommended)`,
  };
}

/** Pick an nvidia/cuda image for CUDA major.minor, preferring Ubuntu whose Python the wheels support. */
function cudaImage(cuda: string, pythons: string[] | null, preferUbuntu: string[] = ["24.04", "22.04"]) {
  const rows = COMPAT.cudaImages.filter((r) => majorMinor(r.cuda) === majorMinor(cuda));
  for (const ub of preferUbuntu) {
    const py = UBUNTU_PYTHON[ub] as string;
    if (pythons && !pythons.includes(py)) continue;
    const best = rows.filter((r) => r.ubuntu === ub).sort((a, b) => cmpDotted(b.cuda, a.cuda))[0];
    if (best) return { ...best, python: py };
  }
  return undefined;
}

function cudaPinMatches(pin: string | undefined, cuda: string): boolean {
  if (!pin) return true;
  return pin.split(".").length >= 3
    ? pin === cuda || majorMinor(pin) === majorMinor(cuda)
    : majorMinor(pin) === majorMinor(cuda);
}

function wheelOrder(ctx: TCtx, torchVersion: string) {
  const rel = COMPAT.torchReleases.find((r) => r.torch === majorMinor(torchVersion));
  return (a: TTorchWheel, b: TTorchWheel) => {
    const ca = a.cuda ?? "0";
    const cb = b.cuda ?? "0";
    if (ctx.optimize === "for-size") return cmpDotted(ca, cb);
    if (ctx.optimize === "for-speed") return cmpDotted(cb, ca);
    const sa = rel?.cudaStable.includes(majorMinor(ca)) ? 1 : 0;
    const sb = rel?.cudaStable.includes(majorMinor(cb)) ? 1 : 0;
    return sb - sa || cmpDotted(cb, ca);
  };
}

function optimizeWhy(o: TOptimize): string {
  return o === "for-speed"
    ? "--optimize for-speed prefers the newest CUDA variant (newest kernels)"
    : o === "for-size"
      ? "--optimize for-size prefers the oldest CUDA variant that still covers the target (smallest wheels)"
      : "balanced: newest CUDA variant PyTorch lists as stable for that release";
}

interface TTorchPick {
  wheel: TTorchWheel;
  image: { tag: string; cuda: string; cudnn: string; ubuntu: string; python: string };
}

/** Walk the torch wheels of `torchVersion` and keep those every constraint accepts; reasons for the rest. */
function pickTorchCuda(
  ctx: TCtx,
  torchVersion: string,
  label: string,
): { pick?: TTorchPick; reasons: string[] } {
  const reasons: string[] = [];
  const wheels = COMPAT.torchWheels.filter((w) => w.torch === torchVersion && w.cuda && !w.pypiDefault);
  if (!wheels.length)
    return {
      reasons: [`${label} needs torch ${torchVersion}, for which the shipped matrix has no CUDA wheels`],
    };
  const floor = ccFloor(ctx.target);
  const ok: TTorchPick[] = [];
  for (const w of wheels.sort(wheelOrder(ctx, torchVersion))) {
    const cuda = w.cuda as string;
    if (!cudaPinMatches(ctx.opts.cuda, cuda)) continue;
    if (floor && (comparePep440(torchVersion, floor.minTorch) < 0 || cmpDotted(cuda, floor.minCuda) < 0)) {
      reasons.push(
        `torch ${torchVersion}+${w.variant} has no kernels for ${floor.label} (needs torch ≥ ${floor.minTorch}, CUDA ≥ ${floor.minCuda})`,
      );
      continue;
    }
    const image = cudaImage(cuda, w.pythons);
    if (!image) {
      reasons.push(
        `no verified nvidia/cuda ${cuda} image has a Python that torch ${torchVersion}+${w.variant} supports (${w.pythons.join(", ")})`,
      );
      continue;
    }
    const declared = ctx.doc.target?.driver;
    if (declared && cmpDotted(declared, familyMin(image.cuda)) < 0) {
      reasons.push(`CUDA ${image.cuda} needs driver ≥ ${familyMin(image.cuda)}, host has ${declared}`);
      continue;
    }
    ok.push({ wheel: w, image });
  }
  if (ctx.opts.cuda && !wheels.some((w) => cudaPinMatches(ctx.opts.cuda, w.cuda as string))) {
    reasons.push(
      `--cuda ${ctx.opts.cuda}: torch ${torchVersion} (required by ${label}) has wheels only for CUDA ${wheels.map((w) => w.cuda).join(", ")}`,
    );
  }
  return ok[0] ? { pick: ok[0], reasons } : { reasons };
}

function hfModelPath(ctx: TCtx): string {
  const m = ctx.doc.model as TModelRef;
  if (formatOf(ctx.quant) === "gguf") {
    const file = m.file ?? `${m.name}-${ctx.quant}.gguf`;
    return `/models/${file}`;
  }
  return `/models/${m.name}`;
}

function observability(ctx: TCtx) {
  const backends = ctx.doc.observability;
  const env: Record<string, string> = {};
  const packages: TRequirement[] = [];
  if (backends.includes("otel")) {
    env.OTEL_SERVICE_NAME =
      ctx.doc.observabilityOptions.service ??
      ctx.doc.model?.servedName ??
      ctx.doc.model?.name ??
      "aitk-model";
    env.OTEL_EXPORTER_OTLP_ENDPOINT = ctx.doc.observabilityOptions.endpoint ?? "http://otel-collector:4317";
    if (["vllm", "tensorrt-llm", "onnxruntime"].includes(ctx.engine)) {
      for (const p of ["opentelemetry-api", "opentelemetry-sdk", "opentelemetry-exporter-otlp"] as const) {
        packages.push({
          name: p,
          version: HELPER_PINS[p],
          why: "OBSERVABILITY otel: OTLP trace export from the engine",
        });
      }
    } else if (ctx.engine !== "custom" && ctx.engine !== "tgi") {
      ctx.warnings.push(
        `${ctx.engine} has no OpenTelemetry tracing; OTEL_* env is set for sidecars, metrics come from /metrics`,
      );
    }
  }
  return { backends, env, packages };
}

function nvidiaTarget(t: TTarget) {
  return t.vendor === "nvidia";
}

function planVllm(ctx: TCtx): Partial<TResolution> {
  const pin = ctx.doc.engine?.version;
  const rows = [...COMPAT.vllm]
    .filter((r) => !pin || (comparePep440(pin, r.min) >= 0 && comparePep440(pin, r.max) <= 0))
    // Unpinned, a low-confidence torch pin is only a last resort: a wrong pin breaks vLLM's kernels.
    .sort(
      (a, b) =>
        (pin ? 0 : Number(a.confidence === "low") - Number(b.confidence === "low")) ||
        comparePep440(b.latest, a.latest),
    );
  if (!rows.length) {
    throw new Clash([
      {
        constraint: `ENGINE vllm@${pin}`,
        reason: `no torch pin is known for vLLM ${pin}; known ranges: ${COMPAT.vllm.map((r) => r.range).join(", ")}`,
        position: ctx.pos("ENGINE"),
      },
    ]);
  }
  if (ctx.target.vendor === "amd") return planVllmRocm(ctx, rows, pin);
  const reasons: string[] = [];
  for (const row of rows) {
    const version = pin ?? row.latest;
    const { pick, reasons: rs } = pickTorchCuda(ctx, row.torch, `vLLM ${version}`);
    reasons.push(...rs);
    if (!pick) continue;
    if (row.confidence === "low")
      ctx.warnings.push(`vLLM ${version} → torch ${row.torch} pin has low confidence (${row.evidence})`);
    const { wheel, image } = pick;
    const index = (wheel.index ?? "").replace(/\/$/, "");
    return {
      engine: {
        name: "vllm",
        version,
        why: pin
          ? `pinned in Dockerfile.ai`
          : `newest vLLM with a medium/high-confidence torch pin whose CUDA wheels fit every constraint${
              rows.indexOf(row)
                ? ` (skipped: ${rows
                    .slice(0, rows.indexOf(row))
                    .map((r) => r.range)
                    .join(", ")})`
                : ""
            }`,
      },
      torch: {
        version: `${row.torch}+${wheel.variant}`,
        variant: wheel.variant,
        index,
        why: `vLLM ${version} pins torch==${row.torch} exactly (${row.evidence}); ${optimizeWhy(ctx.optimize)}`,
      },
      accelerator: {
        kind: "cuda",
        version: image.cuda,
        cudnn: image.cudnn,
        why: `torch ${row.torch}+${wheel.variant} is built for CUDA ${wheel.cuda}; newest nvidia/cuda ${wheel.cuda}.x devel image verified to exist is ${image.tag}`,
      },
      python: {
        version: image.python,
        why: `Ubuntu ${image.ubuntu}'s python3 (${image.python}) is in the torch wheel's Python set (${wheel.pythons.join(", ")})`,
      },
      images: {
        build: `nvidia/cuda:${image.tag}`,
        runtime: `nvidia/cuda:${image.cuda}-base-ubuntu${image.ubuntu}`,
        verified: true,
        why: "build on the cuDNN devel image (compilers for any kernel that has no wheel); run on the -base image because the torch wheels bring their own CUDA runtime and cuDNN",
      },
      driver: driverFor(ctx, image.cuda),
      buildKind: "pip",
      requirements: [
        {
          name: "torch",
          version: `${row.torch}+${wheel.variant}`,
          why: `exact pin required by vLLM ${version}`,
        },
        { name: "vllm", version, why: "ENGINE vllm" },
      ],
      extraIndexUrls: index ? [index] : [],
      osPackages: {
        build: [
          "ca-certificates",
          "python3",
          "python3-venv",
          "python3-pip",
          "python3-dev",
          "build-essential",
        ],
        // Triton compiles its CUDA launcher on first start (gcc + Python headers): the reason vLLM's own
        // image runs on -devel. These three packages are far smaller than the devel image.
        runtime: ["ca-certificates", "python3", "python3-dev", "gcc", "libc6-dev"],
      },
    };
  }
  throw new Clash(
    dedupe(reasons).map((r) => ({
      constraint:
        ctx.opts.cuda && r.startsWith("--cuda")
          ? `--cuda ${ctx.opts.cuda}`
          : pin
            ? `ENGINE vllm@${pin}`
            : `ENGINE vllm on ${ctx.target.name}`,
      reason: r,
      position: ctx.pos("ENGINE"),
    })),
  );
}

function planVllmRocm(ctx: TCtx, rows: typeof COMPAT.vllm, pin?: string): Partial<TResolution> {
  if (ctx.opts.cuda) {
    throw new Clash([
      {
        constraint: `--cuda ${ctx.opts.cuda}`,
        reason: `${ctx.target.label} runs ROCm, not CUDA; drop --cuda`,
        position: ctx.pos("TARGET"),
      },
    ]);
  }
  const withRocm = rows
    .map((r) => ({ r, rocm: COMPAT.torchRocm[majorMinor(r.torch)] }))
    .filter((x): x is { r: (typeof rows)[number]; rocm: string } => !!x.rocm);
  const verified = withRocm.find((x) => ROCM_VERIFIED[majorMinor(x.rocm)]);
  const chosen = pin ? withRocm[0] : (verified ?? withRocm[0]);
  if (!chosen)
    throw new Clash([
      {
        constraint: `ENGINE vllm on ${ctx.target.name}`,
        reason: "no ROCm torch build is known for this vLLM's torch pin",
        position: ctx.pos("ENGINE"),
      },
    ]);
  const { r, rocm } = chosen;
  const version = pin ?? r.latest;
  const rocmMm = majorMinor(rocm);
  const image = ROCM_VERIFIED[rocmMm] ?? `rocm/dev-ubuntu-22.04:${rocm}-complete`;
  const isVerified = !!ROCM_VERIFIED[rocmMm];
  if (!isVerified)
    ctx.warnings.push(`base image ${image} follows ROCm's tag pattern but is not in the verified tag list`);
  const index = `https://download.pytorch.org/whl/rocm${rocmMm}`;
  return {
    engine: {
      name: "vllm",
      version,
      why: pin
        ? "pinned in Dockerfile.ai"
        : `newest vLLM whose torch pin (${r.torch}) has a stable ROCm ${rocm} build with a verified ROCm dev image`,
    },
    torch: {
      version: `${r.torch}+rocm${rocmMm}`,
      variant: `rocm${rocmMm}`,
      index,
      why: `vLLM ${version} pins torch==${r.torch}; PyTorch ${majorMinor(r.torch)} ships stable ROCm ${rocm} wheels`,
    },
    accelerator: {
      kind: "rocm",
      version: rocm,
      cudnn: null,
      why: `${ctx.target.label} is ${ctx.target.gfx}; vLLM has no ROCm wheels on PyPI, so it is compiled for ${ctx.target.gfx} against ROCm ${rocm}`,
    },
    python: { version: "3.10", why: "Ubuntu 22.04's python3 in the ROCm dev image" },
    images: {
      build: image,
      runtime: image,
      verified: isVerified,
      why: "the ROCm 'complete' image carries the HIP runtime libraries vLLM links against, so build and runtime share it (TGI Dockerfile_amd does the same)",
    },
    driver: null,
    buildKind: "pip-rocm",
    compile: { PYTORCH_ROCM_ARCH: ctx.target.gfx as string, VLLM_TARGET_DEVICE: "rocm" },
    requirements: [
      {
        name: "torch",
        version: `${r.torch}+rocm${rocmMm}`,
        why: `exact pin required by vLLM ${version}, ROCm build`,
      },
      { name: "vllm", version, why: "ENGINE vllm, compiled from the sdist for ROCm" },
    ],
    extraIndexUrls: [index],
    osPackages: { build: ["python3-venv", "python3-pip", "python3-dev", "git"], runtime: [] },
  };
}

function planLlamaCpp(ctx: TCtx): Partial<TResolution> {
  const version = ctx.doc.engine?.version ?? LLAMA_CPP_DEFAULT;
  if (!/^b\d+$/.test(version)) {
    throw new Clash([
      {
        constraint: `ENGINE llama.cpp@${version}`,
        reason: "llama.cpp releases are tagged bNNNN (e.g. llama.cpp@b4827)",
        position: ctx.pos("ENGINE"),
      },
    ]);
  }
  const t = ctx.target;
  const engine = {
    name: "llama.cpp" as const,
    version,
    why: ctx.doc.engine?.version
      ? "pinned in Dockerfile.ai"
      : `release ${LLAMA_CPP_DEFAULT}, the tag TGI's llama.cpp backend image pins`,
  };
  const common = {
    buildKind: "llama.cpp" as const,
    requirements: [],
    extraIndexUrls: [],
    torch: null,
    python: null,
  };
  if (ctx.opts.cuda && !nvidiaTarget(t) && t.vendor !== "nvidia-jetson") {
    throw new Clash([
      {
        constraint: `--cuda ${ctx.opts.cuda}`,
        reason: `${t.label} has no CUDA; drop --cuda`,
        position: ctx.pos("TARGET"),
      },
    ]);
  }
  if (nvidiaTarget(t)) {
    const floor = ccFloor(t);
    const wanted = ctx.opts.cuda ?? "12.8";
    if (floor && cmpDotted(majorMinor(wanted), floor.minCuda) < 0) {
      throw new Clash([
        {
          constraint: `--cuda ${wanted}`,
          reason: `${floor.label} needs CUDA ≥ ${floor.minCuda}`,
          position: ctx.pos("TARGET"),
        },
      ]);
    }
    const image = cudaImage(wanted, null);
    if (!image)
      throw new Clash([
        {
          constraint: `--cuda ${wanted}`,
          reason: `no verified nvidia/cuda ${wanted} devel image (known: ${[...new Set(COMPAT.cudaImages.map((i) => majorMinor(i.cuda)))].join(", ")})`,
        },
      ]);
    const arch = (t.cc as string).replace(".", "");
    return {
      ...common,
      engine,
      accelerator: {
        kind: "cuda",
        version: image.cuda,
        cudnn: null,
        why: ctx.opts.cuda
          ? `--cuda ${ctx.opts.cuda}`
          : "CUDA 12.8 like llama.cpp's own .devops/cuda.Dockerfile; it covers Hopper and Blackwell",
      },
      images: {
        build: `nvidia/cuda:${image.tag}`,
        runtime: `nvidia/cuda:${image.cuda}-runtime-ubuntu${image.ubuntu}`,
        verified: true,
        why: "compile on the devel image, run on -runtime (llama.cpp links cuBLAS, which -base lacks)",
      },
      driver: driverFor(ctx, image.cuda),
      compile: { BUILD_SHARED_LIBS: "OFF", GGML_CUDA: "ON", CMAKE_CUDA_ARCHITECTURES: arch },
      osPackages: {
        build: [
          "build-essential",
          "cmake",
          "git",
          "ca-certificates",
          "python3",
          "python3-venv",
          "python3-pip",
        ],
        runtime: ["ca-certificates", "curl", "libgomp1"],
      },
    };
  }
  if (t.vendor === "nvidia-jetson") {
    ctx.warnings.push(
      "nvcr.io/nvidia/l4t-jetpack:r36.4.0 follows NVIDIA's JetPack 6 tag pattern but is not in the verified tag list",
    );
    return {
      ...common,
      engine,
      accelerator: {
        kind: "jetpack",
        version: "12.6",
        cudnn: "9.3",
        why: "JetPack 6.2 (L4T 36.4.3) ships CUDA 12.6 and cuDNN 9.3; Jetson containers must match the host's L4T major",
      },
      images: {
        build: "nvcr.io/nvidia/l4t-jetpack:r36.4.0",
        runtime: "nvcr.io/nvidia/l4t-jetpack:r36.4.0",
        verified: false,
        why: "JetPack libraries are not redistributable on plain Ubuntu; the l4t-jetpack image carries them",
      },
      driver: null,
      compile: { BUILD_SHARED_LIBS: "OFF", GGML_CUDA: "ON", CMAKE_CUDA_ARCHITECTURES: "87" },
      osPackages: {
        build: ["build-essential", "cmake", "git", "python3", "python3-venv", "python3-pip"],
        runtime: ["curl", "libgomp1"],
      },
    };
  }
  if (t.vendor === "amd") {
    return {
      ...common,
      engine,
      accelerator: {
        kind: "rocm",
        version: "6.3.1",
        cudnn: null,
        why: `HIP build for ${t.gfx} on the ROCm 6.3.1 image TGI's AMD Dockerfile uses`,
      },
      images: {
        build: ROCM_VERIFIED["6.3"] as string,
        runtime: ROCM_VERIFIED["6.3"] as string,
        verified: true,
        why: "ROCm runtime libraries (hipBLAS) live in the complete image",
      },
      driver: null,
      compile: { BUILD_SHARED_LIBS: "OFF", GGML_HIP: "ON", AMDGPU_TARGETS: t.gfx as string },
      osPackages: {
        build: ["build-essential", "cmake", "git", "python3", "python3-venv", "python3-pip"],
        runtime: ["curl", "libgomp1"],
      },
    };
  }
  if (t.vendor === "apple") {
    ctx.warnings.push(
      "apple-m4: Linux containers on macOS get no Metal GPU, so this linux/arm64 image runs llama.cpp on the CPU; for Metal speed run llama.cpp (Metal) or MLX natively on the Mac, or via Docker Model Runner",
    );
  }
  return {
    ...common,
    engine,
    accelerator: {
      kind: "cpu",
      version: null,
      cudnn: null,
      why: t.vendor === "apple" ? "no GPU passthrough into Linux containers on Apple silicon" : "CPU target",
    },
    images: {
      build: "ubuntu:24.04",
      runtime: "ubuntu:24.04",
      verified: true,
      why: `plain Ubuntu 24.04 (${t.platform}); llama.cpp's CPU backend needs no vendor runtime`,
    },
    driver: null,
    compile: { BUILD_SHARED_LIBS: "OFF", GGML_NATIVE: "OFF" },
    osPackages: {
      build: ["build-essential", "cmake", "git", "ca-certificates", "python3", "python3-venv", "python3-pip"],
      runtime: ["ca-certificates", "curl", "libgomp1"],
    },
  };
}

function planTgi(ctx: TCtx): Partial<TResolution> {
  const pin = ctx.doc.engine?.version;
  const rows = [...COMPAT.tgi]
    .sort((a, b) => comparePep440(b.max, a.max))
    .filter((r) => !pin || (comparePep440(pin, r.min) >= 0 && comparePep440(pin, r.max) <= 0));
  const reasons: string[] = [];
  const floor = ccFloor(ctx.target);
  for (const r of rows) {
    if (ctx.opts.cuda && !cudaPinMatches(ctx.opts.cuda, r.cudaDevel)) {
      reasons.push(`--cuda ${ctx.opts.cuda}: TGI ${r.min}–${r.max} is built with CUDA ${r.cudaDevel}`);
      continue;
    }
    if (floor && (comparePep440(r.torch, floor.minTorch) < 0 || cmpDotted(r.cudaDevel, floor.minCuda) < 0)) {
      reasons.push(`TGI ${r.max} (torch ${r.torch}, CUDA ${r.cudaDevel}) has no kernels for ${floor.label}`);
      continue;
    }
    const version = pin ?? r.max;
    ctx.warnings.push(
      "TGI is in maintenance mode upstream (README, 2026-01); prefer ENGINE vllm for new deployments",
    );
    return {
      engine: {
        name: "tgi",
        version,
        why: pin ? "pinned in Dockerfile.ai" : "newest TGI release in the data (TGI is frozen)",
      },
      torch: {
        version: r.torch,
        variant: `cu${r.cudaDevel.split(".").slice(0, 2).join("")}`,
        index: null,
        why: `bundled in TGI ${version}'s image`,
      },
      accelerator: {
        kind: "cuda",
        version: r.cudaDevel,
        cudnn: null,
        why: `TGI ${version} compiles its kernels against CUDA ${r.cudaDevel}`,
      },
      python: { version: r.python, why: `TGI ${version}'s image Python` },
      images: {
        build: null,
        runtime: `ghcr.io/huggingface/text-generation-inference:${version}`,
        verified: true,
        why: "TGI's custom kernels are only distributed inside its own image, so aitk layers on top of it",
      },
      driver: driverFor(ctx, r.cudaDevel),
      buildKind: "engine-image",
      requirements: [],
      extraIndexUrls: [],
      osPackages: { build: [], runtime: [] },
    };
  }
  throw new Clash(
    (reasons.length ? reasons : [`no TGI release matches ${pin}`]).map((reason) => ({
      constraint: pin ? `ENGINE tgi@${pin}` : "ENGINE tgi",
      reason,
      position: ctx.pos("ENGINE"),
    })),
  );
}

function planTrtllm(ctx: TCtx): Partial<TResolution> {
  const pin = ctx.doc.engine?.version;
  const rows = COMPAT.trtllm
    .filter((r) => r.cuda && (!pin || r.version === pin))
    .sort((a, b) => comparePep440(b.version, a.version));
  const reasons: string[] = [];
  const floor = ccFloor(ctx.target);
  for (const r of rows) {
    const cuda = r.cuda as string;
    if (ctx.opts.cuda && !cudaPinMatches(ctx.opts.cuda, cuda)) {
      reasons.push(`--cuda ${ctx.opts.cuda}: TensorRT-LLM ${r.version} is built with CUDA ${cuda}`);
      continue;
    }
    if (floor && cmpDotted(cuda, floor.minCuda) < 0) {
      reasons.push(`TensorRT-LLM ${r.version} (CUDA ${cuda}) predates ${floor.label} support`);
      continue;
    }
    const ngcRelease = comparePep440(r.version, "0.20.0") >= 0;
    const runtime = ngcRelease
      ? `nvcr.io/nvidia/tensorrt-llm/release:${r.version}`
      : `nvcr.io/nvidia/${r.ngcBase}`;
    return {
      engine: {
        name: "tensorrt-llm",
        version: r.version,
        why: pin
          ? "pinned in Dockerfile.ai"
          : "newest TensorRT-LLM release whose CUDA version is stated in its release notes",
      },
      torch: r.torch
        ? { version: r.torch, variant: "ngc", index: null, why: "bundled in the NGC image" }
        : null,
      accelerator: {
        kind: "cuda",
        version: cuda,
        cudnn: null,
        why: `TensorRT-LLM ${r.version} release notes: CUDA ${cuda}, TensorRT ${r.tensorrt ?? "?"}`,
      },
      python: { version: "3.12", why: "NGC image Python" },
      images: {
        build: null,
        runtime,
        verified: ngcRelease,
        why: "TensorRT-LLM is best run on the NGC container its release notes name",
      },
      driver: driverFor(ctx, cuda.split(".").length === 2 ? `${cuda}.0` : cuda),
      buildKind: "engine-image",
      requirements: ngcRelease
        ? []
        : [{ name: "tensorrt-llm", version: r.version, why: "ENGINE tensorrt-llm on its NGC PyTorch base" }],
      extraIndexUrls: [],
      osPackages: { build: [], runtime: [] },
    };
  }
  throw new Clash(
    (reasons.length ? reasons : [`no TensorRT-LLM release ${pin ?? ""} with a known CUDA version`]).map(
      (reason) => ({
        constraint: pin ? `ENGINE tensorrt-llm@${pin}` : "ENGINE tensorrt-llm",
        reason,
        position: ctx.pos("ENGINE"),
      }),
    ),
  );
}

function planOnnx(ctx: TCtx): Partial<TResolution> {
  const version = ctx.doc.engine?.version ?? HELPER_PINS.onnxruntime;
  ctx.warnings.push("onnxruntime has no OpenAI-compatible server of its own: add a CMD that starts yours");
  if (nvidiaTarget(ctx.target)) {
    const cuda = ctx.opts.cuda ?? "12.8";
    if (cudaMajor(cuda) !== 12)
      throw new Clash([
        {
          constraint: `--cuda ${cuda}`,
          reason: `onnxruntime-gpu ${version} on PyPI is built for CUDA 12.x with cuDNN 9`,
          position: ctx.pos("ENGINE"),
        },
      ]);
    const image =
      COMPAT.cudaImages
        .filter((i) => majorMinor(i.cuda) === majorMinor(cuda) && i.cudnn === "9" && i.ubuntu === "24.04")
        .sort((a, b) => cmpDotted(b.cuda, a.cuda))[0] ??
      COMPAT.cudaImages
        .filter((i) => majorMinor(i.cuda) === majorMinor(cuda) && i.cudnn === "9")
        .sort((a, b) => cmpDotted(b.cuda, a.cuda))[0];
    if (!image)
      throw new Clash([
        {
          constraint: `--cuda ${cuda}`,
          reason: "onnxruntime-gpu needs cuDNN 9, which nvidia/cuda images ship from CUDA 12.3.2 on",
        },
      ]);
    return {
      engine: {
        name: "onnxruntime",
        version,
        why: "onnxruntime-gpu ≥ 1.19 targets CUDA 12.x + cuDNN 9 (ORT #21769)",
      },
      torch: null,
      accelerator: {
        kind: "cuda",
        version: image.cuda,
        cudnn: "9",
        why: "ORT links the system cuDNN 9, so the runtime image must carry it",
      },
      python: { version: UBUNTU_PYTHON[image.ubuntu] as string, why: `Ubuntu ${image.ubuntu}'s python3` },
      images: {
        build: `nvidia/cuda:${image.tag}`,
        runtime: `nvidia/cuda:${image.tag.replace("-devel-", "-runtime-")}`,
        verified: true,
        why: "cuDNN runtime image (ORT needs system cuDNN, unlike torch wheels)",
      },
      driver: driverFor(ctx, image.cuda),
      buildKind: "pip",
      requirements: [{ name: "onnxruntime-gpu", version, why: "ENGINE onnxruntime on NVIDIA" }],
      extraIndexUrls: [],
      osPackages: { build: ["python3", "python3-venv", "python3-pip"], runtime: ["python3"] },
    };
  }
  return {
    engine: { name: "onnxruntime", version, why: "CPU build from PyPI" },
    torch: null,
    accelerator: { kind: "cpu", version: null, cudnn: null, why: "CPU target" },
    python: { version: "3.12", why: "Ubuntu 24.04's python3" },
    images: { build: "ubuntu:24.04", runtime: "ubuntu:24.04", verified: true, why: "plain Ubuntu 24.04" },
    driver: null,
    buildKind: "pip",
    requirements: [{ name: "onnxruntime", version, why: "ENGINE onnxruntime on CPU" }],
    extraIndexUrls: [],
    osPackages: { build: ["python3", "python3-venv", "python3-pip"], runtime: ["python3"] },
  };
}

function planCustom(ctx: TCtx): Partial<TResolution> {
  const hasCmd = ctx.doc.instructions.some((i) => i.keyword === "CMD" || i.keyword === "ENTRYPOINT");
  if (!hasCmd)
    throw new Clash([
      {
        constraint: "ENGINE custom",
        reason: "a custom engine needs a CMD or ENTRYPOINT that starts your server",
        position: ctx.pos("ENGINE"),
      },
    ]);
  const t = ctx.target;
  const cuda = ctx.opts.cuda ?? "12.8";
  const image = nvidiaTarget(t) ? cudaImage(cuda, null) : undefined;
  if (nvidiaTarget(t) && !image)
    throw new Clash([
      { constraint: `--cuda ${cuda}`, reason: "no verified nvidia/cuda image for that version" },
    ]);
  return {
    engine: { name: "custom", version: null, why: "ENGINE custom: the image runs your own CMD" },
    torch: null,
    accelerator: image
      ? { kind: "cuda", version: image.cuda, cudnn: null, why: "CUDA base for your server" }
      : { kind: "cpu", version: null, cudnn: null, why: "no accelerator runtime needed" },
    python: null,
    images: image
      ? {
          build: null,
          runtime: `nvidia/cuda:${image.cuda}-base-ubuntu${image.ubuntu}`,
          verified: true,
          why: "smallest CUDA image",
        }
      : { build: null, runtime: "ubuntu:24.04", verified: true, why: "plain Ubuntu 24.04" },
    driver: image ? driverFor(ctx, image.cuda) : null,
    buildKind: "none",
    requirements: [],
    extraIndexUrls: [],
    osPackages: { build: [], runtime: [] },
  };
}

function serveFor(ctx: TCtx, modelPath: string): TResolution["serve"] {
  const served = ctx.doc.model?.servedName ?? ctx.doc.model?.name ?? "model";
  const pyHealth = [
    "python3",
    "-c",
    `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${PORT}/health', timeout=4)`,
  ];
  const curlHealth = ["curl", "-fsS", `http://127.0.0.1:${PORT}/health`];
  const env: Record<string, string> = { MODEL_PATH: modelPath, PORT: String(PORT) };
  switch (ctx.engine) {
    case "vllm": {
      const cmd = [
        "vllm",
        "serve",
        modelPath,
        "--host",
        "0.0.0.0",
        "--port",
        String(PORT),
        "--served-model-name",
        served,
      ];
      // vLLM's GGUF loader needs the base model's tokenizer; the weights stage keeps it in the image.
      if (formatOf(ctx.quant) === "gguf" && ctx.doc.model?.source === "huggingface")
        cmd.push("--tokenizer", "/models/tokenizer");
      if (["awq", "gptq", "fp8"].includes(ctx.quant)) cmd.push("--quantization", ctx.quant);
      if (ctx.doc.observability.includes("otel"))
        cmd.push(
          "--otlp-traces-endpoint",
          ctx.doc.observabilityOptions.endpoint ?? "http://otel-collector:4317",
        );
      return { command: cmd, port: PORT, healthcheck: pyHealth, env };
    }
    case "llama.cpp": {
      const cmd = [
        "/opt/llama.cpp/bin/llama-server",
        "-m",
        modelPath,
        "--host",
        "0.0.0.0",
        "--port",
        String(PORT),
        "--alias",
        served,
      ];
      if (ctx.target.vendor !== "cpu" && ctx.target.vendor !== "apple") cmd.push("-ngl", "999");
      if (ctx.doc.observability.includes("prometheus") || ctx.doc.observability.includes("otel"))
        cmd.push("--metrics");
      return {
        command: cmd,
        port: PORT,
        healthcheck: curlHealth,
        env: { ...env, LD_LIBRARY_PATH: "/opt/llama.cpp/bin" },
      };
    }
    case "tgi":
      return {
        command: ["--model-id", modelPath, "--port", String(PORT), "--hostname", "0.0.0.0"],
        port: PORT,
        healthcheck: curlHealth,
        env,
      };
    case "tensorrt-llm":
      return {
        command: ["trtllm-serve", modelPath, "--host", "0.0.0.0", "--port", String(PORT)],
        port: PORT,
        healthcheck: pyHealth,
        env,
      };
    case "onnxruntime":
      return { command: [], port: PORT, healthcheck: pyHealth, env };
    default:
      return { command: [], port: PORT, healthcheck: ["/bin/sh", "-c", `test -e ${modelPath}`], env };
  }
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

function resolveCore(doc: TDockerfileAi, opts: TResolveOptions): TResolution {
  const decisions: TDecision[] = [];
  const warnings: string[] = [];
  const pos = (d: keyof TDockerfileAi["positions"]) => doc.positions[d];
  if (!doc.model || !doc.from) {
    throw new Clash([
      {
        constraint: "Dockerfile.ai",
        reason: "FROM and MODEL are required",
        position: { line: 1, column: 1 },
      },
    ]);
  }
  const targetName = doc.target?.name ?? "cpu";
  const target = TARGETS[targetName];
  decisions.push({
    topic: "target",
    choice: target.name,
    why: doc.target
      ? `TARGET ${target.name}: ${target.label}${target.cc ? `, compute capability ${target.cc}` : ""}${target.gfx ? `, ${target.gfx}` : ""}, ${target.platform}`
      : "no TARGET: building a CPU image",
  });

  let quant: TQuantize = doc.quantize ?? "none";
  let quantWhy = doc.quantize ? `QUANTIZE ${doc.quantize}` : "no QUANTIZE: weights as published";
  if (opts.quantize) {
    quantWhy =
      doc.quantize && doc.quantize !== opts.quantize
        ? `--quantize ${opts.quantize} overrides QUANTIZE ${doc.quantize}`
        : `--quantize ${opts.quantize}`;
    quant = opts.quantize;
  }
  const format = formatOf(quant);
  decisions.push({ topic: "quantize", choice: quant, why: `${quantWhy} (${format})` });

  let engine: TEngineName;
  let engineWhy: string;
  if (doc.engine) {
    engine = doc.engine.name;
    engineWhy = `ENGINE ${engine}`;
  } else {
    const d = defaultEngine(target, quant);
    engine = d.engine;
    engineWhy = `no ENGINE: ${d.why}`;
  }
  decisions.push({ topic: "engine", choice: engine, why: engineWhy });

  const runs = engineRunsOn(engine, target);
  if (runs.level !== "yes") {
    throw new Clash([
      {
        constraint: `ENGINE ${engine} + TARGET ${target.name}`,
        reason: runs.reason,
        position: pos("ENGINE") ?? pos("TARGET"),
      },
    ]);
  }
  const qs = quantSupport(engine, quant, target);
  if (qs.level === "no") {
    throw new Clash([
      {
        constraint: `ENGINE ${engine} + QUANTIZE ${quant}`,
        reason: qs.reason,
        position: pos("QUANTIZE") ?? pos("ENGINE"),
      },
    ]);
  }
  if (qs.level === "experimental") {
    if (!opts.allowExperimental) {
      throw new Clash([
        {
          constraint: `ENGINE ${engine} + QUANTIZE ${quant}`,
          reason: `${qs.reason}; pass --allow-experimental to build it anyway`,
          position: pos("QUANTIZE") ?? pos("ENGINE"),
        },
      ]);
    }
    warnings.push(`experimental: ${qs.reason}`);
  }
  const optimize = opts.optimize ?? "balanced";
  const localBase = !doc.from.auto;
  const ctx: TCtx = { doc, opts, target, quant, engine, optimize, decisions, warnings, pos };

  const planners: Record<TEngineName, (c: TCtx) => Partial<TResolution>> = {
    vllm: planVllm,
    "llama.cpp": planLlamaCpp,
    tgi: planTgi,
    "tensorrt-llm": planTrtllm,
    onnxruntime: planOnnx,
    mlx: () => {
      throw new Clash([{ constraint: "ENGINE mlx", reason: "MLX cannot run in a Linux container" }]);
    },
    custom: planCustom,
  };
  const plan = planners[engine](ctx);
  const model = doc.model;
  const modelPath = model.source === "local" ? `/models/${model.name}` : hfModelPath(ctx);
  const obs = observability(ctx);

  let images = plan.images as TResolution["images"];
  if (localBase) {
    images = {
      build: plan.buildKind === "none" ? null : doc.from.image,
      runtime: doc.from.image,
      verified: false,
      why: `FROM ${doc.from.image}: your image is used as-is for ${plan.buildKind === "none" ? "the runtime" : "build and runtime"}; aitk cannot check the CUDA/Python inside it`,
    };
    warnings.push(
      `FROM ${doc.from.image} replaces aitk's base image choice (${(plan.images as TResolution["images"]).runtime})`,
    );
  }
  const requirements = [...(plan.requirements ?? []), ...obs.packages];
  if (!doc.autoReq) {
    if (plan.buildKind === "pip" || plan.buildKind === "pip-rocm")
      warnings.push(
        "AUTO_REQ false: no requirements.txt is installed; your FROM image must already contain the engine",
      );
  }
  const buildKind: TBuildKind =
    !doc.autoReq && (plan.buildKind === "pip" || plan.buildKind === "pip-rocm")
      ? "none"
      : (plan.buildKind as TBuildKind);

  const res: TResolution = {
    schema: "aitk.resolution/v1",
    target,
    engine: plan.engine as TResolution["engine"],
    quantize: { value: quant, format, why: quantWhy },
    model: { ...model, pathInImage: modelPath },
    accelerator: plan.accelerator as TResolution["accelerator"],
    torch: plan.torch ?? null,
    python: plan.python ?? null,
    images,
    driver: plan.driver ?? null,
    buildKind,
    compile: plan.compile ?? {},
    requirements: doc.autoReq ? requirements : [],
    extraIndexUrls: doc.autoReq ? (plan.extraIndexUrls ?? []) : [],
    osPackages: plan.osPackages ?? { build: [], runtime: [] },
    serve: serveFor(ctx, modelPath),
    observability: { backends: obs.backends, env: obs.env },
    optimize,
    autoReq: doc.autoReq,
    localBase,
    decisions,
    warnings,
  };
  decisions.push({
    topic: "engine-version",
    choice: `${res.engine.name}${res.engine.version ? ` ${res.engine.version}` : ""}`,
    why: res.engine.why,
  });
  if (res.torch) decisions.push({ topic: "torch", choice: res.torch.version, why: res.torch.why });
  decisions.push({
    topic: "accelerator",
    choice: `${res.accelerator.kind}${res.accelerator.version ? ` ${res.accelerator.version}` : ""}`,
    why: res.accelerator.why,
  });
  if (res.python) decisions.push({ topic: "python", choice: res.python.version, why: res.python.why });
  decisions.push({
    topic: "base-image",
    choice: `${res.images.build ?? "-"} → ${res.images.runtime}`,
    why: res.images.why,
  });
  if (res.driver)
    decisions.push({
      topic: "driver",
      choice: `≥ ${res.driver.minimum} (recommended ${res.driver.recommended})`,
      why: res.driver.why,
    });
  decisions.push({
    topic: "model",
    choice: modelPath,
    why:
      model.source === "local"
        ? `MODEL ${model.ref}: copied from the build context into its own layer`
        : `MODEL ${model.ref}: downloaded at build time into its own layer${format === "gguf" ? `, converted to GGUF and quantized to ${quant}` : ""}`,
  });
  return res;
}

/** Alternatives tried when resolution fails, to say what would fix it. */
function fixesFor(doc: TDockerfileAi, opts: TResolveOptions, clashes: TClash[]): string[] {
  const fixes: string[] = [];
  const attempt = (d: TDockerfileAi, o: TResolveOptions, label: (r: TResolution) => string) => {
    try {
      fixes.push(label(resolveCore(d, o)));
    } catch (e) {
      if (!(e instanceof Clash)) throw e;
    }
  };
  const describe = (r: TResolution) =>
    `${r.engine.name}${r.engine.version ? ` ${r.engine.version}` : ""}${r.torch ? `, torch ${r.torch.version}` : ""}${r.accelerator.version ? `, ${r.accelerator.kind} ${r.accelerator.version}` : ""}`;
  if (opts.cuda)
    attempt(
      doc,
      { ...opts, cuda: undefined },
      (r) => `drop --cuda ${opts.cuda} (resolves to ${describe(r)})`,
    );
  if (doc.engine?.version)
    attempt(
      { ...doc, engine: { name: doc.engine.name } },
      opts,
      (r) => `unpin the engine version: ENGINE ${doc.engine?.name} (resolves to ${describe(r)})`,
    );
  if (doc.target?.driver)
    attempt(
      { ...doc, target: { name: doc.target.name } },
      opts,
      (r) => `upgrade the host driver to ≥ ${r.driver?.minimum ?? "?"} (then: ${describe(r)})`,
    );
  if (clashes.some((c) => c.reason.includes("--allow-experimental")) && !opts.allowExperimental) {
    attempt(
      doc,
      { ...opts, allowExperimental: true },
      (r) => `pass --allow-experimental (builds ${describe(r)})`,
    );
  }
  for (const e of ENGINE_NAMES) {
    if (e === doc.engine?.name || e === "custom") continue;
    attempt(
      { ...doc, engine: { name: e } },
      { ...opts, allowExperimental: false },
      (r) => `ENGINE ${e} (resolves to ${describe(r)})`,
    );
  }
  const q = opts.quantize ?? doc.quantize;
  if (q && q !== "none") {
    for (const alt of ["fp8", "awq", "q4_k_m", "none"] as TQuantize[]) {
      if (alt === q) continue;
      attempt(
        { ...doc, quantize: alt },
        { ...opts, quantize: undefined, allowExperimental: false },
        (r) => `QUANTIZE ${alt} (resolves to ${describe(r)})`,
      );
    }
  }
  return dedupe(fixes).slice(0, 6);
}

/**
 * Resolve a parsed Dockerfile.ai into a full build plan. Throws DomainError VALIDATION when no
 * combination fits, with `details.clashes` (which constraints collide) and `details.fixes`.
 */
export function resolveDockerfileAi(doc: TDockerfileAi, opts: TResolveOptions = {}): TResolution {
  try {
    return resolveCore(doc, opts);
  } catch (e) {
    if (!(e instanceof Clash)) throw e;
    const fixes = fixesFor(doc, opts, e.clashes);
    const first = e.clashes[0];
    const shown = e.clashes.slice(0, 3).map((c) => `${c.constraint} — ${c.reason}`);
    if (e.clashes.length > 3) shown.push(`(+${e.clashes.length - 3} more in details.clashes)`);
    const msg = `no image fits: ${shown.join("; ")}${fixes.length ? `. Fix: ${fixes.join("; or ")}` : ""}`;
    throw new DomainError("VALIDATION", msg, {
      field: "dockerfileAi",
      ...(first?.position ? { position: first.position } : {}),
      clashes: e.clashes,
      fixes,
    });
  }
}
