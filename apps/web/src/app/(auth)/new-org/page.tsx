"use client";

import { useMutation } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { Field, FormError, invalid } from "@/components/forms";
import { useTRPC } from "@/trpc/client";

export default function NewOrgPage() {
  const trpc = useTRPC();
  const create = useMutation(
    trpc.account.createOrg.mutationOptions({ onSuccess: () => window.location.assign("/") }),
  );
  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    create.mutate({ name: String(new FormData(e.currentTarget).get("name") ?? "") });
  }
  return (
    <div className="auth-card">
      <h1>New organization</h1>
      <form className="stack" onSubmit={onSubmit} noValidate>
        <Field label="Name" name="name" error={create.error}>
          <input name="name" aria-invalid={invalid(create.error, "name")} />
        </Field>
        <FormError error={create.error} fields={["name"]} />
        <button className="primary" type="submit" disabled={create.isPending}>
          Create organization
        </button>
      </form>
    </div>
  );
}
