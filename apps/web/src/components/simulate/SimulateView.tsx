"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, useMemo, useState } from "react";
import { JobLive } from "@/app/(dashboard)/jobs/JobLive";
import { ago, Badge, FormError } from "@/components/forms";
import type { TSimPoint } from "@/server/services/simulate";
import { errorMessage, useTRPC } from "@/trpc/client";
import { SimCharts } from "./Charts";
import { int, parseList } from "./format";
import { Verdicts } from "./Verdict";
import { EmptyRow, THead } from "@/components/ui/table";

type TForm = {
  devices: string[];
  model: string;
  quant: string;
  engine: string;
  batch: number;
  context: number;
  outputTokens: number;
  tp: number;
  batches: number[];
  contexts: number[];
};

type TSweepInput = {
  base: {
    device: string;
    model: string;
    quant?: string;
    engine?: string;
    batch: number;
    promptTokens: number;
    outputTokens: number;
    tp: number;
  };
  vary: { device: string[]; batch: number[]; promptTokens: number[] };
};

const DEFAULT_DEVICES = ["nvidia-h100-sxm5-80gb", "nvidia-a100-sxm4-80gb"];
const DEFAULT_BATCHES = "1, 2, 4, 8, 16, 32, 64, 128";
const DEFAULT_CONTEXTS = "512, 1024, 2048, 4096, 8192, 16384, 32768";

/** The chosen point's batch and context always belong to the sweep, so its verdict is in the points. */
function toSweep(f: TForm): TSweepInput {
  const withBase = (xs: number[], x: number) => [...new Set([...xs, x])].sort((a, b) => a - b);
  return {
    base: {
      device: f.devices[0] ?? "",
      model: f.model,
      ...(f.quant ? { quant: f.quant } : {}),
      ...(f.engine ? { engine: f.engine } : {}),
      batch: f.batch,
      promptTokens: f.context,
      outputTokens: f.outputTokens,
      tp: f.tp,
    },
    vary: {
      device: f.devices,
      batch: withBase(f.batches, f.batch),
      promptTokens: withBase(f.contexts, f.context),
    },
  };
}

const sizeOf = (s: TSweepInput) => s.vary.device.length * s.vary.batch.length * s.vary.promptTokens.length;

function Results({
  points,
  warnings,
  names,
  batch,
  context,
  note,
}: {
  points: TSimPoint[];
  warnings: string[];
  names: Map<string, string>;
  batch: number;
  context: number;
  note: string;
}) {
  const chosen = points.filter((p) => p.batch === batch && p.contextTokens === context);
  return (
    <div data-testid="sim-results">
      <p className="muted small">{note}</p>
      <Verdicts points={chosen} names={names} />
      <SimCharts points={points} names={names} batch={batch} contextTokens={context} />
      {warnings.length > 0 && (
        <details className="panel">
          <summary className="small">{warnings.length} notes from the simulator</summary>
          <ul className="small">
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

export function SimulateView() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const simId = useSearchParams().get("sim");
  const catalog = useQuery({ ...trpc.simulate.catalog.queryOptions(), staleTime: Number.POSITIVE_INFINITY });
  const names = useMemo(
    () => new Map((catalog.data?.devices ?? []).map((d) => [d.id, d.name] as [string, string])),
    [catalog.data],
  );
  const [devices, setDevices] = useState<string[]>(DEFAULT_DEVICES);
  const [filter, setFilter] = useState("");
  const [formError, setFormError] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState<{ form: TForm; sweep: TSweepInput } | null>(null);
  const limit = catalog.data?.limits.inlinePoints ?? 500;
  const inline = submitted && sizeOf(submitted.sweep) <= limit ? submitted.sweep : null;
  const run = useQuery({
    ...trpc.simulate.run.queryOptions({ sweep: inline ?? undefined }, { enabled: Boolean(inline) }),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const startSweep = useMutation(
    trpc.simulate.sweep.mutationOptions({
      onSuccess: (s) => {
        qc.invalidateQueries({ queryKey: trpc.simulate.list.queryKey() });
        router.replace(`/simulate?sim=${encodeURIComponent(s.id)}`);
      },
    }),
  );
  const stored = useQuery({
    ...trpc.simulate.get.queryOptions({ id: simId ?? "" }, { enabled: Boolean(simId) }),
  });
  const recent = useQuery(trpc.simulate.list.queryOptions({ limit: 10 }));

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const s = (k: string) => String(f.get(k) ?? "").trim();
    const n = (k: string, d: number) => (s(k) === "" ? d : Number(s(k)));
    const batches = parseList(s("batches"));
    const contexts = parseList(s("contexts"));
    if (devices.length === 0) return setFormError("pick at least one device");
    if (!batches) return setFormError("batch sizes: use whole numbers separated by commas");
    if (!contexts) return setFormError("context lengths: use whole numbers separated by commas");
    setFormError(null);
    const form: TForm = {
      devices,
      model: s("model"),
      quant: s("quant"),
      engine: s("engine"),
      batch: n("batch", 1),
      context: n("context", 1024),
      outputTokens: n("outputTokens", 128),
      tp: n("tp", 1),
      batches,
      contexts,
    };
    const sweep = toSweep(form);
    setSubmitted({ form, sweep });
    if (simId) router.replace("/simulate");
    if (sizeOf(sweep) > limit)
      startSweep.mutate({ sweep, name: `${form.model} on ${devices.length} devices` });
  }

  const shown = catalog.data?.devices.filter(
    (d) =>
      devices.includes(d.id) ||
      !filter ||
      `${d.name} ${d.id} ${d.aliases.join(" ")}`.toLowerCase().includes(filter.toLowerCase()),
  );
  const points = submitted ? sizeOf(submitted.sweep) : 0;
  const storedSweep = stored.data?.input as TSweepInput | null | undefined;
  const runError = run.error ?? startSweep.error;

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Simulate</h1>
          <p className="sub">
            Memory fit, latency, throughput and power of a model on hardware you may not own — devices side by
            side.
          </p>
        </div>
      </div>
      <form className="panel" onSubmit={onSubmit} noValidate data-testid="sim-form">
        <div style={{ display: "grid", gridTemplateColumns: "minmax(0, 1.1fr) minmax(0, 1fr)", gap: 18 }}>
          <div>
            <div className="row" style={{ marginBottom: 6 }}>
              <h2 style={{ margin: 0 }}>Devices</h2>
              <span className="muted small">{devices.length} selected</span>
              <span className="spacer" />
              <input
                placeholder="Filter devices…"
                aria-label="Filter devices"
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
                style={{ width: 180 }}
              />
            </div>
            <div
              data-testid="sim-devices"
              style={{
                display: "grid",
                gridTemplateColumns: "1fr 1fr",
                gap: "2px 12px",
                maxHeight: 240,
                overflowY: "auto",
                border: "1px solid var(--line)",
                borderRadius: 5,
                padding: 8,
              }}
            >
              {catalog.isLoading && <span className="muted small">loading catalog…</span>}
              {shown?.map((d) => (
                <label
                  key={d.id}
                  className="inline small"
                  title={`${d.id} · ${d.memoryGB} GB · ${d.memBwGBps} GB/s`}
                >
                  <input
                    type="checkbox"
                    checked={devices.includes(d.id)}
                    onChange={(e) =>
                      setDevices((prev) =>
                        e.target.checked ? [...prev, d.id] : prev.filter((x) => x !== d.id),
                      )
                    }
                  />
                  <span>
                    {d.name} <span className="muted">{d.memoryGB} GB</span>
                  </span>
                </label>
              ))}
            </div>
          </div>
          <div
            className="sim-fields"
            style={{ display: "grid", gridTemplateColumns: "1fr 1fr", gap: 10, alignContent: "start" }}
          >
            <style>{".sim-fields label{min-width:0}.sim-fields input,.sim-fields select{width:100%}"}</style>
            <label style={{ gridColumn: "1 / 3" }}>
              Model
              <select
                name="model"
                aria-label="Model"
                defaultValue="llama-3.1-8b"
                key={catalog.data ? "ready" : "loading"}
              >
                {catalog.data?.models.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Quantization
              <select
                name="quant"
                aria-label="Quantization"
                defaultValue=""
                key={catalog.data ? "q-ready" : "q-loading"}
              >
                <option value="">engine default</option>
                {catalog.data?.quants.map((q) => (
                  <option key={q.id} value={q.id}>
                    {q.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Engine
              <select
                name="engine"
                aria-label="Engine"
                defaultValue=""
                key={catalog.data ? "e-ready" : "e-loading"}
              >
                <option value="">default for the device</option>
                {catalog.data?.engines.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Batch
              <input name="batch" defaultValue="8" inputMode="numeric" />
            </label>
            <label>
              Context (prompt tokens)
              <input name="context" defaultValue="2048" inputMode="numeric" />
            </label>
            <label>
              Output tokens
              <input name="outputTokens" defaultValue="128" inputMode="numeric" />
            </label>
            <label>
              Tensor parallel (GPUs)
              <input name="tp" defaultValue="1" inputMode="numeric" />
            </label>
          </div>
        </div>
        <div className="row" style={{ marginTop: 12, alignItems: "flex-end" }}>
          <label style={{ flex: 1 }}>
            Batch sizes to chart
            <input name="batches" defaultValue={DEFAULT_BATCHES} />
          </label>
          <label style={{ flex: 1 }}>
            Context lengths to chart
            <input name="contexts" defaultValue={DEFAULT_CONTEXTS} />
          </label>
          <button className="primary" type="submit" disabled={run.isFetching || startSweep.isPending}>
            Simulate
          </button>
        </div>
        <p className="muted small" style={{ marginTop: 6 }}>
          Up to {limit} points answer instantly; bigger sweeps (≤{" "}
          {int(catalog.data?.limits.sweepMax ?? 20000)}) run as a background job.
          {catalog.data &&
            ` Calibration: ${catalog.data.calibration.rows} measured runs, fitted ${catalog.data.calibration.fittedAt}.`}
        </p>
        {formError && <div className="alert error">{formError}</div>}
        <FormError error={runError} fields={[]} />
      </form>

      {run.isFetching && <p className="muted">Simulating {points} points…</p>}
      {inline && run.data && submitted && (
        <Results
          points={run.data.points}
          warnings={run.data.warnings}
          names={names}
          batch={submitted.form.batch}
          context={submitted.form.context}
          note={`${run.data.points.length} points in ${run.data.ms} ms`}
        />
      )}

      {simId && (
        <>
          {stored.data?.jobId && (
            <JobLive
              jobId={stored.data.jobId}
              onEnd={() => {
                qc.invalidateQueries({ queryKey: trpc.simulate.get.queryKey({ id: simId }) });
                qc.invalidateQueries({ queryKey: trpc.simulate.list.queryKey() });
              }}
            />
          )}
          {stored.error && <div className="alert error">{errorMessage(stored.error)}</div>}
          {stored.data?.error && <div className="alert error">{stored.data.error}</div>}
          {stored.data?.result && storedSweep && (
            <Results
              points={stored.data.result.points}
              warnings={stored.data.result.warnings}
              names={names}
              batch={storedSweep.base.batch}
              context={storedSweep.base.promptTokens}
              note={`Stored sweep ${stored.data.name ?? stored.data.id}: ${stored.data.result.points.length} points in ${stored.data.result.ms} ms`}
            />
          )}
        </>
      )}

      <div className="panel">
        <h2>Background sweeps</h2>
        <table data-testid="sim-list">
          <THead columns={["Sweep", "Points", "Status", "Created"]} />
          <tbody>
            {recent.data?.items.map((s) => (
              <tr key={s.id} className={s.id === simId ? "selected" : ""}>
                <td>
                  <a href={`/simulate?sim=${s.id}`}>{s.name ?? s.id.slice(0, 12)}</a>
                </td>
                <td>{int(s.points)}</td>
                <td>
                  <Badge value={s.status} />
                </td>
                <td className="small">{ago(s.createdAt)}</td>
              </tr>
            ))}
            {recent.data?.items.length === 0 && (
              <EmptyRow span={4}>None yet: sweeps over {limit} points run here.</EmptyRow>
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}
