import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compatibilitySummary, engineCompatibility, targetCompatibility } from "./compat";
import { COMPAT } from "./data";

describe("compatibility data", () => {
  it("ships generated data with provenance", () => {
    expect(COMPAT.schemaVersion).toBe(1);
    expect(COMPAT.cudaImages.length).toBe(83);
    expect(COMPAT.torchWheels.length).toBe(96);
    expect(JSON.stringify(COMPAT.provenance)).toContain("6110c912377d4ded0f57165d305821a14a9a4418");
  });
  it("lists engine rows with CUDA variants, images and driver floors", () => {
    const v = engineCompatibility().find((r) => r.engine === "vllm" && r.versions === "0.8.0-0.8.5.post1");
    expect(v).toMatchObject({ torch: "2.6.0", latest: "0.8.5.post1", rocm: "6.2.4" });
    expect(v?.variants.map((x) => x.variant)).toEqual(["cu118", "cu124", "cu126"]);
    expect(v?.variants.find((x) => x.variant === "cu124")).toMatchObject({
      buildImage: "nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04",
      driverMinimum: "525.60.13",
      driverRecommended: "550.54.15",
    });
  });
  it("lists which engines run on each target, with reasons", () => {
    const apple = targetCompatibility().find((t) => t.target.name === "apple-m4");
    expect(apple?.engines.find((e) => e.engine === "llama.cpp")).toMatchObject({ runs: true });
    expect(apple?.engines.find((e) => e.engine === "mlx")?.reason).toContain("Linux container");
    expect(compatibilitySummary().targets.length).toBe(13);
  });
  it.skipIf(!existsSync(new URL("../../../../../shared/data/ai-build-compat.json", import.meta.url)))(
    "is what the refresh script generates from ../shared/data",
    async () => {
      const { execFileSync } = await import("node:child_process");
      const { mkdtempSync, readFileSync } = await import("node:fs");
      const { join } = await import("node:path");
      const { tmpdir } = await import("node:os");
      const out = join(mkdtempSync(join(tmpdir(), "compat-")), "compat.json");
      const script = new URL("../../scripts/build-refresh-data.ts", import.meta.url).pathname;
      execFileSync(process.execPath, ["--import", "tsx", script, "--out", out], { encoding: "utf8" });
      const shipped = new URL("./data/compat.json", import.meta.url);
      expect(readFileSync(out, "utf8")).toBe(readFileSync(shipped, "utf8"));
    },
    30_000,
  );
});
