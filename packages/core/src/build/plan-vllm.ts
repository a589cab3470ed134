// vLLM: the engine pins torch exactly, so resolve engine → torch → CUDA wheel → image (or ROCm build).
import { COMPAT } from "./data";
import { comparePep440 } from "./pep440";
import {
  Clash,
  dedupe,
  driverFor,
  majorMinor,
  optimizeWhy,
  pickTorchCuda,
  ROCM_VERIFIED,
  type TCtx,
} from "./plan-common";
import type { TResolution } from "./resolution";

export function planVllm(ctx: TCtx): Partial<TResolution> {
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
