import type { TTargetPlan } from "../plan";
import { formatComposeBytes, formatDuration } from "../quantity";
import { type TRenderedFile, type TRenderOptions, jsonFile, yamlFile } from "./types";

// docker-compose.yml for a Docker host (Jetson, workstation, Mac), and for platform `docker` also the
// Docker Engine API container-create body the worker uses to run replicas itself (blue-green needs two
// containers side by side, which compose cannot do). Validated in tests against compose-spec.json.

const LOG_OPTIONS = { "max-size": "50m", "max-file": "5" };

export function renderCompose(plan: TTargetPlan, _opts: TRenderOptions = {}): TRenderedFile[] {
  const service = composeService(plan);
  const doc = {
    name: composeProject(plan),
    services: { [plan.name]: service },
    volumes: plan.modelCache?.hostPath ? undefined : { "model-cache": {} },
    "x-aitk": {
      deployment: plan.deployment,
      target: plan.target.name,
      engine: plan.engine.name,
      strategy: plan.strategy.type,
      startupBudgetSeconds: plan.startup.seconds,
      ...(plan.logsEndpoint ? { logs: `loki://${plan.logsEndpoint}` } : {}),
    },
  };
  if (!doc.volumes) delete doc.volumes;
  const files = [yamlFile("docker-compose.yml", plan, [doc])];
  if (plan.platform === "docker") files.push(jsonFile("container.json", engineApiBody(plan)));
  return files;
}

export const composeProject = (plan: TTargetPlan) =>
  `${plan.deployment}-${plan.target.name}`.toLowerCase().replace(/[^a-z0-9_-]/g, "-");

function composeService(plan: TTargetPlan) {
  const h = plan.engine.health;
  const healthPath = h.startupPath ?? h.readinessPath;
  const jetson = plan.device?.dockerRuntime === "nvidia" && plan.gpus > 0;
  const gpuReservation =
    plan.gpus > 0 && !jetson && plan.gpuVendor === "nvidia"
      ? { reservations: { devices: [{ driver: "nvidia", count: plan.gpus, capabilities: ["gpu"] }] } }
      : {};
  const limits = {
    ...(plan.memoryBytes !== undefined ? { memory: formatComposeBytes(plan.memoryBytes) } : {}),
    ...(plan.cpu !== undefined ? { cpus: String(plan.cpu) } : {}),
  };
  const resources = { ...(Object.keys(limits).length ? { limits } : {}), ...gpuReservation };
  const modelMount = plan.modelCache?.hostPath
    ? `${plan.modelCache.hostPath}:/models`
    : "model-cache:/models";
  const single = plan.replicas === 1;
  return {
    image: plan.image,
    ...(plan.device?.arch === "arm64" ? { platform: "linux/arm64" } : {}),
    ...(plan.command ? { entrypoint: plan.command } : {}),
    ...(plan.args.length ? { command: plan.args } : {}),
    // One replica gets a fixed host port; several get ephemeral ones (the gateway discovers them).
    ports: [single ? `${plan.port}:${plan.port}` : String(plan.port)],
    environment: { ...plan.env, ...(jetson ? { NVIDIA_VISIBLE_DEVICES: "all" } : {}) },
    healthcheck: {
      test: plan.engine.dockerHealthcheck(plan.port, healthPath),
      interval: "10s",
      timeout: "5s",
      retries: 3,
      start_period: formatDuration(plan.startup.seconds),
      start_interval: "5s",
    },
    restart: "unless-stopped",
    read_only: plan.readOnlyRootFilesystem,
    tmpfs: plan.engine.writablePaths.filter((p) => p !== "/models"),
    volumes: [modelMount],
    shm_size: formatComposeBytes(plan.shmBytes),
    ...(jetson ? { runtime: "nvidia" } : {}),
    user: `${plan.runAsUser}:${plan.runAsUser}`,
    cap_drop: ["ALL"],
    security_opt: ["no-new-privileges:true"],
    stop_grace_period: formatDuration(plan.terminationGraceSeconds),
    logging: { driver: "json-file", options: LOG_OPTIONS },
    labels: plan.labels,
    deploy: {
      ...(single ? {} : { replicas: plan.replicas }),
      ...(Object.keys(resources).length ? { resources } : {}),
    },
  };
}

const NS = 1_000_000_000;

/** Docker Engine API `POST /containers/create` body for one replica (the worker adds name and port bindings). */
export function engineApiBody(plan: TTargetPlan) {
  const h = plan.engine.health;
  const jetson = plan.device?.dockerRuntime === "nvidia" && plan.gpus > 0;
  const env: Record<string, string> = { ...plan.env, ...(jetson ? { NVIDIA_VISIBLE_DEVICES: "all" } : {}) };
  return {
    Image: plan.image,
    ...(plan.command ? { Entrypoint: plan.command } : {}),
    Cmd: plan.args,
    Env: Object.keys(env)
      .sort()
      .map((k) => `${k}=${env[k]}`),
    ExposedPorts: { [`${plan.port}/tcp`]: {} },
    Labels: plan.labels,
    User: `${plan.runAsUser}:${plan.runAsUser}`,
    StopTimeout: plan.terminationGraceSeconds,
    Healthcheck: {
      Test: plan.engine.dockerHealthcheck(plan.port, h.startupPath ?? h.readinessPath),
      Interval: 10 * NS,
      Timeout: 5 * NS,
      Retries: 3,
      StartPeriod: plan.startup.seconds * NS,
      StartInterval: 5 * NS,
    },
    HostConfig: {
      RestartPolicy: { Name: "unless-stopped" },
      ReadonlyRootfs: plan.readOnlyRootFilesystem,
      Tmpfs: Object.fromEntries(
        plan.engine.writablePaths.filter((p) => p !== "/models").map((p) => [p, "rw,nosuid,nodev"]),
      ),
      Binds: [
        plan.modelCache?.hostPath
          ? `${plan.modelCache.hostPath}:/models`
          : `${plan.deployment}-model-cache:/models`,
      ],
      ShmSize: plan.shmBytes,
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges:true"],
      ...(plan.memoryBytes !== undefined ? { Memory: plan.memoryBytes } : {}),
      ...(plan.cpu !== undefined ? { NanoCpus: Math.round(plan.cpu * NS) } : {}),
      ...(plan.gpus > 0 && !jetson && plan.gpuVendor === "nvidia"
        ? { DeviceRequests: [{ Driver: "nvidia", Count: plan.gpus, Capabilities: [["gpu"]] }] }
        : {}),
      ...(jetson ? { Runtime: "nvidia" } : {}),
      LogConfig: { Type: "json-file", Config: LOG_OPTIONS },
    },
  };
}
