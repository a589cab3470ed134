import { describe, expect, it } from "vitest";
import { clientIp, lastForwardedFor } from "./handler";

describe("client IP", () => {
  it("takes the entry our proxy appended, not what the client sent", () => {
    expect(lastForwardedFor("6.6.6.6, 203.0.113.7")).toBe("203.0.113.7");
    expect(lastForwardedFor("127.0.0.1")).toBe("127.0.0.1");
    expect(lastForwardedFor("")).toBeNull();
    expect(clientIp(new Request("http://x/", { headers: { "x-real-ip": "198.51.100.2" } }))).toBe(
      "198.51.100.2",
    );
  });
});
