// The dashboard's Grafana twin: the same rows (stat, latency, throughput, saturation, per-model,
// revenue) as PromQL over the gateway's own Prometheus metrics (apps/gateway/src/obs/metrics.ts), plus
// the Prometheus scrape config that collects them. Teams that run Grafana import the JSON and get
// the view the dashboard shows. Thresholds match the dashboard's alerts.
import { stringify } from "yaml";
import { THRESHOLDS } from "./panels";

export type TGrafanaOptions = {
  /** The org label value the gateway uses (the org slug); the `org` variable defaults to it. */
  orgSlug: string;
  title?: string;
  /** Prometheus job name of the gateway (must match the scrape config). */
  job?: string;
  /** Effective price, for the revenue estimate (USD per 1M tokens). */
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
};

type TTarget = { expr: string; legendFormat?: string; refId: string; instant?: boolean; format?: string };

const SEL = 'job=~"$job", org=~"$org", model=~"$model"';
const RATE = "$__rate_interval";

let nextId = 1;
function panel(
  title: string,
  type: "stat" | "timeseries" | "table" | "barchart",
  gridPos: { x: number; y: number; w: number; h: number },
  targets: Omit<TTarget, "refId">[],
  extra: Record<string, unknown> = {},
) {
  return {
    id: nextId++,
    title,
    type,
    gridPos,
    datasource: { type: "prometheus", uid: "${datasource}" },
    targets: targets.map((t, i) => ({ ...t, refId: String.fromCharCode(65 + i) })),
    ...extra,
  };
}

const thresholds = (red: number, unit: string) => ({
  fieldConfig: {
    defaults: {
      unit,
      thresholds: {
        mode: "absolute",
        steps: [
          { color: "green", value: null },
          { color: "red", value: red },
        ],
      },
    },
    overrides: [],
  },
});

const unit = (u: string) => ({ fieldConfig: { defaults: { unit: u }, overrides: [] } });

const quantile = (q: number, metric: string, by = "le") =>
  `histogram_quantile(${q}, sum by (${by}) (rate(${metric}_bucket{${SEL}}[${RATE}])))`;

export function grafanaDashboard(o: TGrafanaOptions) {
  nextId = 1;
  const job = o.job ?? "aitk-gateway";
  const w6 = (x: number, y: number, w = 4) => ({ x, y, w, h: 4 });
  const panels = [
    {
      id: nextId++,
      type: "row",
      title: "Overview",
      collapsed: false,
      gridPos: { x: 0, y: 0, w: 24, h: 1 },
      panels: [],
    },
    panel(
      "Requests/s",
      "stat",
      w6(0, 1),
      [{ expr: `sum(rate(gateway_requests_total{${SEL}}[${RATE}]))` }],
      unit("reqps"),
    ),
    panel("Input tok/s", "stat", w6(4, 1), [
      { expr: `sum(rate(gateway_tokens_total{${SEL}, type="prompt"}[${RATE}]))` },
    ]),
    panel("Output tok/s", "stat", w6(8, 1), [
      { expr: `sum(rate(gateway_tokens_total{${SEL}, type="completion"}[${RATE}]))` },
    ]),
    panel(
      "Error ratio",
      "stat",
      w6(12, 1),
      [
        {
          expr: `sum(rate(gateway_requests_total{${SEL}, outcome=~"upstream_error|error"}[${RATE}])) / clamp_min(sum(rate(gateway_requests_total{${SEL}}[${RATE}])), 1e-9)`,
        },
      ],
      thresholds(THRESHOLDS.errorRatio, "percentunit"),
    ),
    panel(
      "TTFT p95",
      "stat",
      w6(16, 1),
      [{ expr: quantile(0.95, "gateway_ttft_seconds") }],
      thresholds(THRESHOLDS.ttftP95Ms / 1000, "s"),
    ),
    panel(
      "Revenue today (est.)",
      "stat",
      w6(20, 1),
      [
        {
          expr: `(sum(increase(gateway_tokens_total{${SEL}, type="prompt"}[$__range])) * $input_usd_per_mtok + sum(increase(gateway_tokens_total{${SEL}, type="completion"}[$__range])) * $output_usd_per_mtok) / 1e6`,
        },
      ],
      unit("currencyUSD"),
    ),
    {
      id: nextId++,
      type: "row",
      title: "Latency",
      collapsed: false,
      gridPos: { x: 0, y: 5, w: 24, h: 1 },
      panels: [],
    },
    panel(
      "Time to first token",
      "timeseries",
      { x: 0, y: 6, w: 12, h: 8 },
      [0.5, 0.95, 0.99].map((q) => ({
        expr: quantile(q, "gateway_ttft_seconds"),
        legendFormat: `p${q * 100}`,
      })),
      thresholds(THRESHOLDS.ttftP95Ms / 1000, "s"),
    ),
    panel(
      "End-to-end latency",
      "timeseries",
      { x: 12, y: 6, w: 12, h: 8 },
      [0.5, 0.95, 0.99].map((q) => ({
        expr: quantile(q, "gateway_request_duration_seconds"),
        legendFormat: `p${q * 100}`,
      })),
      unit("s"),
    ),
    {
      id: nextId++,
      type: "row",
      title: "Throughput",
      collapsed: false,
      gridPos: { x: 0, y: 14, w: 24, h: 1 },
      panels: [],
    },
    panel("Tokens/s by model", "timeseries", { x: 0, y: 15, w: 12, h: 8 }, [
      {
        expr: `sum by (model, type) (rate(gateway_tokens_total{${SEL}}[${RATE}]))`,
        legendFormat: "{{model}} {{type}}",
      },
    ]),
    panel(
      "Requests/s by model and outcome",
      "timeseries",
      { x: 12, y: 15, w: 12, h: 8 },
      [
        {
          expr: `sum by (model, outcome) (rate(gateway_requests_total{${SEL}}[${RATE}]))`,
          legendFormat: "{{model}} {{outcome}}",
        },
      ],
      unit("reqps"),
    ),
    {
      id: nextId++,
      type: "row",
      title: "Saturation",
      collapsed: false,
      gridPos: { x: 0, y: 23, w: 24, h: 1 },
      panels: [],
    },
    panel("In flight", "timeseries", { x: 0, y: 24, w: 8, h: 8 }, [
      { expr: `sum by (model) (gateway_in_flight_requests{${SEL}})`, legendFormat: "{{model}}" },
    ]),
    panel("Rate-limited/s", "timeseries", { x: 8, y: 24, w: 8, h: 8 }, [
      {
        expr: `sum by (model) (rate(gateway_rate_limited_total{${SEL}}[${RATE}]))`,
        legendFormat: "{{model}}",
      },
    ]),
    panel(
      "Engine queue",
      "timeseries",
      { x: 16, y: 24, w: 8, h: 8 },
      [
        { expr: "sum(aitk_engine_queue_depth)", legendFormat: "queued" },
        { expr: "sum(aitk_engine_slots_busy)", legendFormat: "busy slots" },
      ],
      thresholds(THRESHOLDS.queue, "short"),
    ),
    {
      id: nextId++,
      type: "row",
      title: "Models and revenue",
      collapsed: false,
      gridPos: { x: 0, y: 32, w: 24, h: 1 },
      panels: [],
    },
    panel(
      "Per model",
      "table",
      { x: 0, y: 33, w: 12, h: 8 },
      [
        {
          expr: `sum by (model) (increase(gateway_requests_total{${SEL}}[$__range]))`,
          instant: true,
          format: "table",
        },
        {
          expr: `sum by (model) (increase(gateway_tokens_total{${SEL}}[$__range]))`,
          instant: true,
          format: "table",
        },
        {
          expr: `histogram_quantile(0.95, sum by (model, le) (rate(gateway_ttft_seconds_bucket{${SEL}}[$__range])))`,
          instant: true,
          format: "table",
        },
      ],
      { transformations: [{ id: "merge", options: {} }] },
    ),
    panel(
      "Revenue by model (est.)",
      "barchart",
      { x: 12, y: 33, w: 12, h: 8 },
      [
        {
          expr: `(sum by (model) (increase(gateway_tokens_total{${SEL}, type="prompt"}[1d])) * $input_usd_per_mtok + sum by (model) (increase(gateway_tokens_total{${SEL}, type="completion"}[1d])) * $output_usd_per_mtok) / 1e6`,
          legendFormat: "{{model}}",
        },
      ],
      { ...unit("currencyUSD"), interval: "1d" },
    ),
  ];
  return {
    __inputs: [{ name: "DS_PROMETHEUS", label: "Prometheus", type: "datasource", pluginId: "prometheus" }],
    title: o.title ?? `aitk / Overview (${o.orgSlug})`,
    uid: `aitk-overview-${o.orgSlug}`.slice(0, 40),
    tags: ["aitk", "llm", "gateway"],
    schemaVersion: 39,
    version: 1,
    editable: true,
    // Shared crosshair across panels, as in vLLM's Overview.
    graphTooltip: 1,
    refresh: "30s",
    time: { from: "now-1h", to: "now" },
    timepicker: { refresh_intervals: ["10s", "30s", "1m", "5m"] },
    templating: {
      list: [
        { name: "datasource", type: "datasource", query: "prometheus", current: {} },
        {
          name: "job",
          type: "custom",
          query: job,
          current: { text: job, value: job },
          options: [{ text: job, value: job, selected: true }],
        },
        {
          name: "org",
          type: "query",
          datasource: { type: "prometheus", uid: "${datasource}" },
          query: "label_values(gateway_requests_total, org)",
          current: { text: o.orgSlug, value: o.orgSlug },
          refresh: 2,
        },
        {
          name: "model",
          type: "query",
          datasource: { type: "prometheus", uid: "${datasource}" },
          query: 'label_values(gateway_requests_total{org=~"$org"}, model)',
          includeAll: true,
          multi: true,
          allValue: ".*",
          current: { text: "All", value: "$__all" },
          refresh: 2,
        },
        { name: "input_usd_per_mtok", type: "constant", query: String(o.inputUsdPerMTok), hide: 2 },
        { name: "output_usd_per_mtok", type: "constant", query: String(o.outputUsdPerMTok), hide: 2 },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

export type TScrapeTargets = { gateway: string[]; engine?: string[]; job?: string; intervalSeconds?: number };

/** prometheus.yml scraping the gateway (and the embedded engine when given). */
export function prometheusScrapeConfig(t: TScrapeTargets): string {
  const interval = `${t.intervalSeconds ?? 5}s`;
  const scrape_configs: Record<string, unknown>[] = [
    {
      job_name: t.job ?? "aitk-gateway",
      scrape_interval: interval,
      metrics_path: "/metrics",
      static_configs: [{ targets: t.gateway }],
    },
  ];
  if (t.engine?.length)
    scrape_configs.push({
      job_name: "aitk-engine",
      scrape_interval: interval,
      metrics_path: "/metrics",
      static_configs: [{ targets: t.engine }],
    });
  return `# Prometheus scrape config for aitk (generated by the dashboard export)\n${stringify({
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs,
  })}`;
}
