import { adapterMetricName } from "../engines";
import type { TTargetPlan } from "../plan";
import { formatCpu, formatMemory } from "../quantity";
import {
  canaryReplicas,
  containerName,
  envList,
  type TRenderedFile,
  type TRenderOptions,
  yamlFile,
} from "./types";

// Kubernetes manifests: Deployment(s), Service (ClientIP affinity), HPA on engine queue / KV-cache
// metrics, PodDisruptionBudget, and a kustomization listing them. Plain objects; tests validate them
// with kubernetes-models. Notes behind the defaults: shared research deploy.md §2.1, §4.1.

type TObj = Record<string, unknown>;

const SPOT: Record<
  string,
  { nodeSelector: Record<string, string>; tolerations: TObj[]; onDemand?: Record<string, string> }
> = {
  gke: {
    nodeSelector: { "cloud.google.com/gke-spot": "true" },
    tolerations: [
      { key: "cloud.google.com/gke-spot", operator: "Equal", value: "true", effect: "NoSchedule" },
    ],
  },
  eks: {
    nodeSelector: { "eks.amazonaws.com/capacityType": "SPOT" },
    tolerations: [{ key: "spot-instance", operator: "Equal", value: "true", effect: "NoSchedule" }],
    onDemand: { "eks.amazonaws.com/capacityType": "ON_DEMAND" },
  },
  karpenter: {
    nodeSelector: { "karpenter.sh/capacity-type": "spot" },
    tolerations: [
      { key: "karpenter.sh/capacity-type", operator: "Equal", value: "spot", effect: "NoSchedule" },
    ],
    onDemand: { "karpenter.sh/capacity-type": "on-demand" },
  },
  aks: {
    nodeSelector: { "kubernetes.azure.com/scalesetpriority": "spot" },
    tolerations: [
      {
        key: "kubernetes.azure.com/scalesetpriority",
        operator: "Equal",
        value: "spot",
        effect: "NoSchedule",
      },
    ],
  },
  generic: {
    nodeSelector: {},
    // The seed's spot taint (chapter 7.5).
    tolerations: [{ key: "spot-instance", operator: "Equal", value: "true", effect: "NoSchedule" }],
  },
};

interface TTrack {
  name: string;
  replicas: number | undefined;
  selector: Record<string, string>;
  spot: boolean;
  role: "stable" | "spot" | "canary";
  track?: "blue" | "green";
}

export function renderKubernetes(plan: TTargetPlan, opts: TRenderOptions = {}): TRenderedFile[] {
  const ns = plan.target.namespace;
  const meta = (name: string, extra: TObj = {}) => ({
    name,
    ...(ns ? { namespace: ns } : {}),
    labels: plan.labels,
    ...extra,
  });
  const base = { "aitk.io/deployment": plan.deployment, "aitk.io/target": plan.target.name };
  const s = plan.strategy;
  const active = opts.activeTrack ?? "blue";

  // Which Deployments exist: blue-green renders the active track only (the apply engine adds the other);
  // canary renders stable + a canary track; a mixed capacity plan splits on-demand and spot.
  const tracks: TTrack[] = [];
  const cap = plan.capacity;
  const hpa = plan.autoscaling;
  if (s.type === "blue-green") {
    tracks.push({
      name: `${plan.name}-${active}`,
      replicas: plan.replicas,
      selector: { ...base, "aitk.io/track": active },
      spot: false,
      role: "stable",
      track: active,
    });
  } else if (cap && cap.onDemand > 0 && cap.spot > 0) {
    tracks.push({
      name: plan.name,
      replicas: cap.onDemand,
      selector: { ...base, "aitk.io/capacity": "on-demand" },
      spot: false,
      role: "stable",
    });
    tracks.push({
      name: `${plan.name}-spot`,
      replicas: cap.spot,
      selector: { ...base, "aitk.io/capacity": "spot" },
      spot: true,
      role: "spot",
    });
  } else {
    tracks.push({
      name: plan.name,
      replicas: plan.replicas,
      selector: { ...base, "aitk.io/track": "stable" },
      spot: !!cap && cap.onDemand === 0,
      role: "stable",
    });
  }
  if (s.type === "canary")
    tracks.push({
      name: `${plan.name}-canary`,
      replicas: 0,
      selector: { ...base, "aitk.io/track": "canary" },
      spot: false,
      role: "canary",
    });

  // The HPA owns replicas of the track that absorbs load (spot when mixed); SSA must not reset them.
  const scaled = hpa ? (tracks.find((t) => t.role === "spot") ?? tracks[0]) : undefined;
  if (scaled) scaled.replicas = undefined;

  const deployments = tracks.map((t) => deployment(plan, t, meta));
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(plan.name),
    spec: {
      type: "ClusterIP",
      selector: s.type === "blue-green" ? { ...base, "aitk.io/track": active } : base,
      ports: [{ name: "http", port: plan.port, targetPort: "http", protocol: "TCP" }],
      // Same client → same replica: keeps its prefix-cache hits (seed §3.2.2).
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
    },
  };
  const files: TRenderedFile[] = deployments.map((d) =>
    yamlFile(
      `deployment${d.metadata.name === plan.name ? "" : d.metadata.name.slice(plan.name.length)}.yaml`,
      plan,
      [d],
    ),
  );
  files.push(yamlFile("service.yaml", plan, [service]));
  if (s.type === "blue-green") {
    const preview = {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(`${plan.name}-preview`),
      spec: {
        type: "ClusterIP",
        selector: { ...base, "aitk.io/track": active === "blue" ? "green" : "blue" },
        ports: [{ name: "http", port: plan.port, targetPort: "http", protocol: "TCP" }],
      },
    };
    files.push(yamlFile("service-preview.yaml", plan, [preview]));
  }
  if (hpa && scaled) files.push(yamlFile("hpa.yaml", plan, [autoscaler(plan, scaled, meta)]));
  files.push(
    yamlFile("pdb.yaml", plan, [
      {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: meta(plan.name),
        spec: { maxUnavailable: 1, selector: { matchLabels: base } },
      },
    ]),
  );
  const kustomization = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    ...(ns ? { namespace: ns } : {}),
    resources: files.map((f) => f.path),
  };
  files.push(yamlFile("kustomization.yaml", plan, [kustomization]));
  return files;
}

function deployment(plan: TTargetPlan, t: TTrack, meta: (name: string, extra?: TObj) => TObj) {
  const s = plan.strategy;
  const labels = { ...plan.labels, ...t.selector };
  const spot = t.spot ? SPOT[plan.capacity?.spotProvider ?? "generic"] : undefined;
  const onDemandSel = !t.spot && plan.capacity ? (SPOT[plan.capacity.spotProvider]?.onDemand ?? {}) : {};
  const nodeSelector = { ...plan.nodeSelector, ...onDemandSel, ...(spot?.nodeSelector ?? {}) };
  const tolerations: TObj[] = [
    ...(plan.gpus > 0 && plan.gpuVendor === "nvidia"
      ? [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]
      : []),
    ...(spot?.tolerations ?? []),
  ];
  const annotations: Record<string, string> = {
    "aitk.io/startup-budget": `${plan.startup.seconds}s: ${plan.startup.basis}`,
    ...(plan.metrics && plan.engine.metrics.path
      ? {
          "prometheus.io/scrape": "true",
          "prometheus.io/port": String(plan.port),
          "prometheus.io/path": plan.engine.metrics.path,
        }
      : {}),
    ...(plan.logsEndpoint ? { "aitk.io/logs": `loki://${plan.logsEndpoint}` } : {}),
    ...(plan.signatureRequired ? { "aitk.io/signature-required": "true" } : {}),
    ...(t.role === "canary"
      ? {
          "aitk.io/canary-steps": s.steps
            .map((st) => `${st.weight}%${st.pauseSeconds ? `/${st.pauseSeconds}s` : ""}`)
            .join(","),
        }
      : {}),
  };
  const depAnnotations =
    t.role === "canary"
      ? {
          "aitk.io/canary-start-replicas": String(canaryReplicas(plan)),
          "aitk.io/max-error-rate": String(s.maxErrorRate),
        }
      : {};
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      ...meta(t.name),
      name: t.name,
      labels,
      ...(Object.keys(depAnnotations).length ? { annotations: depAnnotations } : {}),
    },
    spec: {
      ...(t.replicas !== undefined ? { replicas: t.replicas } : {}),
      revisionHistoryLimit: 5,
      // Must exceed model load, or a healthy-but-loading rollout is marked failed.
      progressDeadlineSeconds: plan.startup.seconds + 300,
      minReadySeconds: 10,
      selector: { matchLabels: t.selector },
      strategy:
        s.type === "recreate"
          ? { type: "Recreate" }
          : {
              type: "RollingUpdate",
              rollingUpdate: { maxSurge: s.maxSurge, maxUnavailable: s.maxUnavailable },
            },
      template: {
        metadata: { labels, annotations },
        spec: {
          // A Service named like the engine injects e.g. VLLM_PORT=tcp://… and crash-loops vLLM.
          enableServiceLinks: false,
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: plan.terminationGraceSeconds,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: plan.runAsUser,
            runAsGroup: plan.runAsUser,
            fsGroup: plan.runAsUser,
            seccompProfile: { type: "RuntimeDefault" },
          },
          ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}),
          ...(tolerations.length ? { tolerations } : {}),
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    labelSelector: {
                      matchLabels: {
                        "aitk.io/deployment": plan.deployment,
                        "aitk.io/target": plan.target.name,
                      },
                    },
                    topologyKey: "kubernetes.io/hostname",
                  },
                },
              ],
            },
          },
          containers: [container(plan)],
          volumes: volumes(plan),
        },
      },
    },
  };
}

function container(plan: TTargetPlan): TObj {
  const h = plan.engine.health;
  const period = 10;
  const startupProbe = h.startupPath
    ? {
        httpGet: { path: h.startupPath, port: "http" },
        periodSeconds: period,
        timeoutSeconds: 5,
        failureThreshold: Math.ceil(plan.startup.seconds / period),
      }
    : {
        exec: { command: h.startupExec?.(plan.model) ?? ["true"] },
        periodSeconds: period,
        // A pull can take the whole budget on the first attempt.
        timeoutSeconds: Math.min(plan.startup.seconds, 3600),
        failureThreshold: Math.max(3, Math.ceil(plan.startup.seconds / period)),
      };
  const requests: Record<string, string | number> = {};
  const limits: Record<string, string | number> = {};
  if (plan.cpu !== undefined) {
    requests.cpu = formatCpu(plan.cpu);
    limits.cpu = formatCpu(plan.cpu);
  }
  if (plan.memoryBytes !== undefined) {
    requests.memory = formatMemory(plan.memoryBytes);
    limits.memory = formatMemory(plan.memoryBytes);
  }
  if (plan.ephemeralBytes !== undefined) requests["ephemeral-storage"] = formatMemory(plan.ephemeralBytes);
  if (plan.gpus > 0 && (plan.gpuVendor === "nvidia" || plan.gpuVendor === "amd")) {
    const key = plan.gpuVendor === "amd" ? "amd.com/gpu" : "nvidia.com/gpu";
    requests[key] = plan.gpus;
    limits[key] = plan.gpus;
  }
  return {
    name: containerName(plan),
    image: plan.image,
    imagePullPolicy: "IfNotPresent",
    ...(plan.command ? { command: plan.command } : {}),
    args: plan.args,
    ports: [{ name: "http", containerPort: plan.port, protocol: "TCP" }],
    env: envList(plan.env),
    resources: {
      ...(Object.keys(requests).length ? { requests } : {}),
      ...(Object.keys(limits).length ? { limits } : {}),
    },
    // Startup covers download + load; readiness and liveness stay short and never run during load.
    startupProbe,
    readinessProbe: {
      httpGet: { path: h.readinessPath, port: "http" },
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    livenessProbe: {
      httpGet: { path: h.livenessPath, port: "http" },
      periodSeconds: 15,
      timeoutSeconds: 5,
      failureThreshold: 4,
    },
    // Let endpoints drop the pod before the engine stops accepting requests.
    lifecycle: { preStop: { sleep: { seconds: plan.preStopSeconds } } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: plan.readOnlyRootFilesystem,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    },
    volumeMounts: [
      { name: "dshm", mountPath: "/dev/shm" },
      ...plan.engine.writablePaths.map((p) => ({ name: volumeName(p), mountPath: p })),
    ],
  };
}

const volumeName = (path: string) =>
  path === "/models" ? "model-cache" : path.replace(/^\//, "").replace(/[^a-z0-9]+/g, "-");

function volumes(plan: TTargetPlan): TObj[] {
  const cache = plan.modelCache;
  const sizeLimit = plan.modelSizeGB ? formatMemory(Math.ceil(plan.modelSizeGB * 1.3) * 2 ** 30) : undefined;
  return [
    { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: formatMemory(plan.shmBytes) } },
    ...plan.engine.writablePaths.map((p) => {
      if (p !== "/models") return { name: volumeName(p), emptyDir: {} };
      if (cache?.pvc) return { name: "model-cache", persistentVolumeClaim: { claimName: cache.pvc } };
      if (cache?.hostPath)
        return { name: "model-cache", hostPath: { path: cache.hostPath, type: "DirectoryOrCreate" } };
      return {
        name: "model-cache",
        emptyDir: cache?.sizeBytes
          ? { sizeLimit: formatMemory(cache.sizeBytes) }
          : sizeLimit
            ? { sizeLimit }
            : {},
      };
    }),
  ];
}

function autoscaler(plan: TTargetPlan, scaled: TTrack, meta: (name: string) => TObj): TObj {
  const a = plan.autoscaling;
  if (!a) throw new Error("no autoscaling");
  const m = plan.engine.metrics;
  const fixed = plan.capacity && scaled.role === "spot" ? plan.capacity.onDemand : 0;
  const metrics: TObj[] = [];
  // prometheus-adapter exposes vllm:num_requests_waiting as vllm_num_requests_waiting (colons are reserved).
  if (a.queueDepth !== undefined && m.queueDepth)
    metrics.push({
      type: "Pods",
      pods: {
        metric: { name: adapterMetricName(m.queueDepth) },
        target: { type: "AverageValue", averageValue: quantity(a.queueDepth) },
      },
    });
  if (a.kvCacheUsage !== undefined && m.kvCacheUsage)
    metrics.push({
      type: "Pods",
      pods: {
        metric: { name: adapterMetricName(m.kvCacheUsage) },
        target: { type: "AverageValue", averageValue: quantity(a.kvCacheUsage) },
      },
    });
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: meta(plan.name),
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: scaled.name },
      minReplicas: Math.max(1, a.minReplicas - fixed),
      maxReplicas: Math.max(1, a.maxReplicas - fixed),
      metrics,
      behavior: {
        // GPUs take minutes to become useful: scale up in steps, scale down slowly.
        scaleUp: {
          stabilizationWindowSeconds: 60,
          policies: [{ type: "Pods", value: 2, periodSeconds: 120 }],
        },
        scaleDown: {
          stabilizationWindowSeconds: a.scaleDownDelaySeconds,
          policies: [{ type: "Pods", value: 1, periodSeconds: 120 }],
        },
      },
    },
  };
}

/** 0.8 → "800m", 10 → "10". */
function quantity(n: number): string {
  return Number.isInteger(n) ? String(n) : `${Math.round(n * 1000)}m`;
}
