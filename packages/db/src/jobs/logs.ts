// Live job events in a Redis stream per job: log lines, progress and one end marker. The dashboard tails
// the stream (XREAD BLOCK) while the job runs; when it ends the worker copies the lines into JobLog and
// lets the stream expire, so finished jobs are read from Postgres.
import type { Redis } from "ioredis";
import type { TPrisma } from "../client";
import { FINISHED_STREAM_TTL_S, JOB_STREAM_MAXLEN, jobLogKey } from "./keys";

export type TJobLogLevel = "debug" | "info" | "warn" | "error";
export type TJobEndState = "completed" | "failed" | "cancelled";

export type TJobStreamEntry =
  | { id: string; ts: number; type: "log"; level: TJobLogLevel; line: string }
  | { id: string; ts: number; type: "progress"; progress: number; message: string | null }
  | { id: string; ts: number; type: "end"; state: TJobEndState; error: string | null };

const MAX_LINE = 8192;
const READ_COUNT = 1000;

async function xadd(redis: Redis, jobId: string, fields: (string | number)[]): Promise<string> {
  const id = await redis.xadd(jobLogKey(jobId), "MAXLEN", "~", JOB_STREAM_MAXLEN, "*", ...fields);
  return id as string;
}

/** Appends one log line to the job's live stream; returns the stream entry id. */
export function appendJobLog(
  redis: Redis,
  jobId: string,
  line: string,
  level: TJobLogLevel = "info",
): Promise<string> {
  const text = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}… (truncated)` : line;
  return xadd(redis, jobId, ["k", "log", "t", Date.now(), "l", level, "m", text]);
}

/** Publishes a progress reading (0–100) on the job's stream. The Job row is updated by `reportJobProgress`. */
export function appendJobProgress(
  redis: Redis,
  jobId: string,
  progress: number,
  message?: string | null,
): Promise<string> {
  const fields: (string | number)[] = ["k", "progress", "t", Date.now(), "p", clampProgress(progress)];
  if (message) fields.push("m", message);
  return xadd(redis, jobId, fields);
}

/** Marks the end of a job on its stream so live tails stop. */
export function appendJobEnd(
  redis: Redis,
  jobId: string,
  state: TJobEndState,
  error?: string | null,
): Promise<string> {
  const fields: (string | number)[] = ["k", "end", "t", Date.now(), "s", state];
  if (error) fields.push("e", error);
  return xadd(redis, jobId, fields);
}

export const clampProgress = (p: number) =>
  Math.max(0, Math.min(100, Math.round(Number.isFinite(p) ? p : 0)));

function parseEntry(id: string, flat: string[]): TJobStreamEntry | null {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
  const ts = Number(f.t ?? 0);
  switch (f.k) {
    case "log":
      return { id, ts, type: "log", level: (f.l as TJobLogLevel) ?? "info", line: f.m ?? "" };
    case "progress":
      return { id, ts, type: "progress", progress: Number(f.p ?? 0), message: f.m ?? null };
    case "end":
      return { id, ts, type: "end", state: f.s as TJobEndState, error: f.e ?? null };
    default:
      return null;
  }
}

export type TJobLogRead = {
  entries: TJobStreamEntry[];
  /** Pass back as `fromId` to continue after the last entry read. */
  lastId: string;
  /** An end marker was among the entries: nothing more will come. */
  ended: boolean;
};

/**
 * Reads the job's stream entries after `fromId` ("0" = from the start). With `blockMs`, waits up to that
 * long for new entries (XREAD BLOCK): use a connection dedicated to this reader, since a blocked
 * connection serves nothing else.
 */
export async function readJobLogs(
  redis: Redis,
  jobId: string,
  fromId = "0",
  blockMs?: number,
): Promise<TJobLogRead> {
  const key = jobLogKey(jobId);
  const res =
    blockMs !== undefined
      ? await redis.xread("COUNT", READ_COUNT, "BLOCK", blockMs, "STREAMS", key, fromId)
      : await redis.xread("COUNT", READ_COUNT, "STREAMS", key, fromId);
  const raw = (res?.[0]?.[1] ?? []) as [string, string[]][];
  const entries: TJobStreamEntry[] = [];
  let lastId = fromId;
  for (const [id, flat] of raw) {
    lastId = id;
    const e = parseEntry(id, flat);
    if (e) entries.push(e);
  }
  return { entries, lastId, ended: entries.some((e) => e.type === "end") };
}

/**
 * Yields a job's stream entries as they arrive until its end marker (or `signal` aborts). Opens its own
 * blocking connection (a duplicate of `redis`) and closes it when done.
 */
export async function* followJobLogs(
  redis: Redis,
  jobId: string,
  opts: { fromId?: string; blockMs?: number; signal?: AbortSignal } = {},
): AsyncGenerator<TJobStreamEntry> {
  const reader = redis.duplicate({ maxRetriesPerRequest: null });
  const stop = () => reader.disconnect();
  opts.signal?.addEventListener("abort", stop, { once: true });
  let fromId = opts.fromId ?? "0";
  try {
    while (!opts.signal?.aborted) {
      let read: TJobLogRead;
      try {
        read = await readJobLogs(reader, jobId, fromId, opts.blockMs ?? 5000);
      } catch (e) {
        if (opts.signal?.aborted) return;
        throw e;
      }
      fromId = read.lastId;
      for (const e of read.entries) yield e;
      if (read.ended) return;
    }
  } finally {
    opts.signal?.removeEventListener("abort", stop);
    reader.disconnect();
  }
}

export type TJobLogRow = { orgId: string; jobId: string; seq: number; ts: Date; level: string; line: string };

/** The job's log lines from its stream as JobLog rows (seq = the line's position, 1-based). */
export async function collectJobLogRows(
  redis: Redis,
  job: { id: string; orgId: string },
): Promise<TJobLogRow[]> {
  const raw = (await redis.xrange(jobLogKey(job.id), "-", "+")) as [string, string[]][];
  const rows: TJobLogRow[] = [];
  for (const [id, flat] of raw) {
    const e = parseEntry(id, flat);
    if (e?.type === "log") {
      rows.push({
        orgId: job.orgId,
        jobId: job.id,
        seq: rows.length + 1,
        ts: new Date(e.ts),
        level: e.level,
        line: e.line,
      });
    }
  }
  return rows;
}

/**
 * Copies the job's log lines from its stream into JobLog (idempotent: seq is the line's position) and
 * lets the stream expire. Returns the number of lines kept.
 */
export async function persistJobLogs(
  prisma: TPrisma,
  redis: Redis,
  job: { id: string; orgId: string },
): Promise<number> {
  const rows = await collectJobLogRows(redis, job);
  if (rows.length > 0) await prisma.jobLog.createMany({ data: rows, skipDuplicates: true });
  await redis.expire(jobLogKey(job.id), FINISHED_STREAM_TTL_S);
  return rows.length;
}

/** A finished job's lines from JobLog, in order. */
export async function readPersistedJobLogs(
  prisma: TPrisma,
  job: { id: string; orgId: string },
  opts: { afterSeq?: number; limit?: number } = {},
) {
  return prisma.jobLog.findMany({
    where: { jobId: job.id, orgId: job.orgId, seq: { gt: opts.afterSeq ?? 0 } },
    orderBy: { seq: "asc" },
    take: opts.limit ?? 5000,
    select: { seq: true, ts: true, level: true, line: true },
  });
}
