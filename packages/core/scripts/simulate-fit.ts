// Re-fits the simulator's efficiency parameters from the shipped measurements and writes
// src/simulate/data/fitted-params.json with provenance (script version, date, input rows).
// Usage: npx tsx packages/core/scripts/simulate-fit.ts [--date YYYY-MM-DD]
// Refresh the measurements from ../shared/data first with scripts/simulate-refresh-data.ts.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fitAll } from "../src/simulate/calibration/fit";
import type { TMeasurement } from "../src/simulate/calibration/predict-row";
import { DERIVATION_RULES } from "../src/simulate/params";

const dataDir = fileURLToPath(new URL("../src/simulate/data/", import.meta.url));
const raw = readFileSync(`${dataDir}/measurements.json`, "utf8");
const { rows } = JSON.parse(raw) as { rows: TMeasurement[] };
const dateArg = process.argv.indexOf("--date");
const fittedAt = dateArg > 0 ? String(process.argv[dateArg + 1]) : new Date().toISOString().slice(0, 10);
const sha = createHash("sha256").update(raw).digest("hex").slice(0, 16);

const t0 = performance.now();
const fitted = fitAll({
  rows,
  fittedAt,
  calibrationDate: "2026-11-24",
  measurementsRef: `src/simulate/data/measurements.json sha256:${sha}`,
});
fitted.rules = DERIVATION_RULES;
writeFileSync(`${dataDir}/fitted-params.json`, `${JSON.stringify(fitted, null, 1)}\n`);
console.log(
  `fitted ${Object.keys(fitted.groups).length} groups on ${fitted.inputs.rows} rows in ${((performance.now() - t0) / 1e3).toFixed(1)} s`,
);
console.log("globals:", JSON.stringify(fitted.globals));
for (const [k, g] of Object.entries(fitted.groups))
  console.log(
    `  ${k.padEnd(44)} ${g.level.padEnd(6)} n=${String(g.rows.length).padStart(3)} rmsLog=${g.rmsLogError.toFixed(3)} ${JSON.stringify({ etaBw: g.params.etaBw, etaQ: g.params.etaQ, etaF: g.params.etaF, stepUs: g.params.stepUs, layerUs: g.params.layerUs, arUs: g.params.arUs })}`,
  );
