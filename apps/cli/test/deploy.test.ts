import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

// `npx aitk deploy …` end to end through the real bin (tsx), on the seed's example and broken specs.

const root = new URL("../../../", import.meta.url).pathname;
const bin = join(root, "apps/cli/bin/aitk.js");
const fixtures = join(root, "packages/core/src/deploy/fixtures");
const tmp = mkdtempSync(join(tmpdir(), "aitk-deploy-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function aitk(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, AITK_CONFIG_DIR: join(tmp, "config") };
  delete env.AITK_API_URL;
  delete env.AITK_API_KEY;
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("aitk deploy", () => {
  it("render writes each target's files into DIR/<target>/ and applies nothing", () => {
    const out = join(tmp, "out");
    const r = aitk("deploy", "render", "-f", join(fixtures, "all-platforms.aitk-deploy.yaml"), "--out", out);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("nothing was applied");
    expect(readdirSync(out).sort()).toEqual([
      "docker-gpu-box",
      "ecs-p5",
      "eks-autoscale",
      "gke-spot-mix",
      "nomad-dc1",
    ]);
    expect(readdirSync(join(out, "gke-spot-mix")).sort()).toEqual([
      "deployment-canary.yaml",
      "deployment-spot.yaml",
      "deployment.yaml",
      "kustomization.yaml",
      "pdb.yaml",
      "service.yaml",
    ]);
    expect(existsSync(join(out, "nomad-dc1", "job.json"))).toBe(true);
    expect(readdirSync(join(out, "ecs-p5")).sort()).toEqual(["service.json", "task-definition.json"]);
    expect(readdirSync(join(out, "docker-gpu-box")).sort()).toEqual(["container.json", "docker-compose.yml"]);
    const dep = parseAllDocuments(
      readFileSync(join(out, "gke-spot-mix", "deployment.yaml"), "utf8"),
    )[0]?.toJS();
    expect(dep).toMatchObject({
      kind: "Deployment",
      metadata: { name: "llama-70b", namespace: "ai-production" },
    });
  });

  // kubectl's kustomize runs offline: Go's YAML reader and kustomize accept what we wrote.
  const kubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;
  it.skipIf(!kubectl)("kubectl kustomize builds every rendered Kubernetes target", () => {
    const out = join(tmp, "out");
    for (const target of ["gke-spot-mix", "eks-autoscale"]) {
      const r = spawnSync("kubectl", ["kustomize", join(out, target)], { encoding: "utf8", timeout: 30_000 });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const kinds = parseAllDocuments(r.stdout).map((d) => (d.toJS() as { kind: string }).kind);
      expect(kinds).toEqual(expect.arrayContaining(["Deployment", "Service", "PodDisruptionBudget"]));
    }
  });

  it("render --json on the seed, one target, with a strategy override", () => {
    const out = join(tmp, "seed");
    const r = aitk(
      "deploy",
      "render",
      "-f",
      join(fixtures, "seed.aitk-deploy.yaml"),
      "--out",
      out,
      "--target",
      "production-h100",
      "--strategy",
      "blue-green",
      "--json",
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.targets.map((t: { target: string }) => t.target)).toEqual(["production-h100"]);
    expect(readdirSync(join(out, "production-h100"))).toContain("service-preview.yaml");
    expect(readdirSync(join(out, "production-h100"))).toContain("deployment-blue.yaml");
  });

  it("validate: file:line:col errors and exit 2", () => {
    const bad = join(tmp, "bad.yaml");
    writeFileSync(
      bad,
      "apiVersion: aitk/v1\nkind: AIDeployment\nmetadata:\n  name: x\nspec:\n  model: {name: m}\n  runtime: {engine: vllm, maxNumSeqs: lots}\n  targets: [{name: a, platform: k8s}]\n",
    );
    const r = aitk("deploy", "validate", "-f", bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:7:39: spec.runtime.maxNumSeqs: expected number, got string "lots"`);
    expect(r.stderr).toContain(`${bad}:8:33: spec.targets.0.platform:`);
    expect(r.stderr).toContain('did you mean "kubernetes"');
    const ok = aitk("deploy", "validate", "-f", join(fixtures, "seed.aitk-deploy.yaml"));
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("valid AIDeployment llm-inference-server, 3 targets");
  });

  it("cost --json prices the mixed on-demand + spot plan", () => {
    const r = aitk(
      "deploy",
      "cost",
      "-f",
      join(fixtures, "all-platforms.aitk-deploy.yaml"),
      "--json",
      "--target",
      "gke-spot-mix",
    );
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(c.targets[0]).toMatchObject({
      target: "gke-spot-mix",
      onDemandInstances: 2,
      spotInstances: 4,
      priced: true,
    });
  });

  it("deploy --all without a control plane login exits 1 with a clear message; bad flags exit 2", () => {
    const r = aitk("deploy", "-f", join(fixtures, "seed.aitk-deploy.yaml"), "--all");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no control plane login");
    expect(aitk("deploy", "-f", join(fixtures, "seed.aitk-deploy.yaml")).code).toBe(2);
    // The seed's form: --strategy alone means every target.
    expect(
      aitk("deploy", "-f", join(fixtures, "seed.aitk-deploy.yaml"), "--strategy", "blue-green").code,
    ).toBe(1);
    expect(aitk("deploy", "-f", join(fixtures, "seed.aitk-deploy.yaml"), "--strategy", "purple").code).toBe(
      2,
    );
    expect(aitk("deploy", "-f", join(fixtures, "seed.aitk-deploy.yaml"), "--target", "nope").code).toBe(2);
    expect(aitk("deploy", "render", "-f", join(tmp, "missing.yaml"), "--out", tmp).code).toBe(2);
  });
});
