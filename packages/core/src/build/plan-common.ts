// Shared pieces of the per-engine planners: the resolution context, clashes, and the CUDA/driver
// lookups over the shipped compatibility data.
import type { TDockerfileAi, TModelRef, TPos } from "./ast";
import { COMPAT, type TTorchWheel } from "./data";
import { formatOf } from "./engines";
import { comparePep440 } from "./pep440";
import type { TClash, TDecision, TRequirement, TResolution, TResolveOptions } from "./resolution";
import { cmpDotted, type TTarget } from "./targets";
import type { TEngineName, TOptimize, TQuantize } from "./vocabulary";

export class Clash extends Error {
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
export const ROCM_VERIFIED: Record<string, string> = { "6.3": "rocm/dev-ubuntu-22.04:6.3.1-complete" };
export const UBUNTU_PYTHON: Record<string, string> = { "20.04": "3.8", "22.04": "3.10", "24.04": "3.12" };
export const PORT = 8080;

export interface TCtx {
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

export const majorMinor = (v: string) => v.split(".").slice(0, 2).join(".");
export const cudaMajor = (v: string) => Number(v.split(".")[0]);

export function familyMin(cuda: string): string {
  return COMPAT.familyMin.find((f) => f.cudaMajor === cudaMajor(cuda))?.min ?? "0";
}

export function toolkitDriverFor(cudaFull: string): string {
  const exact = COMPAT.toolkitDriver[cudaFull];
  if (exact) return exact;
  const same = Object.keys(COMPAT.toolkitDriver)
    .filter((k) => majorMinor(k) === majorMinor(cudaFull))
    .sort(cmpDotted);
  return same.length ? (COMPAT.toolkitDriver[same[0] as string] as string) : familyMin(cudaFull);
}

/** Floors for the target's compute capability (torch and CUDA that ship its kernels). */
export function ccFloor(t: TTarget) {
  return t.cc ? COMPAT.gpuFloors.find((f) => f.cc === t.cc) : undefined;
}

export function driverFor(ctx: TCtx, cudaFull: string): TResolution["driver"] {
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
export function cudaImage(
  cuda: string,
  pythons: string[] | null,
  preferUbuntu: string[] = ["24.04", "22.04"],
) {
  const sameMinor = COMPAT.cudaImages.filter((r) => majorMinor(r.cuda) === majorMinor(cuda));
  // A full x.y.z pin (`--cuda 12.6.2`) picks that exact release when an image for it exists.
  const exact = cuda.split(".").length >= 3 ? sameMinor.filter((r) => r.cuda === cuda) : [];
  const rows = exact.length ? exact : sameMinor;
  for (const ub of preferUbuntu) {
    const py = UBUNTU_PYTHON[ub] as string;
    if (pythons && !pythons.includes(py)) continue;
    const best = rows.filter((r) => r.ubuntu === ub).sort((a, b) => cmpDotted(b.cuda, a.cuda))[0];
    if (best) return { ...best, python: py };
  }
  return undefined;
}

export function cudaPinMatches(pin: string | undefined, cuda: string): boolean {
  if (!pin) return true;
  return pin.split(".").length >= 3
    ? pin === cuda || majorMinor(pin) === majorMinor(cuda)
    : majorMinor(pin) === majorMinor(cuda);
}

export function wheelOrder(ctx: TCtx, torchVersion: string) {
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

export function optimizeWhy(o: TOptimize): string {
  return o === "for-speed"
    ? "--optimize for-speed prefers the newest CUDA variant (newest kernels)"
    : o === "for-size"
      ? "--optimize for-size prefers the oldest CUDA variant that still covers the target (smallest wheels)"
      : "balanced: newest CUDA variant PyTorch lists as stable for that release";
}

export interface TTorchPick {
  wheel: TTorchWheel;
  image: { tag: string; cuda: string; cudnn: string; ubuntu: string; python: string };
}

/** Walk the torch wheels of `torchVersion` and keep those every constraint accepts; reasons for the rest. */
export function pickTorchCuda(
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
    const image = cudaImage(
      ctx.opts.cuda && cudaPinMatches(ctx.opts.cuda, cuda) ? ctx.opts.cuda : cuda,
      w.pythons,
    );
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

export function hfModelPath(ctx: TCtx): string {
  const m = ctx.doc.model as TModelRef;
  if (formatOf(ctx.quant) === "gguf") {
    const file = m.file ?? `${m.name}-${ctx.quant}.gguf`;
    return `/models/${file}`;
  }
  return `/models/${m.name}`;
}

export function observability(ctx: TCtx) {
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

export function nvidiaTarget(t: TTarget) {
  return t.vendor === "nvidia";
}

export function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}
