// The three Stripe billing meters and the deterministic identifiers of the meter events we send.
// An identifier names (org, meter, minute, revision), so a retry, a replay or a restarted worker sends
// the same identifier again and Stripe (which keeps identifiers unique for at least 24 h) drops it.
//
// Money goes through the `cost` meter: its value is the ledger's cost (computed at ingestion from our
// versioned per-model prices, per-request fees included) in micro-USD, and one Stripe price converts
// it to money. The two token meters stay for reconciliation and as zero-amount informational invoice
// lines. See COST_UNIT_PICO for the unit and planCost for how sub-unit remainders are carried.

export const METER_KINDS = ["input", "output", "cost"] as const;
export type TMeterKind = (typeof METER_KINDS)[number];
export const TOKEN_METERS = ["input", "output"] as const satisfies readonly TMeterKind[];

export const METERS: Record<TMeterKind, { eventName: string; displayName: string; unit: string }> = {
  input: { eventName: "aitk_input_tokens", displayName: "aitk input tokens", unit: "tokens" },
  output: { eventName: "aitk_output_tokens", displayName: "aitk output tokens", unit: "tokens" },
  cost: { eventName: "aitk_usage_cost", displayName: "aitk usage cost (micro-USD)", unit: "micro-USD" },
};

export function isMeterKind(s: string): s is TMeterKind {
  return (METER_KINDS as readonly string[]).includes(s);
}

/**
 * The cost meter's unit: 1 micro-USD = 10^6 pico-USD (our ledger's unit).
 *
 * - Stripe meter event values are aggregated as doubles and values above 15 significant digits are
 *   refused, so pico-USD (exact per event) would lose precision past ~$9,000 per summary window;
 *   micro-USD stays exact to ~$9·10^9 per org and period.
 * - Integer values only: a per-event cost in pico-USD is rarely a whole number of micro-USD, so the
 *   remainder is carried (planCost): the micro-USD sent for an (org, billing period) is always
 *   floor(ledger pico-USD of the planned minutes / 10^6), never the sum of per-minute roundings.
 * - Exact to the cent: half a cent is 5·10^9 pico-USD = 5,000 micro-USD, a whole number of units, so
 *   round_half_up(floor(P / 10^6) × 0.0001 ¢) = round_half_up(P / 10^10 ¢) for every ledger total P:
 *   Stripe's line (summed units × unit_amount_decimal "0.0001" cents, rounded half up) equals our
 *   ledger cost rounded to cents.
 */
export const COST_UNIT_PICO = 1_000_000n;
/** The cost price's unit_amount_decimal: cents per micro-USD. */
export const COST_UNIT_CENTS_DECIMAL = "0.0001";

/** Stripe accepts meter event timestamps within the past 35 calendar days (and ≤ 5 min ahead). */
export const STRIPE_WINDOW_MS = 35 * 24 * 60 * 60 * 1000;
/** Margin kept inside the window so an event planned now is still accepted when it is sent. */
export const STRIPE_WINDOW_MARGIN_MS = 60 * 60 * 1000;

export const MINUTE_MS = 60_000;

export const minuteFloor = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/** `aitk:<orgId>:<meter>:<minuteISO>` (+ `:r<n>` for later corrections); at most 100 characters. */
export function meterIdentifier(orgId: string, meter: TMeterKind, minute: Date, revision = 0): string {
  const iso = new Date(minuteFloor(minute.getTime())).toISOString().slice(0, 16);
  const id = `aitk:${orgId}:${meter}:${iso}${revision > 0 ? `:r${revision}` : ""}`;
  if (id.length > 100) throw new Error(`meter identifier longer than 100 characters: ${id}`);
  return id;
}

/** Whether a minute can still be sent to Stripe at `now` (inside the 35-day window, with margin). */
export function withinStripeWindow(minute: Date, now: number): boolean {
  return minute.getTime() > now - STRIPE_WINDOW_MS + STRIPE_WINDOW_MARGIN_MS;
}

/**
 * Minutes strictly before this are closed: no more events are expected for them. `lagMs` covers the
 * ledger's own delay (gateway → Redis stream → drain every 2 s).
 */
export function closedBefore(now: number, lagMs = 30_000): number {
  return minuteFloor(now - lagMs);
}

/** Retry delay after `attempts` failed tries: 30 s, 1 min, 2 min, … capped at 1 h. */
export function backoffMs(attempts: number, baseMs = 30_000, capMs = 3_600_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * The new meter-sync rows a minute needs: our ledger total for (org, meter, minute) minus what was
 * already planned (sent or pending). Ledger totals only grow (events are append-only); a smaller total
 * (raw events removed by retention) never produces a negative event.
 */
export function planMinute(ledgerValue: bigint, planned: { revision: number; value: bigint }[]) {
  const already = planned.reduce((a, p) => a + p.value, 0n);
  const diff = ledgerValue - already;
  if (diff <= 0n) return null;
  const revision = planned.length ? Math.max(...planned.map((p) => p.revision)) + 1 : 0;
  return { revision, value: diff };
}

/** Start (UTC ms) of the calendar month containing `ms`: the billing period the cost carry resets on. */
export function periodStartOf(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export type TCostRow = { revision: number; value: bigint; costPicoUsd: bigint };

/**
 * Cost-meter rows for the minutes touched in one planning run, in integer micro-USD with the
 * remainder carried per (org, billing period).
 *
 * `minutes`: each touched minute's ledger cost in pico-USD and the cost rows already planned for it;
 * `period`: per (org, period start) the pico-USD and micro-USD already planned over the whole period.
 * Each minute's new pico-USD (ledger minus planned) becomes a row covering it (`costPicoUsd`) whose
 * value makes the period's micro-USD equal floor(period pico-USD / 10^6) again. A row may carry 0
 * (less than one unit so far): it is recorded, so its pico-USD counts, but there is nothing to send.
 * Mutates `period` (running totals).
 */
export function planCost(
  minutes: readonly { orgId: string; minute: Date; ledgerPico: bigint; planned: readonly TCostRow[] }[],
  period: Map<string, { pico: bigint; micro: bigint }>,
) {
  const out: { orgId: string; minute: Date; revision: number; value: bigint; costPicoUsd: bigint }[] = [];
  const sorted = [...minutes].sort(
    (a, b) => a.minute.getTime() - b.minute.getTime() || (a.orgId < b.orgId ? -1 : 1),
  );
  for (const m of sorted) {
    const covered = m.planned.reduce((a, p) => a + p.costPicoUsd, 0n);
    const delta = m.ledgerPico - covered;
    if (delta <= 0n) continue;
    const key = periodKey(m.orgId, m.minute);
    const p = period.get(key) ?? { pico: 0n, micro: 0n };
    const pico = p.pico + delta;
    const target = pico / COST_UNIT_PICO;
    const value = target > p.micro ? target - p.micro : 0n;
    period.set(key, { pico, micro: p.micro + value });
    const revision = m.planned.length ? Math.max(...m.planned.map((x) => x.revision)) + 1 : 0;
    out.push({ orgId: m.orgId, minute: m.minute, revision, value, costPicoUsd: delta });
  }
  return out;
}

export const periodKey = (orgId: string, minute: Date) => `${orgId}|${periodStartOf(minute.getTime())}`;

/** Our ledger cost (pico-USD) as the cost meter's units: what Stripe's summary must show. */
export const picoToCostUnits = (pico: bigint): bigint => pico / COST_UNIT_PICO;
