// Turns anything a service can throw into a DomainError, so the two adapters (tRPC, REST) each map
// one error type to their response shape. Unknown errors stay unknown (→ 500, logged).
import { DomainError } from "@aitk/core/errors";
import { z } from "zod";

/** "body.upstreamUrl" style path of the first issue, and a message that names it. */
export function zodToDomainError(err: z.ZodError, prefix?: string): DomainError {
  const issue = err.issues[0];
  const path = issue?.path.map(String).join(".") ?? "";
  const field = [prefix, path].filter(Boolean).join(".") || undefined;
  const message = issue ? `${field ?? "input"}: ${issue.message}` : "invalid input";
  return new DomainError("VALIDATION", message, {
    ...(field ? { field } : {}),
    issues: err.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
  });
}

type TPrismaKnownError = { code: string; meta?: Record<string, unknown> };

function isPrismaKnownError(e: unknown): e is TPrismaKnownError {
  return (
    typeof e === "object" &&
    e !== null &&
    (e as { name?: string }).name === "PrismaClientKnownRequestError" &&
    typeof (e as { code?: unknown }).code === "string"
  );
}

function uniqueFields(meta: Record<string, unknown> | undefined): string | undefined {
  const target =
    meta?.target ??
    (meta?.driverAdapterError as { cause?: { constraint?: { fields?: string[] } } })?.cause?.constraint
      ?.fields;
  if (Array.isArray(target)) return target.filter((f) => f !== "orgId").join(",") || undefined;
  if (typeof target === "string") return target;
  return undefined;
}

export function toDomainError(e: unknown): DomainError | null {
  if (e instanceof DomainError) return e;
  if (e instanceof z.ZodError) return zodToDomainError(e);
  if (isPrismaKnownError(e)) {
    if (e.code === "P2002") {
      const field = uniqueFields(e.meta);
      return new DomainError("CONFLICT", field ? `${field} is already taken` : "already exists", {
        ...(field ? { field } : {}),
      });
    }
    if (e.code === "P2025") return new DomainError("NOT_FOUND", "not found");
  }
  return null;
}

/** The message as shown to clients: it always names the field when there is one. */
export function messageWithField(d: DomainError): string {
  const field = d.details.field;
  if (typeof field !== "string" || !field || d.message.includes(field)) return d.message;
  return `${field}: ${d.message}`;
}
