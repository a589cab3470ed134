"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, Suspense, useState } from "react";
import { signInWithPassword, type TSignInResult } from "@/lib/authClient";

function SignInForm() {
  const router = useRouter();
  const next = useSearchParams().get("next") ?? "/";
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<TSignInResult | null>(null);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    const r = await signInWithPassword(String(f.get("email") ?? ""), String(f.get("password") ?? ""));
    setBusy(false);
    setResult(r);
    if (r.ok) {
      router.push(next.startsWith("/") ? next : "/");
      router.refresh();
    }
  }

  const err = result && !result.ok ? result : null;
  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <label>
        Email
        <input
          name="email"
          type="email"
          autoComplete="email"
          aria-invalid={err?.field === "email" || undefined}
        />
        {err?.field === "email" && <span className="field-error">{err.message}</span>}
      </label>
      <label>
        Password
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          aria-invalid={err?.field === "password" || undefined}
        />
        {err?.field === "password" && <span className="field-error">{err.message}</span>}
      </label>
      {err && !err.field && (
        <div className="alert error" role="alert">
          {err.message}
        </div>
      )}
      <button className="primary" type="submit" disabled={busy}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
      <p className="muted small">
        No account?{" "}
        <Link href={`/sign-up${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`}>Create one</Link>
      </p>
    </form>
  );
}

export default function SignInPage() {
  return (
    <div className="auth-card">
      <h1>Sign in to aitk</h1>
      <Suspense>
        <SignInForm />
      </Suspense>
    </div>
  );
}
