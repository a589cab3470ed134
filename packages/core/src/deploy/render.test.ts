import { readFileSync } from "node:fs";
import { Service as KnativeService } from "@kubernetes-models/knative/serving.knative.dev/v1/Service";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Container } from "kubernetes-models/v1/Container";
import { Service } from "kubernetes-models/v1/Service";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseDeploymentYaml } from "./parse";
import { planTarget } from "./plan";
import { flattenRendered, renderDeployment, type TRenderedTarget } from "./render/index";
import type { TAIDeployment } from "./spec";

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}.aitk-deploy.yaml`, import.meta.url), "utf8");
const load = (name: string) => parseDeploymentYaml(fixture(name)).spec;

// Official schemas: kubernetes-models (K8s OpenAPI) and the compose-spec JSON Schema (shared/data).
const composeSchema = JSON.parse(
  readFileSync(new URL("../../../../../shared/data/compose-spec.json", import.meta.url), "utf8"),
);
composeSchema.$schema = "http://json-schema.org/draft-07/schema#";
const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
addFormats(ajv);
const validateCompose = ajv.compile(composeSchema);

const K8S: Record<string, new (d: never) => { validate(): void }> = {
  Deployment: Deployment as never,
  Service: Service as never,
  HorizontalPodAutoscaler: HorizontalPodAutoscaler as never,
  PodDisruptionBudget: PodDisruptionBudget as never,
};

// Nomad, ECS and ACI publish no JSON Schema we can use offline (Cloud Run is checked against Knative's): these zod schemas check the
// API shapes we emit (field names and types from each API reference).
const ns = z.number().int().nonnegative();
const ZNomadJob = z.strictObject({
  Job: z.object({
    ID: z.string().regex(/^[a-z0-9-]+$/),
    Name: z.string(),
    Type: z.literal("service"),
    Datacenters: z.array(z.string()).min(1),
    Meta: z.record(z.string(), z.string()),
    TaskGroups: z
      .array(
        z.object({
          Name: z.string(),
          Count: z.number().int().min(0),
          Update: z.object({
            MaxParallel: z.number().int().min(1),
            HealthCheck: z.enum(["checks", "task_states", "manual"]),
            MinHealthyTime: ns,
            HealthyDeadline: ns,
            ProgressDeadline: ns,
            AutoRevert: z.boolean(),
            AutoPromote: z.boolean(),
            Canary: z.number().int().min(0),
            Stagger: ns,
          }),
          Networks: z.array(
            z.object({ DynamicPorts: z.array(z.object({ Label: z.string(), To: z.number().int() })) }),
          ),
          Services: z.array(
            z.object({
              Name: z.string().regex(/^[a-zA-Z0-9-]+$/),
              PortLabel: z.string(),
              Provider: z.enum(["consul", "nomad"]),
              Checks: z.array(
                z.object({
                  Type: z.literal("http"),
                  Path: z.string().startsWith("/"),
                  Interval: ns,
                  Timeout: ns,
                }),
              ),
            }),
          ),
          Tasks: z
            .array(
              z.object({
                Name: z.string(),
                Driver: z.literal("docker"),
                Config: z.object({
                  image: z.string(),
                  args: z.array(z.string()),
                  ports: z.array(z.string()),
                }),
                Env: z.record(z.string(), z.string()),
                Resources: z.object({
                  CPU: z.number().int().optional(),
                  Cores: z.number().int().optional(),
                  MemoryMB: z.number().int().positive(),
                  Devices: z
                    .array(z.object({ Name: z.string(), Count: z.number().int().positive() }))
                    .optional(),
                }),
                KillTimeout: ns,
                LogConfig: z.object({ MaxFiles: z.number().int(), MaxFileSizeMB: z.number().int() }),
              }),
            )
            .length(1),
        }),
      )
      .min(1),
  }),
});
const kv = z.array(z.object({ name: z.string(), value: z.string() }));
const ZEcsTaskDefinition = z.object({
  family: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/),
  requiresCompatibilities: z.array(z.enum(["EC2", "FARGATE", "EXTERNAL"])),
  networkMode: z.enum(["bridge", "host", "awsvpc", "none"]),
  cpu: z.string().regex(/^\d+$/).optional(),
  memory: z.string().regex(/^\d+$/),
  containerDefinitions: z
    .array(
      z.object({
        name: z.string(),
        image: z.string(),
        essential: z.boolean(),
        command: z.array(z.string()),
        portMappings: z.array(
          z.object({
            containerPort: z.number().int(),
            hostPort: z.number().int(),
            protocol: z.enum(["tcp", "udp"]),
            name: z.string(),
            appProtocol: z.enum(["http", "http2", "grpc"]),
          }),
        ),
        environment: kv,
        resourceRequirements: z
          .array(z.object({ type: z.enum(["GPU", "InferenceAccelerator"]), value: z.string() }))
          .optional(),
        healthCheck: z.object({
          command: z.array(z.string()),
          interval: z.number().int().min(5).max(300),
          timeout: z.number().int().min(2).max(60),
          retries: z.number().int().min(1).max(10),
          startPeriod: z.number().int().min(0).max(300),
        }),
        readonlyRootFilesystem: z.boolean(),
        linuxParameters: z.object({
          sharedMemorySize: z.number().int().positive(),
          initProcessEnabled: z.boolean(),
        }),
        stopTimeout: z.number().int().max(120),
        logConfiguration: z.object({
          logDriver: z.literal("awslogs"),
          options: z.record(z.string(), z.string()),
        }),
      }),
    )
    .length(1),
});
const ZEcsService = z.object({
  cluster: z.string(),
  serviceName: z.string(),
  taskDefinition: z.string(),
  desiredCount: z.number().int().min(0),
  capacityProviderStrategy: z
    .array(
      z.object({
        capacityProvider: z.string(),
        base: z.number().int().min(0).max(100000),
        weight: z.number().int().min(0).max(1000),
      }),
    )
    .min(1),
  deploymentConfiguration: z.object({
    strategy: z.enum(["ROLLING", "BLUE_GREEN"]),
    minimumHealthyPercent: z.number().int().min(0),
    maximumPercent: z.number().int().min(100),
    deploymentCircuitBreaker: z.object({ enable: z.boolean(), rollback: z.boolean() }),
  }),
});
const ZCloudRun = z.object({
  apiVersion: z.literal("serving.knative.dev/v1"),
  kind: z.literal("Service"),
  metadata: z.object({
    name: z.string().regex(/^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$/),
    labels: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/), z.string().regex(/^[a-z0-9_-]*$/)),
  }),
  spec: z.object({
    template: z.object({
      metadata: z.object({ annotations: z.record(z.string(), z.string()) }),
      spec: z.object({
        containerConcurrency: z.number().int().min(1).max(1000),
        timeoutSeconds: z.number().int().max(3600),
        containers: z.array(z.unknown()).length(1),
      }),
    }),
    traffic: z.array(z.object({ percent: z.number().int(), latestRevision: z.boolean() })),
  }),
});
const ZAci = z.object({
  apiVersion: z.string(),
  location: z.string(),
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
  type: z.literal("Microsoft.ContainerInstance/containerGroups"),
  properties: z.object({
    osType: z.enum(["Linux", "Windows"]),
    restartPolicy: z.enum(["Always", "OnFailure", "Never"]),
    ipAddress: z.object({
      type: z.enum(["Public", "Private"]),
      ports: z.array(z.object({ protocol: z.enum(["TCP", "UDP"]), port: z.number().int() })),
    }),
    containers: z
      .array(
        z.object({
          name: z.string(),
          properties: z.object({
            image: z.string(),
            command: z.array(z.string()).min(1),
            ports: z.array(z.object({ protocol: z.enum(["TCP", "UDP"]), port: z.number().int() })),
            environmentVariables: kv,
            resources: z.object({
              requests: z.object({
                cpu: z.number().positive(),
                memoryInGB: z.number().positive(),
                gpu: z
                  .object({ count: z.number().int().min(1).max(4), sku: z.enum(["K80", "P100", "V100"]) })
                  .optional(),
              }),
            }),
          }),
        }),
      )
      .min(1),
  }),
});

function validateTarget(r: TRenderedTarget) {
  for (const f of r.files) {
    const where = `${r.target}/${f.path}`;
    switch (r.platform) {
      case "kubernetes": {
        // Validate the YAML text as written (not only the object), so serialisation is covered too.
        for (const doc of parseAllDocuments(f.content)) {
          const obj = doc.toJS() as { kind: string };
          if (obj.kind === "Kustomization") continue;
          const Model = K8S[obj.kind];
          expect(Model, `${where}: unexpected kind ${obj.kind}`).toBeDefined();
          if (Model) new Model(obj as never).validate();
        }
        break;
      }
      case "docker-compose":
      case "docker":
        if (f.path === "docker-compose.yml") {
          const ok = validateCompose(parseAllDocuments(f.content)[0]?.toJS());
          expect(validateCompose.errors ?? [], where).toEqual([]);
          expect(ok).toBe(true);
        } else expect(f.path).toBe("container.json");
        break;
      case "nomad":
        ZNomadJob.parse(JSON.parse(f.content));
        break;
      case "aws-ecs":
        (f.path === "service.json" ? ZEcsService : ZEcsTaskDefinition).parse(JSON.parse(f.content));
        break;
      case "cloud-run": {
        const obj = parseAllDocuments(f.content)[0]?.toJS();
        // Knative's own CRD schema, plus Cloud Run's narrower limits.
        new KnativeService(obj).validate();
        const svc = ZCloudRun.parse(obj);
        for (const c of svc.spec.template.spec.containers) new Container(c as never).validate();
        break;
      }
      case "azure-aci":
        ZAci.parse(parseAllDocuments(f.content)[0]?.toJS());
        break;
      default:
        throw new Error(`no validator for ${r.platform}`);
    }
  }
}

describe("renderers", () => {
  for (const name of ["seed", "all-platforms", "small-models"]) {
    it(`${name}: every target renders valid against its platform schema`, () => {
      const spec = load(name);
      const rendered = renderDeployment(spec);
      expect(rendered.map((r) => r.target)).toEqual(spec.spec.targets.map((t) => t.name));
      for (const r of rendered) validateTarget(r);
    });

    it(`${name}: snapshots`, () => {
      for (const r of renderDeployment(load(name)))
        for (const f of r.files) expect(f.content).toMatchSnapshot(`${r.target}/${f.path}`);
    });
  }

  it("blue-green and canary strategies render valid manifests on every platform", () => {
    const spec = load("all-platforms");
    for (const strategy of ["rolling", "blue-green", "canary", "recreate"] as const) {
      const targets = spec.spec.targets.filter((t) => t.platform !== "azure-aci");
      for (const r of renderDeployment({ ...spec, spec: { ...spec.spec, targets } }, { strategy }))
        validateTarget(r);
    }
  });

  it("kubernetes: probes sized to model load, security context, GPUs, session affinity, HPA metrics", () => {
    const [prod] = renderDeployment(load("seed"));
    const dep = prod?.files.find((f) => f.path === "deployment.yaml")?.data as {
      spec: { template: { spec: Record<string, unknown> } };
    };
    const pod = dep.spec.template.spec as { containers: Record<string, never>[]; securityContext: unknown };
    const c = pod.containers[0] as unknown as Record<string, { [k: string]: unknown }>;
    // 70B fp8 ≈ 70 GB: 120 s engine start + 280 s download + 35 s load, ×1.5 → 11 minutes of startup budget.
    expect(c.startupProbe).toMatchObject({
      httpGet: { path: "/health" },
      periodSeconds: 10,
      failureThreshold: 66,
    });
    expect(c.resources).toMatchObject({ limits: { "nvidia.com/gpu": 8, memory: "640Gi", cpu: "128" } });
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c.args).toEqual(
      expect.arrayContaining([
        "--tensor-parallel-size",
        "8",
        "--max-num-seqs",
        "256",
        "--gpu-memory-utilization",
        "0.95",
      ]),
    );
    const svc = prod?.files.find((f) => f.path === "service.yaml")?.data as { spec: Record<string, unknown> };
    expect(svc.spec.sessionAffinity).toBe("ClientIP");

    const eks = renderDeployment(load("all-platforms"), { targets: ["eks-autoscale"] })[0];
    const hpa = eks?.files.find((f) => f.path === "hpa.yaml")?.data as {
      spec: { metrics: { pods: { metric: { name: string } } }[]; scaleTargetRef: { name: string } };
    };
    expect(hpa.spec.metrics.map((m) => m.pods.metric.name)).toEqual([
      "vllm_num_requests_waiting",
      "vllm_kv_cache_usage_perc",
    ]);
    expect(hpa.spec.scaleTargetRef.name).toBe("llama-70b-blue");
    const blue = eks?.files.find((f) => f.path === "deployment-blue.yaml")?.data as {
      spec: Record<string, unknown>;
    };
    // The HPA owns replicas: the applied Deployment must not carry them.
    expect(blue.spec.replicas).toBeUndefined();
  });

  it("kubernetes: the seed's mixed plan splits on-demand and spot with spot tolerations", () => {
    const gke = renderDeployment(load("all-platforms"), { targets: ["gke-spot-mix"] })[0];
    const od = gke?.files.find((f) => f.path === "deployment.yaml")?.data as {
      spec: {
        replicas: number;
        template: { spec: { nodeSelector: Record<string, string>; tolerations: unknown[] } };
      };
    };
    const spot = gke?.files.find((f) => f.path === "deployment-spot.yaml")?.data as typeof od;
    expect(od.spec.replicas).toBe(2);
    expect(spot.spec.replicas).toBe(4);
    expect(spot.spec.template.spec.nodeSelector["cloud.google.com/gke-spot"]).toBe("true");
    expect(spot.spec.template.spec.tolerations).toContainEqual({
      key: "cloud.google.com/gke-spot",
      operator: "Equal",
      value: "true",
      effect: "NoSchedule",
    });
    expect(od.spec.template.spec.tolerations).not.toContainEqual(
      expect.objectContaining({ key: "cloud.google.com/gke-spot" }),
    );
  });

  it("compose: GPU device requests, healthcheck sized to load, restart, log limits, read-only", () => {
    const spec = load("all-platforms");
    const box = renderDeployment(spec, { targets: ["docker-gpu-box"] })[0];
    const compose = box?.files[0]?.data as { services: Record<string, Record<string, unknown>> };
    const svc = compose.services["llama-70b"] as Record<string, Record<string, unknown>>;
    expect(svc.deploy).toMatchObject({
      resources: { reservations: { devices: [{ driver: "nvidia", count: 4, capabilities: ["gpu"] }] } },
    });
    expect(svc.healthcheck).toMatchObject({ start_period: "11m", interval: "10s" });
    expect(svc).toMatchObject({
      restart: "unless-stopped",
      read_only: true,
      logging: { driver: "json-file", options: { "max-size": "50m", "max-file": "5" } },
    });
    const body = box?.files.find((f) => f.path === "container.json")?.data as {
      HostConfig: Record<string, unknown>;
    };
    expect(body.HostConfig.DeviceRequests).toEqual([{ Driver: "nvidia", Count: 4, Capabilities: [["gpu"]] }]);
    // Jetson: nvidia runtime instead of device requests; TP reduced to the board's single GPU.
    const orin = renderDeployment(load("seed"), { targets: ["edge-orin"] })[0];
    const orinCompose = orin?.files[0]?.data as typeof compose;
    const osvc = orinCompose.services["llm-inference-server"] as Record<string, unknown>;
    expect(osvc.runtime).toBe("nvidia");
    expect(osvc.command).not.toContain("--tensor-parallel-size");
  });

  it("the validators bite: a broken manifest fails", () => {
    const [prod] = renderDeployment(load("seed"));
    const dep = structuredClone(prod?.files[0]?.data) as {
      spec: { template: { spec: { containers: { resources: unknown }[] } } };
    };
    (dep.spec.template.spec.containers[0] as { resources: unknown }).resources = {
      limits: { "nvidia.com/gpu": "eight" },
    };
    expect(() => new Deployment(dep as never).validate()).toThrow();
    const orin = renderDeployment(load("seed"), { targets: ["edge-orin"] })[0];
    const compose = structuredClone(orin?.files[0]?.data) as {
      services: Record<string, Record<string, unknown>>;
    };
    (compose.services["llm-inference-server"] as Record<string, unknown>).gpu = "all";
    expect(validateCompose(compose)).toBe(false);
  });

  it("security overrides reach every platform; bundles flatten to <target>/<file>", () => {
    const spec = load("all-platforms");
    const targets = spec.spec.targets.map((t) => ({
      ...t,
      security: { readOnlyRootFilesystem: false, runAsUser: 2000 },
    }));
    const rendered = renderDeployment({ ...spec, spec: { ...spec.spec, targets } });
    for (const r of rendered) validateTarget(r);
    const all = rendered.flatMap((r) => r.files.map((f) => f.content)).join("\n");
    expect(all).not.toMatch(
      /readOnlyRootFilesystem: true|read_only: true|"ReadonlyRootfs": true|"readonly_rootfs": true|"readonlyRootFilesystem": true/,
    );
    expect(all).toContain("runAsUser: 2000");
    expect(all).toContain('"2000:2000"');
    const flat = flattenRendered(rendered);
    expect(flat.map((f) => f.path)).toContain("nomad-dc1/job.json");
    expect(flat.length).toBe(rendered.reduce((n, r) => n + r.files.length, 0));
  });

  it("per-engine command lines", () => {
    const base = load("small-models");
    const plan = (engine: TAIDeployment["spec"]["runtime"]["engine"]) =>
      planTarget(
        {
          ...base,
          spec: {
            ...base.spec,
            model: { name: "mistralai/Mistral-7B-Instruct-v0.3" },
            runtime: { engine, maxNumSeqs: 32, maxModelLen: 4096, gpuMemoryUtilization: 0.8 },
          },
        },
        {
          name: "k",
          platform: "kubernetes",
          resources: { "nvidia.com/gpu": 1 },
        },
      );
    expect(plan("vllm").args.join(" ")).toBe(
      "mistralai/Mistral-7B-Instruct-v0.3 --host 0.0.0.0 --port 8000 --served-model-name mistralai/Mistral-7B-Instruct-v0.3 --max-num-seqs 32 --max-model-len 4096 --gpu-memory-utilization 0.8",
    );
    expect(plan("tgi").args.join(" ")).toBe(
      "--model-id mistralai/Mistral-7B-Instruct-v0.3 --hostname 0.0.0.0 --port 8080 --max-concurrent-requests 32 --max-total-tokens 4096 --max-input-tokens 4095 --cuda-memory-fraction 0.8",
    );
    expect(plan("llama.cpp").args.join(" ")).toBe(
      "--hf-repo mistralai/Mistral-7B-Instruct-v0.3 --alias mistralai/Mistral-7B-Instruct-v0.3 --host 0.0.0.0 --port 8080 --ctx-size 4096 --parallel 32 --n-gpu-layers 999 --metrics",
    );
    const ollama = plan("ollama");
    expect(ollama.env).toMatchObject({
      OLLAMA_HOST: "0.0.0.0:11434",
      OLLAMA_KEEP_ALIVE: "-1",
      OLLAMA_NUM_PARALLEL: "32",
      OLLAMA_CONTEXT_LENGTH: "4096",
    });
    expect(ollama.engine.health.startupExec?.("x")).toEqual(["ollama", "pull", "x"]);
    const embedded = plan("aitk");
    expect(embedded.port).toBe(4100);
    expect(embedded.env).toMatchObject({
      ENGINE_PORT: "4100",
      ENGINE_SEQUENCES: "32",
      ENGINE_CONTEXT_SIZE: "4096",
      ENGINE_THREADS: "1",
    });
    expect(embedded.engine.health.startupPath).toBe("/ready");
  });
});
