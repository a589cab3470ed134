import { describe, expect, it } from "vitest";
import { SseTap } from "./sse";
import { extractUsage } from "./usage";

const ev = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const content = (t: string) => ({ id: "x", choices: [{ index: 0, delta: { content: t } }], usage: null });
const usage = { id: "x", choices: [], usage: { prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 } };

describe("SseTap", () => {
  it("pass-through: forwards bytes untouched and finds usage across chunk boundaries", () => {
    const tap = new SseTap(false);
    const all = ev(content("a")) + ev(content("b")) + ev(usage) + "data: [DONE]\n\n";
    let out = "";
    for (let i = 0; i < all.length; i += 7) out += String(tap.push(Buffer.from(all.slice(i, i + 7))));
    out += tap.flush();
    expect(out).toBe(all);
    expect(tap.usage).toEqual({ promptTokens: 11, completionTokens: 2 });
    expect(tap.contentChunks).toBe(2);
  });

  it("strip: drops the usage-only chunk and removes usage from content chunks", () => {
    const tap = new SseTap(true);
    const withUsage = { id: "x", choices: [{ index: 0, delta: { content: "z" } }], usage: usage.usage };
    const all = ev(content("a")) + ev(withUsage) + ev(usage) + "data: [DONE]\n\n";
    let out = "";
    for (let i = 0; i < all.length; i += 5) out += String(tap.push(Buffer.from(all.slice(i, i + 5))));
    out += tap.flush();
    expect(out).not.toContain("prompt_tokens");
    expect(out).toContain('"content":"a"');
    expect(out).toContain('"content":"z"');
    expect(out.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(tap.usage?.promptTokens).toBe(11);
  });

  it("handles CRLF event separators", () => {
    const tap = new SseTap(true);
    const out = tap.push(
      Buffer.from(`data: ${JSON.stringify(content("a"))}\r\n\r\ndata: ${JSON.stringify(usage)}\r\n\r\n`),
    );
    expect(String(out)).toContain('"content":"a"');
    expect(String(out)).not.toContain("prompt_tokens");
    expect(tap.usage?.completionTokens).toBe(2);
  });
});

describe("extractUsage", () => {
  it("reads the last usage object and ignores escaped field names in text", () => {
    const body = JSON.stringify({
      choices: [{ message: { content: 'say "prompt_tokens": 999' } }],
      usage: { prompt_tokens: 5, completion_tokens: 7 },
    });
    expect(extractUsage(body)).toEqual({ promptTokens: 5, completionTokens: 7 });
    expect(extractUsage('{"usage":{"prompt_tokens":3,"total_tokens":3}}')).toEqual({
      promptTokens: 3,
      completionTokens: 0,
    });
    expect(extractUsage('{"choices":[]}')).toBeNull();
  });
});
