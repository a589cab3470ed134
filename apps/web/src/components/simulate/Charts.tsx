"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { TSimPoint } from "@/server/services/simulate";
import { num } from "./format";

const COLORS = ["#2f5bd3", "#d3632f", "#1f8a4c", "#8a2fd3", "#b7791f", "#c53030", "#2f9fd3", "#5f6673"];

type TAxis = "batch" | "contextTokens";
type TMetric = "ttftMs" | "decodeTokensPerS";

/** Rows keyed by the x value with one column per device; OOM points are gaps, not zeros. */
function series(
  points: TSimPoint[],
  devices: string[],
  x: TAxis,
  metric: TMetric,
  fixed: Partial<TSimPoint>,
) {
  const rows = new Map<number, Record<string, number | null>>();
  for (const p of points) {
    if (Object.entries(fixed).some(([k, v]) => p[k as keyof TSimPoint] !== v)) continue;
    const row = rows.get(p[x]) ?? { x: p[x] };
    row[p.device] = p.fits ? p[metric] : null;
    rows.set(p[x], row);
  }
  return [...rows.values()]
    .sort((a, b) => (a.x as number) - (b.x as number))
    .map((r) => ({ ...Object.fromEntries(devices.map((d) => [d, null])), ...r }));
}

function Chart({
  title,
  testId,
  data,
  devices,
  names,
  xLabel,
  unit,
}: {
  title: string;
  testId: string;
  data: Record<string, number | null>[];
  devices: string[];
  names: Map<string, string>;
  xLabel: string;
  unit: string;
}) {
  return (
    <div className="panel" data-testid={testId} style={{ marginBottom: 0 }}>
      <h2>
        {title} <span className="muted small">({unit})</span>
      </h2>
      {data.length < 2 ? (
        <p className="muted small">Add more values on this axis to draw a curve.</p>
      ) : (
        <ResponsiveContainer width="100%" height={240}>
          <LineChart data={data} margin={{ top: 6, right: 12, bottom: 4, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e5ea" />
            <XAxis
              dataKey="x"
              scale="log"
              type="number"
              domain={["dataMin", "dataMax"]}
              ticks={data.map((d) => d.x as number)}
              tickFormatter={(v: number) => (v >= 1024 && v % 1024 === 0 ? `${v / 1024}k` : String(v))}
              fontSize={11}
            />
            <YAxis fontSize={11} tickFormatter={(v: number) => num(v)} width={48} />
            <Tooltip
              formatter={(v, name) => [
                typeof v === "number" ? `${num(v)} ${unit}` : "OOM",
                names.get(String(name)) ?? String(name),
              ]}
              labelFormatter={(l) => `${xLabel} ${Number(l).toLocaleString("en-US")}`}
            />
            <Legend formatter={(v) => names.get(String(v)) ?? String(v)} wrapperStyle={{ fontSize: 12 }} />
            {devices.map((d, i) => (
              <Line
                key={d}
                type="monotone"
                dataKey={d}
                stroke={COLORS[i % COLORS.length]}
                strokeWidth={2}
                dot={{ r: 3 }}
                isAnimationActive={false}
                connectNulls={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </div>
  );
}

/** TTFT and decode tokens/s across batch sizes (at the chosen context) and context lengths (at the chosen batch). */
export function SimCharts({
  points,
  names,
  batch,
  contextTokens,
}: {
  points: TSimPoint[];
  names: Map<string, string>;
  batch: number;
  contextTokens: number;
}) {
  const devices = [...new Set(points.map((p) => p.device))];
  const byBatch = (m: TMetric) => series(points, devices, "batch", m, { contextTokens });
  const byCtx = (m: TMetric) => series(points, devices, "contextTokens", m, { batch });
  const common = { devices, names };
  return (
    <div className="grid2" data-testid="sim-charts" style={{ marginBottom: 14 }}>
      <Chart
        {...common}
        title={`TTFT vs batch size (context ${num(contextTokens)})`}
        testId="chart-ttft-batch"
        data={byBatch("ttftMs")}
        xLabel="batch"
        unit="ms"
      />
      <Chart
        {...common}
        title={`Decode tokens/s vs batch size (context ${num(contextTokens)})`}
        testId="chart-tps-batch"
        data={byBatch("decodeTokensPerS")}
        xLabel="batch"
        unit="tok/s"
      />
      <Chart
        {...common}
        title={`TTFT vs context length (batch ${batch})`}
        testId="chart-ttft-context"
        data={byCtx("ttftMs")}
        xLabel="context"
        unit="ms"
      />
      <Chart
        {...common}
        title={`Decode tokens/s vs context length (batch ${batch})`}
        testId="chart-tps-context"
        data={byCtx("decodeTokensPerS")}
        xLabel="context"
        unit="tok/s"
      />
    </div>
  );
}
