// Hardware a target may name in `device:`. Only what deployment needs: GPU vendor and count, the node label
// that selects it, CPU architecture, and whether Docker on that machine can reach the GPU at all.

export interface TDevice {
  id: string;
  aliases: string[];
  name: string;
  arch: "amd64" | "arm64";
  gpuVendor: "nvidia" | "amd" | "apple" | "none";
  /** GPUs per machine (1 for integrated / edge boards). */
  gpusPerHost: number;
  gpuMemoryGB: number;
  /** NVIDIA GPU Feature Discovery label `nvidia.com/gpu.product` value, for nodeSelector. */
  nfdProduct?: string;
  /** Docker on this machine can pass the GPU to containers. False on macOS (Docker Desktop has no Apple GPU). */
  dockerGpu: boolean;
  /** Jetson (L4T) runs GPU containers with `runtime: nvidia` instead of device requests. */
  dockerRuntime?: "nvidia";
  unifiedMemory?: boolean;
}

export const DEVICES: readonly TDevice[] = [
  {
    id: "nvidia-h100",
    aliases: ["h100", "nvidia-h100-sxm5-80gb", "nvidia-h100-80gb"],
    name: "NVIDIA H100 80GB",
    arch: "amd64",
    gpuVendor: "nvidia",
    gpusPerHost: 8,
    gpuMemoryGB: 80,
    nfdProduct: "NVIDIA-H100-80GB-HBM3",
    dockerGpu: true,
  },
  {
    id: "nvidia-h200",
    aliases: ["h200", "nvidia-h200-sxm-141gb"],
    name: "NVIDIA H200 141GB",
    arch: "amd64",
    gpuVendor: "nvidia",
    gpusPerHost: 8,
    gpuMemoryGB: 141,
    nfdProduct: "NVIDIA-H200",
    dockerGpu: true,
  },
  {
    id: "nvidia-a100",
    aliases: ["a100", "nvidia-a100-sxm4-80gb", "nvidia-a100-80gb"],
    name: "NVIDIA A100 80GB",
    arch: "amd64",
    gpuVendor: "nvidia",
    gpusPerHost: 8,
    gpuMemoryGB: 80,
    nfdProduct: "NVIDIA-A100-SXM4-80GB",
    dockerGpu: true,
  },
  {
    id: "nvidia-l4",
    aliases: ["l4"],
    name: "NVIDIA L4 24GB",
    arch: "amd64",
    gpuVendor: "nvidia",
    gpusPerHost: 8,
    gpuMemoryGB: 24,
    nfdProduct: "NVIDIA-L4",
    dockerGpu: true,
  },
  {
    id: "nvidia-l40s",
    aliases: ["l40s"],
    name: "NVIDIA L40S 48GB",
    arch: "amd64",
    gpuVendor: "nvidia",
    gpusPerHost: 8,
    gpuMemoryGB: 48,
    nfdProduct: "NVIDIA-L40S",
    dockerGpu: true,
  },
  {
    id: "nvidia-rtx-4090",
    aliases: ["rtx-4090"],
    name: "NVIDIA GeForce RTX 4090 24GB",
    arch: "amd64",
    gpuVendor: "nvidia",
    gpusPerHost: 1,
    gpuMemoryGB: 24,
    nfdProduct: "NVIDIA-GeForce-RTX-4090",
    dockerGpu: true,
  },
  {
    id: "amd-mi300x",
    aliases: ["mi300x"],
    name: "AMD Instinct MI300X 192GB",
    arch: "amd64",
    gpuVendor: "amd",
    gpusPerHost: 8,
    gpuMemoryGB: 192,
    dockerGpu: true,
  },
  {
    id: "jetson-orin-agx",
    aliases: ["nvidia-jetson-agx-orin-64gb", "jetson-agx-orin", "orin-agx"],
    name: "NVIDIA Jetson AGX Orin 64GB",
    arch: "arm64",
    gpuVendor: "nvidia",
    gpusPerHost: 1,
    gpuMemoryGB: 64,
    dockerGpu: true,
    dockerRuntime: "nvidia",
    unifiedMemory: true,
  },
  {
    id: "apple-m4-max",
    aliases: ["m4-max"],
    name: "Apple M4 Max",
    arch: "arm64",
    gpuVendor: "apple",
    gpusPerHost: 1,
    gpuMemoryGB: 128,
    dockerGpu: false,
    unifiedMemory: true,
  },
  {
    id: "apple-m4-pro",
    aliases: ["m4-pro"],
    name: "Apple M4 Pro",
    arch: "arm64",
    gpuVendor: "apple",
    gpusPerHost: 1,
    gpuMemoryGB: 64,
    dockerGpu: false,
    unifiedMemory: true,
  },
  {
    id: "cpu",
    aliases: ["x86", "amd64"],
    name: "CPU only",
    arch: "amd64",
    gpuVendor: "none",
    gpusPerHost: 0,
    gpuMemoryGB: 0,
    dockerGpu: false,
  },
];

export function findDevice(id: string): TDevice | undefined {
  const k = id.toLowerCase();
  return DEVICES.find((d) => d.id === k || d.aliases.includes(k));
}

export const deviceIds = (): string[] => DEVICES.map((d) => d.id);
