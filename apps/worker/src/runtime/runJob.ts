// Runs one BullMQ job through its handler and keeps the Job row in step: active → completed, or a
// retry (back to queued, error visible) until attempts run out → failed; cancel → cancelled with no
// retry; worker shutdown → the job goes back to the queue untouched.
import { DomainError } from "@aitk/core/errors";
import { getJobDefinition, type TJobName } from "@aitk/core/jobs/definitions";
import { parseJobPayload } from "@aitk/core/jobs/payload";
import type { TPrisma } from "@aitk/db";
import { appendJobLog, type TJobLogLevel } from "@aitk/db/jobs/logs";
import { reportJobProgress } from "@aitk/db/jobs/progress";
import type { TQueues } from "@aitk/db/jobs/queues";
import { type Job, UnrecoverableError, WaitingError } from "bullmq";
import type { Redis } from "ioredis";
import type { TWorkerEnv } from "../env";
import type { TLogger } from "../logger";
import type { THandlerContext, TProcessor } from "../processor";
import { finishJob, toJsonValue as toJson } from "@aitk/db/jobs/finish";
import { markActive, markReleased, markRetrying } from "./lifecycle";

export type TAbortReason = "cancel" | "shutdown" | "timeout";

export type TRunDeps = {
  prisma: TPrisma;
  redis: Redis;
  queues: TQueues;
  config: TWorkerEnv;
  logger: TLogger;
  /** Running jobs of this process, so cancel requests and shutdown can abort them. */
  running: Map<string, AbortController>;
  /** After an abort, how long a handler may take to stop before the job is settled without it. */
  abortGraceMs: number;
  /** Per-kind overrides of the definitions' timeoutMs (tests). */
  timeoutMs?: Partial<Record<TJobName, number>>;
};

export const errorMessage = (e: unknown): string =>
  e instanceof Error ? e.message || e.name : typeof e === "string" ? e : JSON.stringify(e);

/** Resolves once the signal aborts and the grace period has passed (a handler ignoring its signal). */
function abandonedAfterAbort(signal: AbortSignal, graceMs: number): Promise<never> {
  const p = new Promise<never>((_resolve, reject) => {
    const fire = () => setTimeout(() => reject(signal.reason), graceMs).unref();
    if (signal.aborted) fire();
    else signal.addEventListener("abort", fire, { once: true });
  });
  // An abort arriving after the handler already settled the race must not surface as unhandled.
  p.catch(() => undefined);
  return p;
}

export async function runJob<N extends TJobName>(
  deps: TRunDeps,
  processor: TProcessor<N>,
  job: Job,
  token: string | undefined,
  bullSignal: AbortSignal | undefined,
): Promise<unknown> {
  const kind = processor.name;
  const def = getJobDefinition(kind);
  const attempt = job.attemptsMade + 1;
  const maxAttempts = job.opts.attempts ?? def.attempts;
  const jobId = job.id!;
  const logger = deps.logger.child({ jobId, kind, attempt });
  const ac = new AbortController();
  // Registered before the row is read, so a cancel published meanwhile is not lost.
  deps.running.set(jobId, ac);
  const onBullAbort = () => ac.abort(bullSignal?.reason ?? "shutdown");
  bullSignal?.addEventListener("abort", onBullAbort, { once: true });
  const timeoutMs = deps.timeoutMs?.[kind] ?? def.timeoutMs;
  const timer = timeoutMs ? setTimeout(() => ac.abort("timeout"), timeoutMs) : undefined;
  timer?.unref();
  try {
    if (def.scope === "system") return await runSystemJob(deps, processor, job, attempt, ac, logger);
    return await runOrgJob(deps, processor, job, token, attempt, maxAttempts, ac, logger);
  } finally {
    clearTimeout(timer);
    bullSignal?.removeEventListener("abort", onBullAbort);
    deps.running.delete(jobId);
  }
}

async function runSystemJob<N extends TJobName>(
  deps: TRunDeps,
  processor: TProcessor<N>,
  job: Job,
  attempt: number,
  ac: AbortController,
  logger: TLogger,
) {
  const payload = parseJobPayload(processor.name, job.data);
  const started = performance.now();
  const ctx = {
    kind: processor.name,
    job: null,
    payload,
    attempt,
    prisma: deps.prisma,
    redis: deps.redis,
    queues: deps.queues,
    config: deps.config,
    signal: ac.signal,
    logger,
    log: async (line: string, level: TJobLogLevel = "info") => void logger[level]({}, line),
    progress: async (pct: number) => void (await job.updateProgress(pct)),
  } as unknown as THandlerContext<N>;
  try {
    const result = await Promise.race([
      processor.handler(ctx),
      abandonedAfterAbort(ac.signal, deps.abortGraceMs),
    ]);
    logger.debug({ ms: Math.round(performance.now() - started) }, "system job done");
    return toJson(result);
  } catch (e) {
    logger.error({ err: e }, "system job failed");
    // Abort reasons are strings; BullMQ records an Error's message as the failed reason.
    throw e instanceof Error ? e : new Error(e === "timeout" ? "timed out" : errorMessage(e));
  }
}

async function runOrgJob<N extends TJobName>(
  deps: TRunDeps,
  processor: TProcessor<N>,
  job: Job,
  token: string | undefined,
  attempt: number,
  maxAttempts: number,
  ac: AbortController,
  logger: TLogger,
) {
  const { prisma, redis } = deps;
  const jobId = job.id!;
  const row = await prisma.job.findUnique({ where: { id: jobId } });
  if (!row) {
    logger.error("job has no Job row; dropping it");
    throw new UnrecoverableError(`job ${jobId} has no Job row`);
  }
  const ref = { id: row.id, orgId: row.orgId };
  const log = async (line: string, level: TJobLogLevel = "info") => {
    await appendJobLog(redis, jobId, line, level);
  };
  if (row.state === "completed" || row.state === "failed" || row.state === "cancelled") {
    logger.warn({ state: row.state }, "job row already finished; not running it again");
    throw new UnrecoverableError(`job already ${row.state}`);
  }
  if (row.cancelRequested) {
    await log("cancelled before it started", "warn");
    await finishJob(prisma, redis, ref, { state: "cancelled", error: "cancelled" });
    throw new UnrecoverableError("cancelled");
  }

  await markActive(prisma, jobId, attempt, row.startedAt);
  await log(`attempt ${attempt}/${maxAttempts} started`);
  logger.info("job started");
  const started = performance.now();

  try {
    const payload = parseJobPayload(processor.name, job.data);
    const ctx = {
      kind: processor.name,
      job: { ...row, state: "active", attempts: attempt },
      payload,
      attempt,
      prisma,
      redis,
      queues: deps.queues,
      config: deps.config,
      signal: ac.signal,
      logger,
      log,
      progress: async (pct: number, message?: string) => {
        await reportJobProgress(prisma, redis, jobId, pct, message);
        await job.updateProgress(pct).catch(() => undefined);
      },
    } as unknown as THandlerContext<N>;
    const result = await Promise.race([
      processor.handler(ctx),
      abandonedAfterAbort(ac.signal, deps.abortGraceMs),
    ]);
    // A handler that saw its signal may return early instead of throwing: its work is not done.
    if (ac.signal.aborted) throw ac.signal.reason;
    const ms = Math.round(performance.now() - started);
    await log(`completed in ${ms} ms`);
    await finishJob(prisma, redis, ref, { state: "completed", result });
    logger.info({ ms }, "job completed");
    return toJson(result);
  } catch (e) {
    const reason = ac.signal.aborted ? (ac.signal.reason as TAbortReason | unknown) : null;
    if (reason === "cancel") {
      await log("cancelled", "warn");
      await finishJob(prisma, redis, ref, { state: "cancelled", error: "cancelled" });
      logger.info("job cancelled");
      throw new UnrecoverableError("cancelled");
    }
    if (reason === "shutdown") {
      // Back to the queue without spending an attempt; another worker (or this one, restarted) resumes it.
      await log("worker shutting down: job released back to the queue", "warn");
      await markReleased(prisma, jobId);
      await job.moveToWait(token);
      logger.info("job released on shutdown");
      throw new WaitingError();
    }
    const message =
      reason === "timeout" ? `timed out after ${timeoutOf(deps, processor.name)} ms` : errorMessage(e);
    const final = e instanceof UnrecoverableError || isPermanent(e) || attempt >= maxAttempts;
    if (final) {
      await log(`failed: ${message}`, "error");
      await finishJob(prisma, redis, ref, { state: "failed", error: message });
      logger.warn({ err: e }, "job failed");
      // Permanent errors (bad input, missing rows) are not worth the remaining attempts.
      throw attempt < maxAttempts ? new UnrecoverableError(message) : asError(e, message);
    }
    await log(`attempt ${attempt}/${maxAttempts} failed: ${message}; will retry`, "warn");
    await markRetrying(prisma, jobId, message);
    logger.info({ err: e }, "job attempt failed; retrying");
    throw asError(e, message);
  }
}

/** BullMQ keeps an Error's message as the failed reason; abort reasons and odd throws are not Errors. */
const asError = (e: unknown, message: string) => (e instanceof Error ? e : new Error(message));

const timeoutOf = (deps: TRunDeps, kind: TJobName) =>
  deps.timeoutMs?.[kind] ?? getJobDefinition(kind).timeoutMs;

/** Domain errors about the input (validation, missing rows, permissions) will not fix themselves. */
function isPermanent(e: unknown): boolean {
  return (
    e instanceof DomainError &&
    (e.code === "VALIDATION" || e.code === "NOT_FOUND" || e.code === "FORBIDDEN" || e.code === "PRECONDITION")
  );
}
