// simulate.sweep: a big sweep stored on a Simulation row (input = { sweep, points }) is expanded,
// simulated in chunks with progress (the event loop breathes between chunks so cancel and the lock
// renewal get through), and the compact points are stored as the row's result.
import { notFound } from "@aitk/core/errors";
import {
  parseOrThrow,
  SWEEP_MAX,
  simulateParsed,
  type TScenario,
  type TSimPoint,
  toPoint,
  ZSweep,
} from "@aitk/core/simulate/index";
import type { Prisma } from "@aitk/db";
import { defineProcessor } from "../processor";

const CHUNK = 500;

/** Every combination of the varied axes over the base, in the same order as core's sweep(). */
export function expandSweep(input: unknown): TScenario[] {
  const { base, vary } = parseOrThrow(ZSweep, input, "sweep");
  let combos: TScenario[] = [base];
  for (const [key, values] of Object.entries(vary)) {
    if (!Array.isArray(values) || values.length === 0) continue;
    const next: TScenario[] = [];
    for (const c of combos) for (const v of values) next.push({ ...c, [key]: v } as TScenario);
    combos = next;
    if (combos.length > SWEEP_MAX) throw new Error(`sweep has more than ${SWEEP_MAX} combinations`);
  }
  return combos;
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

export default defineProcessor("simulate.sweep", async (ctx) => {
  const { orgId, simulationId } = ctx.payload;
  const sim = await ctx.prisma.simulation.findFirst({ where: { id: simulationId, orgId } });
  if (!sim) throw notFound("simulation", simulationId);
  const update = (data: Prisma.SimulationUpdateInput) =>
    ctx.prisma.simulation.update({ where: { id: sim.id }, data });
  await update({ status: "active", ...(ctx.job ? { jobId: ctx.job.id } : {}) });

  try {
    const input = (sim.input ?? {}) as { sweep?: unknown };
    const scenarios = expandSweep(input.sweep);
    await ctx.log(`sweep: ${scenarios.length} scenarios`);
    // Compute time only (progress writes and yields excluded), comparable with inline runs.
    let computeMs = 0;
    const points: TSimPoint[] = [];
    const warnings = new Set<string>();
    for (let i = 0; i < scenarios.length; i += CHUNK) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const t0 = performance.now();
      for (const s of scenarios.slice(i, i + CHUNK)) {
        const r = simulateParsed(s);
        points.push(toPoint(s, r));
        for (const w of r.warnings) if (warnings.size < 50) warnings.add(w);
      }
      computeMs += performance.now() - t0;
      const done = Math.min(scenarios.length, i + CHUNK);
      // 95 %: storing the result is the last step.
      await ctx.progress(
        Math.floor((95 * done) / scenarios.length),
        `${done} of ${scenarios.length} scenarios`,
      );
      await yieldToLoop();
    }
    const ms = Math.round(computeMs * 10) / 10;
    const fits = points.filter((p) => p.fits).length;
    await update({
      status: "completed",
      result: JSON.parse(JSON.stringify({ points, warnings: [...warnings], ms })),
    });
    await ctx.log(
      `simulated ${points.length} scenarios in ${ms} ms; ${fits} fit, ${points.length - fits} OOM`,
    );
    await ctx.progress(100, "done");
    return { simulationId: sim.id, points: points.length, fits, ms };
  } catch (e) {
    const cancelled = ctx.signal.aborted && ctx.signal.reason === "cancel";
    if (ctx.signal.aborted && !cancelled) {
      // Worker shutdown: the job will run again; the row goes back to queued.
      await update({ status: "queued" });
      throw e;
    }
    const message = cancelled ? "cancelled" : e instanceof Error ? e.message : String(e);
    await update({ status: cancelled ? "cancelled" : "failed", result: { error: message } });
    if (!cancelled) await ctx.log(`sweep failed: ${message}`, "error");
    throw e;
  }
});
