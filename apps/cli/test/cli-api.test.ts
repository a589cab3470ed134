import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { addJob, GOOD_KEY, OTHER_KEY, startFakeApi, type TFake } from "./cli-fakeApi";

// The real bin (node apps/cli/bin/aitk.js) against a local HTTP server: login/config permissions,
// error → exit code mapping, status/jobs/keys/logs -f and the remote build path.

const root = new URL("../../../", import.meta.url).pathname;
const bin = join(root, "apps/cli/bin/aitk.js");
const tmp = mkdtempSync(join(tmpdir(), "aitk-cli-api-"));
let fake: TFake;
let configDir: string;
let n = 0;

beforeAll(async () => {
  fake = await startFakeApi();
});
afterAll(async () => {
  await fake.close();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  n += 1;
  configDir = join(tmp, `config-${n}`);
});

interface TRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Async spawn: the fake API lives in this process, so the event loop must keep running. */
function aitk(args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string } = {}) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AITK_CONFIG_DIR: configDir,
    AITK_POLL_MS: "50",
    ...opts.env,
  };
  if (!opts.env?.AITK_API_URL) delete env.AITK_API_URL;
  if (!opts.env?.AITK_API_KEY) delete env.AITK_API_KEY;
  return new Promise<TRun>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, cwd: opts.cwd ?? tmp });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

const login = () => aitk(["login", "--api-url", fake.url, "--api-key", GOOD_KEY]);

describe("aitk login / logout", () => {
  it("checks the key with GET /api/v1/me and stores it 0600 in a 0700 directory", async () => {
    const r = await login();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Demo (demo)");
    const me = fake.requests.at(-1)!;
    expect(me.path).toBe("/api/v1/me");
    expect(me.auth).toBe(`Bearer ${GOOD_KEY}`);
    const file = join(configDir, "config.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(configDir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      apiUrl: `${fake.url}/api/v1`,
      apiKey: GOOD_KEY,
    });
  });

  it("reads the key from stdin and accepts the API URL with /api/v1", async () => {
    const r = await aitk(["login", "--api-url", `${fake.url}/api/v1/`, "--api-key-stdin", "--json"], {
      input: `${GOOD_KEY}\n`,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, apiUrl: `${fake.url}/api/v1`, role: "admin" });
  });

  it("a key the server refuses is exit 2 with the server's reason and `aitk login`, nothing stored", async () => {
    const r = await aitk(["login", "--api-url", fake.url, "--api-key", `aitk_${"Z".repeat(40)}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid API key");
    expect(r.stderr).toContain("aitk login");
    expect(() => statSync(join(configDir, "config.json"))).toThrow();
  });

  it("bad input is refused before any request (exit 2)", async () => {
    const before = fake.requests.length;
    expect((await aitk(["login", "--api-url", fake.url, "--api-key", "hello"])).code).toBe(2);
    const url = await aitk(["login", "--api-url", "ftp://x", "--api-key", GOOD_KEY]);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain("--api-url");
    const both = await aitk(["login", "--api-key", GOOD_KEY, "--api-key-stdin"]);
    expect(both.code).toBe(2);
    expect((await aitk(["login", "--api-url", fake.url], { input: "" })).code).toBe(2);
    expect((await aitk(["login", "--bogus"])).stderr).toContain("--bogus");
    expect(fake.requests.length).toBe(before);
  });

  it("an unreachable server or a 5xx is exit 1", async () => {
    const dead = await aitk(["login", "--api-url", "http://127.0.0.1:9", "--api-key", GOOD_KEY]);
    expect(dead.code).toBe(1);
    expect(dead.stderr).toContain("cannot reach the aitk API at http://127.0.0.1:9/api/v1");
    fake.force.set("GET /me", {
      status: 503,
      body: { error: { code: "UNAVAILABLE", message: "database down" } },
    });
    const down = await aitk(["login", "--api-url", fake.url, "--api-key", GOOD_KEY]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("database down");
    fake.force.set("GET /me", { status: 502, body: "<html>bad gateway</html>" });
    expect((await aitk(["login", "--api-url", fake.url, "--api-key", GOOD_KEY])).code).toBe(1);
    // A dropped connection on a GET is sent once more; dropped twice, it is a failure.
    fake.force.set("GET /me", { status: 0, body: null });
    expect((await aitk(["login", "--api-url", fake.url, "--api-key", GOOD_KEY])).code).toBe(0);
    fake.force.set("GET /me", { status: 0, body: null, times: 2 });
    expect((await aitk(["login", "--api-url", fake.url, "--api-key", GOOD_KEY])).code).toBe(1);
  });

  it("logout removes the stored key; commands then ask for a login (exit 2)", async () => {
    await login();
    const r = await aitk(["logout"]);
    expect(r.code).toBe(0);
    expect(() => statSync(join(configDir, "config.json"))).toThrow();
    const s = await aitk(["status"]);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain("aitk login");
  });

  it("AITK_API_URL / AITK_API_KEY override the stored login", async () => {
    writeFileSync(join(tmp, "x"), "");
    mkdirSync(configDir, { recursive: true });
    writeFileSync(
      join(configDir, "config.json"),
      JSON.stringify({ apiUrl: "http://127.0.0.1:9", apiKey: `aitk_${"Z".repeat(40)}` }),
    );
    const r = await aitk(["status", "--json"], { env: { AITK_API_URL: fake.url, AITK_API_KEY: OTHER_KEY } });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.keySource).toBe("AITK_API_KEY");
    expect(out.apiKey.prefix).toBe(OTHER_KEY.slice(0, 12));
    const corrupt = join(configDir, "config.json");
    writeFileSync(corrupt, "{not json");
    const bad = await aitk(["status"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("config.json is not JSON");
  });
});

describe("status, jobs, keys", () => {
  it("status shows org, key, hosts and counts; --json for scripts", async () => {
    await login();
    addJob(fake, "job_s1", [{ state: "completed", progress: 100 }]);
    const r = await aitk(["status"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Organization Demo \(demo/);
    expect(r.stdout).toMatch(/local\s+healthy/);
    expect(r.stdout).toMatch(/Deployments\s+\(not available on this server\)/);
    const j = JSON.parse((await aitk(["status", "--json"])).stdout);
    expect(j.org.slug).toBe("demo");
    expect(j.hosts[0].status).toBe("healthy");
    expect(j.jobs.total).toBeGreaterThan(0);
    expect(j.deployments).toBeNull();
  });

  it("jobs lists and validates flags", async () => {
    await login();
    const r = await aitk(["jobs"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+KIND\s+STATE/);
    const j = JSON.parse((await aitk(["jobs", "--json", "--state", "failed"])).stdout);
    expect(Array.isArray(j.items)).toBe(true);
    expect(fake.requests.at(-1)?.path).toContain("state=failed");
    const bad = await aitk(["jobs", "--state", "done"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("queued, active, completed, failed, cancelled");
    expect((await aitk(["jobs", "--limit", "0"])).code).toBe(2);
  });

  it("keys create prints the key alone on stdout; list; revoke by prefix", async () => {
    await login();
    const c = await aitk(["keys", "create", "ci-bot", "--scopes", "inference,read", "--expires", "30d"]);
    expect(c.code).toBe(0);
    const key = c.stdout.trim();
    expect(key).toMatch(/^aitk_[A-Za-z0-9]{40}$/);
    expect(c.stderr).toContain("not shown again");
    const sent = fake.requests.at(-1)!.body as { scopes: string[]; expiresAt: string };
    expect(sent.scopes).toEqual(["inference", "read"]);
    expect(Date.parse(sent.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const l = await aitk(["keys", "list"]);
    expect(l.stdout).toContain("ci-bot");
    const rv = await aitk(["keys", "revoke", key.slice(0, 12)]);
    expect(rv.code).toBe(0);
    expect(rv.stdout).toContain('Revoked API key "ci-bot"');
    expect((await aitk(["keys", "list"])).stdout).not.toContain("ci-bot");
    expect((await aitk(["keys", "list", "--all", "--json"])).stdout).toContain("ci-bot");
  });

  it("4xx answers are exit 2 with the server's message naming the field", async () => {
    await login();
    fake.force.set("POST /keys", {
      status: 400,
      body: { error: { code: "VALIDATION", message: "must be in the future", field: "expiresAt" } },
    });
    const r = await aitk(["keys", "create", "x", "--expires", "1d"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("expiresAt: must be in the future");
    const f = await aitk(["keys", "create", "x", "--scopes", "admin"]);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain("forbidden: creating an admin key needs the admin role");
    const nf = await aitk(["keys", "revoke", "key_nope"]);
    expect(nf.code).toBe(2);
    expect(nf.stderr).toContain("key_nope not found");
    expect((await aitk(["keys", "create", "x", "--scopes", "root"])).stderr).toContain(
      'unknown scope "root"',
    );
    expect((await aitk(["keys", "create", "x", "--expires", "yesterday"])).code).toBe(2);
    expect((await aitk(["keys", "frobnicate"])).code).toBe(2);
  });
});

describe("aitk logs", () => {
  it("-f follows a job until it completes, each line once, exit 0", async () => {
    await login();
    addJob(fake, "job_f1", [
      { state: "queued", progress: 0 },
      { state: "active", progress: 30, message: "step 1", lines: ["line 1", "line 2"] },
      { state: "active", progress: 60, message: "step 2", lines: ["line 3"] },
      { state: "completed", progress: 100, lines: ["done"] },
    ]);
    const r = await aitk(["logs", "job_f1", "-f"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("line 1\nline 2\nline 3\ndone\n");
    // Not a terminal: progress is plain lines on stderr.
    expect(r.stderr).toMatch(/\[ 30%\] step 1/);
    expect(r.stderr).toContain("job job_f1 completed");
  });

  it("exit 1 when the job failed; --json is NDJSON ending with the job", async () => {
    await login();
    addJob(fake, "job_f2", [
      { state: "active", progress: 10, lines: ["working"] },
      { state: "failed", progress: 10, error: "boom", lines: ["error: boom"] },
    ]);
    const r = await aitk(["logs", "job_f2", "--follow", "--json"]);
    expect(r.code).toBe(1);
    const events = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.type)).toEqual(["log", "log", "job"]);
    expect(events[2]).toMatchObject({ state: "failed", error: "boom" });
  });

  it("without -f prints what there is; unknown ids are exit 2", async () => {
    await login();
    addJob(fake, "job_f3", [{ state: "active", progress: 40, lines: ["so far"] }]);
    const r = await aitk(["logs", "job_f3"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("so far\n");
    expect(r.stderr).toContain("aitk logs job_f3 -f");
    const nf = await aitk(["logs", "job_nope"]);
    expect(nf.code).toBe(2);
    expect(nf.stderr).toContain("no job, build or deployment with id job_nope");
    expect((await aitk(["logs"])).code).toBe(2);
  });
});

const DOCKERFILE_AI = `FROM ai-base:2026
MODEL meta-llama/Llama-3.2-1B-instruct
ENGINE vllm
TARGET nvidia-h100
`;

describe("aitk build through the control plane", () => {
  const dir = join(tmp, "proj");
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "Dockerfile.ai"), DOCKERFILE_AI);
    writeFileSync(
      join(dir, "Broken.ai"),
      "FROM ai-base:2026\nMODEL meta-llama/Llama-3.2-1B-instruct\nENGINE vllmm\n",
    );
  });

  it("submits the file to POST /api/v1/builds, streams logs, reports success", async () => {
    await login();
    fake.buildOutcome = "succeeded";
    const r = await aitk(["build", "-f", "Dockerfile.ai", "-t", "my-llm-server:2026", "--host", "local"], {
      cwd: dir,
    });
    expect(r.stderr).toContain("queued on local");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Step 2/4 : RUN y");
    expect(r.stdout).toContain("Build successful: my-llm-server:2026");
    const post = fake.requests.find((q) => q.method === "POST" && q.path === "/api/v1/builds")!;
    expect(post.body).toEqual({ dockerfileAi: DOCKERFILE_AI, tag: "my-llm-server:2026", hostId: "host_1" });
  });

  it("a failed build is exit 1 with the step; --json is one object", async () => {
    await login();
    fake.buildOutcome = "failed";
    const r = await aitk(["build", "-f", "Dockerfile.ai", "-t", "x:1", "--json"], { cwd: dir });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.build).toMatchObject({ status: "failed", failedStep: "RUN y" });
    fake.buildOutcome = "succeeded";
  });

  it("bad files and hosts are exit 2 before anything is built", async () => {
    await login();
    const before = fake.requests.filter((q) => q.path === "/api/v1/builds").length;
    const bad = await aitk(["build", "-f", "Broken.ai", "-t", "x:1"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Broken\.ai:3:\d+/);
    const host = await aitk(["build", "-f", "Dockerfile.ai", "-t", "x:1", "--host", "gpu-9"], { cwd: dir });
    expect(host.code).toBe(2);
    expect(host.stderr).toContain('--host "gpu-9" is not a host of this organization; hosts: local');
    expect(fake.requests.filter((q) => q.path === "/api/v1/builds").length).toBe(before);
  });

  it("--host without a login is exit 2", async () => {
    const r = await aitk(["build", "-f", "Dockerfile.ai", "-t", "x:1", "--host", "local"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("aitk login");
  });
});

describe("completion and version", () => {
  it("bash, zsh and fish scripts come from the registry and parse", async () => {
    const bash = await aitk(["completion", "bash"]);
    expect(bash.code).toBe(0);
    const file = join(tmp, "aitk.bash");
    writeFileSync(file, bash.stdout);
    expect(spawnSync("bash", ["-n", file]).status).toBe(0);
    for (const word of [
      "login",
      "logs",
      "keys",
      "build",
      "--api-key-stdin",
      "--follow",
      "create list revoke",
    ]) {
      expect(bash.stdout).toContain(word);
    }
    // Complete `aitk keys c` in a real bash.
    const probe = spawnSync(
      "bash",
      ["-c", `source ${file}; COMP_WORDS=(aitk keys c); COMP_CWORD=2; _aitk; echo "\${COMPREPLY[@]}"`],
      { encoding: "utf8" },
    );
    expect(probe.stdout.trim()).toBe("create");
    const zsh = await aitk(["completion", "zsh"]);
    expect(zsh.stdout).toContain("#compdef aitk");
    const fish = await aitk(["completion", "fish"]);
    expect(fish.stdout).toContain("__fish_seen_subcommand_from logs' -l follow");
    expect((await aitk(["completion", "tcsh"])).code).toBe(2);
  });

  it("version prints the seed's lines with counted combinations", async () => {
    const r = await aitk(["version"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("Docker AI Toolkit 2026.1.0");
    expect(lines[1]).toMatch(/^Engine: vllm \d+\.\d+/);
    expect(lines[2]).toMatch(/^CUDA: \d+\.\d+/);
    expect(lines[3]).toMatch(/^Dependencies: [\d,]+ compatible combinations$/);
    const j = JSON.parse((await aitk(["version", "--json"])).stdout);
    expect(j.compatibility.combinations).toBeGreaterThan(100);
  });
});
