import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { estimateCost } from "./cost";
import { parseDeploymentYaml } from "./parse";
import { HOURS_PER_MONTH, PRICES } from "./prices";
import { modelSizeGB, paramsFromName } from "./sizing";

const load = (name: string) =>
  parseDeploymentYaml(readFileSync(new URL(`./fixtures/${name}.aitk-deploy.yaml`, import.meta.url), "utf8"))
    .spec;

describe("cost", () => {
  it("every price row says where it comes from and when", () => {
    for (const p of PRICES) {
      expect(p.source.length).toBeGreaterThan(10);
      expect(p.asOf).toMatch(/^\d{4}-\d{2}$/);
      expect(p.spotHourly).toBeLessThan(p.onDemandHourly);
    }
  });

  it("prices the seed's mixed plan: 2 on-demand + 4 spot replicas of 4 x H100", () => {
    const t = estimateCost(load("all-platforms")).targets.find((x) => x.target === "gke-spot-mix");
    expect(t).toMatchObject({
      priced: true,
      gpusPerReplica: 4,
      replicasPerInstance: 1,
      onDemandInstances: 2,
      spotInstances: 4,
      instance: { instanceType: "a3-highgpu-4g", onDemandHourly: 44.13, spotHourly: 17.65 },
    });
    expect(t?.hourlyUSD).toBeCloseTo(2 * 44.13 + 4 * 17.65, 2);
    expect(t?.monthlyUSD).toBeCloseTo((2 * 44.13 + 4 * 17.65) * HOURS_PER_MONTH, 1);
    // Spot saves versus six on-demand instances.
    expect(t?.allOnDemandMonthlyUSD).toBeCloseTo(6 * 44.13 * HOURS_PER_MONTH, 1);
    expect((t?.monthlyUSD ?? 0) < (t?.allOnDemandMonthlyUSD ?? 0)).toBe(true);
  });

  it("packs replicas onto instances and ranges autoscaling", () => {
    const est = estimateCost(load("all-platforms"));
    const eks = est.targets.find((x) => x.target === "eks-autoscale");
    // 4 GPUs per replica on 8-GPU p5.48xlarge: 2 replicas per instance; min 2 replicas → 1 instance, max 10 → 5.
    expect(eks).toMatchObject({ replicasPerInstance: 2, onDemandInstances: 1, hourlyUSD: 55.04 });
    expect(eks?.maxMonthlyUSD).toBeCloseTo(5 * 55.04 * HOURS_PER_MONTH, 1);
    expect(est.monthlyUSD).toBeCloseTo(
      est.targets.reduce((s, t) => s + t.monthlyUSD, 0),
      1,
    );
  });

  it("the seed: production-h100 priced (GPU model from the name), Docker hosts unpriced", () => {
    const est = estimateCost(load("seed"));
    expect(est.targets.map((t) => [t.target, t.priced, t.instance?.instanceType])).toEqual([
      ["production-h100", true, "p5.48xlarge"],
      ["edge-orin", false, undefined],
      ["local-dev", false, undefined],
    ]);
    expect(est.targets[0]?.notes.join(" ")).toContain("guessed from the target name");
  });

  it("model size from the name", () => {
    expect(paramsFromName("meta-llama/Llama-3.2-70B-instruct")).toBe(70);
    expect(paramsFromName("mistralai/Mixtral-8x7B-v0.1")).toBe(56);
    expect(paramsFromName("microsoft/Phi-3-mini-3.8B")).toBe(3.8);
    expect(paramsFromName("SmolLM2-360M")).toBeCloseTo(0.36);
    expect(paramsFromName("gpt2")).toBeUndefined();
    expect(modelSizeGB("Llama-3.2-70B", "fp8")).toBe(70);
    expect(modelSizeGB("Llama-3.2-70B", undefined)).toBe(140);
  });
});
