import { type TUsage, extractUsage } from "./usage";

const USAGE_RE = /"usage"\s*:\s*\{/;

/**
 * Watches an upstream SSE stream for the usage chunk (stream_options.include_usage) and counts content
 * chunks as a fallback token count. In pass-through mode the caller forwards upstream bytes untouched
 * and the tap only scans them. In strip mode (the gateway injected include_usage, the client did not
 * ask for it) whole events are re-emitted and the usage-only chunk (empty `choices`) is dropped, or a
 * `usage` field is removed from a content chunk, so the client sees what it asked for.
 */
export class SseTap {
  usage: TUsage | null = null;
  contentChunks = 0;
  private carry = "";

  constructor(private readonly strip: boolean) {}

  /** Returns what to send to the client for this upstream chunk (pass-through: the chunk itself). */
  push(chunk: Buffer): Buffer | string {
    const text = this.carry + chunk.toString("utf8");
    let start = 0;
    let out = "";
    for (;;) {
      let end = text.indexOf("\n\n", start);
      let sepLen = 2;
      const crlf = text.indexOf("\r\n\r\n", start);
      if (crlf >= 0 && (end < 0 || crlf < end)) {
        end = crlf;
        sepLen = 4;
      }
      if (end < 0) break;
      const ev = text.slice(start, end);
      const kept = this.onEvent(ev);
      if (this.strip && kept !== null) out += kept + text.slice(end, end + sepLen);
      start = end + sepLen;
    }
    this.carry = text.slice(start);
    // Guard against an upstream that never terminates events.
    if (this.carry.length > 1 << 20) this.carry = "";
    return this.strip ? out : chunk;
  }

  /** Whatever partial event is left at the end of the stream (strip mode only). */
  flush(): string {
    const rest = this.carry;
    this.carry = "";
    if (!rest) return "";
    const kept = this.onEvent(rest);
    return this.strip && kept !== null ? kept : "";
  }

  private onEvent(ev: string): string | null {
    const d = ev.indexOf("data:");
    if (d < 0) return ev;
    if (ev.includes('"delta"') || ev.includes('"text"')) this.contentChunks++;
    if (!USAGE_RE.test(ev)) return ev;
    const u = extractUsage(ev);
    if (u) this.usage = u;
    if (!this.strip) return ev;
    let payload = ev.slice(d + 5).trim();
    try {
      const obj = JSON.parse(payload) as { choices?: unknown[]; usage?: unknown };
      if (!obj.choices || obj.choices.length === 0) return null;
      obj.usage = undefined;
      payload = JSON.stringify(obj);
      return ev.slice(0, d) + "data: " + payload;
    } catch {
      return ev;
    }
  }
}
