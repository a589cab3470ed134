// deploy.apply on the local dockerd, end to end: the embedded engine image (built from local files),
// containers per replica, health gates, endpoints registered with a real gateway, a blue-green update
// under continuous traffic (no failed request), and a revision whose health check fails being rolled
// back automatically while the old revision keeps serving.
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { parseDeploymentYaml } from "@aitk/core/deploy/parse";
import { createRedis, type TRedis } from "@aitk/db";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import Docker from "dockerode";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../../gateway/src/env";
import { createGateway, type TGateway } from "../../gateway/src/server";
import { enqueueJob } from "@aitk/db/jobs/enqueue";
import { applyRevision } from "../src/deploy/apply";
import { ensureEngineImage } from "../src/deploy/engineImage";
import { removeOrgContainers, seedLocalDeployOrg } from "./deployFixtures";
import { dropPrefix, producer, startTestWorker, uniquePrefix, waitFor } from "./helpers";

const ROOT = resolve(import.meta.dirname, "../../..");
const docker = new Docker({ socketPath: "/var/run/docker.sock" });
let db: TTestDatabase;
let redis: TRedis;
let gw: TGateway;
let gwUrl: string;
let apiKey: string;
let orgId: string;
let deploymentId: string;
const prefix = `tdeploy${randomBytes(3).toString("hex")}:`;
const name = `tiny-${randomBytes(2).toString("hex")}`;
const logs: string[] = [];

const specYaml = (o: {
  version: string;
  strategy: string;
  env?: Record<string, string>;
  replicas?: number;
  /** More strategy lines (YAML, indented 4). */
  extra?: string;
}) => `
apiVersion: aitk/v1
kind: AIDeployment
metadata:
  name: ${name}
  version: "${o.version}"
spec:
  model:
    name: aitk-tiny
    servedName: ${name}
    quantization: fp16
  runtime:
    engine: aitk
    maxNumSeqs: 4
    maxModelLen: 512
    env:
${Object.entries({ ENGINE_DEFAULT_MAX_TOKENS: "4", AITK_REVISION: o.version, ...(o.env ?? {}) })
  .map(([k, v]) => `      ${k}: "${v}"`)
  .join("\n")}
  strategy:
    type: ${o.strategy}
    gates: { healthTimeout: 40s, maxErrorRate: 0.1 }
    scaleDownDelay: 20s${o.extra ?? ""}
  targets:
    - name: local
      platform: docker
      host: local
      image: aitk/engine:local
      replicas: ${o.replicas ?? 1}
`;

async function newRevision(yaml: string, number: number, request: Record<string, unknown> = {}) {
  const { spec } = parseDeploymentYaml(yaml, "aitk-deploy.yaml");
  const rev = await db.prisma.revision.create({
    data: {
      orgId,
      deploymentId,
      number,
      spec: JSON.parse(JSON.stringify(spec)),
      image: "aitk/engine:local",
      strategy: String((spec.spec.strategy as { type?: string })?.type ?? "rolling"),
      rollout: JSON.parse(JSON.stringify({ request })),
    },
  });
  return rev.id;
}

const deps = () => ({
  prisma: db.prisma,
  redis,
  invalidateChannel: `${prefix}aitk:invalidate`,
  log: async (line: string) => {
    logs.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (process.env.DEPLOY_TEST_LOG) console.log(logs.at(-1));
  },
  propagationMs: 1200,
});

async function complete(): Promise<{ ok: boolean; status: number; text: string }> {
  const r = await fetch(`${gwUrl}/v1/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: name, prompt: "Hello", max_tokens: 4 }),
  }).catch((e: Error) => ({ ok: false, status: 0, text: async () => e.message }) as const);
  const text = await r.text();
  return { ok: r.status === 200, status: r.status, text };
}

async function liveContainers(): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`aitk.io/org=${orgId}`] } });
}

beforeAll(async () => {
  await ensureEngineImage(docker, ROOT);
  db = await createTestDatabase();
  redis = createRedis("redis://127.0.0.1:6379");
  ({ orgId, apiKey } = await seedLocalDeployOrg(db.prisma, "deploy"));
  const d = await db.prisma.deployment.create({
    data: { orgId, name, specYaml: specYaml({ version: "1", strategy: "blue-green" }), spec: {} },
  });
  deploymentId = d.id;
  gw = await createGateway(
    loadEnv({ DATABASE_URL: db.url, AITK_REDIS_PREFIX: prefix, GATEWAY_MODELS_REFRESH_MS: "60000" }),
    { prisma: db.prisma, log: pino({ level: "silent" }) },
  );
  gwUrl = `http://127.0.0.1:${await gw.listen(0, "127.0.0.1")}`;
}, 180_000);

afterAll(async () => {
  if (orgId) await removeOrgContainers(docker, orgId);
  await gw?.close();
  redis?.disconnect();
  await db?.drop();
});

describe("deploy.apply to the local Docker engine", () => {
  it("deploys the engine image and serves it through the gateway", async () => {
    const rev = await newRevision(specYaml({ version: "1", strategy: "blue-green", replicas: 2 }), 1);
    const out = await applyRevision(deps(), rev);
    expect(out.status, out.error).toBe("active");
    const replicas = await db.prisma.replica.findMany({ where: { revisionId: rev } });
    expect(replicas.map((r) => r.status)).toEqual(["healthy", "healthy"]);
    const containers = await liveContainers();
    expect(containers).toHaveLength(2);
    const info = await docker.getContainer(containers[0]!.Id).inspect();
    expect(info.HostConfig.NetworkMode).toBe("host");
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(info.HostConfig.SecurityOpt).toContain("no-new-privileges:true");
    expect(info.Config.User).toBe("1000:1000");
    expect(info.Config.Labels["aitk.io/revision"]).toBe(rev);
    const r = await complete();
    expect(r.status, r.text).toBe(200);
    const dep = await db.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    expect(dep).toMatchObject({ status: "active", currentRevisionId: rev });
  }, 120_000);

  it("blue-green update under continuous traffic: zero failed requests", async () => {
    const rev = await newRevision(specYaml({ version: "2", strategy: "blue-green", replicas: 2 }), 2);
    let stop = false;
    const results: { ok: boolean; status: number; text: string }[] = [];
    const client = async () => {
      while (!stop) results.push(await complete());
    };
    const clients = [client(), client()];
    const t0 = Date.now();
    const out = await applyRevision(deps(), rev);
    // Keep sending a little longer: stragglers routed before the switch must finish too.
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await Promise.all(clients);
    const failed = results.filter((r) => !r.ok);
    console.log(
      `blue-green: ${failed.length} failed of ${results.length} requests during a ${((Date.now() - t0) / 1000).toFixed(1)} s rollout`,
    );
    expect(out.status, out.error).toBe("active");
    expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([]);
    expect(results.length).toBeGreaterThan(20);
    const containers = await liveContainers();
    expect(containers.map((c) => c.Labels["aitk.io/revision"])).toEqual([rev, rev]);
    const eps = await db.prisma.endpoint.findMany({ where: { orgId } });
    expect(eps.every((e) => e.revisionId === rev && e.weight > 0)).toBe(true);
    const old = await db.prisma.revision.findFirstOrThrow({ where: { deploymentId, number: 1 } });
    expect(old.status).toBe("superseded");
  }, 180_000);

  it("a failing health check rolls back automatically; the old revision keeps serving", async () => {
    const before = await db.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    const rev = await newRevision(
      specYaml({
        version: "3",
        strategy: "blue-green",
        replicas: 2,
        // The engine cannot write a model on a read-only root: it exits before it is ever ready.
        env: { ENGINE_MODEL_PATH: "/nonexistent/model.gguf" },
      }),
      3,
    );
    let stop = false;
    const results: { ok: boolean }[] = [];
    const client = (async () => {
      while (!stop) results.push(await complete());
    })();
    const out = await applyRevision(deps(), rev);
    stop = true;
    await client;
    expect(out.status).toBe("rolled_back");
    expect(out.error).toMatch(/exited|not healthy/);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const replicas = await db.prisma.replica.findMany({ where: { revisionId: rev } });
    expect(replicas.length).toBeGreaterThan(0);
    expect(replicas.every((r) => r.status === "failed" || r.status === "stopped")).toBe(true);
    expect(replicas.some((r) => /exited|not healthy/.test(r.lastError ?? ""))).toBe(true);
    const dep = await db.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    expect(dep.currentRevisionId).toBe(before.currentRevisionId);
    expect(dep.status).toBe("active");
    const containers = await liveContainers();
    expect(containers.every((c) => c.Labels["aitk.io/revision"] === before.currentRevisionId)).toBe(true);
    const r = await complete();
    expect(r.status, r.text).toBe(200);
  }, 180_000);

  it("rolling update replaces replicas one by one", async () => {
    const rev = await newRevision(specYaml({ version: "4", strategy: "rolling", replicas: 2 }), 4);
    let stop = false;
    const results: { ok: boolean }[] = [];
    const client = (async () => {
      while (!stop) results.push(await complete());
    })();
    const out = await applyRevision(deps(), rev);
    stop = true;
    await client;
    expect(out.status, out.error).toBe("active");
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const containers = await liveContainers();
    expect(containers.map((c) => c.Labels["aitk.io/revision"])).toEqual([rev, rev]);
  }, 180_000);

  it("canary walks its step plan and promotes when the error-rate gate holds", async () => {
    const rev = await newRevision(
      specYaml({
        version: "5",
        strategy: "canary",
        replicas: 1,
        extra: "\n    steps: [{ weight: 50, pause: 2s }, { weight: 100 }]",
      }),
      5,
    );
    let stop = false;
    const results: { ok: boolean }[] = [];
    const client = (async () => {
      while (!stop) results.push(await complete());
    })();
    const out = await applyRevision(deps(), rev);
    stop = true;
    await client;
    expect(out.status, out.error).toBe("active");
    expect(out.targets.local).toMatchObject({ state: "active", step: 2, steps: 2, trafficPercent: 100 });
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(logs.some((l) => l.includes("canary step 1/2: 50%"))).toBe(true);
    const containers = await liveContainers();
    expect(containers.map((c) => c.Labels["aitk.io/revision"])).toEqual([rev]);
  }, 180_000);

  it("canary rolls back when its error rate (usage ledger) exceeds the gate", async () => {
    const before = await db.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    const rev = await newRevision(
      specYaml({
        version: "6",
        strategy: "canary",
        replicas: 1,
        extra: "\n    steps: [{ weight: 20, pause: 4s }, { weight: 100 }]",
      }),
      6,
    );
    const applying = applyRevision(deps(), rev);
    // While the canary holds 20 %, the ledger records failures of its requests (as the gateway would).
    let url: string | null = null;
    for (let i = 0; i < 200 && !url; i++) {
      const r = await db.prisma.replica.findFirst({ where: { revisionId: rev, status: "healthy" } });
      url = r?.url ?? null;
      if (!url) await new Promise((ok) => setTimeout(ok, 200));
    }
    expect(url).toBeTruthy();
    await new Promise((ok) => setTimeout(ok, 500));
    await db.prisma.usageEvent.createMany({
      data: Array.from({ length: 20 }, (_, i) => ({
        requestId: `canary-${rev}-${i}`,
        orgId,
        model: name,
        endpoint: "completions",
        status: i < 6 ? 502 : 200,
        outcome: i < 6 ? ("upstream_error" as const) : ("ok" as const),
        durationMs: 5,
        upstream: new URL(url!).origin,
      })),
    });
    const out = await applying;
    expect(out.status).toBe("rolled_back");
    expect(out.error).toMatch(/error rate 30\.0% over 20 requests exceeds 10\.0%/);
    const dep = await db.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    expect(dep.currentRevisionId).toBe(before.currentRevisionId);
    const containers = await liveContainers();
    expect(containers.map((c) => c.Labels["aitk.io/revision"])).toEqual([before.currentRevisionId]);
    const eps = await db.prisma.endpoint.findMany({ where: { orgId } });
    expect(eps.map((e) => [e.revisionId, e.weight > 0])).toEqual([[before.currentRevisionId, true]]);
    expect((await complete()).status).toBe(200);
  }, 180_000);

  it("runs as the deploy.apply job in the worker runtime", async () => {
    const prefixQ = uniquePrefix("deploy");
    const worker = await startTestWorker(db.prisma, db.url, prefixQ);
    const prod = producer(prefixQ);
    try {
      const rev = await newRevision(specYaml({ version: "7", strategy: "recreate", replicas: 1 }), 7);
      const job = await enqueueJob(
        { prisma: db.prisma, queues: prod.queues },
        { orgId, kind: "deploy.apply", payload: { revisionId: rev } },
      );
      const done = await waitFor(
        async () => {
          const j = await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
          return j.state === "completed" || j.state === "failed" ? j : null;
        },
        "deploy.apply job end",
        120_000,
      );
      expect(done.state, done.error ?? "").toBe("completed");
      expect(done.progress).toBe(100);
      const r = await db.prisma.revision.findUniqueOrThrow({ where: { id: rev } });
      expect(r.status).toBe("active");
    } finally {
      await worker.close();
      await prod.close();
      await dropPrefix(prefixQ);
    }
  }, 180_000);

  it("a cancelled rollout cleans up its new replicas; the current revision keeps serving", async () => {
    const before = await db.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    const rev = await newRevision(specYaml({ version: "8", strategy: "blue-green", replicas: 1 }), 8);
    const abort = new AbortController();
    const applying = applyRevision({ ...deps(), signal: abort.signal }, rev);
    for (let i = 0; i < 200; i++) {
      if (await db.prisma.replica.findFirst({ where: { revisionId: rev, status: "starting" } })) break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    abort.abort(new Error("cancelled by test"));
    const out = await applying;
    expect(out.status).not.toBe("active");
    expect(out.error).toMatch(/cancelled/);
    const dep = await db.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    expect(dep.currentRevisionId).toBe(before.currentRevisionId);
    const containers = await liveContainers();
    expect(containers.map((c) => c.Labels["aitk.io/revision"])).toEqual([before.currentRevisionId]);
  }, 120_000);
});
