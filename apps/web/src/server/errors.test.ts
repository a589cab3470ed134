import { DomainError } from "@aitk/core/errors";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { messageWithField, toDomainError, zodToDomainError } from "./errors";
import { roleAtLeast, roleOfScopes } from "./services/actor";

describe("error mapping", () => {
  it("names the first failing field of a zod error, with a prefix for query/params", () => {
    const r = z.object({ a: z.object({ b: z.number() }) }).safeParse({ a: { b: "x" } });
    expect(r.success).toBe(false);
    if (r.success) return;
    const d = zodToDomainError(r.error);
    expect(d.code).toBe("VALIDATION");
    expect(d.details.field).toBe("a.b");
    expect(d.message).toMatch(/^a\.b: /);
    expect(zodToDomainError(r.error, "query").details.field).toBe("query.a.b");
  });

  it("always puts the field in the client message", () => {
    expect(
      messageWithField(
        new DomainError("VALIDATION", "resolves to a private address", { field: "upstreamUrl" }),
      ),
    ).toBe("upstreamUrl: resolves to a private address");
    expect(
      messageWithField(new DomainError("VALIDATION", "upstreamUrl: bad", { field: "upstreamUrl" })),
    ).toBe("upstreamUrl: bad");
    expect(messageWithField(new DomainError("NOT_FOUND", "job x not found"))).toBe("job x not found");
  });

  it("maps Prisma unique violations to CONFLICT naming the field, leaves unknown errors alone", () => {
    const p2002 = Object.assign(new Error("unique"), {
      name: "PrismaClientKnownRequestError",
      code: "P2002",
      meta: { target: ["orgId", "name"] },
    });
    const d = toDomainError(p2002);
    expect(d?.code).toBe("CONFLICT");
    expect(d?.details.field).toBe("name");
    expect(toDomainError(new Error("boom"))).toBeNull();
  });
});

describe("roles and scopes", () => {
  it("orders roles", () => {
    expect(roleAtLeast("owner", "admin")).toBe(true);
    expect(roleAtLeast("member", "admin")).toBe(false);
    expect(roleAtLeast("viewer", "viewer")).toBe(true);
  });

  it("maps key scopes to the role used on /api/v1", () => {
    expect(roleOfScopes(["inference"])).toBeNull();
    expect(roleOfScopes(["inference", "read"])).toBe("viewer");
    expect(roleOfScopes(["read", "write"])).toBe("member");
    expect(roleOfScopes(["api"])).toBe("admin");
    expect(roleOfScopes(["admin"])).toBe("admin");
  });
});
