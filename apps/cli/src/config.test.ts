import { describe, expect, it } from "vitest";
import { normalizeApiUrl } from "./config";
import { UsageError } from "./errors";

describe("normalizeApiUrl", () => {
  it("accepts the dashboard URL or the API URL", () => {
    expect(normalizeApiUrl("http://127.0.0.1:3000")).toBe("http://127.0.0.1:3000/api/v1");
    expect(normalizeApiUrl("http://127.0.0.1:3000/")).toBe("http://127.0.0.1:3000/api/v1");
    expect(normalizeApiUrl("https://aitk.example.com/api/v1/")).toBe("https://aitk.example.com/api/v1");
    expect(normalizeApiUrl(" https://x.example/aitk?x=1#y ")).toBe("https://x.example/aitk/api/v1");
  });
  it("refuses what is not an http(s) URL", () => {
    expect(() => normalizeApiUrl("127.0.0.1:3000")).toThrow(UsageError);
    expect(() => normalizeApiUrl("ftp://x")).toThrow("must be http:// or https://");
  });
});
