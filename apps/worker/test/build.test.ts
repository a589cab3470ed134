// The build job end to end on the local dockerd: a Dockerfile.ai whose FROM is a locally made image
// (busybox-static in a scratch image, nothing is pulled) is resolved, generated, streamed as a tar,
// built through the Engine API, recorded on the Build row, and the image is run.
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import { requestCancel } from "@aitk/db/jobs/cancel";
import { enqueueJob } from "@aitk/db/jobs/enqueue";
import { readJobLogs } from "@aitk/db/jobs/logs";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TWorkerHandle } from "../src/runtime/startWorker";
import { buildBusyboxBase, removeWithDescendants, waitForDocker } from "./docker-images";
import { createOrg, dropPrefix, producer, startTestWorker, uniquePrefix, waitFor } from "./helpers";

const SOCKET = "/var/run/docker.sock";
const docker = new Docker({ socketPath: SOCKET });
const suffix = Math.random().toString(36).slice(2, 8);
const BASE = `aitk-test/busybox:${suffix}`;
const images: string[] = [];

let db: TTestDatabase;
let worker: TWorkerHandle;
let prod: ReturnType<typeof producer>;
let orgId: string;
let hostId: string;
const prefix = uniquePrefix("build");

beforeAll(async () => {
  await waitForDocker(docker, SOCKET);
  // The local base image: Debian's static busybox as /bin/sh in an otherwise empty image.
  await buildBusyboxBase(docker, BASE, ["/bin/sh", "/bin/busybox"]);
  images.push(BASE);

  db = await createTestDatabase();
  orgId = (await createOrg(db.prisma)).id;
  hostId = (await db.prisma.host.create({ data: { orgId, name: "local", endpoint: `unix://${SOCKET}` } })).id;
  worker = await startTestWorker(db.prisma, db.url, prefix);
  prod = producer(prefix);
}, 120_000);

afterAll(async () => {
  await worker?.close();
  await prod?.close();
  await dropPrefix(prefix);
  await db?.drop();
  for (const ref of images.reverse())
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);
  await removeWithDescendants(docker, BASE);
});

const b64 = (s: string) => Buffer.from(s).toString("base64");

async function startBuild(
  dockerfileAi: string,
  options: Record<string, unknown> = {},
  tag = `aitk-test/app:${suffix}-${Math.random().toString(36).slice(2, 6)}`,
) {
  images.push(tag);
  const build = await db.prisma.build.create({
    data: { orgId, hostId, tag, dockerfileAi, options: options as object },
  });
  const job = await enqueueJob(
    { prisma: db.prisma, queues: prod.queues },
    { orgId, kind: "build.run", payload: { orgId, buildId: build.id } },
  );
  await db.prisma.build.update({ where: { id: build.id }, data: { jobId: job.id } });
  return { build, job };
}

async function logLines(jobId: string): Promise<string[]> {
  const out: string[] = [];
  let from = "0";
  for (;;) {
    const r = await readJobLogs(prod.redis, jobId, from);
    for (const e of r.entries) if (e.type === "log") out.push(e.line);
    if (!r.entries.length || r.lastId === from) return out;
    from = r.lastId;
  }
}

const jobDone = (id: string) => async () => {
  const row = await db.prisma.job.findUniqueOrThrow({ where: { id } });
  return ["completed", "failed", "cancelled"].includes(row.state) ? row : null;
};

async function run(image: string): Promise<{ code: number; out: string }> {
  const c = await docker.createContainer({ Image: image, HostConfig: { NetworkMode: "none" } });
  try {
    await c.start();
    const { StatusCode } = await c.wait();
    const logs = await c.logs({ stdout: true, stderr: true });
    // multiplexed stream: 8-byte frame headers before each chunk
    let out = "";
    for (let i = 0; i + 8 <= logs.length; ) {
      const len = logs.readUInt32BE(i + 4);
      out += logs.subarray(i + 8, i + 8 + len).toString("utf8");
      i += 8 + len;
    }
    return { code: StatusCode, out };
  } finally {
    await c.remove({ force: true });
  }
}

describe("build.run on the local dockerd", () => {
  it("builds a Dockerfile.ai on a local base image, records the image on the Build row, and the image runs", async () => {
    const text = [
      `FROM ${BASE}`,
      "MODEL ./model license=Apache-2.0  # weights from the build context",
      "ENGINE custom",
      "TARGET cpu",
      "AUTO_REQ false",
      "ENV GREETING=hello",
      'CMD ["/bin/sh", "-c", "echo \\"$GREETING from $(cat /models/model/weights.txt) as $(id -u)\\""]',
      "",
    ].join("\n");
    const { build, job } = await startBuild(text, {
      contextFiles: { "model/weights.txt": b64("tiny-weights-v1") },
      network: "none",
    });
    const done = await waitFor(jobDone(job.id), "build job", 60_000);
    const row = await db.prisma.build.findUniqueOrThrow({ where: { id: build.id } });
    expect(row.error).toBeNull();
    expect(done.state).toBe("completed");
    expect(row.status).toBe("succeeded");
    expect(row.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Number(row.sizeBytes)).toBeGreaterThan(1_000_000); // busybox
    expect(row.layers).toBeGreaterThanOrEqual(3); // base (2) + weights
    expect(row.durationMs).toBeGreaterThan(0);
    expect(row.generatedDockerfile).toContain("FROM scratch AS weights");
    expect(row.generatedDockerfile).toContain("USER 10001:10001");
    expect(row.resolution).toMatchObject({ engine: { name: "custom" }, localBase: true });
    expect((row.sbom as { specVersion: string }).specVersion).toBe("1.6");
    expect(
      (row.sbom as { components: { type: string }[] }).components.some(
        (c) => c.type === "machine-learning-model",
      ),
    ).toBe(true);
    expect(row.scan).toMatchObject({ licences: [{ status: "ok", licence: "Apache-2.0" }] });
    const model = (row.sbom as { components: Record<string, unknown>[] }).components.find(
      (c) => c.type === "machine-learning-model",
    );
    expect(model?.hashes).toEqual([
      { alg: "SHA-256", content: "c5c8ae4d0d027e8c541533a9cff9e2ce4049691b595baea05753899b57f62c01" },
    ]); // sha256("tiny-weights-v1")

    const lines = (await logLines(job.id)).join("\n");
    expect(lines).toMatch(/Step 1\/\d+ : ARG RUNTIME_IMAGE=/);
    expect(lines).toContain("COPY model /models/model");
    expect(done.progress).toBe(100);

    const inspect = await docker.getImage(row.imageId as string).inspect();
    expect(inspect.Config.User).toBe("10001:10001");
    expect(inspect.Config.Healthcheck?.Test).toEqual(["CMD", "/bin/sh", "-c", "test -e /models/model"]);
    expect(inspect.Config.Labels?.["ai.aitk.engine"]).toBe("custom");
    expect(inspect.RepoTags).toContain(row.tag);

    const { code, out } = await run(row.tag);
    expect(code).toBe(0);
    expect(out.trim()).toBe("hello from tiny-weights-v1 as 10001");
  });

  it("scans the image's own Python packages after the build (venv inventory run inside the image)", async () => {
    // A stand-in venv: its "python" prints what importlib.metadata would list.
    const fakePython = `#!/bin/sh\necho '[["torch", "2.5.1+cu124", "BSD-3-Clause"], ["transformers", "4.35.0", "Apache-2.0"]]'\n`;
    const text = [
      `FROM ${BASE}`,
      "MODEL ./model",
      "ENGINE custom",
      "TARGET cpu",
      "AUTO_REQ false",
      "COPY venv /opt/venv",
      'RUN ["/bin/busybox", "chmod", "755", "/opt/venv/bin/python"]',
      'CMD ["/bin/sh", "-c", "true"]',
      "",
    ].join("\n");
    const { build, job } = await startBuild(text, {
      contextFiles: { "model/w": b64("x"), "venv/bin/python": b64(fakePython) },
      network: "none",
    });
    const done = await waitFor(jobDone(job.id), "venv build", 60_000);
    expect(done.state).toBe("completed");
    const row = await db.prisma.build.findUniqueOrThrow({ where: { id: build.id } });
    const scan = row.scan as {
      inventory: string;
      vulnerabilities: { id: string; package: string; version: string }[];
    };
    expect(scan.inventory).toBe("image");
    expect(scan.vulnerabilities.map((v) => v.id)).toEqual(
      expect.arrayContaining(["GHSA-53q9-r3pm-6pq6", "GHSA-3863-2447-669p", "GHSA-37q5-v5qm-c9v8"]),
    );
    const comps = (row.sbom as { components: { name: string; version?: string; licenses?: unknown[] }[] })
      .components;
    expect(comps.find((c) => c.name === "torch")).toMatchObject({
      version: "2.5.1+cu124",
      licenses: [{ expression: "BSD-3-Clause" }],
    });
  });

  it("reports the failing step", async () => {
    const text = `FROM ${BASE}\nMODEL ./model\nENGINE custom\nTARGET cpu\nAUTO_REQ false\nRUN exit 3\nCMD ["/bin/sh"]\n`;
    const { build, job } = await startBuild(text, { contextFiles: { "model/w": b64("x") }, network: "none" });
    const done = await waitFor(jobDone(job.id), "failing build", 60_000);
    expect(done.state).toBe("failed");
    const row = await db.prisma.build.findUniqueOrThrow({ where: { id: build.id } });
    expect(row.status).toBe("failed");
    expect(row.failedStep).toMatch(/^Step \d+\/\d+ : RUN exit 3$/);
    expect(row.error).toContain("returned a non-zero code: 3");
    expect(row.imageId).toBeNull();
  });

  it("fails at resolve with the clash when no image fits (nothing is built)", async () => {
    const text =
      "FROM ai-base:2026\nMODEL meta-llama/Llama-3.2-1B-instruct\nQUANTIZE q4_k_m\nENGINE vllm\nTARGET nvidia-h100\n";
    const { build, job } = await startBuild(text);
    await waitFor(jobDone(job.id), "resolve failure", 30_000);
    const row = await db.prisma.build.findUniqueOrThrow({ where: { id: build.id } });
    expect(row).toMatchObject({ status: "failed", failedStep: "resolve" });
    expect(row.error).toContain("ENGINE vllm + QUANTIZE q4_k_m");
  });

  it("rejects bad options", async () => {
    const { build, job } = await startBuild(`FROM ${BASE}\nMODEL ./m\nENGINE custom\nCMD ["x"]\n`, {
      contextFiles: { "../etc/passwd": b64("x") },
    });
    await waitFor(jobDone(job.id), "options failure", 30_000);
    const row = await db.prisma.build.findUniqueOrThrow({ where: { id: build.id } });
    expect(row).toMatchObject({ status: "failed", failedStep: "options" });
    expect(row.error).toContain("relative");
  });

  it("an unreachable Docker host fails the build with the reason on the Build row", async () => {
    const dead = await db.prisma.host.create({
      data: { orgId, name: `dead-${suffix}`, endpoint: "unix:///run/aitk-no-such-docker.sock" },
    });
    const build = await db.prisma.build.create({
      data: {
        orgId,
        hostId: dead.id,
        tag: `aitk-test/dead:${suffix}`,
        dockerfileAi: `FROM ${BASE}\nMODEL ./m\nENGINE custom\nCMD ["x"]\n`,
        options: { contextFiles: { "m/w": b64("x") } },
      },
    });
    const job = await enqueueJob(
      { prisma: db.prisma, queues: prod.queues },
      { orgId, kind: "build.run", payload: { orgId, buildId: build.id } },
    );
    const done = await waitFor(jobDone(job.id), "dead-host build", 30_000);
    expect(done.state).toBe("failed");
    const row = await db.prisma.build.findUniqueOrThrow({ where: { id: build.id } });
    expect(row.status).toBe("failed");
    expect(row.error).toMatch(/ENOENT|no-such-docker/);
    expect(row.generatedDockerfile).toContain("FROM scratch AS weights"); // resolved before the host was needed
  });

  it("cancel stops a running build", async () => {
    const text = `FROM ${BASE}\nMODEL ./model\nENGINE custom\nTARGET cpu\nAUTO_REQ false\nRUN sleep 30\nCMD ["/bin/sh"]\n`;
    const { build, job } = await startBuild(text, { contextFiles: { "model/w": b64("x") }, network: "none" });
    await waitFor(
      async () => {
        return (await logLines(job.id)).some((l) => l.includes("RUN sleep 30"));
      },
      "the RUN step to start",
      30_000,
    );
    const t = Date.now();
    const res = await requestCancel(
      { prisma: db.prisma, redis: prod.redis, queues: prod.queues },
      job.id,
      orgId,
    );
    expect(res.outcome).toBe("cancelling");
    const done = await waitFor(jobDone(job.id), "cancelled build", 20_000);
    expect(done.state).toBe("cancelled");
    expect(Date.now() - t).toBeLessThan(15_000);
    const row = await db.prisma.build.findUniqueOrThrow({ where: { id: build.id } });
    expect(row.status).toBe("cancelled");
  });
});
