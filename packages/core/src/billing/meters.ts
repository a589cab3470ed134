// The two Stripe billing meters and the deterministic identifiers of the meter events we send.
// An identifier names (org, meter, minute, revision), so a retry, a replay or a restarted worker sends
// the same identifier again and Stripe (which keeps identifiers unique for at least 24 h) drops it.

export const METER_KINDS = ["input", "output"] as const;
export type TMeterKind = (typeof METER_KINDS)[number];

export const METERS: Record<TMeterKind, { eventName: string; displayName: string }> = {
  input: { eventName: "aitk_input_tokens", displayName: "aitk input tokens" },
  output: { eventName: "aitk_output_tokens", displayName: "aitk output tokens" },
};

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
