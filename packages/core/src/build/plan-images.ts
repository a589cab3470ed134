// Engines that dictate their own image (TGI, TensorRT-LLM), onnxruntime, and ENGINE custom.
import { COMPAT } from "./data";
import { comparePep440 } from "./pep440";
import {
  Clash,
  ccFloor,
  cudaImage,
  cudaMajor,
  cudaPinMatches,
  driverFor,
  HELPER_PINS,
  majorMinor,
  nvidiaTarget,
  type TCtx,
  UBUNTU_PYTHON,
} from "./plan-common";
import type { TResolution } from "./resolution";
import { cmpDotted } from "./targets";

export function planTgi(ctx: TCtx): Partial<TResolution> {
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

export function planTrtllm(ctx: TCtx): Partial<TResolution> {
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

export function planOnnx(ctx: TCtx): Partial<TResolution> {
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

export function planCustom(ctx: TCtx): Partial<TResolution> {
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
