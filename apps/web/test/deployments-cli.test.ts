// `npx aitk deploy -f aitk-deploy.yaml --all` end to end: the real CLI bin → the REST API (the route
// handlers behind a node:http server) → a deploy.apply job → a real worker → containers on the local
// dockerd. A spec whose engine never becomes healthy makes the CLI exit 1 after the rollback.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureEngineImage } from "../../worker/src/deploy/engineImage";
import { ZWorkerEnv } from "../../worker/src/env";
import { createLogger } from "../../worker/src/logger";
import { startWorker, type TWorkerHandle } from "../../worker/src/runtime/startWorker";
import { createFixture, type TFixture } from "./fixtures";
import { restRoutes, type TRestRoute } from "./rest";

const ROOT = resolve(import.meta.dirname, "../../..");
const docker = new Docker({ socketPath: "/var/run/docker.sock" });
let f: TFixture;
let server: Server;
let apiUrl: string;
let worker: TWorkerHandle;
let dir: string;
const name = `cli-${randomBytes(2).toString("hex")}`;

const spec = (env = "") => `apiVersion: aitk/v1
kind: AIDeployment
metadata:
  name: ${name}
spec:
  model:
    name: aitk-tiny
    servedName: ${name}
  runtime:
    engine: aitk${env}
  strategy:
    type: blue-green
    gates: { healthTimeout: 40s }
    scaleDownDelay: 5s
  targets:
    - name: local
      platform: docker
      host: local
      image: aitk/engine:local
      replicas: 1
`;

/** Next's precedence: static segments, then dynamic ones, then catch-alls. */
const rank = (path: string) => (path.includes("{...") ? 100 : 0) + path.split("{").length;

/** Routes /api/v1/... to the App Router handlers, as Next would. */
function serve(routes: TRestRoute[]): Server {
  const compiled = routes.map((r) => ({
    ...r,
    re: new RegExp(
      `^/api/v1${r.path.replace(/\{\.\.\.[^}]+\}/g, "(.+)").replace(/\{([^}]+)\}/g, "(?<$1>[^/]+)")}$`,
    ),
  }));
  return createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    // Static segments first (e.g. /deployments/schema before /deployments/{id}).
    const hit = compiled
      .filter((r) => r.method === req.method && r.re.test(url.pathname))
      .sort((a, b) => rank(a.path) - rank(b.path))[0];
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (!hit) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":{"code":"NOT_FOUND","message":"no route"}}');
      return;
    }
    const params = (hit.re.exec(url.pathname)?.groups ?? {}) as Record<string, string>;
    const r = await hit.handler(
      new Request(url, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
      }),
      { params: Promise.resolve(params) },
    );
    res.writeHead(r.status, Object.fromEntries(r.headers));
    res.end(Buffer.from(await r.arrayBuffer()));
  });
}

function aitk(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const p = spawn(process.execPath, [join(ROOT, "apps/cli/bin/aitk.js"), ...args], {
      cwd: dir,
      env: {
        ...process.env,
        AITK_API_URL: apiUrl,
        AITK_API_KEY: f.a.key,
        AITK_CONFIG_DIR: join(dir, "config"),
        AITK_POLL_MS: "200",
        NO_COLOR: "1",
      },
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => {
      stdout += String(d);
    });
    p.stderr.on("data", (d) => {
      stderr += String(d);
    });
    p.on("close", (code) => ok({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  await ensureEngineImage(docker, ROOT);
  f = await createFixture();
  server = serve(await restRoutes());
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const addr = server.address() as { port: number };
  apiUrl = `http://127.0.0.1:${addr.port}/api/v1`;
  const config = ZWorkerEnv.parse({
    REDIS_URL: "redis://127.0.0.1:6379",
    AITK_QUEUE_PREFIX: f.deps.queues.prefix,
    LOG_LEVEL: "silent",
    WORKER_SCHEDULES: "false",
    AITK_SECRET_KEY: f.deps.secretKeyHex,
  });
  worker = await startWorker({
    prisma: f.prisma,
    config,
    logger: createLogger("silent"),
    schedules: false,
    kinds: ["deploy.apply"],
    abortGraceMs: 1000,
    cancelPollMs: 500,
  });
  dir = mkdtempSync(join(tmpdir(), "aitk-deploy-cli-"));
}, 180_000);

afterAll(async () => {
  for (const c of await docker.listContainers({
    all: true,
    filters: { label: [`aitk.io/org=${f?.a.orgId}`] },
  }))
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => {});
  await worker?.close();
  await new Promise((ok) => server?.close(ok));
  await f?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("aitk deploy through the control plane", () => {
  it("deploys --all, streams progress and exits 0; a failing revision exits 1 and the old one keeps serving", async () => {
    writeFileSync(join(dir, "aitk-deploy.yaml"), spec());
    const ok = await aitk(["deploy", "-f", "aitk-deploy.yaml", "--all"]);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    expect(ok.stderr).toMatch(/revision 1: rolling out local/);
    // The job's log lines (worker side) come through the CLI as they happen.
    expect(ok.stdout + ok.stderr).toMatch(/local-r1-0: healthy after/);
    expect(ok.stderr).toMatch(/revision 1 of .* is active/);
    const running = await docker.listContainers({ filters: { label: [`aitk.io/org=${f.a.orgId}`] } });
    expect(running).toHaveLength(1);
    const url = (await f.prisma.replica.findFirstOrThrow({ where: { status: "healthy" } })).url!;
    expect((await fetch(`${url}/ready`)).status).toBe(200);

    writeFileSync(
      join(dir, "aitk-deploy.yaml"),
      spec('\n    env:\n      ENGINE_MODEL_PATH: "/nonexistent/model.gguf"'),
    );
    const bad = await aitk([
      "deploy",
      "-f",
      "aitk-deploy.yaml",
      "--target",
      "local",
      "--strategy",
      "blue-green",
    ]);
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/health gate failed/);
    expect(bad.stderr).toMatch(/revision 2 rolled_back: .*exited/);
    expect((await fetch(`${url}/ready`)).status).toBe(200);

    const invalid = await aitk(["deploy", "-f", "aitk-deploy.yaml", "--target", "nope"]);
    expect(invalid.code).toBe(2);
  }, 240_000);
});
