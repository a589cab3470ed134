// replica.monitor on the local dockerd: a replica rolled out by deploy.apply (the embedded engine image,
// built from local files) is watched after its rollout. Killed → unhealthy after the second check, its
// endpoint out of the gateway's routes; started again → healthy after one check; frozen (SIGSTOP, the
// container still "running") → the readiness probe times out; a replica whose container is gone fails;
// "starting" replicas of a rollout in progress are left to the rollout's own gate.
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
import { applyRevision } from "../src/deploy/apply";
import { ensureEngineImage } from "../src/deploy/engineImage";
import { monitorReplicas, probe } from "../src/deploy/replicaMonitor";
import { removeOrgContainers, seedLocalDeployOrg } from "./deployFixtures";
import { waitFor } from "./helpers";

const ROOT = resolve(import.meta.dirname, "../../..");
const docker = new Docker({ socketPath: "/var/run/docker.sock" });
let db: TTestDatabase;
let redis: TRedis;
let sub: TRedis;
let gw: TGateway;
let gwUrl: string;
let apiKey: string;
let orgId: string;
let deploymentId: string;
let replicaId: string;
let containerId: string;
let replicaUrl: string;
const prefix = `tmon${randomBytes(3).toString("hex")}:`;
const channel = `${prefix}aitk:invalidate`;
const name = `mon-${randomBytes(2).toString("hex")}`;
const published: { at: number; msg: string }[] = [];
const warnings: string[] = [];

const specYaml = `
apiVersion: aitk/v1
kind: AIDeployment
metadata:
  name: ${name}
  version: "1"
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
      ENGINE_DEFAULT_MAX_TOKENS: "4"
  strategy:
    type: recreate
    gates: { healthTimeout: 40s, maxErrorRate: 0.1 }
  targets:
    - name: local
      platform: docker
      host: local
      image: aitk/engine:local
      replicas: 1
`;

const monitor = (probeTimeoutMs = 2000) =>
  monitorReplicas({
    prisma: db.prisma,
    redis,
    invalidateChannel: channel,
    stateKey: `${prefix}replica-monitor:failures`,
    logger: {
      info: () => undefined,
      warn: (_o: object, msg: string) => void warnings.push(msg),
    },
    probeTimeoutMs,
  });

const replica = () => db.prisma.replica.findUniqueOrThrow({ where: { id: replicaId } });
const endpoint = () => db.prisma.endpoint.findFirstOrThrow({ where: { orgId, replicaId } });
/** What the in-process gateway's route table says of the replica's endpoint (after invalidations). */
const routed = async () => {
  const ep = await endpoint();
  const models = gw.deps.registry.peek(orgId);
  return models?.list.flatMap((m) => m.endpoints).find((e) => e.id === ep.id)?.healthyDb;
};

async function complete(): Promise<number> {
  const r = await fetch(`${gwUrl}/v1/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: name, prompt: "Hello", max_tokens: 4 }),
  });
  await r.text();
  return r.status;
}

beforeAll(async () => {
  await ensureEngineImage(docker, ROOT);
  db = await createTestDatabase();
  redis = createRedis("redis://127.0.0.1:6379");
  sub = createRedis("redis://127.0.0.1:6379");
  await sub.subscribe(channel);
  sub.on("message", (_c, msg) => published.push({ at: Date.now(), msg }));
  ({ orgId, apiKey } = await seedLocalDeployOrg(db.prisma, "monitor"));
  const d = await db.prisma.deployment.create({ data: { orgId, name, specYaml, spec: {} } });
  deploymentId = d.id;
  gw = await createGateway(
    loadEnv({ DATABASE_URL: db.url, AITK_REDIS_PREFIX: prefix, GATEWAY_MODELS_REFRESH_MS: "600000" }),
    { prisma: db.prisma, log: pino({ level: "silent" }) },
  );
  gwUrl = `http://127.0.0.1:${await gw.listen(0, "127.0.0.1")}`;

  const { spec } = parseDeploymentYaml(specYaml, "aitk-deploy.yaml");
  const rev = await db.prisma.revision.create({
    data: {
      orgId,
      deploymentId,
      number: 1,
      spec: JSON.parse(JSON.stringify(spec)),
      image: "aitk/engine:local",
      strategy: "recreate",
      rollout: { request: {} },
    },
  });
  const out = await applyRevision(
    { prisma: db.prisma, redis, invalidateChannel: channel, log: async () => undefined, propagationMs: 500 },
    rev.id,
  );
  expect(out.status, out.error).toBe("active");
  const r = await db.prisma.replica.findFirstOrThrow({ where: { revisionId: rev.id } });
  replicaId = r.id;
  containerId = r.containerId!;
  replicaUrl = r.url!;
}, 180_000);

afterAll(async () => {
  if (orgId) await removeOrgContainers(docker, orgId);
  await gw?.close();
  sub?.disconnect();
  redis?.disconnect();
  await db?.drop();
});

describe("replica.monitor on the local Docker engine", () => {
  it("leaves a healthy replica alone (no write, no invalidation)", async () => {
    expect((await replica()).status).toBe("healthy");
    expect(await complete()).toBe(200);
    expect(await routed()).toBe(true);
    const updatedAt = (await replica()).updatedAt;
    const n = published.length;
    const r = await monitor();
    expect(r).toMatchObject({ checked: 1, healthy: 1, unhealthy: 0, changed: 0, invalidated: [] });
    console.log(`monitor: 1 healthy replica checked in ${r.ms} ms`);
    expect((await replica()).updatedAt).toEqual(updatedAt);
    expect(published.length).toBe(n);
  }, 30_000);

  it("a killed container: unhealthy after two checks, out of the gateway's routes; back after one", async () => {
    await docker.getContainer(containerId).kill();
    const first = await monitor();
    expect(first).toMatchObject({ checked: 1, changed: 0 });
    expect((await replica()).status).toBe("healthy");
    expect((await endpoint()).healthy).toBe(true);

    const n = published.length;
    const second = await monitor();
    const tDone = Date.now();
    expect(second).toMatchObject({ checked: 1, unhealthy: 1, changed: 1, invalidated: [orgId] });
    const rep = await replica();
    expect(rep.status).toBe("unhealthy");
    expect(rep.lastError).toMatch(/^container [0-9a-f]{12} exited with code 137 \(SIGKILL\)/);
    const ep = await endpoint();
    expect(ep.healthy).toBe(false);
    expect(ep.lastHealthAt!.getTime()).toBeGreaterThan(tDone - 5000);
    expect((await db.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } })).status).toBe(
      "degraded",
    );
    expect(published.slice(n).map((p) => JSON.parse(p.msg))).toContainEqual({ type: "models", orgId });
    await waitFor(async () => (await routed()) === false, "gateway to drop the endpoint", 3000);
    const reloadMs = Date.now() - tDone;
    console.log(
      `monitor: kill → unhealthy on check 2 (${second.ms} ms); gateway rerouted ${reloadMs} ms later`,
    );
    expect(reloadMs).toBeLessThan(1000);
    expect(await complete()).not.toBe(200);
    const audit = await db.prisma.auditLog.findMany({ where: { orgId, action: "replica.unhealthy" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ targetType: "Replica", targetId: replicaId, actorUserId: null });
    expect(audit[0]!.after).toMatchObject({ status: "unhealthy", deploymentId, revision: 1 });
    expect(warnings.some((w) => w.includes("unhealthy"))).toBe(true);

    // Still down: nothing written again.
    expect(await monitor()).toMatchObject({ changed: 0, invalidated: [] });

    await docker.getContainer(containerId).start();
    await waitFor(async () => (await probe(replicaUrl, "/ready", 1000)).ok, "engine to answer again", 30_000);
    const back = await monitor();
    expect(back).toMatchObject({ checked: 1, healthy: 1, changed: 1, invalidated: [orgId] });
    expect(await replica()).toMatchObject({ status: "healthy", lastError: null });
    expect((await endpoint()).healthy).toBe(true);
    expect((await db.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } })).status).toBe(
      "active",
    );
    await waitFor(async () => (await routed()) === true, "gateway to route again", 3000);
    await waitFor(async () => (await complete()) === 200, "a completion through the gateway", 15_000);
    expect(await db.prisma.auditLog.count({ where: { orgId, action: "replica.recovered" } })).toBe(1);
  }, 90_000);

  it("a frozen engine (SIGSTOP, container still running): the probe times out", async () => {
    await docker.getContainer(containerId).kill({ signal: "SIGSTOP" });
    try {
      await monitor(300);
      const r = await monitor(300);
      expect(r).toMatchObject({ unhealthy: 1, changed: 1 });
      expect((await replica()).lastError).toBe("readiness check GET /ready failed: timed out after 0.3 s");
      expect((await endpoint()).healthy).toBe(false);
    } finally {
      await docker.getContainer(containerId).kill({ signal: "SIGCONT" });
    }
    expect(await monitor()).toMatchObject({ healthy: 1, changed: 1 });
    expect((await endpoint()).healthy).toBe(true);
  }, 30_000);

  it("fails a replica whose container is gone (another org: only its routes change); skips starting replicas a rollout is gating", async () => {
    const host = await db.prisma.host.findFirstOrThrow({ where: { orgId } });
    const base = await db.prisma.revision.findFirstOrThrow({ where: { orgId, number: 1 } });
    const rolling = await db.prisma.revision.create({
      data: {
        orgId,
        deploymentId,
        number: 2,
        spec: base.spec as object,
        image: "aitk/engine:local",
        strategy: "recreate",
        status: "rolling_out",
      },
    });
    const gated = await db.prisma.replica.create({
      data: {
        orgId,
        revisionId: rolling.id,
        target: "local",
        hostId: host.id,
        name: "gated",
        status: "starting",
        containerId: "0".repeat(64),
        url: "http://127.0.0.1:1",
      },
    });
    // A second org whose replica's container was removed behind aitk's back.
    const other = await db.prisma.organization.create({
      data: { name: "other", slug: `other-${randomBytes(3).toString("hex")}` },
    });
    const otherHost = await db.prisma.host.create({
      data: { orgId: other.id, name: "local", kind: "docker", endpoint: "unix:///var/run/docker.sock" },
    });
    const otherDep = await db.prisma.deployment.create({
      data: { orgId: other.id, name: "o", specYaml, spec: {} },
    });
    const otherRev = await db.prisma.revision.create({
      data: {
        orgId: other.id,
        deploymentId: otherDep.id,
        number: 1,
        spec: base.spec as object,
        image: "aitk/engine:local",
        strategy: "recreate",
        status: "active",
      },
    });
    const orphan = await db.prisma.replica.create({
      data: {
        orgId: other.id,
        revisionId: otherRev.id,
        target: "local",
        hostId: otherHost.id,
        name: "orphan",
        status: "healthy",
        containerId: "f".repeat(64),
        url: "http://127.0.0.1:1",
      },
    });
    const model = await db.prisma.servedModel.create({
      data: { orgId: other.id, name: "o", kind: "deployment", deploymentId: otherDep.id },
    });
    await db.prisma.endpoint.create({
      data: {
        orgId: other.id,
        servedModelId: model.id,
        url: "http://127.0.0.1:1/v1",
        replicaId: orphan.id,
        revisionId: otherRev.id,
      },
    });
    expect(await monitor()).toMatchObject({ checked: 2, changed: 0 });
    expect(await monitor()).toMatchObject({ checked: 2, changed: 1, invalidated: [other.id] });
    expect(await db.prisma.replica.findUniqueOrThrow({ where: { id: orphan.id } })).toMatchObject({
      status: "failed",
      lastError: "container ffffffffffff no longer exists",
    });
    expect((await db.prisma.endpoint.findFirstOrThrow({ where: { replicaId: orphan.id } })).healthy).toBe(
      false,
    );
    expect(await db.prisma.auditLog.count({ where: { orgId: other.id, action: "replica.failed" } })).toBe(1);
    expect(await db.prisma.auditLog.count({ where: { orgId, action: "replica.failed" } })).toBe(0);
    expect((await endpoint()).healthy).toBe(true);
    expect((await db.prisma.replica.findUniqueOrThrow({ where: { id: gated.id } })).status).toBe("starting");
    // A failed replica is no longer watched.
    expect(await monitor()).toMatchObject({ checked: 1, changed: 0 });
  }, 30_000);
});
