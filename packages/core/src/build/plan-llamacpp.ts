// llama.cpp: compiled from a pinned release tag for the target's backend (CUDA arch, HIP gfx, CPU).
import { COMPAT } from "./data";
import {
  Clash,
  ccFloor,
  cudaImage,
  driverFor,
  LLAMA_CPP_DEFAULT,
  majorMinor,
  nvidiaTarget,
  ROCM_VERIFIED,
  type TCtx,
} from "./plan-common";
import type { TResolution } from "./resolution";
import { cmpDotted } from "./targets";

export function planLlamaCpp(ctx: TCtx): Partial<TResolution> {
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
