// GPU instance price table for cost estimates. List prices in USD per instance-hour, Linux, one region
// each (AWS us-east-1, GCP us-central1, Azure eastus). Cloud prices change often and spot prices change
// hourly: every row says where its number comes from and when it was taken, and estimates say so.
// Nothing here is fetched at runtime.

export interface TInstancePrice {
  cloud: "aws" | "gcp" | "azure";
  instanceType: string;
  region: string;
  gpuModel: string;
  /** Device id in ./devices. */
  device: string;
  gpus: number;
  vcpus: number;
  memoryGiB: number;
  onDemandHourly: number;
  spotHourly: number;
  /** Where the on-demand number comes from and when. */
  source: string;
  asOf: string;
  /** True when spotHourly is an estimate (on-demand × typical discount) rather than an observed price. */
  spotEstimated: boolean;
}

/** Typical spot discount used where no observed spot price was recorded (providers advertise 50–91 %). */
export const SPOT_FACTOR = 0.4;
export const HOURS_PER_MONTH = 730;

const row = (
  p: Omit<TInstancePrice, "spotHourly" | "spotEstimated"> & { spotHourly?: number },
): TInstancePrice => ({
  ...p,
  spotHourly: p.spotHourly ?? Math.round(p.onDemandHourly * SPOT_FACTOR * 100) / 100,
  spotEstimated: p.spotHourly === undefined,
});

const AWS_CUT_2025 =
  "AWS price list after the June 2025 GPU price reduction (aws.amazon.com/blogs/aws/announcing-up-to-45-price-reduction-for-amazon-ec2-nvidia-gpu-accelerated-instances); verify on aws.amazon.com/ec2/pricing/on-demand";
const AWS_G6 = "aws.amazon.com/ec2/instance-types/g6 (on-demand price table)";
const GCP_GPU =
  "cloud.google.com/compute/gpus-pricing + vm-instance pricing, accelerator-optimized machine types; verify";
const AZURE =
  "azure.microsoft.com/pricing/details/virtual-machines/linux (ND H100 v5 / NC A100 v4 series); verify";

export const PRICES: readonly TInstancePrice[] = [
  row({
    cloud: "aws",
    instanceType: "p5.48xlarge",
    region: "us-east-1",
    gpuModel: "H100 80GB",
    device: "nvidia-h100",
    gpus: 8,
    vcpus: 192,
    memoryGiB: 2048,
    onDemandHourly: 55.04,
    source: AWS_CUT_2025,
    asOf: "2025-06",
  }),
  row({
    cloud: "aws",
    instanceType: "p4d.24xlarge",
    region: "us-east-1",
    gpuModel: "A100 40GB",
    device: "nvidia-a100",
    gpus: 8,
    vcpus: 96,
    memoryGiB: 1152,
    onDemandHourly: 21.96,
    source: AWS_CUT_2025,
    asOf: "2025-06",
  }),
  row({
    cloud: "aws",
    instanceType: "g6.xlarge",
    region: "us-east-1",
    gpuModel: "L4 24GB",
    device: "nvidia-l4",
    gpus: 1,
    vcpus: 4,
    memoryGiB: 16,
    onDemandHourly: 0.8048,
    source: AWS_G6,
    asOf: "2025-01",
  }),
  row({
    cloud: "aws",
    instanceType: "g6.12xlarge",
    region: "us-east-1",
    gpuModel: "L4 24GB",
    device: "nvidia-l4",
    gpus: 4,
    vcpus: 48,
    memoryGiB: 192,
    onDemandHourly: 4.6016,
    source: AWS_G6,
    asOf: "2025-01",
  }),
  row({
    cloud: "aws",
    instanceType: "g6.48xlarge",
    region: "us-east-1",
    gpuModel: "L4 24GB",
    device: "nvidia-l4",
    gpus: 8,
    vcpus: 192,
    memoryGiB: 768,
    onDemandHourly: 13.3504,
    source: AWS_G6,
    asOf: "2025-01",
  }),
  row({
    cloud: "gcp",
    instanceType: "a3-highgpu-8g",
    region: "us-central1",
    gpuModel: "H100 80GB",
    device: "nvidia-h100",
    gpus: 8,
    vcpus: 208,
    memoryGiB: 1872,
    onDemandHourly: 88.25,
    source: GCP_GPU,
    asOf: "2025-01",
  }),
  row({
    cloud: "gcp",
    instanceType: "a3-highgpu-4g",
    region: "us-central1",
    gpuModel: "H100 80GB",
    device: "nvidia-h100",
    gpus: 4,
    vcpus: 104,
    memoryGiB: 936,
    onDemandHourly: 44.13,
    source: `${GCP_GPU} (half of a3-highgpu-8g)`,
    asOf: "2025-01",
  }),
  row({
    cloud: "gcp",
    instanceType: "a3-highgpu-1g",
    region: "us-central1",
    gpuModel: "H100 80GB",
    device: "nvidia-h100",
    gpus: 1,
    vcpus: 26,
    memoryGiB: 234,
    onDemandHourly: 11.06,
    source: GCP_GPU,
    asOf: "2025-01",
  }),
  row({
    cloud: "gcp",
    instanceType: "g2-standard-4",
    region: "us-central1",
    gpuModel: "L4 24GB",
    device: "nvidia-l4",
    gpus: 1,
    vcpus: 4,
    memoryGiB: 16,
    onDemandHourly: 0.7068,
    source: GCP_GPU,
    asOf: "2025-01",
  }),
  row({
    cloud: "gcp",
    instanceType: "g2-standard-48",
    region: "us-central1",
    gpuModel: "L4 24GB",
    device: "nvidia-l4",
    gpus: 4,
    vcpus: 48,
    memoryGiB: 192,
    onDemandHourly: 3.9968,
    source: GCP_GPU,
    asOf: "2025-01",
  }),
  row({
    cloud: "azure",
    instanceType: "Standard_ND96isr_H100_v5",
    region: "eastus",
    gpuModel: "H100 80GB",
    device: "nvidia-h100",
    gpus: 8,
    vcpus: 96,
    memoryGiB: 1900,
    onDemandHourly: 98.32,
    source: AZURE,
    asOf: "2025-01",
  }),
  row({
    cloud: "azure",
    instanceType: "Standard_NC24ads_A100_v4",
    region: "eastus",
    gpuModel: "A100 80GB",
    device: "nvidia-a100",
    gpus: 1,
    vcpus: 24,
    memoryGiB: 220,
    onDemandHourly: 3.673,
    source: AZURE,
    asOf: "2025-01",
  }),
];

export function findPrice(instanceType: string): TInstancePrice | undefined {
  const k = instanceType.toLowerCase();
  return PRICES.find((p) => p.instanceType.toLowerCase() === k);
}

/** Cheapest instance of a cloud family that carries `gpusPerReplica` GPUs of the given device (or any when no device). */
export function cheapestFor(
  gpusPerReplica: number,
  opts: { device?: string; cloud?: TInstancePrice["cloud"] } = {},
): TInstancePrice | undefined {
  return PRICES.filter(
    (p) =>
      p.gpus >= gpusPerReplica &&
      (opts.device === undefined || p.device === opts.device) &&
      (opts.cloud === undefined || p.cloud === opts.cloud),
  ).sort(
    (a, b) =>
      a.onDemandHourly / Math.floor(a.gpus / gpusPerReplica) -
      b.onDemandHourly / Math.floor(b.gpus / gpusPerReplica),
  )[0];
}
