import type { TTargetPlan } from "../plan";
import { GiB } from "../quantity";
import { envList, type TRenderedFile, type TRenderOptions, yamlFile } from "./types";

// Azure Container Instances container group (YAML for `az container create --file aci.yaml`, same
// shape as the ARM resource). ACI has no startup probe: liveness waits out the load budget instead.

export function renderAci(plan: TTargetPlan, _opts: TRenderOptions = {}): TRenderedFile[] {
  return [yamlFile("aci.yaml", plan, [aciGroup(plan)])];
}

export function aciGroup(plan: TTargetPlan) {
  const h = plan.engine.health;
  const memoryInGB = Math.round(((plan.memoryBytes ?? 4 * GiB) / GiB) * 10) / 10;
  return {
    apiVersion: "2023-05-01",
    location: plan.target.region ?? "eastus",
    name: plan.name,
    type: "Microsoft.ContainerInstance/containerGroups",
    tags: {
      "aitk-deployment": plan.deployment,
      "aitk-target": plan.target.name,
      "aitk-engine": plan.engine.name,
    },
    properties: {
      osType: "Linux",
      sku: "Standard",
      restartPolicy: "Always",
      ipAddress: {
        type: "Public",
        dnsNameLabel: `${plan.deployment}-${plan.target.name}`.slice(0, 63),
        ports: [{ protocol: "TCP", port: plan.port }],
      },
      containers: [
        {
          name: plan.engine.name.replace(/[^a-z0-9-]/g, "-"),
          properties: {
            image: plan.image,
            // ACI's command replaces the image entrypoint, so spell it out.
            command: [...(plan.command ?? plan.engine.imageEntrypoint), ...plan.args],
            ports: [{ protocol: "TCP", port: plan.port }],
            environmentVariables: envList(plan.env),
            resources: {
              requests: {
                cpu: plan.cpu ?? 1,
                memoryInGB,
                ...(plan.gpus > 0 ? { gpu: { count: plan.gpus, sku: "V100" } } : {}),
              },
            },
            readinessProbe: {
              httpGet: { path: h.readinessPath, port: plan.port, scheme: "http" },
              initialDelaySeconds: 10,
              periodSeconds: 10,
              failureThreshold: 3,
              timeoutSeconds: 5,
            },
            livenessProbe: {
              httpGet: { path: h.livenessPath, port: plan.port, scheme: "http" },
              initialDelaySeconds: plan.startup.seconds,
              periodSeconds: 15,
              failureThreshold: 4,
              timeoutSeconds: 5,
            },
            volumeMounts: [{ name: "model-cache", mountPath: "/models" }],
          },
        },
      ],
      volumes: [{ name: "model-cache", emptyDir: {} }],
    },
  };
}
