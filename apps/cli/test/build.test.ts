import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// `npx aitk init` / `npx aitk build` end to end through the real bin (tsx), including a real image
// build on the local dockerd from a locally made base image.

const root = new URL("../../../", import.meta.url).pathname;
const bin = join(root, "apps/cli/bin/aitk.js");
const tmp = mkdtempSync(join(tmpdir(), "aitk-build-cli-"));
const suffix = Math.random().toString(36).slice(2, 8);
const images: string[] = [];
afterAll(() => {
  for (const i of images) spawnSync("docker", ["rmi", "-f", i], { encoding: "utf8" });
  // Intermediate images the classic builder keeps inherit the base's per-run label.
  const left = spawnSync("docker", ["images", "-a", "-q", "--filter", `label=aitk.test=${suffix}`], {
    encoding: "utf8",
  });
  const ids = [...new Set(left.stdout.split("\n").filter(Boolean))];
  if (ids.length) spawnSync("docker", ["rmi", "-f", ...ids], { encoding: "utf8" });
  rmSync(tmp, { recursive: true, force: true });
});

function aitk(cwd: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, AITK_CONFIG_DIR: join(tmp, "config") };
  delete env.AITK_API_URL;
  delete env.AITK_API_KEY;
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, env, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SEED = `FROM ai-base:2026
MODEL meta-llama/Llama-3.2-1B-instruct
QUANTIZE q4_k_m # 4-bit 量化
ENGINE vllm
OBSERVABILITY otel
TARGET nvidia-h100 # 或 apple-m4 / amd-mi300
AUTO_REQ true
`;

describe("aitk init", () => {
  const dir = join(tmp, "proj");
  it("scaffolds the seed's project and refuses to overwrite without --force", () => {
    mkdirSync(dir);
    const r = aitk(
      dir,
      "init",
      "--model",
      "meta-llama/Llama-3.2-1B-instruct",
      "--quantize",
      "q4_k_m",
      "--platform",
      "local",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const f of ["Dockerfile.ai", "aitk-deploy.yaml", "config.json", "tests/smoke.sh"])
      expect(existsSync(join(dir, f)), f).toBe(true);
    expect(readFileSync(join(dir, "aitk-deploy.yaml"), "utf8")).toMatch(
      /^apiVersion: aitk\/v1\nkind: AIDeployment\n/,
    );

    writeFileSync(join(dir, "config.json"), "{}\n");
    const again = aitk(dir, "init", "--model", "meta-llama/Llama-3.2-1B-instruct");
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("refusing to overwrite");
    expect(readFileSync(join(dir, "config.json"), "utf8")).toBe("{}\n");

    const forced = aitk(dir, "init", "--model", "meta-llama/Llama-3.2-1B-instruct", "--force", "--json");
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({
      ok: true,
      overwritten: ["Dockerfile.ai", "aitk-deploy.yaml", "config.json", "tests/smoke.sh"],
    });
  });
  it("bad input exits 2 with a message", () => {
    expect(aitk(tmp, "init").code).toBe(2);
    const r = aitk(tmp, "init", "--model", "a/b", "--quantize", "q4km");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean q4_k_m?");
    expect(aitk(tmp, "init", "--model", "a/b", "--engine", "vllm", "--target", "apple-m4").stderr).toContain(
      "no Metal backend",
    );
  });
  it("the scaffolded project dry-runs", () => {
    const r = aitk(dir, "build", "--dry-run", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).resolution.engine.name).toBe("llama.cpp");
  });
});

describe("aitk build --dry-run", () => {
  it("prints one JSON object {resolution, dockerfile, requirements, sbom, scan}", () => {
    writeFileSync(join(tmp, "vllm.ai"), SEED.replace("QUANTIZE q4_k_m # 4-bit 量化", "QUANTIZE none"));
    const r = aitk(
      tmp,
      "build",
      "-f",
      "vllm.ai",
      "--dry-run",
      "--json",
      "--cuda",
      "12.4",
      "--optimize",
      "for-speed",
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["resolution", "dockerfile", "requirements", "sbom", "scan"]);
    expect(out.resolution.torch.version).toBe("2.6.0+cu124");
    expect(out.dockerfile).toContain(["FROM $", "{BUILD_IMAGE} AS build"].join(""));
    expect(out.requirements).toContain("vllm==0.8.5.post1");
    expect(out.sbom.specVersion).toBe("1.6");
    expect(out.scan.vulnerabilities.length).toBeGreaterThan(0);
  });
  it("the seed's vllm + q4_k_m is refused (exit 2) at the QUANTIZE line with the fixes", () => {
    writeFileSync(join(tmp, "seed.ai"), SEED);
    const r = aitk(tmp, "build", "-f", "seed.ai", "--dry-run");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^seed\.ai:3:1: no image fits: ENGINE vllm \+ QUANTIZE q4_k_m/);
    expect(r.stderr).toContain("ENGINE llama.cpp");
    const ok = aitk(tmp, "build", "-f", "seed.ai", "--dry-run", "--allow-experimental", "--json");
    expect(ok.code).toBe(0);
    const j = aitk(tmp, "build", "-f", "seed.ai", "--dry-run", "--json");
    expect(JSON.parse(j.stdout)).toMatchObject({
      ok: false,
      error: { code: "VALIDATION", position: { line: 3, column: 1 } },
    });
  });
  it("parse errors print file:line:col: message and exit 2", () => {
    writeFileSync(join(tmp, "bad.ai"), "FROM ai-base\nMODLE x/y\nMODEL a/b\nTARGET nvidia-h10\n");
    const r = aitk(tmp, "build", "-f", "bad.ai", "--dry-run");
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").filter(Boolean)).toEqual([
      'bad.ai:2:1: unknown instruction "MODLE" (did you mean MODEL?)',
      expect.stringMatching(/^bad\.ai:4:8: unknown target "nvidia-h10" \(did you mean nvidia-h100\?\)/),
    ]);
  });
  it("bad flags exit 2", () => {
    writeFileSync(join(tmp, "ok.ai"), "FROM ai-base\nMODEL a/b\n");
    expect(aitk(tmp, "build", "-f", "ok.ai", "--dry-run", "--optimize", "fast").code).toBe(2);
    expect(aitk(tmp, "build", "-f", "ok.ai", "--dry-run", "--cuda", "twelve").code).toBe(2);
    expect(aitk(tmp, "build", "-f", "ok.ai").stderr).toContain("missing -t NAME:TAG");
    expect(aitk(tmp, "build", "-f", "missing.ai", "--dry-run").code).toBe(2);
    expect(aitk(tmp, "build", "-f", "ok.ai", "-t", "Bad Tag").code).toBe(2);
  });
  it("--out writes the generated files and --advisories replaces the snapshot", () => {
    writeFileSync(
      join(tmp, "adv.json"),
      JSON.stringify([
        {
          id: "TEST-1",
          modified: "2026-01-01T00:00:00Z",
          affected: [
            {
              package: { ecosystem: "PyPI", name: "vllm" },
              ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }],
            },
          ],
        },
      ]),
    );
    const r = aitk(
      tmp,
      "build",
      "-f",
      "vllm.ai",
      "--dry-run",
      "--json",
      "--advisories",
      "adv.json",
      "--out",
      "gen",
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).scan.vulnerabilities.map((v: { id: string }) => v.id)).toEqual(["TEST-1"]);
    for (const f of ["Dockerfile", "requirements.txt", "sbom.cdx.json", "resolution.json"])
      expect(existsSync(join(tmp, "gen", f))).toBe(true);
  });
});

describe("aitk build --fmt", () => {
  it("rewrites Dockerfile.ai canonically; --check reports without writing", () => {
    const f = join(tmp, "fmt.ai");
    writeFileSync(f, "from ai-base\nmodel   a/b\nquantize Q4_K_M # note\n");
    const check = aitk(tmp, "build", "-f", "fmt.ai", "--fmt", "--check");
    expect(check.code).toBe(1);
    expect(readFileSync(f, "utf8")).toBe("from ai-base\nmodel   a/b\nquantize Q4_K_M # note\n");
    expect(aitk(tmp, "build", "-f", "fmt.ai", "--fmt").code).toBe(0);
    expect(readFileSync(f, "utf8")).toBe("FROM ai-base\nMODEL a/b\nQUANTIZE q4_k_m  # note\n");
    expect(aitk(tmp, "build", "-f", "fmt.ai", "--fmt", "--check").code).toBe(0);
  });
});

describe("aitk build on the local dockerd", () => {
  it("builds and runs an image from a Dockerfile.ai on a locally made base image", () => {
    const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8" });
    expect(info.status, `docker info: ${info.stderr}`).toBe(0);
    const baseDir = join(tmp, "base");
    mkdirSync(baseDir);
    copyFileSync("/bin/busybox", join(baseDir, "busybox"));
    // A per-run label keeps this base (and what is built on it) out of other runs' layer cache.
    writeFileSync(
      join(baseDir, "Dockerfile"),
      `FROM scratch\nCOPY busybox /bin/sh\nLABEL aitk.test=${suffix}\n`,
    );
    const base = `aitk-cli-test/busybox:${suffix}`;
    images.push(base);
    const b = spawnSync("docker", ["build", "-q", "-t", base, baseDir], {
      encoding: "utf8",
      env: { ...process.env, DOCKER_BUILDKIT: "0" },
    });
    expect(b.status, b.stderr).toBe(0);

    const app = join(tmp, "app");
    mkdirSync(join(app, "model"), { recursive: true });
    writeFileSync(join(app, "model", "weights.txt"), "cli-weights");
    writeFileSync(
      join(app, "Dockerfile.ai"),
      `FROM ${base}\nMODEL ./model\nENGINE custom\nTARGET cpu\nAUTO_REQ false\nCMD ["/bin/sh", "-c", "cat /models/model/weights.txt"]\n`,
    );
    const tag = `aitk-cli-test/app:${suffix}`;
    images.push(tag);
    const r = aitk(app, "build", "-f", "Dockerfile.ai", "-t", tag, "--security-scan");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Build successful: ${tag}`);
    expect(r.stdout).toContain("Security scan");
    const run = spawnSync("docker", ["run", "--rm", "--network", "none", tag], { encoding: "utf8" });
    expect(run.stdout).toBe("cli-weights");

    writeFileSync(
      join(app, "Dockerfile.ai"),
      `FROM ${base}\nMODEL ./model\nENGINE custom\nTARGET cpu\nRUN exit 7\nCMD ["x"]\n`,
    );
    const bad = aitk(app, "build", "-f", "Dockerfile.ai", "-t", `${tag}-bad`);
    expect(bad.code).toBe(1);
  }, 120_000);
});
