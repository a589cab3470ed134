import { isDomainError } from "@aitk/core";

// Exit codes are part of the CLI's contract: 0 ok, 1 the operation failed, 2 bad input.
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Bad input from the user: flags, files, ids. Printed as a message, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT_USAGE;
  if (isDomainError(err) && (err.code === "VALIDATION" || err.code === "NOT_FOUND")) return EXIT_USAGE;
  return EXIT_FAILED;
}
