// Sign-in limits (per account and per IP, 429 with a readable message) and the job event stream's
// session + org checks.
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as authPost } from "../src/app/api/auth/[...nextauth]/route";
import { GET as jobEvents } from "../src/app/api/jobs/[id]/events/route";
import { getEnv } from "../src/env";
import {
  checkSignIn,
  hitSignUpLimit,
  limitMessage,
  recordSignInFailure,
  recordSignInSuccess,
} from "../src/server/services/signInLimiter";
import { createFixture, type TFixture } from "./fixtures";

let f: TFixture;
beforeAll(async () => {
  f = await createFixture();
});
afterAll(async () => {
  await f?.close();
});

const limits = { perAccount: 3, perIp: 5, windowSec: 60 };

describe("sign-in limits", () => {
  it("locks an account after repeated failures and says for how long", async () => {
    const email = `victim-${Date.now()}@test.local`;
    for (let i = 0; i < 3; i++) {
      expect((await checkSignIn(f.redis, email, "10.1.1.1", limits)).allowed).toBe(true);
      await recordSignInFailure(f.redis, email, "10.1.1.1", limits);
    }
    const d = await checkSignIn(f.redis, email, "10.9.9.9", limits);
    expect(d).toMatchObject({ allowed: false, scope: "account" });
    if (!d.allowed)
      expect(limitMessage(d)).toMatch(
        /Too many failed sign-in attempts for this account\. Try again in 1 minute/,
      );
  });

  it("limits one IP across accounts", async () => {
    const ip = `10.2.${Date.now() % 250}.7`;
    for (let i = 0; i < 5; i++)
      await recordSignInFailure(f.redis, `u${i}-${Date.now()}@test.local`, ip, limits);
    expect(await checkSignIn(f.redis, `fresh-${Date.now()}@test.local`, ip, limits)).toMatchObject({
      allowed: false,
      scope: "ip",
    });
  });

  it("a success clears the account counter", async () => {
    const email = `ok-${Date.now()}@test.local`;
    for (let i = 0; i < 2; i++) await recordSignInFailure(f.redis, email, null, limits);
    await recordSignInSuccess(f.redis, email);
    await recordSignInFailure(f.redis, email, null, limits);
    expect((await checkSignIn(f.redis, email, null, limits)).allowed).toBe(true);
  });

  it("limits sign-ups per remote IP, not loopback", async () => {
    const ip = `10.3.${Date.now() % 250}.9`;
    expect(await hitSignUpLimit(f.redis, ip, 2, 60)).toBeNull();
    expect(await hitSignUpLimit(f.redis, ip, 2, 60)).toBeNull();
    expect(await hitSignUpLimit(f.redis, ip, 2, 60)).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) expect(await hitSignUpLimit(f.redis, "127.0.0.1", 2, 60)).toBeNull();
  });

  it("the sign-in route answers 429 JSON once the account is locked", async () => {
    const email = `locked-${Date.now()}@test.local`;
    for (let i = 0; i < 5; i++) await recordSignInFailure(f.redis, email, null);
    const req = new Request("http://127.0.0.1:3000/api/auth/callback/credentials", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email, password: "whatever", csrfToken: "x", json: "true" }),
    });
    const res = await authPost(req, { params: Promise.resolve({ nextauth: ["callback", "credentials"] }) });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("RATE_LIMITED");
    expect(body.error.message).toMatch(/Too many failed sign-in attempts/);
  });
});

describe("job event stream", () => {
  async function sessionCookie(userId: string) {
    const token = await encode({
      token: { userId, email: "x@test.local" },
      secret: getEnv().NEXTAUTH_SECRET,
    });
    return `next-auth.session-token=${token}`;
  }
  const call = (jobId: string, cookie: string | null, signal?: AbortSignal) =>
    jobEvents(
      new Request(`http://127.0.0.1:3000/api/jobs/${jobId}/events`, {
        headers: cookie ? { cookie } : {},
        ...(signal ? { signal } : {}),
      }),
      { params: Promise.resolve({ id: jobId }) },
    );

  it("needs a session", async () => {
    expect((await call(f.a.jobId, null)).status).toBe(401);
  });

  it("refuses another org's job, even with that org in the cookie", async () => {
    const cookie = await sessionCookie(f.a.ownerId);
    expect((await call(f.b.jobId, cookie)).status).toBe(404);
    expect((await call(f.b.jobId, `${cookie}; aitk_org=${f.b.orgId}`)).status).toBe(404);
  });

  it("streams the job snapshot to a member of its org", async () => {
    const ac = new AbortController();
    const res = await call(f.a.jobId, await sessionCookie(f.a.viewerId), ac.signal);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    const text = new TextDecoder().decode(value);
    expect(text).toContain("event: job");
    expect(text).toContain(f.a.jobId);
    ac.abort();
    await reader.cancel();
  });
});
