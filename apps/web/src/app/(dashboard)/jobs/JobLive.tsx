"use client";

import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Badge } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";

type TJobSnap = {
  id: string;
  kind: string;
  state: string;
  progress: number;
  progressMessage: string | null;
  error: string | null;
  attempts: number;
};
type TLine = { level: string; line: string; ts: number };

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

/** Live view of one job over SSE (/api/jobs/{id}/events): progress bar, state and a log tail. */
export function JobLive({ jobId, onEnd }: { jobId: string; onEnd?: () => void }) {
  const trpc = useTRPC();
  const [job, setJob] = useState<TJobSnap | null>(null);
  const [lines, setLines] = useState<TLine[]>([]);
  const [connError, setConnError] = useState<string | null>(null);
  const logRef = useRef<HTMLPreElement>(null);
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions());
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;

  useEffect(() => {
    setJob(null);
    setLines([]);
    setConnError(null);
    const es = new EventSource(`/api/jobs/${encodeURIComponent(jobId)}/events`);
    let ended = false;
    es.addEventListener("job", (e) => {
      const j = JSON.parse((e as MessageEvent).data) as TJobSnap;
      // A newer progress event may already be shown; a row snapshot never moves the bar backwards mid-run.
      setJob((prev) =>
        prev && !TERMINAL.has(j.state) && prev.progress > j.progress ? { ...j, progress: prev.progress } : j,
      );
    });
    es.addEventListener("progress", (e) => {
      const p = JSON.parse((e as MessageEvent).data) as { progress: number; message: string | null };
      setJob((prev) =>
        prev
          ? {
              ...prev,
              state: prev.state === "queued" ? "active" : prev.state,
              progress: p.progress,
              progressMessage: p.message,
            }
          : prev,
      );
    });
    es.addEventListener("log", (e) => {
      const l = JSON.parse((e as MessageEvent).data) as TLine;
      setLines((prev) => [...prev.slice(-499), l]);
    });
    es.addEventListener("end", (e) => {
      const d = JSON.parse((e as MessageEvent).data) as { state: string; error: string | null };
      ended = true;
      setJob((prev) => (prev ? { ...prev, state: d.state, error: d.error } : prev));
      es.close();
      onEndRef.current?.();
    });
    es.onerror = () => {
      if (!ended) setConnError("live connection lost; retrying…");
    };
    es.onopen = () => setConnError(null);
    return () => es.close();
  }, [jobId]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll to the bottom whenever lines arrive
  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const state = job?.state ?? "queued";
  const pct = job?.progress ?? 0;
  const barClass =
    state === "completed" ? "done" : state === "failed" || state === "cancelled" ? "failed" : "";
  return (
    <div className="panel" data-testid="job-live" data-state={state} data-progress={pct}>
      <div className="row">
        <h2 style={{ margin: 0 }}>
          Job <span className="mono">{jobId}</span>
        </h2>
        <Badge value={state} kind={state === "active" ? "active" : state} />
        {job && (
          <span className="muted small">
            {job.kind} · attempt {Math.max(1, job.attempts)}
          </span>
        )}
        <span className="spacer" />
        {!TERMINAL.has(state) && (
          <button
            type="button"
            className="danger"
            disabled={cancel.isPending}
            onClick={() => cancel.mutate({ id: jobId })}
          >
            Cancel
          </button>
        )}
      </div>
      <div className="row" style={{ margin: "10px 0" }}>
        <div
          className={`progress ${barClass}`}
          style={{ flex: 1 }}
          role="progressbar"
          aria-valuenow={pct}
          aria-valuemin={0}
          aria-valuemax={100}
        >
          <div style={{ width: `${pct}%` }} />
        </div>
        <span className="mono" data-testid="job-progress">
          {pct}%
        </span>
      </div>
      {job?.progressMessage && <p className="muted small">{job.progressMessage}</p>}
      {job?.error && state !== "completed" && <div className="alert error">{job.error}</div>}
      {cancel.error && <div className="alert error">{errorMessage(cancel.error)}</div>}
      {connError && <div className="alert info">{connError}</div>}
      <pre className="logs" ref={logRef} data-testid="job-logs">
        {lines.map((l, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: log lines have no identity
          <div key={i} className={l.level}>
            {new Date(l.ts).toLocaleTimeString()} {l.line}
          </div>
        ))}
        {lines.length === 0 && <span className="muted">waiting for output…</span>}
      </pre>
    </div>
  );
}
