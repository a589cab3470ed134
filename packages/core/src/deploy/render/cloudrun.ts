import type { TTargetPlan } from "../plan";
import { formatCpu, formatMemory, GiB } from "../quantity";
import { envList, type TRenderedFile, type TRenderOptions, yamlFile } from "./types";

// Google Cloud Run service (Knative serving v1 YAML, `gcloud run services replace service.yaml`).
// GPU services: one NVIDIA L4 per instance, at least 4 CPU and 16 GiB, CPU always allocated.

const cloudLabel = (v: string) =>
  v
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "-")
    .slice(0, 63);

export function renderCloudRun(plan: TTargetPlan, _opts: TRenderOptions = {}): TRenderedFile[] {
  return [yamlFile("service.yaml", plan, [cloudRunService(plan)])];
}

export function cloudRunService(plan: TTargetPlan) {
  const h = plan.engine.health;
  const gpu = plan.gpus > 0;
  const cpu = Math.max(plan.cpu ?? (gpu ? 4 : 2), gpu ? 4 : 1);
  const memory = Math.max(plan.memoryBytes ?? (gpu ? 16 * GiB : 4 * GiB), gpu ? 16 * GiB : 512 * 2 ** 20);
  const a = plan.autoscaling;
  const period = 10;
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: {
      name: plan.name,
      // Cloud labels allow only lower-case letters, digits, _ and -.
      labels: {
        "aitk-deployment": cloudLabel(plan.deployment),
        "aitk-target": cloudLabel(plan.target.name),
        "aitk-engine": cloudLabel(plan.engine.name),
      },
      annotations: { "run.googleapis.com/ingress": "all" },
    },
    spec: {
      template: {
        metadata: {
          annotations: {
            "autoscaling.knative.dev/minScale": String(a ? a.minReplicas : plan.replicas),
            "autoscaling.knative.dev/maxScale": String(a ? a.maxReplicas : plan.replicas),
            "run.googleapis.com/cpu-throttling": "false",
            "run.googleapis.com/startup-cpu-boost": "true",
            "run.googleapis.com/execution-environment": "gen2",
            ...(gpu ? { "run.googleapis.com/gpu-zonal-redundancy-disabled": "true" } : {}),
          },
        },
        spec: {
          containerConcurrency:
            plan.args.length && plan.target.autoscaling?.queueDepth
              ? Math.max(1, Math.round(plan.target.autoscaling.queueDepth))
              : 16,
          timeoutSeconds: 3600,
          ...(gpu ? { nodeSelector: { "run.googleapis.com/accelerator": "nvidia-l4" } } : {}),
          containers: [
            {
              name: plan.engine.name.replace(/[^a-z0-9-]/g, "-"),
              image: plan.image,
              ...(plan.command ? { command: plan.command } : {}),
              args: plan.args,
              ports: [{ name: "http1", containerPort: plan.port }],
              env: envList(plan.env),
              resources: {
                limits: {
                  cpu: formatCpu(cpu),
                  memory: formatMemory(memory),
                  ...(gpu ? { "nvidia.com/gpu": "1" } : {}),
                },
              },
              startupProbe: h.startupPath
                ? {
                    httpGet: { path: h.startupPath, port: plan.port },
                    periodSeconds: period,
                    timeoutSeconds: 5,
                    failureThreshold: Math.ceil(plan.startup.seconds / period),
                  }
                : {
                    tcpSocket: { port: plan.port },
                    periodSeconds: period,
                    timeoutSeconds: 5,
                    failureThreshold: Math.ceil(plan.startup.seconds / period),
                  },
              livenessProbe: {
                httpGet: { path: h.livenessPath, port: plan.port },
                periodSeconds: 15,
                timeoutSeconds: 5,
                failureThreshold: 4,
              },
            },
          ],
        },
      },
      traffic: [{ percent: 100, latestRevision: true }],
    },
  };
}
