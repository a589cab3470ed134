"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, Suspense, useState } from "react";
import { Field, FormError, invalid } from "@/components/forms";
import { signInWithPassword } from "@/lib/authClient";
import { useTRPC } from "@/trpc/client";

const FIELDS = ["name", "email", "password", "orgName"];

function SignUpForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const params = useSearchParams();
  const next = params.get("next") ?? "/";
  const [signInError, setSignInError] = useState<string | null>(null);
  const signUp = useMutation(trpc.account.signUp.mutationOptions());

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const input = {
      name: String(f.get("name") ?? ""),
      email: String(f.get("email") ?? ""),
      password: String(f.get("password") ?? ""),
      orgName: String(f.get("orgName") ?? ""),
    };
    setSignInError(null);
    try {
      await signUp.mutateAsync(input);
    } catch {
      return;
    }
    const r = await signInWithPassword(input.email, input.password);
    if (!r.ok) return setSignInError(r.message);
    router.push(next.startsWith("/") ? next : "/");
    router.refresh();
  }

  const err = signUp.error;
  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <Field label="Your name" name="name" error={err}>
        <input name="name" autoComplete="name" aria-invalid={invalid(err, "name")} />
      </Field>
      <Field label="Email" name="email" error={err}>
        <input
          name="email"
          type="email"
          autoComplete="email"
          defaultValue={params.get("email") ?? ""}
          aria-invalid={invalid(err, "email")}
        />
      </Field>
      <Field label="Password" name="password" error={err} hint="At least 10 characters.">
        <input
          name="password"
          type="password"
          autoComplete="new-password"
          aria-invalid={invalid(err, "password")}
        />
      </Field>
      <Field label="Organization name" name="orgName" error={err}>
        <input name="orgName" aria-invalid={invalid(err, "orgName")} />
      </Field>
      <FormError error={err} fields={FIELDS} />
      {signInError && <div className="alert error">{signInError}</div>}
      <button className="primary" type="submit" disabled={signUp.isPending}>
        {signUp.isPending ? "Creating…" : "Create account"}
      </button>
      <p className="muted small">
        Already have an account? <Link href="/sign-in">Sign in</Link>
      </p>
    </form>
  );
}

export default function SignUpPage() {
  return (
    <div className="auth-card">
      <h1>Create your aitk account</h1>
      <Suspense>
        <SignUpForm />
      </Suspense>
    </div>
  );
}
