import { z } from "zod";

// The AIDeployment spec (`apiVersion: aitk/v1`, `kind: AIDeployment`): one model + runtime, many targets.
// Shape only here (no transforms), so `z.toJSONSchema` gives editors and the API the same contract;
// cross-field rules live in the superRefine at the bottom and in ./capabilities.

export const PLATFORMS = [
  "kubernetes",
  "docker-compose",
  "docker",
  "nomad",
  "aws-ecs",
  "cloud-run",
  "azure-aci",
] as const;
export type TPlatform = (typeof PLATFORMS)[number];

export const ENGINES = ["vllm", "tgi", "llama.cpp", "ollama", "aitk"] as const;
export type TEngineName = (typeof ENGINES)[number];

export const QUANTIZATIONS = [
  "none",
  "fp32",
  "fp16",
  "bf16",
  "fp8",
  "int8",
  "int4",
  "awq",
  "gptq",
  "bitsandbytes",
  "gguf",
  "q8_0",
  "q6_k",
  "q5_k_m",
  "q4_k_m",
  "q4_0",
] as const;
export type TQuantization = (typeof QUANTIZATIONS)[number];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// Kubernetes resource quantity: 128, 0.5, 500m, 64Gi, 1.5G, 1e3.
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)(e\d+|[KMGTPE]i?|[numk])?$/;
const DURATION = /^(?=\d)(\d+h)?(\d+m)?(\d+s)?$/;
const SHARDING = /^(none|(tensor|pipeline)-parallel-[1-9]\d*(,(tensor|pipeline)-parallel-[1-9]\d*)?)$/;

export const ZDuration = z
  .string()
  .regex(DURATION, 'expected a duration such as "90s", "10m" or "1h30m"')
  .describe("Duration: hours, minutes, seconds, e.g. 90s, 10m, 1h30m");

const ZQuantity = z.union([
  z.number().positive(),
  z.string().regex(QUANTITY, "expected a quantity such as 8, 500m, 64Gi or 1.5G"),
]);
const ZCount = z.number().int().min(0);

export const ZModel = z
  .strictObject({
    name: z.string().min(1).describe("Model id (Hugging Face repo, Ollama tag or local path)"),
    source: z
      .string()
      .regex(
        /^(hf|s3|gs|pvc|oci|file|ollama|https?):\/\/\S+$/,
        "expected a URL such as hf://org/model or s3://bucket/path",
      )
      .optional()
      .describe("Where weights come from; defaults to hf://<name>"),
    servedName: z.string().min(1).optional().describe("Name clients use in the OpenAI API"),
    quantization: z.enum(QUANTIZATIONS).optional(),
    sharding: z
      .string()
      .regex(
        SHARDING,
        'expected "none", "tensor-parallel-N", "pipeline-parallel-N" or both joined by a comma',
      )
      .optional()
      .describe("e.g. tensor-parallel-8"),
    sizeGB: z
      .number()
      .positive()
      .optional()
      .describe("Weights size on disk; guessed from the name when absent"),
    startupTimeout: ZDuration.optional().describe(
      "Budget for download + load before the startup probe gives up",
    ),
  })
  .describe("The model served");

export const ZRuntime = z
  .strictObject({
    engine: z.enum(ENGINES),
    version: z.string().min(1).optional(),
    image: z.string().min(1).optional().describe("Overrides the engine's default image"),
    port: z.number().int().min(1).max(65535).optional(),
    maxNumSeqs: z.number().int().min(1).optional(),
    maxModelLen: z.number().int().min(16).optional(),
    gpuMemoryUtilization: z.number().gt(0).max(1).optional(),
    kvCacheDtype: z.enum(["auto", "fp16", "bf16", "fp8", "fp8_e4m3", "fp8_e5m2", "q8_0", "q4_0"]).optional(),
    enablePrefixCaching: z.boolean().optional(),
    enablePriorityScheduling: z.boolean().optional(),
    priorityLevels: z.number().int().min(1).max(16).optional(),
    tensorParallelSize: z.number().int().min(1).optional(),
    pipelineParallelSize: z.number().int().min(1).optional(),
    // Spellings used in the seed's examples (vLLM's Python argument names).
    enable_priority_scheduling: z.boolean().optional().describe("Alias of enablePriorityScheduling"),
    priority_levels: z.number().int().min(1).max(16).optional().describe("Alias of priorityLevels"),
    tensor_parallel_size: z.number().int().min(1).optional().describe("Alias of tensorParallelSize"),
    pipeline_parallel_size: z.number().int().min(1).optional().describe("Alias of pipelineParallelSize"),
    extraArgs: z.array(z.string()).optional().describe("Appended verbatim to the engine command line"),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "invalid environment variable name"), z.string())
      .optional(),
  })
  .describe("Inference engine and its settings");

export const ZResources = z
  .strictObject({
    "nvidia.com/gpu": ZCount.optional(),
    "amd.com/gpu": ZCount.optional(),
    cpu: ZQuantity.optional(),
    memory: ZQuantity.optional(),
    "ephemeral-storage": ZQuantity.optional(),
    "cuda-cores": z.number().int().positive().optional().describe("Informational: device GPU size (Jetson)"),
    "gpu-cores": z.number().int().positive().optional().describe("Informational: Apple GPU cores"),
  })
  .describe("Per replica");

export const ZAutoscaling = z
  .strictObject({
    minReplicas: ZCount,
    maxReplicas: z.number().int().min(1),
    queueDepth: z.number().positive().optional().describe("Target waiting requests per replica"),
    kvCacheUsage: z.number().gt(0).max(1).optional().describe("Target KV-cache usage fraction per replica"),
    scaleDownDelay: ZDuration.optional(),
  })
  .describe("Mutually exclusive with replicas");

export const SPOT_PROVIDERS = ["gke", "eks", "karpenter", "aks", "generic"] as const;

export const ZCapacity = z
  .strictObject({
    onDemand: ZCount.describe("Baseline replicas on on-demand capacity"),
    spot: ZCount.describe("Replicas on spot / preemptible capacity"),
    spotProvider: z
      .enum(SPOT_PROVIDERS)
      .optional()
      .describe("Picks the node labels and taints for spot nodes"),
  })
  .describe("Mixed on-demand + spot plan; the replica count is onDemand + spot");

export const ZGates = z.strictObject({
  healthTimeout: ZDuration.optional().describe("How long new replicas may take to become healthy"),
  maxErrorRate: z.number().min(0).max(1).optional().describe("Roll back when the 5xx ratio exceeds this"),
  maxTtftP95: ZDuration.optional().describe("Roll back when p95 time-to-first-token exceeds this"),
  window: ZDuration.optional().describe("Observation window for the gates"),
});

export const STRATEGIES = ["rolling", "blue-green", "canary", "recreate"] as const;
export type TStrategyType = (typeof STRATEGIES)[number];

export const ZStrategy = z
  .strictObject({
    type: z.enum(STRATEGIES),
    maxSurge: ZCount.optional(),
    maxUnavailable: ZCount.optional(),
    steps: z
      .array(
        z.strictObject({
          weight: z.number().int().min(1).max(100),
          pause: ZDuration.optional(),
        }),
      )
      .min(1)
      .optional()
      .describe("Canary traffic steps, in percent"),
    gates: ZGates.optional(),
    autoRollback: z.boolean().optional(),
    scaleDownDelay: ZDuration.optional().describe(
      "Blue-green: keep the old track this long after the switch",
    ),
  })
  .describe("Rollout strategy");

const ZStrategyOrName = z.union([z.enum(STRATEGIES), ZStrategy]);

export const ZTarget = z
  .strictObject({
    name: z
      .string()
      .regex(DNS_LABEL, "target names are lower-case DNS labels (a-z, 0-9, -), at most 63 characters"),
    platform: z.enum(PLATFORMS),
    cluster: z.string().min(1).optional().describe("Kubernetes context, Nomad address, ECS cluster"),
    namespace: z.string().regex(DNS_LABEL, "namespaces are lower-case DNS labels").optional(),
    host: z.string().min(1).optional().describe("Registered Docker host (platform docker / docker-compose)"),
    device: z
      .string()
      .min(1)
      .optional()
      .describe("Hardware id, e.g. nvidia-h100, jetson-orin-agx, apple-m4-max"),
    region: z.string().min(1).optional(),
    instanceType: z.string().min(1).optional().describe("Cloud instance type, for placement and cost"),
    engine: z.enum(ENGINES).optional().describe("Overrides spec.runtime.engine for this target"),
    image: z.string().min(1).optional(),
    resources: ZResources.optional(),
    replicas: ZCount.optional(),
    autoscaling: ZAutoscaling.optional(),
    capacity: ZCapacity.optional(),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    strategy: ZStrategyOrName.optional(),
    security: z
      .strictObject({
        readOnlyRootFilesystem: z
          .boolean()
          .optional()
          .describe("Default true; some NVIDIA CDI setups need a writable root (nvidia-cdi-hook)"),
        runAsUser: z.number().int().min(1).optional().describe("Non-root uid (default 1000)"),
      })
      .optional(),
    modelCache: z
      .strictObject({
        pvc: z.string().min(1).optional(),
        hostPath: z.string().startsWith("/").optional(),
        size: ZQuantity.optional(),
      })
      .optional(),
  })
  .describe("Where to run");

export const ZObservability = z.strictObject({
  metrics: z.enum(["prometheus", "none"]).optional(),
  traces: z.string().min(1).optional().describe("OTLP gRPC endpoint host:port"),
  logs: z.string().min(1).optional().describe("Loki endpoint host:port"),
});

export const ZSignature = z.strictObject({
  required: z.boolean(),
  keys: z.array(z.string().min(1)).optional().describe("Key ids or public key fingerprints accepted"),
});

const ZSpec = z.strictObject({
  model: ZModel,
  runtime: ZRuntime,
  targets: z.array(ZTarget).min(1),
  observability: ZObservability.optional(),
  strategy: ZStrategyOrName.optional(),
  signature: ZSignature.optional(),
});

export const ZAIDeployment = z
  .strictObject({
    apiVersion: z.literal("aitk/v1"),
    kind: z.literal("AIDeployment"),
    metadata: z.strictObject({
      name: z.string().regex(DNS_LABEL, "metadata.name is a lower-case DNS label (a-z, 0-9, -)"),
      version: z.string().min(1).optional(),
      labels: z.record(z.string(), z.string()).optional(),
    }),
    spec: ZSpec,
  })
  .superRefine((d, ctx) => {
    const seen = new Map<string, number>();
    d.spec.targets.forEach((t, i) => {
      const prev = seen.get(t.name);
      if (prev !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["spec", "targets", i, "name"],
          message: `duplicate target name "${t.name}" (also targets[${prev}])`,
        });
      seen.set(t.name, i);
      const at = ["spec", "targets", i];
      if (t.replicas !== undefined && t.autoscaling)
        ctx.addIssue({
          code: "custom",
          path: [...at, "autoscaling"],
          message: "replicas and autoscaling are mutually exclusive: keep one",
        });
      if (t.capacity && t.replicas !== undefined && t.replicas !== t.capacity.onDemand + t.capacity.spot)
        ctx.addIssue({
          code: "custom",
          path: [...at, "replicas"],
          message: `replicas (${t.replicas}) must equal capacity.onDemand + capacity.spot (${t.capacity.onDemand + t.capacity.spot}); or drop replicas`,
        });
      if (t.autoscaling && t.autoscaling.minReplicas > t.autoscaling.maxReplicas)
        ctx.addIssue({
          code: "custom",
          path: [...at, "autoscaling", "minReplicas"],
          message: "autoscaling.minReplicas must not exceed maxReplicas",
        });
      if (t.autoscaling && t.autoscaling.queueDepth === undefined && t.autoscaling.kvCacheUsage === undefined)
        ctx.addIssue({
          code: "custom",
          path: [...at, "autoscaling"],
          message: "autoscaling needs a signal: queueDepth and/or kvCacheUsage",
        });
    });
    const checkStrategy = (s: unknown, path: (string | number)[]) => {
      if (!s || typeof s !== "object") return;
      const st = s as z.infer<typeof ZStrategy>;
      if (st.steps && st.type !== "canary")
        ctx.addIssue({
          code: "custom",
          path: [...path, "steps"],
          message: "steps only apply to the canary strategy",
        });
      if (st.steps) {
        st.steps.forEach((step, i) => {
          const before = st.steps?.[i - 1];
          if (before && step.weight <= before.weight)
            ctx.addIssue({
              code: "custom",
              path: [...path, "steps", i, "weight"],
              message: "canary step weights must increase",
            });
        });
      }
    };
    checkStrategy(d.spec.strategy, ["spec", "strategy"]);
    d.spec.targets.forEach((t, i) => {
      checkStrategy(t.strategy, ["spec", "targets", i, "strategy"]);
    });
  });

export type TAIDeployment = z.infer<typeof ZAIDeployment>;
export type TTarget = z.infer<typeof ZTarget>;
export type TModel = z.infer<typeof ZModel>;
export type TRuntime = z.infer<typeof ZRuntime>;
export type TStrategy = z.infer<typeof ZStrategy>;
export type TResources = z.infer<typeof ZResources>;

let cachedJsonSchema: Record<string, unknown> | undefined;

/** JSON Schema (draft 2020-12) of the spec, for the API and for editors (yaml-language-server). */
export function aiDeploymentJsonSchema(): Record<string, unknown> {
  cachedJsonSchema ??= {
    ...(z.toJSONSchema(ZAIDeployment, { unrepresentable: "any" }) as Record<string, unknown>),
    $id: "https://aitk.dev/schemas/aitk/v1/AIDeployment.json",
    title: "aitk AIDeployment (aitk/v1)",
  };
  return cachedJsonSchema;
}

/** Shorthand `strategy: blue-green` → object. */
export function normalizeStrategy(s: TTarget["strategy"] | undefined): TStrategy | undefined {
  if (s === undefined) return undefined;
  return typeof s === "string" ? { type: s } : s;
}
