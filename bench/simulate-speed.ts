// Scenarios per second of the simulator on one core (goal: ≥ 10,000/s), through the public API
// (zod validation + catalog resolution + memory plan + prefill/decode/mean-context steps + power).
// Usage: npx tsx bench/simulate-speed.ts [--seconds 3]
import {
  DEVICES,
  MODELS,
  QUANTS,
  simulate,
  simulateParsed,
  ZScenario,
} from "../packages/core/src/simulate/index";

const GOAL = 10_000;
const argSec = process.argv.indexOf("--seconds");
const seconds = argSec > 0 ? Number(process.argv[argSec + 1]) : 3;

// A varied, deterministic mix: every device x model x a few quants, batches and contexts.
const quants = QUANTS.filter((q) => ["bf16", "fp8", "int4-awq", "q4_k_m"].includes(q.id)).map((q) => q.id);
const scenarios: Record<string, unknown>[] = [];
let i = 0;
for (const d of DEVICES)
  for (const m of MODELS)
    for (const q of quants) {
      i++;
      scenarios.push({
        device: d.id,
        model: m.id,
        quant: q,
        batch: [1, 8, 32, 128][i % 4],
        promptTokens: [128, 512, 2048][i % 3],
        contextTokens: [256, 1024, 4096][i % 3],
        tp: d.family === "apple" ? 1 : [1, 1, 2, 4][i % 4],
      });
    }

function run(label: string, fn: (s: Record<string, unknown>) => unknown) {
  for (let w = 0; w < 2000; w++) fn(scenarios[w % scenarios.length] as Record<string, unknown>); // warm-up
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    for (let k = 0; k < 500; k++) fn(scenarios[n++ % scenarios.length] as Record<string, unknown>);
  }
  const rate = n / ((performance.now() - t0) / 1000);
  console.log(
    `${label.padEnd(44)} ${Math.round(rate).toLocaleString("en-US").padStart(9)} scenarios/s  (${(rate / GOAL).toFixed(1)}x the ${GOAL.toLocaleString("en-US")}/s goal)`,
  );
  return rate;
}

console.log(
  `aitk simulate speed — ${scenarios.length} distinct scenarios cycled, one core (single thread), ${seconds} s each`,
);
const full = run("simulate(input) incl. zod validation", (s) => simulate(s));
const parsed = scenarios.map((s) => ZScenario.parse(s));
let j = 0;
run("simulateParsed(scenario) (already validated)", () =>
  simulateParsed(parsed[j++ % parsed.length] as never),
);
console.log(full >= GOAL ? "goal met" : "GOAL MISSED");
