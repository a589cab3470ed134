import { validationError } from "../errors";
import { isJobName, type TJobName, type TJobPayload, jobDefinitions, jobNames } from "./definitions";

/** Checks a job kind named by a user or another service; unknown kinds list the valid ones. */
export function assertJobName(kind: string): TJobName {
  if (!isJobName(kind)) {
    throw validationError(`unknown job kind "${kind}"`, { field: "kind", choices: [...jobNames] });
  }
  return kind;
}

/** Validates a payload against its kind's schema, naming the first bad field. */
export function parseJobPayload<N extends TJobName>(kind: N, payload: unknown): TJobPayload<N> {
  const res = jobDefinitions[kind].schema.safeParse(payload ?? {});
  if (!res.success) {
    const issue = res.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join(".") : undefined;
    const where = field ? `payload.${field}` : "payload";
    throw validationError(`invalid ${kind} ${where}: ${issue?.message ?? "invalid"}`, {
      field: field ? `payload.${field}` : "payload",
    });
  }
  return res.data as TJobPayload<N>;
}
