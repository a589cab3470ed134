// Simulate: hardware fit, latency, throughput and power of a model on devices the user may not own.
// Small inputs are computed inline (pure, ~200k scenarios/s); big sweeps become a Simulation row plus a
// `simulate.sweep` job whose progress streams over the job SSE.
import { DomainError } from "@aitk/core/errors";
import {
  calibrationInfo,
  listDevices,
  listEngines,
  listModels,
  listQuants,
  parseOrThrow,
  SWEEP_MAX,
  simulateParsed,
  sweep,
  type TSimPoint,
  type TSimResult,
  toPoint,
  ZScenario,
  ZScenarioList,
  ZSimPoint,
  ZSweep,
} from "@aitk/core/simulate/index";
import { z } from "zod";
import { requireRole, type TServiceCtx } from "./actor";
import { audit } from "./audit";
import { enqueue } from "./jobs";

/** Sweeps up to this many points answer inline; bigger ones run as a job (payload size, not CPU). */
export const INLINE_MAX_POINTS = 500;
/** REST batch of explicit scenarios (same as the CLI's --input array), answered inline. */
export const REST_MAX_SCENARIOS = 10_000;

// ----------------------------------------------------------------------------------------- catalog

export function catalog() {
  return {
    devices: listDevices(),
    models: listModels(),
    quants: listQuants(),
    engines: listEngines(),
    calibration: calibrationInfo(),
    limits: { inlinePoints: INLINE_MAX_POINTS, sweepMax: SWEEP_MAX },
  };
}

// ------------------------------------------------------------------------------------------ points

// The point shape lives in core (the worker's simulate.sweep stores it too); re-exported for the UI.
export { type TSimPoint, toPoint, ZSimPoint };

/** How many points a sweep expands to, before computing any. */
export function sweepSize(s: z.output<typeof ZSweep>): number {
  return Object.values(s.vary).reduce((n, v) => n * (Array.isArray(v) && v.length > 0 ? v.length : 1), 1);
}

const uniq = (xs: string[]) => [...new Set(xs)].slice(0, 50);

// --------------------------------------------------------------------------------------- run inline

export const ZRunSimulation = z
  .object({
    /** Explicit scenarios, simulated in order. */
    scenarios: z.array(ZScenario).min(1).max(INLINE_MAX_POINTS).optional(),
    /** Every combination of `vary` over `base` (≤ 500 points inline; use simulate.sweep beyond). */
    sweep: ZSweep.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (!v.scenarios === !v.sweep)
      ctx.addIssue({ code: "custom", path: ["scenarios"], message: "give either scenarios or sweep" });
  });

export const ZRunResult = z.object({
  points: z.array(ZSimPoint),
  warnings: z.array(z.string()),
  ms: z.number(),
});
export type TRunResult = z.infer<typeof ZRunResult>;

export function runInline(input: z.input<typeof ZRunSimulation>): TRunResult {
  const v = ZRunSimulation.parse(input);
  const t0 = performance.now();
  const points: TSimPoint[] = [];
  const warnings: string[] = [];
  if (v.sweep) {
    const n = sweepSize(v.sweep);
    if (n > INLINE_MAX_POINTS)
      throw new DomainError(
        "VALIDATION",
        `sweep.vary: ${n} points is too many to answer inline (at most ${INLINE_MAX_POINTS}); start it as a job with simulate.sweep`,
        { field: "sweep.vary" },
      );
    for (const { scenario, result } of sweep(v.sweep)) {
      points.push(toPoint(scenario, result));
      warnings.push(...result.warnings);
    }
  } else {
    for (const s of v.scenarios ?? []) {
      const r = simulateParsed(s);
      points.push(toPoint(s, r));
      warnings.push(...r.warnings);
    }
  }
  return { points, warnings: uniq(warnings), ms: Math.round((performance.now() - t0) * 10) / 10 };
}

/**
 * REST `POST /simulate`: one scenario → one result, an array → results in the same order (the CLI's
 * `--input` format). Errors name the field (`[3].device`) and list valid ids in `details.choices`.
 */
export function simulateBody(body: unknown): TSimResult | TSimResult[] {
  if (Array.isArray(body)) {
    if (body.length === 0)
      throw new DomainError("VALIDATION", "body: the array of scenarios is empty", { field: "body" });
    if (body.length > REST_MAX_SCENARIOS)
      throw new DomainError("VALIDATION", `body: at most ${REST_MAX_SCENARIOS} scenarios per request`, {
        field: "body",
      });
    return parseOrThrow(ZScenarioList, body, "scenarios").map((s) => simulateParsed(s));
  }
  if (typeof body !== "object" || body === null)
    throw new DomainError("VALIDATION", "body: send a scenario object or an array of scenarios", {
      field: "body",
    });
  return simulateParsed(parseOrThrow(ZScenario, body, "scenario"));
}

// ---------------------------------------------------------------------------------- stored sweeps

export const ZStartSweep = z
  .object({
    name: z.string().trim().max(100).optional(),
    sweep: ZSweep,
  })
  .strict();

export const ZSimulation = z.object({
  id: z.string(),
  name: z.string().nullable(),
  status: z.enum(["queued", "active", "completed", "failed", "cancelled"]),
  jobId: z.string().nullable(),
  points: z.number(),
  input: z.unknown(),
  result: z.object({ points: z.array(ZSimPoint), warnings: z.array(z.string()), ms: z.number() }).nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
});
export type TSimulationOut = z.infer<typeof ZSimulation>;

type TSimRow = {
  id: string;
  name: string | null;
  input: unknown;
  result: unknown;
  status: TSimulationOut["status"];
  jobId: string | null;
  createdAt: Date;
};
type TJobState = { state: TSimulationOut["status"]; error: string | null };

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

/** The row's own status, or its job's once the job moved on without the processor (cancelled while queued). */
function toSimulationOut(row: TSimRow, withResult: boolean, job: TJobState | null): TSimulationOut {
  const input = (row.input ?? {}) as { sweep?: unknown; points?: number };
  const result = (row.result ?? null) as (TSimulationOut["result"] & { error?: string }) | null;
  const status =
    !TERMINAL.has(row.status) && job && (TERMINAL.has(job.state) || job.state === "active")
      ? job.state
      : row.status;
  return {
    id: row.id,
    name: row.name,
    status,
    jobId: row.jobId,
    points: typeof input.points === "number" ? input.points : 0,
    input: input.sweep ?? null,
    result: withResult && result?.points ? result : null,
    error: result?.error ?? (status === "failed" || status === "cancelled" ? (job?.error ?? null) : null),
    createdAt: row.createdAt.toISOString(),
  };
}

async function jobStates(ctx: TServiceCtx, ids: (string | null)[]) {
  const want = ids.filter((x): x is string => Boolean(x));
  if (want.length === 0) return new Map<string, TJobState>();
  const jobs = await ctx.deps.prisma.job.findMany({
    where: { id: { in: want }, orgId: ctx.actor.orgId },
    select: { id: true, state: true, error: true },
  });
  return new Map(jobs.map((j) => [j.id, { state: j.state, error: j.error }]));
}

export async function startSweep(ctx: TServiceCtx, input: z.input<typeof ZStartSweep>) {
  requireRole(ctx.actor, "member");
  const v = ZStartSweep.parse(input);
  const points = sweepSize(v.sweep);
  if (points > SWEEP_MAX)
    throw new DomainError("VALIDATION", `sweep.vary: ${points} points; at most ${SWEEP_MAX}`, {
      field: "sweep.vary",
    });
  const row = await ctx.deps.prisma.simulation.create({
    data: {
      orgId: ctx.actor.orgId,
      name: v.name ?? null,
      input: JSON.parse(JSON.stringify({ sweep: v.sweep, points })),
      status: "queued",
      createdById: ctx.actor.userId,
    },
  });
  const job = await enqueue(ctx, "simulate.sweep", { simulationId: row.id });
  const saved = await ctx.deps.prisma.simulation.update({ where: { id: row.id }, data: { jobId: job.id } });
  await audit(ctx, {
    action: "simulation.create",
    targetType: "Simulation",
    targetId: row.id,
    after: { points, jobId: job.id },
  });
  return toSimulationOut(saved, false, null);
}

export const ZListSimulations = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(64).optional(),
});

export async function listSimulations(ctx: TServiceCtx, input: z.input<typeof ZListSimulations> = {}) {
  const q = ZListSimulations.parse(input);
  const rows = await ctx.deps.prisma.simulation.findMany({
    where: { orgId: ctx.actor.orgId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true, name: true, input: true, status: true, jobId: true, createdAt: true },
    take: q.limit + 1,
    ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
  });
  const page = rows.slice(0, q.limit);
  const jobs = await jobStates(
    ctx,
    page.map((r) => r.jobId),
  );
  return {
    items: page.map((r) =>
      toSimulationOut({ ...r, result: null }, false, r.jobId ? (jobs.get(r.jobId) ?? null) : null),
    ),
    nextCursor: rows.length > q.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}

export async function getSimulation(ctx: TServiceCtx, id: string): Promise<TSimulationOut> {
  const row = await ctx.deps.prisma.simulation.findFirst({ where: { id, orgId: ctx.actor.orgId } });
  if (!row) throw new DomainError("NOT_FOUND", `simulation ${id} not found`, { field: "id" });
  const jobs = await jobStates(ctx, [row.jobId]);
  return toSimulationOut(row, true, row.jobId ? (jobs.get(row.jobId) ?? null) : null);
}
