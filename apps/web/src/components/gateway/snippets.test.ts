import { describe, expect, it } from "vitest";
import { snippet } from "./snippets";

describe("gateway snippets", () => {
  const url = "http://127.0.0.1:4000/";
  it("fill in the gateway's /v1 base URL and the model, and read the key from the environment", () => {
    for (const lang of ["curl", "python", "typescript"] as const) {
      const s = snippet(lang, url, "aitk-tiny");
      expect(s).toContain("http://127.0.0.1:4000/v1");
      expect(s).not.toContain("4000//v1");
      expect(s).toContain("aitk-tiny");
      expect(s).toContain("AITK_API_KEY");
      expect(s).not.toMatch(/aitk_[0-9A-Za-z]{40}/);
    }
    expect(snippet("python", url, "m")).toContain('OpenAI(base_url="http://127.0.0.1:4000/v1"');
    expect(snippet("typescript", url, "m")).toContain('baseURL: "http://127.0.0.1:4000/v1"');
  });

  it("quotes model names safely for the shell", () => {
    const s = snippet("curl", url, "it's/odd");
    expect(s).toContain(`-d '{"model":"it'\\''s/odd"`);
  });
});
