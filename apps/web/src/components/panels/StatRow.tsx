// The stat row of vLLM's Overview: rates over the selected range, TTFT p95, error ratio, revenue today.
import { ms, num, pct, usd } from "./format";
import css from "./panels.module.css";

export type TStatsView = {
  requestsPerSec: number;
  inputTokensPerSec: number;
  outputTokensPerSec: number;
  errorRatio: number;
  ttftP95Ms: number | null;
  e2eP95Ms: number | null;
  revenueTodayUsd: number;
  costUsd: number;
  requests: number;
};

export function StatRow({ stats, alerting }: { stats: TStatsView; alerting: Set<string> }) {
  const tiles: { label: string; value: string; bad?: boolean; id: string }[] = [
    { id: "rps", label: "Requests/s", value: num(stats.requestsPerSec, 2) },
    { id: "in", label: "Input tok/s", value: num(stats.inputTokensPerSec) },
    { id: "out", label: "Output tok/s", value: num(stats.outputTokensPerSec) },
    { id: "err", label: "Error ratio", value: pct(stats.errorRatio), bad: alerting.has("errors") },
    { id: "ttft", label: "TTFT p95", value: ms(stats.ttftP95Ms), bad: alerting.has("ttft") },
    { id: "rev", label: "Revenue today", value: usd(stats.revenueTodayUsd) },
  ];
  return (
    <div className={css.statRow} data-testid="stat-row">
      {tiles.map((t) => (
        <div key={t.id} className="panel" data-testid={`stat-${t.id}`}>
          <div className="muted small">{t.label}</div>
          <div className={`stat ${t.bad ? css.bad : ""}`}>{t.value}</div>
        </div>
      ))}
    </div>
  );
}
