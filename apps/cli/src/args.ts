import { type ParseArgsConfig, parseArgs } from "node:util";
import { didYouMean } from "@aitk/core/build/suggest";
import { UsageError } from "./errors";

type TOptions = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs, with its errors turned into usage errors (exit 2) that name the flag. */
export function parseFlags<T extends TOptions>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/\. To specify a positional.*$/s, "") : String(e);
    throw new UsageError(msg);
  }
}

export function requireFlag(value: string | undefined, flag: string, example: string): string {
  if (!value) throw new UsageError(`missing --${flag} (e.g. ${example})`);
  return value;
}

/** A flag that takes one of `choices`: undefined when absent, a usage error with a suggestion when unknown. */
export function flagChoice<T extends string>(
  value: string | undefined,
  choices: readonly T[],
  flag: string,
): T | undefined {
  if (value === undefined) return undefined;
  if ((choices as readonly string[]).includes(value)) return value as T;
  const s = didYouMean(value, choices);
  throw new UsageError(
    `unknown --${flag} "${value}"${s ? ` (did you mean ${s}?)` : ""}; choices: ${choices.join(", ")}`,
  );
}
