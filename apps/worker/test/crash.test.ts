// A worker process killed with SIGKILL mid-job: its lock runs out and another worker takes the job over
// and finishes it. Lock and stalled-check periods are shortened so this takes seconds, not a minute.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { enqueueJob } from "@aitk/db/jobs/enqueue";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrg, dropPrefix, producer, startTestWorker, testEnv, uniquePrefix, waitFor } from "./helpers";

const FAST = { WORKER_LOCK_MS: "1000", WORKER_STALLED_CHECK_MS: "300" };
const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));

let db: TTestDatabase;
const prefix = uniquePrefix("crash");

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await dropPrefix(prefix);
  await db?.drop();
});

describe("worker crash", () => {
  it("a job whose worker was killed -9 is taken over by another worker and completes", async () => {
    const orgId = (await createOrg(db.prisma)).id;
    const prod = producer(prefix);
    const child = spawn(process.execPath, ["--import", "tsx", main], {
      env: { ...process.env, ...testEnv(db.url, prefix, { ...FAST, WORKER_KINDS: "demo.run" }) },
      stdio: "ignore",
    });
    try {
      const d = { prisma: db.prisma, queues: prod.queues };
      const row = await enqueueJob(d, { orgId, kind: "demo.run", payload: { steps: 30, stepMs: 50 } });
      await waitFor(
        async () => (await db.prisma.job.findUniqueOrThrow({ where: { id: row.id } })).progress >= 10,
        "the child worker to make progress",
        30_000,
      );
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      const killedAt = Date.now();

      const w = await startTestWorker(db.prisma, db.url, prefix, { kinds: ["demo.run"], env: FAST });
      try {
        const done = await waitFor(async () => {
          const r = await db.prisma.job.findUniqueOrThrow({ where: { id: row.id } });
          return r.state === "completed" || r.state === "failed" ? r : null;
        }, "the second worker to finish the job");
        expect(done.state).toBe("completed");
        expect(Date.now() - killedAt).toBeLessThan(10_000);
        const lines = (
          await db.prisma.jobLog.findMany({ where: { jobId: row.id }, orderBy: { seq: "asc" } })
        ).map((l) => l.line);
        // The first run's lines survive the crash (they were in Redis), followed by the takeover's.
        expect(lines.filter((l) => l.startsWith("attempt 1/3 started"))).toHaveLength(2);
        expect(lines).toContain("step 2/30");
        expect(lines).toContain("step 30/30");
      } finally {
        await w.close();
      }
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await prod.close();
    }
  });
});
