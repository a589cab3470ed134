/**
 * Rule-based prompt complexity for model "auto" (the seed's edge/cloud idea: a cheap local model for
 * simple prompts, a larger one for complex ones). Runs in microseconds with no external call.
 * Score in [0, 1]; signals: length, code, reasoning / multi-step words, math, number of turns.
 */
const REASONING =
  /\b(why|explain|analy[sz]e|compare|prove|derive|step[- ]by[- ]step|reason|design|architecture|optimi[sz]e|trade-?offs?|evaluate|plan)\b/gi;
const CODE = /```|\bfunction\b|\bclass\b|=>|\bdef\b|\bimport\b|;\s*$|\{\s*$/m;
const MATH = /[∑∫√≤≥]|\b(integral|derivative|equation|theorem|matrix|probability)\b|\d+\s*[*/^]\s*\d+/i;

export type TComplexity = { score: number; signals: string[] };

export function promptText(body: Record<string, unknown>): { text: string; turns: number } {
  const messages = body.messages;
  if (Array.isArray(messages)) {
    let text = "";
    for (const m of messages) {
      const c = (m as { content?: unknown } | null)?.content;
      if (typeof c === "string") text += c + "\n";
      else if (Array.isArray(c)) {
        for (const p of c)
          if (typeof (p as { text?: unknown })?.text === "string")
            text += (p as { text: string }).text + "\n";
      }
    }
    return { text, turns: messages.length };
  }
  const p = body.prompt ?? body.input;
  return {
    text:
      typeof p === "string" ? p : Array.isArray(p) ? p.filter((x) => typeof x === "string").join("\n") : "",
    turns: 1,
  };
}

export function scoreComplexity(body: Record<string, unknown>): TComplexity {
  const { text, turns } = promptText(body);
  const signals: string[] = [];
  let score = 0;
  const len = text.length;
  if (len > 2000) {
    score += 0.35;
    signals.push("long");
  } else if (len > 400) {
    score += 0.15;
    signals.push("medium-length");
  }
  const reasoning = text.match(REASONING)?.length ?? 0;
  if (reasoning > 0) {
    score += Math.min(0.4, 0.2 * reasoning);
    signals.push("reasoning");
  }
  if (CODE.test(text)) {
    score += 0.25;
    signals.push("code");
  }
  if (MATH.test(text)) {
    score += 0.2;
    signals.push("math");
  }
  if (turns > 6) {
    score += 0.1;
    signals.push("many-turns");
  }
  return { score: Math.min(1, score), signals };
}

/**
 * Picks among candidate models ordered by tier (small = cheap): simple prompts (score < 0.3) get the
 * lowest tier, complex ones (>= 0.6) the highest, the rest the middle. Ties broken by name for stability.
 */
export function pickAutoModel<T extends { name: string; tier: number }>(
  models: readonly T[],
  score: number,
): T | undefined {
  if (models.length === 0) return undefined;
  const sorted = [...models].sort((a, b) => a.tier - b.tier || a.name.localeCompare(b.name));
  if (score < 0.3) return sorted[0];
  if (score >= 0.6) return sorted[sorted.length - 1];
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
