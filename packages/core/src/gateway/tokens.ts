/**
 * Cheap prompt-token estimate used to reserve tokens before forwarding (the exact count comes back
 * in the upstream's usage and is reconciled). ~4 characters per token for English-like text, plus a
 * small per-message overhead as OpenAI's chat format adds; over-estimating slightly is the safe side.
 */
export function estimateTextTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

function contentText(content: unknown): number {
  if (typeof content === "string") return estimateTextTokens(content);
  if (Array.isArray(content)) {
    let n = 0;
    for (const part of content) {
      if (part && typeof part === "object") {
        const p = part as { type?: unknown; text?: unknown };
        if (typeof p.text === "string") n += estimateTextTokens(p.text);
        // Images and audio cost a fixed-ish amount upstream; count a conservative flat block.
        else if (p.type === "image_url" || p.type === "input_audio") n += 85;
      }
    }
    return n;
  }
  return 0;
}

/** Prompt tokens of a chat / completions / embeddings request body. */
export function estimatePromptTokens(body: Record<string, unknown>): number {
  const messages = body.messages;
  if (Array.isArray(messages)) {
    let n = 3;
    for (const m of messages) {
      if (m && typeof m === "object") n += 4 + contentText((m as { content?: unknown }).content);
    }
    return n;
  }
  const input = body.prompt ?? body.input;
  if (typeof input === "string") return estimateTextTokens(input);
  if (Array.isArray(input)) {
    let n = 0;
    for (const x of input) {
      if (typeof x === "string") n += estimateTextTokens(x);
      else if (typeof x === "number") n += 1;
      else if (Array.isArray(x)) n += x.length;
    }
    return n;
  }
  return 0;
}

/** Completion tokens to reserve: the client's cap, else a default cap (reconciled afterwards). */
export function completionReserve(body: Record<string, unknown>, defaultCap: number): number {
  const cap = body.max_completion_tokens ?? body.max_tokens;
  if (typeof cap === "number" && Number.isFinite(cap) && cap >= 0) return Math.floor(cap);
  return defaultCap;
}
