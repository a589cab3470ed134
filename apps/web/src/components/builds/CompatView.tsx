"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Badge } from "@/components/forms";
import { errorField, errorMessage, useTRPC } from "@/trpc/client";
import { EmptyRow, THead } from "@/components/ui/table";

const ENGINES = ["", "vllm", "tgi", "tensorrt-llm", "llama.cpp"] as const;

type TFilters = { engine: string; version: string; cuda: string; target: string; q: string };

export function CompatView() {
  const trpc = useTRPC();
  const [f, setF] = useState<TFilters>({ engine: "", version: "", cuda: "", target: "", q: "" });
  const input = Object.fromEntries(Object.entries(f).filter(([, v]) => v.trim() !== "")) as Parameters<
    typeof trpc.compat.graph.queryOptions
  >[0];
  const graph = useQuery({ ...trpc.compat.graph.queryOptions(input), placeholderData: (prev) => prev });
  const all = useQuery({ ...trpc.compat.graph.queryOptions({}), staleTime: Number.POSITIVE_INFINITY });
  const set = (k: keyof TFilters) => (e: { target: { value: string } }) =>
    setF((x) => ({ ...x, [k]: e.target.value }));
  const bad = errorField(graph.error);
  const g = graph.data;
  const provenance = (g?.provenance ?? null) as { inputs?: Record<string, unknown>; notes?: string[] } | null;

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Compatibility</h1>
          <p className="sub">
            What the Dockerfile.ai resolver knows: engine@version → PyTorch → CUDA → cuDNN / base images →
            driver floor, and which targets each engine runs on.
          </p>
        </div>
      </div>
      <div className="panel row" data-testid="compat-filters" style={{ alignItems: "flex-end" }}>
        <label>
          Engine
          <select value={f.engine} onChange={set("engine")} aria-label="Engine">
            {ENGINES.map((e) => (
              <option key={e} value={e}>
                {e || "all engines"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Engine version
          <input
            value={f.version}
            onChange={set("version")}
            placeholder="0.6.4"
            size={9}
            aria-invalid={bad === "version" || undefined}
          />
        </label>
        <label>
          CUDA
          <input
            value={f.cuda}
            onChange={set("cuda")}
            placeholder="12.4"
            size={6}
            aria-invalid={bad === "cuda" || undefined}
          />
        </label>
        <label>
          Target
          <select value={f.target} onChange={set("target")} aria-label="Target">
            <option value="">all targets</option>
            {all.data?.targets.map((t) => (
              <option key={t.name} value={t.name}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        <label style={{ flex: 1 }}>
          Search
          <input value={f.q} onChange={set("q")} placeholder="torch 2.4, ubuntu22.04, issue #…" />
        </label>
        <span className="muted small">{g ? `${g.counts.rows} of ${g.counts.total} rows` : ""}</span>
      </div>
      {graph.error && <div className="alert error">{errorMessage(graph.error)}</div>}

      <div className="panel">
        <h2>Engines → PyTorch → CUDA → images → driver</h2>
        <table data-testid="compat-rows">
          <THead
            columns={[
              "Engine",
              "Versions",
              "PyTorch",
              "CUDA paths (wheel · cuDNN · images · driver ≥)",
              "Provenance",
            ]}
          />
          <tbody>
            {g?.rows.map((r) => (
              <tr key={`${r.engine}-${r.versions}`} data-engine={r.engine}>
                <td>
                  <strong>{r.engine}</strong>
                </td>
                <td className="mono">{r.versions}</td>
                <td className="mono">
                  {r.torch ?? "—"}
                  {r.python && <div className="muted small">python {r.python}</div>}
                  {r.tensorrt && <div className="muted small">TensorRT {r.tensorrt}</div>}
                  {r.rocm && <div className="muted small">ROCm {r.rocm}</div>}
                </td>
                <td className="small">
                  {r.baseImage && <div className="mono">{r.baseImage}</div>}
                  {r.cuda.slice(0, 4).map((c) => (
                    <div key={`${c.cuda}-${c.wheel}`}>
                      <strong>CUDA {c.cuda}</strong>
                      {c.wheel ? ` · ${c.wheel}` : ""}
                      {c.cudnn.length ? ` · cuDNN ${c.cudnn.join("/")}` : ""} · driver ≥ {c.driverFloor}
                      {c.images.length > 0 && (
                        <div className="muted mono" title={c.images.map((i) => i.tag).join("\n")}>
                          {c.images[c.images.length - 1]?.tag}
                          {c.images.length > 1 ? ` (+${c.images.length - 1})` : ""}
                        </div>
                      )}
                    </div>
                  ))}
                  {r.cuda.length > 4 && <div className="muted">+{r.cuda.length - 4} more CUDA variants</div>}
                  {r.cuda.length === 0 && !r.baseImage && (
                    <span className="muted">no CUDA path for this filter</span>
                  )}
                </td>
                <td className="small" style={{ maxWidth: 300 }}>
                  <Badge
                    value={r.confidence}
                    kind={r.confidence === "high" ? "ok" : r.confidence === "low" ? "bad" : "warn"}
                  />{" "}
                  {r.provenance}
                </td>
              </tr>
            ))}
            {g?.rows.length === 0 && <EmptyRow span={5}>Nothing matches these filters.</EmptyRow>}
          </tbody>
        </table>
      </div>

      <div className="panel">
        <h2>Targets</h2>
        <table data-testid="compat-targets">
          <thead>
            <tr>
              <th>Target</th>
              <th>Platform</th>
              <th>Arch</th>
              <th>Floor</th>
              {Object.keys(g?.targets[0]?.engines ?? {}).map((e) => (
                <th key={e}>{e}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {g?.targets.map((t) => (
              <tr key={t.name}>
                <td>
                  {t.label}
                  <div className="muted small mono">{t.name}</div>
                </td>
                <td className="small mono">{t.platform}</td>
                <td className="small mono">
                  {t.computeCapability ? `sm ${t.computeCapability}` : (t.gfx ?? t.vendor)}
                </td>
                <td className="small">
                  {t.floor ? `torch ≥ ${t.floor.minTorch}, CUDA ≥ ${t.floor.minCuda}` : "–"}
                </td>
                {Object.entries(t.engines).map(([e, s]) => (
                  <td key={e} title={s.reason ?? ""}>
                    <Badge
                      value={s.level}
                      kind={s.level === "yes" ? "ok" : s.level === "no" ? "bad" : "warn"}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <div className="grid2">
        <div className="panel">
          <h2>PyTorch releases</h2>
          <table>
            <THead columns={["torch", "Python", "CUDA (stable / experimental)", "ROCm"]} />
            <tbody>
              {g?.torch.map((t) => (
                <tr key={t.torch}>
                  <td className="mono">{t.torch}</td>
                  <td className="small">{t.python}</td>
                  <td className="small mono">
                    {t.cudaStable.join(", ")}
                    {t.cudaExperimental.length ? ` / ${t.cudaExperimental.join(", ")}` : ""}
                  </td>
                  <td className="small mono">{t.rocm ?? "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="panel">
          <h2>CUDA toolkit → minimum driver</h2>
          <table style={{ display: "block", maxHeight: 320, overflowY: "auto" }}>
            <tbody>
              {g?.drivers.map((d) => (
                <tr key={d.cuda}>
                  <td className="mono">{d.cuda}</td>
                  <td className="mono">{d.driver}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2 style={{ marginTop: 12 }}>Provenance</h2>
          <ul className="small">
            {Object.entries(provenance?.inputs ?? {}).map(([name, v]) => (
              <li key={name}>
                <span className="mono">{name}</span>{" "}
                <span className="muted" style={{ wordBreak: "break-all" }}>
                  {JSON.stringify(v).slice(0, 400)}
                </span>
              </li>
            ))}
            {provenance?.notes?.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </div>
      </div>
    </>
  );
}
