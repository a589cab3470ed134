"use client";
// Billing: plan and Stripe link, the current period's usage and cost by model (ours) beside Stripe's
// numbers (token and cost meter summaries, invoice preview and whether its total matches our ledger's
// cost), meter sync health, reconciliation, prices, and the Grafana / Prometheus export.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Badge } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";
import { num, usd } from "./format";
import css from "./panels.module.css";
import { PricesEditor } from "./PricesEditor";

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function BillingView() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const org = useQuery(trpc.org.get.queryOptions());
  const o = useQuery({ ...trpc.billing.overview.queryOptions(), refetchInterval: 30_000 });
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.billing.overview.queryKey() });
  const subscribe = useMutation(trpc.billing.subscribe.mutationOptions({ onSuccess: refresh }));
  const cancel = useMutation(trpc.billing.cancel.mutationOptions({ onSuccess: refresh }));
  const grafana = useQuery({ ...trpc.billing.grafana.queryOptions(), enabled: false });
  const isAdmin = org.data?.role === "admin" || org.data?.role === "owner";
  const d = o.data;
  const stripeMeter = (m: string) => d?.stripe?.meters.find((x) => x.meter === m)?.value ?? null;
  const sent = (m: string) => d?.sentToStripe.find((x) => x.meter === m)?.value ?? 0;
  return (
    <div data-testid="billing">
      {o.error && <div className="alert error">{errorMessage(o.error)}</div>}
      {(subscribe.error || cancel.error) && (
        <div className="alert error">{errorMessage(subscribe.error ?? cancel.error)}</div>
      )}
      {d && (
        <>
          <div className={css.grid3}>
            <div className="panel">
              <div className="muted small">Plan</div>
              <div className="stat" data-testid="plan">
                {d.plan}
              </div>
              <div className="small muted">
                {d.plan === "free"
                  ? "10 requests/min"
                  : d.plan === "paid"
                    ? "1000 requests/min"
                    : "custom limits"}
              </div>
            </div>
            <div className="panel">
              <div className="muted small">Current period (UTC)</div>
              <div className="stat">{usd(d.ours.total.costUsd)}</div>
              <div className="small muted">
                {d.period.start.slice(0, 10)} → {d.period.end.slice(0, 10)}
              </div>
            </div>
            <div className="panel">
              <div className="muted small">Stripe</div>
              {d.stripeEnabled ? (
                <>
                  <div className="small mono" data-testid="stripe-customer">
                    {d.stripeCustomerId ?? "no customer yet (created with the first usage)"}
                  </div>
                  <div className="small">
                    subscription: {d.stripe?.subscriptionStatus ?? "none"}
                    {d.stripe?.error && <span className={css.bad}> — {d.stripe.error}</span>}
                  </div>
                  {isAdmin && (
                    <div className="row" style={{ marginTop: 6 }}>
                      {d.stripe?.subscriptionStatus === "active" ? (
                        <button
                          type="button"
                          className="danger"
                          onClick={() => cancel.mutate()}
                          disabled={cancel.isPending}
                        >
                          Cancel paid plan
                        </button>
                      ) : (
                        <button
                          type="button"
                          className="primary"
                          onClick={() => subscribe.mutate()}
                          disabled={subscribe.isPending}
                        >
                          Start paid plan
                        </button>
                      )}
                    </div>
                  )}
                </>
              ) : (
                <div className="small muted">
                  Not configured (STRIPE_SECRET_KEY unset): usage and costs are recorded, nothing is sent.
                </div>
              )}
            </div>
          </div>

          <div className="panel">
            <h2>Invoice — current period by model</h2>
            <p className="muted small">
              Cost is computed per request at ingestion with the price in effect then (so a price change
              mid-period shows in the blended cost); the $ columns show today’s prices.
            </p>
            <table className={css.table} data-testid="invoice">
              <thead>
                <tr>
                  <th>Model</th>
                  <th>Requests</th>
                  <th>Input tokens</th>
                  <th>Output tokens</th>
                  <th>$/1M in</th>
                  <th>$/1M out</th>
                  <th>$/request</th>
                  <th>Cost</th>
                </tr>
              </thead>
              <tbody>
                {d.ours.lines.map((l) => (
                  <tr key={l.model}>
                    <td>{l.model}</td>
                    <td>{num(l.requests)}</td>
                    <td>{l.inputTokens.toLocaleString()}</td>
                    <td>{l.outputTokens.toLocaleString()}</td>
                    <td>{l.inputUsdPerMTok ?? "–"}</td>
                    <td>{l.outputUsdPerMTok ?? "–"}</td>
                    <td>{l.requestUsd ? l.requestUsd : "–"}</td>
                    <td>{usd(l.costUsd)}</td>
                  </tr>
                ))}
                <tr>
                  <th>Total</th>
                  <th>{num(d.ours.total.requests)}</th>
                  <th>{d.ours.total.inputTokens.toLocaleString()}</th>
                  <th>{d.ours.total.outputTokens.toLocaleString()}</th>
                  <th />
                  <th />
                  <th />
                  <th>{usd(d.ours.total.costUsd)}</th>
                </tr>
              </tbody>
            </table>
            {d.stripe && (
              <>
                <h2 style={{ marginTop: 16 }}>Stripe’s numbers</h2>
                <table className={css.table} data-testid="stripe-compare">
                  <thead>
                    <tr>
                      <th>Meter</th>
                      <th>Our ledger</th>
                      <th>Sent</th>
                      <th>Stripe meter summary</th>
                      <th>Match</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.meters.map(({ meter: m, unit }) => {
                      const ours =
                        m === "input"
                          ? d.ours.total.inputTokens
                          : m === "output"
                            ? d.ours.total.outputTokens
                            : d.ours.total.costMicroUsd;
                      const s = stripeMeter(m);
                      return (
                        <tr key={m}>
                          <td>
                            {m === "cost" ? "cost" : `${m} tokens`}{" "}
                            <span className="muted small">({unit})</span>
                          </td>
                          <td>{ours.toLocaleString()}</td>
                          <td>{sent(m).toLocaleString()}</td>
                          <td>{s === null ? "–" : s.toLocaleString()}</td>
                          <td>
                            {s === null ? (
                              "–"
                            ) : s === ours ? (
                              <Badge value="equal" kind="ok" />
                            ) : (
                              <Badge
                                value={`${s - ours > 0 ? "+" : ""}${s - ours} (sync pending?)`}
                                kind="warn"
                              />
                            )}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
                {d.stripe.onCostMeter === false && (
                  <div className="alert error" data-testid="stripe-legacy-plan">
                    This subscription still bills the old per-model token prices; it moves to the cost meter
                    at the next reconciliation (or press Start paid plan).
                  </div>
                )}
                {d.stripe.invoice && (
                  <>
                    <p className="small">
                      Stripe invoice preview: <strong>{usd(d.stripe.invoice.totalUsd)}</strong> (
                      {d.stripe.invoice.lines.map((l) => `${l.description}: ${usd(l.amountUsd)}`).join("; ")}
                      ). Stripe bills the cost meter (micro-USD at $0.000001 each); token lines are
                      informational at $0.
                    </p>
                    {d.stripe.invoice.check && (
                      <div
                        className={`alert ${d.stripe.invoice.check.status === "match" ? "ok" : "error"}`}
                        data-testid="invoice-check"
                      >
                        <Badge
                          value={d.stripe.invoice.check.status === "match" ? "matches" : "differs"}
                          kind={d.stripe.invoice.check.status === "match" ? "ok" : "bad"}
                        />{" "}
                        {d.stripe.invoice.check.detail} (minutes synced up to {d.syncedUntil.slice(0, 16)}Z).
                      </div>
                    )}
                  </>
                )}
              </>
            )}
          </div>

          <div className={css.grid2}>
            <div className="panel">
              <h2>Meter sync</h2>
              <table className={css.table} data-testid="meter-sync">
                <tbody>
                  {d.meterSync.byStatus.map((s) => (
                    <tr key={s.status}>
                      <td>
                        <Badge
                          value={s.status}
                          kind={s.status === "sent" ? "ok" : s.status === "failed" ? "bad" : "warn"}
                        />
                      </td>
                      <td>{s.rows} rows</td>
                      <td>{s.tokens.toLocaleString()} tokens</td>
                      <td>{usd(s.costMicroUsd / 1e6)}</td>
                    </tr>
                  ))}
                  {d.meterSync.byStatus.length === 0 && (
                    <tr>
                      <td className="muted">Nothing to send yet this period.</td>
                    </tr>
                  )}
                </tbody>
              </table>
              {d.meterSync.failures.length > 0 && (
                <table className={css.table}>
                  <thead>
                    <tr>
                      <th>Minute</th>
                      <th>Meter</th>
                      <th>Tries</th>
                      <th>Next try</th>
                      <th>Last error</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.meterSync.failures.map((f) => (
                      <tr key={f.identifier}>
                        <td className="small">{f.minute.slice(0, 16)}</td>
                        <td>{f.meter}</td>
                        <td>{f.attempts}</td>
                        <td className="small">{f.nextAttemptAt?.slice(11, 19) ?? "never"}</td>
                        <td className="small" style={{ whiteSpace: "normal", textAlign: "left" }}>
                          {f.lastError}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
            <div className="panel">
              <h2>Reconciliation with Stripe</h2>
              <table className={css.table} data-testid="reconciliation">
                <tbody>
                  {d.reconciliation.map((r) => (
                    <tr key={`${r.meter}${r.checkedAt}`}>
                      <td>{r.meter}</td>
                      <td>
                        <Badge value={r.status} kind={r.status === "ok" ? "ok" : "bad"} />
                      </td>
                      <td>ours {r.ours.toLocaleString()}</td>
                      <td>Stripe {r.stripe?.toLocaleString() ?? "–"}</td>
                      <td className="small">{r.checkedAt.slice(11, 16)}</td>
                    </tr>
                  ))}
                  {d.reconciliation.length === 0 && (
                    <tr>
                      <td className="muted">
                        No reconciliation yet (runs every 10 minutes while Stripe is on).
                      </td>
                    </tr>
                  )}
                </tbody>
              </table>
            </div>
          </div>
        </>
      )}

      <PricesEditor canEdit={isAdmin} />

      <div className="panel">
        <h2>Grafana</h2>
        <p className="muted small">
          The same dashboard over the gateway’s Prometheus metrics (/metrics), and a scrape config for
          Prometheus.
        </p>
        <div className="row">
          <button
            type="button"
            data-testid="grafana-export"
            onClick={async () => {
              const r = await grafana.refetch();
              if (r.data)
                download(
                  "aitk-overview.grafana.json",
                  JSON.stringify(r.data.dashboard, null, 2),
                  "application/json",
                );
            }}
          >
            Download Grafana dashboard JSON
          </button>
          <button
            type="button"
            onClick={async () => {
              const r = await grafana.refetch();
              if (r.data) download("prometheus.yml", r.data.prometheus, "text/yaml");
            }}
          >
            Download Prometheus scrape config
          </button>
        </div>
      </div>
    </div>
  );
}
