import { findDevice, type TDevice } from "./devices";
import { engineFor, type TEngine } from "./engines";
import { parseDuration, parseQuantity } from "./quantity";
import { modelSizeGB, startupBudget, type TStartupBudget, terminationGraceSeconds } from "./sizing";
import {
  normalizeStrategy,
  type TAIDeployment,
  type TPlatform,
  type TStrategy,
  type TStrategyType,
  type TTarget,
} from "./spec";

// A target resolved against the spec, the engine table and the device table: every number a renderer
// needs, computed once, so the six renderers only translate and never decide.

export interface TResolvedStrategy {
  type: TStrategyType;
  maxSurge: number;
  maxUnavailable: number;
  steps: { weight: number; pauseSeconds?: number }[];
  autoRollback: boolean;
  healthTimeoutSeconds: number;
  maxErrorRate: number;
  maxTtftP95Seconds?: number;
  windowSeconds: number;
  scaleDownDelaySeconds: number;
}

export interface TTargetPlan {
  deployment: string;
  version?: string;
  target: TTarget;
  name: string;
  platform: TPlatform;
  engine: TEngine;
  image: string;
  port: number;
  command: string[] | null;
  args: string[];
  env: Record<string, string>;
  servedName: string;
  model: string;
  device?: TDevice;
  gpuVendor: "nvidia" | "amd" | "apple" | "none";
  gpus: number;
  cpu?: number;
  memoryBytes?: number;
  ephemeralBytes?: number;
  tensorParallel: number;
  pipelineParallel: number;
  /** Fixed replica count; with autoscaling, the minimum. */
  replicas: number;
  autoscaling?: {
    minReplicas: number;
    maxReplicas: number;
    queueDepth?: number;
    kvCacheUsage?: number;
    scaleDownDelaySeconds: number;
  };
  capacity?: {
    onDemand: number;
    spot: number;
    spotProvider: "gke" | "eks" | "karpenter" | "aks" | "generic";
  };
  modelSizeGB?: number;
  startup: TStartupBudget;
  preStopSeconds: number;
  terminationGraceSeconds: number;
  shmBytes: number;
  strategy: TResolvedStrategy;
  metrics: boolean;
  tracesEndpoint?: string;
  logsEndpoint?: string;
  labels: Record<string, string>;
  modelCache?: { pvc?: string; hostPath?: string; sizeBytes?: number };
  nodeSelector: Record<string, string>;
  readOnlyRootFilesystem: boolean;
  runAsUser: number;
  signatureRequired: boolean;
  warnings: string[];
}

export interface TPlanOptions {
  /** CLI `--strategy` override. */
  strategy?: TStrategyType;
}

const LABEL_VALUE = /[^A-Za-z0-9._-]/g;
export const labelValue = (v: string) =>
  v
    .replace(LABEL_VALUE, "-")
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");

export function planTarget(spec: TAIDeployment, target: TTarget, opts: TPlanOptions = {}): TTargetPlan {
  const warnings: string[] = [];
  const { model, runtime } = spec.spec;
  const engine = engineFor(target.engine ?? runtime.engine);
  const device = target.device ? findDevice(target.device) : undefined;
  const res = target.resources ?? {};

  const [specTp, specPp] = parseSharding(model.sharding);
  const tpWanted = runtime.tensorParallelSize ?? runtime.tensor_parallel_size ?? specTp;
  const ppWanted = runtime.pipelineParallelSize ?? runtime.pipeline_parallel_size ?? specPp;

  const explicitGpus = res["nvidia.com/gpu"] ?? res["amd.com/gpu"];
  let gpus: number;
  const dockerLike = target.platform === "docker-compose" || target.platform === "docker";
  if (explicitGpus !== undefined) gpus = explicitGpus;
  else if (device)
    gpus = dockerLike && !device.dockerGpu ? 0 : Math.min(device.gpusPerHost, tpWanted * ppWanted);
  else gpus = engine.gpu === "required" ? tpWanted * ppWanted : 0;
  if (device && !device.dockerGpu && dockerLike && device.gpuVendor !== "none")
    warnings.push(
      `${device.name}: Docker on macOS cannot reach the GPU, the container runs on CPU only; run the engine natively for GPU speed`,
    );
  if (gpus === 0 && engine.gpu === "required")
    warnings.push(
      `${engine.name} needs a GPU and this target has none: expect it to fail or crawl; consider engine llama.cpp or ollama`,
    );

  let tensorParallel = tpWanted;
  let pipelineParallel = ppWanted;
  if (tpWanted * ppWanted > Math.max(gpus, 1)) {
    // Only reachable when the GPU count came from the device (explicit counts are checked in ./checks).
    tensorParallel = Math.max(1, Math.min(tpWanted, gpus));
    pipelineParallel = 1;
    if (gpus > 0)
      warnings.push(
        `sharding asks for ${tpWanted * ppWanted} GPUs but this target has ${gpus}: rendered with tensor-parallel ${tensorParallel}`,
      );
  }
  const gpuVendor = gpus === 0 ? "none" : (device?.gpuVendor ?? (res["amd.com/gpu"] ? "amd" : "nvidia"));

  const port = runtime.port ?? engine.port;
  const sourceModel = modelRef(model.source, model.name);
  const servedName = model.servedName ?? model.name;
  const cache = target.modelCache;
  const otlp = spec.spec.observability?.traces;

  const argsInput = {
    model: sourceModel.model,
    localPath: sourceModel.localPath,
    servedName,
    quantization: model.quantization,
    tensorParallel,
    pipelineParallel,
    gpus,
    cpu: res.cpu !== undefined ? parseQuantity(res.cpu) : undefined,
    port,
    maxNumSeqs: runtime.maxNumSeqs,
    maxModelLen: runtime.maxModelLen,
    gpuMemoryUtilization: runtime.gpuMemoryUtilization,
    kvCacheDtype: runtime.kvCacheDtype,
    enablePrefixCaching: runtime.enablePrefixCaching,
    enablePriorityScheduling: runtime.enablePriorityScheduling ?? runtime.enable_priority_scheduling,
    otlpEndpoint: otlp,
    extraArgs: runtime.extraArgs ?? [],
  };

  // runtime.version pins the spec's engine; a target that switches engine gets that engine's default tag.
  const version = target.engine && target.engine !== runtime.engine ? undefined : runtime.version;
  const tag = version ?? (gpus === 0 && engine.image.cpuTag ? engine.image.cpuTag : engine.image.defaultTag);
  const image = target.image ?? runtime.image ?? `${engine.image.repository}:${tag}`;
  if (
    device?.arch === "arm64" &&
    !target.image &&
    !runtime.image &&
    device.gpuVendor === "nvidia" &&
    engine.name !== "ollama"
  )
    warnings.push(
      `${device.name} is arm64 (L4T): set target.image to an image built for JetPack; ${image} may not run there`,
    );

  const size = modelSizeGB(model.name, model.quantization, model.sizeGB);
  const startup = startupBudget(
    engine,
    size,
    model.startupTimeout ? parseDuration(model.startupTimeout) : undefined,
  );
  const preStopSeconds = gpus > 0 ? 15 : 5;

  const capacity = target.capacity ? { spotProvider: "generic" as const, ...target.capacity } : undefined;
  const replicas = capacity
    ? capacity.onDemand + capacity.spot
    : (target.replicas ?? target.autoscaling?.minReplicas ?? 1);
  const autoscaling = target.autoscaling
    ? {
        minReplicas: target.autoscaling.minReplicas,
        maxReplicas: target.autoscaling.maxReplicas,
        queueDepth: target.autoscaling.queueDepth,
        kvCacheUsage: target.autoscaling.kvCacheUsage,
        scaleDownDelaySeconds: target.autoscaling.scaleDownDelay
          ? parseDuration(target.autoscaling.scaleDownDelay)
          : 300,
      }
    : undefined;

  const strat = normalizeStrategy(target.strategy) ??
    normalizeStrategy(spec.spec.strategy) ?? { type: "rolling" };
  const strategy = resolveStrategy(
    opts.strategy ? { ...strat, type: opts.strategy } : strat,
    gpus,
    replicas,
    startup.seconds,
  );
  if (strategy.type === "blue-green" && gpus > 0 && device && device.gpusPerHost < gpus * 2 && dockerLike)
    warnings.push(
      `blue-green runs both tracks at once: ${gpus * 2} GPUs needed on a ${device.gpusPerHost}-GPU host; the worker falls back to recreate unless both fit`,
    );

  const env: Record<string, string> = {
    ...engine.env(argsInput),
    ...(otlp
      ? {
          OTEL_EXPORTER_OTLP_ENDPOINT: /^[a-z]+:\/\//.test(otlp) ? otlp : `http://${otlp}`,
          OTEL_SERVICE_NAME: spec.metadata.name,
        }
      : {}),
    ...(runtime.env ?? {}),
  };

  const labels: Record<string, string> = {
    "app.kubernetes.io/name": spec.metadata.name,
    "app.kubernetes.io/instance": labelValue(`${spec.metadata.name}-${target.name}`),
    ...(spec.metadata.version ? { "app.kubernetes.io/version": labelValue(spec.metadata.version) } : {}),
    "app.kubernetes.io/component": "inference",
    "app.kubernetes.io/managed-by": "aitk",
    "aitk.io/deployment": spec.metadata.name,
    "aitk.io/target": target.name,
    "aitk.io/engine": labelValue(engine.name),
    ...(spec.metadata.labels ?? {}),
  };

  const nodeSelector: Record<string, string> = { ...(target.nodeSelector ?? {}) };
  if (target.platform === "kubernetes" && device?.nfdProduct && gpus > 0)
    nodeSelector["nvidia.com/gpu.product"] ??= device.nfdProduct;
  if (target.platform === "kubernetes" && device) nodeSelector["kubernetes.io/arch"] ??= device.arch;

  return {
    deployment: spec.metadata.name,
    version: spec.metadata.version,
    target,
    name: spec.metadata.name,
    platform: target.platform,
    engine,
    image,
    port,
    command: engine.command,
    args: engine.args(argsInput),
    env,
    servedName,
    model: sourceModel.model,
    device,
    gpuVendor,
    gpus,
    cpu: res.cpu !== undefined ? parseQuantity(res.cpu) : undefined,
    memoryBytes: res.memory !== undefined ? parseQuantity(res.memory) : undefined,
    ephemeralBytes:
      res["ephemeral-storage"] !== undefined ? parseQuantity(res["ephemeral-storage"]) : undefined,
    tensorParallel,
    pipelineParallel,
    replicas,
    autoscaling,
    capacity,
    modelSizeGB: size,
    startup,
    preStopSeconds,
    terminationGraceSeconds: terminationGraceSeconds(runtime.maxModelLen, preStopSeconds),
    // NCCL needs far more than Docker's 64 MB /dev/shm once tensors cross GPUs (kserve#3791).
    shmBytes:
      (tensorParallel * pipelineParallel > 1 ? Math.min(16, 2 * tensorParallel * pipelineParallel) : 1) *
      2 ** 30,
    strategy,
    metrics:
      (spec.spec.observability?.metrics ?? "prometheus") === "prometheus" && engine.metrics.path !== null,
    tracesEndpoint: otlp,
    logsEndpoint: spec.spec.observability?.logs,
    labels,
    modelCache: cache
      ? {
          pvc: cache.pvc,
          hostPath: cache.hostPath,
          sizeBytes: cache.size !== undefined ? parseQuantity(cache.size) : undefined,
        }
      : sourceModel.pvc
        ? { pvc: sourceModel.pvc }
        : undefined,
    nodeSelector,
    readOnlyRootFilesystem: target.security?.readOnlyRootFilesystem ?? true,
    runAsUser: target.security?.runAsUser ?? 1000,
    signatureRequired: spec.spec.signature?.required ?? false,
    warnings,
  };
}

export function planAll(spec: TAIDeployment, opts: TPlanOptions = {}): TTargetPlan[] {
  return spec.spec.targets.map((t) => planTarget(spec, t, opts));
}

/** "tensor-parallel-8" → [8, 1]; "tensor-parallel-4,pipeline-parallel-2" → [4, 2]. */
export function parseSharding(s: string | undefined): [number, number] {
  let tp = 1;
  let pp = 1;
  for (const part of (s ?? "none").split(",")) {
    const m = /^(tensor|pipeline)-parallel-(\d+)$/.exec(part.trim());
    if (!m?.[2]) continue;
    if (m[1] === "tensor") tp = Number(m[2]);
    else pp = Number(m[2]);
  }
  return [tp, pp];
}

function modelRef(
  source: string | undefined,
  name: string,
): { model: string; localPath?: string; pvc?: string } {
  if (!source) return { model: name };
  const m = /^([a-z0-9]+):\/\/(.*)$/.exec(source);
  const scheme = m?.[1];
  const rest = m?.[2] ?? "";
  switch (scheme) {
    case "hf":
    case "ollama":
      return { model: rest };
    case "file":
      return { model: name, localPath: rest.startsWith("/") ? rest : `/${rest}` };
    case "pvc": {
      const [claim, ...path] = rest.split("/");
      return { model: name, localPath: `/models/${path.join("/")}`.replace(/\/$/, ""), pvc: claim };
    }
    default:
      return { model: source };
  }
}

function resolveStrategy(
  s: TStrategy,
  gpus: number,
  replicas: number,
  startupSeconds: number,
): TResolvedStrategy {
  const g = s.gates ?? {};
  // GPUs are rarely spare: with several replicas, replace one at a time instead of surging ("ResourceAware").
  const resourceAware = gpus > 0 && replicas > 1;
  return {
    type: s.type,
    maxSurge: s.maxSurge ?? (resourceAware ? 0 : 1),
    maxUnavailable: s.maxUnavailable ?? (resourceAware ? 1 : 0),
    steps: (
      s.steps ??
      (s.type === "canary"
        ? [{ weight: 10, pause: "5m" }, { weight: 50, pause: "10m" }, { weight: 100 }]
        : [])
    ).map((st) => ({ weight: st.weight, pauseSeconds: st.pause ? parseDuration(st.pause) : undefined })),
    autoRollback: s.autoRollback ?? true,
    healthTimeoutSeconds: g.healthTimeout ? parseDuration(g.healthTimeout) : startupSeconds,
    maxErrorRate: g.maxErrorRate ?? 0.05,
    maxTtftP95Seconds: g.maxTtftP95 ? parseDuration(g.maxTtftP95) : undefined,
    windowSeconds: g.window ? parseDuration(g.window) : 300,
    scaleDownDelaySeconds: s.scaleDownDelay ? parseDuration(s.scaleDownDelay) : 30,
  };
}
