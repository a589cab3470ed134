import type { Registry } from "prom-client";

/**
 * Counters, gauges and histograms for the request path, registered in a prom-client Registry (so
 * /metrics prints them beside the process metrics, in the same text format). prom-client hashes the
 * label values into a string key on every inc/observe, even through `labels()` children; here a child
 * is a plain object bumped in place, and labels are only formatted when /metrics is scraped. In
 * bench/gateway prom-client's hashing was ~10 % of what the gateway allocated per request.
 */

type TLabels = Record<string, string>;
type TValue = { labels: TLabels; value: number; metricName?: string; sharedLabels?: TLabels };
type TMetricJson = { name: string; help: string; type: string; values: TValue[]; aggregator: string };

abstract class Family<C> {
  readonly aggregator = "sum";
  protected readonly cells = new Map<string, { labels: TLabels; cell: C }>();
  abstract readonly type: string;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    (registry as unknown as { registerMetric(m: unknown): void }).registerMetric(this);
  }

  protected abstract make(): C;

  /** The cell for these label values (in labelNames order); callers keep it, so this runs rarely. */
  labels(...values: string[]): C {
    const id = values.join("\u0000");
    let e = this.cells.get(id);
    if (!e) {
      const labels: TLabels = {};
      for (let i = 0; i < this.labelNames.length; i++) labels[this.labelNames[i]!] = values[i] ?? "";
      e = { labels, cell: this.make() };
      this.cells.set(id, e);
    }
    return e.cell;
  }

  abstract get(): TMetricJson;
}

export class CounterCell {
  value = 0;
  inc(n = 1): void {
    this.value += n;
  }
}

export class GaugeCell extends CounterCell {
  dec(n = 1): void {
    this.value -= n;
  }
}

export class HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }
  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    if (i < b.length) this.counts[i]!++;
    this.sum += v;
    this.count++;
  }
}

/** Families whose cells hold one number each (counters and gauges). */
abstract class ScalarFamily<C extends CounterCell> extends Family<C> {
  get(): TMetricJson {
    const values: TValue[] = [];
    for (const { labels, cell } of this.cells.values()) values.push({ labels, value: cell.value });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

export class HotCounter extends ScalarFamily<CounterCell> {
  readonly type = "counter";
  protected make(): CounterCell {
    return new CounterCell();
  }
}

export class HotGauge extends ScalarFamily<GaugeCell> {
  readonly type = "gauge";
  protected make(): GaugeCell {
    return new GaugeCell();
  }
}

export class HotHistogram extends Family<HistogramCell> {
  readonly type = "histogram";
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
  }
  protected make(): HistogramCell {
    return new HistogramCell(this.bounds);
  }
  private one: HistogramCell | null = null;
  /** Unlabelled histograms: the one cell. */
  observe(v: number): void {
    if (!this.one) this.one = this.labels();
    this.one.observe(v);
  }
  get(): TMetricJson {
    const values: TValue[] = [];
    for (const { labels, cell } of this.cells.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += cell.counts[i]!;
        // `le` first, the rest as shared labels: the order prom-client's own histograms print.
        values.push({
          labels: { le: String(this.bounds[i]) },
          sharedLabels: labels,
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({
        labels: { le: "+Inf" },
        sharedLabels: labels,
        value: cell.count,
        metricName: `${this.name}_bucket`,
      });
      values.push({ labels, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: cell.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
