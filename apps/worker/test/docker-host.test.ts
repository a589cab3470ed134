import { execFileSync, execSync } from "node:child_process";
import { mkdtempSync, rmSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { encryptSecret, generateSecretKeyHex } from "@aitk/core/crypto/secrets";
import { checkHostHealth } from "@aitk/db/docker/health";
import { containerLogs, listContainers } from "@aitk/db/docker/containers";
import { enqueueJob } from "@aitk/db/jobs/enqueue";
import { triggerSystemJob } from "@aitk/db/jobs/queues";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TWorkerHandle } from "../src/runtime/startWorker";
import { createOrg, dropPrefix, producer, startTestWorker, uniquePrefix, waitFor } from "./helpers";

const SOCKET = "unix:///var/run/docker.sock";
const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();

let db: TTestDatabase;
let worker: TWorkerHandle;
let prod: ReturnType<typeof producer>;
let orgId: string;
const prefix = uniquePrefix("docker");
const tag = `aitk-test/busybox:${randomBytes(3).toString("hex")}`;
const containerName = `aitk-test-logs-${randomBytes(3).toString("hex")}`;

beforeAll(async () => {
  db = await createTestDatabase();
  orgId = (await createOrg(db.prisma)).id;
  worker = await startTestWorker(db.prisma, db.url, prefix, { kinds: ["host.health", "host.healthAll"] });
  prod = producer(prefix);
  // A one-file image (static busybox) so a real container with known output exists; nothing is pulled.
  const dir = mkdtempSync(join(tmpdir(), "aitk-bb-"));
  copyFileSync("/bin/busybox", join(dir, "busybox"));
  execSync(`tar -C ${dir} -c busybox | docker import - ${tag}`, { stdio: "ignore" });
  rmSync(dir, { recursive: true, force: true });
  docker(
    "run",
    "--name",
    containerName,
    "--network",
    "none",
    tag,
    "/busybox",
    "sh",
    "-c",
    "echo hello out; echo oops err >&2; echo bye",
  );
});

afterAll(async () => {
  try {
    docker("rm", "-f", containerName);
    docker("rmi", "-f", tag);
  } catch {}
  await worker?.close();
  await prod?.close();
  await dropPrefix(prefix);
  await db?.drop();
});

const deps = () => ({ prisma: db.prisma, redis: prod.redis, queues: prod.queues });

describe("docker hosts", () => {
  it("reports the real engine's health with counts matching docker ps -a", async () => {
    // Other suites may start containers concurrently: compare readings taken back to back until they agree.
    let report: Awaited<ReturnType<typeof checkHostHealth>> | undefined;
    let psCount = -1;
    for (let i = 0; i < 5; i++) {
      const before = docker("ps", "-aq").split("\n").filter(Boolean).length;
      report = await checkHostHealth({ endpoint: SOCKET });
      psCount = docker("ps", "-aq").split("\n").filter(Boolean).length;
      if (report.ok && report.containers === psCount && before === psCount) break;
    }
    expect(report?.ok).toBe(true);
    if (!report?.ok) return;
    expect(report.version).toBe(docker("version", "--format", "{{.Server.Version}}"));
    expect(report.apiVersion).toMatch(/^1\.\d+$/);
    expect(report.containers).toBe(psCount);
    expect(report.containers).toBeGreaterThanOrEqual(1);
    expect(report.images).toBeGreaterThanOrEqual(1);
    expect(report.gpus.runtimes).toContain("runc");
    expect(typeof report.gpus.nvidiaRuntime).toBe("boolean");
    expect(report.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("runs host.health as a job and stores the report on the Host row", async () => {
    const host = await db.prisma.host.create({ data: { orgId, name: "local", endpoint: SOCKET } });
    const job = await enqueueJob(deps(), { orgId, kind: "host.health", payload: { hostId: host.id } });
    const done = await waitFor(async () => {
      const r = await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
      return r.state === "completed" || r.state === "failed" ? r : null;
    }, "host.health job");
    expect(done.state).toBe("completed");
    const h = await db.prisma.host.findUniqueOrThrow({ where: { id: host.id } });
    expect(h.status).toBe("healthy");
    expect(h.lastError).toBeNull();
    expect(h.lastCheckedAt).toBeInstanceOf(Date);
    expect(h.info).toMatchObject({ ok: true, version: expect.any(String), containers: expect.any(Number) });
    const lines = (await db.prisma.jobLog.findMany({ where: { jobId: job.id } })).map((l) => l.line);
    expect(lines.some((l) => l.startsWith("healthy: engine"))).toBe(true);
  });

  it("marks an unreachable host unhealthy with the cause, and fails the job after its retries", async () => {
    const host = await db.prisma.host.create({
      data: { orgId, name: "gone", endpoint: "unix:///tmp/aitk-no-such-docker.sock" },
    });
    const job = await enqueueJob(deps(), {
      orgId,
      kind: "host.health",
      payload: { hostId: host.id },
      opts: { backoffDelayMs: 20 },
    });
    const done = await waitFor(async () => {
      const r = await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
      return r.state === "completed" || r.state === "failed" ? r : null;
    }, "host.health job");
    expect(done.state).toBe("failed");
    expect(done.attempts).toBe(2);
    expect(done.error).toMatch(/host gone unhealthy: .*ENOENT/);
    const h = await db.prisma.host.findUniqueOrThrow({ where: { id: host.id } });
    expect(h.status).toBe("unhealthy");
    expect(h.lastError).toContain("ENOENT");
  });

  it("fails fast (no retry) for a host of another org", async () => {
    const other = await createOrg(db.prisma);
    const host = await db.prisma.host.create({ data: { orgId: other.id, name: "theirs", endpoint: SOCKET } });
    const job = await enqueueJob(deps(), { orgId, kind: "host.health", payload: { hostId: host.id } });
    const done = await waitFor(async () => {
      const r = await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
      return r.state === "failed" ? r : null;
    }, "host.health job to fail");
    expect(done.attempts).toBe(1);
    expect(done.error).toBe(`host ${host.id} not found`);
  });

  it("lists containers and reads a container's stdout/stderr lines", async () => {
    const list = await listContainers({ endpoint: SOCKET });
    const mine = list.find((c) => c.name === containerName);
    expect(mine).toMatchObject({ image: tag, state: "exited" });
    const lines = await containerLogs({ endpoint: SOCKET }, mine!.id, 10);
    // stdout and stderr are separate pipes: order is kept within a stream, not across them.
    expect(lines.filter((l) => l.stream === "stdout").map((l) => l.text)).toEqual(["hello out", "bye"]);
    expect(lines.filter((l) => l.stream === "stderr").map((l) => l.text)).toEqual(["oops err"]);
    expect(await containerLogs({ endpoint: SOCKET }, mine!.id, 1)).toHaveLength(1);
    await expect(containerLogs({ endpoint: SOCKET }, "nope-not-a-container")).rejects.toThrow(/not found/);
  });

  it("decrypts TLS credentials before connecting, and says so when the key is wrong", async () => {
    const key = generateSecretKeyHex();
    const enc = encryptSecret(JSON.stringify({ ca: "x", cert: "y", key: "z" }), key);
    const r = await checkHostHealth(
      { endpoint: "tcp://127.0.0.1:1", credentialsEnc: enc },
      { secretKeyHex: generateSecretKeyHex() },
    );
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining("cannot be decrypted") });
    const r2 = await checkHostHealth(
      { endpoint: "tcp://127.0.0.1:1", credentialsEnc: enc },
      { secretKeyHex: key },
    );
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.error).toMatch(/ECONNREFUSED|certificate|PEM|key/i);
  });

  it("runs host.healthAll at once when triggered (a 'check all now' button)", async () => {
    const host = await db.prisma.host.create({ data: { orgId, name: "now", endpoint: SOCKET } });
    await expect(triggerSystemJob(prod.queues, "demo.run" as "host.healthAll")).rejects.toThrow(/org job/);
    await triggerSystemJob(prod.queues, "host.healthAll");
    const h = await waitFor(async () => {
      const r = await db.prisma.host.findUniqueOrThrow({ where: { id: host.id } });
      return r.lastCheckedAt ? r : null;
    }, "the triggered sweep");
    expect(h.status).toBe("healthy");
  });

  it("runs host.healthAll on its repeat schedule across every org's hosts", async () => {
    const p = uniquePrefix("sched");
    const other = await createOrg(db.prisma);
    const a = await db.prisma.host.create({ data: { orgId: other.id, name: "sched-ok", endpoint: SOCKET } });
    const b = await db.prisma.host.create({
      data: { orgId: other.id, name: "sched-bad", endpoint: "tcp://127.0.0.1:1" },
    });
    const w = await startTestWorker(db.prisma, db.url, p, {
      kinds: ["host.healthAll"],
      schedules: true,
      everyMs: { "host.healthAll": 300 },
    });
    try {
      const schedulers = await w.queues.get("host.healthAll").getJobSchedulers();
      expect(schedulers.map((x) => x.key)).toContain("host.healthAll:every");
      const first = await waitFor(async () => {
        const h = await db.prisma.host.findUniqueOrThrow({ where: { id: a.id } });
        return h.lastCheckedAt ?? null;
      }, "first scheduled check");
      await waitFor(async () => {
        const h = await db.prisma.host.findUniqueOrThrow({ where: { id: a.id } });
        return h.lastCheckedAt && h.lastCheckedAt > first ? h : null;
      }, "second scheduled check");
      expect((await db.prisma.host.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("healthy");
      const bad = await db.prisma.host.findUniqueOrThrow({ where: { id: b.id } });
      expect(bad.status).toBe("unhealthy");
      expect(bad.lastError).toContain("ECONNREFUSED");
      // System jobs leave no Job rows behind.
      expect(await db.prisma.job.count({ where: { kind: "host.healthAll" } })).toBe(0);
    } finally {
      await w.close();
      await dropPrefix(p);
    }
  });
});
