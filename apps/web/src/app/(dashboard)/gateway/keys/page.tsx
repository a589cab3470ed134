"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { ago, Badge, Field, FormError, invalid } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";
import { EmptyRow, THead } from "@/components/ui/table";

const SCOPES = [
  ["inference", "Inference (gateway)"],
  ["read", "Read (API)"],
  ["write", "Write (API)"],
  ["admin", "Admin (API)"],
] as const;

export default function ApiKeysPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  const [created, setCreated] = useState<{ key: string; name: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: (res) => {
        setCreated({ key: res.key, name: res.apiKey.name });
        setCopied(false);
        refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.apiKeys.revoke.mutationOptions({ onSuccess: refresh }));

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const expires = String(f.get("expiresAt") ?? "");
    create.mutate(
      {
        name: String(f.get("name") ?? ""),
        scopes: f.getAll("scopes").map(String) as ("inference" | "read" | "write" | "admin")[],
        expiresAt: expires ? new Date(expires) : null,
      },
      { onSuccess: () => form.reset() },
    );
  }

  return (
    <>
      <div className="page-head">
        <div>
          <h1>API keys</h1>
          <p className="sub">
            Keys authenticate the gateway (inference) and the REST API (/api/v1). A key is shown once.
          </p>
        </div>
      </div>

      {created && (
        <div className="panel secret" data-testid="new-key">
          <h2>Key “{created.name}” created — copy it now, it will not be shown again</h2>
          <div className="row">
            <code data-testid="new-key-value">{created.key}</code>
            <button
              type="button"
              onClick={async () => {
                await navigator.clipboard?.writeText(created.key).catch(() => undefined);
                setCopied(true);
              }}
            >
              {copied ? "Copied" : "Copy"}
            </button>
            <button type="button" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      )}

      <div className="panel">
        <h2>Create a key</h2>
        <form className="stack" onSubmit={onSubmit} noValidate>
          <Field label="Name" name="name" error={create.error}>
            <input name="name" placeholder="e.g. ci-pipeline" aria-invalid={invalid(create.error, "name")} />
          </Field>
          <Field label="Scopes" name="scopes" error={create.error}>
            <div className="row">
              {SCOPES.map(([v, l]) => (
                <label key={v} className="inline">
                  <input type="checkbox" name="scopes" value={v} defaultChecked={v !== "admin"} /> {l}
                </label>
              ))}
            </div>
          </Field>
          <Field label="Expires (optional)" name="expiresAt" error={create.error}>
            <input name="expiresAt" type="date" aria-invalid={invalid(create.error, "expiresAt")} />
          </Field>
          <FormError error={create.error} fields={["name", "scopes", "expiresAt"]} />
          <div>
            <button className="primary" type="submit" disabled={create.isPending}>
              Create key
            </button>
          </div>
        </form>
      </div>

      <div className="panel">
        <h2>Keys</h2>
        {revoke.error && <div className="alert error">{errorMessage(revoke.error)}</div>}
        {keys.error && <div className="alert error">{errorMessage(keys.error)}</div>}
        <table data-testid="keys-table">
          <THead columns={["Name", "Prefix", "Scopes", "Created", "Last used", "Expires", "Status", ""]} />
          <tbody>
            {keys.data?.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td className="mono">{k.prefix}…</td>
                <td className="small">{k.scopes.join(", ")}</td>
                <td className="small">{ago(k.createdAt)}</td>
                <td className="small">{ago(k.lastUsedAt)}</td>
                <td className="small">
                  {k.expiresAt ? new Date(k.expiresAt).toLocaleDateString() : "never"}
                </td>
                <td>
                  {k.revokedAt ? (
                    <Badge value="revoked" kind="bad" />
                  ) : k.expiresAt && new Date(k.expiresAt) < new Date() ? (
                    <Badge value="expired" kind="warn" />
                  ) : (
                    <Badge value="active" kind="ok" />
                  )}
                </td>
                <td>
                  {!k.revokedAt && (
                    <button
                      type="button"
                      className="danger"
                      disabled={revoke.isPending}
                      onClick={() => {
                        if (
                          confirm(
                            `Revoke key ${k.name} (${k.prefix}…)? Clients using it stop working within a second.`,
                          )
                        )
                          revoke.mutate({ id: k.id });
                      }}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
            {keys.data?.length === 0 && <EmptyRow span={8}>No keys yet.</EmptyRow>}
          </tbody>
        </table>
      </div>
    </>
  );
}
