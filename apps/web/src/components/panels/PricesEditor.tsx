"use client";
// Prices per model (USD per 1M input/output tokens), versioned by effective date. Defaults apply to
// every org; admins add overrides for theirs. A change is always a new version.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { Badge, Field, FormError, invalid } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";
import css from "./panels.module.css";

export function PricesEditor({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const prices = useQuery(trpc.prices.list.queryOptions());
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.prices.list.queryKey() });
  const create = useMutation(trpc.prices.create.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.prices.remove.mutationOptions({ onSuccess: refresh }));
  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const eff = String(f.get("effectiveFrom") ?? "");
    create.mutate({
      model: String(f.get("model") ?? ""),
      inputUsdPerMTok: Number(f.get("inputUsdPerMTok")),
      outputUsdPerMTok: Number(f.get("outputUsdPerMTok")),
      ...(eff ? { effectiveFrom: new Date(eff) } : {}),
    });
  }
  return (
    <div className="panel" data-testid="prices">
      <h2>Prices</h2>
      <p className="muted small">
        USD per 1M tokens. The cost of each request is computed when it is recorded, with the price in effect
        at that moment.
      </p>
      {prices.error && <div className="alert error">{errorMessage(prices.error)}</div>}
      {remove.error && <div className="alert error">{errorMessage(remove.error)}</div>}
      <table className={css.table}>
        <thead>
          <tr>
            <th>Model</th>
            <th>Scope</th>
            <th>Input</th>
            <th>Output</th>
            <th>Effective from</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {prices.data?.map((p) => {
            const future = new Date(p.effectiveFrom).getTime() > Date.now();
            return (
              <tr key={p.id}>
                <td>{p.model}</td>
                <td>{p.scope === "org" ? "this org" : "default"}</td>
                <td>${p.inputUsdPerMTok}</td>
                <td>${p.outputUsdPerMTok}</td>
                <td className="small">{p.effectiveFrom.slice(0, 16).replace("T", " ")}</td>
                <td>
                  {p.current ? (
                    <Badge value="in effect" kind="ok" />
                  ) : future ? (
                    <Badge value="scheduled" kind="warn" />
                  ) : (
                    <span className="muted small">superseded</span>
                  )}
                </td>
                <td>
                  {canEdit && p.scope === "org" && future && (
                    <button type="button" className="danger" onClick={() => remove.mutate({ id: p.id })}>
                      Withdraw
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {canEdit && (
        <form className="stack" onSubmit={onSubmit} noValidate style={{ marginTop: 12 }}>
          <div className="row">
            <Field label="Model" name="model" error={create.error}>
              <input name="model" placeholder="aitk-tiny" aria-invalid={invalid(create.error, "model")} />
            </Field>
            <Field label="Input $/1M tokens" name="inputUsdPerMTok" error={create.error}>
              <input name="inputUsdPerMTok" type="number" step="any" min="0" defaultValue="0.1" />
            </Field>
            <Field label="Output $/1M tokens" name="outputUsdPerMTok" error={create.error}>
              <input name="outputUsdPerMTok" type="number" step="any" min="0" defaultValue="0.2" />
            </Field>
            <Field label="Effective from (optional)" name="effectiveFrom" error={create.error}>
              <input name="effectiveFrom" type="datetime-local" />
            </Field>
          </div>
          <FormError
            error={create.error}
            fields={["model", "inputUsdPerMTok", "outputUsdPerMTok", "effectiveFrom"]}
          />
          <div>
            <button className="primary" type="submit" disabled={create.isPending}>
              Add price version
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
