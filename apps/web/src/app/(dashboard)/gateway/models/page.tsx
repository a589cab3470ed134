"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { Badge, Field, FormError, invalid } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";

const FIELDS = ["name", "upstreamUrl", "upstreamApiKey", "upstreamModel"];

export default function ModelsPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const models = useQuery(trpc.models.list.queryOptions());
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.models.list.queryKey() });
  const register = useMutation(trpc.models.register.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.models.remove.mutationOptions({ onSuccess: refresh }));
  const setEnabled = useMutation(trpc.models.setEnabled.mutationOptions({ onSuccess: refresh }));

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const opt = (k: string) => String(f.get(k) ?? "").trim() || undefined;
    register.mutate(
      {
        name: String(f.get("name") ?? ""),
        upstreamUrl: String(f.get("upstreamUrl") ?? ""),
        upstreamApiKey: opt("upstreamApiKey"),
        upstreamModel: opt("upstreamModel"),
      },
      { onSuccess: () => (e.target as HTMLFormElement).reset() },
    );
  }

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Models</h1>
          <p className="sub">
            Model names the gateway serves: deployments, the embedded engine, or external OpenAI-compatible
            upstreams.
          </p>
        </div>
      </div>
      <div className="panel">
        <h2>Served models</h2>
        {(models.error || remove.error || setEnabled.error) && (
          <div className="alert error">{errorMessage(models.error ?? remove.error ?? setEnabled.error)}</div>
        )}
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Endpoints</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {models.data?.map((m) => (
              <tr key={m.id}>
                <td className="mono">{m.name}</td>
                <td>{m.kind}</td>
                <td className="small">
                  {m.endpoints.map((e) => (
                    <div key={e.id}>
                      <span className="mono">{e.url}</span> {e.upstreamModel && <>→ {e.upstreamModel}</>}{" "}
                      <Badge value={e.healthy ? "healthy" : "unhealthy"} />{" "}
                      {e.weight !== 100 && <>weight {e.weight}</>}
                    </div>
                  ))}
                </td>
                <td>
                  {m.enabled ? <Badge value="enabled" kind="ok" /> : <Badge value="disabled" kind="warn" />}
                </td>
                <td>
                  <div className="row nowrap">
                    <button
                      type="button"
                      onClick={() => setEnabled.mutate({ id: m.id, enabled: !m.enabled })}
                    >
                      {m.enabled ? "Disable" : "Enable"}
                    </button>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => confirm(`Remove model ${m.name}?`) && remove.mutate({ id: m.id })}
                    >
                      Remove
                    </button>
                  </div>
                </td>
              </tr>
            ))}
            {models.data?.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No models yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="panel">
        <h2>Register an external upstream</h2>
        <p className="muted small">
          Private, loopback and cloud-metadata addresses are refused unless allowed in Settings → Policy.
        </p>
        <form className="stack" onSubmit={onSubmit} noValidate>
          <Field label="Model name" name="name" error={register.error}>
            <input name="name" placeholder="gpt-4o-mini" aria-invalid={invalid(register.error, "name")} />
          </Field>
          <Field label="Upstream base URL" name="upstreamUrl" error={register.error}>
            <input
              name="upstreamUrl"
              placeholder="https://api.example.com/v1"
              aria-invalid={invalid(register.error, "upstreamUrl")}
            />
          </Field>
          <Field label="Upstream model (optional)" name="upstreamModel" error={register.error}>
            <input name="upstreamModel" aria-invalid={invalid(register.error, "upstreamModel")} />
          </Field>
          <Field
            label="Upstream API key (optional, encrypted at rest)"
            name="upstreamApiKey"
            error={register.error}
          >
            <input
              name="upstreamApiKey"
              type="password"
              autoComplete="off"
              aria-invalid={invalid(register.error, "upstreamApiKey")}
            />
          </Field>
          <FormError error={register.error} fields={FIELDS} />
          <div>
            <button className="primary" type="submit" disabled={register.isPending}>
              Register
            </button>
          </div>
        </form>
      </div>
    </>
  );
}
