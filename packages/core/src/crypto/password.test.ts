import * as crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";

vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const { hashPassword, passwordNeedsRehash, verifyPassword } = await import("./password");

describe("hashPassword / verifyPassword", () => {
  it("stores scrypt parameters with a random salt", async () => {
    const a = await hashPassword("correct horse");
    const b = await hashPassword("correct horse");
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("correct horse");
    expect(passwordNeedsRehash(a)).toBe(false);
  });

  it("verifies the right password and rejects wrong ones", async () => {
    const stored = await hashPassword("pässwörd");
    expect(await verifyPassword("pässwörd", stored)).toBe(true);
    expect(await verifyPassword("passwort", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  it("compares in constant time", async () => {
    const stored = await hashPassword("pw");
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    await verifyPassword("nope", stored);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("returns false for malformed or abusive stored hashes", async () => {
    expect(await verifyPassword("pw", "")).toBe(false);
    expect(await verifyPassword("pw", "bcrypt$2b$10$abc")).toBe(false);
    expect(await verifyPassword("pw", "scrypt$1073741824$8$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==")).toBe(false);
    expect(await verifyPassword("pw", "scrypt$1000$8$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==")).toBe(false);
    expect(passwordNeedsRehash("scrypt$1024$8$1$x$y")).toBe(true);
  });

  it("refuses to hash an empty password", async () => {
    await expect(hashPassword("")).rejects.toThrow(/empty/);
  });
});
