import { describe, expect, it } from "vitest";
import { EXIT_FAILED, EXIT_USAGE, exitCodeFor } from "../errors";
import { ApiError, ApiUnavailableError, errorFromResponse } from "./errors";

const body = (error: Record<string, unknown>) => JSON.stringify({ error });
const URL = "http://127.0.0.1:3000/api/v1";

describe("errorFromResponse", () => {
  it("4xx is a usage error (exit 2) whose message names the field", () => {
    const e = errorFromResponse(
      400,
      body({ code: "VALIDATION", message: "is required", field: "name" }),
      "POST /keys",
      URL,
    );
    expect(e).toBeInstanceOf(ApiError);
    expect(e.message).toBe("name: is required");
    expect(exitCodeFor(e)).toBe(EXIT_USAGE);
    const named = errorFromResponse(
      400,
      body({ code: "VALIDATION", message: "tag: must be …", field: "tag" }),
      "x",
      URL,
    );
    expect(named.message).toBe("tag: must be …");
  });
  it("401 tells the user to log in; 403 says forbidden", () => {
    const e = errorFromResponse(
      401,
      body({ code: "UNAUTHORIZED", message: "API key has been revoked" }),
      "GET /me",
      URL,
    );
    expect(e.message).toContain("API key has been revoked");
    expect(e.message).toContain("aitk login");
    expect(exitCodeFor(e)).toBe(EXIT_USAGE);
    expect(
      errorFromResponse(403, body({ code: "FORBIDDEN", message: "admins only" }), "x", URL).message,
    ).toBe("forbidden: admins only");
  });
  it("5xx and non-JSON failures are exit 1", () => {
    const e = errorFromResponse(
      500,
      body({ code: "INTERNAL", message: "internal error (request r1)" }),
      "GET /jobs",
      URL,
    );
    expect(e).toBeInstanceOf(ApiUnavailableError);
    expect(e.message).toBe("GET /jobs failed on the server: internal error (request r1)");
    expect(exitCodeFor(e)).toBe(EXIT_FAILED);
    expect(errorFromResponse(502, "<html>", "GET /me", URL).message).toContain("HTTP 502");
    expect(errorFromResponse(404, "<html>", "GET /me", URL)).toBeInstanceOf(ApiError);
  });
});
