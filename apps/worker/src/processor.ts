// What a job handler sees. Handlers load what they need by id, report progress, write log lines and
// watch `signal`: it aborts when the job is cancelled or the worker shuts down.
import type { TJobName, TJobPayload, TOrgJobName } from "@aitk/core/jobs/definitions";
import type { Job as TJobRow, TPrisma } from "@aitk/db";
import type { TJobLogLevel } from "@aitk/db/jobs/logs";
import type { TQueues } from "@aitk/db/jobs/queues";
import type { Redis } from "ioredis";
import type { TWorkerEnv } from "./env";
import type { TLogger } from "./logger";

export type THandlerContext<N extends TJobName> = {
  kind: N;
  /** The Job row for org jobs; null for scheduled system jobs (they have no row). */
  job: N extends TOrgJobName ? TJobRow : null;
  payload: TJobPayload<N>;
  /** 1-based try number. */
  attempt: number;
  prisma: TPrisma;
  redis: Redis;
  queues: TQueues;
  config: TWorkerEnv;
  /** A log line on the job's live stream (kept in JobLog when the job ends); system jobs log to stdout. */
  log(line: string, level?: TJobLogLevel): Promise<void>;
  /** 0–100 with an optional message: stored on the Job row and published live. */
  progress(pct: number, message?: string): Promise<void>;
  signal: AbortSignal;
  logger: TLogger;
};

export type THandler<N extends TJobName> = (ctx: THandlerContext<N>) => Promise<unknown>;

export type TProcessor<N extends TJobName = TJobName> = { name: N; handler: THandler<N> };

export const defineProcessor = <N extends TJobName>(name: N, handler: THandler<N>): TProcessor<N> => ({
  name,
  handler,
});

export type TProcessorRegistry = { [N in TJobName]?: () => Promise<{ default: TProcessor<N> }> };

/** Sleeps, waking early (with the abort reason thrown) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
