import { type ParseArgsConfig, parseArgs } from "node:util";
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
