import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { apiKeyMatches, apiKeyPrefix, generateApiKey, hashApiKey, isApiKeyFormat } from "./apiKeys";

describe("generateApiKey", () => {
  it("makes aitk_ + 40 base62 characters, a 12-char prefix and a sha256 hash", () => {
    const { key, prefix, hash } = generateApiKey();
    expect(key).toMatch(/^aitk_[0-9A-Za-z]{40}$/);
    expect(prefix).toBe(key.slice(0, 12));
    expect(apiKeyPrefix(key)).toBe(prefix);
    expect(hash).toBe(createHash("sha256").update(key).digest("hex"));
    expect(hashApiKey(key)).toBe(hash);
    expect(isApiKeyFormat(key)).toBe(true);
  });

  it("does not repeat and uses the whole alphabet", () => {
    const keys = Array.from({ length: 500 }, () => generateApiKey().key);
    expect(new Set(keys).size).toBe(500);
    const chars = new Set(keys.join("").replace(/aitk_/g, ""));
    expect(chars.size).toBe(62);
  });

  it("checks format and matches hashes", () => {
    const { key, hash } = generateApiKey();
    expect(isApiKeyFormat(`${key}x`)).toBe(false);
    expect(isApiKeyFormat("sk-abc")).toBe(false);
    expect(apiKeyMatches(key, hash)).toBe(true);
    expect(apiKeyMatches(generateApiKey().key, hash)).toBe(false);
    expect(apiKeyMatches(key, "not-hex")).toBe(false);
  });
});
