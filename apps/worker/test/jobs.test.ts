import { DomainError } from "@aitk/core/errors";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import { requestCancel } from "@aitk/db/jobs/cancel";
import { enqueueJob } from "@aitk/db/jobs/enqueue";
import { jobLogKey } from "@aitk/db/jobs/keys";
import { followJobLogs, readJobLogs, type TJobStreamEntry } from "@aitk/db/jobs/logs";
import { retryJob } from "@aitk/db/jobs/retry";
import { listWorkers, queueCounts } from "@aitk/db/jobs/stats";
import { watchJob } from "@aitk/db/jobs/watch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TWorkerHandle } from "../src/runtime/startWorker";
import { createOrg, dropPrefix, producer, startTestWorker, uniquePrefix, waitFor } from "./helpers";

let db: TTestDatabase;
let worker: TWorkerHandle;
let prod: ReturnType<typeof producer>;
let orgId: string;
const prefix = uniquePrefix("jobs");

beforeAll(async () => {
  db = await createTestDatabase();
  orgId = (await createOrg(db.prisma)).id;
  worker = await startTestWorker(db.prisma, db.url, prefix, { kinds: ["demo.run"] });
  prod = producer(prefix);
});

afterAll(async () => {
  await worker?.close();
  await prod?.close();
  await dropPrefix(prefix);
  await db?.drop();
});

const deps = () => ({ prisma: db.prisma, redis: prod.redis, queues: prod.queues });
const finished = (id: string) => async () => {
  const row = await db.prisma.job.findUniqueOrThrow({ where: { id } });
  return ["completed", "failed", "cancelled"].includes(row.state) ? row : null;
};

// The job hash is read again after the state matches: a hash read before the move would be stale.
const bullState = (id: string, state: string) => async () => {
  const q = prod.queues.get("demo.run");
  const job = await q.getJob(id);
  return job && (await job.getState()) === state ? q.getJob(id) : null;
};

describe("job lifecycle", () => {
  it("runs a job: queued → active → completed, progress and logs streamed live and persisted", async () => {
    const row = await enqueueJob(deps(), { orgId, kind: "demo.run", payload: { steps: 4, stepMs: 30 } });
    expect(row.state).toBe("queued");
    expect(row.bullmqId).toBe(row.id);
    expect(row.logsKey).toBe(`aitk:joblog:${row.id}`);

    const live: TJobStreamEntry[] = [];
    for await (const e of followJobLogs(prod.redis, row.id, { blockMs: 2000 })) live.push(e);

    const done = await waitFor(finished(row.id), "job to finish");
    expect(done).toMatchObject({ state: "completed", progress: 100, attempts: 1, error: null });
    expect(done.progressMessage).toBe("step 4 of 4");
    expect(done.startedAt).toBeInstanceOf(Date);
    expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime());
    expect(done.result).toEqual({ steps: 4, attempt: 1 });

    const progress = live
      .filter((e) => e.type === "progress")
      .map((e) => e.type === "progress" && e.progress);
    expect(progress).toEqual([25, 50, 75, 100]);
    expect(live.at(-1)).toMatchObject({ type: "end", state: "completed" });

    const logs = await db.prisma.jobLog.findMany({ where: { jobId: row.id }, orderBy: { seq: "asc" } });
    const lines = logs.map((l) => l.line);
    expect(lines[0]).toBe("attempt 1/3 started");
    expect(lines).toContain("step 4/4");
    expect(lines.at(-1)).toMatch(/^completed in \d+ ms$/);
    expect(logs.map((l) => l.seq)).toEqual(logs.map((_l, i) => i + 1));
    expect(logs.every((l) => l.orgId === orgId)).toBe(true);

    // Reading after the end (a late page load) still works from any position.
    const tail = await readJobLogs(prod.redis, row.id, live[2]!.id);
    expect(tail.ended).toBe(true);
    expect(tail.entries.length).toBe(live.length - 3);
  });

  it("watchJob tails a live job and replays a finished one from JobLog once its stream is gone", async () => {
    const row = await enqueueJob(deps(), { orgId, kind: "demo.run", payload: { steps: 3, stepMs: 30 } });
    const d = { prisma: db.prisma, redis: prod.redis };
    const live: TJobStreamEntry[] = [];
    for await (const e of watchJob(d, row, { blockMs: 500 })) live.push(e);
    expect(live.filter((e) => e.type === "log").map((e) => e.type === "log" && e.line)).toContain("step 3/3");
    expect(live.at(-1)).toMatchObject({ type: "end", state: "completed" });

    await prod.redis.del(jobLogKey(row.id));
    const replay: TJobStreamEntry[] = [];
    for await (const e of watchJob(d, row)) replay.push(e);
    expect(replay.map((e) => (e.type === "log" ? e.line : e.type))).toEqual([
      ...live.filter((e) => e.type === "log").map((e) => e.type === "log" && e.line),
      "end",
    ]);
    // Another org sees nothing.
    const none: TJobStreamEntry[] = [];
    for await (const e of watchJob(d, { id: row.id, orgId: "someone-else" })) none.push(e);
    expect(none).toEqual([]);
  });

  it("retries a failing job with backoff, then fails it with the error on the row", async () => {
    const row = await enqueueJob(deps(), {
      orgId,
      kind: "demo.run",
      payload: { steps: 2, stepMs: 5, failAtStep: 1 },
      opts: { attempts: 3, backoffDelayMs: 20 },
    });
    const done = await waitFor(finished(row.id), "job to fail");
    expect(done.state).toBe("failed");
    expect(done.attempts).toBe(3);
    expect(done.error).toBe("demo failure at step 1 (attempt 3)");
    const lines = (
      await db.prisma.jobLog.findMany({ where: { jobId: row.id }, orderBy: { seq: "asc" } })
    ).map((l) => l.line);
    expect(lines.filter((l) => l.endsWith("will retry"))).toHaveLength(2);
    expect(lines.at(-1)).toBe("failed: demo failure at step 1 (attempt 3)");
    // The row is final before BullMQ records the last failure: wait for BullMQ too.
    const bull = await waitFor(bullState(row.id, "failed"), "BullMQ to record the failure");
    expect(bull.attemptsMade).toBe(3);
  });

  it("succeeds on a retry after a transient failure", async () => {
    const row = await enqueueJob(deps(), {
      orgId,
      kind: "demo.run",
      payload: { steps: 2, stepMs: 5, failAtStep: 2, failAttempts: 1 },
      opts: { backoffDelayMs: 20 },
    });
    const done = await waitFor(finished(row.id), "job to finish");
    expect(done).toMatchObject({ state: "completed", attempts: 2, error: null, result: { attempt: 2 } });
  });

  it("cancels a running job: its signal aborts, it ends cancelled and is not retried", async () => {
    const row = await enqueueJob(deps(), { orgId, kind: "demo.run", payload: { steps: 200, stepMs: 50 } });
    await waitFor(
      async () => (await db.prisma.job.findUniqueOrThrow({ where: { id: row.id } })).progress > 0,
      "job to make progress",
    );
    const t0 = Date.now();
    const res = await requestCancel(deps(), row.id, orgId);
    expect(res.outcome).toBe("cancelling");
    const done = await waitFor(finished(row.id), "job to be cancelled");
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(done).toMatchObject({
      state: "cancelled",
      cancelRequested: true,
      attempts: 1,
      error: "cancelled",
    });
    expect(done.progress).toBeLessThan(100);
    const bull = await waitFor(bullState(row.id, "failed"), "BullMQ to record the cancel");
    expect(bull.attemptsMade).toBe(1);
    const lines = (await db.prisma.jobLog.findMany({ where: { jobId: row.id } })).map((l) => l.line);
    expect(lines).toContain("cancelled");
    // Cancelling again is harmless.
    expect((await requestCancel(deps(), row.id, orgId)).outcome).toBe("finished");
  });

  it("cancels a job that has not started yet by removing it from the queue", async () => {
    const row = await enqueueJob(deps(), { orgId, kind: "demo.run", opts: { delayMs: 60_000 } });
    const res = await requestCancel(deps(), row.id, orgId);
    expect(res).toEqual({ outcome: "cancelled", state: "cancelled" });
    expect(await prod.queues.get("demo.run").getJob(row.id)).toBeUndefined();
    const done = await db.prisma.job.findUniqueOrThrow({ where: { id: row.id } });
    expect(done.state).toBe("cancelled");
    expect(done.startedAt).toBeNull();
  });

  it("refuses another org's job and bad payloads with clear errors", async () => {
    const row = await enqueueJob(deps(), { orgId, kind: "demo.run", opts: { delayMs: 60_000 } });
    const other = await db.prisma.organization.create({ data: { name: "other", slug: `other-${row.id}` } });
    await expect(requestCancel(deps(), row.id, other.id)).rejects.toThrow(/not found/);
    await requestCancel(deps(), row.id, orgId);

    const bad = enqueueJob(deps(), { orgId, kind: "demo.run", payload: { steps: 0 } });
    await expect(bad).rejects.toBeInstanceOf(DomainError);
    await expect(bad).rejects.toMatchObject({ code: "VALIDATION", details: { field: "payload.steps" } });
    await expect(enqueueJob(deps(), { orgId, kind: "nope" as "demo.run" })).rejects.toThrow(
      /unknown job kind "nope"/,
    );
    await expect(enqueueJob(deps(), { orgId, kind: "ledger.drain" as "demo.run" })).rejects.toThrow(
      /scheduled by the system/,
    );
  });
});

describe("operations", () => {
  it("retries a failed job as a new job with the same payload; refuses unfinished ones", async () => {
    const failed = await enqueueJob(deps(), {
      orgId,
      kind: "demo.run",
      payload: { steps: 1, stepMs: 1, failAtStep: 1, failAttempts: 1 },
      opts: { attempts: 1 },
    });
    await waitFor(finished(failed.id), "job to fail");
    const again = await retryJob(deps(), failed.id, orgId);
    expect(again.id).not.toBe(failed.id);
    expect(again.payload).toEqual(failed.payload);
    // The policy's attempts apply again; failAttempts: 1 lets this run succeed.
    const done = await waitFor(finished(again.id), "retried job to finish");
    expect(done.state).toBe("completed");
    await expect(retryJob(deps(), again.id, orgId)).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("keeps running the other kinds when one processor module fails to load", async () => {
    const p = uniquePrefix("broken");
    const w = await startTestWorker(db.prisma, db.url, p, {
      processors: {
        "demo.run": () => import("../src/processors/demoRun"),
        "host.health": () => Promise.reject(new Error("cannot find module ./missing")),
      },
    });
    const prod2 = producer(p);
    try {
      expect(w.kinds).toEqual(["demo.run"]);
      expect(w.disabled).toEqual(["host.health"]);
      const d = { prisma: db.prisma, queues: prod2.queues };
      const row = await enqueueJob(d, { orgId, kind: "demo.run", payload: { steps: 1, stepMs: 1 } });
      expect((await waitFor(finished(row.id), "demo job")).state).toBe("completed");
    } finally {
      await w.close();
      await prod2.close();
      await dropPrefix(p);
    }
  });

  it("reports queue counts and live workers", async () => {
    const counts = await queueCounts(prod.queues, ["demo.run", "host.health"]);
    expect(counts.map((c) => c.kind)).toEqual(["demo.run", "host.health"]);
    expect(counts[0]!.completed + counts[0]!.failed).toBeGreaterThan(0);
    const workers = await listWorkers(prod.redis, prefix);
    expect(workers.map((w) => w.id)).toEqual([worker.id]);
    expect(workers[0]).toMatchObject({ pid: process.pid, kinds: expect.arrayContaining(["demo.run"]) });
  });
});

describe("graceful shutdown", () => {
  it("releases a running job back to the queue after the grace period; another worker finishes it", async () => {
    const p = uniquePrefix("shutdown");
    const w1 = await startTestWorker(db.prisma, db.url, p, { kinds: ["demo.run"], shutdownGraceMs: 200 });
    const prod2 = producer(p);
    try {
      const d = { prisma: db.prisma, redis: prod2.redis, queues: prod2.queues };
      const row = await enqueueJob(d, { orgId, kind: "demo.run", payload: { steps: 20, stepMs: 50 } });
      await waitFor(
        async () => (await db.prisma.job.findUniqueOrThrow({ where: { id: row.id } })).state === "active",
        "job to start",
      );
      await w1.close();
      const released = await db.prisma.job.findUniqueOrThrow({ where: { id: row.id } });
      expect(released.state).toBe("queued");
      expect(await (await prod2.queues.get("demo.run").getJob(row.id))?.getState()).toBe("waiting");

      const w2 = await startTestWorker(db.prisma, db.url, p, { kinds: ["demo.run"] });
      try {
        const done = await waitFor(finished(row.id), "job to finish on the second worker");
        expect(done.state).toBe("completed");
        const lines = (await db.prisma.jobLog.findMany({ where: { jobId: row.id } })).map((l) => l.line);
        expect(lines).toContain("worker shutting down: job released back to the queue");
      } finally {
        await w2.close();
      }
    } finally {
      await w1.close();
      await prod2.close();
      await dropPrefix(p);
    }
  });
});

describe("timeouts", () => {
  it("aborts a try that runs past its kind's timeout and counts it as a failed attempt", async () => {
    const p = uniquePrefix("timeout");
    const w = await startTestWorker(db.prisma, db.url, p, {
      kinds: ["demo.run"],
      timeoutMs: { "demo.run": 150 },
    });
    const prod2 = producer(p);
    try {
      const d = { prisma: db.prisma, redis: prod2.redis, queues: prod2.queues };
      const row = await enqueueJob(d, {
        orgId,
        kind: "demo.run",
        payload: { steps: 100, stepMs: 50 },
        opts: { attempts: 2, backoffDelayMs: 20 },
      });
      const done = await waitFor(finished(row.id), "job to time out");
      expect(done).toMatchObject({ state: "failed", attempts: 2, error: "timed out after 150 ms" });
      expect(done.progress).toBeLessThan(100);
      const q = prod2.queues.get("demo.run");
      const bull = await waitFor(async () => {
        const j = await q.getJob(row.id);
        return j && (await j.getState()) === "failed" ? q.getJob(row.id) : null;
      }, "BullMQ to record the failure");
      expect(bull?.failedReason).toBe("timed out after 150 ms");
    } finally {
      await w.close();
      await prod2.close();
      await dropPrefix(p);
    }
  });
});
