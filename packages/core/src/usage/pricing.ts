/**
 * Prices are stored in micro-USD per million tokens; one micro-USD per million tokens is exactly one
 * pico-USD per token, so cost in pico-USD is an integer product with no rounding.
 */
export type TPriceLike = {
  orgId: string | null;
  model: string;
  inputMicroUsdPerMTok: number;
  outputMicroUsdPerMTok: number;
  requestMicroUsd: number;
  effectiveFrom: Date;
};

export function costPicoUsd(
  tokensIn: number,
  tokensOut: number,
  price: Pick<TPriceLike, "inputMicroUsdPerMTok" | "outputMicroUsdPerMTok"> & { requestMicroUsd?: number },
): bigint {
  return (
    BigInt(Math.max(0, Math.trunc(tokensIn))) * BigInt(price.inputMicroUsdPerMTok) +
    BigInt(Math.max(0, Math.trunc(tokensOut))) * BigInt(price.outputMicroUsdPerMTok) +
    BigInt(price.requestMicroUsd ?? 0) * 1_000_000n
  );
}

/**
 * The price in effect for (org, model) at `at`: the newest row with effectiveFrom <= at, an org-specific
 * row winning over the default (orgId null) one; "*" rows match any model as a last resort.
 */
export function effectivePrice<T extends TPriceLike>(
  prices: readonly T[],
  orgId: string,
  model: string,
  at: Date,
): T | undefined {
  const t = at.getTime();
  const rank = (p: T): number => (p.orgId === orgId ? 2 : 0) + (p.model === model ? 1 : 0) * 4;
  let best: T | undefined;
  for (const p of prices) {
    if (p.orgId !== null && p.orgId !== orgId) continue;
    if (p.model !== model && p.model !== "*") continue;
    if (p.effectiveFrom.getTime() > t) continue;
    if (
      !best ||
      rank(p) > rank(best) ||
      (rank(p) === rank(best) && p.effectiveFrom.getTime() > best.effectiveFrom.getTime())
    ) {
      best = p;
    }
  }
  return best;
}
