// Starts one BullMQ Worker per registered job kind, the cancel listener and the repeatable schedules;
// `close()` shuts it all down gracefully (finish running jobs, or release them after a grace period).
import { getJobDefinition, jobNames, type TJobName } from "@aitk/core/jobs/definitions";
import { createRedis, type TPrisma } from "@aitk/db";
import { finishJob, TERMINAL_JOB_STATES } from "@aitk/db/jobs/finish";
import { JOB_CANCEL_CHANNEL } from "@aitk/db/jobs/keys";
import { createQueues, type TQueues } from "@aitk/db/jobs/queues";
import { removeWorkerHeartbeat, writeWorkerHeartbeat } from "@aitk/db/jobs/stats";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { TWorkerEnv } from "../env";
import type { TLogger } from "../logger";
import type { TProcessor, TProcessorRegistry } from "../processor";
import { processors as defaultProcessors } from "../processors/index";
import { errorMessage, runJob } from "./runJob";

export type TStartWorkerOptions = {
  prisma: TPrisma;
  config: TWorkerEnv;
  logger: TLogger;
  processors?: TProcessorRegistry;
  /** Only these kinds (default: every kind with a processor, or config.WORKER_KINDS). */
  kinds?: TJobName[];
  /** Register repeatable schedules for system jobs (default config.WORKER_SCHEDULES). */
  schedules?: boolean;
  /** Override per-kind try timeouts (tests). */
  timeoutMs?: Partial<Record<TJobName, number>>;
  /** Override schedule periods (tests). */
  everyMs?: Partial<Record<TJobName, number>>;
  shutdownGraceMs?: number;
  abortGraceMs?: number;
  /** How often running jobs are checked for a cancel flag missed on pub/sub. */
  cancelPollMs?: number;
};

export type TWorkerHandle = {
  /** This process's id in heartbeats (`listWorkers`). */
  id: string;
  queues: TQueues;
  redis: Redis;
  /** Kinds this process consumes. */
  kinds: TJobName[];
  /** Kinds whose processor module failed to load. */
  disabled: TJobName[];
  workers: Map<TJobName, Worker>;
  running: Map<string, AbortController>;
  close(): Promise<void>;
};

export async function startWorker(opts: TStartWorkerOptions): Promise<TWorkerHandle> {
  const { prisma, config, logger } = opts;
  const registry = opts.processors ?? defaultProcessors;
  const wanted = opts.kinds ?? parseKinds(config.WORKER_KINDS);
  const kinds = jobNames.filter((k) => registry[k] && (!wanted || wanted.includes(k)));
  const skipped = jobNames.filter((k) => !registry[k]);
  if (skipped.length) logger.info({ kinds: skipped }, "no processor registered for these kinds");

  // Commands (Job logs, progress, queue adds) on one connection; each BullMQ Worker duplicates the
  // blocking one it needs from `bull`, which must not give up on commands while Redis restarts.
  const redis = createRedis(config.REDIS_URL);
  const bull = createRedis(config.REDIS_URL, { blocking: true });
  const queues = createQueues(redis, config.AITK_QUEUE_PREFIX);
  const running = new Map<string, AbortController>();
  const deps = {
    prisma,
    redis,
    queues,
    config,
    logger,
    running,
    abortGraceMs: opts.abortGraceMs ?? 5000,
    timeoutMs: opts.timeoutMs,
  };

  const workers = new Map<TJobName, Worker>();
  const disabled: TJobName[] = [];
  for (const kind of kinds) {
    // One kind whose module cannot load (a missing native library, a bad deploy) must not stop the
    // others: it is logged and left unconsumed, its jobs wait in the queue.
    let processor: TProcessor<TJobName>;
    try {
      processor = (await registry[kind]!()).default as TProcessor<TJobName>;
      if (processor?.name !== kind) throw new Error(`module defines ${processor?.name ?? "no processor"}`);
    } catch (err) {
      logger.error({ kind, err }, "processor failed to load; kind disabled");
      disabled.push(kind);
      continue;
    }
    const def = getJobDefinition(kind);
    const worker = new Worker(kind, (job, token, signal) => runJob(deps, processor, job, token, signal), {
      connection: bull,
      prefix: config.AITK_QUEUE_PREFIX,
      concurrency: def.concurrency,
      lockDuration: config.WORKER_LOCK_MS,
      stalledInterval: config.WORKER_STALLED_CHECK_MS,
      // A job that took its worker down twice is failed rather than tried on a third one.
      maxStalledCount: 1,
    });
    worker.on("error", (err) => logger.error({ err, kind }, "worker error"));
    // Safety net for failures that never reached our processor (a job stalled too often): the row
    // must not stay "active" forever.
    worker.on("failed", (job, err) => {
      if (!job?.id || def.scope !== "org") return;
      void (async () => {
        if ((await job.getState()) !== "failed") return;
        const row = await prisma.job.findUnique({
          where: { id: job.id! },
          select: { orgId: true, state: true },
        });
        if (!row || (TERMINAL_JOB_STATES as readonly string[]).includes(row.state)) return;
        const ended = await finishJob(
          prisma,
          redis,
          { id: job.id!, orgId: row.orgId },
          {
            state: "failed",
            error: errorMessage(err),
          },
        );
        if (ended) logger.warn({ jobId: job.id, err }, "job failed outside its handler");
      })().catch((e) => logger.error({ err: e }, "failed-event bookkeeping"));
    });
    workers.set(kind, worker);
  }

  // Cancel requests: every worker process hears them; the one running the job aborts its signal.
  const sub = redis.duplicate();
  await sub.subscribe(JOB_CANCEL_CHANNEL);
  sub.on("message", (_channel, jobId: string) => {
    const ac = running.get(jobId);
    if (ac && !ac.signal.aborted) {
      logger.info({ jobId }, "cancel requested");
      ac.abort("cancel");
    }
  });
  const poll = setInterval(() => {
    if (running.size === 0) return;
    prisma.job
      .findMany({ where: { id: { in: [...running.keys()] }, cancelRequested: true }, select: { id: true } })
      .then((rows) => {
        for (const r of rows) {
          const ac = running.get(r.id);
          if (ac && !ac.signal.aborted) ac.abort("cancel");
        }
      })
      .catch((err) => logger.warn({ err }, "cancel poll failed"));
  }, opts.cancelPollMs ?? 5000);
  poll.unref();

  const active = kinds.filter((k) => !disabled.includes(k));
  if (opts.schedules ?? config.WORKER_SCHEDULES)
    await registerSchedules(queues, registry, active, opts.everyMs, logger);

  await Promise.all([...workers.values()].map((w) => w.waitUntilReady()));

  const id = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const startedAt = new Date().toISOString();
  const beat = () =>
    writeWorkerHeartbeat(redis, config.AITK_QUEUE_PREFIX, {
      id,
      host: hostname(),
      pid: process.pid,
      kinds: active,
      running: running.size,
      startedAt,
      seenAt: new Date().toISOString(),
    }).catch((err) => logger.warn({ err }, "heartbeat failed"));
  await beat();
  const heartbeat = setInterval(beat, 5000);
  heartbeat.unref();
  logger.info({ id, kinds: active, disabled, prefix: config.AITK_QUEUE_PREFIX }, "worker started");

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      const graceMs = opts.shutdownGraceMs ?? config.WORKER_SHUTDOWN_GRACE_MS;
      logger.info({ running: running.size, graceMs }, "shutting down");
      clearInterval(poll);
      clearInterval(heartbeat);
      const closed = Promise.all([...workers.values()].map((w) => w.close()));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        closed.then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        logger.warn({ jobs: [...running.keys()] }, "grace period over: releasing running jobs");
        for (const ac of running.values()) ac.abort("shutdown");
        await closed;
      }
      await removeWorkerHeartbeat(redis, config.AITK_QUEUE_PREFIX, id).catch(() => undefined);
      await sub.unsubscribe().catch(() => undefined);
      sub.disconnect();
      await queues.close();
      await Promise.all([redis.quit().catch(() => undefined), bull.quit().catch(() => undefined)]);
      logger.info("worker stopped");
    })();
    return closing;
  };

  return { id, queues, redis, kinds: active, disabled, workers, running, close };
}

/**
 * Repeatable jobs for the system kinds this process runs. BullMQ keeps one scheduler per id in Redis, so
 * several replicas upserting the same id still produce one job per period. A kind with no processor at
 * all loses its scheduler, so nothing piles up in a queue nobody drains.
 */
async function registerSchedules(
  queues: TQueues,
  registry: TProcessorRegistry,
  kinds: TJobName[],
  everyMs: Partial<Record<TJobName, number>> | undefined,
  logger: TLogger,
) {
  for (const kind of jobNames) {
    const def = getJobDefinition(kind);
    if (def.scope !== "system" || !def.everyMs) continue;
    const id = `${kind}:every`;
    if (kinds.includes(kind)) {
      const every = everyMs?.[kind] ?? def.everyMs;
      await queues
        .get(kind)
        .upsertJobScheduler(
          id,
          { every },
          { name: kind, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
        );
      logger.info({ kind, every }, "schedule registered");
    } else if (!registry[kind]) {
      await queues.get(kind).removeJobScheduler(id);
    }
  }
}

function parseKinds(list: string | undefined): TJobName[] | undefined {
  if (!list?.trim()) return undefined;
  const kinds = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = kinds.filter((k) => !(jobNames as string[]).includes(k));
  if (bad.length)
    throw new Error(`WORKER_KINDS: unknown job kinds ${bad.join(", ")} (known: ${jobNames.join(", ")})`);
  return kinds as TJobName[];
}
