import type { TTargetPlan } from "../plan";
import { bytesToMiB } from "../quantity";
import { envList, type TRenderedFile, type TRenderOptions, jsonFile } from "./types";

// AWS ECS: a task definition (RegisterTaskDefinition input) and a service (CreateService input). GPUs
// need EC2 capacity (not Fargate), so the task runs in bridge mode on GPU container instances; the
// on-demand + spot mix maps onto a capacity-provider strategy (base on on-demand, the rest on spot).

export function renderEcs(plan: TTargetPlan, _opts: TRenderOptions = {}): TRenderedFile[] {
  return [
    jsonFile("task-definition.json", ecsTaskDefinition(plan)),
    jsonFile("service.json", ecsService(plan)),
  ];
}

export const ecsFamily = (plan: TTargetPlan) => `${plan.deployment}-${plan.target.name}`.slice(0, 255);

const tags = (plan: TTargetPlan) => Object.entries(plan.labels).map(([key, value]) => ({ key, value }));

export function ecsTaskDefinition(plan: TTargetPlan) {
  const h = plan.engine.health;
  const memMiB = plan.memoryBytes !== undefined ? bytesToMiB(plan.memoryBytes) : 8192;
  const region = plan.target.region ?? "us-east-1";
  return {
    family: ecsFamily(plan),
    requiresCompatibilities: ["EC2"],
    networkMode: "bridge",
    ...(plan.cpu !== undefined ? { cpu: String(Math.round(plan.cpu * 1024)) } : {}),
    memory: String(memMiB),
    containerDefinitions: [
      {
        name: plan.engine.name.replace(/[^a-zA-Z0-9_-]/g, "-"),
        image: plan.image,
        essential: true,
        ...(plan.command ? { entryPoint: plan.command } : {}),
        command: plan.args,
        portMappings: [
          { containerPort: plan.port, hostPort: 0, protocol: "tcp", name: "http", appProtocol: "http" },
        ],
        environment: envList(plan.env),
        ...(plan.gpus > 0 ? { resourceRequirements: [{ type: "GPU", value: String(plan.gpus) }] } : {}),
        healthCheck: {
          command: plan.engine.dockerHealthcheck(plan.port, h.startupPath ?? h.readinessPath),
          interval: 10,
          timeout: 5,
          retries: 3,
          // ECS caps the start period at 300 s; the service's grace period covers longer loads.
          startPeriod: Math.min(300, plan.startup.seconds),
        },
        readonlyRootFilesystem: plan.readOnlyRootFilesystem,
        user: `${plan.runAsUser}:${plan.runAsUser}`,
        linuxParameters: {
          sharedMemorySize: bytesToMiB(plan.shmBytes),
          initProcessEnabled: true,
          capabilities: { drop: ["ALL"] },
          tmpfs: plan.engine.writablePaths
            .filter((p) => p !== "/models")
            .map((p) => ({ containerPath: p, size: 1024 })),
        },
        mountPoints: [{ sourceVolume: "model-cache", containerPath: "/models", readOnly: false }],
        stopTimeout: Math.min(120, plan.terminationGraceSeconds),
        ulimits: [{ name: "memlock", softLimit: -1, hardLimit: -1 }],
        logConfiguration: {
          logDriver: "awslogs",
          options: {
            "awslogs-group": `/aitk/${plan.deployment}`,
            "awslogs-region": region,
            "awslogs-stream-prefix": plan.target.name,
            "awslogs-create-group": "true",
          },
        },
        dockerLabels: plan.labels,
      },
    ],
    volumes: [
      {
        name: "model-cache",
        host: { sourcePath: plan.modelCache?.hostPath ?? `/opt/aitk/models/${plan.deployment}` },
      },
    ],
    ...(plan.target.instanceType
      ? {
          placementConstraints: [
            { type: "memberOf", expression: `attribute:ecs.instance-type == ${plan.target.instanceType}` },
          ],
        }
      : {}),
    tags: tags(plan),
  };
}

export function ecsService(plan: TTargetPlan) {
  const s = plan.strategy;
  const cluster = plan.target.cluster ?? "default";
  const cap = plan.capacity;
  const capacityProviderStrategy = cap
    ? [
        ...(cap.onDemand > 0
          ? [{ capacityProvider: `${cluster}-on-demand`, base: cap.onDemand, weight: cap.spot > 0 ? 0 : 1 }]
          : []),
        ...(cap.spot > 0 ? [{ capacityProvider: `${cluster}-spot`, base: 0, weight: 1 }] : []),
      ]
    : [{ capacityProvider: `${cluster}-on-demand`, base: 0, weight: 1 }];
  const replicas = plan.replicas;
  return {
    cluster,
    serviceName: `${plan.deployment}-${plan.target.name}`,
    taskDefinition: ecsFamily(plan),
    desiredCount: replicas,
    capacityProviderStrategy,
    deploymentConfiguration: {
      strategy: s.type === "blue-green" ? "BLUE_GREEN" : "ROLLING",
      // GPU hosts rarely have a spare slot: replace in place unless the strategy asks for surge.
      minimumHealthyPercent:
        s.type === "blue-green"
          ? 100
          : Math.floor(((replicas - s.maxUnavailable) / Math.max(1, replicas)) * 100),
      maximumPercent:
        s.type === "blue-green" ? 200 : 100 + Math.ceil((s.maxSurge / Math.max(1, replicas)) * 100),
      deploymentCircuitBreaker: { enable: true, rollback: s.autoRollback },
      ...(s.type === "blue-green" ? { bakeTimeInMinutes: Math.ceil(s.scaleDownDelaySeconds / 60) } : {}),
      alarms: { alarmNames: [], enable: false, rollback: s.autoRollback },
    },
    healthCheckGracePeriodSeconds: plan.startup.seconds,
    placementStrategy: [{ type: "spread", field: "attribute:ecs.availability-zone" }],
    enableECSManagedTags: true,
    propagateTags: "TASK_DEFINITION",
    tags: tags(plan),
  };
}
