import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// `npm pack` (prepack bundles dist/aitk.js) → `npm i -g` into a scratch prefix → the installed bin
// runs from outside the repository with no node_modules of its own.

const root = new URL("../../../", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "aitk-cli-pack-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: 180_000 });

describe("global install", () => {
  it("the packed CLI installs with no dependencies and runs outside the repo", () => {
    const pack = run("npm", ["pack", "-w", "aitk", "--pack-destination", tmp, "--json"], root);
    expect(pack.status, pack.stderr).toBe(0);
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    expect(info!.files.map((f) => f.path).sort()).toEqual([
      "README.md",
      "bin/aitk.js",
      "dist/aitk.js",
      "package.json",
    ]);
    const tgz = readdirSync(tmp).find((f) => f.endsWith(".tgz"))!;
    const prefix = join(tmp, "global");
    const inst = run(
      "npm",
      ["install", "-g", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", join(tmp, tgz)],
      tmp,
    );
    expect(inst.status, inst.stderr).toBe(0);
    const installed = join(prefix, "lib/node_modules/aitk");
    expect(existsSync(join(installed, "node_modules"))).toBe(false);
    const bin = join(prefix, "bin/aitk");
    const env: NodeJS.ProcessEnv = { ...process.env, AITK_CONFIG_DIR: join(tmp, "config") };
    delete env.AITK_API_KEY;
    delete env.AITK_API_URL;
    const v = run(bin, ["version"], tmp, env);
    expect(v.stderr).toBe("");
    expect(v.stdout).toMatch(/^Docker AI Toolkit 2026\.1\.0\nEngine: vllm /);
    const sim = run(
      bin,
      ["simulate", "--device", "nvidia-h100", "--model", "llama-3.1-8b", "--json"],
      tmp,
      env,
    );
    expect(sim.status, sim.stderr).toBe(0);
    expect(JSON.parse(sim.stdout)).toBeTruthy();
    const status = run(bin, ["status"], tmp, env);
    expect(status.status).toBe(2);
    expect(status.stderr).toContain("aitk login");
  });
});
