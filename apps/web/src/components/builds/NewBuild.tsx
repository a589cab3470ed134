"use client";

import { QUANTIZE_VALUES } from "@aitk/core/build/vocabulary";
import { useMutation, useQuery } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { Field, FormError, invalid } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";
import { ResolutionView, SbomView, ScanView } from "./PlanViews";

const STARTER = `FROM ai-base:2026
MODEL meta-llama/Llama-3.2-1B-instruct
QUANTIZE q4_k_m
ENGINE llama.cpp
OBSERVABILITY otel
TARGET nvidia-h100
AUTO_REQ true
`;

// "" keeps the QUANTIZE that the Dockerfile.ai itself says.
const QUANTIZE = ["", ...QUANTIZE_VALUES];

/** "Dockerfile.ai:3:1: …" → { line: 3, column: 1 } for marking the editor. */
function positionOf(err: unknown): { line: number; column: number } | null {
  const m = err instanceof TRPCClientError ? /Dockerfile\.ai:(\d+):(\d+)/.exec(err.message) : null;
  return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
}

export function NewBuild() {
  const trpc = useTRPC();
  const router = useRouter();
  const hosts = useQuery(trpc.hosts.list.queryOptions());
  const [text, setText] = useState(STARTER);
  const [opts, setOpts] = useState({
    tag: "llama-3.2-1b:q4",
    hostId: "",
    cuda: "",
    quantize: "",
    optimize: "",
    securityScan: true,
    allowExperimental: false,
  });
  const dry = useMutation(trpc.builds.dryRun.mutationOptions());
  const create = useMutation(
    trpc.builds.create.mutationOptions({ onSuccess: (b) => router.push(`/builds/${b.id}`) }),
  );
  const planInput = {
    dockerfileAi: text,
    ...(opts.cuda ? { cuda: opts.cuda } : {}),
    ...(opts.quantize ? { quantize: opts.quantize as "q4_k_m" } : {}),
    ...(opts.optimize ? { optimize: opts.optimize as "for-speed" } : {}),
    allowExperimental: opts.allowExperimental,
  };
  const key = JSON.stringify(planInput);
  // Live preview: re-plan 400 ms after the last keystroke.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the serialized input is the dependency
  useEffect(() => {
    const t = setTimeout(() => dry.mutate(planInput), 400);
    return () => clearTimeout(t);
  }, [key]);

  const pos = positionOf(dry.error);
  const lines = text.split("\n");
  const set = (k: keyof typeof opts) => (e: { target: { value: string } }) =>
    setOpts((o) => ({ ...o, [k]: e.target.value }));

  return (
    <>
      <div className="page-head">
        <div>
          <h1>New build</h1>
          <p className="sub">
            Write a Dockerfile.ai; the preview resolves it as you type. Nothing is built until you start it.
          </p>
        </div>
      </div>
      <div style={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr) minmax(0, 1fr)", gap: 14 }}>
        <div className="panel">
          <Field label="Dockerfile.ai" name="dockerfileAi" error={create.error}>
            <div
              style={{ display: "flex", border: "1px solid #cfd4dc", borderRadius: 5, overflow: "hidden" }}
            >
              <pre
                aria-hidden
                className="mono muted"
                style={{
                  margin: 0,
                  padding: "6px 6px",
                  background: "#f3f4f6",
                  textAlign: "right",
                  lineHeight: "18px",
                }}
              >
                {lines.map((_, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: line numbers
                  <div key={i} style={{ color: pos?.line === i + 1 ? "var(--bad)" : undefined }}>
                    {i + 1}
                  </div>
                ))}
              </pre>
              <textarea
                name="dockerfileAi"
                data-testid="dockerfile-editor"
                spellCheck={false}
                value={text}
                onChange={(e) => setText(e.target.value)}
                rows={Math.max(14, lines.length + 1)}
                className="mono"
                aria-invalid={pos ? true : invalid(create.error, "dockerfileAi")}
                style={{ flex: 1, border: "none", borderRadius: 0, lineHeight: "18px", resize: "vertical" }}
              />
            </div>
          </Field>
          <div style={{ display: "grid", gridTemplateColumns: "1fr 1fr", gap: 10, marginTop: 10 }}>
            <Field label="Image tag" name="tag" error={create.error}>
              <input value={opts.tag} onChange={set("tag")} aria-invalid={invalid(create.error, "tag")} />
            </Field>
            <Field label="Docker host" name="hostId" error={create.error}>
              <select value={opts.hostId} onChange={set("hostId")}>
                <option value="">default (local / only host)</option>
                {hosts.data?.map((h) => (
                  <option key={h.id} value={h.id}>
                    {h.name} ({h.status})
                  </option>
                ))}
              </select>
            </Field>
            <Field label="CUDA pin (optional)" name="cuda" error={dry.error ?? create.error}>
              <input value={opts.cuda} onChange={set("cuda")} placeholder="12.4" />
            </Field>
            <Field label="Quantize override" name="quantize" error={create.error}>
              <select value={opts.quantize} onChange={set("quantize")}>
                {QUANTIZE.map((q) => (
                  <option key={q} value={q}>
                    {q || "as written"}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Optimize" name="optimize" error={create.error}>
              <select value={opts.optimize} onChange={set("optimize")}>
                <option value="">balanced (default)</option>
                <option value="for-speed">for-speed</option>
                <option value="for-size">for-size</option>
              </select>
            </Field>
            <div style={{ display: "flex", flexDirection: "column", gap: 6, justifyContent: "end" }}>
              <label className="inline">
                <input
                  type="checkbox"
                  checked={opts.securityScan}
                  onChange={(e) => setOpts((o) => ({ ...o, securityScan: e.target.checked }))}
                />
                Security scan
              </label>
              <label className="inline">
                <input
                  type="checkbox"
                  checked={opts.allowExperimental}
                  onChange={(e) => setOpts((o) => ({ ...o, allowExperimental: e.target.checked }))}
                />
                Allow experimental engine/format pairs
              </label>
            </div>
          </div>
          <FormError error={create.error} fields={["tag", "hostId", "cuda", "quantize", "optimize"]} />
          <div className="row" style={{ marginTop: 10 }}>
            <button
              type="button"
              className="primary"
              disabled={create.isPending}
              onClick={() =>
                create.mutate({
                  ...planInput,
                  tag: opts.tag,
                  securityScan: opts.securityScan,
                  ...(opts.hostId ? { hostId: opts.hostId } : {}),
                })
              }
            >
              Start build
            </button>
            {dry.isPending && <span className="muted small">resolving…</span>}
          </div>
        </div>
        <div>
          <div className="panel" data-testid="dry-run">
            <h2>Preview</h2>
            {dry.error && (
              <div className="alert error" data-testid="dry-run-error">
                {errorMessage(dry.error)}
              </div>
            )}
            {dry.data && !dry.error && <ResolutionView resolution={dry.data.resolution} />}
            {dry.data?.diagnostics.map((d) => (
              <div key={`${String(d.line)}:${String(d.column)}`} className="alert info small">
                line {String(d.line)}:{String(d.column)} {String(d.message)}
              </div>
            ))}
          </div>
          {dry.data && !dry.error && (
            <>
              <details className="panel" open>
                <summary>
                  <strong>Generated Dockerfile</strong>
                </summary>
                <pre className="logs" style={{ maxHeight: 300 }}>
                  {dry.data.dockerfile}
                </pre>
              </details>
              <details className="panel">
                <summary>
                  <strong>requirements.txt</strong>
                </summary>
                <pre className="logs">{dry.data.requirements || "(none)"}</pre>
              </details>
              <details className="panel">
                <summary>
                  <strong>SBOM</strong>
                </summary>
                <SbomView sbom={dry.data.sbom} fileName="sbom-preview.cdx.json" />
              </details>
              <div className="panel">
                <h2>Scan (pinned requirements)</h2>
                <ScanView scan={dry.data.scan} />
              </div>
            </>
          )}
        </div>
      </div>
    </>
  );
}
