// The job registry's shared half: every job kind with its payload schema and retry policy. Producers
// (web, CLI, gateway) validate payloads with it before enqueueing; the worker validates again before
// running a handler, so a bad payload fails fast instead of half-running. Payloads carry ids, never blobs:
// a handler loads what it needs from the database, so a retried job always sees current data.
import { z } from "zod";

const ZId = z.string().min(1).max(64);

export interface TBackoff {
  type: "exponential" | "fixed";
  /** Base delay in ms; exponential doubles it per retry (delay, 2×delay, 4×delay, …). */
  delay: number;
}

export type TJobScope = "org" | "system";

export interface TJobDefinition<S extends z.ZodType = z.ZodType, Sc extends TJobScope = TJobScope> {
  name: string;
  schema: S;
  /** Total tries including the first. */
  attempts: number;
  backoff: TBackoff;
  /**
   * "org" jobs get a Job row (state, progress, logs, cancel) visible to the org. "system" jobs are
   * scheduled maintenance with no row and no org: their logs go to the worker's own log.
   */
  scope: Sc;
  /** Repeat schedule for system jobs, in ms. */
  everyMs?: number;
  /** Jobs of this kind one worker process runs at once. */
  concurrency: number;
  /** A try running longer is aborted (reason "timeout") and counts as a failed attempt. */
  timeoutMs?: number;
}

const define = <S extends z.ZodType, Sc extends TJobScope>(d: TJobDefinition<S, Sc>) => d;

export const ZDemoRunPayload = z.object({
  orgId: ZId,
  steps: z.number().int().min(1).max(1000).default(5),
  stepMs: z.number().int().min(0).max(60_000).default(200),
  /** Throw at this step (1-based) … */
  failAtStep: z.number().int().min(1).optional(),
  /** … but only on the first N attempts (unset: every attempt), so a retry can succeed. */
  failAttempts: z.number().int().min(1).optional(),
});

export const jobDefinitions = {
  "demo.run": define({
    name: "demo.run",
    schema: ZDemoRunPayload,
    attempts: 3,
    backoff: { type: "exponential", delay: 1000 },
    scope: "org",
    concurrency: 4,
    timeoutMs: 600_000,
  }),
  "host.health": define({
    name: "host.health",
    schema: z.object({ orgId: ZId, hostId: ZId }),
    attempts: 2,
    backoff: { type: "exponential", delay: 2000 },
    scope: "org",
    concurrency: 4,
    timeoutMs: 60_000,
  }),
  "host.healthAll": define({
    name: "host.healthAll",
    schema: z.object({}),
    attempts: 1,
    backoff: { type: "fixed", delay: 1000 },
    scope: "system",
    everyMs: 60_000,
    concurrency: 1,
    timeoutMs: 120_000,
  }),
  // Live Docker replicas after their rollout: container state + readiness probe, hysteresis, routing.
  "replica.monitor": define({
    name: "replica.monitor",
    schema: z.object({}),
    attempts: 1,
    backoff: { type: "fixed", delay: 1000 },
    scope: "system",
    everyMs: 15_000,
    concurrency: 1,
    timeoutMs: 60_000,
  }),
  "build.run": define({
    name: "build.run",
    schema: z.object({ orgId: ZId, buildId: ZId }),
    // A build that failed a step should show that failure, not silently run again.
    attempts: 1,
    backoff: { type: "exponential", delay: 5000 },
    scope: "org",
    concurrency: 1,
    timeoutMs: 3_600_000,
  }),
  "simulate.sweep": define({
    name: "simulate.sweep",
    schema: z.object({ orgId: ZId, simulationId: ZId }),
    attempts: 2,
    backoff: { type: "exponential", delay: 2000 },
    scope: "org",
    concurrency: 1,
    timeoutMs: 600_000,
  }),
  "deploy.apply": define({
    name: "deploy.apply",
    schema: z.object({ orgId: ZId, revisionId: ZId }),
    // Rollouts carry their own rollback logic; a blind retry could fight it.
    attempts: 1,
    backoff: { type: "exponential", delay: 5000 },
    scope: "org",
    concurrency: 2,
    timeoutMs: 1_800_000,
  }),
  "ledger.drain": define({
    name: "ledger.drain",
    schema: z.object({}),
    attempts: 1,
    backoff: { type: "fixed", delay: 1000 },
    scope: "system",
    everyMs: 2_000,
    concurrency: 1,
    timeoutMs: 30_000,
  }),
  // Rollups recompute touched minutes from the ledger: cheap, so often (panels stay near-live).
  "usage.rollup": define({
    name: "usage.rollup",
    schema: z.object({}),
    attempts: 1,
    backoff: { type: "fixed", delay: 1000 },
    scope: "system",
    everyMs: 15_000,
    concurrency: 1,
    timeoutMs: 300_000,
  }),
  "usage.retention": define({
    name: "usage.retention",
    schema: z.object({}),
    attempts: 1,
    backoff: { type: "fixed", delay: 1000 },
    scope: "system",
    everyMs: 3_600_000,
    concurrency: 1,
    timeoutMs: 600_000,
  }),
  // Meter events for closed minutes; each row retries with its own backoff (MeterSync.nextAttemptAt).
  "billing.sync": define({
    name: "billing.sync",
    schema: z.object({}),
    attempts: 1,
    backoff: { type: "fixed", delay: 1000 },
    scope: "system",
    everyMs: 30_000,
    concurrency: 1,
    timeoutMs: 300_000,
  }),
  "billing.reconcile": define({
    name: "billing.reconcile",
    schema: z.object({}),
    attempts: 1,
    backoff: { type: "fixed", delay: 1000 },
    scope: "system",
    everyMs: 600_000,
    concurrency: 1,
    timeoutMs: 300_000,
  }),
} as const;

export type TJobDefinitions = typeof jobDefinitions;
export type TJobName = keyof TJobDefinitions;
/** A payload after validation (defaults applied). */
export type TJobPayload<N extends TJobName> = z.output<TJobDefinitions[N]["schema"]>;
/** What a producer may pass (defaults not yet applied). */
export type TJobInput<N extends TJobName> = z.input<TJobDefinitions[N]["schema"]>;

export const jobNames = Object.keys(jobDefinitions) as TJobName[];
export type TOrgJobName = {
  [N in TJobName]: TJobDefinitions[N]["scope"] extends "org" ? N : never;
}[TJobName];
export type TSystemJobName = Exclude<TJobName, TOrgJobName>;

export const isJobName = (s: string): s is TJobName => Object.hasOwn(jobDefinitions, s);

export function getJobDefinition<N extends TJobName>(name: N): TJobDefinition<TJobDefinitions[N]["schema"]> {
  return jobDefinitions[name] as TJobDefinition<TJobDefinitions[N]["schema"]>;
}
