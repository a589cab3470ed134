// Money is integer pico-USD (1e-12 USD) everywhere in aitk; these helpers convert for display and for
// comparison with Stripe, which bills in cents.

export const PICO_PER_USD = 1_000_000_000_000n;
export const PICO_PER_CENT = 10_000_000_000n;

export function picoToUsd(pico: bigint | number | string): number {
  return Number(BigInt(pico)) / 1e12;
}

/** Stripe rounds each line to whole cents (half up). */
export function picoToCentsRounded(pico: bigint): bigint {
  return (pico + PICO_PER_CENT / 2n) / PICO_PER_CENT;
}

export function formatUsd(usd: number): string {
  const abs = Math.abs(usd);
  const digits = abs === 0 ? 2 : abs < 0.01 ? 6 : abs < 1 ? 4 : 2;
  return `$${usd.toFixed(digits)}`;
}
