"use client";
// The usage dashboard, laid out like vLLM's Grafana "Overview": stat row, alerts, latency, throughput,
// saturation, per-model and per-key tables, revenue by model and day. All data comes from one tRPC
// query over the per-minute rollups; range and filters are in the URL; tiles share one crosshair.
import { useQuery } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useTRPC } from "@/trpc/client";
import { ms, num, PALETTE, pct, usd } from "./format";
import css from "./panels.module.css";
import { StatRow } from "./StatRow";
import { TimeChart } from "./TimeChart";
import { useDashboardParams } from "./useDashboardParams";

const PRESETS = ["15m", "1h", "6h", "24h", "7d", "30d"];
const SYNC = "aitk-usage";

export function Dashboard({ compact = false }: { compact?: boolean }) {
  const trpc = useTRPC();
  const { params, set } = useDashboardParams();
  const q = useQuery({
    ...trpc.usage.dashboard.queryOptions({
      range: params.range as "24h",
      model: params.model,
      apiKeyId: params.apiKeyId,
    }),
    refetchInterval: 30_000,
  });
  const d = q.data;
  const alerting = new Set(d?.alerts.map((a) => a.id) ?? []);
  const step = d?.range.stepMs ?? 60_000;
  return (
    <div data-testid="usage-dashboard">
      <div className={css.controls}>
        <fieldset className={css.presets} aria-label="Time range">
          {PRESETS.map((p) => (
            <button key={p} type="button" aria-pressed={params.range === p} onClick={() => set({ range: p })}>
              {p}
            </button>
          ))}
        </fieldset>
        <select
          aria-label="Model"
          value={params.model ?? ""}
          onChange={(e) => set({ model: e.target.value || null })}
        >
          <option value="">All models</option>
          {d?.choices.models.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
        <select
          aria-label="API key"
          value={params.apiKeyId ?? ""}
          onChange={(e) => set({ key: e.target.value || null })}
        >
          <option value="">All keys</option>
          {d?.choices.keys.map((k) => (
            <option key={k.id} value={k.id}>
              {k.name}
            </option>
          ))}
        </select>
        {q.isFetching && <span className="muted small">updating…</span>}
        {d && (
          <span className="muted small">
            {d.range.from.slice(0, 16).replace("T", " ")} → {d.range.to.slice(0, 16).replace("T", " ")} UTC,
            step {step / 60_000} min
          </span>
        )}
      </div>
      {q.error && <div className="alert error">{q.error.message}</div>}
      {d && (
        <>
          <StatRow stats={d.stats} alerting={alerting} />
          <div className={css.alerts} data-testid="alerts">
            {d.alerts.map((a) => (
              <div key={a.id} className={css.alert} role="alert">
                ⚠ {a.message}
              </div>
            ))}
          </div>
          <div className={css.grid2}>
            <TimeChart
              title="Time to first token (p50 / p95 / p99)"
              testId="chart-ttft"
              data={d.latency}
              stepMs={step}
              syncId={SYNC}
              format={ms}
              threshold={{ value: 500, label: "500 ms" }}
              series={[
                { key: "ttftP50", label: "p50" },
                { key: "ttftP95", label: "p95" },
                { key: "ttftP99", label: "p99" },
              ]}
            />
            <TimeChart
              title="End-to-end latency (p50 / p95 / p99)"
              data={d.latency}
              stepMs={step}
              syncId={SYNC}
              format={ms}
              series={[
                { key: "e2eP50", label: "p50" },
                { key: "e2eP95", label: "p95" },
                { key: "e2eP99", label: "p99" },
              ]}
            />
          </div>
          <div className={css.grid2}>
            <TimeChart
              title="Output tokens/s by model"
              data={d.outputTokensByModel.points}
              stepMs={step}
              syncId={SYNC}
              kind="area"
              stacked
              format={(v) => num(v)}
              series={d.outputTokensByModel.models.map((m) => ({ key: m }))}
            />
            <TimeChart
              title="Requests/s (ok, errors, rate-limited)"
              data={d.requests}
              stepMs={step}
              syncId={SYNC}
              kind="area"
              stacked
              format={(v) => num(v, 2)}
              series={[
                { key: "ok", color: "#1f8a4c" },
                { key: "errors", color: "#c53030" },
                { key: "rateLimited", label: "rate-limited", color: "#b7791f" },
              ]}
            />
          </div>
          {!compact && (
            <div className={css.grid2}>
              <TimeChart
                title="Saturation: in flight and waiting for first token (mean)"
                data={d.saturation}
                stepMs={step}
                syncId={SYNC}
                format={(v) => num(v, 2)}
                threshold={{ value: 200, label: "queue 200" }}
                series={[
                  { key: "inFlight", label: "in flight" },
                  { key: "queue", label: "queue (awaiting first token)" },
                ]}
              />
              <TimeChart
                title="Input tokens/s by model"
                data={d.inputTokensByModel.points}
                stepMs={step}
                syncId={SYNC}
                kind="area"
                stacked
                format={(v) => num(v)}
                series={d.inputTokensByModel.models.map((m) => ({ key: m }))}
              />
            </div>
          )}
          <div className={compact ? css.grid2 : undefined}>
            <div className="panel">
              <h2>Per model</h2>
              <table className={css.table} data-testid="per-model">
                <thead>
                  <tr>
                    <th>Model</th>
                    <th>Requests</th>
                    <th>req/s</th>
                    <th>In tokens</th>
                    <th>Out tokens</th>
                    <th>TTFT p95</th>
                    <th>E2E p95</th>
                    <th>Errors</th>
                    <th>Cost</th>
                  </tr>
                </thead>
                <tbody>
                  {d.perModel.map((m) => (
                    <tr key={m.model}>
                      <td>
                        <button type="button" className="linklike" onClick={() => set({ model: m.model })}>
                          {m.model}
                        </button>
                      </td>
                      <td>{num(m.requests)}</td>
                      <td>{num(m.requestsPerSec, 2)}</td>
                      <td>{num(m.promptTokens)}</td>
                      <td>{num(m.completionTokens)}</td>
                      <td className={m.ttftP95Ms && m.ttftP95Ms > 500 ? css.bad : ""}>{ms(m.ttftP95Ms)}</td>
                      <td>{ms(m.e2eP95Ms)}</td>
                      <td className={m.errorRatio > 0.01 ? css.bad : ""}>{pct(m.errorRatio)}</td>
                      <td>{usd(m.costUsd)}</td>
                    </tr>
                  ))}
                  {d.perModel.length === 0 && (
                    <tr>
                      <td colSpan={9} className="muted">
                        No traffic in this range.
                      </td>
                    </tr>
                  )}
                </tbody>
              </table>
            </div>
            {compact ? (
              <RevenueByDay d={d} />
            ) : (
              <div className="panel">
                <h2>Per API key</h2>
                <table className={css.table} data-testid="per-key">
                  <thead>
                    <tr>
                      <th>Key</th>
                      <th>Requests</th>
                      <th>In tokens</th>
                      <th>Out tokens</th>
                      <th>Rate-limited</th>
                      <th>Errors</th>
                      <th>Cost</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.perKey.map((k) => (
                      <tr key={k.apiKeyId ?? "none"}>
                        <td>
                          <button
                            type="button"
                            className="linklike"
                            onClick={() => set({ key: k.apiKeyId ?? "none" })}
                          >
                            {k.name}
                          </button>
                        </td>
                        <td>{num(k.requests)}</td>
                        <td>{num(k.promptTokens)}</td>
                        <td>{num(k.completionTokens)}</td>
                        <td>{num(k.rateLimited)}</td>
                        <td>{pct(k.errorRatio)}</td>
                        <td>{usd(k.costUsd)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
          {!compact && <RevenueByDay d={d} />}
        </>
      )}
    </div>
  );
}

type TDash = { revenueByDay: { models: string[]; points: Record<string, number>[] } };

export function RevenueByDay({ d }: { d: TDash }) {
  return (
    <div className="panel" data-testid="revenue-by-day">
      <h2>Revenue by model and day</h2>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={d.revenueByDay.points} margin={{ top: 4, right: 12, left: 0, bottom: 0 }}>
          <CartesianGrid stroke="#e2e5ea" vertical={false} />
          <XAxis
            dataKey="t"
            tickFormatter={(t: number) => new Date(t).toISOString().slice(5, 10)}
            fontSize={11}
          />
          <YAxis tickFormatter={(v: number) => usd(v)} fontSize={11} width={70} />
          <Tooltip
            labelFormatter={(t) => new Date(Number(t)).toISOString().slice(0, 10)}
            formatter={(v) => usd(Number(v))}
          />
          <Legend iconSize={8} wrapperStyle={{ fontSize: 11 }} />
          {d.revenueByDay.models.map((m, i) => (
            <Bar
              key={m}
              dataKey={m}
              stackId="rev"
              fill={PALETTE[i % PALETTE.length]}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
