"use client";

import type { TSimPoint } from "@/server/services/simulate";
import { gib, int, joules, ms, num } from "./format";

type TDeviceName = Map<string, string>;

function Row({ label, value, title }: { label: string; value: string; title?: string }) {
  return (
    <tr title={title}>
      <td className="muted small">{label}</td>
      <td className="mono" style={{ textAlign: "right" }}>
        {value}
      </td>
    </tr>
  );
}

/** One card per device: fits or OOM (with the reason), memory, capacity, latency, throughput, power. */
export function Verdicts({ points, names }: { points: TSimPoint[]; names: TDeviceName }) {
  return (
    <div
      data-testid="sim-verdicts"
      style={{
        display: "grid",
        gridTemplateColumns: `repeat(${Math.min(points.length, 4)}, minmax(0, 1fr))`,
        gap: 14,
        marginBottom: 14,
      }}
    >
      {points.map((p) => (
        <div
          key={p.device}
          className="panel"
          data-testid="sim-verdict"
          data-device={p.device}
          data-fits={p.fits}
          style={{ marginBottom: 0 }}
        >
          <div className="row" style={{ marginBottom: 8 }}>
            <strong>{names.get(p.device) ?? p.device}</strong>
            <span className="spacer" />
            <span className={`badge ${p.fits ? "ok" : "bad"}`}>{p.fits ? "fits" : "OOM"}</span>
          </div>
          {!p.fits && p.oomReason && (
            <div className="alert error small" data-testid="sim-oom-reason">
              {p.oomReason}
            </div>
          )}
          <table>
            <tbody>
              <Row
                label="Weights"
                value={
                  p.tp > 1 ? `${gib(p.weightsBytes)} (${gib(p.weightsBytesPerGpu)}/GPU)` : gib(p.weightsBytes)
                }
              />
              <Row
                label="Memory / GPU"
                value={`${gib(p.memoryBytesPerGpu)} of ${gib(p.usableBytesPerGpu)}`}
                title="weights + KV of this batch + activations + runtime overhead, against what the runtime can use"
              />
              <Row label="KV capacity" value={`${int(p.kvCapacityTokens)} tokens`} />
              <Row
                label="Max concurrency"
                value={`${p.maxConcurrency.toFixed(1)}×`}
                title="sequences of the model's max length that fit at once (vLLM's report)"
              />
              <Row
                label="TTFT"
                value={ms(p.ttftMs)}
                title={`prefill of ${p.batch} × ${p.promptTokens} tokens`}
              />
              <Row label="Decode step" value={ms(p.decodeMsPerStep)} />
              <Row label="Tokens/s (decode)" value={num(p.decodeTokensPerS)} />
              <Row label="Tokens/s (prefill)" value={num(p.prefillTokensPerS)} />
              <Row label="Power (decode)" value={`${p.decodePowerW.toFixed(0)} W`} />
              <Row label="Energy / token" value={joules(p.energyPerTokenJ)} />
              <Row label="Bound" value={`prefill ${p.boundPrefill} · decode ${p.boundDecode}`} />
            </tbody>
          </table>
          <p className="muted small" style={{ marginTop: 6 }}>
            {p.model} · {p.quant} · {p.engine}
            {p.tp > 1 ? ` · tp ${p.tp}` : ""} · batch {p.batch} · context {int(p.contextTokens)}
          </p>
        </div>
      ))}
    </div>
  );
}
