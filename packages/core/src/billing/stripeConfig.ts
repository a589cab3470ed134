// Stripe settings as the apps read them from their environment, turned into stripe-node options.
// STRIPE_API_BASE (e.g. http://127.0.0.1:12111 for the emulator) becomes host/port/protocol, which
// stripe-node applies to every API base, meter events included.
import { DomainError } from "../errors";

export type TStripeConfig = {
  secretKey: string;
  host: string;
  port: number;
  protocol: "http" | "https";
  webhookSecret: string | null;
};

export function parseStripeConfig(input: {
  secretKey?: string | null;
  apiBase?: string | null;
  webhookSecret?: string | null;
}): TStripeConfig | null {
  const secretKey = input.secretKey?.trim();
  if (!secretKey) return null;
  if (!/^(sk|rk)_(test|live)_\S+$/.test(secretKey)) {
    throw new DomainError("VALIDATION", "STRIPE_SECRET_KEY must look like sk_test_… or sk_live_…", {
      field: "STRIPE_SECRET_KEY",
    });
  }
  let url: URL;
  try {
    url = new URL(input.apiBase?.trim() || "https://api.stripe.com");
  } catch {
    throw new DomainError("VALIDATION", `STRIPE_API_BASE is not a URL: ${input.apiBase}`, {
      field: "STRIPE_API_BASE",
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new DomainError("VALIDATION", "STRIPE_API_BASE must start with http:// or https://", {
      field: "STRIPE_API_BASE",
    });
  }
  const protocol = url.protocol === "http:" ? "http" : "https";
  return {
    secretKey,
    host: url.hostname,
    port: url.port ? Number(url.port) : protocol === "http" ? 80 : 443,
    protocol,
    webhookSecret: input.webhookSecret?.trim() || null,
  };
}

/**
 * A per-token Stripe unit price in cents as a decimal string, from our micro-USD per million tokens.
 * 1 micro-USD / 1M tokens = 1e-12 USD per token = 1e-10 cents per token, so the value is exact with
 * at most 10 decimals (Stripe accepts 12).
 */
export function centsPerTokenDecimal(microUsdPerMTok: number): string {
  const n = BigInt(Math.max(0, Math.trunc(microUsdPerMTok)));
  const whole = n / 10_000_000_000n;
  const frac = (n % 10_000_000_000n).toString().padStart(10, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : whole.toString();
}
