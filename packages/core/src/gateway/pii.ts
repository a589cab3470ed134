/**
 * Redacts personal data from log text: e-mail addresses, card numbers (13–19 digits passing Luhn),
 * US SSN-like numbers, and API keys / bearer tokens. Applied to every log line the gateway writes.
 */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const CARD = /\b(?:\d[ -]?){12,18}\d\b/g;
const SSN = /\b\d{3}-\d{2}-\d{4}\b/g;
const KEYS =
  /\b(?:aitk_[A-Za-z0-9]{8,}|sk-[A-Za-z0-9_-]{8,}|sk_(?:live|test)_[A-Za-z0-9]{8,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16})\b/g;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;

function luhn(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

export function redactPii(text: string): string {
  // Fast exit: most log lines hold none of the trigger characters' patterns.
  if (text.length < 6) return text;
  let out = text
    .replace(BEARER, "$1[REDACTED_KEY]")
    .replace(KEYS, "[REDACTED_KEY]")
    .replace(EMAIL, "[REDACTED_EMAIL]");
  out = out.replace(SSN, "[REDACTED_SSN]");
  out = out.replace(CARD, (m) => {
    const digits = m.replace(/[ -]/g, "");
    return digits.length >= 13 && digits.length <= 19 && luhn(digits) ? "[REDACTED_CARD]" : m;
  });
  return out;
}

/** Deep-redacts string values of a log object (bounded depth; never mutates the input). */
export function redactPiiDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactPii(value);
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactPiiDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactPiiDeep(v, depth + 1);
  return out;
}
