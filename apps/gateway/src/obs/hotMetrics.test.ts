import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { HotCounter, HotGauge, HotHistogram } from "./hotMetrics";

describe("hot metrics in a prom-client registry", () => {
  it("print counters, gauges and cumulative histogram buckets in the Prometheus text format", async () => {
    const registry = new Registry();
    const c = new HotCounter("t_requests_total", "Requests", ["model", "org"], registry);
    const g = new HotGauge("t_in_flight", "In flight", ["model"], registry);
    const h = new HotHistogram("t_seconds", "Latency", ["model"], [0.1, 1], registry);
    const u = new HotHistogram("t_overhead_seconds", "Overhead", [], [0.5], registry);
    const cell = c.labels("m", 'a"b');
    cell.inc();
    cell.inc(2);
    expect(c.labels("m", 'a"b')).toBe(cell);
    g.labels("m").inc();
    g.labels("m").inc();
    g.labels("m").dec();
    const hc = h.labels("m");
    for (const v of [0.05, 0.1, 0.5, 3]) hc.observe(v);
    u.observe(0.2);
    const text = await registry.metrics();
    expect(text).toContain("# TYPE t_requests_total counter");
    expect(text).toContain('t_requests_total{model="m",org="a\\"b"} 3');
    expect(text).toContain('t_in_flight{model="m"} 1');
    expect(text).toContain("# TYPE t_seconds histogram");
    expect(text).toContain('t_seconds_bucket{le="0.1",model="m"} 2');
    expect(text).toContain('t_seconds_bucket{le="1",model="m"} 3');
    expect(text).toContain('t_seconds_bucket{le="+Inf",model="m"} 4');
    expect(text).toContain('t_seconds_sum{model="m"} 3.65');
    expect(text).toContain('t_seconds_count{model="m"} 4');
    expect(text).toContain('t_overhead_seconds_bucket{le="0.5"} 1');
    expect(text).toContain("t_overhead_seconds_count 1");
  });
});
