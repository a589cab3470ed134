import type { TTargetPlan } from "../plan";
import { bytesToMiB } from "../quantity";
import { canaryReplicas, commandLine, type TRenderedFile, type TRenderOptions, jsonFile } from "./types";

// Nomad API JSON (`{"Job": …}`, POST /v1/jobs). Nomad has no JSON Schema; tests check the subset with
// a zod schema. Strategies map onto the update block: blue-green = canaries equal to count, promoted by
// hand; canary = a few canaries; auto_revert on failed health. Durations are nanoseconds.

const S = 1_000_000_000;

export function renderNomad(plan: TTargetPlan, _opts: TRenderOptions = {}): TRenderedFile[] {
  return [jsonFile("job.json", nomadJob(plan))];
}

export function nomadJob(plan: TTargetPlan) {
  const cap = plan.capacity;
  const groups =
    cap && cap.onDemand > 0 && cap.spot > 0
      ? [
          group(plan, `${plan.engine.name.replace(/\./g, "-")}-on-demand`, cap.onDemand, "on-demand"),
          group(plan, `${plan.engine.name.replace(/\./g, "-")}-spot`, cap.spot, "spot"),
        ]
      : [group(plan, plan.engine.name.replace(/\./g, "-"), plan.replicas, cap ? "spot" : undefined)];
  return {
    Job: {
      ID: plan.name,
      Name: plan.name,
      Type: "service",
      Datacenters: [plan.target.cluster ?? "dc1"],
      ...(plan.target.region ? { Region: plan.target.region } : {}),
      ...(plan.target.namespace ? { Namespace: plan.target.namespace } : {}),
      // Nomad interpolates meta keys (${NOMAD_META_x}): keep them identifier-safe.
      Meta: Object.fromEntries(
        Object.entries(plan.labels).map(([k, v]) => [k.replace(/[^A-Za-z0-9_]/g, "_"), v]),
      ),
      TaskGroups: groups,
    },
  };
}

function group(plan: TTargetPlan, name: string, count: number, capacity: "on-demand" | "spot" | undefined) {
  const s = plan.strategy;
  const h = plan.engine.health;
  const canary = s.type === "blue-green" ? count : s.type === "canary" ? canaryReplicas(plan) : 0;
  return {
    Name: name,
    Count: count,
    // Operators tag spot clients with meta.aitk_capacity = "spot".
    ...(capacity
      ? {
          Constraints: [
            // biome-ignore lint/suspicious/noTemplateCurlyInString: Nomad's own interpolation syntax
            { LTarget: "${meta.aitk_capacity}", RTarget: "spot", Operand: capacity === "spot" ? "=" : "!=" },
          ],
        }
      : {}),
    Update: {
      MaxParallel: Math.max(1, s.maxUnavailable || s.maxSurge || 1),
      HealthCheck: "checks",
      MinHealthyTime: 10 * S,
      HealthyDeadline: (plan.startup.seconds + 60) * S,
      ProgressDeadline: (plan.startup.seconds + 300) * S,
      AutoRevert: s.autoRollback,
      AutoPromote: false,
      Canary: canary,
      Stagger: 30 * S,
    },
    Networks: [{ DynamicPorts: [{ Label: "http", To: plan.port }] }],
    Services: [
      {
        Name: `${plan.name}-${plan.target.name}`,
        PortLabel: "http",
        Provider: "nomad",
        Tags: [`engine=${plan.engine.name}`, `model=${plan.servedName}`],
        Checks: [
          {
            Name: "ready",
            Type: "http",
            Path: h.readinessPath,
            Interval: 10 * S,
            Timeout: 5 * S,
            CheckRestart: { Limit: 4, Grace: plan.startup.seconds * S, IgnoreWarnings: false },
          },
        ],
      },
    ],
    RestartPolicy: { Attempts: 2, Interval: 30 * 60 * S, Delay: 15 * S, Mode: "fail" },
    Tasks: [
      {
        Name: plan.engine.name.replace(/\./g, "-"),
        Driver: "docker",
        User: `${plan.runAsUser}:${plan.runAsUser}`,
        Config: {
          image: plan.image,
          ...(plan.command ? { entrypoint: plan.command } : {}),
          args: plan.args,
          ports: ["http"],
          shm_size: plan.shmBytes,
          readonly_rootfs: plan.readOnlyRootFilesystem,
          cap_drop: ["all"],
          security_opt: ["no-new-privileges"],
          mount: [
            ...plan.engine.writablePaths
              .filter((p) => p !== "/models")
              .map((p) => ({
                type: "tmpfs",
                target: p,
                readonly: false,
                tmpfs_options: { size: 1024 * 1024 * 1024 },
              })),
            plan.modelCache?.hostPath
              ? { type: "bind", source: plan.modelCache.hostPath, target: "/models", readonly: false }
              : {
                  type: "volume",
                  source: `${plan.deployment}-model-cache`,
                  target: "/models",
                  readonly: false,
                },
          ],
        },
        Env: { ...plan.env },
        Resources: {
          ...(plan.cpu !== undefined
            ? Number.isInteger(plan.cpu)
              ? { Cores: plan.cpu }
              : { CPU: Math.round(plan.cpu * 1000) }
            : { CPU: 1000 }),
          MemoryMB: plan.memoryBytes !== undefined ? bytesToMiB(plan.memoryBytes) : 4096,
          ...(plan.gpus > 0 && plan.gpuVendor === "nvidia"
            ? { Devices: [{ Name: "nvidia/gpu", Count: plan.gpus }] }
            : {}),
        },
        KillTimeout: plan.terminationGraceSeconds * S,
        LogConfig: { MaxFiles: 5, MaxFileSizeMB: 50 },
        Meta: { aitk_command: commandLine(plan).join(" ") },
      },
    ],
  };
}
