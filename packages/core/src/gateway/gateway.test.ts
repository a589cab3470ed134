import { describe, expect, it } from "vitest";
import { pickAutoModel, scoreComplexity } from "./complexity";
import { redactPii } from "./pii";
import { formatReset, orgLimits, rateLimitHeaders, resetSeconds, tighter } from "./rateLimit";
import { checkUpstreamAddresses, checkUpstreamUrl, classifyAddress } from "./ssrf";
import { completionReserve, estimatePromptTokens } from "./tokens";

describe("ssrf", () => {
  it("classifies addresses", () => {
    expect(classifyAddress("8.8.8.8")).toBe("public");
    expect(classifyAddress("127.0.0.1")).toBe("loopback");
    expect(classifyAddress("10.1.2.3")).toBe("private");
    expect(classifyAddress("172.20.0.1")).toBe("private");
    expect(classifyAddress("172.32.0.1")).toBe("public");
    expect(classifyAddress("192.168.1.1")).toBe("private");
    expect(classifyAddress("169.254.169.254")).toBe("metadata");
    expect(classifyAddress("169.254.1.1")).toBe("link-local");
    expect(classifyAddress("0.0.0.0")).toBe("unspecified");
    expect(classifyAddress("::1")).toBe("loopback");
    expect(classifyAddress("[::1]")).toBe("loopback");
    expect(classifyAddress("::ffff:127.0.0.1")).toBe("loopback");
    expect(classifyAddress("::ffff:169.254.169.254")).toBe("metadata");
    expect(classifyAddress("fe80::1")).toBe("link-local");
    expect(classifyAddress("fd12:3456::1")).toBe("private");
    expect(classifyAddress("fd00:ec2::254")).toBe("metadata");
    expect(classifyAddress("2606:4700::1111")).toBe("public");
    expect(classifyAddress("example.com")).toBe("invalid");
  });
  it("applies org policy", () => {
    const strict = { allowPrivateUpstreams: false, allowLoopbackUpstreams: false };
    const loop = { allowPrivateUpstreams: false, allowLoopbackUpstreams: true };
    expect(checkUpstreamAddresses("http://x.test/v1", ["127.0.0.1"], strict).ok).toBe(false);
    expect(checkUpstreamAddresses("http://x.test/v1", ["127.0.0.1"], loop).ok).toBe(true);
    expect(checkUpstreamAddresses("http://x.test/v1", ["8.8.8.8", "10.0.0.1"], loop).ok).toBe(false);
    expect(
      checkUpstreamAddresses("http://x.test/v1", ["169.254.169.254"], {
        allowPrivateUpstreams: true,
        allowLoopbackUpstreams: true,
      }).ok,
    ).toBe(false);
    expect(checkUpstreamAddresses("ftp://x.test/v1", ["8.8.8.8"], loop).ok).toBe(false);
    expect(checkUpstreamAddresses("http://u:p@x.test/v1", ["8.8.8.8"], loop).ok).toBe(false);
    expect(checkUpstreamAddresses("http://metadata.google.internal/", ["8.8.8.8"], loop).ok).toBe(false);
  });
  it("resolves with the injected resolver and skips DNS for literals", async () => {
    const policy = { allowPrivateUpstreams: false, allowLoopbackUpstreams: false };
    let called = 0;
    const resolve = async () => {
      called++;
      return ["10.0.0.5"];
    };
    const r = await checkUpstreamUrl("https://internal.example/v1", policy, resolve);
    expect(r.ok).toBe(false);
    expect(called).toBe(1);
    expect((await checkUpstreamUrl("http://[::1]:8080/v1", policy, resolve)).ok).toBe(false);
    expect(called).toBe(1);
  });
});

describe("pii", () => {
  it("redacts emails, cards, ssn and keys", () => {
    const s = redactPii(
      "mail bob@example.com card 4111 1111 1111 1111 ssn 123-45-6789 key aitk_abcdefghij1234567890 Bearer sk-abcdefghijkl order 1234567890123",
    );
    expect(s).not.toContain("bob@example.com");
    expect(s).toContain("[REDACTED_CARD]");
    expect(s).toContain("[REDACTED_SSN]");
    expect(s).not.toContain("aitk_abcdefghij");
    expect(s).not.toContain("sk-abcdefghijkl");
    // Not a Luhn-valid card: kept.
    expect(s).toContain("1234567890123");
  });
});

describe("rate limit math", () => {
  it("resolves tiers and overrides", () => {
    expect(orgLimits("free", null, null).rpm).toBe(10);
    expect(orgLimits("paid", null, null).rpm).toBe(1000);
    expect(orgLimits("paid", 5, null).rpm).toBe(5);
    expect(tighter(0, 0, 100, 50)).toEqual([100, 50]);
    expect(tighter(10, 3, 100, 50)).toEqual([10, 3]);
    expect(resetSeconds(59_500)).toBe(1);
    expect(formatReset(1500)).toBe("1.5s");
    expect(formatReset(360_000)).toBe("6m0s");
    const h = rateLimitHeaders({
      allowed: true,
      limitedBy: "",
      limitRequests: 10,
      remainingRequests: 9,
      limitTokens: 0,
      remainingTokens: 0,
      resetMs: 1000,
    });
    expect(h["x-ratelimit-remaining-requests"]).toBe("9");
    expect(h["x-ratelimit-limit-tokens"]).toBeUndefined();
  });
});

describe("tokens and complexity", () => {
  it("estimates prompt tokens and reserve", () => {
    expect(estimatePromptTokens({ messages: [{ role: "user", content: "hello world!" }] })).toBe(10);
    expect(estimatePromptTokens({ input: ["abcd", "abcdefgh"] })).toBe(3);
    expect(completionReserve({ max_tokens: 7 }, 100)).toBe(7);
    expect(completionReserve({}, 100)).toBe(100);
  });
  it("routes simple prompts to the small model and complex to the large one", () => {
    const models = [
      { name: "big", tier: 3 },
      { name: "tiny", tier: 1 },
    ];
    const simple = scoreComplexity({ messages: [{ role: "user", content: "hi there" }] });
    const hard = scoreComplexity({
      messages: [
        {
          role: "user",
          content:
            "Explain step by step why this function is slow and compare designs:\n```js\nfunction f(){}\n```",
        },
      ],
    });
    expect(pickAutoModel(models, simple.score)?.name).toBe("tiny");
    expect(pickAutoModel(models, hard.score)?.name).toBe("big");
  });
});
