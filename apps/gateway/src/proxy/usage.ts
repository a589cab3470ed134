export type TUsage = { promptTokens: number; completionTokens: number };

function numberAfter(s: string, field: string): number | null {
  const i = s.lastIndexOf(field);
  if (i < 0 || s.charCodeAt(i - 1) === 92 /* \ : inside an escaped string */) return null;
  let j = i + field.length;
  while (j < s.length && (s[j] === " " || s[j] === ":" || s[j] === "\t" || s[j] === "\n")) j++;
  let n = 0;
  let digits = 0;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    digits++;
    j++;
  }
  return digits > 0 ? n : null;
}

/**
 * Usage from an OpenAI JSON response without a second JSON.parse of the whole body: `usage` is one
 * object near the end; the last occurrence of each field is taken (field names inside generated text
 * are escaped, so `\"prompt_tokens\"` is skipped).
 */
export function extractUsage(body: string): TUsage | null {
  const p = numberAfter(body, '"prompt_tokens"');
  if (p === null) return null;
  return { promptTokens: p, completionTokens: numberAfter(body, '"completion_tokens"') ?? 0 };
}
