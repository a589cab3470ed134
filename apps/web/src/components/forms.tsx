"use client";

import type { ReactNode } from "react";
import { errorField, errorMessage } from "@/trpc/client";

/** A labelled input area whose error text appears when the server named this field. */
export function Field({
  label,
  name,
  error,
  children,
  hint,
}: {
  label: string;
  name: string;
  error: unknown;
  children: ReactNode;
  hint?: ReactNode;
}) {
  const mine = fieldMatches(errorField(error), name);
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is passed in as children
    <label data-field={name}>
      {label}
      {children}
      {hint && <span className="muted small">{hint}</span>}
      {mine && (
        <span className="field-error" role="alert">
          {errorMessage(error)}
        </span>
      )}
    </label>
  );
}

/** "connection.host" matches a field named "connection.host" or its parent "connection". */
export function fieldMatches(field: string | null, name: string): boolean {
  if (!field) return false;
  return field === name || field.startsWith(`${name}.`) || name.startsWith(`${field}.`);
}

export const invalid = (error: unknown, name: string) =>
  fieldMatches(errorField(error), name) ? true : undefined;

/** Errors that name no known field of the form (or no field at all). */
export function FormError({ error, fields }: { error: unknown; fields: string[] }) {
  if (!error) return null;
  const f = errorField(error);
  if (f && fields.some((n) => fieldMatches(f, n))) return null;
  return (
    <div className="alert error" role="alert">
      {errorMessage(error)}
    </div>
  );
}

export function NotBuilt({ what, when }: { what: string; when: string }) {
  return (
    <div className="placeholder">
      <strong>Not built yet — coming in {when}.</strong>
      {what}
    </div>
  );
}

export function Badge({ value, kind }: { value: string; kind?: string }) {
  return <span className={`badge ${kind ?? value}`}>{value}</span>;
}

export function ago(iso: string | null | undefined): string {
  if (!iso) return "never";
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return new Date(iso).toLocaleDateString();
}
