"use client";
// One time-series tile. Every tile of a dashboard passes the same syncId, so hovering one moves the
// crosshair on all of them (Grafana's shared crosshair); series share x values, so sync by value.
import {
  Area,
  AreaChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { PALETTE, timeLabel } from "./format";

export type TSeries = { key: string; label?: string; color?: string };

export function TimeChart({
  title,
  data,
  series,
  stepMs,
  syncId,
  kind = "line",
  stacked = false,
  format = (v: number) => String(v),
  threshold,
  height = 200,
  testId,
}: {
  title: string;
  data: Record<string, number | null>[];
  series: TSeries[];
  stepMs: number;
  syncId: string;
  kind?: "line" | "area";
  stacked?: boolean;
  format?: (v: number) => string;
  threshold?: { value: number; label: string };
  height?: number;
  testId?: string;
}) {
  const Chart = kind === "area" ? AreaChart : LineChart;
  return (
    <div className="panel chart-panel" data-testid={testId}>
      <h2>{title}</h2>
      <ResponsiveContainer width="100%" height={height}>
        <Chart
          data={data}
          syncId={syncId}
          syncMethod="value"
          margin={{ top: 4, right: 12, left: 0, bottom: 0 }}
        >
          <CartesianGrid stroke="#e2e5ea" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={["dataMin", "dataMax"]}
            tickFormatter={(t: number) => timeLabel(t, stepMs)}
            fontSize={11}
            minTickGap={40}
          />
          <YAxis tickFormatter={format} fontSize={11} width={56} />
          <Tooltip
            labelFormatter={(t) => new Date(Number(t)).toISOString().replace("T", " ").slice(0, 16)}
            formatter={(v) => (typeof v === "number" ? format(v) : String(v ?? "–"))}
          />
          {series.length > 1 && <Legend iconSize={8} wrapperStyle={{ fontSize: 11 }} />}
          {threshold && (
            <ReferenceLine
              y={threshold.value}
              stroke="#c53030"
              strokeDasharray="4 3"
              label={{ value: threshold.label, fontSize: 10, fill: "#c53030", position: "insideTopRight" }}
            />
          )}
          {series.map((s, i) =>
            kind === "area" ? (
              <Area
                key={s.key}
                dataKey={s.key}
                name={s.label ?? s.key}
                stackId={stacked ? "1" : undefined}
                stroke={s.color ?? PALETTE[i % PALETTE.length]}
                fill={s.color ?? PALETTE[i % PALETTE.length]}
                fillOpacity={0.25}
                isAnimationActive={false}
                dot={false}
              />
            ) : (
              <Line
                key={s.key}
                dataKey={s.key}
                name={s.label ?? s.key}
                stroke={s.color ?? PALETTE[i % PALETTE.length]}
                isAnimationActive={false}
                dot={false}
                connectNulls
                strokeWidth={1.6}
              />
            ),
          )}
        </Chart>
      </ResponsiveContainer>
    </div>
  );
}
