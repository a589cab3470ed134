import { activationBytes, runtimeOverheadBytes, weightBytes } from "../memory";
import type { TGlobalsFitted } from "../params";
import { powerW } from "../perf";
import { ZScenario } from "../schema";
import { decodeStep, memoryPlan, prefillStep, resolveScenario, serving, simulateResolved } from "../simulate";
import type { TEffParams, TResolvedScenario } from "../types";

export type TMeasurementGroup = "memory" | "memory-component" | "latency" | "power";

/** One measured figure with the scenario it was measured in (src/simulate/data/measurements.json). */
export interface TMeasurement {
  id: string;
  origin: "h100-calibration" | "published";
  group: TMeasurementGroup;
  metric: string;
  value: number;
  unit: string;
  scenario: Record<string, unknown>;
  source: string;
  confidence: string;
  engineVersion?: string;
  note: string;
}

export interface TPreparedRow {
  row: TMeasurement;
  x: TResolvedScenario;
  /** Requested concurrency for serving rows (0 = saturate). */
  concurrency: number;
  /** Rows from one measured run share a key; leave-one-out holds out whole runs. */
  runKey: string;
}

export function prepareRow(row: TMeasurement): TPreparedRow {
  const { batch, ...rest } = row.scenario as { batch?: number };
  const s = ZScenario.parse({ ...rest, batch: batch && batch > 0 ? batch : 1 });
  const { x } = resolveScenario(s);
  const sc = row.scenario;
  const runKey =
    row.origin === "h100-calibration"
      ? `cal|${sc.model}|${sc.phase ?? "weights"}|b${sc.batch}|p${sc.promptTokens ?? ""}|c${sc.contextTokens ?? ""}`
      : `pub|${row.id}`;
  return { row, x, concurrency: typeof batch === "number" ? batch : 1, runKey };
}

/** The simulator's value for a measured metric, in the row's unit. */
export function predictRow(p: TPreparedRow, eff: TEffParams, g: TGlobalsFitted): number {
  const { x, row } = p;
  const sc = row.scenario;
  switch (row.metric) {
    case "weights_bytes":
      return weightBytes(x.model, x.quant).totalBytes / x.count;
    case "activation_bytes": {
      const tokens =
        x.engine.memoryModel === "on-demand"
          ? x.batch * x.promptTokens
          : Math.min(x.engine.maxNumBatchedTokens, x.maxModelLen);
      return activationBytes(x.model, tokens, x.tp, g.act);
    }
    case "peak_memory_bytes": {
      // Torch-allocated peak of a prefill: weights + KV written + activation peak (no runtime overhead).
      const m = memoryPlan(x, g);
      return m.weightsPerGpu + x.batch * x.promptTokens * m.kvPerTokenPerGpu + m.activation;
    }
    case "non_torch_bytes":
      return runtimeOverheadBytes(x.engine, x.tp);
    case "kv_capacity_bytes":
      return memoryPlan(x, g).kvAvailableBytes;
    case "kv_blocks":
      return memoryPlan(x, g).kvBlocks;
    case "max_concurrency": {
      const m = memoryPlan(x, g);
      return m.kvBlocks / Math.ceil(x.maxModelLen / x.engine.blockSize);
    }
    case "prefill_ms":
    case "ttft_ms":
      return prefillStep(x, eff, g).ms;
    case "prefill_tps":
      return (x.batch * x.promptTokens) / (prefillStep(x, eff, g).ms / 1e3);
    case "decode_ms":
      return decodeStep(x, eff, g).ms;
    case "decode_tps":
      return x.batch / (decodeStep(x, eff, g).ms / 1e3);
    case "itl_ms":
      return p.concurrency > 1
        ? serving(x, eff, g, p.concurrency, x.promptTokens, x.outputTokens).itlMs
        : decodeStep(x, eff, g).ms;
    case "output_tps":
      return serving(x, eff, g, p.concurrency, Number(sc.promptTokens), Number(sc.outputTokens))
        .outputTokensPerS;
    case "e2e_ms":
      return simulateResolved(x, eff, g, "fit").e2eMs;
    case "power_w": {
      const f = x.phase === "prefill" ? prefillStep(x, eff, g) : decodeStep(x, eff, g);
      return powerW(x.device, x.quant, f, eff) * x.count;
    }
    case "energy_per_token_j": {
      const f = decodeStep(x, eff, g);
      return (powerW(x.device, x.quant, f, eff) * x.count * f.ms) / 1e3 / x.batch;
    }
    default:
      throw new Error(`no predictor for metric ${row.metric}`);
  }
}
