"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, Suspense } from "react";
import { ago, Badge, Field, FormError, invalid } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";
import { JobLive } from "./JobLive";
import { EmptyRow, THead } from "@/components/ui/table";

function JobsView() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const selected = useSearchParams().get("job");
  const jobs = useQuery({ ...trpc.jobs.list.queryOptions({ limit: 50 }), refetchInterval: 2000 });
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.jobs.list.queryKey() });
  const select = (id: string | null) => router.replace(id ? `/jobs?job=${encodeURIComponent(id)}` : "/jobs");
  const run = useMutation(
    trpc.jobs.runDemo.mutationOptions({
      onSuccess: (job) => {
        refresh();
        select(job.id);
      },
    }),
  );

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const num = (k: string) => {
      const v = String(f.get(k) ?? "").trim();
      return v === "" ? undefined : Number(v);
    };
    run.mutate({ steps: num("steps"), stepMs: num("stepMs"), failAtStep: num("failAtStep") });
  }

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Jobs</h1>
          <p className="sub">
            Background work of this organization: builds, health checks, deployments, demo jobs.
          </p>
        </div>
      </div>
      <div className="panel">
        <h2>Run a demo job</h2>
        <form className="row" onSubmit={onSubmit} noValidate style={{ alignItems: "flex-end" }}>
          <Field label="Steps" name="steps" error={run.error}>
            <input
              name="steps"
              defaultValue="10"
              size={5}
              inputMode="numeric"
              aria-invalid={invalid(run.error, "steps")}
            />
          </Field>
          <Field label="ms per step" name="stepMs" error={run.error}>
            <input
              name="stepMs"
              defaultValue="500"
              size={6}
              inputMode="numeric"
              aria-invalid={invalid(run.error, "stepMs")}
            />
          </Field>
          <Field label="Fail at step (optional)" name="failAtStep" error={run.error}>
            <input
              name="failAtStep"
              size={5}
              inputMode="numeric"
              aria-invalid={invalid(run.error, "failAtStep")}
            />
          </Field>
          <button className="primary" type="submit" disabled={run.isPending}>
            Run demo job
          </button>
        </form>
        <FormError error={run.error} fields={["steps", "stepMs", "failAtStep"]} />
      </div>
      {selected && <JobLive key={selected} jobId={selected} onEnd={refresh} />}
      <div className="panel">
        <h2>Recent jobs</h2>
        {jobs.error && <div className="alert error">{errorMessage(jobs.error)}</div>}
        <table data-testid="jobs-table">
          <THead columns={["Job", "Kind", "State", "Progress", "Attempts", "Created", "Error"]} />
          <tbody>
            {jobs.data?.items.map((j) => (
              <tr key={j.id} className={selected === j.id ? "selected" : ""}>
                <td>
                  <a
                    className="mono"
                    href={`/jobs?job=${j.id}`}
                    onClick={(e) => {
                      e.preventDefault();
                      select(j.id);
                    }}
                  >
                    {j.id.slice(0, 12)}
                  </a>
                </td>
                <td>{j.kind}</td>
                <td>
                  <Badge value={j.state} kind={j.state === "active" ? "active" : j.state} />
                </td>
                <td>
                  <div
                    className={`progress ${j.state === "completed" ? "done" : j.state === "failed" ? "failed" : ""}`}
                  >
                    <div style={{ width: `${j.progress}%` }} />
                  </div>
                </td>
                <td>{j.attempts}</td>
                <td className="small">{ago(j.createdAt)}</td>
                <td className="small field-error">{j.error}</td>
              </tr>
            ))}
            {jobs.data?.items.length === 0 && <EmptyRow span={7}>No jobs yet.</EmptyRow>}
          </tbody>
        </table>
      </div>
    </>
  );
}

export default function JobsPage() {
  return (
    <Suspense>
      <JobsView />
    </Suspense>
  );
}
