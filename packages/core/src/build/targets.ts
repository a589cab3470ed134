import type { TTargetName } from "./vocabulary";

export interface TTarget {
  name: TTargetName;
  label: string;
  vendor: "nvidia" | "nvidia-jetson" | "amd" | "apple" | "cpu";
  /** Linux platform of the image. */
  platform: "linux/amd64" | "linux/arm64";
  /** CUDA compute capability (NVIDIA). */
  cc?: string;
  /** ROCm GPU architecture (AMD). */
  gfx?: string;
  memoryGb?: number;
  /** Can a Linux container use the accelerator? False for Apple silicon. */
  containerAccel: boolean;
  source: string;
}

export const TARGETS: Record<TTargetName, TTarget> = {
  "nvidia-h100": {
    name: "nvidia-h100",
    label: "NVIDIA H100",
    vendor: "nvidia",
    platform: "linux/amd64",
    cc: "9.0",
    memoryGb: 80,
    containerAccel: true,
    source: "CUDA GPUs table; cog pkg/doctor/gpu_compatibility.go (sm_90)",
  },
  "nvidia-h200": {
    name: "nvidia-h200",
    label: "NVIDIA H200",
    vendor: "nvidia",
    platform: "linux/amd64",
    cc: "9.0",
    memoryGb: 141,
    containerAccel: true,
    source: "CUDA GPUs table (Hopper sm_90)",
  },
  "nvidia-a100": {
    name: "nvidia-a100",
    label: "NVIDIA A100",
    vendor: "nvidia",
    platform: "linux/amd64",
    cc: "8.0",
    memoryGb: 80,
    containerAccel: true,
    source: "CUDA GPUs table (Ampere sm_80)",
  },
  "nvidia-l4": {
    name: "nvidia-l4",
    label: "NVIDIA L4",
    vendor: "nvidia",
    platform: "linux/amd64",
    cc: "8.9",
    memoryGb: 24,
    containerAccel: true,
    source: "CUDA GPUs table (Ada sm_89)",
  },
  "nvidia-rtx-4090": {
    name: "nvidia-rtx-4090",
    label: "NVIDIA RTX 4090",
    vendor: "nvidia",
    platform: "linux/amd64",
    cc: "8.9",
    memoryGb: 24,
    containerAccel: true,
    source: "CUDA GPUs table (Ada sm_89)",
  },
  "nvidia-b200": {
    name: "nvidia-b200",
    label: "NVIDIA B200",
    vendor: "nvidia",
    platform: "linux/amd64",
    cc: "10.0",
    memoryGb: 192,
    containerAccel: true,
    source: "cog gpu_compatibility.go (sm_100 needs torch>=2.7.0, CUDA>=12.8)",
  },
  "nvidia-rtx-5090": {
    name: "nvidia-rtx-5090",
    label: "NVIDIA RTX 5090",
    vendor: "nvidia",
    platform: "linux/amd64",
    cc: "12.0",
    memoryGb: 32,
    containerAccel: true,
    source: "cog gpu_compatibility.go (sm_120 needs torch>=2.7.0, CUDA>=12.8)",
  },
  "jetson-orin": {
    name: "jetson-orin",
    label: "NVIDIA Jetson AGX Orin (JetPack 6.2)",
    vendor: "nvidia-jetson",
    platform: "linux/arm64",
    cc: "8.7",
    memoryGb: 64,
    containerAccel: true,
    source: "jetson-containers (JP6 → sm_87); JetPack 6.2 = L4T 36.4.3, CUDA 12.6, cuDNN 9.3",
  },
  "amd-mi300": {
    name: "amd-mi300",
    label: "AMD Instinct MI300X",
    vendor: "amd",
    platform: "linux/amd64",
    gfx: "gfx942",
    memoryGb: 192,
    containerAccel: true,
    source: "TGI Dockerfile_amd (PYTORCH_ROCM_ARCH gfx90a;gfx942)",
  },
  "amd-mi250": {
    name: "amd-mi250",
    label: "AMD Instinct MI250",
    vendor: "amd",
    platform: "linux/amd64",
    gfx: "gfx90a",
    memoryGb: 128,
    containerAccel: true,
    source: "TGI Dockerfile_amd (gfx90a)",
  },
  "apple-m4": {
    name: "apple-m4",
    label: "Apple M4 (macOS host)",
    vendor: "apple",
    platform: "linux/arm64",
    memoryGb: 128,
    containerAccel: false,
    source: "Docker Desktop / Podman: no Metal passthrough into Linux containers (research build.md §2.11)",
  },
  cpu: {
    name: "cpu",
    label: "x86-64 CPU",
    vendor: "cpu",
    platform: "linux/amd64",
    containerAccel: true,
    source: "-",
  },
  "cpu-arm64": {
    name: "cpu-arm64",
    label: "arm64 CPU",
    vendor: "cpu",
    platform: "linux/arm64",
    containerAccel: true,
    source: "-",
  },
};

/** Compare dotted numeric versions ("12.4" vs "12.10"). */
export function cmpDotted(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return d < 0 ? -1 : 1;
  }
  return 0;
}
