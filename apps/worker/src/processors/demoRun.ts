// A demo job: counts through N steps with progress and log lines, and fails on request, so the whole
// job pipeline (retries, cancel, live logs) can be exercised without any real work.
import { defineProcessor, sleep } from "../processor";

export default defineProcessor("demo.run", async (ctx) => {
  const { steps, stepMs, failAtStep, failAttempts } = ctx.payload;
  const shouldFail = failAtStep !== undefined && (failAttempts === undefined || ctx.attempt <= failAttempts);
  await ctx.log(`demo: ${steps} steps of ${stepMs} ms (attempt ${ctx.attempt})`);
  for (let i = 1; i <= steps; i++) {
    await sleep(stepMs, ctx.signal);
    if (shouldFail && i === failAtStep) throw new Error(`demo failure at step ${i} (attempt ${ctx.attempt})`);
    await ctx.log(`step ${i}/${steps}`);
    await ctx.progress((i / steps) * 100, `step ${i} of ${steps}`);
  }
  return { steps, attempt: ctx.attempt };
});
