// End-to-end: the real `aitk` bin against a REAL running stack (web + worker + Postgres + Redis +
// dockerd), as a user would drive it: login, status, keys, simulate, build (dry run and a real build
// on the stack's Docker host), deploy, jobs, logs -f, logout.
//
// Runs only when AITK_E2E_DEMO points at the demo.json that `npm run up` writes:
//   npm run up && AITK_E2E_DEMO=.aitk/demo.json npx vitest run --project integration test/e2e/cli.test.ts
// Without it the suite is skipped (it needs the whole stack, which plain `vitest run` does not start).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface TDemo {
  apiUrl: string;
  apiKey: string;
  orgId: string;
  dashboardUrl?: string;
  gatewayUrl?: string;
}

const demoPath = process.env.AITK_E2E_DEMO;
const SKIP_REASON =
  "AITK_E2E_DEMO is not set: start the stack (npm run up) and run with AITK_E2E_DEMO=.aitk/demo.json";
if (!demoPath) console.warn(`test/e2e/cli.test.ts skipped — ${SKIP_REASON}`);

const root = new URL("../../", import.meta.url).pathname;
const bin = join(root, "apps/cli/bin/aitk.js");

describe.skipIf(!demoPath)(
  `aitk CLI against the running stack${demoPath ? "" : ` (skipped: ${SKIP_REASON})`}`,
  () => {
    let demo: TDemo;
    let tmp: string;
    let configDir: string;
    let openapiPaths: string[] = [];
    const suffix = Math.random().toString(36).slice(2, 8);
    const deployName = `e2e-cli-${suffix}`;
    let deploymentId: string | undefined;

    function aitk(
      args: string[],
      opts: { input?: string; env?: Record<string, string>; cwd?: string; timeout?: number } = {},
    ) {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        AITK_CONFIG_DIR: configDir,
        AITK_POLL_MS: "300",
        ...opts.env,
      };
      if (!opts.env?.AITK_API_KEY) delete env.AITK_API_KEY;
      if (!opts.env?.AITK_API_URL) delete env.AITK_API_URL;
      const r = spawnSync(process.execPath, [bin, ...args], {
        cwd: opts.cwd ?? tmp,
        env,
        input: opts.input ?? "",
        encoding: "utf8",
        timeout: opts.timeout ?? 120_000,
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    async function api<T>(
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; json: T }> {
      const send = () =>
        fetch(`${demo.apiUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${demo.apiKey}`, "content-type": "application/json" },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      // The server closes idle keep-alive sockets (5 s); a request racing that close is sent again.
      const res = await send().catch(send);
      return { status: res.status, json: (await res.json()) as T };
    }

    beforeAll(async () => {
      demo = JSON.parse(readFileSync(resolve(root, demoPath as string), "utf8")) as TDemo;
      tmp = mkdtempSync(join(tmpdir(), "aitk-e2e-cli-"));
      configDir = join(tmp, "config");
      const doc = await fetch(`${demo.apiUrl}/openapi.json`).then(
        (r) => r.json() as Promise<{ paths: Record<string, unknown> }>,
      );
      openapiPaths = Object.keys(doc.paths ?? {});
    });
    afterAll(() => {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
      // The API has no "delete deployment": remove the replica containers this run started.
      if (deploymentId) {
        const ps = spawnSync(
          "docker",
          ["ps", "-aq", "--filter", `label=aitk.io/deployment-id=${deploymentId}`],
          {
            encoding: "utf8",
          },
        );
        const ids = ps.stdout.split("\n").filter(Boolean);
        if (ids.length) spawnSync("docker", ["rm", "-f", ...ids]);
      }
    });

    it("login checks the key against /api/v1/me and stores it 0600; a wrong key is exit 2", () => {
      const bad = aitk(["login", "--api-url", demo.apiUrl, "--api-key", `aitk_${"Z".repeat(40)}`]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("invalid API key");
      const r = aitk(["login", "--api-url", demo.apiUrl, "--api-key-stdin", "--json"], {
        input: demo.apiKey,
      });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, org: { id: demo.orgId } });
      expect(statSync(join(configDir, "config.json")).mode & 0o777).toBe(0o600);
    });

    it("status names the org, the key and the hosts", () => {
      const r = aitk(["status", "--json"]);
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout);
      expect(s.org.id).toBe(demo.orgId);
      expect(s.hosts.map((h: { name: string }) => h.name)).toContain("local");
      const text = aitk(["status"]);
      expect(text.stdout).toMatch(/^API\s+http/m);
    });

    it("keys: a read-only key acts as viewer, cannot create keys, and stops working once revoked", () => {
      const c = aitk([
        "keys",
        "create",
        `e2e-cli-${suffix}`,
        "--scopes",
        "read",
        "--expires",
        "1d",
        "--json",
      ]);
      expect(c.code, c.stderr).toBe(0);
      const { key, apiKey } = JSON.parse(c.stdout) as { key: string; apiKey: { id: string } };
      const env = { AITK_API_URL: demo.apiUrl, AITK_API_KEY: key };
      const me = aitk(["status", "--json"], { env });
      expect(me.code, me.stderr).toBe(0);
      expect(JSON.parse(me.stdout).role).toBe("viewer");
      const denied = aitk(["keys", "create", "nope"], { env });
      expect(denied.code).toBe(2);
      expect(denied.stderr).toMatch(/forbidden/i);
      expect(aitk(["keys", "list"]).stdout).toContain(`e2e-cli-${suffix}`);
      const rv = aitk(["keys", "revoke", apiKey.id]);
      expect(rv.code, rv.stderr).toBe(0);
      const after = aitk(["status"], { env });
      expect(after.code).toBe(2);
      expect(after.stderr).toContain("revoked");
    });

    it("simulate: the CLI and POST /api/v1/simulate give the same answer", async () => {
      const scenarios = [
        { device: "nvidia-h100", model: "llama-3.1-8b", quant: "bf16", engine: "vllm", batch: 8 },
        { device: "nvidia-l4", model: "llama-3.1-70b", quant: "bf16", engine: "vllm", batch: 1 },
      ];
      const r = aitk(["simulate", "--input", "-", "--json"], { input: JSON.stringify(scenarios) });
      expect(r.code, r.stderr).toBe(0);
      const local = JSON.parse(r.stdout) as Record<string, unknown>[];
      const remote = await api<Record<string, unknown>[]>("POST", "/simulate", scenarios);
      expect(remote.status).toBe(200);
      const pick = (x: Record<string, unknown>) => [x.fits, x.weightsBytes, x.kvCapacityTokens, x.tokensPerS];
      expect(local.map(pick)).toEqual(remote.json.map(pick));
      expect(local[1]?.fits).toBe(false);
      const bad = aitk(["simulate", "--device", "nvidia-h1000"]);
      expect(bad.code).toBe(2);
    });

    const DRY =
      "FROM ai-base:2026\nMODEL meta-llama/Llama-3.2-1B-instruct\nENGINE vllm\nTARGET nvidia-h100\n";

    it("build --dry-run resolves like the control plane's dry run", async () => {
      const dir = join(tmp, "dry");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "Dockerfile.ai"), DRY);
      const r = aitk(["build", "-f", "Dockerfile.ai", "--dry-run", "--json"], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const local = JSON.parse(r.stdout);
      const remote = await api<{ resolution: { engine: unknown; torch: unknown } }>(
        "POST",
        "/builds?dryRun=true",
        {
          dockerfileAi: DRY,
        },
      );
      expect(remote.status).toBe(201);
      expect(local.resolution.engine).toEqual(remote.json.resolution.engine);
      expect(local.resolution.torch).toEqual(remote.json.resolution.torch);
    });

    it("build through the control plane: submitted, logs streamed, exit code = the Build's outcome", () => {
      if (!openapiPaths.includes("/builds")) {
        console.warn("skipping the real build: this server has no /api/v1/builds");
        return;
      }
      const dir = join(tmp, "real");
      mkdirSync(dir, { recursive: true });
      // ENGINE custom on TARGET cpu: the smallest real build (weights layer + runtime image). On a machine
      // with no registry access it fails pulling its base image, which must then be exit 1, not a hang.
      writeFileSync(
        join(dir, "Dockerfile.ai"),
        'FROM busybox:1.36\nMODEL hf-internal-testing/tiny-random-gpt2\nENGINE custom\nTARGET cpu\nAUTO_REQ false\nCMD ["/bin/sh", "-c", "ls /models"]\n',
      );
      const tag = `aitk-e2e-cli/app:${suffix}`;
      const r = aitk(["build", "-f", "Dockerfile.ai", "-t", tag, "--host", "local"], {
        cwd: dir,
        timeout: 600_000,
      });
      expect([0, 1], r.stderr).toContain(r.code);
      const id = /Build (\S+) of /.exec(r.stderr)?.[1];
      expect(id, r.stderr).toBeTruthy();
      expect(r.stdout).toContain("resolved hf-internal-testing/tiny-random-gpt2");
      const status = aitk(["status", "--json"]);
      expect(JSON.parse(status.stdout).builds.total).toBeGreaterThan(0);
      // `aitk logs BUILD_ID` finds the build's job and replays the same lines with the same exit code.
      const logs = aitk(["logs", id as string]);
      expect(logs.code).toBe(r.code);
      expect(logs.stdout).toContain("resolved hf-internal-testing/tiny-random-gpt2");
      if (r.code === 0) {
        expect(r.stdout).toContain(`Build successful: ${tag}`);
        spawnSync("docker", ["rmi", "-f", tag]);
      } else {
        expect(r.stderr).toMatch(/build \S+ failed/);
      }
    }, 660_000);

    it("deploy: validate/render locally; apply the engine image on host local through /api/v1/deployments", () => {
      const dir = join(tmp, "proj");
      mkdirSync(dir, { recursive: true });
      const init = aitk(
        [
          "init",
          "--model",
          "meta-llama/Llama-3.2-1B-instruct",
          "--quantize",
          "q4_k_m",
          "--platform",
          "local",
        ],
        {
          cwd: dir,
        },
      );
      expect(init.code, init.stderr).toBe(0);
      expect(aitk(["deploy", "validate", "-f", "aitk-deploy.yaml"], { cwd: dir }).code).toBe(0);
      expect(aitk(["deploy", "render", "-f", "aitk-deploy.yaml", "--out", "out"], { cwd: dir }).code).toBe(0);
      if (!openapiPaths.some((p) => p.startsWith("/deployments"))) {
        console.warn("skipping deploy apply: this server has no /api/v1/deployments");
        return;
      }
      // The embedded engine image on the stack's own Docker host: deployable with nothing pulled.
      writeFileSync(
        join(dir, "e2e-deploy.yaml"),
        [
          "apiVersion: aitk/v1",
          "kind: AIDeployment",
          "metadata:",
          `  name: ${deployName}`,
          '  version: "1"',
          "spec:",
          "  model:",
          "    name: aitk-tiny",
          `    servedName: ${deployName}`,
          "    quantization: fp16",
          "  runtime:",
          "    engine: aitk",
          "    maxNumSeqs: 2",
          "    maxModelLen: 512",
          "  strategy:",
          "    type: rolling",
          "  targets:",
          "    - name: local",
          "      platform: docker",
          "      host: local",
          "      image: aitk/engine:local",
          "      replicas: 1",
          "",
        ].join("\n"),
      );
      const r = aitk(["deploy", "-f", "e2e-deploy.yaml", "--all", "--json"], { cwd: dir, timeout: 600_000 });
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      const result = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
      expect(result).toMatchObject({ type: "result", ok: true, deployment: { name: deployName } });
      deploymentId = result.deployment.id;
      const s = JSON.parse(aitk(["status", "--json"]).stdout);
      expect(s.deployments.total).toBeGreaterThan(0);
      // `aitk logs DEPLOYMENT_ID` replays the rollout job of its latest revision.
      const logs = aitk(["logs", deploymentId as string]);
      expect(logs.code, logs.stderr).toBe(0);
      expect(logs.stdout.length).toBeGreaterThan(0);
    }, 660_000);

    it("jobs and logs -f follow a real job to its end; a failed job is exit 1", async () => {
      const ok = await api<{ id: string }>("POST", "/jobs", { steps: 3, stepMs: 200 });
      expect(ok.status).toBe(201);
      const f = aitk(["logs", ok.json.id, "-f"]);
      expect(f.code, f.stderr).toBe(0);
      expect(f.stdout).toContain("step 3/3");
      expect(f.stderr).toContain(`job ${ok.json.id} completed`);
      const list = JSON.parse(aitk(["jobs", "--json", "--kind", "demo.run"]).stdout) as {
        items: { id: string }[];
      };
      expect(list.items.map((j) => j.id)).toContain(ok.json.id);

      const bad = await api<{ id: string }>("POST", "/jobs", { steps: 2, stepMs: 50, failAtStep: 1 });
      const fb = aitk(["logs", bad.json.id, "--follow", "--json"]);
      expect(fb.code).toBe(1);
      const last = JSON.parse(fb.stdout.trim().split("\n").at(-1) as string);
      expect(last).toMatchObject({ type: "job", state: "failed" });
      expect(last.error).toContain("demo failure at step 1");
    }, 120_000);

    it("logout forgets the key", () => {
      expect(aitk(["logout"]).code).toBe(0);
      const r = aitk(["status"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("aitk login");
    });
  },
);
