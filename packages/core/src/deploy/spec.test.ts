import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { isDomainError } from "../errors";
import { checkDeploymentYaml, formatIssues, parseDeploymentYaml } from "./parse";
import { aiDeploymentJsonSchema, ZAIDeployment } from "./spec";

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}.aitk-deploy.yaml`, import.meta.url), "utf8");

const minimal = (extra = "") => `apiVersion: aitk/v1
kind: AIDeployment
metadata:
  name: demo
spec:
  model:
    name: meta-llama/Llama-3.2-1B-instruct
  runtime:
    engine: vllm
    version: v0.11.0
  targets:
    - name: prod
      platform: kubernetes
${extra}`;

describe("AIDeployment spec", () => {
  it("accepts the seed's aitk-deploy.yaml as written", () => {
    const r = checkDeploymentYaml(fixture("seed"));
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.spec?.spec.targets.map((t) => t.name)).toEqual(["production-h100", "edge-orin", "local-dev"]);
    expect(r.spec?.spec.targets[0]?.resources?.["nvidia.com/gpu"]).toBe(8);
    // The seed's Mac target gets a warning (no GPU inside Docker on macOS), located at its device line.
    const mac = r.warnings.find((w) => w.message.includes("macOS"));
    expect(mac).toMatchObject({ path: "spec.targets.2.device", line: 33, column: 15 });
  });

  it("accepts the other fixtures", () => {
    for (const f of ["all-platforms", "small-models"]) {
      const r = checkDeploymentYaml(fixture(f));
      expect(r.errors, f).toEqual([]);
    }
  });

  it("publishes a JSON Schema generated from the zod schema", () => {
    const js = aiDeploymentJsonSchema() as {
      properties: Record<string, unknown>;
      required: string[];
      $id: string;
    };
    expect(js.$id).toContain("AIDeployment");
    expect(js.required).toEqual(expect.arrayContaining(["apiVersion", "kind", "metadata", "spec"]));
    const text = JSON.stringify(js);
    for (const p of [
      "kubernetes",
      "docker-compose",
      "nomad",
      "aws-ecs",
      "cloud-run",
      "azure-aci",
      "docker",
      "nvidia.com/gpu",
    ])
      expect(text).toContain(`"${p}"`);
  });

  it("the JSON Schema compiles and agrees with zod on the fixtures and on a bad spec", () => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(aiDeploymentJsonSchema());
    for (const f of ["seed", "all-platforms", "small-models"]) {
      expect(validate(parse(fixture(f))), JSON.stringify(validate.errors)).toBe(true);
    }
    expect(validate(parse(minimal("      replicas: -2\n")))).toBe(false);
    expect(validate(parse(minimal("      replica: 2\n")))).toBe(false);
  });

  it("points at the line and column of a bad value", () => {
    const r = checkDeploymentYaml(minimal("      replicas: -2\n"));
    expect(r.ok).toBe(false);
    expect(r.errors[0]).toMatchObject({ line: 14, column: 17, path: "spec.targets.0.replicas" });
  });

  it("points at an unknown key itself", () => {
    const r = checkDeploymentYaml(minimal("      replica: 2\n"));
    expect(r.errors[0]).toMatchObject({ line: 14, column: 7, message: 'unknown field "replica"' });
  });

  it("names the choices for an unknown platform", () => {
    const r = checkDeploymentYaml(minimal().replace("platform: kubernetes", "platform: kubernets"));
    expect(r.errors[0]?.message).toContain('"kubernetes"');
    expect(r.errors[0]).toMatchObject({ line: 13, column: 17 });
  });

  it("reports the inside of a strategy object, not just 'no union branch matched'", () => {
    const r = checkDeploymentYaml(
      minimal("      strategy:\n        type: canary\n        steps: [{weight: 150}]\n"),
    );
    expect(r.errors[0]).toMatchObject({
      line: 16,
      column: 26,
      path: "spec.targets.0.strategy.steps.0.weight",
    });
    const bad = checkDeploymentYaml(minimal("      strategy: blue-gren\n"));
    expect(bad.errors[0]?.message).toContain('did you mean "blue-green"');
  });

  it("rejects replicas together with autoscaling", () => {
    const r = checkDeploymentYaml(
      minimal(
        "      replicas: 2\n      autoscaling:\n        minReplicas: 1\n        maxReplicas: 3\n        queueDepth: 5\n",
      ),
    );
    expect(r.errors.map((e) => e.message)).toContain(
      "replicas and autoscaling are mutually exclusive: keep one",
    );
    expect(r.errors[0]).toMatchObject({ line: 15, path: "spec.targets.0.autoscaling" });
  });

  it("rejects duplicate target names", () => {
    const r = checkDeploymentYaml(`${minimal()}    - name: prod\n      platform: nomad\n`);
    expect(r.errors[0]).toMatchObject({
      line: 14,
      column: 13,
      message: 'duplicate target name "prod" (also targets[0])',
    });
  });

  it("rejects sharding beyond the GPUs and autoscaling an engine without metrics", () => {
    const text = `${minimal("      resources:\n        nvidia.com/gpu: 2\n")}    - name: edge
      platform: kubernetes
      engine: ollama
      autoscaling: { minReplicas: 1, maxReplicas: 2, queueDepth: 3 }
`.replace(
      "    name: meta-llama/Llama-3.2-1B-instruct",
      "    name: meta-llama/Llama-3.2-1B-instruct\n    sharding: tensor-parallel-4",
    );
    const r = checkDeploymentYaml(text);
    const msgs = r.errors.map((e) => `${e.line}:${e.column}: ${e.message}`);
    expect(msgs).toContain(
      "16:25: model.sharding needs 4 GPUs per replica (tensor-parallel-4) but resources give 2",
    );
    expect(msgs).toContain("20:66: ollama exports no queue-depth metric: it cannot autoscale on it");
  });

  it("reports YAML syntax errors with positions", () => {
    const r = checkDeploymentYaml(
      "apiVersion: aitk/v1\nkind: AIDeployment\nspec:\n  model: [a, b\n  runtime: {}\n",
    );
    expect(r.ok).toBe(false);
    expect(r.errors[0]?.line).toBeGreaterThanOrEqual(4);
    expect(r.errors[0]?.column).toBeGreaterThanOrEqual(1);
  });

  it("reports an empty file and a non-mapping", () => {
    expect(checkDeploymentYaml("").errors[0]?.message).toContain("empty");
    expect(checkDeploymentYaml("- a\n- b\n").errors[0]).toMatchObject({ line: 1, column: 1 });
  });

  it("throws a VALIDATION DomainError formatted file:line:col", () => {
    try {
      parseDeploymentYaml(minimal("      replicas: many\n"), "aitk-deploy.yaml");
      expect.unreachable();
    } catch (e) {
      expect(isDomainError(e)).toBe(true);
      if (!isDomainError(e)) return;
      expect(e.code).toBe("VALIDATION");
      expect(e.message).toMatch(/^aitk-deploy\.yaml:14:17: spec\.targets\.0\.replicas: expected number/);
      expect(e.details.position).toEqual({ line: 14, column: 17 });
    }
  });

  it("formats warnings distinctly", () => {
    expect(
      formatIssues("f.yaml", [{ line: 1, column: 2, path: "a", message: "m", severity: "warning" }]),
    ).toBe("f.yaml:1:2: warning: a: m");
  });

  it("accepts the seed's snake_case runtime spellings and the strategy shorthand", () => {
    const r = checkDeploymentYaml(
      minimal("      strategy: blue-green\n").replace(
        "    version: v0.11.0",
        "    version: v0.11.0\n    enable_priority_scheduling: true\n    priority_levels: 3",
      ),
    );
    expect(r.errors).toEqual([]);
    expect(ZAIDeployment.safeParse(r.spec).success).toBe(true);
  });
});
