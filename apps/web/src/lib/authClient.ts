// Browser side of next-auth credentials sign-in, without next-auth/react: our route answers 429 with a
// JSON message when the sign-in limit is hit, which the stock client cannot show.
export type TSignInResult = { ok: true } | { ok: false; message: string; field?: "email" | "password" };

async function csrfToken(): Promise<string> {
  const res = await fetch("/api/auth/csrf", { credentials: "same-origin" });
  const data = (await res.json()) as { csrfToken: string };
  return data.csrfToken;
}

export async function signInWithPassword(email: string, password: string): Promise<TSignInResult> {
  if (!email.trim()) return { ok: false, message: "email is required", field: "email" };
  if (!password) return { ok: false, message: "password is required", field: "password" };
  const body = new URLSearchParams({
    email,
    password,
    csrfToken: await csrfToken(),
    json: "true",
    callbackUrl: "/",
  });
  const res = await fetch("/api/auth/callback/credentials", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
    credentials: "same-origin",
  });
  if (res.status === 429) {
    const data = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    return { ok: false, message: data?.error?.message ?? "Too many sign-in attempts; try again later." };
  }
  const data = (await res.json().catch(() => ({}))) as { url?: string };
  if (!res.ok || !data.url || new URL(data.url, location.href).searchParams.has("error")) {
    return { ok: false, message: "Wrong email or password.", field: "password" };
  }
  return { ok: true };
}

export async function signOut(): Promise<void> {
  const body = new URLSearchParams({ csrfToken: await csrfToken(), json: "true", callbackUrl: "/sign-in" });
  await fetch("/api/auth/signout", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
    credentials: "same-origin",
  });
}
