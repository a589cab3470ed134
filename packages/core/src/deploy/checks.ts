import { deviceIds, findDevice } from "./devices";
import { engineFor } from "./engines";
import { parseSharding, planTarget } from "./plan";
import { findPrice } from "./prices";
import { parseQuantity } from "./quantity";
import { normalizeStrategy, type TAIDeployment } from "./spec";

// Rules that need engine, device or platform knowledge; the schema cannot express them. Each issue
// names the spec path it is about, so the parser can point at the line.

export interface TSemanticIssue {
  path: (string | number)[];
  message: string;
  severity: "error" | "warning";
}

const GiB = 2 ** 30;

export function semanticIssues(spec: TAIDeployment): TSemanticIssue[] {
  const out: TSemanticIssue[] = [];
  const err = (path: (string | number)[], message: string) => out.push({ path, message, severity: "error" });
  const warn = (path: (string | number)[], message: string) =>
    out.push({ path, message, severity: "warning" });
  const { model, runtime } = spec.spec;

  const [tp, pp] = parseSharding(model.sharding);
  const rtTp = runtime.tensorParallelSize ?? runtime.tensor_parallel_size;
  if (model.sharding && rtTp !== undefined && rtTp !== tp)
    err(
      [
        "spec",
        "runtime",
        runtime.tensorParallelSize !== undefined ? "tensorParallelSize" : "tensor_parallel_size",
      ],
      `tensor parallel size ${rtTp} contradicts model.sharding (${model.sharding})`,
    );
  if (!runtime.version && !runtime.image)
    warn(
      ["spec", "runtime", "engine"],
      "runtime.version is not set: images use the engine's default tag; pin a version for repeatable rollouts",
    );
  if (model.quantization && !engineFor(runtime.engine).quantizations.includes(model.quantization))
    err(
      ["spec", "model", "quantization"],
      `${runtime.engine} does not serve ${model.quantization} weights (it takes: ${engineFor(runtime.engine).quantizations.join(", ")})`,
    );

  spec.spec.targets.forEach((t, i) => {
    const at = (...p: (string | number)[]) => ["spec", "targets", i, ...p];
    const engine = engineFor(t.engine ?? runtime.engine);
    const res = t.resources ?? {};
    const gpus = res["nvidia.com/gpu"] ?? res["amd.com/gpu"];

    if (t.engine && model.quantization && !engine.quantizations.includes(model.quantization))
      err(at("engine"), `${engine.name} does not serve ${model.quantization} weights`);
    const device = t.device ? findDevice(t.device) : undefined;
    if (t.device && !device)
      err(at("device"), `unknown device "${t.device}"; known: ${deviceIds().join(", ")}`);
    if (t.instanceType && !findPrice(t.instanceType))
      warn(
        at("instanceType"),
        `instance type ${t.instanceType} is not in the price table: cost cannot be estimated`,
      );
    if (gpus !== undefined && gpus > 0 && gpus < tp * pp)
      err(
        at("resources", "nvidia.com/gpu"),
        `model.sharding needs ${tp * pp} GPUs per replica (${model.sharding}) but resources give ${gpus}`,
      );
    if (gpus !== undefined && gpus > 0 && gpus % (tp * pp) !== 0)
      warn(
        at("resources", "nvidia.com/gpu"),
        `${gpus} GPUs is not a multiple of the ${tp * pp} the sharding uses: some GPUs idle`,
      );
    if (device && gpus !== undefined && gpus > device.gpusPerHost)
      err(
        at("resources", "nvidia.com/gpu"),
        `${device.name} has ${device.gpusPerHost} GPU(s) per machine; a replica cannot span machines`,
      );
    if (res["nvidia.com/gpu"] && device && device.gpuVendor !== "nvidia")
      err(at("resources", "nvidia.com/gpu"), `${device.name} has no NVIDIA GPU`);

    const scaled = t.autoscaling;
    if (scaled) {
      if (scaled.queueDepth !== undefined && !engine.metrics.queueDepth)
        err(
          at("autoscaling", "queueDepth"),
          `${engine.name} exports no queue-depth metric: it cannot autoscale on it`,
        );
      if (scaled.kvCacheUsage !== undefined && !engine.metrics.kvCacheUsage)
        err(
          at("autoscaling", "kvCacheUsage"),
          `${engine.name} exports no KV-cache usage metric${engine.name === "llama.cpp" ? " (removed in llama.cpp PR #13660)" : ""}: use queueDepth`,
        );
      if (t.platform === "docker-compose" || t.platform === "docker" || t.platform === "azure-aci")
        err(at("autoscaling"), `${t.platform} has no autoscaler: use replicas`);
      if (scaled.minReplicas === 0 && t.platform !== "cloud-run")
        warn(
          at("autoscaling", "minReplicas"),
          "scale to zero needs KEDA or Knative; the rendered HPA keeps at least 1 replica",
        );
    }
    if (t.capacity) {
      if (
        t.platform === "docker-compose" ||
        t.platform === "docker" ||
        t.platform === "cloud-run" ||
        t.platform === "azure-aci"
      )
        err(at("capacity"), `${t.platform} has no spot capacity to mix with on-demand`);
      if (t.capacity.onDemand + t.capacity.spot === 0) err(at("capacity"), "capacity plans zero replicas");
      if (t.capacity.onDemand === 0)
        warn(at("capacity", "onDemand"), "all replicas on spot: a reclaim takes the whole service down");
    }

    const cpu = res.cpu !== undefined ? parseQuantity(res.cpu) : undefined;
    const mem = res.memory !== undefined ? parseQuantity(res.memory) : undefined;
    if (t.platform === "cloud-run") {
      if ((gpus ?? 0) > 1)
        err(at("resources", "nvidia.com/gpu"), "Cloud Run gives at most 1 GPU (NVIDIA L4) per instance");
      if (tp * pp > 1)
        err(at("platform"), `Cloud Run has 1 GPU per instance; ${model.sharding} needs ${tp * pp}`);
      if (mem !== undefined && mem > 32 * GiB)
        err(at("resources", "memory"), "Cloud Run allows at most 32Gi per instance");
      if (cpu !== undefined && cpu > 8)
        err(at("resources", "cpu"), "Cloud Run allows at most 8 CPUs per instance");
    }
    if (t.platform === "azure-aci") {
      if ((gpus ?? 0) > 4)
        err(
          at("resources", "nvidia.com/gpu"),
          "Azure Container Instances allow at most 4 GPUs per container group",
        );
      if ((gpus ?? 0) > 0)
        warn(
          at("resources", "nvidia.com/gpu"),
          "ACI GPU SKUs are K80, P100 and V100 only and availability is limited: check the region first",
        );
      if (mem !== undefined && mem > 16 * GiB * 4)
        warn(at("resources", "memory"), "ACI container groups are small (check the region's memory limit)");
    }
    if (t.platform === "aws-ecs" && (gpus ?? tp * pp) > 0 && !t.instanceType)
      warn(
        at("platform"),
        "ECS GPUs need EC2 capacity (not Fargate): set instanceType to the GPU instance family",
      );
    if ((t.platform === "kubernetes" || t.platform === "nomad") && t.host)
      warn(at("host"), `host is ignored on ${t.platform}`);

    const strategy = normalizeStrategy(t.strategy) ?? normalizeStrategy(spec.spec.strategy);
    if (strategy?.type === "canary" && t.platform === "azure-aci")
      err(at("strategy"), "azure-aci runs one container group: canary needs two revisions behind a router");

    try {
      const plan = planTarget(spec, t);
      for (const w of plan.warnings) warn(at(t.device ? "device" : "platform"), w);
    } catch (e) {
      err(at(), `cannot plan this target: ${(e as Error).message}`);
    }
  });

  if (spec.spec.signature?.required)
    spec.spec.targets.forEach((t, i) => {
      const image = t.image ?? runtime.image;
      if (image && !image.includes("@sha256:"))
        warn(
          ["spec", "targets", i, t.image ? "image" : "platform"],
          "signature.required: pin the image by digest (@sha256:…) so the signed artifact is the one that runs",
        );
    });
  return out;
}
