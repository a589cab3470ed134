"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useEffect, useState } from "react";
import { ago, Badge, Field, FormError, invalid } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";
import { CopyButton, Snippets } from "./Snippets";
import { EmptyRow, THead } from "@/components/ui/table";

const FIELDS = ["name", "upstreamUrl", "upstreamApiKey", "upstreamModel"];
const ms = (v: number | null) => (v == null ? "—" : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v} ms`);

/** Debounced SSRF verdict for the URL being typed (the server checks again on register). */
function UpstreamCheck({ url }: { url: string }) {
  const trpc = useTRPC();
  const [debounced, setDebounced] = useState(url);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(url.trim()), 400);
    return () => clearTimeout(t);
  }, [url]);
  const check = useQuery(
    trpc.gateway.checkUpstream.queryOptions({ upstreamUrl: debounced }, { enabled: debounced.length > 0 }),
  );
  if (!debounced) return null;
  if (check.error) return <span className="field-error">{errorMessage(check.error)}</span>;
  if (!check.data) return <span className="muted small">checking…</span>;
  return (
    <span
      data-testid="ssrf-verdict"
      className={check.data.ok ? "small" : "field-error"}
      style={check.data.ok ? { color: "var(--ok, #1a7f37)" } : undefined}
    >
      {check.data.ok ? "✓ " : "✗ "}
      {check.data.message}
    </span>
  );
}

export function GatewayDashboard({ gatewayUrl }: { gatewayUrl: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const overview = useQuery({ ...trpc.gateway.overview.queryOptions(), refetchInterval: 5000 });
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.gateway.overview.queryKey() });
  const register = useMutation(trpc.models.register.mutationOptions({ onSuccess: refresh }));
  const setEnabled = useMutation(trpc.models.setEnabled.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.models.remove.mutationOptions({ onSuccess: refresh }));
  const [upstreamUrl, setUpstreamUrl] = useState("");
  const [snippetModel, setSnippetModel] = useState<string | null>(null);
  const models = overview.data?.models ?? [];
  const selected = snippetModel ?? models.find((m) => m.enabled)?.name ?? "aitk-tiny";
  const base = `${gatewayUrl.replace(/\/+$/, "")}/v1`;

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const opt = (k: string) => String(f.get(k) ?? "").trim() || undefined;
    register.mutate(
      {
        name: String(f.get("name") ?? ""),
        upstreamUrl: String(f.get("upstreamUrl") ?? ""),
        upstreamApiKey: opt("upstreamApiKey"),
        upstreamModel: opt("upstreamModel"),
      },
      {
        onSuccess: () => {
          form.reset();
          setUpstreamUrl("");
        },
      },
    );
  }

  return (
    <>
      <div className="panel">
        <h2>Endpoint</h2>
        <div className="row">
          <span>
            Base URL: <code data-testid="gateway-base-url">{base}</code>
          </span>
          <CopyButton text={base} label="Copy URL" />
          <span className="spacer" />
          {overview.data &&
            (overview.data.live.reachable ? (
              <Badge value="gateway up" kind="ok" />
            ) : (
              <span title={overview.data.live.error ?? ""}>
                <Badge value="gateway unreachable" kind="warn" />
              </span>
            ))}
          <Link className="btn primary" href="/gateway/playground">
            Try it
          </Link>
        </div>
        {overview.data && !overview.data.live.reachable && (
          <p className="muted small">{overview.data.live.error} — in-flight counts are unavailable.</p>
        )}
      </div>

      <div className="panel">
        <h2>Models and endpoints</h2>
        <p className="muted small">
          Latency and errors over the last {overview.data?.windowMinutes ?? 60} minutes from the ledger (all
          gateway replicas); in-flight is live from the gateway at <code>{gatewayUrl}</code>.
        </p>
        {(overview.error || setEnabled.error || remove.error) && (
          <div className="alert error">
            {errorMessage(overview.error ?? setEnabled.error ?? remove.error)}
          </div>
        )}
        <table data-testid="gateway-models">
          <THead
            columns={["Model", "Endpoints", "Requests", "p50 / p95", "TTFT p50", "In flight", "Status", ""]}
          />
          <tbody>
            {models.map((m) => (
              <tr key={m.id} data-model={m.name}>
                <td>
                  <div className="mono">{m.name}</div>
                  <div className="muted small">
                    {m.kind}
                    {m.tier !== 1 && <> · tier {m.tier}</>}
                  </div>
                </td>
                <td className="small">
                  {m.endpoints.length === 0 && <span className="muted">none</span>}
                  {m.endpoints.map((e) => (
                    <div key={e.id}>
                      <Badge value={e.healthy ? "healthy" : "unhealthy"} />{" "}
                      {e.live && !e.live.routable && (
                        <span title={e.live.refused ?? ""}>
                          <Badge
                            value={e.live.refused ? "refused" : `down ${Math.ceil(e.live.downForMs / 1000)}s`}
                            kind="bad"
                          />{" "}
                        </span>
                      )}
                      <span className="mono">{e.url}</span>
                      {e.upstreamModel && <> → {e.upstreamModel}</>}
                      {e.weight !== 100 && <> · weight {e.weight}</>}
                      <span className="muted"> · checked {ago(e.lastHealthAt)}</span>
                      {e.live && (
                        <span className="muted" data-testid="endpoint-outstanding">
                          {" "}
                          · {e.live.outstanding} outstanding
                        </span>
                      )}
                      {e.live?.refused && <div className="field-error">{e.live.refused}</div>}
                    </div>
                  ))}
                </td>
                <td className="small">
                  {m.stats.requests}
                  {m.stats.errors > 0 && <span className="field-error"> ({m.stats.errors} errors)</span>}
                </td>
                <td className="small">
                  {ms(m.stats.p50Ms)} / {ms(m.stats.p95Ms)}
                </td>
                <td className="small">{ms(m.stats.ttftP50Ms)}</td>
                <td className="small" data-testid="in-flight">
                  {m.stats.inFlight ?? "—"}
                </td>
                <td>
                  {m.enabled ? <Badge value="enabled" kind="ok" /> : <Badge value="disabled" kind="warn" />}
                </td>
                <td>
                  <div className="row nowrap">
                    <button
                      type="button"
                      disabled={setEnabled.isPending}
                      onClick={() => setEnabled.mutate({ id: m.id, enabled: !m.enabled })}
                    >
                      {m.enabled ? "Disable" : "Enable"}
                    </button>
                    <button type="button" onClick={() => setSnippetModel(m.name)}>
                      Snippet
                    </button>
                    <Link className="btn" href={`/gateway/playground?model=${encodeURIComponent(m.name)}`}>
                      Try
                    </Link>
                    <button
                      type="button"
                      className="danger"
                      disabled={remove.isPending}
                      onClick={() => confirm(`Remove model ${m.name}?`) && remove.mutate({ id: m.id })}
                    >
                      Remove
                    </button>
                  </div>
                </td>
              </tr>
            ))}
            {overview.data && models.length === 0 && (
              <EmptyRow span={8}>No models yet: register an upstream below or deploy a model.</EmptyRow>
            )}
          </tbody>
        </table>
      </div>

      <div className="panel">
        <h2>
          Call <span className="mono">{selected}</span>
        </h2>
        <Snippets gatewayUrl={gatewayUrl} model={selected} />
      </div>

      <div className="panel">
        <h2>Register an external upstream</h2>
        <p className="muted small">
          Any OpenAI-compatible server (vLLM, TGI, llama-server, Ollama, a hosted API). Private, loopback and
          cloud-metadata addresses are refused unless allowed in Settings → Policy.
        </p>
        <form className="stack" onSubmit={onSubmit} noValidate>
          <Field label="Model name" name="name" error={register.error}>
            <input name="name" placeholder="llama-3.1-8b" aria-invalid={invalid(register.error, "name")} />
          </Field>
          <Field
            label="Upstream base URL"
            name="upstreamUrl"
            error={register.error}
            hint={<UpstreamCheck url={upstreamUrl} />}
          >
            <input
              name="upstreamUrl"
              placeholder="https://api.example.com/v1"
              value={upstreamUrl}
              onChange={(e) => setUpstreamUrl(e.target.value)}
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
          {register.data && (
            <div className="alert ok">
              Registered <span className="mono">{register.data.name}</span>; the gateway routes it within
              seconds.
            </div>
          )}
          <div>
            <button className="primary" type="submit" disabled={register.isPending}>
              Register
            </button>
          </div>
        </form>
      </div>

      <div className="grid2">
        <Link className="panel" href="/gateway/keys">
          <h2>API keys</h2>
          <p className="muted">Create, list and revoke keys.</p>
        </Link>
        <Link className="panel" href="/gateway/usage">
          <h2>Usage</h2>
          <p className="muted">Requests, tokens and cost.</p>
        </Link>
      </div>
    </>
  );
}
