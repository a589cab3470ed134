// One call for a dashboard's live view of a job, whatever its age: a running job is tailed from its
// Redis stream; a finished one (stream expired) is replayed from JobLog; either way the sequence ends
// with an "end" entry.
import type { Redis } from "ioredis";
import type { TPrisma } from "../client";
import { TERMINAL_JOB_STATES } from "./finish";
import { jobLogKey } from "./keys";
import { readJobLogs, readPersistedJobLogs, type TJobEndState, type TJobStreamEntry } from "./logs";

const isFinished = (state: string): state is TJobEndState =>
  (TERMINAL_JOB_STATES as readonly string[]).includes(state);

/**
 * Yields the job's entries from `fromId` on ("0" = all) until it ends or `signal` aborts. Uses its own
 * blocking Redis connection (a duplicate of `redis`). Throws nothing for an unknown job: it just ends.
 */
export async function* watchJob(
  deps: { prisma: TPrisma; redis: Redis },
  job: { id: string; orgId: string },
  opts: { fromId?: string; signal?: AbortSignal; blockMs?: number } = {},
): AsyncGenerator<TJobStreamEntry> {
  const { prisma, redis } = deps;
  const row = await prisma.job.findFirst({ where: { id: job.id, orgId: job.orgId } });
  if (!row) return;
  let fromId = opts.fromId ?? "0";
  const streamExists = (await redis.exists(jobLogKey(job.id))) === 1;
  if (isFinished(row.state) && !streamExists) {
    if (fromId === "0") {
      for (const l of await readPersistedJobLogs(prisma, job)) {
        yield { id: `db-${l.seq}`, ts: l.ts.getTime(), type: "log", level: l.level as "info", line: l.line };
      }
    }
    yield {
      id: "db-end",
      ts: (row.finishedAt ?? new Date()).getTime(),
      type: "end",
      state: row.state,
      error: row.error,
    };
    return;
  }
  const reader = redis.duplicate({ maxRetriesPerRequest: null });
  const stop = () => reader.disconnect();
  opts.signal?.addEventListener("abort", stop, { once: true });
  try {
    while (!opts.signal?.aborted) {
      let read: Awaited<ReturnType<typeof readJobLogs>>;
      try {
        read = await readJobLogs(reader, job.id, fromId, opts.blockMs ?? 5000);
      } catch (e) {
        if (opts.signal?.aborted) return;
        throw e;
      }
      fromId = read.lastId;
      for (const e of read.entries) yield e;
      if (read.ended) return;
      if (read.entries.length === 0) {
        // Quiet stream: make sure the job did not end without an end marker (e.g. its worker died).
        const now = await prisma.job.findUnique({ where: { id: job.id } });
        if (!now || isFinished(now.state)) {
          const more = await readJobLogs(redis, job.id, fromId);
          for (const e of more.entries) yield e;
          if (!more.ended && now && isFinished(now.state)) {
            yield {
              id: "db-end",
              ts: (now.finishedAt ?? new Date()).getTime(),
              type: "end",
              state: now.state,
              error: now.error,
            };
          }
          return;
        }
      }
    }
  } finally {
    opts.signal?.removeEventListener("abort", stop);
    reader.disconnect();
  }
}
