"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { Badge } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";
import { Snippets } from "./Snippets";
import { readChatStream, type TChatChunk } from "./sse";

const RADIO = { display: "flex", flexDirection: "row", alignItems: "center", gap: 6 } as const;

type TSessionKey = { id: string; key: string; prefix: string; expiresAt: string };
type TRun = {
  text: string;
  status: "streaming" | "done" | "stopped" | "error";
  error?: string;
  ttftMs?: number;
  totalMs?: number;
  usage?: { prompt_tokens: number; completion_tokens: number };
  servedBy?: string | null;
  requestId?: string | null;
};

/** Best effort when the tab goes away: keepalive lets the request outlive the page. */
function revokeOnExit(id: string) {
  fetch("/api/trpc/gateway.revokePlaygroundKey", {
    method: "POST",
    keepalive: true,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id }),
  }).catch(() => undefined);
}

export function Playground({ gatewayUrl, initialModel }: { gatewayUrl: string; initialModel?: string }) {
  const trpc = useTRPC();
  const models = useQuery(trpc.models.list.queryOptions());
  const createKey = useMutation(trpc.gateway.createPlaygroundKey.mutationOptions());
  const revokeKey = useMutation(trpc.gateway.revokePlaygroundKey.mutationOptions());
  // Keys live only in this component's memory: never in HTML, storage or the URL.
  const [sessionKey, setSessionKey] = useState<TSessionKey | null>(null);
  const [pastedKey, setPastedKey] = useState("");
  const [mode, setMode] = useState<"session" | "paste">("session");
  const [model, setModel] = useState(initialModel ?? "");
  const [run, setRun] = useState<TRun | null>(null);
  const abort = useRef<AbortController | null>(null);
  const keyRef = useRef<TSessionKey | null>(null);
  keyRef.current = sessionKey;

  const enabled = (models.data ?? []).filter((m) => m.enabled);
  const chosen = model || enabled[0]?.name || "";

  useEffect(() => {
    const onHide = () => keyRef.current && revokeOnExit(keyRef.current.id);
    window.addEventListener("pagehide", onHide);
    return () => {
      window.removeEventListener("pagehide", onHide);
      onHide();
    };
  }, []);

  const bearer = mode === "session" ? sessionKey?.key : pastedKey.trim();

  async function newKey() {
    const out = await createKey.mutateAsync();
    setSessionKey({
      id: out.apiKey.id,
      key: out.key,
      prefix: out.apiKey.prefix,
      expiresAt: out.apiKey.expiresAt ?? "",
    });
  }

  async function revoke() {
    if (!sessionKey) return;
    await revokeKey.mutateAsync({ id: sessionKey.id });
    setSessionKey(null);
  }

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!bearer) {
      setRun({ text: "", status: "error", error: "Create a playground key or paste an API key first." });
      return;
    }
    const f = new FormData(e.currentTarget);
    const system = String(f.get("system") ?? "").trim();
    const prompt = String(f.get("prompt") ?? "");
    const maxTokens = Number(f.get("max_tokens") ?? 64) || 64;
    const temperature = Number(f.get("temperature") ?? 0.7);
    const ac = new AbortController();
    abort.current = ac;
    const t0 = performance.now();
    let acc: TRun = { text: "", status: "streaming" };
    const update = (patch: Partial<TRun>) => {
      acc = { ...acc, ...patch };
      setRun(acc);
    };
    update({});
    try {
      const res = await fetch(`${gatewayUrl.replace(/\/+$/, "")}/v1/chat/completions`, {
        method: "POST",
        signal: ac.signal,
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: chosen,
          messages: [
            ...(system ? [{ role: "system", content: system }] : []),
            { role: "user", content: prompt },
          ],
          max_tokens: maxTokens,
          temperature,
          stream: true,
          stream_options: { include_usage: true },
        }),
      });
      update({ servedBy: res.headers.get("x-aitk-model"), requestId: res.headers.get("x-request-id") });
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => null)) as TChatChunk | null;
        update({ status: "error", error: `${res.status}: ${body?.error?.message ?? res.statusText}` });
        return;
      }
      for await (const raw of readChatStream(res.body)) {
        const chunk = raw as TChatChunk;
        if (chunk.error) {
          update({ status: "error", error: chunk.error.message ?? "upstream error" });
          return;
        }
        const delta = chunk.choices?.[0]?.delta?.content;
        if (delta) {
          update({
            text: acc.text + delta,
            ...(acc.ttftMs === undefined ? { ttftMs: Math.round(performance.now() - t0) } : {}),
          });
        }
        if (chunk.usage) update({ usage: chunk.usage });
      }
      update({ status: "done", totalMs: Math.round(performance.now() - t0) });
    } catch (err) {
      if (ac.signal.aborted) update({ status: "stopped", totalMs: Math.round(performance.now() - t0) });
      else
        update({
          status: "error",
          error: `${(err as Error).message} — is the gateway running at ${gatewayUrl}, and is this dashboard's origin in GATEWAY_CORS_ORIGINS?`,
        });
    } finally {
      abort.current = null;
    }
  }

  const tokPerS =
    run?.usage && run.totalMs && run.ttftMs !== undefined && run.totalMs > run.ttftMs
      ? (run.usage.completion_tokens / ((run.totalMs - run.ttftMs) / 1000)).toFixed(1)
      : null;

  return (
    <>
      <div className="panel">
        <h2>Key</h2>
        <div className="row" role="radiogroup" aria-label="Key">
          <label style={RADIO}>
            <input type="radio" checked={mode === "session"} onChange={() => setMode("session")} />
            Short-lived playground key
          </label>
          <label style={RADIO}>
            <input type="radio" checked={mode === "paste"} onChange={() => setMode("paste")} />
            My own key
          </label>
        </div>
        {mode === "session" ? (
          <div className="row" style={{ marginTop: 8 }}>
            {sessionKey ? (
              <>
                <span data-testid="playground-key">
                  <span className="mono">{sessionKey.prefix}…</span> (inference only, expires{" "}
                  {new Date(sessionKey.expiresAt).toLocaleTimeString()})
                </span>
                <button type="button" className="danger" onClick={revoke} disabled={revokeKey.isPending}>
                  Revoke now
                </button>
              </>
            ) : (
              <button type="button" className="primary" onClick={newKey} disabled={createKey.isPending}>
                Create playground key
              </button>
            )}
            <span className="muted small">
              Named “playground”, scoped to inference, expires within an hour and is revoked when you leave
              this page. It is held in this page's memory only.
            </span>
          </div>
        ) : (
          <label style={{ marginTop: 8 }}>
            API key (kept in this page's memory only)
            <input
              type="password"
              autoComplete="off"
              placeholder="aitk_…"
              value={pastedKey}
              onChange={(e) => setPastedKey(e.target.value)}
            />
          </label>
        )}
        {(createKey.error || revokeKey.error) && (
          <div className="alert error">{errorMessage(createKey.error ?? revokeKey.error)}</div>
        )}
      </div>

      <div className="panel">
        <h2>Chat</h2>
        <form className="stack" onSubmit={onSubmit}>
          <div className="row">
            <label>
              Model
              <select name="model" value={chosen} onChange={(e) => setModel(e.target.value)}>
                {enabled.map((m) => (
                  <option key={m.id} value={m.name}>
                    {m.name}
                  </option>
                ))}
                <option value="auto">auto (picked by prompt complexity)</option>
              </select>
            </label>
            <label>
              Max tokens
              <input name="max_tokens" type="number" min={1} max={4096} defaultValue={48} />
            </label>
            <label>
              Temperature
              <input name="temperature" type="number" min={0} max={2} step={0.1} defaultValue={0.7} />
            </label>
          </div>
          <label>
            System prompt (optional)
            <input name="system" placeholder="You are a helpful assistant." />
          </label>
          <label>
            Message
            <textarea name="prompt" rows={3} defaultValue="Write a short poem about the sea." />
          </label>
          <div className="row">
            <button className="primary" type="submit" disabled={run?.status === "streaming" || !chosen}>
              Send
            </button>
            {run?.status === "streaming" && (
              <button type="button" onClick={() => abort.current?.abort()}>
                Stop
              </button>
            )}
            <span className="muted small">
              Streams from <code>{gatewayUrl}/v1/chat/completions</code> directly from your browser.
            </span>
          </div>
        </form>
        {run && (
          <div style={{ marginTop: 12 }}>
            <div className="row small">
              <Badge
                value={run.status}
                kind={run.status === "done" ? "ok" : run.status === "error" ? "bad" : "warn"}
              />
              {run.servedBy && (
                <span>
                  served by <span className="mono">{run.servedBy}</span>
                </span>
              )}
              {run.ttftMs !== undefined && <span data-testid="ttft">TTFT {run.ttftMs} ms</span>}
              {run.totalMs !== undefined && <span>total {run.totalMs} ms</span>}
              {run.usage && (
                <span data-testid="usage">
                  {run.usage.prompt_tokens} in / {run.usage.completion_tokens} out
                </span>
              )}
              {tokPerS && <span>{tokPerS} tok/s</span>}
              {run.requestId && <span className="mono muted">{run.requestId}</span>}
            </div>
            {run.error && <div className="alert error">{run.error}</div>}
            <pre className="logs" data-testid="completion" style={{ whiteSpace: "pre-wrap" }}>
              {run.text}
            </pre>
          </div>
        )}
      </div>

      {chosen && (
        <div className="panel">
          <h2>Same request from code</h2>
          <Snippets gatewayUrl={gatewayUrl} model={chosen} />
        </div>
      )}
    </>
  );
}
