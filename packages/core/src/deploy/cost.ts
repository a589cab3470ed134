import { findDevice } from "./devices";
import { planTarget, type TTargetPlan } from "./plan";
import { cheapestFor, findPrice, HOURS_PER_MONTH, type TInstancePrice } from "./prices";
import type { TAIDeployment } from "./spec";

// Monthly cost per target: pods packed onto priced instances, on-demand and spot counted separately.

export interface TTargetCost {
  target: string;
  platform: string;
  priced: boolean;
  instance?: Pick<
    TInstancePrice,
    | "cloud"
    | "instanceType"
    | "region"
    | "gpuModel"
    | "gpus"
    | "onDemandHourly"
    | "spotHourly"
    | "source"
    | "asOf"
    | "spotEstimated"
  >;
  gpusPerReplica: number;
  replicasPerInstance: number;
  onDemandReplicas: number;
  spotReplicas: number;
  onDemandInstances: number;
  spotInstances: number;
  hourlyUSD: number;
  monthlyUSD: number;
  /** With autoscaling: cost at maxReplicas (all on-demand unless capacity says otherwise). */
  maxMonthlyUSD?: number;
  /** The same capacity all on-demand, to show what spot saves. */
  allOnDemandMonthlyUSD: number;
  notes: string[];
}

export interface TCostEstimate {
  deployment: string;
  currency: "USD";
  hoursPerMonth: number;
  targets: TTargetCost[];
  monthlyUSD: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function estimateCost(spec: TAIDeployment): TCostEstimate {
  const targets = spec.spec.targets.map((t) => targetCost(planTarget(spec, t)));
  return {
    deployment: spec.metadata.name,
    currency: "USD",
    hoursPerMonth: HOURS_PER_MONTH,
    targets,
    monthlyUSD: round2(targets.reduce((s, t) => s + t.monthlyUSD, 0)),
  };
}

export function targetCost(plan: TTargetPlan): TTargetCost {
  const notes: string[] = [];
  const t = plan.target;
  const onDemandReplicas = plan.capacity ? plan.capacity.onDemand : plan.replicas;
  const spotReplicas = plan.capacity ? plan.capacity.spot : 0;
  const base = {
    target: t.name,
    platform: t.platform,
    gpusPerReplica: plan.gpus,
    onDemandReplicas,
    spotReplicas,
  };
  const unpriced = (note: string): TTargetCost => ({
    ...base,
    priced: false,
    replicasPerInstance: 0,
    onDemandInstances: 0,
    spotInstances: 0,
    hourlyUSD: 0,
    monthlyUSD: 0,
    allOnDemandMonthlyUSD: 0,
    notes: [...notes, note],
  });

  const instance = pickInstance(plan, notes);
  if (!instance) {
    if (t.platform === "docker-compose" || t.platform === "docker")
      return unpriced(
        "own hardware (Docker host): no hourly price; power and depreciation are not estimated",
      );
    return unpriced("no instance type: set targets[].instanceType (or a device) to price this target");
  }
  if (plan.gpus > instance.gpus) {
    return unpriced(`${instance.instanceType} has ${instance.gpus} GPUs but one replica needs ${plan.gpus}`);
  }
  if (t.platform === "cloud-run")
    notes.push(
      "Cloud Run bills per instance-second; priced here as the equivalent always-on GCE machine per running instance",
    );
  const perInstance = plan.gpus > 0 ? Math.max(1, Math.floor(instance.gpus / plan.gpus)) : 1;
  const odInstances = Math.ceil(onDemandReplicas / perInstance);
  const spotInstances = Math.ceil(spotReplicas / perInstance);
  const hourly = odInstances * instance.onDemandHourly + spotInstances * instance.spotHourly;
  if (instance.spotEstimated && spotInstances > 0)
    notes.push(
      `spot price estimated as on-demand x ${round2(instance.spotHourly / instance.onDemandHourly)} (spot varies hourly)`,
    );
  if (spotReplicas > 0)
    notes.push(
      `${onDemandReplicas} replica(s) on-demand as baseline, ${spotReplicas} on spot; when spot is reclaimed, the on-demand baseline keeps serving`,
    );
  let maxMonthlyUSD: number | undefined;
  if (plan.autoscaling) {
    const maxInstances = Math.ceil(plan.autoscaling.maxReplicas / perInstance);
    const extra = Math.max(0, maxInstances - odInstances - spotInstances);
    maxMonthlyUSD = round2(
      (hourly + extra * (plan.capacity ? instance.spotHourly : instance.onDemandHourly)) * HOURS_PER_MONTH,
    );
    notes.push(
      `autoscaling ${plan.autoscaling.minReplicas}-${plan.autoscaling.maxReplicas} replicas: monthlyUSD at the minimum, maxMonthlyUSD at the maximum`,
    );
  }
  return {
    ...base,
    priced: true,
    instance: {
      cloud: instance.cloud,
      instanceType: instance.instanceType,
      region: instance.region,
      gpuModel: instance.gpuModel,
      gpus: instance.gpus,
      onDemandHourly: instance.onDemandHourly,
      spotHourly: instance.spotHourly,
      source: instance.source,
      asOf: instance.asOf,
      spotEstimated: instance.spotEstimated,
    },
    replicasPerInstance: perInstance,
    onDemandInstances: odInstances,
    spotInstances,
    hourlyUSD: round2(hourly),
    monthlyUSD: round2(hourly * HOURS_PER_MONTH),
    ...(maxMonthlyUSD !== undefined ? { maxMonthlyUSD } : {}),
    allOnDemandMonthlyUSD: round2((odInstances + spotInstances) * instance.onDemandHourly * HOURS_PER_MONTH),
    notes,
  };
}

function pickInstance(plan: TTargetPlan, notes: string[]): TInstancePrice | undefined {
  const t = plan.target;
  if (t.instanceType) {
    const p = findPrice(t.instanceType);
    if (!p) notes.push(`instance type ${t.instanceType} is not in the price table`);
    return p;
  }
  if (t.platform === "docker-compose" || t.platform === "docker") return undefined;
  const cloud =
    t.platform === "aws-ecs"
      ? "aws"
      : t.platform === "cloud-run"
        ? "gcp"
        : t.platform === "azure-aci"
          ? "azure"
          : undefined;
  let device = plan.device?.id;
  if (!device) {
    // The seed names its target "production-h100" and says nothing else about the hardware.
    const guess = t.name
      .split("-")
      .map(findDevice)
      .find((d) => d && d.gpuVendor !== "none");
    if (guess) {
      device = guess.id;
      notes.push(
        `GPU model guessed from the target name: ${guess.name}; set device or instanceType to be explicit`,
      );
    }
  }
  if (!device || plan.gpus === 0) return undefined;
  const p = cheapestFor(plan.gpus, { device, cloud });
  if (p)
    notes.push(
      `cheapest listed instance for ${plan.gpus} x ${p.gpuModel}${cloud ? ` on ${cloud}` : ""}: ${p.instanceType}`,
    );
  return p;
}
